//! A consistent copy of a service's database and objects in a folder, and
//! back: the parts of `platform backup|restore|check`.
//!
//! SQLite is copied with `VACUUM INTO` (a snapshot of a running database,
//! taken in one read transaction); PostgreSQL with `pg_dump --schema`, the
//! service's own schema, when the program is on the `PATH`. Objects are
//! copied byte for byte, with the media type and metadata S3 keeps beside
//! them. The manifest names every file with its size and SHA-256, and a
//! restore checks them all before it writes anything.

use std::collections::BTreeSet;
use std::path::{Component, Path, PathBuf};
use std::str::FromStr;

use anyhow::{Context, bail, ensure};
use chrono::{DateTime, Utc};
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::configuration::DatabaseSettings;
use crate::database::{Database, Migrations};
use crate::object_storage::{ObjectInfo, ObjectStorage};

pub const MANIFEST: &str = "manifest.json";
const FORMAT: &str = "platform-backup/1";

#[derive(Debug, Serialize, Deserialize)]
pub struct Manifest {
    pub format: String,
    pub created_at: DateTime<Utc>,
    /// The platform version that wrote it.
    pub version: String,
    pub databases: Vec<DatabaseCopy>,
    pub objects: Vec<ObjectCopy>,
}

/// A file of the backup folder, relative to it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CopiedFile {
    pub file: String,
    pub bytes: u64,
    pub sha256: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DatabaseCopy {
    pub service: String,
    /// `sqlite` (a database file) or `postgres` (a `pg_dump` custom archive).
    pub engine: String,
    /// The last migration applied when the copy was taken.
    pub migration: i64,
    #[serde(flatten)]
    pub copy: CopiedFile,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ObjectCopy {
    /// The service whose store holds it (services sharing one store are
    /// copied once, under the first).
    pub service: String,
    pub key: String,
    pub content_type: Option<String>,
    #[serde(default)]
    pub metadata: Vec<(String, String)>,
    #[serde(flatten)]
    pub copy: CopiedFile,
}

impl Manifest {
    pub fn new(version: &str) -> Self {
        Self {
            format: FORMAT.to_owned(),
            created_at: Utc::now(),
            version: version.to_owned(),
            databases: Vec::new(),
            objects: Vec::new(),
        }
    }

    pub fn write(&self, folder: &Path) -> anyhow::Result<()> {
        let text = serde_json::to_string_pretty(self)?;
        std::fs::write(folder.join(MANIFEST), text).context("writing the manifest")
    }

    /// Reads a backup's manifest and checks every file it names against
    /// its size and digest.
    pub fn read_and_verify(folder: &Path) -> anyhow::Result<Self> {
        let text = std::fs::read_to_string(folder.join(MANIFEST))
            .with_context(|| format!("{} has no {MANIFEST}: not a platform backup", folder.display()))?;
        let manifest: Self = serde_json::from_str(&text).context("the manifest is not valid")?;
        ensure!(manifest.format == FORMAT, "backup format {:?}, this program reads {FORMAT:?}", manifest.format);
        let files = manifest.databases.iter().map(|d| &d.copy).chain(manifest.objects.iter().map(|o| &o.copy));
        for copied in files {
            let path = inside(folder, &copied.file)?;
            let content = std::fs::read(&path).with_context(|| format!("{} is missing", copied.file))?;
            ensure!(
                content.len() as u64 == copied.bytes && hex_sha256(&content) == copied.sha256,
                "{} does not match its checksum: the backup is damaged",
                copied.file
            );
        }
        Ok(manifest)
    }
}

/// `file` of the manifest as a path inside `folder`: a manifest cannot
/// name a file outside its own folder.
fn inside(folder: &Path, file: &str) -> anyhow::Result<PathBuf> {
    let relative = Path::new(file);
    ensure!(
        !file.is_empty() && relative.components().all(|part| matches!(part, Component::Normal(_))),
        "the manifest names {file:?}, outside the backup folder"
    );
    Ok(folder.join(relative))
}

fn hex_sha256(content: &[u8]) -> String {
    Sha256::digest(content).iter().map(|byte| format!("{byte:02x}")).collect()
}

fn describe_file(folder: &Path, file: &str) -> anyhow::Result<CopiedFile> {
    let content = std::fs::read(folder.join(file))?;
    Ok(CopiedFile { file: file.to_owned(), bytes: content.len() as u64, sha256: hex_sha256(&content) })
}

/// A path as an SQL string literal.
pub fn sqlite_literal(file: &Path) -> anyhow::Result<String> {
    let path = file.to_str().context("the file name is not UTF-8")?;
    Ok(format!("'{}'", path.replace('\'', "''")))
}

/// SQLite's integrity and foreign-key checks on `schema` (`main` or an
/// attached database).
pub async fn sqlite_integrity(pool: &sqlx::SqlitePool, schema: &str) -> anyhow::Result<()> {
    let report: Vec<String> =
        sqlx::query_scalar(sqlx::AssertSqlSafe(format!("PRAGMA {schema}.integrity_check"))).fetch_all(pool).await?;
    if report != ["ok"] {
        bail!("integrity check failed: {}", report.join("; "));
    }
    let orphans: Vec<(String,)> =
        sqlx::query_as(sqlx::AssertSqlSafe(format!("PRAGMA {schema}.foreign_key_check"))).fetch_all(pool).await?;
    if !orphans.is_empty() {
        bail!("{} rows point to missing rows (foreign_key_check)", orphans.len());
    }
    Ok(())
}

async fn applied_migration(database: &Database) -> anyhow::Result<i64> {
    let query = "SELECT COALESCE(MAX(version), 0) FROM _sqlx_migrations WHERE success";
    Ok(crate::on_database!(database, pool => sqlx::query_scalar::<_, i64>(query).fetch_one(pool).await)?)
}

async fn run(program: &str, arguments: &[String]) -> anyhow::Result<()> {
    let output = tokio::process::Command::new(program)
        .args(arguments)
        .output()
        .await
        .with_context(|| format!("{program} is needed for a PostgreSQL database and could not be run"))?;
    ensure!(output.status.success(), "{program} failed: {}", String::from_utf8_lossy(&output.stderr).trim());
    Ok(())
}

/// Copies `service`'s database into `folder`.
pub async fn copy_database(
    service: &str,
    settings: &DatabaseSettings,
    database: &Database,
    folder: &Path,
) -> anyhow::Result<DatabaseCopy> {
    let migration = applied_migration(database).await?;
    let file = match database {
        Database::Sqlite(pool) => {
            let file = format!("{service}.db");
            let query = format!("VACUUM INTO {}", sqlite_literal(&folder.join(&file))?);
            sqlx::query(sqlx::AssertSqlSafe(query)).execute(pool).await?;
            file
        }
        Database::Postgres(_) => {
            let file = format!("{service}.dump");
            let arguments = [
                "--format=custom".to_owned(),
                "--no-owner".to_owned(),
                format!("--schema={}", settings.schema),
                format!("--file={}", folder.join(&file).display()),
                format!("--dbname={}", settings.url.expose_secret()),
            ];
            run("pg_dump", &arguments).await?;
            file
        }
    };
    let copy = describe_file(folder, &file)?;
    Ok(DatabaseCopy { service: service.to_owned(), engine: database.engine().to_owned(), migration, copy })
}

/// Fails unless the database `settings` name holds no data yet (no SQLite
/// file, or a PostgreSQL schema without tables): a restore never merges
/// two histories.
pub async fn ensure_empty(settings: &DatabaseSettings) -> anyhow::Result<()> {
    let url = settings.url.expose_secret();
    if url.starts_with("sqlite:") {
        let options = sqlx::sqlite::SqliteConnectOptions::from_str(url)?;
        let target = options.get_filename();
        ensure!(
            !target.exists(),
            "{} already exists: restore into a fresh folder, or move it aside with the platform stopped",
            target.display()
        );
    } else if let Database::Postgres(pool) = Database::connect(settings).await? {
        let tables: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = $1")
            .bind(&settings.schema)
            .fetch_one(&pool)
            .await?;
        ensure!(tables == 0, "schema {} already holds {tables} tables: restore into an empty one", settings.schema);
    }
    Ok(())
}

/// Puts a copied database back where `settings` says, which
/// [`ensure_empty`] found empty.
pub async fn restore_database(copy: &DatabaseCopy, settings: &DatabaseSettings, folder: &Path) -> anyhow::Result<()> {
    ensure_empty(settings).await?;
    let source = inside(folder, &copy.copy.file)?;
    let url = settings.url.expose_secret();
    match (copy.engine.as_str(), Database::connect(settings).await?) {
        ("sqlite", Database::Sqlite(pool)) => {
            // connect() made an empty file; the copy replaces it before
            // anything is written to it.
            pool.close().await;
            let options = sqlx::sqlite::SqliteConnectOptions::from_str(url)?;
            std::fs::copy(&source, options.get_filename())?;
            if let Database::Sqlite(pool) = Database::connect(settings).await? {
                sqlite_integrity(&pool, "main").await?;
            }
        }
        ("postgres", Database::Postgres(pool)) => {
            // The archive creates the schema itself. Its name was checked
            // by Database::connect to be a plain identifier.
            sqlx::query(sqlx::AssertSqlSafe(format!("DROP SCHEMA \"{}\"", settings.schema))).execute(&pool).await?;
            pool.close().await;
            let arguments = [
                "--no-owner".to_owned(),
                "--exit-on-error".to_owned(),
                format!("--dbname={url}"),
                source.display().to_string(),
            ];
            run("pg_restore", &arguments).await?;
        }
        (engine, now) => bail!("{} was copied from {engine}; its database is {} now", copy.service, now.engine()),
    }
    Ok(())
}

/// Copies every object of `storage` into `folder/objects/SERVICE/`.
pub async fn copy_objects(service: &str, storage: &ObjectStorage, folder: &Path) -> anyhow::Result<Vec<ObjectCopy>> {
    let mut copies = Vec::new();
    for key in storage.keys().await? {
        let content = storage.get(&key).await?;
        let info = storage.describe(&key).await?;
        let file = format!("objects/{service}/{key}");
        let path = inside(folder, &file)?;
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(&path, &content)?;
        copies.push(ObjectCopy {
            service: service.to_owned(),
            key,
            content_type: info.content_type,
            metadata: info.metadata,
            copy: CopiedFile { file, bytes: content.len() as u64, sha256: hex_sha256(&content) },
        });
    }
    Ok(copies)
}

pub async fn restore_objects<'a>(
    copies: impl IntoIterator<Item = &'a ObjectCopy>,
    storage: &ObjectStorage,
    folder: &Path,
) -> anyhow::Result<usize> {
    let mut restored = 0;
    for object in copies {
        let content = std::fs::read(inside(folder, &object.copy.file)?)?;
        let info = ObjectInfo { content_type: object.content_type.clone(), metadata: object.metadata.clone() };
        storage.put_described(&object.key, content.into(), &info).await?;
        restored += 1;
    }
    Ok(restored)
}

/// What is wrong with a service's database: integrity and foreign keys
/// (SQLite), migrations not applied or unknown to this program.
pub async fn database_problems(database: &Database, migrations: &Migrations) -> anyhow::Result<Vec<String>> {
    let mut problems = Vec::new();
    if let Database::Sqlite(pool) = database
        && let Err(problem) = sqlite_integrity(pool, "main").await
    {
        problems.push(problem.to_string());
    }
    let migrator = match database {
        Database::Postgres(_) => &migrations.postgres,
        Database::Sqlite(_) => &migrations.sqlite,
    };
    let known: BTreeSet<i64> =
        migrator.iter().filter(|m| !m.migration_type.is_down_migration()).map(|m| m.version).collect();
    let query = "SELECT version, success FROM _sqlx_migrations";
    let rows: Vec<(i64, bool)> =
        crate::on_database!(database, pool => sqlx::query_as(query).fetch_all(pool).await).unwrap_or_default();
    let applied: BTreeSet<i64> = rows.iter().filter(|(_, success)| *success).map(|(version, _)| *version).collect();
    let list = |versions: Vec<&i64>| versions.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ");
    let pending: Vec<_> = known.difference(&applied).collect();
    if !pending.is_empty() {
        problems.push(format!("migrations not applied: {}", list(pending)));
    }
    let unknown: Vec<_> = applied.difference(&known).collect();
    if !unknown.is_empty() {
        problems.push(format!("migrations newer than this program: {}", list(unknown)));
    }
    let failed: Vec<_> = rows.iter().filter(|(_, success)| !success).map(|(version, _)| version).collect();
    if !failed.is_empty() {
        problems.push(format!("migrations that failed: {}", list(failed)));
    }
    Ok(problems)
}

/// The keys among `named` that `storage` does not hold.
pub async fn missing_objects(named: &[String], storage: &ObjectStorage) -> anyhow::Result<Vec<String>> {
    let held: BTreeSet<String> = storage.keys().await?.into_iter().collect();
    Ok(named.iter().filter(|key| !held.contains(*key)).cloned().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_manifest_cannot_name_files_outside_its_folder() {
        let folder = Path::new("/backups/b");
        for file in ["../etc/passwd", "/etc/passwd", "objects/../../x", ""] {
            assert!(inside(folder, file).is_err(), "{file:?} accepted");
        }
        assert_eq!(
            inside(folder, "objects/erp/documents/1.pdf").expect("inside"),
            folder.join("objects/erp/documents/1.pdf")
        );
    }

    #[test]
    fn a_damaged_or_foreign_backup_is_refused_before_anything_is_written() {
        let folder = tempfile::tempdir().expect("tempdir");
        assert!(Manifest::read_and_verify(folder.path()).is_err());
        std::fs::write(folder.path().join("erp.db"), b"data").expect("write");
        let mut manifest = Manifest::new("0");
        manifest.databases.push(DatabaseCopy {
            service: "erp".into(),
            engine: "sqlite".into(),
            migration: 1,
            copy: describe_file(folder.path(), "erp.db").expect("describe"),
        });
        manifest.write(folder.path()).expect("write");
        assert!(Manifest::read_and_verify(folder.path()).is_ok());
        std::fs::write(folder.path().join("erp.db"), b"dat4").expect("write");
        let error = Manifest::read_and_verify(folder.path()).expect_err("damaged");
        assert!(error.to_string().contains("checksum"), "{error}");
    }
}
