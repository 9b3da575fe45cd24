//! The worker: consumes `ocr.jobs` and `ocr.webhooks`.
//!
//! A job message is acknowledged only once its outcome is stored. A
//! redelivered job whose row is already finished is not analysed again: its
//! webhook is re-published (the delivery step skips settled ones), so a job
//! never gets two results nor two different webhooks. Transient failures
//! (storage, tools) are retried later through the queue's delay queues, up to
//! `max_attempts`; then the job is failed and parked in `ocr.jobs.dead`.
//! Refusals (unreadable, mismatch, low confidence) fail at once.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use common::object_storage::ObjectStorage;
use common::queue::{JobQueue, ReceivedJob};
use common::webhook::{WebhookSigner, standard_webhook};
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;
use sha2::{Digest, Sha256};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;
use tracing::Instrument;
use tracing_opentelemetry::OpenTelemetrySpanExt;

use super::metrics::JobMetrics;
use super::store::{JobRecord, JobStore, ReportDigests};
use super::{JobError, JobRequest, JobResult, TaskMessage, delete_uploads};
use crate::backup::{Backup, Run};
use crate::configuration::JobSettings;
use crate::engine::{Engine, PageProgress, PagesRead};
use crate::pipeline::{Document, process};
use crate::routes::invoices::{AnalysisResponse, refusal};
use common::destination::{Destinations, GuardedResolver};

/// Longest wait a receiver's Retry-After may impose.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(24 * 3600);

pub struct Worker {
    store: JobStore,
    queue: JobQueue,
    storage: ObjectStorage,
    engine: Arc<Engine>,
    backup: Option<Backup>,
    settings: JobSettings,
    destinations: Arc<Destinations>,
    signer: Option<WebhookSigner>,
    token: Option<SecretString>,
    client: reqwest::Client,
    metrics: JobMetrics,
}

/// What becomes of the job message once the work is over.
enum Disposition {
    Done,
    Park,
}

/// A failure worth another attempt later.
struct Transient(String);

pub struct WorkerParts {
    pub store: JobStore,
    pub queue: JobQueue,
    pub storage: ObjectStorage,
    pub engine: Arc<Engine>,
    pub backup: Option<Backup>,
    pub settings: JobSettings,
    pub destinations: Arc<Destinations>,
    pub webhook_secret: Option<SecretString>,
    pub webhook_token: Option<SecretString>,
    pub metrics: JobMetrics,
}

#[derive(Serialize)]
struct WebhookPayload<'a> {
    task_id: &'a str,
    status: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<JobError>,
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    result: Option<serde_json::Map<String, serde_json::Value>>,
}

impl Worker {
    pub fn new(parts: WorkerParts) -> anyhow::Result<Self> {
        let destinations = parts.destinations;
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs_f64(parts.settings.webhook_timeout_secs))
            .dns_resolver(Arc::new(GuardedResolver::new(Arc::clone(&destinations))))
            // A proxy would resolve the name itself, past the guard.
            .no_proxy()
            .user_agent(concat!("platform-ocr-worker/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Self {
            store: parts.store,
            queue: parts.queue,
            storage: parts.storage,
            engine: parts.engine,
            backup: parts.backup,
            destinations,
            signer: parts.webhook_secret.as_ref().map(WebhookSigner::new),
            token: parts.webhook_token,
            settings: parts.settings,
            client,
            metrics: parts.metrics,
        })
    }

    /// Consumes until `shutdown`, then stops taking messages and returns
    /// once the jobs and deliveries in progress are finished.
    pub async fn run(self: Arc<Self>, shutdown: CancellationToken) -> anyhow::Result<()> {
        let tag = format!("ocr-worker-{}", uuid::Uuid::new_v4().simple());
        let mut jobs = self.queue.consume(&self.settings.jobs_queue(), &tag).await?;
        let mut webhooks = self.queue.consume(&self.settings.webhooks_queue(), &format!("{tag}-webhooks")).await?;
        let mut running_jobs = JoinSet::new();
        let mut running_deliveries = JoinSet::new();
        let concurrency = self.settings.concurrency.max(1);
        tracing::info!(concurrency, "ocr worker consuming");
        loop {
            tokio::select! {
                () = shutdown.cancelled() => break,
                Some(job) = jobs.next(), if running_jobs.len() < concurrency => {
                    let worker = Arc::clone(&self);
                    running_jobs.spawn(async move { worker.handle_job(job).await });
                }
                Some(delivery) = webhooks.next() => {
                    let worker = Arc::clone(&self);
                    running_deliveries.spawn(async move { worker.handle_delivery(delivery).await });
                }
                Some(_) = running_jobs.join_next(), if !running_jobs.is_empty() => {}
                Some(_) = running_deliveries.join_next(), if !running_deliveries.is_empty() => {}
                else => break,
            }
        }
        tracing::info!(jobs = running_jobs.len(), deliveries = running_deliveries.len(), "ocr worker draining");
        drop((jobs, webhooks));
        while running_jobs.join_next().await.is_some() {}
        while running_deliveries.join_next().await.is_some() {}
        Ok(())
    }

    /// Takes up what a stopped process left. The in-process queue and its
    /// delay timers died with the process: every unfinished job is published
    /// again (at its due time; one that was processing counts the attempt it
    /// was on, so a job that kills the process is parked after
    /// `max_attempts`), and every webhook still due. RabbitMQ keeps
    /// unacknowledged messages and delayed retries itself.
    /// Called before the API takes requests, so no job is published twice.
    pub async fn recover(&self) -> anyhow::Result<()> {
        if !matches!(self.queue, JobQueue::InProcess(_)) {
            return Ok(());
        }
        let now = Utc::now();
        let wait = |due: DateTime<Utc>| (due - now).to_std().unwrap_or_default();
        let jobs = self.store.unfinished().await?;
        for (task_id, due) in &jobs {
            let message = TaskMessage::encode(task_id)?;
            let delay = due.map(wait).unwrap_or_default();
            self.queue.publish_delayed(&self.settings.jobs_queue(), task_id, &message, delay).await?;
        }
        let webhooks = self.store.pending_webhooks().await?;
        for (task_id, due) in &webhooks {
            let message = TaskMessage::encode(task_id)?;
            self.queue.publish_delayed(&self.settings.webhooks_queue(), task_id, &message, wait(*due)).await?;
        }
        if !jobs.is_empty() || !webhooks.is_empty() {
            tracing::info!(jobs = jobs.len(), webhooks = webhooks.len(), "unfinished work taken up again");
        }
        Ok(())
    }

    async fn handle_job(&self, job: ReceivedJob) {
        let span = tracing::info_span!(
            "ocr job",
            otel.kind = "consumer",
            task_id = tracing::field::Empty,
            attempt = tracing::field::Empty
        );
        let _ = span.set_parent(job.trace_context.clone());
        let hard_limit = Duration::from_secs_f64(self.settings.hard_time_limit_secs);
        let _in_progress = self.metrics.in_progress();
        let started = Instant::now();
        let outcome = tokio::time::timeout(hard_limit, self.work(&job.payload, started).instrument(span.clone())).await;
        let answered = match outcome {
            Ok(Ok(Disposition::Done)) => job.ack().await,
            Ok(Ok(Disposition::Park)) => job.reject().await,
            Ok(Err(Transient(reason))) => {
                span.in_scope(|| tracing::warn!(%reason, "job could not be settled; back to the queue"));
                tokio::time::sleep(Duration::from_secs(1)).await;
                job.retry().await
            }
            Err(_) => {
                span.in_scope(|| tracing::error!("job passed its hard time limit; back to the queue"));
                self.metrics.job("requeued", started.elapsed().as_secs_f64());
                job.retry().await
            }
        };
        if let Err(error) = answered {
            span.in_scope(|| tracing::warn!(%error, "job answer lost; the broker will redeliver it"));
        }
    }

    /// Everything but answering the message; `Err` leaves it to be redelivered.
    async fn work(&self, payload: &[u8], started: Instant) -> Result<Disposition, Transient> {
        let Ok(message) = serde_json::from_slice::<TaskMessage>(payload) else {
            tracing::error!("unreadable job message parked");
            return Ok(Disposition::Park);
        };
        let task_id = message.task_id.as_str();
        tracing::Span::current().record("task_id", task_id);
        let Some(attempt) = self.store.begin_attempt(task_id).await.map_err(transient)? else {
            return match self.store.get(task_id).await.map_err(transient)? {
                Some(record) if record.is_finished() => {
                    self.announce(&record).await?;
                    Ok(Disposition::Done)
                }
                _ => {
                    tracing::error!("job message for an unknown task parked");
                    Ok(Disposition::Park)
                }
            };
        };
        tracing::Span::current().record("attempt", attempt);
        let record = self.reload(task_id).await?;
        if attempt > i64::from(self.settings.max_attempts) {
            // Started that often without an outcome: it keeps killing its worker.
            tracing::error!(attempt, "job started too many times; parked");
            let error = JobError {
                code: "too_many_attempts".into(),
                detail: format!("The analysis was started {attempt} times without finishing."),
            };
            let finished = self.finish_failure(task_id, &error).await?;
            self.announce(&finished).await?;
            self.remove_uploads(&record).await;
            self.metrics.job("parked", started.elapsed().as_secs_f64());
            return Ok(Disposition::Park);
        }
        let soft_limit = Duration::from_secs_f64(self.settings.soft_time_limit_secs);
        let finished = match tokio::time::timeout(soft_limit, self.analyse(&record)).await {
            Ok(Ok(result)) => self.finish_success(task_id, &result).await?,
            Ok(Err(Failure::Refused(error))) => self.finish_failure(task_id, &error).await?,
            Ok(Err(Failure::Transient(reason))) if attempt < i64::from(self.settings.max_attempts) => {
                let delay = self.retry_delay(attempt);
                tracing::warn!(%reason, attempt, retry_in_secs = delay.as_secs_f64(), "job failed; retry scheduled");
                let due = Utc::now() + delay;
                self.store.requeue(task_id, due).await.map_err(transient)?;
                self.queue
                    .publish_delayed(&self.settings.jobs_queue(), task_id, payload, delay)
                    .await
                    .map_err(transient)?;
                self.metrics.job("retry_scheduled", started.elapsed().as_secs_f64());
                return Ok(Disposition::Done);
            }
            Ok(Err(Failure::Transient(reason))) => {
                tracing::error!(%reason, attempt, "job failed on its last attempt; parked");
                let error = JobError {
                    code: "too_many_attempts".into(),
                    detail: format!("The analysis failed {attempt} times; last reason: {reason}"),
                };
                self.finish_failure(task_id, &error).await?;
                self.metrics.job("parked", started.elapsed().as_secs_f64());
                return Ok(Disposition::Park);
            }
            Err(_) => {
                let error = JobError {
                    code: "time_limit_exceeded".into(),
                    detail: format!("The analysis took longer than {} s.", soft_limit.as_secs()),
                };
                self.finish_failure(task_id, &error).await?
            }
        };
        let status = if finished.status == "succeeded" { "succeeded" } else { "failed" };
        tracing::info!(status, seconds = started.elapsed().as_secs_f64(), "job finished");
        self.metrics.job(status, started.elapsed().as_secs_f64());
        self.announce(&finished).await?;
        self.remove_uploads(&record).await;
        Ok(Disposition::Done)
    }

    fn retry_delay(&self, attempt: i64) -> Duration {
        let delays = &self.settings.retry_delays_secs;
        let index = usize::try_from(attempt - 1).unwrap_or(0).min(delays.len().saturating_sub(1));
        Duration::from_secs_f64(delays.get(index).copied().unwrap_or(10.0))
    }

    async fn analyse(&self, record: &JobRecord) -> Result<JobResult, Failure> {
        let request: JobRequest = serde_json::from_str(&record.request)
            .map_err(|error| Failure::Transient(format!("stored request unreadable: {error}")))?;
        let expectations = request.expectations().map_err(Failure::Transient)?;
        let mut files = Vec::new();
        for (key, kind) in &request.files {
            let bytes = self.storage.get(key).await.map_err(|error| Failure::Transient(error.to_string()))?;
            files.push((*kind, bytes.to_vec()));
        }
        let document = if record.source_kind == "pdf" {
            Document::Pdf(files.pop().map(|(_, bytes)| bytes).unwrap_or_default())
        } else {
            Document::Images(files)
        };
        let progress = PageProgress::new(PagesRead::default());
        let processing = process(&self.engine, &document, expectations, Some(&progress));
        let outcome = tokio::select! {
            outcome = processing => outcome,
            never = self.record_progress(&record.task_id, progress.subscribe()) => match never {},
        }
        .map_err(|refused| {
            let error = refusal(refused);
            match error.code() {
                common::error::ErrorCode::Internal => Failure::Transient(error.to_string()),
                code => Failure::Refused(JobError { code: code.as_str().into(), detail: error.public_detail().into() }),
            }
        })?;
        // The final count, which the progress recorder may not have written
        // before the reading ended and dropped it.
        let pages = i64::try_from(outcome.extraction.pages).unwrap_or(i64::MAX);
        self.store
            .set_pages(&record.task_id, pages, pages)
            .await
            .map_err(|error| Failure::Transient(error.to_string()))?;
        let owner = request.owner();
        let analysis = AnalysisResponse::new(&outcome, &owner);
        let digest = |bytes: &[u8]| hex::encode(Sha256::digest(bytes));
        let result = JobResult {
            non_anonymous_size: i64::try_from(outcome.reports.full.len()).unwrap_or(i64::MAX),
            anonymous_size: i64::try_from(outcome.reports.anonymous.len()).unwrap_or(i64::MAX),
            non_anonymous_sha256: digest(&outcome.reports.full),
            anonymous_sha256: digest(&outcome.reports.anonymous),
            analysis,
        };
        if let Some(backup) = &self.backup {
            backup.spawn(Run::new(owner, document, outcome));
        }
        Ok(result)
    }

    /// Writes each change of the pages read to the job's row (best effort:
    /// progress is informative), then waits for the caller to drop it.
    async fn record_progress(
        &self,
        task_id: &str,
        mut changes: tokio::sync::watch::Receiver<PagesRead>,
    ) -> std::convert::Infallible {
        while changes.changed().await.is_ok() {
            let read = *changes.borrow_and_update();
            let count = |pages: usize| i64::try_from(pages).unwrap_or(i64::MAX);
            if let Err(error) = self.store.set_pages(task_id, count(read.done), count(read.total)).await {
                tracing::warn!(%error, "job progress not recorded");
            }
        }
        std::future::pending().await
    }

    async fn finish_success(&self, task_id: &str, result: &JobResult) -> Result<JobRecord, Transient> {
        let json = serde_json::to_string(result).map_err(transient)?;
        let digests = ReportDigests {
            non_anonymous_size: result.non_anonymous_size,
            anonymous_size: result.anonymous_size,
            non_anonymous_sha256: result.non_anonymous_sha256.clone(),
            anonymous_sha256: result.anonymous_sha256.clone(),
        };
        self.store.succeed(task_id, &json, &digests).await.map_err(transient)?;
        self.reload(task_id).await
    }

    async fn finish_failure(&self, task_id: &str, error: &JobError) -> Result<JobRecord, Transient> {
        self.store.fail(task_id, &error.code, &error.detail).await.map_err(transient)?;
        self.reload(task_id).await
    }

    /// The job's row as it stands now.
    async fn reload(&self, task_id: &str) -> Result<JobRecord, Transient> {
        self.store.get(task_id).await.map_err(transient)?.ok_or_else(|| Transient("row vanished".into()))
    }

    /// Hands a finished job's webhook to the delivery step (once per
    /// finished job; a repeat is harmless, deliveries check what was settled).
    async fn announce(&self, record: &JobRecord) -> Result<(), Transient> {
        if record.webhook_url.is_none() {
            return Ok(());
        }
        let message = TaskMessage::encode(&record.task_id).map_err(transient)?;
        self.queue.publish(&self.settings.webhooks_queue(), &record.task_id, &message).await.map_err(transient)
    }

    async fn remove_uploads(&self, record: &JobRecord) {
        if let Ok(request) = serde_json::from_str::<JobRequest>(&record.request) {
            delete_uploads(&self.storage, &request.files).await;
        }
    }

    async fn handle_delivery(&self, delivery: ReceivedJob) {
        let span = tracing::info_span!("webhook delivery", otel.kind = "consumer", task_id = tracing::field::Empty);
        let _ = span.set_parent(delivery.trace_context.clone());
        let outcome = self.deliver(&delivery.payload).instrument(span.clone()).await;
        let answered = match outcome {
            Ok(()) => delivery.ack().await,
            Err(Transient(reason)) => {
                span.in_scope(|| tracing::warn!(%reason, "delivery could not be recorded; back to the queue"));
                tokio::time::sleep(Duration::from_secs(1)).await;
                delivery.retry().await
            }
        };
        if let Err(error) = answered {
            span.in_scope(|| tracing::warn!(%error, "delivery answer lost; the broker will redeliver it"));
        }
    }

    /// One attempt; a failed one schedules the next through a delay queue.
    async fn deliver(&self, payload: &[u8]) -> Result<(), Transient> {
        let Ok(message) = serde_json::from_slice::<TaskMessage>(payload) else {
            tracing::error!("unreadable webhook message dropped");
            return Ok(());
        };
        let task_id = message.task_id.as_str();
        tracing::Span::current().record("task_id", task_id);
        if self.store.delivery_settled(task_id).await.map_err(transient)? {
            return self.store.schedule_webhook(task_id, None).await.map_err(transient);
        }
        let Some(record) = self.store.get(task_id).await.map_err(transient)? else { return Ok(()) };
        let Some(url) = record.webhook_url.as_deref().filter(|_| record.is_finished()) else {
            return self.store.schedule_webhook(task_id, None).await.map_err(transient);
        };
        let webhook_id = format!("msg_{task_id}");
        let body = webhook_body(&record).map_err(transient)?;
        let (status, error, retry_after) = match self.destinations.check(url).await {
            Err(refused) => (None, Some(refused.to_string()), None),
            Ok(url) => self.post(url.as_str(), &webhook_id, &body).await,
        };
        let attempt =
            self.store.record_delivery(task_id, &webhook_id, status, error.as_deref()).await.map_err(transient)?;
        let settled = status.is_some_and(|code| (200..300).contains(&code) || code == 410);
        tracing::info!(attempt, status_code = status, settled, "webhook attempt");
        if settled {
            self.metrics.delivery(if status == Some(410) { "gone" } else { "delivered" });
            return self.store.schedule_webhook(task_id, None).await.map_err(transient);
        }
        let delays = &self.settings.webhook_retry_delays_secs;
        let Some(next) = usize::try_from(attempt - 1).ok().and_then(|index| delays.get(index)) else {
            tracing::error!(attempts = attempt, "webhook given up");
            self.metrics.delivery("given_up");
            return self.store.schedule_webhook(task_id, None).await.map_err(transient);
        };
        self.metrics.delivery("retry_scheduled");
        let delay = Duration::from_secs_f64(*next).max(retry_after.unwrap_or_default()).min(MAX_RETRY_AFTER);
        self.store.schedule_webhook(task_id, Some(Utc::now() + delay)).await.map_err(transient)?;
        self.queue.publish_delayed(&self.settings.webhooks_queue(), task_id, payload, delay).await.map_err(transient)
    }

    /// POSTs the signed body; (status, error, Retry-After).
    async fn post(&self, url: &str, webhook_id: &str, body: &[u8]) -> (Option<u16>, Option<String>, Option<Duration>) {
        let mut trace_headers = reqwest::header::HeaderMap::new();
        common::telemetry::inject_http(&mut trace_headers);
        let request = self.client.post(url).headers(trace_headers);
        let mut request = standard_webhook(request, webhook_id, Utc::now().timestamp(), body, self.signer.as_ref());
        if let Some(token) = &self.token {
            request = request.bearer_auth(token.expose_secret());
        }
        match request.send().await {
            Ok(response) => {
                let retry_after = response
                    .headers()
                    .get(reqwest::header::RETRY_AFTER)
                    .and_then(|value| value.to_str().ok()?.trim().parse::<u64>().ok())
                    .map(Duration::from_secs);
                (Some(response.status().as_u16()), None, retry_after)
            }
            Err(error) => (None, Some(delivery_error(&error)), None),
        }
    }
}

enum Failure {
    Refused(JobError),
    Transient(String),
}

fn transient(error: impl std::fmt::Display) -> Transient {
    Transient(error.to_string())
}

/// Why no answer came, without the URL (it may carry a client's token).
fn delivery_error(error: &reqwest::Error) -> String {
    if error.is_timeout() {
        "timeout".into()
    } else if error.is_connect() {
        "connection refused or address not permitted".into()
    } else {
        "request failed".into()
    }
}

/// The webhook body: task id and status, then the result's fields (the sync
/// answer, sizes and SHA-256 of both reports) or the error.
pub fn webhook_body(record: &JobRecord) -> Result<Vec<u8>, serde_json::Error> {
    let result = record.result.as_deref().map(serde_json::from_str).transpose()?;
    serde_json::to_vec(&WebhookPayload {
        task_id: &record.task_id,
        status: &record.status,
        error: record.error(),
        result,
    })
}
