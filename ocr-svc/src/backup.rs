//! The seed's automatic backup ("DigitalOcean Spaces"): after each analysis,
//! the original document, both reports and a manifest go to the object
//! store, in the background, under
//! `{ENV}/user-{id}__{customer}/invoice-{id or ref}/{run_id}/`.
//!
//! Every object carries the seed's `x-amz-meta-*` headers; the manifest is
//! written last, so its presence means the run is complete. A run id is the
//! UTC second plus a random suffix: two runs never overwrite each other.

use std::time::Duration;

use bytes::Bytes;
use chrono::{DateTime, Utc};
use common::object_storage::{ObjectInfo, ObjectStorage, StorageError};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::domain::energy::EnergyType;
use crate::extraction::text::fold;
use crate::pipeline::{Document, Outcome};

const ATTEMPTS: u32 = 3;
const FIRST_RETRY: Duration = Duration::from_secs(1);
const MAX_SLUG: usize = 60;

/// Where backups go; absent when backup is off.
#[derive(Debug, Clone)]
pub struct Backup {
    storage: ObjectStorage,
    environment: String,
}

/// Who and what one analysis was for, as the caller's form said.
#[derive(Debug, Clone, Default)]
pub struct Owner {
    pub user_id: Option<i64>,
    pub invoice_id: Option<i64>,
    pub external_ref: Option<String>,
    pub customer_name: Option<String>,
}

/// One analysis to back up.
pub struct Run {
    pub owner: Owner,
    pub document: Document,
    pub energy_type: EnergyType,
    pub full_report: Vec<u8>,
    pub anonymous_report: Vec<u8>,
    pub highlights: Vec<String>,
}

#[derive(Debug, Serialize)]
struct Manifest<'a> {
    env: &'a str,
    run_id: &'a str,
    timestamp: String,
    user_id: Option<i64>,
    invoice_id: Option<i64>,
    external_ref: Option<&'a str>,
    energy_type: EnergyType,
    customer_name: Option<&'a str>,
    source_kind: &'static str,
    highlights: &'a [String],
    original_pages: Vec<String>,
    files: Vec<ManifestFile>,
}

#[derive(Debug, Serialize)]
struct ManifestFile {
    name: String,
    bytes: usize,
    sha256: String,
}

struct Object {
    name: String,
    content_type: &'static str,
    content: Bytes,
}

impl Run {
    pub fn new(owner: Owner, document: Document, outcome: Outcome) -> Self {
        Self {
            owner,
            document,
            energy_type: outcome.extraction.energy_type,
            full_report: outcome.reports.full,
            anonymous_report: outcome.reports.anonymous,
            highlights: outcome.highlights,
        }
    }
}

impl Backup {
    pub fn new(storage: ObjectStorage, environment: &str) -> Self {
        Self { storage, environment: environment.to_owned() }
    }

    /// Logs whether the store answers, as the seed did at start-up.
    pub async fn probe(&self) {
        match self.storage.check().await {
            Ok(()) => tracing::info!(backend = self.storage.backend(), "spaces_probe_ok"),
            Err(reason) => tracing::warn!(backend = self.storage.backend(), %reason, "spaces_probe_error"),
        }
    }

    /// Backs `run` up without holding up the response; failures are retried,
    /// then logged.
    pub fn spawn(&self, run: Run) {
        let backup = self.clone();
        tokio::spawn(async move {
            let started = Utc::now();
            let run_id = run_id(started);
            let folder = folder(&run.owner, &run_id);
            match backup.write(run, &folder, &run_id, started).await {
                Ok(objects) => tracing::info!(%run_id, objects, "spaces_upload_ok"),
                Err((object, error)) => {
                    tracing::error!(%run_id, %object, reason = reason(&error), "spaces_upload_error");
                }
            }
        });
    }

    async fn write(
        &self,
        run: Run,
        folder: &str,
        run_id: &str,
        started: DateTime<Utc>,
    ) -> Result<usize, (String, StorageError)> {
        let Run { owner, document, energy_type, full_report, anonymous_report, highlights } = run;
        let energy = energy_type.as_str();
        let source_kind = document.source_kind();
        let mut objects = Vec::new();
        let mut original_pages = Vec::new();
        match document {
            Document::Pdf(pdf) => objects.push(Object {
                name: format!("original_{energy}.pdf"),
                content_type: "application/pdf",
                content: Bytes::from(pdf),
            }),
            Document::Images(images) => {
                for (index, (kind, bytes)) in images.into_iter().enumerate() {
                    let name = format!("page-{:03}.{}", index + 1, kind.extension());
                    original_pages.push(name.clone());
                    objects.push(Object { name, content_type: kind.content_type(), content: Bytes::from(bytes) });
                }
            }
        }
        objects.push(Object {
            name: format!("report_full_{energy}.pdf"),
            content_type: "application/pdf",
            content: Bytes::from(full_report),
        });
        objects.push(Object {
            name: format!("report_anon_{energy}.pdf"),
            content_type: "application/pdf",
            content: Bytes::from(anonymous_report),
        });
        let manifest = Manifest {
            env: &self.environment,
            run_id,
            timestamp: started.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
            user_id: owner.user_id,
            invoice_id: owner.invoice_id,
            external_ref: owner.external_ref.as_deref(),
            energy_type,
            customer_name: owner.customer_name.as_deref(),
            source_kind,
            highlights: &highlights,
            original_pages,
            files: objects
                .iter()
                .map(|object| ManifestFile {
                    name: object.name.clone(),
                    bytes: object.content.len(),
                    sha256: hex::encode(Sha256::digest(&object.content)),
                })
                .collect(),
        };
        let manifest = serde_json::to_vec_pretty(&manifest).map_err(|error| {
            ("manifest.json".to_owned(), StorageError::InvalidKey(format!("manifest not serialisable: {error}")))
        })?;
        objects.push(Object {
            name: "manifest.json".into(),
            content_type: "application/json",
            content: manifest.into(),
        });

        let info = |content_type: &str| ObjectInfo {
            content_type: Some(content_type.to_owned()),
            metadata: metadata(&owner, source_kind, energy, run_id),
        };
        for object in &objects {
            let key = format!("{folder}/{}", object.name);
            self.put_with_retries(&key, object.content.clone(), &info(object.content_type))
                .await
                .map_err(|error| (object.name.clone(), error))?;
        }
        Ok(objects.len())
    }

    async fn put_with_retries(&self, key: &str, content: Bytes, info: &ObjectInfo) -> Result<(), StorageError> {
        let mut delay = FIRST_RETRY;
        let mut attempt = 1;
        loop {
            match self.storage.put_described(key, content.clone(), info).await {
                Ok(()) => return Ok(()),
                Err(error @ StorageError::InvalidKey(_)) => return Err(error),
                Err(error) if attempt >= ATTEMPTS => return Err(error),
                Err(_) => {
                    tokio::time::sleep(delay).await;
                    delay *= 4;
                    attempt += 1;
                }
            }
        }
    }
}

/// `20250115T143022Z-9f3a1c`: the seed's timestamp, made unique.
fn run_id(started: DateTime<Utc>) -> String {
    format!("{}-{:06x}", started.format("%Y%m%dT%H%M%SZ"), rand::random::<u32>() & 0xff_ffff)
}

/// `user-123__client-name/invoice-456/<run_id>`, from what the caller sent.
fn folder(owner: &Owner, run_id: &str) -> String {
    let user = owner.user_id.map_or_else(|| "anonymous".to_owned(), |id| id.to_string());
    let customer = owner.customer_name.as_deref().map(slug).filter(|slug| !slug.is_empty());
    let invoice = owner
        .invoice_id
        .map(|id| id.to_string())
        .or_else(|| owner.external_ref.as_deref().map(slug).filter(|slug| !slug.is_empty()))
        .unwrap_or_else(|| "unknown".to_owned());
    format!("user-{user}__{}/invoice-{invoice}/{run_id}", customer.as_deref().unwrap_or("unknown"))
}

/// Lower-case ASCII letters and digits joined by dashes: safe in any key.
fn slug(text: &str) -> String {
    let folded = fold(text);
    let mut slug = String::new();
    for c in folded.chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c);
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    let mut slug: String = slug.chars().take(MAX_SLUG).collect();
    while slug.ends_with('-') {
        slug.pop();
    }
    slug
}

/// The seed's `x-amz-meta-*` values; header-unsafe bytes percent-encoded.
fn metadata(owner: &Owner, source_kind: &str, energy: &str, run_id: &str) -> Vec<(String, String)> {
    let optional = |value: Option<String>| value.unwrap_or_default();
    vec![
        ("user-id".into(), optional(owner.user_id.map(|id| id.to_string()))),
        ("invoice-id".into(), optional(owner.invoice_id.map(|id| id.to_string()))),
        ("external-ref".into(), header_safe(owner.external_ref.as_deref().unwrap_or_default())),
        ("source-kind".into(), source_kind.to_owned()),
        ("energy-type".into(), energy.to_owned()),
        ("run-id".into(), run_id.to_owned()),
    ]
}

fn header_safe(value: &str) -> String {
    let mut safe = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_graphic() && byte != b'%' || byte == b' ' {
            safe.push(char::from(byte));
        } else {
            safe.push_str(&format!("%{byte:02X}"));
        }
    }
    safe
}

/// Why a put failed, without the key (it names the customer).
fn reason(error: &StorageError) -> &'static str {
    match error {
        StorageError::InvalidKey(_) => "invalid_key",
        StorageError::NotFound(_) => "not_found",
        StorageError::Directory(_) => "local_directory",
        StorageError::Store(_) => "store_unavailable",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folders_follow_the_seed_layout() {
        let owner = Owner {
            user_id: Some(123),
            invoice_id: Some(456),
            external_ref: Some("FAC-2025-001".into()),
            customer_name: Some("Boulangerie Éclair & Fils".into()),
        };
        assert_eq!(folder(&owner, "R"), "user-123__boulangerie-eclair-fils/invoice-456/R");
        let by_reference = Owner { invoice_id: None, ..owner };
        assert_eq!(folder(&by_reference, "R"), "user-123__boulangerie-eclair-fils/invoice-fac-2025-001/R");
        assert_eq!(folder(&Owner::default(), "R"), "user-anonymous__unknown/invoice-unknown/R");
        let hostile = Owner { customer_name: Some("../../etc".into()), ..Owner::default() };
        assert_eq!(folder(&hostile, "R"), "user-anonymous__etc/invoice-unknown/R");
    }

    #[test]
    fn run_ids_keep_the_seed_timestamp_and_differ() {
        let now = DateTime::parse_from_rfc3339("2025-01-15T14:30:22Z").expect("date").with_timezone(&Utc);
        let first = run_id(now);
        assert!(first.starts_with("20250115T143022Z-"), "{first}");
        assert_ne!((0..4).map(|_| run_id(now)).collect::<std::collections::HashSet<_>>().len(), 1);
    }

    #[test]
    fn metadata_values_are_header_safe() {
        assert_eq!(header_safe("Réf 12%/a"), "R%C3%A9f 12%25/a");
        assert_eq!(header_safe("line\nbreak"), "line%0Abreak");
    }
}
