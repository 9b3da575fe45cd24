use common::database::Database;
use common::http::health::{Readiness, ServiceInfo};
use common::object_storage::ObjectStorage;
use common::service::{Access, Application, ServiceDefinition};
use utoipa::OpenApi;

use crate::configuration::Settings;

#[derive(OpenApi)]
#[openapi(info(title = "Maintenance ERP API", description = "Clients, sites, equipment, interventions, documents."))]
struct ApiDoc;

pub async fn build(settings: &Settings) -> anyhow::Result<Application> {
    let database = Database::connect(&settings.database).await?;
    let storage = ObjectStorage::from_settings(&settings.object_store, &settings.environment)?;
    let definition = ServiceDefinition::new(
        ServiceInfo { service: "erp", version: env!("CARGO_PKG_VERSION") },
        ApiDoc::openapi(),
        Readiness::default().with_database(&database).with_object_storage(&storage),
        Access { internal_auth: &settings.internal_auth, standalone: &settings.standalone, http: &settings.http },
        |_| {},
    )?;
    Ok(Application::build(&settings.server, definition)?)
}
