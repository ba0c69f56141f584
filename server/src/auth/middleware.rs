//! The request side of access control: resolve the caller once per request, apply rate
//! limits, and make every 401 carry its `WWW-Authenticate` challenges.

use std::{
    net::{IpAddr, SocketAddr},
    num::NonZeroU32,
    time::Duration,
};

use axum::{
    extract::{ConnectInfo, Request, State},
    http::{HeaderValue, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter, clock::Clock};

use super::{AuthError, Principal, credentials};
use crate::{config::Limits, error::AppError, state::AppState};

/// The challenges of a 401, one per header line (browsers do not all split a combined one):
/// Basic for netCDF-C, curl and browsers, Bearer for token clients.
const BASIC: &str = r#"Basic realm="iroise", charset="UTF-8""#;
const BEARER: &str = r#"Bearer realm="iroise""#;
const BEARER_INVALID: &str = r#"Bearer realm="iroise", error="invalid_token""#;

fn challenge(res: &mut Response, bearer: &'static str) {
    let h = res.headers_mut();
    h.remove(header::WWW_AUTHENTICATE);
    h.append(header::WWW_AUTHENTICATE, HeaderValue::from_static(BASIC));
    h.append(header::WWW_AUTHENTICATE, HeaderValue::from_static(bearer));
}

/// The client's address, as the socket saw it (no proxy header is trusted).
pub fn client_ip(req: &Request) -> Option<IpAddr> {
    req.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip())
}

/// Resolves the request's [`Principal`] (refusing a bad credential with 401 even on public
/// data, so that a client learns its token expired) and applies the rate limits.
pub async fn resolve(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let principal = if state.auth.enabled() {
        let credential = credentials::from_request(req.headers(), req.uri().query());
        let resolved = match credential {
            Ok(None) => Ok(Principal::anonymous()),
            Ok(Some(c)) => state.auth.authenticate(&c).await,
            Err(e) => Err(AuthError::from(e)),
        };
        match resolved {
            Ok(p) => p,
            Err(AuthError::Unavailable) => return AppError::Unavailable("user database".into()).into_response(),
            Err(e) => {
                let mut res = AppError::Unauthorized { reason: e.to_string() }.into_response();
                challenge(&mut res, BEARER_INVALID);
                return res;
            }
        }
    } else {
        Principal::anonymous()
    };
    if let Some(wait) = state.limits.check(&principal, client_ip(&req)) {
        return AppError::RateLimited { retry_after_secs: wait.as_secs().max(1) }.into_response();
    }
    req.extensions_mut().insert(principal);
    let mut res = next.run(req).await;
    if res.status() == StatusCode::UNAUTHORIZED && !res.headers().contains_key(header::WWW_AUTHENTICATE) {
        challenge(&mut res, BEARER);
    }
    res
}

/// Requests per second per signed-in user and per anonymous address.
pub struct RateLimits {
    users: Option<DefaultKeyedRateLimiter<String>>,
    anonymous: Option<DefaultKeyedRateLimiter<IpAddr>>,
}

impl std::fmt::Debug for RateLimits {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RateLimits")
            .field("users", &self.users.is_some())
            .field("anonymous", &self.anonymous.is_some())
            .finish()
    }
}

impl RateLimits {
    pub fn new(limits: &Limits) -> Self {
        let quota = |rate: u32| {
            let rate = NonZeroU32::new(rate)?;
            let burst = limits.burst.and_then(NonZeroU32::new).unwrap_or(rate);
            Some(Quota::per_second(rate).allow_burst(burst))
        };
        Self {
            users: quota(limits.user_per_second).map(RateLimiter::keyed),
            anonymous: quota(limits.anonymous_per_second).map(RateLimiter::keyed),
        }
    }

    /// How long to wait when over the limit; `None` when the request may go ahead.
    pub fn check(&self, p: &Principal, ip: Option<IpAddr>) -> Option<Duration> {
        let clock = governor::clock::DefaultClock::default();
        let refused = match (p.name(), ip) {
            (Some(name), _) => self.users.as_ref()?.check_key(&name.to_owned()).err(),
            (None, Some(ip)) => self.anonymous.as_ref()?.check_key(&ip).err(),
            (None, None) => None,
        };
        refused.map(|not_until| not_until.wait_time_from(clock.now()))
    }

    /// Forgets keys whose budget is full again, so that memory stays bounded.
    pub fn prune(&self) {
        if let Some(l) = &self.users {
            l.retain_recent();
            l.shrink_to_fit();
        }
        if let Some(l) = &self.anonymous {
            l.retain_recent();
            l.shrink_to_fit();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_anonymous_address_over_its_rate_waits() {
        let limits = RateLimits::new(&Limits { user_per_second: 0, anonymous_per_second: 2, burst: Some(2) });
        let ip = Some(IpAddr::from([127, 0, 0, 1]));
        let anon = Principal::anonymous();
        assert!(limits.check(&anon, ip).is_none());
        assert!(limits.check(&anon, ip).is_none());
        let wait = limits.check(&anon, ip).expect("the third request in a burst of 2 waits");
        assert!(wait <= Duration::from_secs(1));
        // Another address has its own budget; users have no limit here.
        assert!(limits.check(&anon, Some(IpAddr::from([10, 0, 0, 1]))).is_none());
        limits.prune();
    }
}
