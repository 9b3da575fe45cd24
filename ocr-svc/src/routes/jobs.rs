//! `POST /v1/jobs/pdf`, `POST /v1/jobs/images` and `GET /v1/jobs/{task_id}`:
//! the seed's asynchronous mode. A job is accepted (202) only once the
//! broker confirmed it; the result is read here or received by webhook.

use std::sync::Arc;

use actix_multipart::Multipart;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{DateTime, Utc};
use common::error::{ApiError, ErrorCode, FieldError};
use common::identity::Caller;
use common::object_storage::ObjectStorage;
use common::queue::JobQueue;
use serde::Serialize;

use crate::domain::upload::FileKind;
use crate::jobs::store::{Delivery, JobStore, NewJob};
use crate::jobs::{JobError, JobRequest, TaskMessage, delete_uploads};
use crate::pipeline::Document;
use crate::routes::invoices::{Form, image_document, pdf_document, read_form};
use crate::startup::Limits;
use common::destination::Destinations;

/// What the job routes share.
pub struct JobsApi {
    pub store: JobStore,
    pub queue: JobQueue,
    pub storage: ObjectStorage,
    pub destinations: Arc<Destinations>,
    pub jobs_queue: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Accepted {
    pub task_id: String,
    /// Always `queued`.
    pub status: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct JobStatus {
    pub task_id: String,
    /// queued, processing, succeeded or failed.
    pub status: String,
    pub progress: Progress,
    /// Analyses started so far (a redelivered or retried job counts again).
    pub attempts: i64,
    pub created_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub completed_at: Option<DateTime<Utc>>,
    pub error: Option<JobError>,
    pub webhook: Option<WebhookStatus>,
    /// The sync API's answer plus both reports' sizes and SHA-256, once succeeded.
    #[schema(value_type = Option<Object>)]
    pub result: Option<serde_json::Value>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Progress {
    pub pages_done: i64,
    pub pages_total: Option<i64>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct WebhookStatus {
    pub url: String,
    pub deliveries: Vec<Delivery>,
}

#[utoipa::path(
    post,
    path = "/v1/jobs/pdf",
    tag = "jobs",
    request_body(content = super::forms::PdfJobForm, content_type = "multipart/form-data"),
    responses(
        (status = 202, body = Accepted),
        (status = 400, description = "not a PDF, bad extension or bad type"),
        (status = 413, description = "over MAX_CONTENT_LENGTH"),
        (status = 422, description = "invalid field, or webhook_url pointing inside the network"),
        (status = 503, description = "the queue is unavailable: nothing was accepted"),
    )
)]
pub async fn submit_pdf(
    request: HttpRequest,
    payload: Multipart,
    caller: Caller,
    api: web::Data<JobsApi>,
    limits: web::Data<Limits>,
) -> Result<HttpResponse, ApiError> {
    let mut form = read_form(&request, payload, &limits, "file").await?;
    let document = pdf_document(&mut form)?;
    submit(&api, &caller, form, document).await
}

#[utoipa::path(
    post,
    path = "/v1/jobs/images",
    tag = "jobs",
    request_body(content = super::forms::ImagesJobForm, content_type = "multipart/form-data"),
    responses(
        (status = 202, body = Accepted),
        (status = 400, description = "not an image, bad extension, no image or more than 8, or bad type"),
        (status = 413, description = "over MAX_CONTENT_LENGTH"),
        (status = 422, description = "invalid field, or webhook_url pointing inside the network"),
        (status = 503, description = "the queue is unavailable: nothing was accepted"),
    )
)]
pub async fn submit_images(
    request: HttpRequest,
    payload: Multipart,
    caller: Caller,
    api: web::Data<JobsApi>,
    limits: web::Data<Limits>,
) -> Result<HttpResponse, ApiError> {
    let mut form = read_form(&request, payload, &limits, "files").await?;
    let document = image_document(&mut form)?;
    submit(&api, &caller, form, document).await
}

async fn submit(api: &JobsApi, caller: &Caller, form: Form, document: Document) -> Result<HttpResponse, ApiError> {
    let webhook_url = match &form.webhook_url {
        Some(raw) => Some(api.destinations.check(raw).await.map_err(|refusal| {
            ApiError::validation(vec![FieldError { field: "webhook_url".into(), message: refusal.to_string() }])
        })?),
        None => None,
    };
    let task_id = uuid::Uuid::new_v4().to_string();
    let source_kind = document.source_kind();
    let uploads: Vec<(FileKind, Vec<u8>)> = match document {
        Document::Pdf(pdf) => vec![(FileKind::Pdf, pdf)],
        Document::Images(images) => images,
    };
    let mut keys = Vec::new();
    for (index, (kind, bytes)) in uploads.into_iter().enumerate() {
        let key = format!("jobs/{task_id}/upload-{:03}.{}", index + 1, kind.extension());
        if let Err(error) = api.storage.put(&key, bytes.into()).await {
            delete_uploads(&api.storage, &keys).await;
            return Err(unavailable("The document store").with_source(error));
        }
        keys.push((key, kind));
    }
    let stored = JobRequest::new(&form.expectations, &form.owner, keys.clone());
    let stored = serde_json::to_string(&stored).map_err(ApiError::internal)?;
    let job = NewJob {
        task_id: &task_id,
        caller: &caller.subject,
        source_kind,
        user_id: form.owner.user_id,
        invoice_id: form.owner.invoice_id,
        external_ref: form.owner.external_ref.as_deref(),
        webhook_url: webhook_url.as_ref().map(reqwest::Url::as_str),
        request: &stored,
    };
    if let Err(error) = api.store.insert(&job).await {
        delete_uploads(&api.storage, &keys).await;
        return Err(ApiError::internal(error));
    }
    let message = TaskMessage::encode(&task_id).map_err(ApiError::internal)?;
    if let Err(error) = api.queue.publish(&api.jobs_queue, &task_id, &message).await {
        // Not confirmed by the broker: nothing may look accepted.
        let _ = api.store.delete(&task_id).await;
        delete_uploads(&api.storage, &keys).await;
        return Err(unavailable("The job queue").with_source(error));
    }
    tracing::info!(%task_id, source_kind, webhook = webhook_url.is_some(), "job accepted");
    Ok(HttpResponse::Accepted()
        .insert_header((header::LOCATION, format!("/v1/jobs/{task_id}")))
        .json(Accepted { task_id, status: "queued".into() }))
}

fn unavailable(what: &str) -> ApiError {
    ApiError::new(
        ErrorCode::ServiceUnavailable,
        format!("{what} is unavailable; the job was not accepted. Retry later."),
    )
    .with_retry_after(5)
}

#[utoipa::path(
    get,
    path = "/v1/jobs/{task_id}",
    tag = "jobs",
    params(("task_id" = String, Path, description = "as returned by POST /v1/jobs/*")),
    responses(
        (status = 200, body = JobStatus),
        (status = 404, description = "no such job for this caller"),
    )
)]
pub async fn job_status(
    task_id: web::Path<String>,
    caller: Caller,
    api: web::Data<JobsApi>,
) -> Result<HttpResponse, ApiError> {
    let not_found = || ApiError::new(ErrorCode::NotFound, format!("No job {task_id}."));
    let record = api.store.get(&task_id).await.map_err(ApiError::internal)?.ok_or_else(not_found)?;
    if record.caller != caller.subject {
        return Err(not_found());
    }
    let deliveries = api.store.deliveries(&task_id).await.map_err(ApiError::internal)?;
    let result = record.result.as_deref().map(serde_json::from_str).transpose().map_err(ApiError::internal)?;
    let error = record.error();
    Ok(HttpResponse::Ok().json(JobStatus {
        task_id: record.task_id,
        status: record.status,
        progress: Progress { pages_done: record.pages_done, pages_total: record.pages_total },
        attempts: record.attempts,
        created_at: record.created_at,
        started_at: record.started_at,
        completed_at: record.completed_at,
        error,
        webhook: record.webhook_url.map(|url| WebhookStatus { url, deliveries }),
        result,
    }))
}
