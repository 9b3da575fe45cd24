//! API keys stored in the gateway's database, looked up by prefix and
//! cached for a few seconds: revoking a key reaches every replica within
//! `auth.key_cache_secs`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use common::database::Database;
use common::on_database;
use subtle::ConstantTimeEq;

use crate::domain::{ApiKeyToken, GeneratedApiKey, Scopes};

macro_rules! select_key {
    ($condition:literal) => {
        concat!(
            "SELECT id, name, prefix, secret_hash, scopes, created_at, last_used_at, expires_at, revoked_at ",
            "FROM api_keys WHERE ",
            $condition
        )
    };
}

/// A key as stored, without its secret.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ApiKeyRecord {
    pub id: String,
    pub name: String,
    pub prefix: String,
    secret_hash: String,
    pub scopes: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub expires_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// Why a presented key was refused; all become the same 401 for the caller.
#[derive(Debug, PartialEq, Eq)]
pub enum KeyRejection {
    Unknown,
    Revoked,
    Expired,
}

#[derive(Clone)]
pub struct ApiKeyStore {
    database: Database,
    cache: Arc<Mutex<HashMap<String, CachedLookup>>>,
    cache_for: Duration,
}

struct CachedLookup {
    record: Option<ApiKeyRecord>,
    fetched: Instant,
}

impl ApiKeyStore {
    pub fn new(database: Database, cache_for: Duration) -> Self {
        Self { database, cache: Arc::default(), cache_for }
    }

    /// Creates a key; the returned token is the only copy of its secret.
    pub async fn create(
        &self,
        name: &str,
        scopes: &Scopes,
        expires_at: Option<DateTime<Utc>>,
    ) -> Result<(ApiKeyRecord, String), sqlx::Error> {
        let generated = GeneratedApiKey::generate();
        let record = ApiKeyRecord {
            id: uuid::Uuid::new_v4().to_string(),
            name: name.to_owned(),
            prefix: generated.prefix,
            secret_hash: generated.secret_hash,
            scopes: scopes.to_string(),
            created_at: Utc::now(),
            last_used_at: None,
            expires_at,
            revoked_at: None,
        };
        on_database!(&self.database, pool => sqlx::query(
            "INSERT INTO api_keys (id, name, prefix, secret_hash, scopes, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&record.id)
        .bind(&record.name)
        .bind(&record.prefix)
        .bind(&record.secret_hash)
        .bind(&record.scopes)
        .bind(record.created_at)
        .bind(record.expires_at)
        .execute(pool)
        .await
        .map(drop))?;
        Ok((record, generated.token))
    }

    pub async fn revoke(&self, id: &str) -> Result<bool, sqlx::Error> {
        let result = on_database!(&self.database, pool => sqlx::query(
            "UPDATE api_keys SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL",
        )
        .bind(Utc::now())
        .bind(id)
        .execute(pool)
        .await
        .map(|done| done.rows_affected()))?;
        let mut cache = self.cache.lock().unwrap_or_else(PoisonError::into_inner);
        cache.retain(|_, entry| entry.record.as_ref().is_none_or(|record| record.id != id));
        Ok(result > 0)
    }

    pub async fn count(&self) -> Result<i64, sqlx::Error> {
        on_database!(&self.database, pool => sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM api_keys")
            .fetch_one(pool)
            .await)
    }

    /// The record a valid, active token belongs to.
    pub async fn verify(&self, token: &ApiKeyToken) -> Result<Result<ApiKeyRecord, KeyRejection>, sqlx::Error> {
        let record = match self.cached(token.prefix()) {
            Some(record) => record,
            None => {
                let record = self.fetch(token.prefix()).await?;
                self.remember(token.prefix(), record.clone());
                if let Some(record) = &record {
                    self.touch(record.id.clone());
                }
                record
            }
        };
        let Some(record) = record else {
            return Ok(Err(KeyRejection::Unknown));
        };
        if !bool::from(record.secret_hash.as_bytes().ct_eq(token.secret_hash().as_bytes())) {
            return Ok(Err(KeyRejection::Unknown));
        }
        if record.revoked_at.is_some() {
            return Ok(Err(KeyRejection::Revoked));
        }
        if record.expires_at.is_some_and(|expiry| expiry <= Utc::now()) {
            return Ok(Err(KeyRejection::Expired));
        }
        Ok(Ok(record))
    }

    fn cached(&self, prefix: &str) -> Option<Option<ApiKeyRecord>> {
        let cache = self.cache.lock().unwrap_or_else(PoisonError::into_inner);
        cache.get(prefix).filter(|entry| entry.fetched.elapsed() < self.cache_for).map(|entry| entry.record.clone())
    }

    fn remember(&self, prefix: &str, record: Option<ApiKeyRecord>) {
        let mut cache = self.cache.lock().unwrap_or_else(PoisonError::into_inner);
        // Unknown prefixes are cached too, so a flood of bad keys cannot
        // reach the database more than once per prefix and period.
        if cache.len() > 100_000 {
            cache.retain(|_, entry| entry.fetched.elapsed() < self.cache_for);
        }
        cache.insert(prefix.to_owned(), CachedLookup { record, fetched: Instant::now() });
    }

    async fn fetch(&self, prefix: &str) -> Result<Option<ApiKeyRecord>, sqlx::Error> {
        self.fetch_where(select_key!("prefix = $1"), prefix).await
    }

    /// Records the use at most once per cache period, off the request path.
    fn touch(&self, id: String) {
        let database = self.database.clone();
        tokio::spawn(async move {
            let outcome = on_database!(&database, pool => sqlx::query(
                "UPDATE api_keys SET last_used_at = $1 WHERE id = $2",
            )
            .bind(Utc::now())
            .bind(&id)
            .execute(pool)
            .await
            .map(drop));
            if let Err(error) = outcome {
                tracing::warn!(%error, key_id = %id, "could not record the key's last use");
            }
        });
    }

    /// Every key, newest first.
    pub async fn list(&self) -> Result<Vec<ApiKeyRecord>, sqlx::Error> {
        on_database!(&self.database, pool => sqlx::query_as::<_, ApiKeyRecord>(select_key!("TRUE ORDER BY created_at DESC"))
            .fetch_all(pool)
            .await)
    }

    pub async fn find(&self, id: &str) -> Result<Option<ApiKeyRecord>, sqlx::Error> {
        self.fetch_where(select_key!("id = $1"), id).await
    }

    async fn fetch_where(&self, query: &'static str, value: &str) -> Result<Option<ApiKeyRecord>, sqlx::Error> {
        on_database!(&self.database, pool => sqlx::query_as::<_, ApiKeyRecord>(query)
            .bind(value)
            .fetch_optional(pool)
            .await)
    }
}

impl ApiKeyRecord {
    pub fn scopes(&self) -> Scopes {
        // A stored value that no longer parses grants nothing.
        Scopes::parse(&self.scopes).unwrap_or(Scopes::Services(Default::default()))
    }
}
