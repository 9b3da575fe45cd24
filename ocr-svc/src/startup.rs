use actix_web::web;
use common::database::Database;
use common::http::health::{Readiness, ServiceInfo};
use common::object_storage::ObjectStorage;
use common::queue::JobQueue;
use common::service::{Access, Application, ServiceDefinition};
use utoipa::OpenApi;

use crate::backup::Backup;
use crate::configuration::Settings;
use crate::engine::{Engine, OcrPool};
use crate::routes::invoices;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Energy-invoice OCR API",
        description = "Energy-invoice analysis: extraction, market comparison, reports, async jobs."
    ),
    paths(invoices::analyse_pdf, invoices::analyse_images),
    components(schemas(invoices::AnalysisResponse))
)]
struct ApiDoc;

/// Request limits the routes enforce.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub max_content_length: u64,
}

pub async fn build(settings: &Settings) -> anyhow::Result<Application> {
    let database = Database::connect(&settings.database).await?;
    let queue = JobQueue::connect(&settings.queue, "ocr-svc").await?;
    let storage = ObjectStorage::from_settings(&settings.object_store, &settings.environment)?;
    let engine =
        web::Data::new(Engine::new(OcrPool::start(settings.analysis.threads(), &settings.analysis.ocr_language)?));
    let limits = web::Data::new(Limits { max_content_length: settings.analysis.max_content_length });
    let backup = settings
        .analysis
        .backup
        .unwrap_or(settings.object_store.s3.is_some())
        .then(|| Backup::new(storage.clone(), &settings.environment));
    if let Some(backup) = &backup {
        backup.probe().await;
    }
    let backup = web::Data::new(backup);
    let definition = ServiceDefinition::new(
        ServiceInfo { service: "ocr", version: env!("CARGO_PKG_VERSION") },
        ApiDoc::openapi(),
        Readiness::default().with_database(&database).with_queue(&queue).with_object_storage(&storage),
        Access { internal_auth: &settings.internal_auth, standalone: &settings.standalone, http: &settings.http },
        move |config| {
            config
                .app_data(engine.clone())
                .app_data(limits.clone())
                .app_data(backup.clone())
                .route("/v1/invoices/pdf", web::post().to(invoices::analyse_pdf))
                .route("/v1/invoices/images", web::post().to(invoices::analyse_images));
        },
    )?;
    Ok(Application::build(&settings.server, definition)?)
}
