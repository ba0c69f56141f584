//! One lease row per source, so that of several nodes sharing the database only one harvests a
//! source at a time. A lease expires unless renewed; a lease held by a process of this host that
//! no longer exists (killed) is taken over at once.

use chrono::Utc;
use sqlx::SqlitePool;

/// Who holds leases: `host:pid:random`, one per run.
pub fn holder_id() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_owned())
        .unwrap_or_else(|_| "localhost".into());
    format!("{host}:{}:{:08x}", std::process::id(), fastrand::u32(..))
}

/// True when `holder` names a process of this host that has exited.
fn holder_is_dead(holder: &str) -> bool {
    let mut parts = holder.split(':');
    let (Some(host), Some(pid)) = (parts.next(), parts.next()) else { return false };
    let me = holder_id();
    let my_host = me.split(':').next().unwrap_or_default();
    host == my_host && pid.parse::<u32>().is_ok_and(|p| !std::path::Path::new(&format!("/proc/{p}")).exists())
}

#[derive(Debug, Clone)]
pub struct Leases {
    pool: SqlitePool,
}

impl Leases {
    pub fn new(pool: SqlitePool) -> Self {
        Self { pool }
    }

    /// Takes the lease of `source` for `ttl`, or says who holds it.
    pub async fn acquire(
        &self,
        source: &str,
        holder: &str,
        ttl: std::time::Duration,
    ) -> sqlx::Result<Result<(), String>> {
        let now = Utc::now().timestamp_millis();
        let until = now + ttl.as_millis() as i64;
        let current: Option<String> = sqlx::query_scalar("SELECT holder FROM harvest_leases WHERE source = ?")
            .bind(source)
            .fetch_optional(&self.pool)
            .await?;
        let take_over = current.as_deref().is_some_and(holder_is_dead);
        let r = sqlx::query(
            "INSERT INTO harvest_leases (source, holder, expires_at) VALUES (?, ?, ?)
             ON CONFLICT (source) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
             WHERE harvest_leases.expires_at < ? OR harvest_leases.holder = excluded.holder OR ?",
        )
        .bind(source)
        .bind(holder)
        .bind(until)
        .bind(now)
        .bind(take_over)
        .execute(&self.pool)
        .await?;
        if r.rows_affected() == 1 {
            return Ok(Ok(()));
        }
        Ok(Err(current.unwrap_or_default()))
    }

    /// Extends a lease still held by `holder`.
    pub async fn renew(&self, source: &str, holder: &str, ttl: std::time::Duration) -> sqlx::Result<bool> {
        let until = Utc::now().timestamp_millis() + ttl.as_millis() as i64;
        let r = sqlx::query("UPDATE harvest_leases SET expires_at = ? WHERE source = ? AND holder = ?")
            .bind(until)
            .bind(source)
            .bind(holder)
            .execute(&self.pool)
            .await?;
        Ok(r.rows_affected() == 1)
    }

    pub async fn release(&self, source: &str, holder: &str) -> sqlx::Result<()> {
        sqlx::query("DELETE FROM harvest_leases WHERE source = ? AND holder = ?")
            .bind(source)
            .bind(holder)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
