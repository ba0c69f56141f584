//! Users, groups, grants, API tokens and access requests, in the catalog database.
//!
//! This is data only: passwords arrive already hashed and tokens as their SHA-256, and no access
//! decision is taken here. The server's `auth` module reads a [`Directory`] snapshot so that
//! deciding who may read what costs no database round trip.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, TimeZone, Utc};
use serde::Serialize;
use sqlx::{Row, sqlite::SqlitePool};

use crate::error::{ArchiveError, Result};

/// A user as listed: never the password hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct User {
    pub id: i64,
    pub name: String,
    pub email: Option<String>,
    pub admin: bool,
    pub disabled: bool,
    pub groups: Vec<String>,
    pub created_at: DateTime<Utc>,
}

/// Who a grant is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Grantee {
    User(String),
    Group(String),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Grant {
    pub collection: String,
    pub user: Option<String>,
    pub group: Option<String>,
}

/// An API token as listed: its prefix, never its secret or hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TokenInfo {
    pub id: i64,
    pub user: String,
    pub name: String,
    pub prefix: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RequestStatus {
    Pending,
    Approved,
    Refused,
}

impl RequestStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Approved => "approved",
            Self::Refused => "refused",
        }
    }

    fn parse(s: &str) -> Self {
        match s {
            "approved" => Self::Approved,
            "refused" => Self::Refused,
            _ => Self::Pending,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AccessRequest {
    pub id: i64,
    pub user: String,
    pub collection: String,
    pub message: String,
    pub status: RequestStatus,
    pub created_at: DateTime<Utc>,
    pub decided_at: Option<DateTime<Utc>>,
    pub decided_by: Option<String>,
}

/// A user as the access checks see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirectoryUser {
    pub id: i64,
    pub name: String,
    pub admin: bool,
    pub disabled: bool,
    pub groups: BTreeSet<String>,
}

/// An API token that is neither revoked nor expired at snapshot time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ActiveToken {
    pub user_id: i64,
    pub expires_at: Option<i64>,
}

/// Everything the access checks need, read in one go.
#[derive(Debug, Clone, Default)]
pub struct Directory {
    pub users: HashMap<i64, DirectoryUser>,
    /// Token SHA-256 (hex) to its owner.
    pub tokens: HashMap<String, ActiveToken>,
    /// Collection to the users and groups granted it.
    pub grants: BTreeMap<String, (BTreeSet<String>, BTreeSet<String>)>,
}

/// Names of users and groups: what a shell, a URL and an FTP login can all carry.
pub fn validate_name(field: &'static str, name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'))
        && !name.starts_with(['.', '-']);
    if ok {
        Ok(())
    } else {
        Err(ArchiveError::InvalidAccount {
            field,
            reason: format!(
                "{name:?}: use 1 to 64 letters, digits, '.', '_', '-' or '@', not starting with '.' or '-'"
            ),
        })
    }
}

fn now_ms() -> i64 {
    Utc::now().timestamp_millis()
}

fn time(v: i64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(v).single().unwrap_or_default()
}

fn unknown(kind: &'static str, name: impl Into<String>) -> ArchiveError {
    ArchiveError::UnknownAccount { kind, name: name.into() }
}

fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.is_unique_violation())
}

/// The accounts store over the catalog's connection pool.
#[derive(Debug, Clone)]
pub struct Accounts {
    pool: SqlitePool,
}

impl Accounts {
    pub fn new(pool: SqlitePool) -> Self {
        Self { pool }
    }

    pub async fn add_user(
        &self,
        name: &str,
        email: Option<&str>,
        password_hash: Option<&str>,
        admin: bool,
    ) -> Result<i64> {
        validate_name("user name", name)?;
        sqlx::query_scalar(
            "INSERT INTO users (name, email, password_hash, admin, created_at) VALUES (?, ?, ?, ?, ?) RETURNING id",
        )
        .bind(name)
        .bind(email)
        .bind(password_hash)
        .bind(admin)
        .bind(now_ms())
        .fetch_one(&self.pool)
        .await
        .map_err(|e| {
            if is_unique_violation(&e) {
                ArchiveError::AccountConflict { kind: "user", name: name.into() }
            } else {
                e.into()
            }
        })
    }

    /// The user's id, password hash and whether they may sign in, for a login check.
    pub async fn credentials(&self, name: &str) -> Result<Option<(i64, Option<String>, bool)>> {
        let row = sqlx::query("SELECT id, password_hash, disabled FROM users WHERE name = ?")
            .bind(name)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| Ok((r.try_get("id")?, r.try_get("password_hash")?, !r.try_get::<bool, _>("disabled")?))).transpose()
    }

    async fn user_id(&self, name: &str) -> Result<i64> {
        sqlx::query_scalar("SELECT id FROM users WHERE name = ?")
            .bind(name)
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| unknown("user", name))
    }

    async fn group_id(&self, name: &str) -> Result<i64> {
        sqlx::query_scalar("SELECT id FROM groups WHERE name = ?")
            .bind(name)
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| unknown("group", name))
    }

    pub async fn users(&self) -> Result<Vec<User>> {
        let rows = sqlx::query(
            "SELECT u.id, u.name, u.email, u.admin, u.disabled, u.created_at, \
                    (SELECT group_concat(g.name, ',') FROM group_members m JOIN groups g ON g.id = m.group_id \
                     WHERE m.user_id = u.id) AS groups \
             FROM users u ORDER BY u.name",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let groups: Option<String> = r.try_get("groups")?;
                let mut groups: Vec<String> =
                    groups.unwrap_or_default().split(',').filter(|g| !g.is_empty()).map(str::to_owned).collect();
                groups.sort();
                Ok(User {
                    id: r.try_get("id")?,
                    name: r.try_get("name")?,
                    email: r.try_get("email")?,
                    admin: r.try_get("admin")?,
                    disabled: r.try_get("disabled")?,
                    groups,
                    created_at: time(r.try_get("created_at")?),
                })
            })
            .collect()
    }

    pub async fn set_disabled(&self, name: &str, disabled: bool) -> Result<()> {
        let done = sqlx::query("UPDATE users SET disabled = ? WHERE name = ?")
            .bind(disabled)
            .bind(name)
            .execute(&self.pool)
            .await?;
        if done.rows_affected() == 0 { Err(unknown("user", name)) } else { Ok(()) }
    }

    pub async fn set_password(&self, name: &str, password_hash: &str) -> Result<()> {
        let done = sqlx::query("UPDATE users SET password_hash = ? WHERE name = ?")
            .bind(password_hash)
            .bind(name)
            .execute(&self.pool)
            .await?;
        if done.rows_affected() == 0 { Err(unknown("user", name)) } else { Ok(()) }
    }

    pub async fn add_group(&self, name: &str) -> Result<i64> {
        validate_name("group name", name)?;
        sqlx::query_scalar("INSERT INTO groups (name, created_at) VALUES (?, ?) RETURNING id")
            .bind(name)
            .bind(now_ms())
            .fetch_one(&self.pool)
            .await
            .map_err(|e| {
                if is_unique_violation(&e) {
                    ArchiveError::AccountConflict { kind: "group", name: name.into() }
                } else {
                    e.into()
                }
            })
    }

    /// Adds (or with `remove`, takes out) a user to a group.
    pub async fn set_member(&self, group: &str, user: &str, remove: bool) -> Result<()> {
        let (g, u) = (self.group_id(group).await?, self.user_id(user).await?);
        let sql = if remove {
            "DELETE FROM group_members WHERE group_id = ? AND user_id = ?"
        } else {
            "INSERT OR IGNORE INTO group_members (group_id, user_id) VALUES (?, ?)"
        };
        sqlx::query(sql).bind(g).bind(u).execute(&self.pool).await?;
        Ok(())
    }

    pub async fn grant(&self, collection: &str, to: &Grantee) -> Result<()> {
        let (u, g) = match to {
            Grantee::User(n) => (Some(self.user_id(n).await?), None),
            Grantee::Group(n) => (None, Some(self.group_id(n).await?)),
        };
        sqlx::query("INSERT OR IGNORE INTO grants (collection, user_id, group_id, created_at) VALUES (?, ?, ?, ?)")
            .bind(collection)
            .bind(u)
            .bind(g)
            .bind(now_ms())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Removes a grant; false when there was none.
    pub async fn revoke_grant(&self, collection: &str, from: &Grantee) -> Result<bool> {
        let done = match from {
            Grantee::User(n) => {
                sqlx::query("DELETE FROM grants WHERE collection = ? AND user_id = ?")
                    .bind(collection)
                    .bind(self.user_id(n).await?)
                    .execute(&self.pool)
                    .await?
            }
            Grantee::Group(n) => {
                sqlx::query("DELETE FROM grants WHERE collection = ? AND group_id = ?")
                    .bind(collection)
                    .bind(self.group_id(n).await?)
                    .execute(&self.pool)
                    .await?
            }
        };
        Ok(done.rows_affected() > 0)
    }

    pub async fn grants(&self) -> Result<Vec<Grant>> {
        let rows = sqlx::query(
            "SELECT gr.collection, u.name AS user, g.name AS grp FROM grants gr \
             LEFT JOIN users u ON u.id = gr.user_id LEFT JOIN groups g ON g.id = gr.group_id \
             ORDER BY gr.collection, user, grp",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(Grant { collection: r.try_get("collection")?, user: r.try_get("user")?, group: r.try_get("grp")? })
            })
            .collect()
    }

    /// Stores a new API token by its hash.
    pub async fn add_token(
        &self,
        user: &str,
        name: &str,
        prefix: &str,
        hash: &str,
        expires_at: Option<DateTime<Utc>>,
    ) -> Result<i64> {
        let user_id = self.user_id(user).await?;
        Ok(sqlx::query_scalar(
            "INSERT INTO api_tokens (user_id, name, prefix, hash, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
        )
        .bind(user_id)
        .bind(name)
        .bind(prefix)
        .bind(hash)
        .bind(now_ms())
        .bind(expires_at.map(|t| t.timestamp_millis()))
        .fetch_one(&self.pool)
        .await?)
    }

    pub async fn tokens(&self, user: Option<&str>) -> Result<Vec<TokenInfo>> {
        let rows = sqlx::query(
            "SELECT t.id, u.name AS user, t.name, t.prefix, t.created_at, t.expires_at, t.revoked_at \
             FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE (?1 IS NULL OR u.name = ?1) ORDER BY t.id",
        )
        .bind(user)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(TokenInfo {
                    id: r.try_get("id")?,
                    user: r.try_get("user")?,
                    name: r.try_get("name")?,
                    prefix: r.try_get("prefix")?,
                    created_at: time(r.try_get("created_at")?),
                    expires_at: r.try_get::<Option<i64>, _>("expires_at")?.map(time),
                    revoked_at: r.try_get::<Option<i64>, _>("revoked_at")?.map(time),
                })
            })
            .collect()
    }

    /// Revokes a token by id; false when it was already revoked.
    pub async fn revoke_token(&self, id: i64) -> Result<bool> {
        let exists: Option<i64> =
            sqlx::query_scalar("SELECT id FROM api_tokens WHERE id = ?").bind(id).fetch_optional(&self.pool).await?;
        if exists.is_none() {
            return Err(unknown("token", id.to_string()));
        }
        let done = sqlx::query("UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL")
            .bind(now_ms())
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    /// The owner of an active token with this hash, for a token the snapshot does not know yet.
    pub async fn active_token(&self, hash: &str) -> Result<Option<ActiveToken>> {
        let row = sqlx::query(
            "SELECT user_id, expires_at FROM api_tokens WHERE hash = ? AND revoked_at IS NULL \
             AND (expires_at IS NULL OR expires_at > ?)",
        )
        .bind(hash)
        .bind(now_ms())
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| Ok(ActiveToken { user_id: r.try_get("user_id")?, expires_at: r.try_get("expires_at")? }))
            .transpose()
    }

    /// Users, active tokens and grants, read in one transaction.
    pub async fn directory(&self) -> Result<Directory> {
        let mut tx = self.pool.begin().await?;
        let mut dir = Directory::default();
        for r in sqlx::query("SELECT id, name, admin, disabled FROM users").fetch_all(&mut *tx).await? {
            let id: i64 = r.try_get("id")?;
            dir.users.insert(
                id,
                DirectoryUser {
                    id,
                    name: r.try_get("name")?,
                    admin: r.try_get("admin")?,
                    disabled: r.try_get("disabled")?,
                    groups: BTreeSet::new(),
                },
            );
        }
        let members = sqlx::query("SELECT m.user_id, g.name FROM group_members m JOIN groups g ON g.id = m.group_id")
            .fetch_all(&mut *tx)
            .await?;
        for r in members {
            if let Some(u) = dir.users.get_mut(&r.try_get::<i64, _>("user_id")?) {
                u.groups.insert(r.try_get("name")?);
            }
        }
        let tokens = sqlx::query(
            "SELECT hash, user_id, expires_at FROM api_tokens WHERE revoked_at IS NULL \
             AND (expires_at IS NULL OR expires_at > ?)",
        )
        .bind(now_ms())
        .fetch_all(&mut *tx)
        .await?;
        for r in tokens {
            dir.tokens.insert(
                r.try_get("hash")?,
                ActiveToken { user_id: r.try_get("user_id")?, expires_at: r.try_get("expires_at")? },
            );
        }
        tx.commit().await?;
        for g in self.grants().await? {
            let entry = dir.grants.entry(g.collection).or_default();
            if let Some(u) = g.user {
                entry.0.insert(u);
            }
            if let Some(g) = g.group {
                entry.1.insert(g);
            }
        }
        Ok(dir)
    }

    pub async fn request_access(&self, user_id: i64, collection: &str, message: &str) -> Result<AccessRequest> {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO access_requests (user_id, collection, message, created_at) VALUES (?, ?, ?, ?) RETURNING id",
        )
        .bind(user_id)
        .bind(collection)
        .bind(message)
        .bind(now_ms())
        .fetch_one(&self.pool)
        .await?;
        self.access_request(id).await
    }

    pub async fn access_request(&self, id: i64) -> Result<AccessRequest> {
        self.access_requests(None, None, Some(id)).await?.pop().ok_or_else(|| unknown("access request", id.to_string()))
    }

    /// Access requests, newest first, optionally of one user, in one status, or with one id.
    pub async fn access_requests(
        &self,
        user: Option<&str>,
        status: Option<RequestStatus>,
        id: Option<i64>,
    ) -> Result<Vec<AccessRequest>> {
        let rows = sqlx::query(
            "SELECT r.id, u.name AS user, r.collection, r.message, r.status, r.created_at, r.decided_at, r.decided_by \
             FROM access_requests r JOIN users u ON u.id = r.user_id \
             WHERE (?1 IS NULL OR u.name = ?1) AND (?2 IS NULL OR r.status = ?2) AND (?3 IS NULL OR r.id = ?3) \
             ORDER BY r.created_at DESC, r.id DESC",
        )
        .bind(user)
        .bind(status.map(RequestStatus::as_str))
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(AccessRequest {
                    id: r.try_get("id")?,
                    user: r.try_get("user")?,
                    collection: r.try_get("collection")?,
                    message: r.try_get("message")?,
                    status: RequestStatus::parse(&r.try_get::<String, _>("status")?),
                    created_at: time(r.try_get("created_at")?),
                    decided_at: r.try_get::<Option<i64>, _>("decided_at")?.map(time),
                    decided_by: r.try_get("decided_by")?,
                })
            })
            .collect()
    }

    /// Approves (granting the collection to the user) or refuses a pending request.
    pub async fn decide(&self, id: i64, approve: bool, by: &str) -> Result<AccessRequest> {
        let request = self.access_request(id).await?;
        if request.status != RequestStatus::Pending {
            return Err(ArchiveError::InvalidAccount {
                field: "access request",
                reason: format!("request {id} is already {}", request.status.as_str()),
            });
        }
        if approve {
            self.grant(&request.collection, &Grantee::User(request.user.clone())).await?;
        }
        let status = if approve { RequestStatus::Approved } else { RequestStatus::Refused };
        sqlx::query("UPDATE access_requests SET status = ?, decided_at = ?, decided_by = ? WHERE id = ?")
            .bind(status.as_str())
            .bind(now_ms())
            .bind(by)
            .bind(id)
            .execute(&self.pool)
            .await?;
        self.access_request(id).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::SqliteCatalog;

    async fn store() -> Accounts {
        Accounts::new(SqliteCatalog::connect("sqlite::memory:").await.unwrap().pool().clone())
    }

    #[tokio::test]
    async fn users_groups_and_grants_make_up_the_directory() {
        let a = store().await;
        let alice = a.add_user("alice", None, Some("hash"), false).await.unwrap();
        a.add_user("bob", Some("b@x.org"), None, true).await.unwrap();
        a.add_group("ice").await.unwrap();
        a.set_member("ice", "alice", false).await.unwrap();
        a.grant("seaice", &Grantee::Group("ice".into())).await.unwrap();
        a.grant("seaice", &Grantee::User("bob".into())).await.unwrap();
        a.grant("seaice", &Grantee::User("bob".into())).await.unwrap();
        let dir = a.directory().await.unwrap();
        assert!(dir.users[&alice].groups.contains("ice"));
        let (users, groups) = &dir.grants["seaice"];
        assert_eq!(users.iter().collect::<Vec<_>>(), ["bob"]);
        assert_eq!(groups.iter().collect::<Vec<_>>(), ["ice"]);
        assert_eq!(a.users().await.unwrap()[0].groups, ["ice"]);
        assert!(a.revoke_grant("seaice", &Grantee::User("bob".into())).await.unwrap());
        assert!(!a.revoke_grant("seaice", &Grantee::User("bob".into())).await.unwrap());
    }

    #[tokio::test]
    async fn duplicate_and_hostile_names_are_refused() {
        let a = store().await;
        a.add_user("alice", None, None, false).await.unwrap();
        assert!(matches!(
            a.add_user("alice", None, None, false).await,
            Err(ArchiveError::AccountConflict { kind: "user", .. })
        ));
        for bad in ["", "x' OR '1'='1", "a b", "../etc", "-rf", &"a".repeat(65)] {
            assert!(
                matches!(a.add_user(bad, None, None, false).await, Err(ArchiveError::InvalidAccount { .. })),
                "{bad}"
            );
        }
        assert!(matches!(a.set_disabled("nobody", true).await, Err(ArchiveError::UnknownAccount { .. })));
    }

    #[tokio::test]
    async fn revoked_and_expired_tokens_leave_the_directory() {
        let a = store().await;
        a.add_user("alice", None, None, false).await.unwrap();
        let t1 = a.add_token("alice", "laptop", "iro_ab", "h1", None).await.unwrap();
        a.add_token("alice", "old", "iro_cd", "h2", Some(Utc::now() - chrono::Duration::hours(1))).await.unwrap();
        let dir = a.directory().await.unwrap();
        assert!(dir.tokens.contains_key("h1") && !dir.tokens.contains_key("h2"));
        assert!(a.revoke_token(t1).await.unwrap());
        assert!(!a.revoke_token(t1).await.unwrap());
        assert!(a.directory().await.unwrap().tokens.is_empty());
        assert!(a.active_token("h1").await.unwrap().is_none());
        assert_eq!(a.tokens(Some("alice")).await.unwrap().len(), 2);
    }

    #[tokio::test]
    async fn an_approved_request_grants_the_collection_once() {
        let a = store().await;
        let alice = a.add_user("alice", None, None, false).await.unwrap();
        let r = a.request_access(alice, "seaice", "for my thesis").await.unwrap();
        assert_eq!(r.status, RequestStatus::Pending);
        let r = a.decide(r.id, true, "admin").await.unwrap();
        assert_eq!((r.status, r.decided_by.as_deref()), (RequestStatus::Approved, Some("admin")));
        assert!(a.directory().await.unwrap().grants["seaice"].0.contains("alice"));
        assert!(a.decide(r.id, false, "admin").await.is_err());
        assert_eq!(a.access_requests(Some("alice"), None, None).await.unwrap().len(), 1);
    }
}
