use common::http::health::{Readiness, ServiceInfo};
use common::service::{Access, Application, ServiceDefinition};
use utoipa::OpenApi;

use crate::configuration::Settings;

#[derive(OpenApi)]
#[openapi(info(title = "Factur-X API", description = "Factur-X conversion, generation, validation and extraction."))]
struct ApiDoc;

pub async fn build(settings: &Settings) -> anyhow::Result<Application> {
    let definition = ServiceDefinition::new(
        ServiceInfo { service: "facturx", version: env!("CARGO_PKG_VERSION") },
        ApiDoc::openapi(),
        // Stateless: ready as soon as it answers.
        Readiness::default(),
        Access { internal_auth: &settings.internal_auth, standalone: &settings.standalone, http: &settings.http },
        |_| {},
    )?;
    Ok(Application::build(&settings.server, definition)?)
}
