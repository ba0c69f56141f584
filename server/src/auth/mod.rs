//! Who is asking, and may they read this collection? The one place that decides.
//!
//! - [`Auth::authenticate`] turns a [`Credential`] into a [`Principal`]: a JWT this server
//!   signed, or an API token looked up by hash in a [`Directory`] snapshot (a token the snapshot
//!   does not know yet is looked up in the database once).
//! - The snapshot of users, groups, grants and active tokens is re-read every
//!   `auth.refresh_secs`, so that checks cost no database round trip; that interval is the
//!   longest a revoked token or a disabled user is still accepted.
//! - [`Auth::can_read`] applies the collection's policy from config (`public`, `registered`,
//!   `restricted`), and [`Auth::require_read`] turns a refusal into 401 (anonymous) or 403
//!   (signed in). Every protocol calls it with the collection; listings filter with `can_read`.
//! - [`middleware`] resolves the principal of every request once and applies rate limits.

pub mod credentials;
pub mod middleware;
pub mod password;
pub mod token;

use std::{
    collections::{BTreeSet, HashMap},
    sync::{Arc, RwLock},
};

use axum::{extract::FromRequestParts, http::request::Parts};
use iroise_archive::accounts::{Accounts, Directory};

pub use credentials::Credential;

use crate::{
    config::{Access, Config},
    error::AppError,
};

/// A signed-in user, as the access checks see them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub id: i64,
    pub name: String,
    pub admin: bool,
    pub groups: BTreeSet<String>,
}

/// Who is asking: a user, or nobody in particular.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Principal(pub Option<Arc<Identity>>);

impl Principal {
    pub fn anonymous() -> Self {
        Self(None)
    }

    pub fn user(&self) -> Option<&Identity> {
        self.0.as_deref()
    }

    pub fn name(&self) -> Option<&str> {
        self.user().map(|u| u.name.as_str())
    }

    pub fn is_admin(&self) -> bool {
        self.user().is_some_and(|u| u.admin)
    }
}

/// Handlers take the principal that [`middleware::resolve`] put in the request; a request that
/// did not go through it (none does in the running server) is anonymous.
impl<S: Send + Sync> FromRequestParts<S> for Principal {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(parts.extensions.get::<Principal>().cloned().unwrap_or_default())
    }
}

/// Why a credential was refused. The message is safe to show: it never echoes the secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    #[error("{0}")]
    Malformed(#[from] credentials::Malformed),
    #[error("invalid or expired token")]
    InvalidToken,
    #[error("this token belongs to another user")]
    WrongUser,
    #[error("HTTP Basic takes a token as the password, with user name `token` or the token's owner")]
    BasicNeedsToken,
    #[error("invalid user name or password")]
    BadPassword,
    #[error("this account is disabled")]
    Disabled,
    #[error("the user database is unavailable")]
    Unavailable,
}

/// The access checks: keys, policies and the directory snapshot.
#[derive(Debug)]
pub struct Auth {
    enabled: bool,
    jwt: token::JwtKeys,
    accounts: Accounts,
    policies: HashMap<String, Access>,
    directory: RwLock<Arc<Directory>>,
}

impl Auth {
    pub async fn new(config: &Config, accounts: Accounts) -> anyhow::Result<Self> {
        let directory = accounts.directory().await?;
        Ok(Self {
            enabled: config.auth.enabled,
            jwt: token::JwtKeys::new(&config.auth),
            policies: config.collections.iter().map(|c| (c.id.clone(), c.access.clone())).collect(),
            accounts,
            directory: RwLock::new(Arc::new(directory)),
        })
    }

    pub fn enabled(&self) -> bool {
        self.enabled
    }

    pub fn accounts(&self) -> &Accounts {
        &self.accounts
    }

    pub fn jwt(&self) -> &token::JwtKeys {
        &self.jwt
    }

    fn snapshot(&self) -> Arc<Directory> {
        match self.directory.read() {
            Ok(d) => d.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Re-reads users, grants and tokens from the database.
    pub async fn reload(&self) -> anyhow::Result<()> {
        let fresh = Arc::new(self.accounts.directory().await?);
        match self.directory.write() {
            Ok(mut d) => *d = fresh,
            Err(poisoned) => *poisoned.into_inner() = fresh,
        }
        Ok(())
    }

    /// Reloads the directory every `every` until the process ends.
    pub fn spawn_refresh(self: &Arc<Self>, every: std::time::Duration) {
        let auth = Arc::downgrade(self);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            tick.tick().await;
            loop {
                tick.tick().await;
                let Some(auth) = auth.upgrade() else { break };
                if let Err(e) = auth.reload().await {
                    tracing::warn!(error = %e, "cannot refresh the user directory; keeping the previous one");
                }
            }
        });
    }

    fn identity(&self, dir: &Directory, user_id: i64) -> Result<Principal, AuthError> {
        let u = dir.users.get(&user_id).ok_or(AuthError::InvalidToken)?;
        if u.disabled {
            return Err(AuthError::Disabled);
        }
        Ok(Principal(Some(Arc::new(Identity {
            id: u.id,
            name: u.name.clone(),
            admin: u.admin,
            groups: u.groups.clone(),
        }))))
    }

    /// The user a token stands for: an API token or a JWT.
    pub async fn token(&self, token: &str) -> Result<Principal, AuthError> {
        let dir = self.snapshot();
        if token::looks_like_api_token(token) {
            let hash = token::hash_token(token);
            let now = chrono::Utc::now().timestamp_millis();
            let active = match dir.tokens.get(&hash) {
                Some(t) => Some(*t),
                // Created since the last refresh, perhaps: ask the database once.
                None => self.accounts.active_token(&hash).await.map_err(|_| AuthError::Unavailable)?,
            };
            let active = active.filter(|t| t.expires_at.is_none_or(|e| e > now)).ok_or(AuthError::InvalidToken)?;
            return match self.identity(&dir, active.user_id) {
                // A user created since the last refresh: read the directory again.
                Err(AuthError::InvalidToken) => {
                    self.reload().await.map_err(|_| AuthError::Unavailable)?;
                    self.identity(&self.snapshot(), active.user_id)
                }
                other => other,
            };
        }
        let claims = self.jwt.verify(token).map_err(|_| AuthError::InvalidToken)?;
        let p = self.identity(&dir, claims.uid)?;
        if p.name() != Some(claims.sub.as_str()) {
            return Err(AuthError::InvalidToken);
        }
        Ok(p)
    }

    /// The principal of a request's credential.
    pub async fn authenticate(&self, credential: &Credential) -> Result<Principal, AuthError> {
        match credential {
            Credential::Bearer(t) | Credential::Query(t) => self.token(t).await,
            Credential::Basic { user, password } => {
                // The password must be a token: never a token in the user name.
                if password.is_empty() || (!token::looks_like_api_token(password) && password.split('.').count() != 3) {
                    return Err(AuthError::BasicNeedsToken);
                }
                let p = self.token(password).await?;
                if user != "token" && p.name() != Some(user.as_str()) {
                    return Err(AuthError::WrongUser);
                }
                Ok(p)
            }
        }
    }

    /// Checks a user name and password (FTP logins and `POST /auth/token`).
    pub async fn login(&self, user: &str, password: &str) -> Result<Principal, AuthError> {
        let found = self.accounts.credentials(user).await.map_err(|_| AuthError::Unavailable)?;
        let password = password.to_owned();
        // Hash even for an unknown user, so that timing does not tell which names exist.
        let (id, hash, enabled) = found.unwrap_or((-1, None, false));
        let phc = hash.unwrap_or_else(|| DUMMY_HASH.to_owned());
        let ok = tokio::task::spawn_blocking(move || password::verify(&password, &phc))
            .await
            .map_err(|_| AuthError::Unavailable)?;
        if !ok || id < 0 {
            return Err(AuthError::BadPassword);
        }
        if !enabled {
            return Err(AuthError::Disabled);
        }
        let dir = self.snapshot();
        match self.identity(&dir, id) {
            Err(AuthError::InvalidToken) => {
                self.reload().await.map_err(|_| AuthError::Unavailable)?;
                self.identity(&self.snapshot(), id)
            }
            other => other,
        }
    }

    /// Whether `p` may read `collection`: its policy, then the grants.
    pub fn can_read(&self, p: &Principal, collection: &str) -> bool {
        if !self.enabled {
            return true;
        }
        match self.policies.get(collection) {
            None | Some(Access::Public) => true,
            Some(Access::Registered) => p.user().is_some(),
            Some(Access::Restricted { groups }) => {
                let Some(u) = p.user() else { return false };
                if u.admin || u.groups.iter().any(|g| groups.contains(g)) {
                    return true;
                }
                let dir = self.snapshot();
                dir.grants.get(collection).is_some_and(|(users, granted)| {
                    users.contains(&u.name) || u.groups.iter().any(|g| granted.contains(g))
                })
            }
        }
    }

    /// `Ok` when `p` may read `collection`; otherwise 401 for anonymous callers (who should
    /// sign in) and 403 for signed-in ones (who may ask for access).
    pub fn require_read(&self, p: &Principal, collection: &str) -> Result<(), AppError> {
        if self.can_read(p, collection) {
            Ok(())
        } else if p.user().is_none() {
            Err(AppError::Unauthorized { reason: format!("collection {collection:?} needs a signed-in user") })
        } else {
            Err(AppError::Forbidden { collection: collection.to_owned() })
        }
    }
}

/// An argon2 hash of a random password, verified against when the user does not exist.
const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$4x4ZzSTwJHd8hMNZzX1YzhT0lZ8tC4y8S8mT3dA1ytE";
