//! Asynchronous analyses, the seed's `/v1/jobs/*`: the API stores the
//! uploads and an `invoice_jobs` row, then publishes the task id; a worker
//! (`ocr-worker`, or the API process itself with the in-process queue)
//! analyses it, stores the result and hands the webhook to its own retried
//! step.

pub mod metrics;
pub mod store;
pub mod worker;

use common::object_storage::ObjectStorage;
use serde::{Deserialize, Serialize};

use crate::backup::Owner;
use crate::domain::energy::{ConfidenceMin, RequestedType};
use crate::domain::upload::FileKind;
use crate::pipeline::Expectations;
use crate::routes::invoices::AnalysisResponse;

/// Jobs to analyse; its dead-letter queue `ocr.jobs.dead` parks poison jobs.
pub const JOBS_QUEUE: &str = "ocr.jobs";
/// Webhooks to deliver, one message per finished job with a webhook_url.
pub const WEBHOOKS_QUEUE: &str = "ocr.webhooks";

/// What travels on the queues: a reference, never the document.
#[derive(Debug, Serialize, Deserialize)]
pub struct TaskMessage {
    pub task_id: String,
}

impl TaskMessage {
    pub fn encode(task_id: &str) -> Result<Vec<u8>, serde_json::Error> {
        serde_json::to_vec(&TaskMessage { task_id: task_id.to_owned() })
    }
}

/// What the worker needs to redo the sync analysis, kept in the job row.
#[derive(Debug, Serialize, Deserialize)]
pub struct JobRequest {
    #[serde(rename = "type")]
    pub requested: String,
    pub confidence_min: f32,
    pub strict: bool,
    pub user_id: Option<i64>,
    pub invoice_id: Option<i64>,
    pub external_ref: Option<String>,
    pub customer_name: Option<String>,
    /// Object keys of the uploads, in page order, with their kind.
    pub files: Vec<(String, FileKind)>,
}

impl JobRequest {
    pub fn new(expectations: &Expectations, owner: &Owner, files: Vec<(String, FileKind)>) -> Self {
        Self {
            requested: expectations.requested.as_str().to_owned(),
            confidence_min: expectations.confidence_min.value(),
            strict: expectations.strict,
            user_id: owner.user_id,
            invoice_id: owner.invoice_id,
            external_ref: owner.external_ref.clone(),
            customer_name: owner.customer_name.clone(),
            files,
        }
    }

    pub fn expectations(&self) -> Result<Expectations, String> {
        Ok(Expectations {
            requested: RequestedType::parse(&self.requested)?,
            confidence_min: ConfidenceMin::parse(&self.confidence_min.to_string())?,
            strict: self.strict,
        })
    }

    pub fn owner(&self) -> Owner {
        Owner {
            user_id: self.user_id,
            invoice_id: self.invoice_id,
            external_ref: self.external_ref.clone(),
            customer_name: self.customer_name.clone(),
        }
    }
}

/// A job's result: the sync answer plus what the seed's clients store.
#[derive(Serialize)]
pub struct JobResult {
    #[serde(flatten)]
    pub analysis: AnalysisResponse,
    pub non_anonymous_size: i64,
    pub anonymous_size: i64,
    pub non_anonymous_sha256: String,
    pub anonymous_sha256: String,
}

/// Why a job failed, as its problem code and a sentence.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct JobError {
    pub code: String,
    pub detail: String,
}

/// The object keys of the uploads that unfinished jobs still need, for
/// `platform check`.
pub async fn pending_upload_keys(jobs: &store::JobStore) -> anyhow::Result<Vec<String>> {
    let mut keys = Vec::new();
    for request in jobs.unfinished_requests().await? {
        let request: JobRequest = serde_json::from_str(&request)?;
        keys.extend(request.files.into_iter().map(|(key, _)| key));
    }
    Ok(keys)
}

/// Removes a job's uploads: when it ends, or when it could not be accepted.
pub async fn delete_uploads(storage: &ObjectStorage, files: &[(String, FileKind)]) {
    for (key, _) in files {
        if let Err(error) = storage.delete(key).await {
            tracing::warn!(%error, "upload not removed");
        }
    }
}
