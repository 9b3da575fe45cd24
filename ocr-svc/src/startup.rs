use std::sync::Arc;

use actix_web::web;
use common::database::{Database, Migrations};
use common::http::health::{Readiness, ServiceInfo};
use common::object_storage::ObjectStorage;
use common::queue::JobQueue;
use common::service::{Application, ServiceDefinition};
use utoipa::OpenApi;

use crate::backup::Backup;
use crate::configuration::Settings;
use crate::engine::Engine;
use crate::jobs::metrics::JobMetrics;
use crate::jobs::store::JobStore;
use crate::jobs::worker::{Worker, WorkerParts};
use crate::routes::invoices;
use crate::routes::jobs::{self, JobsApi};
use common::destination::Destinations;
use tokio::signal::unix::{SignalKind, signal};
use tokio_util::sync::CancellationToken;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Energy-invoice OCR API",
        description = "Energy-invoice analysis: extraction, market comparison, reports, async jobs."
    ),
    paths(invoices::analyse_pdf, invoices::analyse_images, jobs::submit_pdf, jobs::submit_images, jobs::job_status),
    components(schemas(invoices::AnalysisResponse, jobs::Accepted, jobs::JobStatus))
)]
struct ApiDoc;

/// Request limits the routes enforce.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub max_content_length: u64,
}

pub fn migrations() -> Migrations {
    Migrations { postgres: sqlx::migrate!("./migrations/postgres"), sqlite: sqlx::migrate!("./migrations/sqlite") }
}

/// What the API and the worker are both made of.
pub struct Components {
    pub database: Database,
    pub queue: JobQueue,
    pub storage: ObjectStorage,
    pub engine: Arc<Engine>,
    pub backup: Option<Backup>,
    pub destinations: Arc<Destinations>,
    /// The job series, for the `/metrics` of the process running the worker.
    pub metrics: prometheus::Registry,
    job_metrics: JobMetrics,
}

impl Components {
    pub async fn connect(settings: &Settings, connection_name: &str) -> anyhow::Result<Self> {
        let database = Database::connect_and_migrate(&settings.database, &migrations()).await?;
        let queue = JobQueue::connect(&settings.queue, connection_name).await?;
        let storage = ObjectStorage::from_settings(&settings.object_store, &settings.environment)?;
        let engine = Arc::new(settings.analysis.engine()?);
        let backup = settings
            .analysis
            .backup
            .unwrap_or(settings.object_store.s3.is_some())
            .then(|| Backup::new(storage.clone(), &settings.environment));
        if let Some(backup) = &backup {
            backup.probe().await;
        }
        let destinations = Destinations::new(&settings.jobs.webhook_allowed_networks)
            .map_err(|problem| anyhow::anyhow!("jobs.webhook_allowed_networks: {problem}"))?;
        let metrics = prometheus::Registry::new();
        let job_metrics = JobMetrics::register(&metrics)?;
        Ok(Self {
            database,
            queue,
            storage,
            engine,
            backup,
            destinations: Arc::new(destinations),
            metrics,
            job_metrics,
        })
    }

    pub fn worker(&self, settings: &Settings) -> anyhow::Result<Worker> {
        Worker::new(WorkerParts {
            store: JobStore::new(self.database.clone()),
            queue: self.queue.clone(),
            storage: self.storage.clone(),
            engine: Arc::clone(&self.engine),
            backup: self.backup.clone(),
            settings: settings.jobs.clone(),
            destinations: Arc::clone(&self.destinations),
            webhook_secret: settings.webhook.secret.clone(),
            webhook_token: settings.webhook.token.clone(),
            metrics: self.job_metrics.clone(),
        })
    }

    /// What `/ready` checks: everything a job needs.
    pub fn readiness(&self) -> Readiness {
        Readiness::default().with_database(&self.database).with_queue(&self.queue).with_object_storage(&self.storage)
    }
}

/// The API. With the in-process queue (one process, embedded defaults) it
/// also runs the worker, as nothing else could consume the jobs; otherwise
/// as `jobs.run_worker` says.
pub async fn build(settings: &Settings) -> anyhow::Result<Application> {
    let components = Components::connect(settings, "ocr-svc").await?;
    if settings.jobs.run_worker.unwrap_or(matches!(components.queue, JobQueue::InProcess(_))) {
        let worker = Arc::new(components.worker(settings)?);
        worker.recover().await?;
        tokio::spawn(async move {
            if let Err(error) = worker.run(CancellationToken::new()).await {
                tracing::error!(%error, "the in-process OCR worker stopped");
            }
        });
    }
    let jobs = web::Data::new(JobsApi {
        store: JobStore::new(components.database.clone()),
        queue: components.queue.clone(),
        storage: components.storage.clone(),
        destinations: Arc::clone(&components.destinations),
        jobs_queue: settings.jobs.jobs_queue(),
    });
    let engine = web::Data::from(Arc::clone(&components.engine));
    let limits = web::Data::new(Limits { max_content_length: settings.analysis.max_content_length });
    let backup = web::Data::new(components.backup.clone());
    let definition = ServiceDefinition::new(
        ServiceInfo { service: "ocr", version: env!("CARGO_PKG_VERSION"), alive: "ok" },
        ApiDoc::openapi(),
        components.readiness(),
        settings.access(),
        move |config| {
            config
                .app_data(engine.clone())
                .app_data(limits.clone())
                .app_data(backup.clone())
                .app_data(jobs.clone())
                .route("/v1/invoices/pdf", web::post().to(invoices::analyse_pdf))
                .route("/v1/invoices/images", web::post().to(invoices::analyse_images))
                .route("/v1/jobs/pdf", web::post().to(jobs::submit_pdf))
                .route("/v1/jobs/images", web::post().to(jobs::submit_images))
                .route("/v1/jobs/{task_id}", web::get().to(jobs::job_status));
        },
    )?
    .with_metrics(components.metrics.clone());
    Ok(Application::build(&settings.server, definition)?)
}

/// `ocr-worker`'s HTTP side, for probes and scraping: `/health`, `/ready`
/// (database, queue, object store) and `/metrics` (the job series).
pub fn worker_endpoints(settings: &Settings, components: &Components) -> anyhow::Result<Application> {
    let version = env!("CARGO_PKG_VERSION");
    let definition = ServiceDefinition::new(
        ServiceInfo { service: "ocr-worker", version, alive: "ok" },
        utoipa::openapi::OpenApiBuilder::new().info(utoipa::openapi::Info::new("ocr-worker", version)).build(),
        components.readiness(),
        settings.access(),
        |_| {},
    )?
    .with_metrics(components.metrics.clone());
    Ok(Application::build(&settings.server, definition)?)
}

/// `ocr-worker` (and `platform ocr worker`): takes jobs from RabbitMQ until
/// SIGTERM or Ctrl-C, then finishes the ones in progress.
pub async fn run_worker(settings: &Settings) -> anyhow::Result<()> {
    let components = Components::connect(settings, "ocr-worker").await?;
    anyhow::ensure!(
        !matches!(components.queue, JobQueue::InProcess(_)),
        "ocr-worker needs RabbitMQ (AMQP_URL): with the in-process queue the API runs the jobs itself"
    );
    let worker = Arc::new(components.worker(settings)?);
    let endpoints = worker_endpoints(settings, &components)?;
    tracing::info!(port = endpoints.port(), "health, readiness and metrics served");
    tokio::spawn(endpoints.run_until_stopped());
    let shutdown = CancellationToken::new();
    let mut terminate = signal(SignalKind::terminate())?;
    let trigger = shutdown.clone();
    tokio::spawn(async move {
        tokio::select! {
            _ = terminate.recv() => {}
            _ = tokio::signal::ctrl_c() => {}
        }
        tracing::info!("shutdown requested: finishing the jobs in progress");
        trigger.cancel();
    });
    worker.run(shutdown).await
}
