//! Where a request carries its credential: `Authorization: Bearer`, `Authorization: Basic`
//! (a token as the password, so that netCDF-C's `.netrc` and `curl -u` work), or `?token=`
//! for map clients that cannot set headers.

use axum::http::{HeaderMap, header};
use base64::{Engine, engine::general_purpose::STANDARD};

/// A credential as sent; not checked yet.
#[derive(Clone, PartialEq, Eq)]
pub enum Credential {
    Bearer(String),
    Basic { user: String, password: String },
    Query(String),
}

// Never print a secret, even in a debug log.
impl std::fmt::Debug for Credential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Bearer(_) => f.write_str("Bearer(..)"),
            Self::Basic { user, .. } => write!(f, "Basic({user:?}, ..)"),
            Self::Query(_) => f.write_str("Query(..)"),
        }
    }
}

/// Why a credential could not even be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Malformed {
    #[error("the Authorization header is not valid text")]
    NotText,
    #[error("unsupported Authorization scheme; use Bearer or Basic")]
    Scheme,
    #[error("the Basic credentials are not base64 of user:password")]
    Basic,
    #[error("more than one token parameter")]
    SeveralTokens,
}

/// The credential of a request, if any. The `Authorization` header wins over `?token=`.
pub fn from_request(headers: &HeaderMap, query: Option<&str>) -> Result<Option<Credential>, Malformed> {
    if let Some(value) = headers.get(header::AUTHORIZATION) {
        let value = value.to_str().map_err(|_| Malformed::NotText)?.trim();
        let (scheme, rest) = value.split_once(' ').ok_or(Malformed::Scheme)?;
        let rest = rest.trim();
        return if scheme.eq_ignore_ascii_case("bearer") {
            Ok(Some(Credential::Bearer(rest.to_owned())))
        } else if scheme.eq_ignore_ascii_case("basic") {
            let decoded = STANDARD.decode(rest).map_err(|_| Malformed::Basic)?;
            let text = String::from_utf8(decoded).map_err(|_| Malformed::Basic)?;
            let (user, password) = text.split_once(':').ok_or(Malformed::Basic)?;
            Ok(Some(Credential::Basic { user: user.to_owned(), password: password.to_owned() }))
        } else {
            Err(Malformed::Scheme)
        };
    }
    let mut tokens =
        query.into_iter().flat_map(url_pairs).filter(|(k, _)| k.eq_ignore_ascii_case("token")).map(|(_, v)| v);
    match (tokens.next(), tokens.next()) {
        (Some(_), Some(_)) => Err(Malformed::SeveralTokens),
        (Some(t), None) => Ok(Some(Credential::Query(t))),
        _ => Ok(None),
    }
}

fn url_pairs(query: &str) -> impl Iterator<Item = (String, String)> + '_ {
    query.split('&').filter(|p| !p.is_empty()).map(|pair| {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let decode =
            |s: &str| percent_encoding::percent_decode_str(&s.replace('+', " ")).decode_utf8_lossy().into_owned();
        (decode(k), decode(v))
    })
}

/// `query` without its `token` parameters, for logs and for caches keyed on the query.
pub fn strip_token(query: &str) -> String {
    query
        .split('&')
        .filter(|p| {
            let key = p.split_once('=').map_or(*p, |(k, _)| k);
            !key.eq_ignore_ascii_case("token")
        })
        .collect::<Vec<_>>()
        .join("&")
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(auth: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::AUTHORIZATION, HeaderValue::from_str(auth).unwrap());
        h
    }

    #[test]
    fn each_carrier_is_read() {
        assert_eq!(from_request(&headers("Bearer abc"), None), Ok(Some(Credential::Bearer("abc".into()))));
        let basic = format!("Basic {}", STANDARD.encode("token:iro_x"));
        assert_eq!(
            from_request(&headers(&basic), None),
            Ok(Some(Credential::Basic { user: "token".into(), password: "iro_x".into() }))
        );
        assert_eq!(
            from_request(&HeaderMap::new(), Some("LAYERS=a&token=t%2By")),
            Ok(Some(Credential::Query("t+y".into())))
        );
        assert_eq!(from_request(&HeaderMap::new(), Some("a=b")), Ok(None));
    }

    #[test]
    fn malformed_credentials_are_errors() {
        assert_eq!(from_request(&headers("Digest x"), None), Err(Malformed::Scheme));
        assert_eq!(from_request(&headers("Basic !!!"), None), Err(Malformed::Basic));
        assert_eq!(
            from_request(&headers(&format!("Basic {}", STANDARD.encode("nocolon"))), None),
            Err(Malformed::Basic)
        );
        assert_eq!(from_request(&HeaderMap::new(), Some("token=a&token=b")), Err(Malformed::SeveralTokens));
    }

    #[test]
    fn secrets_stay_out_of_debug_and_stripped_queries() {
        let c = Credential::Basic { user: "alice".into(), password: "s3cret".into() };
        assert!(!format!("{c:?}").contains("s3cret"));
        assert_eq!(strip_token("a=1&token=secret&b=2&TOKEN=x"), "a=1&b=2");
    }
}
