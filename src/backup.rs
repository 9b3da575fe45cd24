//! `platform backup DIR`, `platform restore DIR` and `platform check`:
//! every service's database and objects at once, as the running platform
//! (or each service, deployed apart) is configured by the same variables.

use std::collections::{BTreeSet, HashMap};
use std::path::Path;

use anyhow::{Context, ensure};
use common::backup::{self, Manifest};
use common::configuration::{DatabaseSettings, ObjectStoreSettings, load_from};
use common::database::{Database, Migrations};
use common::object_storage::ObjectStorage;

/// A service that keeps data: its database and, for some, objects.
struct Part {
    service: &'static str,
    database: DatabaseSettings,
    migrations: Migrations,
    objects: Option<(ObjectStoreSettings, String)>,
}

impl Part {
    fn storage(&self) -> anyhow::Result<Option<ObjectStorage>> {
        let Some((settings, environment)) = &self.objects else { return Ok(None) };
        Ok(Some(ObjectStorage::from_settings(settings, environment)?))
    }

    /// The object keys this service's database refers to.
    async fn named_objects(&self, database: &Database) -> anyhow::Result<Vec<String>> {
        match self.service {
            "erp" => Ok(erp_svc::store::Store::new(database.clone()).document_object_keys().await?),
            "ocr" => ocr_svc::jobs::pending_upload_keys(&ocr_svc::jobs::store::JobStore::new(database.clone())).await,
            _ => Ok(Vec::new()),
        }
    }
}

fn parts(vars: &HashMap<String, String>) -> anyhow::Result<Vec<Part>> {
    let gateway: gateway::configuration::Settings = load_from(&gateway::configuration::CONFIG, vars.clone())?;
    let ocr: ocr_svc::configuration::Settings = load_from(&ocr_svc::configuration::CONFIG, vars.clone())?;
    let erp: erp_svc::configuration::Settings = load_from(&erp_svc::configuration::CONFIG, vars.clone())?;
    let checks: checks_svc::configuration::Settings = load_from(&checks_svc::configuration::CONFIG, vars.clone())?;
    Ok(vec![
        Part {
            service: "gateway",
            database: gateway.database,
            migrations: gateway::startup::migrations(),
            objects: None,
        },
        Part {
            service: "ocr",
            database: ocr.database,
            migrations: ocr_svc::startup::migrations(),
            objects: Some((ocr.object_store, ocr.environment)),
        },
        Part {
            service: "erp",
            database: erp.database,
            migrations: erp_svc::startup::migrations(),
            objects: Some((erp.object_store, erp.environment)),
        },
        Part {
            service: "checks",
            database: checks.database,
            migrations: checks_svc::startup::migrations(),
            objects: None,
        },
    ])
}

/// Every database first, then the objects: an object is written before the
/// row that names it, so each one the copied databases name is copied too.
pub async fn backup(vars: &HashMap<String, String>, folder: &Path) -> anyhow::Result<String> {
    let parts = parts(vars)?;
    let empty = match std::fs::read_dir(folder) {
        Ok(mut entries) => entries.next().is_none(),
        Err(_) => true,
    };
    ensure!(empty, "{} is not empty: choose a new folder", folder.display());
    std::fs::create_dir_all(folder).with_context(|| format!("cannot create {}", folder.display()))?;
    let mut manifest = Manifest::new(env!("CARGO_PKG_VERSION"));
    for part in &parts {
        let database = Database::connect_and_migrate(&part.database, &part.migrations)
            .await
            .with_context(|| format!("{} database", part.service))?;
        let copy = backup::copy_database(part.service, &part.database, &database, folder)
            .await
            .with_context(|| format!("{} database", part.service))?;
        manifest.databases.push(copy);
    }
    let mut locations = BTreeSet::new();
    for part in &parts {
        if let Some(storage) = part.storage()?
            && locations.insert(storage.location().to_owned())
        {
            let copies = backup::copy_objects(part.service, &storage, folder)
                .await
                .with_context(|| format!("{} objects", part.service))?;
            manifest.objects.extend(copies);
        }
    }
    manifest.write(folder)?;
    let written = Manifest::read_and_verify(folder)?;
    Ok(format!(
        "backed up {} databases and {} objects to {}; checksums verified",
        written.databases.len(),
        written.objects.len(),
        folder.display()
    ))
}

/// Checks the whole backup and that every target is empty before writing
/// anything, then brings each database to this program's migrations.
pub async fn restore(vars: &HashMap<String, String>, folder: &Path) -> anyhow::Result<String> {
    let manifest = Manifest::read_and_verify(folder)?;
    let parts = parts(vars)?;
    let mut copies = Vec::new();
    for part in &parts {
        let copy = manifest
            .databases
            .iter()
            .find(|copy| copy.service == part.service)
            .with_context(|| format!("the backup has no {} database", part.service))?;
        backup::ensure_empty(&part.database).await.with_context(|| format!("{} database", part.service))?;
        copies.push((part, copy));
    }
    for (part, copy) in copies {
        backup::restore_database(copy, &part.database, folder)
            .await
            .with_context(|| format!("{} database", part.service))?;
        Database::connect_and_migrate(&part.database, &part.migrations).await?;
    }
    let mut objects = 0;
    for part in &parts {
        if let Some(storage) = part.storage()? {
            let own = manifest.objects.iter().filter(|object| object.service == part.service);
            objects += backup::restore_objects(own, &storage, folder).await?;
        }
    }
    Ok(format!(
        "restored {} databases and {objects} objects from {} (taken {})",
        manifest.databases.len(),
        folder.display(),
        manifest.created_at.format("%Y-%m-%d %H:%M:%S UTC")
    ))
}

/// One line per service; an error when any of them has a problem.
pub async fn check(vars: &HashMap<String, String>) -> anyhow::Result<String> {
    let mut report = Vec::new();
    let mut healthy = true;
    for part in parts(vars)? {
        let database = Database::connect(&part.database).await.with_context(|| format!("{} database", part.service))?;
        let mut problems = backup::database_problems(&database, &part.migrations).await?;
        if let Some(storage) = part.storage()? {
            let named = part.named_objects(&database).await?;
            let missing = backup::missing_objects(&named, &storage).await?;
            if !missing.is_empty() {
                problems.push(format!(
                    "{} of {} named objects missing: {}",
                    missing.len(),
                    named.len(),
                    missing.join(", ")
                ));
            }
        }
        healthy &= problems.is_empty();
        let verdict = if problems.is_empty() { "ok".to_owned() } else { problems.join("; ") };
        report.push(format!("{:<8} {:<8} {verdict}", part.service, database.engine()));
    }
    let report = report.join("\n");
    ensure!(healthy, "{report}");
    Ok(report)
}
