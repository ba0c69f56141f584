//! FTP sign-in, with the same [`Auth`] as HTTP: a user name and password, or a token (API
//! token or JWT) as the password with user name `token` or the token owner's name, or
//! `anonymous`/`ftp` with any password when `ftp.anonymous` is on (public collections only).
//!
//! libunftp asks an [`Authenticator`] for a name, then a [`UserDetailProvider`] for the user
//! behind that name. [`SignIn`] is both: a successful sign-in parks the resolved [`FtpUser`]
//! under a one-time key, and the provider takes it back, so that the session's user is exactly
//! the principal that was checked (no second lookup by name).

use std::{
    collections::HashMap,
    fmt,
    net::IpAddr,
    sync::{
        Arc, Mutex, PoisonError,
        atomic::{AtomicU64, Ordering},
    },
};

use async_trait::async_trait;
use unftp_core::auth::{
    AuthenticationError, Authenticator, Credentials, Principal as Handoff, UserDetail, UserDetailError,
    UserDetailProvider,
};

use crate::auth::{Auth, AuthError, Principal, token};

/// User names that mean anonymous FTP (RFC 1635); no account by these names can sign in.
const ANONYMOUS_NAMES: [&str; 2] = ["anonymous", "ftp"];

/// The user of an FTP session.
#[derive(Debug, Clone)]
pub struct FtpUser {
    pub principal: Principal,
    pub client: Option<IpAddr>,
}

impl FtpUser {
    /// The account name, `None` for anonymous sessions.
    pub fn name(&self) -> Option<&str> {
        self.principal.name()
    }
}

impl fmt::Display for FtpUser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name().unwrap_or("anonymous"))
    }
}

impl UserDetail for FtpUser {}

/// Why a sign-in was refused, for the log (never the secret).
#[derive(Debug, thiserror::Error)]
enum Refusal {
    #[error("anonymous FTP is off (ftp.anonymous = false)")]
    AnonymousOff,
    #[error("empty password")]
    EmptyPassword,
    #[error("user `token` needs a token as the password")]
    NotAToken,
    #[error("{0}")]
    Auth(#[from] AuthError),
}

/// The FTP authenticator and user provider over [`Auth`].
pub struct SignIn {
    auth: Arc<Auth>,
    anonymous: bool,
    /// Users signed in whose session has not picked them up yet, by one-time key.
    parked: Mutex<HashMap<String, FtpUser>>,
    next: AtomicU64,
}

impl fmt::Debug for SignIn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignIn").field("anonymous", &self.anonymous).finish_non_exhaustive()
    }
}

/// What a token looks like: an API token, or a JWT's three dot-separated parts. The same rule
/// as HTTP Basic.
fn looks_like_token(s: &str) -> bool {
    token::looks_like_api_token(s) || s.split('.').count() == 3
}

/// A user name fit for the log: one that looks like a secret (a token typed in the wrong
/// field, say) is replaced.
pub fn loggable_name(name: &str) -> &str {
    if looks_like_token(name)
        || name.starts_with(token::API_TOKEN_PREFIX)
        || name.len() > 64
        || name.chars().any(char::is_control)
    {
        "<redacted>"
    } else {
        name
    }
}

impl SignIn {
    pub fn new(auth: Arc<Auth>, anonymous: bool) -> Self {
        Self { auth, anonymous, parked: Mutex::new(HashMap::new()), next: AtomicU64::new(0) }
    }

    async fn check(&self, user: &str, password: &str) -> Result<Principal, Refusal> {
        if ANONYMOUS_NAMES.iter().any(|a| a.eq_ignore_ascii_case(user)) {
            return if self.anonymous { Ok(Principal::anonymous()) } else { Err(Refusal::AnonymousOff) };
        }
        if password.is_empty() {
            return Err(Refusal::EmptyPassword);
        }
        if looks_like_token(password) {
            match self.auth.token(password).await {
                Ok(p) if user == "token" || p.name() == Some(user) => return Ok(p),
                Ok(_) => return Err(AuthError::WrongUser.into()),
                Err(e) if user == "token" => return Err(e.into()),
                // A password that merely looks like a token: try it as a password below.
                Err(_) => {}
            }
        } else if user == "token" {
            return Err(Refusal::NotAToken);
        }
        Ok(self.auth.login(user, password).await?)
    }

    fn parked(&self) -> std::sync::MutexGuard<'_, HashMap<String, FtpUser>> {
        self.parked.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[async_trait]
impl Authenticator for SignIn {
    async fn authenticate(&self, username: &str, creds: &Credentials) -> Result<Handoff, AuthenticationError> {
        let password = creds.password.as_deref().unwrap_or_default();
        let client = creds.source_ip;
        match self.check(username, password).await {
            Ok(principal) => {
                let user = FtpUser { principal, client: Some(client) };
                tracing::info!(parent: None, user = %user, %client, "ftp sign-in");
                let key = format!("ftp-session-{}", self.next.fetch_add(1, Ordering::Relaxed));
                self.parked().insert(key.clone(), user);
                Ok(Handoff { username: key })
            }
            Err(why) => {
                tracing::info!(parent: None, user = loggable_name(username), %client, reason = %why, "ftp sign-in refused");
                Err(match why {
                    Refusal::AnonymousOff => AuthenticationError::BadUser,
                    Refusal::Auth(AuthError::Unavailable) => {
                        AuthenticationError::new("the user database is unavailable")
                    }
                    _ => AuthenticationError::BadPassword,
                })
            }
        }
    }
}

#[async_trait]
impl UserDetailProvider for SignIn {
    type User = FtpUser;

    async fn provide_user_detail(&self, handoff: &Handoff) -> Result<FtpUser, UserDetailError> {
        self.parked()
            .remove(&handoff.username)
            .ok_or_else(|| UserDetailError::UserNotFound { username: handoff.username.clone() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_typed_as_user_names_stay_out_of_the_log() {
        assert_eq!(loggable_name("alice"), "alice");
        assert_eq!(loggable_name("iro_abcdefghijklmnop"), "<redacted>");
        assert_eq!(loggable_name(&token::new_api_token().0), "<redacted>");
        assert_eq!(loggable_name("eyJhbGciOi.eyJzdWIiOi.c2lnbmF0dXJl"), "<redacted>");
        assert_eq!(loggable_name(&"x".repeat(65)), "<redacted>");
    }
}
