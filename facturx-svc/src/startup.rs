use actix_web::web;
use common::http::health::{Readiness, ServiceInfo};
use common::service::{Access, Application, ServiceDefinition};
use utoipa::OpenApi;

use crate::configuration::Settings;
use crate::pdf::Typeface;
use crate::routes;

#[derive(OpenApi)]
#[openapi(
    info(title = "Factur-X API", description = "Factur-X conversion, generation, validation and extraction."),
    paths(
        routes::validate::validate,
        routes::extract::extract,
        routes::convert::convert,
        routes::convert::preflight,
        routes::generate::generate,
        routes::diagnostics::diagnostics,
    ),
    components(schemas(crate::domain::Invoice))
)]
struct ApiDoc;

/// The faces for `generate`; a missing font turns `generate` off, not the service.
fn load_fonts(settings: &Settings) -> Option<web::Data<Typeface>> {
    Typeface::load(&settings.generate.regular_font, &settings.generate.bold_font)
        .inspect_err(|error| tracing::warn!(%error, "fonts unreadable: /v1/generate is disabled"))
        .ok()
        .map(web::Data::new)
}

pub async fn build(settings: &Settings) -> anyhow::Result<Application> {
    let limits = settings.limits;
    let fonts = load_fonts(settings);
    let definition = ServiceDefinition::new(
        ServiceInfo { service: "facturx", version: env!("CARGO_PKG_VERSION"), alive: "healthy" },
        ApiDoc::openapi(),
        // Stateless: ready as soon as it answers.
        Readiness::default(),
        Access { internal_auth: &settings.internal_auth, standalone: &settings.standalone, http: &settings.http },
        move |config| {
            if let Some(fonts) = &fonts {
                config.app_data(fonts.clone());
            }
            config.app_data(web::Data::new(limits)).configure(routes::configure);
        },
    )?;
    Ok(Application::build(&settings.server, definition)?)
}
