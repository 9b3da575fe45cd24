//! Sign-in sessions and their rotating refresh tokens.
//!
//! A session is one sign-in; its refresh tokens form a family. Each refresh
//! spends the presented token and returns a new one. A spent token that
//! comes back means it was copied: the whole session is revoked, for the
//! thief and the owner alike (RFC 9700 §4.14.2).
//!
//! Access tokens name their session, and the gateway checks the session
//! (cached for a few seconds) on every request, so signing out, a
//! deactivation or a role change takes effect within seconds everywhere.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use common::database::Database;
use common::on_database;

use crate::domain::hash_secret;

const REFRESH_TOKEN_MARKER: &str = "rt_";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionStatus {
    pub user_id: String,
    pub usable: bool,
    pub token_version: i64,
}

/// Why a refresh token was refused; each is a 401 for the caller.
#[derive(Debug, PartialEq, Eq)]
pub enum RefreshRejection {
    Unknown,
    /// A spent token came back; the session is now revoked.
    Reused,
    Ended,
}

pub struct Refreshed {
    pub session_id: String,
    pub user_id: String,
    pub refresh_token: String,
}

/// A looked-up session status (`None`: no such session) and when it was read.
type CachedStatus = (Option<SessionStatus>, Instant);

#[derive(Clone)]
pub struct SessionStore {
    database: Database,
    lifetime: chrono::Duration,
    cache: Arc<Mutex<HashMap<String, CachedStatus>>>,
    cache_for: Duration,
}

#[derive(sqlx::FromRow)]
struct PresentedToken {
    session_id: String,
    used_at: Option<DateTime<Utc>>,
    user_id: String,
    session_expires_at: DateTime<Utc>,
    revoked_at: Option<DateTime<Utc>>,
}

impl SessionStore {
    pub fn new(database: Database, lifetime: chrono::Duration, cache_for: Duration) -> Self {
        Self { database, lifetime, cache: Arc::default(), cache_for }
    }

    /// Opens a session for `user_id`: its id and first refresh token.
    pub async fn start(&self, user_id: &str) -> Result<(String, String), sqlx::Error> {
        let id = uuid::Uuid::new_v4().to_string();
        let now = Utc::now();
        on_database!(&self.database, pool => sqlx::query(
            "INSERT INTO sessions (id, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(&id)
        .bind(user_id)
        .bind(now)
        .bind(now + self.lifetime)
        .execute(pool)
        .await
        .map(drop))?;
        let token = self.issue(&id, now + self.lifetime).await?;
        Ok((id, token))
    }

    async fn issue(&self, session_id: &str, expires_at: DateTime<Utc>) -> Result<String, sqlx::Error> {
        let token = format!("{REFRESH_TOKEN_MARKER}{}", common::identity::random_token(32));
        on_database!(&self.database, pool => sqlx::query(
            "INSERT INTO refresh_tokens (token_hash, session_id, issued_at, expires_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(hash_secret(&token))
        .bind(session_id)
        .bind(Utc::now())
        .bind(expires_at)
        .execute(pool)
        .await
        .map(drop))?;
        Ok(token)
    }

    /// Spends `token` and returns its successor.
    pub async fn refresh(&self, token: &str) -> Result<Result<Refreshed, RefreshRejection>, sqlx::Error> {
        let hash = hash_secret(token);
        let presented = on_database!(&self.database, pool => sqlx::query_as::<_, PresentedToken>(
            "SELECT t.session_id, t.used_at, s.user_id, s.expires_at AS session_expires_at, s.revoked_at \
             FROM refresh_tokens t JOIN sessions s ON s.id = t.session_id WHERE t.token_hash = $1",
        )
        .bind(&hash)
        .fetch_optional(pool)
        .await)?;
        let Some(presented) = presented else {
            return Ok(Err(RefreshRejection::Unknown));
        };
        if presented.revoked_at.is_some() || presented.session_expires_at <= Utc::now() {
            return Ok(Err(RefreshRejection::Ended));
        }
        if presented.used_at.is_some() {
            self.revoke(&presented.session_id, "refresh token reused").await?;
            return Ok(Err(RefreshRejection::Reused));
        }
        // Two requests racing with the same token: only one spends it.
        let spent = on_database!(&self.database, pool => sqlx::query(
            "UPDATE refresh_tokens SET used_at = $1 WHERE token_hash = $2 AND used_at IS NULL",
        )
        .bind(Utc::now())
        .bind(&hash)
        .execute(pool)
        .await
        .map(|done| done.rows_affected()))?;
        if spent == 0 {
            self.revoke(&presented.session_id, "refresh token reused").await?;
            return Ok(Err(RefreshRejection::Reused));
        }
        let refresh_token = self.issue(&presented.session_id, presented.session_expires_at).await?;
        Ok(Ok(Refreshed { session_id: presented.session_id, user_id: presented.user_id, refresh_token }))
    }

    /// The session a refresh token belongs to, spent or not.
    pub async fn session_of(&self, token: &str) -> Result<Option<String>, sqlx::Error> {
        on_database!(&self.database, pool => sqlx::query_scalar::<_, String>(
            "SELECT session_id FROM refresh_tokens WHERE token_hash = $1",
        )
        .bind(hash_secret(token))
        .fetch_optional(pool)
        .await)
    }

    pub async fn revoke(&self, session_id: &str, reason: &str) -> Result<(), sqlx::Error> {
        on_database!(&self.database, pool => sqlx::query(
            "UPDATE sessions SET revoked_at = $1, revoked_reason = $2 WHERE id = $3 AND revoked_at IS NULL",
        )
        .bind(Utc::now())
        .bind(reason)
        .bind(session_id)
        .execute(pool)
        .await
        .map(drop))?;
        self.forget(|cached_id, _| cached_id == session_id);
        Ok(())
    }

    pub async fn revoke_all(&self, user_id: &str, reason: &str) -> Result<(), sqlx::Error> {
        on_database!(&self.database, pool => sqlx::query(
            "UPDATE sessions SET revoked_at = $1, revoked_reason = $2 WHERE user_id = $3 AND revoked_at IS NULL",
        )
        .bind(Utc::now())
        .bind(reason)
        .bind(user_id)
        .execute(pool)
        .await
        .map(drop))?;
        self.forget_user(user_id);
        Ok(())
    }

    /// Drops what this replica cached about a user, so its own changes
    /// apply at once here; other replicas follow within the cache period.
    pub fn forget_user(&self, user_id: &str) {
        self.forget(|_, status| status.as_ref().is_some_and(|status| status.user_id == user_id));
    }

    fn forget(&self, matches: impl Fn(&str, &Option<SessionStatus>) -> bool) {
        let mut cache = self.cache.lock().unwrap_or_else(PoisonError::into_inner);
        cache.retain(|id, (status, _)| !matches(id, status));
    }

    /// Whether the session behind an access token still stands, as read
    /// within the last `cache_for`.
    pub async fn status(&self, session_id: &str) -> Result<Option<SessionStatus>, sqlx::Error> {
        {
            let cache = self.cache.lock().unwrap_or_else(PoisonError::into_inner);
            if let Some((status, fetched)) = cache.get(session_id)
                && fetched.elapsed() < self.cache_for
            {
                return Ok(status.clone());
            }
        }
        self.status_now(session_id).await
    }

    /// The same, read from the database now.
    pub async fn status_now(&self, session_id: &str) -> Result<Option<SessionStatus>, sqlx::Error> {
        let row = on_database!(&self.database, pool => sqlx::query_as::<_, (String, Option<DateTime<Utc>>, DateTime<Utc>, bool, i64)>(
            "SELECT s.user_id, s.revoked_at, s.expires_at, u.active, u.token_version \
             FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id = $1",
        )
        .bind(session_id)
        .fetch_optional(pool)
        .await)?;
        let status = row.map(|(user_id, revoked_at, expires_at, active, token_version)| SessionStatus {
            user_id,
            usable: active && revoked_at.is_none() && expires_at > Utc::now(),
            token_version,
        });
        let mut cache = self.cache.lock().unwrap_or_else(PoisonError::into_inner);
        if cache.len() > 100_000 {
            cache.retain(|_, (_, fetched)| fetched.elapsed() < self.cache_for);
        }
        cache.insert(session_id.to_owned(), (status.clone(), Instant::now()));
        Ok(status)
    }

    /// Deletes sessions over a day past their end, with their tokens.
    pub async fn purge_ended(&self) -> Result<u64, sqlx::Error> {
        let cutoff = Utc::now() - chrono::Duration::days(1);
        on_database!(&self.database, pool => sqlx::query(
            "DELETE FROM sessions WHERE expires_at < $1 OR revoked_at < $1",
        )
        .bind(cutoff)
        .execute(pool)
        .await
        .map(|done| done.rows_affected()))
    }
}
