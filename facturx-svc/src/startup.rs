use actix_web::web;
use common::http::health::{Readiness, ServiceInfo};
use common::service::{Access, Application, ServiceDefinition};
use utoipa::OpenApi;

use crate::configuration::Settings;
use crate::routes;

#[derive(OpenApi)]
#[openapi(
    info(title = "Factur-X API", description = "Factur-X conversion, validation and extraction."),
    paths(
        routes::validate::validate,
        routes::extract::extract,
        routes::convert::convert,
        routes::convert::preflight,
        routes::diagnostics::diagnostics,
    )
)]
struct ApiDoc;

pub async fn build(settings: &Settings) -> anyhow::Result<Application> {
    let limits = settings.limits;
    let definition = ServiceDefinition::new(
        ServiceInfo { service: "facturx", version: env!("CARGO_PKG_VERSION") },
        ApiDoc::openapi(),
        // Stateless: ready as soon as it answers.
        Readiness::default(),
        Access { internal_auth: &settings.internal_auth, standalone: &settings.standalone, http: &settings.http },
        move |config| {
            config.app_data(web::Data::new(limits)).configure(routes::configure);
        },
    )?;
    Ok(Application::build(&settings.server, definition)?)
}
