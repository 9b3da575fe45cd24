//! How every service is served: the same middleware stack (request id,
//! tracing and metrics, forwarded identity), the same operational endpoints
//! (`/health`, `/ready`, `/metrics`, `/openapi.json`) and problem+json for
//! anything unmatched. A service brings its routes, its OpenAPI document and
//! its readiness checks.

use std::net::TcpListener;
use std::sync::Arc;

use actix_web::dev::Server;
use actix_web::middleware::from_fn;
use actix_web::{App, HttpResponse, HttpServer, web};
use utoipa::OpenApi;
use utoipa::openapi::OpenApi as OpenApiDocument;

use crate::configuration::{InternalAuthSettings, ServerSettings};
use crate::http::health::{self, Readiness, ServiceInfo};
use crate::http::observability::{HttpMetrics, metrics_endpoint, observe_requests};
use crate::http::request_id::propagate_request_id;
use crate::http::{configure_extractors, not_found};
use crate::identity::{IdentityVerifier, InternalKey, InternalKeyError, require_identity};

pub type RouteConfigurator = Arc<dyn Fn(&mut web::ServiceConfig) + Send + Sync>;

/// Everything that makes one service different from another.
pub struct ServiceDefinition {
    pub info: ServiceInfo,
    pub openapi: OpenApiDocument,
    pub readiness: Readiness,
    pub identity: IdentityVerifier,
    pub routes: RouteConfigurator,
}

impl ServiceDefinition {
    /// A service named `info.service`, accepting identities forwarded to that name.
    pub fn new(
        info: ServiceInfo,
        openapi: OpenApiDocument,
        readiness: Readiness,
        internal_auth: &InternalAuthSettings,
        routes: impl Fn(&mut web::ServiceConfig) + Send + Sync + 'static,
    ) -> Result<Self, InternalKeyError> {
        Ok(Self {
            identity: IdentityVerifier {
                key: InternalKey::from_settings(internal_auth.key.as_ref())?,
                audience: info.service.to_owned(),
            },
            info,
            openapi,
            readiness,
            routes: Arc::new(routes),
        })
    }
}

/// The endpoints every service and the gateway answer without credentials.
#[derive(OpenApi)]
#[openapi(paths(health::health, health::ready, crate::http::observability::metrics_endpoint))]
pub struct OperationalApi;

/// Mounts `/health`, `/ready` and `/metrics`.
pub fn operational_routes(config: &mut web::ServiceConfig) {
    config
        .route("/health", web::get().to(health::health))
        .route("/ready", web::get().to(health::ready))
        .route("/metrics", web::get().to(metrics_endpoint));
}

/// A bound, not yet awaited, HTTP server.
pub struct Application {
    port: u16,
    server: Server,
}

impl Application {
    /// Binds `settings.host:settings.port` (port 0 picks a free one, as tests do).
    pub fn build(settings: &ServerSettings, definition: ServiceDefinition) -> std::io::Result<Self> {
        let listener = TcpListener::bind(settings.address())?;
        let port = listener.local_addr()?.port();
        let ServiceDefinition { info, openapi, readiness, identity, routes } = definition;
        let openapi = web::Data::new(openapi.merge_from(OperationalApi::openapi()));
        let metrics = web::Data::new(HttpMetrics::new(info.service));
        let info = web::Data::new(info);
        let readiness = web::Data::new(readiness);
        let identity = web::Data::new(identity);
        let server = HttpServer::new(move || {
            App::new()
                .wrap(from_fn(require_identity))
                .wrap(from_fn(observe_requests))
                .wrap(from_fn(propagate_request_id))
                .app_data(info.clone())
                .app_data(readiness.clone())
                .app_data(identity.clone())
                .app_data(metrics.clone())
                .app_data(openapi.clone())
                .configure(configure_extractors)
                .configure(operational_routes)
                .route("/openapi.json", web::get().to(openapi_document))
                .configure(|config| routes(config))
                .default_service(web::to(not_found))
        })
        .listen(listener)?
        .run();
        Ok(Self { port, server })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}

async fn openapi_document(document: web::Data<OpenApiDocument>) -> HttpResponse {
    HttpResponse::Ok().json(document.get_ref())
}
