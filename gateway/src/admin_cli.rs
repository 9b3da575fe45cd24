//! `gateway admin ...`: operations on the identity database.
//!
//! - `backup FILE`: a consistent copy of a running SQLite database
//!   (`VACUUM INTO`), checked before it is declared good.
//! - `restore FILE`: replaces every identity table with the backup's, in
//!   one transaction, so it is safe while the gateway runs (its caches
//!   follow within `auth.key_cache_secs`). The backup must be of the same
//!   schema version.
//! - `check`: SQLite's integrity and foreign-key checks; on PostgreSQL, that
//!   the database answers and the migrations are applied.
//! - `create-user --email E --name N [--platform-admin]`: prints a
//!   temporary password, to be changed at first sign-in.
//!
//! PostgreSQL is backed up with its own tools (`pg_dump`, `pg_restore`), as
//! the README shows.

use std::path::Path;

use common::backup::{sqlite_integrity, sqlite_literal};
use common::database::Database;
use secrecy::ExposeSecret;

use crate::configuration::Settings;
use crate::domain::{EmailAddress, NewPassword, PersonName, Roles};
use crate::identity::Identity;
use crate::identity::users::NewUser;
use crate::startup::migrations;

/// The identity tables, parents before children.
const TABLES: [&str; 6] = ["users", "sessions", "refresh_tokens", "login_failures", "signing_keys", "api_keys"];

pub const USAGE: &str =
    "usage: gateway admin backup FILE | restore FILE | check | create-user --email E --name N [--platform-admin]";

/// Runs one admin command and returns what to print.
pub async fn run(settings: &Settings, arguments: &[String]) -> anyhow::Result<String> {
    let database = Database::connect_and_migrate(&settings.database, &migrations()).await?;
    let arguments: Vec<&str> = arguments.iter().map(String::as_str).collect();
    match arguments.as_slice() {
        ["backup", file] => backup(&database, Path::new(file)).await,
        ["restore", file] => restore(&database, Path::new(file)).await,
        ["check"] => check(&database).await,
        ["create-user", options @ ..] => create_user(settings, &database, options).await,
        _ => anyhow::bail!(USAGE),
    }
}

fn sqlite_only(database: &Database) -> anyhow::Result<&sqlx::SqlitePool> {
    match database {
        Database::Sqlite(pool) => Ok(pool),
        Database::Postgres(_) => {
            anyhow::bail!("this database is PostgreSQL: use pg_dump --schema=gateway / pg_restore (see the README)")
        }
    }
}

async fn backup(database: &Database, file: &Path) -> anyhow::Result<String> {
    let pool = sqlite_only(database)?;
    if file.exists() {
        anyhow::bail!("{} already exists; choose a new file", file.display());
    }
    sqlx::query(sqlx::AssertSqlSafe(format!("VACUUM INTO {}", sqlite_literal(file)?))).execute(pool).await?;
    let copy = Database::connect(&common::configuration::DatabaseSettings {
        url: secrecy::SecretString::from(format!("sqlite://{}", file.display())),
        schema: "gateway".into(),
        max_connections: 1,
    })
    .await?;
    sqlite_integrity(sqlite_only(&copy)?, "main").await?;
    let users: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users").fetch_one(sqlite_only(&copy)?).await?;
    Ok(format!("backed up to {} ({users} users); integrity ok", file.display()))
}

async fn restore(database: &Database, file: &Path) -> anyhow::Result<String> {
    let pool = sqlite_only(database)?;
    if !file.is_file() {
        anyhow::bail!("{} is not a file", file.display());
    }
    let mut connection = pool.acquire().await?;
    sqlx::query(sqlx::AssertSqlSafe(format!("ATTACH DATABASE {} AS backup", sqlite_literal(file)?)))
        .execute(&mut *connection)
        .await?;
    let outcome = async {
        let report: Vec<String> =
            sqlx::query_scalar("PRAGMA backup.integrity_check").fetch_all(&mut *connection).await?;
        if report != ["ok"] {
            anyhow::bail!("the backup is damaged: {}", report.join("; "));
        }
        let version = "SELECT COALESCE(MAX(version), 0) FROM {}._sqlx_migrations";
        let ours: i64 =
            sqlx::query_scalar(sqlx::AssertSqlSafe(version.replace("{}", "main"))).fetch_one(&mut *connection).await?;
        let theirs: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(version.replace("{}", "backup")))
            .fetch_one(&mut *connection)
            .await
            .map_err(|_| anyhow::anyhow!("this file is not a gateway backup"))?;
        if ours != theirs {
            anyhow::bail!("the backup is of schema version {theirs}, this gateway of {ours}");
        }
        sqlx::query("BEGIN IMMEDIATE").execute(&mut *connection).await?;
        let copied = async {
            for table in TABLES.iter().rev() {
                sqlx::query(sqlx::AssertSqlSafe(format!("DELETE FROM main.{table}"))).execute(&mut *connection).await?;
            }
            for table in TABLES {
                sqlx::query(sqlx::AssertSqlSafe(format!("INSERT INTO main.{table} SELECT * FROM backup.{table}")))
                    .execute(&mut *connection)
                    .await?;
            }
            anyhow::Ok(())
        }
        .await;
        match copied {
            Ok(()) => sqlx::query("COMMIT").execute(&mut *connection).await?,
            Err(error) => {
                sqlx::query("ROLLBACK").execute(&mut *connection).await?;
                return Err(error);
            }
        };
        let users: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM main.users").fetch_one(&mut *connection).await?;
        Ok(format!("restored from {} ({users} users)", file.display()))
    }
    .await;
    sqlx::query("DETACH DATABASE backup").execute(&mut *connection).await?;
    outcome
}

async fn check(database: &Database) -> anyhow::Result<String> {
    let applied = match database {
        Database::Sqlite(pool) => {
            sqlite_integrity(pool, "main").await?;
            sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM _sqlx_migrations WHERE success").fetch_one(pool).await?
        }
        Database::Postgres(pool) => {
            sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM _sqlx_migrations WHERE success").fetch_one(pool).await?
        }
    };
    Ok(format!("{}: ok ({applied} migrations applied)", database.engine()))
}

async fn create_user(settings: &Settings, database: &Database, options: &[&str]) -> anyhow::Result<String> {
    let mut email = None;
    let mut name = None;
    let mut platform_admin = false;
    let mut rest = options.iter();
    while let Some(option) = rest.next() {
        match *option {
            "--email" => email = rest.next(),
            "--name" => name = rest.next(),
            "--platform-admin" => platform_admin = true,
            _ => anyhow::bail!(USAGE),
        }
    }
    let email = EmailAddress::parse(email.ok_or_else(|| anyhow::anyhow!(USAGE))?)
        .map_err(|problem| anyhow::anyhow!("--email {problem}"))?;
    let name = PersonName::parse(name.ok_or_else(|| anyhow::anyhow!(USAGE))?)
        .map_err(|problem| anyhow::anyhow!("--name {problem}"))?;
    let identity = Identity::build(&settings.auth, database).await?;
    let password = NewPassword::generate();
    let user = identity
        .users
        .create(NewUser {
            name,
            email,
            password_hash: identity.hasher.hash(password.secret()).await?,
            roles: Roles { platform_admin, ..Roles::default() },
            active: true,
            must_change_password: true,
        })
        .await?;
    Ok(format!(
        "created {} (id {}); temporary password, to change at first sign-in:\n\n    {}\n",
        user.email,
        user.id,
        password.secret().expose_secret()
    ))
}
