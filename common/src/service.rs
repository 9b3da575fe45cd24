//! How every service is served: the same middleware stack (request id,
//! tracing and metrics, forwarded identity), the same operational endpoints
//! (`/health`, `/ready`, `/metrics`, `/openapi.json`), the legacy edge
//! settings when run standalone, and problem+json for
//! anything unmatched. A service brings its routes, its OpenAPI document and
//! its readiness checks.

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::Server;
use actix_web::middleware::{Condition, from_fn};
use actix_web::{App, HttpResponse, HttpServer, web};
use utoipa::OpenApi;
use utoipa::openapi::OpenApi as OpenApiDocument;

use crate::configuration::{HttpSettings, InternalAuthSettings, ServerSettings, StandaloneSettings};
use crate::http::health::{self, Readiness, ServiceInfo};
use crate::http::observability::{HttpMetrics, metrics_endpoint, observe_requests};
use crate::http::openapi::add_answers_before_handlers;
use crate::http::request_id::propagate_request_id;
use crate::http::security::{cors, guard_host_and_scheme, refuse_short_multipart_boundaries, service_security_headers};
use crate::http::upload::{UploadBudget, reserve_upload_budget};
use crate::http::{configure_extractors, is_public_path, not_found};
use crate::identity::{IdentityVerifier, InternalKeyError, require_identity};

pub type RouteConfigurator = Arc<dyn Fn(&mut web::ServiceConfig) + Send + Sync>;

/// Everything that makes one service different from another.
pub struct ServiceDefinition {
    pub info: ServiceInfo,
    pub openapi: OpenApiDocument,
    pub readiness: Readiness,
    pub identity: IdentityVerifier,
    /// Hosts, HTTPS and CORS when the service is its own edge; by default
    /// (nothing listed) the gateway does that.
    pub http: HttpSettings,
    pub routes: RouteConfigurator,
    /// The service's own Prometheus series, served by `/metrics` beside
    /// the request series.
    pub metrics: prometheus::Registry,
}

/// Who may call a service: the gateway, with identities signed by the
/// internal key; or, when `standalone.enabled`, callers with one of the
/// standalone API keys, the service then applying the `[http]` edge
/// settings itself (behind the gateway, the gateway does).
#[derive(Clone, Copy)]
pub struct Access<'a> {
    pub internal_auth: &'a InternalAuthSettings,
    pub standalone: &'a StandaloneSettings,
    pub http: &'a HttpSettings,
}

impl ServiceDefinition {
    /// A service named `info.service`, accepting identities forwarded to
    /// that name (and standalone keys when so configured).
    pub fn new(
        info: ServiceInfo,
        openapi: OpenApiDocument,
        readiness: Readiness,
        access: Access<'_>,
        routes: impl Fn(&mut web::ServiceConfig) + Send + Sync + 'static,
    ) -> Result<Self, InternalKeyError> {
        let (identity, http) = if access.standalone.enabled {
            (IdentityVerifier::standalone(access.internal_auth, access.standalone, info.service)?, access.http.clone())
        } else {
            (IdentityVerifier::forwarded(access.internal_auth, info.service)?, HttpSettings::default())
        };
        Ok(Self {
            identity,
            info,
            openapi,
            readiness,
            http,
            routes: Arc::new(routes),
            metrics: prometheus::Registry::new(),
        })
    }

    /// Serves `registry`'s series on `/metrics` beside the request series.
    pub fn with_metrics(self, registry: prometheus::Registry) -> Self {
        Self { metrics: registry, ..self }
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
        let ServiceDefinition { info, openapi, readiness, identity, http, routes, metrics } = definition;
        let allowed_origins = http.allowed_origins.clone();
        let http = web::Data::new(http);
        let mut document = serde_json::to_value(openapi.merge_from(OperationalApi::openapi()))
            .map_err(|error| std::io::Error::other(format!("the OpenAPI document does not serialize: {error}")))?;
        add_answers_before_handlers(&mut document, is_public_path);
        let openapi = web::Data::new(ServedDocument(document));
        let metrics = web::Data::new(HttpMetrics::in_registry(info.service, metrics));
        let upload_budget = web::Data::new(UploadBudget::new(
            settings.upload_budget_bytes,
            Duration::from_secs(settings.upload_wait_seconds),
        ));
        let info = web::Data::new(info);
        let readiness = web::Data::new(readiness);
        let identity = web::Data::new(identity);
        let mut server = HttpServer::new(move || {
            App::new()
                .wrap(from_fn(reserve_upload_budget))
                .wrap(from_fn(refuse_short_multipart_boundaries))
                .wrap(from_fn(require_identity))
                .wrap(Condition::new(!allowed_origins.is_empty(), cors(&allowed_origins)))
                .wrap(from_fn(guard_host_and_scheme))
                .wrap(from_fn(service_security_headers))
                .wrap(from_fn(observe_requests))
                .wrap(from_fn(propagate_request_id))
                .app_data(upload_budget.clone())
                .app_data(info.clone())
                .app_data(readiness.clone())
                .app_data(identity.clone())
                .app_data(http.clone())
                .app_data(metrics.clone())
                .app_data(openapi.clone())
                .configure(configure_extractors)
                .configure(operational_routes)
                .route("/openapi.json", web::get().to(openapi_document))
                .configure(|config| routes(config))
                .default_service(web::to(not_found))
        });
        if let Some(threads) = settings.blocking_threads_per_worker {
            server = server.worker_max_blocking_threads(threads.get());
        }
        let server = server.listen(listener)?.run();
        Ok(Self { port, server })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}

/// The service's OpenAPI document, as `/openapi.json` serves it.
struct ServedDocument(serde_json::Value);

async fn openapi_document(document: web::Data<ServedDocument>) -> HttpResponse {
    HttpResponse::Ok().json(&document.0)
}
