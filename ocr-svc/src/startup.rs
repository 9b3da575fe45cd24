use common::database::Database;
use common::http::health::{Readiness, ServiceInfo};
use common::object_storage::ObjectStorage;
use common::queue::JobQueue;
use common::service::{Application, ServiceDefinition};
use utoipa::OpenApi;

use crate::configuration::Settings;

#[derive(OpenApi)]
#[openapi(info(
    title = "Energy-invoice OCR API",
    description = "Energy-invoice analysis: extraction, market comparison, reports, async jobs."
))]
struct ApiDoc;

pub async fn build(settings: &Settings) -> anyhow::Result<Application> {
    let database = Database::connect(&settings.database).await?;
    let queue = JobQueue::connect(&settings.queue, "ocr-svc").await?;
    let storage = ObjectStorage::from_settings(&settings.object_store, &settings.environment)?;
    let definition = ServiceDefinition::new(
        ServiceInfo { service: "ocr", version: env!("CARGO_PKG_VERSION") },
        ApiDoc::openapi(),
        Readiness::default().with_database(&database).with_queue(&queue).with_object_storage(&storage),
        &settings.internal_auth,
        |_| {},
    )?;
    Ok(Application::build(&settings.server, definition)?)
}
