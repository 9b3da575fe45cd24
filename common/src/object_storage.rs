//! Objects (uploaded documents, reports, backups) in an S3-compatible bucket
//! or, in the embedded mode, a local directory, through `object_store`.
//!
//! Keys are prefixed with the environment tag (`ENV`: dev/staging/prod), as
//! the OCR app organised its Spaces bucket.

use std::sync::Arc;

use bytes::Bytes;
use futures_util::TryStreamExt;
use object_store::aws::AmazonS3Builder;
use object_store::local::LocalFileSystem;
use object_store::path::Path;
use object_store::{Attribute, Attributes, ObjectStore, ObjectStoreExt, PutOptions, PutPayload};
use secrecy::ExposeSecret;

use crate::configuration::ObjectStoreSettings;

#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("invalid object key {0:?}")]
    InvalidKey(String),
    #[error("no object at {0:?}")]
    NotFound(String),
    #[error("cannot create the local object directory: {0}")]
    Directory(#[source] std::io::Error),
    #[error(transparent)]
    Store(object_store::Error),
}

impl From<object_store::Error> for StorageError {
    fn from(error: object_store::Error) -> Self {
        match error {
            object_store::Error::NotFound { path, .. } => Self::NotFound(path),
            other => Self::Store(other),
        }
    }
}

/// What describes an object besides its bytes: its media type and the user
/// metadata S3 keeps as `x-amz-meta-*` headers. A local directory has no
/// place for them and keeps the bytes only.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ObjectInfo {
    pub content_type: Option<String>,
    pub metadata: Vec<(String, String)>,
}

#[derive(Debug, Clone)]
pub struct ObjectStorage {
    store: Arc<dyn ObjectStore>,
    prefix: String,
    backend: &'static str,
    /// Where the objects are, for telling two services' stores apart:
    /// `local:DIR/PREFIX` or `s3:ENDPOINT/BUCKET/PREFIX`.
    location: String,
}

impl ObjectStorage {
    pub fn from_settings(settings: &ObjectStoreSettings, environment: &str) -> Result<Self, StorageError> {
        let (store, backend): (Arc<dyn ObjectStore>, _) = match &settings.s3 {
            Some(s3) => {
                let mut builder = AmazonS3Builder::new()
                    .with_bucket_name(&s3.bucket)
                    .with_region(&s3.region)
                    .with_access_key_id(&s3.access_key)
                    .with_secret_access_key(s3.secret_key.expose_secret())
                    .with_allow_http(s3.allow_http);
                if let Some(endpoint) = &s3.endpoint {
                    builder = builder.with_endpoint(endpoint);
                }
                (Arc::new(builder.build()?), "s3")
            }
            None => {
                std::fs::create_dir_all(&settings.local_dir).map_err(StorageError::Directory)?;
                (Arc::new(LocalFileSystem::new_with_prefix(&settings.local_dir)?), "local")
            }
        };
        let location = match &settings.s3 {
            Some(s3) => format!("s3:{}/{}/{environment}", s3.endpoint.as_deref().unwrap_or("aws"), s3.bucket),
            None => {
                let directory = std::fs::canonicalize(&settings.local_dir).map_err(StorageError::Directory)?;
                format!("local:{}/{environment}", directory.display())
            }
        };
        Ok(Self { store, prefix: environment.to_owned(), backend, location })
    }

    pub fn location(&self) -> &str {
        &self.location
    }

    /// Every key under this store's prefix, sorted (for backups).
    pub async fn keys(&self) -> Result<Vec<String>, StorageError> {
        let prefix = Path::from(self.prefix.as_str());
        let mut listing = self.store.list(Some(&prefix));
        let mut keys = Vec::new();
        while let Some(meta) = listing.try_next().await? {
            let full = meta.location.to_string();
            if let Some(key) = full.strip_prefix(&format!("{}/", self.prefix)) {
                keys.push(key.to_owned());
            }
        }
        keys.sort();
        Ok(keys)
    }

    pub fn backend(&self) -> &'static str {
        self.backend
    }

    fn path(&self, key: &str) -> Result<Path, StorageError> {
        let invalid = || StorageError::InvalidKey(key.to_owned());
        if key.is_empty() || key.split('/').any(|part| part.is_empty() || part == "." || part == "..") {
            return Err(invalid());
        }
        Path::parse(format!("{}/{key}", self.prefix)).map_err(|_| invalid())
    }

    pub async fn put(&self, key: &str, content: Bytes) -> Result<(), StorageError> {
        let path = self.path(key)?;
        self.store.put(&path, PutPayload::from_bytes(content)).await?;
        Ok(())
    }

    /// Stores an object with its media type and metadata (S3) or its bytes
    /// only (local directory).
    pub async fn put_described(&self, key: &str, content: Bytes, info: &ObjectInfo) -> Result<(), StorageError> {
        let path = self.path(key)?;
        let mut attributes = Attributes::new();
        if self.backend == "s3" {
            if let Some(content_type) = &info.content_type {
                attributes.insert(Attribute::ContentType, content_type.clone().into());
            }
            for (name, value) in &info.metadata {
                attributes.insert(Attribute::Metadata(name.clone().into()), value.clone().into());
            }
        }
        let options = PutOptions { attributes, ..PutOptions::default() };
        self.store.put_opts(&path, PutPayload::from_bytes(content), options).await?;
        Ok(())
    }

    /// The media type and metadata of a stored object, without its bytes.
    pub async fn describe(&self, key: &str) -> Result<ObjectInfo, StorageError> {
        let path = self.path(key)?;
        let options = object_store::GetOptions { head: true, ..object_store::GetOptions::default() };
        let result = self.store.get_opts(&path, options).await?;
        let mut info = ObjectInfo::default();
        for (attribute, value) in result.attributes.iter() {
            match attribute {
                Attribute::ContentType => info.content_type = Some(value.to_string()),
                Attribute::Metadata(name) => info.metadata.push((name.to_string(), value.to_string())),
                _ => {}
            }
        }
        info.metadata.sort();
        Ok(info)
    }

    pub async fn get(&self, key: &str) -> Result<Bytes, StorageError> {
        let path = self.path(key)?;
        Ok(self.store.get(&path).await?.bytes().await?)
    }

    pub async fn delete(&self, key: &str) -> Result<(), StorageError> {
        let path = self.path(key)?;
        self.store.delete(&path).await?;
        Ok(())
    }

    /// For `/ready`: the bucket or directory answers a listing.
    pub async fn check(&self) -> Result<(), String> {
        let prefix = Path::from(self.prefix.as_str());
        self.store.list_with_delimiter(Some(&prefix)).await.map(drop).map_err(|_| "unreachable".to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn local(dir: &std::path::Path) -> ObjectStorage {
        let settings = ObjectStoreSettings { local_dir: dir.display().to_string(), s3: None };
        ObjectStorage::from_settings(&settings, "test").expect("local store")
    }

    #[tokio::test]
    async fn local_objects_round_trip_under_the_environment_prefix() {
        let dir = tempfile::tempdir().expect("tempdir");
        let storage = local(dir.path());
        storage.put("reports/a.pdf", Bytes::from_static(b"%PDF")).await.expect("put");
        assert_eq!(storage.get("reports/a.pdf").await.expect("get"), Bytes::from_static(b"%PDF"));
        assert!(dir.path().join("test/reports/a.pdf").exists());
        assert_eq!(storage.check().await, Ok(()));
        storage.put("runs/b.png", Bytes::from_static(b"png")).await.expect("put");
        assert_eq!(storage.keys().await.expect("keys"), ["reports/a.pdf", "runs/b.png"]);
        assert!(storage.location().starts_with("local:/") && storage.location().ends_with("/test"));
        storage.delete("reports/a.pdf").await.expect("delete");
        assert!(matches!(storage.get("reports/a.pdf").await, Err(StorageError::NotFound(_))));
    }

    #[tokio::test]
    async fn a_local_directory_keeps_the_bytes_of_described_objects() {
        let dir = tempfile::tempdir().expect("tempdir");
        let storage = local(dir.path());
        let info = ObjectInfo { content_type: Some("image/png".into()), metadata: vec![("run-id".into(), "1".into())] };
        storage.put_described("runs/page-001.png", Bytes::from_static(b"png"), &info).await.expect("put");
        assert_eq!(storage.get("runs/page-001.png").await.expect("get"), Bytes::from_static(b"png"));
        assert_eq!(storage.describe("runs/page-001.png").await.expect("describe"), ObjectInfo::default());
    }

    #[tokio::test]
    async fn keys_cannot_escape_the_prefix() {
        let dir = tempfile::tempdir().expect("tempdir");
        let storage = local(dir.path());
        for key in ["", "../etc/passwd", "a//b", "a/./b", "/abs"] {
            assert!(
                matches!(storage.put(key, Bytes::new()).await, Err(StorageError::InvalidKey(_))),
                "{key:?} accepted"
            );
        }
    }
}
