use common::database::Database;
use common::http::health::{Readiness, ServiceInfo};
use common::service::{Access, Application, ServiceDefinition};
use utoipa::OpenApi;

use crate::configuration::Settings;

#[derive(OpenApi)]
#[openapi(info(title = "Check du Matin API", description = "Daily client checklists, probes and morning reports."))]
struct ApiDoc;

pub async fn build(settings: &Settings) -> anyhow::Result<Application> {
    let database = Database::connect(&settings.database).await?;
    let definition = ServiceDefinition::new(
        ServiceInfo { service: "checks", version: env!("CARGO_PKG_VERSION") },
        ApiDoc::openapi(),
        Readiness::default().with_database(&database),
        Access { internal_auth: &settings.internal_auth, standalone: &settings.standalone, http: &settings.http },
        |_| {},
    )?;
    Ok(Application::build(&settings.server, definition)?)
}
