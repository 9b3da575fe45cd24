//! PostgreSQL (deployments) or SQLite (the embedded default), chosen by the
//! URL, with the service's migrations applied at start.
//!
//! On PostgreSQL each service lives in its own schema (`search_path`), so
//! several services may share one database without their tables or their
//! `_sqlx_migrations` bookkeeping colliding.

use std::str::FromStr;
use std::time::Duration;

use secrecy::ExposeSecret;
use sqlx::migrate::Migrator;
use sqlx::pool::PoolOptions;
use sqlx::postgres::{PgConnectOptions, PgPool};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool};
use sqlx::{ConnectOptions, Connection};

use crate::configuration::DatabaseSettings;

/// Runs the same statement on whichever engine backs `$database`; the body
/// is compiled once per engine, so it must be valid SQL for both (bind
/// parameters as `$1`, `$2`, ...).
#[macro_export]
macro_rules! on_database {
    ($database:expr, $pool:ident => $body:expr) => {
        match $database {
            $crate::database::Database::Postgres($pool) => $body,
            $crate::database::Database::Sqlite($pool) => $body,
        }
    };
}

/// A connection idle for less than this is handed out without a ping.
const TRUSTED_IDLE: Duration = Duration::from_secs(30);

/// The pool of either engine. sqlx pings every connection it hands out by
/// default: a round trip more per query outside a transaction, which on a
/// busy service is most of them (erp-svc's update made three). Here only a
/// connection idle for `TRUSTED_IDLE` is pinged; one the server dropped
/// sooner fails its query, and the pool then discards it.
fn pool_options<DB: sqlx::Database>(settings: &DatabaseSettings) -> PoolOptions<DB> {
    PoolOptions::<DB>::new()
        .max_connections(settings.max_connections)
        .acquire_timeout(Duration::from_secs(5))
        .test_before_acquire(false)
        .before_acquire(|connection, metadata| {
            Box::pin(async move {
                if metadata.idle_for >= TRUSTED_IDLE {
                    connection.ping().await?;
                }
                Ok(true)
            })
        })
}

#[derive(Debug, Clone)]
pub enum Database {
    Postgres(PgPool),
    Sqlite(SqlitePool),
}

/// A service's migrations, one set per engine since their SQL differs.
pub struct Migrations {
    pub postgres: Migrator,
    pub sqlite: Migrator,
}

#[derive(Debug, thiserror::Error)]
pub enum DatabaseError {
    #[error("unsupported database URL scheme (expected postgres:// or sqlite://)")]
    UnsupportedScheme,
    #[error("invalid schema name {0:?}: use lowercase letters, digits and underscores")]
    InvalidSchema(String),
    #[error("cannot create the directory of the SQLite file: {0}")]
    Directory(#[source] std::io::Error),
    #[error(transparent)]
    Sqlx(#[from] sqlx::Error),
    #[error(transparent)]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

impl Database {
    pub async fn connect(settings: &DatabaseSettings) -> Result<Self, DatabaseError> {
        let url = settings.url.expose_secret();
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Self::connect_postgres(url, settings).await
        } else if url.starts_with("sqlite:") {
            Self::connect_sqlite(url, settings).await
        } else {
            Err(DatabaseError::UnsupportedScheme)
        }
    }

    async fn connect_postgres(url: &str, settings: &DatabaseSettings) -> Result<Self, DatabaseError> {
        let schema = &settings.schema;
        let valid = !schema.is_empty()
            && schema.len() <= 63
            && schema.starts_with(|c: char| c.is_ascii_lowercase())
            && schema.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !valid {
            return Err(DatabaseError::InvalidSchema(schema.clone()));
        }
        let options = PgConnectOptions::from_str(url)?;
        let mut connection = options.connect().await?;
        // The schema name was checked above to be a plain identifier.
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA IF NOT EXISTS \"{schema}\"")))
            .execute(&mut connection)
            .await?;
        connection.close().await?;
        let pool = pool_options::<sqlx::Postgres>(settings)
            .connect_with(options.options([("search_path", schema.as_str())]))
            .await?;
        Ok(Self::Postgres(pool))
    }

    async fn connect_sqlite(url: &str, settings: &DatabaseSettings) -> Result<Self, DatabaseError> {
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(5));
        if let Some(parent) = options.get_filename().parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(DatabaseError::Directory)?;
        }
        let pool = pool_options::<sqlx::Sqlite>(settings).connect_with(options).await?;
        Ok(Self::Sqlite(pool))
    }

    pub async fn connect_and_migrate(
        settings: &DatabaseSettings,
        migrations: &Migrations,
    ) -> Result<Self, DatabaseError> {
        let database = Self::connect(settings).await?;
        database.migrate(migrations).await?;
        Ok(database)
    }

    pub async fn migrate(&self, migrations: &Migrations) -> Result<(), DatabaseError> {
        match self {
            Self::Postgres(pool) => migrations.postgres.run(pool).await?,
            Self::Sqlite(pool) => migrations.sqlite.run(pool).await?,
        }
        Ok(())
    }

    /// For `/ready`.
    pub async fn ping(&self) -> Result<(), String> {
        let outcome = on_database!(self, pool => sqlx::query("SELECT 1").execute(pool).await.map(drop));
        outcome.map_err(|error| match error {
            sqlx::Error::PoolTimedOut => "no connection available".to_owned(),
            _ => "unreachable".to_owned(),
        })
    }

    pub fn engine(&self) -> &'static str {
        match self {
            Self::Postgres(_) => "postgres",
            Self::Sqlite(_) => "sqlite",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::SecretString;

    fn settings(url: &str, schema: &str) -> DatabaseSettings {
        DatabaseSettings { url: SecretString::from(url), schema: schema.to_owned(), max_connections: 2 }
    }

    #[tokio::test]
    async fn sqlite_files_and_their_directory_are_created() {
        let dir = tempfile::tempdir().expect("tempdir");
        let url = format!("sqlite://{}/nested/app.db", dir.path().display());
        let database = Database::connect(&settings(&url, "app")).await.expect("connect");
        assert_eq!(database.engine(), "sqlite");
        assert_eq!(database.ping().await, Ok(()));
        assert!(dir.path().join("nested/app.db").exists());
    }

    #[tokio::test]
    async fn unknown_schemes_and_bad_schema_names_are_refused() {
        assert!(matches!(
            Database::connect(&settings("mysql://localhost/db", "app")).await,
            Err(DatabaseError::UnsupportedScheme)
        ));
        assert!(matches!(
            Database::connect(&settings("postgres://localhost/db", "drop\"table")).await,
            Err(DatabaseError::InvalidSchema(_))
        ));
    }
}
