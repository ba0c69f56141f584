//! Tokens: the server's short-lived JWTs and long-lived API tokens.
//!
//! JWTs are HS256 with the configured key. Validation is strict: the algorithm is fixed (so
//! `alg: none` and every other algorithm are refused), and `exp`, `nbf`, `iss`, `aud` and `sub`
//! are all required and checked, with a small leeway for clock skew.
//!
//! API tokens are `iro_` followed by 32 random letters and digits. Only their SHA-256 is
//! stored, with the first 8 characters as a prefix to tell them apart in listings.

use std::time::Duration;

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rand::{Rng, distr::Alphanumeric};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::config::AuthConfig;

pub const API_TOKEN_PREFIX: &str = "iro_";
const API_TOKEN_LEN: usize = 32;

/// The claims of a JWT this server issues.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// The user's name.
    pub sub: String,
    /// The user's id, so that a user deleted and re-created under the same name is not matched.
    pub uid: i64,
    pub iss: String,
    pub aud: String,
    pub iat: i64,
    pub nbf: i64,
    pub exp: i64,
}

/// Signs and checks JWTs.
pub struct JwtKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    issuer: String,
    audience: String,
    ttl: Duration,
}

impl std::fmt::Debug for JwtKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JwtKeys")
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .finish_non_exhaustive()
    }
}

impl JwtKeys {
    pub fn new(config: &AuthConfig) -> Self {
        let secret = match &config.jwt_secret {
            Some(s) => s.0.as_bytes().to_vec(),
            None => {
                tracing::warn!(
                    "no auth.jwt_secret configured: signing tokens with a random key, so they stop working when the server restarts"
                );
                random_string(48).into_bytes()
            }
        };
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = config.leeway_secs;
        validation.validate_nbf = true;
        validation.validate_exp = true;
        validation.set_issuer(&[&config.issuer]);
        validation.set_audience(&[&config.audience]);
        validation.set_required_spec_claims(&["exp", "nbf", "iss", "aud", "sub"]);
        Self {
            encoding: EncodingKey::from_secret(&secret),
            decoding: DecodingKey::from_secret(&secret),
            validation,
            issuer: config.issuer.clone(),
            audience: config.audience.clone(),
            ttl: config.jwt_ttl,
        }
    }

    /// A signed token for this user, and its lifetime.
    pub fn issue(&self, uid: i64, name: &str) -> Result<(String, Duration), jsonwebtoken::errors::Error> {
        let now = chrono::Utc::now().timestamp();
        let ttl = i64::try_from(self.ttl.as_secs()).unwrap_or(i64::MAX / 2);
        let claims = Claims {
            sub: name.to_owned(),
            uid,
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            iat: now,
            nbf: now,
            exp: now.saturating_add(ttl),
        };
        Ok((jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)?, self.ttl))
    }

    /// The claims of a valid token.
    pub fn verify(&self, token: &str) -> Result<Claims, jsonwebtoken::errors::Error> {
        Ok(jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)?.claims)
    }
}

pub fn random_string(len: usize) -> String {
    rand::rng().sample_iter(&Alphanumeric).take(len).map(char::from).collect()
}

/// A new API token: the secret to show once, its listing prefix and the hash to store.
pub fn new_api_token() -> (String, String, String) {
    let token = format!("{API_TOKEN_PREFIX}{}", random_string(API_TOKEN_LEN));
    let prefix = token[..8].to_owned();
    let hash = hash_token(&token);
    (token, prefix, hash)
}

pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Whether `s` has the shape of an API token (cheap, before any lookup).
pub fn looks_like_api_token(s: &str) -> bool {
    s.strip_prefix(API_TOKEN_PREFIX)
        .is_some_and(|rest| rest.len() == API_TOKEN_LEN && rest.bytes().all(|b| b.is_ascii_alphanumeric()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD as B64};

    fn config(secret: &str) -> AuthConfig {
        AuthConfig {
            enabled: true,
            jwt_secret: Some(crate::config::Secret(secret.into())),
            issuer: "iroise".into(),
            audience: "iroise".into(),
            jwt_ttl: Duration::from_secs(60),
            leeway_secs: 5,
            refresh: Duration::from_secs(1),
            self_registration: false,
        }
    }

    const KEY: &str = "0123456789abcdef0123456789abcdef";

    fn sign(claims: &serde_json::Value, key: &str) -> String {
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), claims, &EncodingKey::from_secret(key.as_bytes())).unwrap()
    }

    fn claims(shift_nbf: i64, shift_exp: i64, aud: &str) -> serde_json::Value {
        let now = chrono::Utc::now().timestamp();
        serde_json::json!({"sub": "alice", "uid": 1, "iss": "iroise", "aud": aud, "iat": now,
            "nbf": now + shift_nbf, "exp": now + shift_exp})
    }

    #[test]
    fn an_issued_token_verifies() {
        let keys = JwtKeys::new(&config(KEY));
        let (t, _) = keys.issue(7, "alice").unwrap();
        let c = keys.verify(&t).unwrap();
        assert_eq!((c.uid, c.sub.as_str()), (7, "alice"));
    }

    #[test]
    fn forged_expired_early_and_foreign_tokens_are_refused() {
        let keys = JwtKeys::new(&config(KEY));
        assert!(keys.verify(&sign(&claims(0, 60, "iroise"), KEY)).is_ok());
        // Another key, expired, not yet valid, another audience.
        assert!(keys.verify(&sign(&claims(0, 60, "iroise"), "another key, just as long as the first")).is_err());
        assert!(keys.verify(&sign(&claims(-120, -60, "iroise"), KEY)).is_err());
        assert!(keys.verify(&sign(&claims(60, 120, "iroise"), KEY)).is_err());
        assert!(keys.verify(&sign(&claims(0, 60, "someone-else"), KEY)).is_err());
        // alg none, with no signature.
        let header = B64.encode(br#"{"alg":"none","typ":"JWT"}"#);
        let body = B64.encode(claims(0, 60, "iroise").to_string());
        assert!(keys.verify(&format!("{header}.{body}.")).is_err());
        // A tampered payload under a valid signature.
        let good = sign(&claims(0, 60, "iroise"), KEY);
        let parts: Vec<&str> = good.split('.').collect();
        let mut evil = claims(0, 60, "iroise");
        evil["sub"] = "admin".into();
        let forged = format!("{}.{}.{}", parts[0], B64.encode(evil.to_string()), parts[2]);
        assert!(keys.verify(&forged).is_err());
        // Missing nbf.
        let mut no_nbf = claims(0, 60, "iroise");
        no_nbf.as_object_mut().unwrap().remove("nbf");
        assert!(keys.verify(&sign(&no_nbf, KEY)).is_err());
    }

    #[test]
    fn api_tokens_have_a_recognisable_shape_and_a_stable_hash() {
        let (t, prefix, hash) = new_api_token();
        assert!(looks_like_api_token(&t));
        assert!(t.starts_with(&prefix));
        assert_eq!(hash, hash_token(&t));
        assert!(!looks_like_api_token("iro_short"));
        assert!(!looks_like_api_token("eyJhbGciOi.x.y"));
    }
}
