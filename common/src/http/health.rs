//! `/health` says the process answers; `/ready` says its own dependencies
//! (database, queue, object store) answer too.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use actix_web::{HttpResponse, web};
use futures_util::future::join_all;
use serde::Serialize;
use serde_json::json;

/// What a failed check reports: a short reason, never a connection string.
pub type CheckResult = Result<(), String>;
type CheckFuture = Pin<Box<dyn Future<Output = CheckResult> + Send>>;
type Check = Arc<dyn Fn() -> CheckFuture + Send + Sync>;

const CHECK_TIMEOUT: Duration = Duration::from_secs(3);

/// The service name and version, shown by `/health`.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct ServiceInfo {
    pub service: &'static str,
    pub version: &'static str,
    /// The `status` `/health` answers, as the legacy app did ("ok", or
    /// "healthy" for the Factur-X API), so that clients' checks still pass.
    pub alive: &'static str,
}

/// The dependencies `/ready` checks.
#[derive(Clone, Default)]
pub struct Readiness {
    checks: Vec<(&'static str, Check)>,
}

impl Readiness {
    pub fn with_check<F, Fut>(mut self, name: &'static str, check: F) -> Self
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: Future<Output = CheckResult> + Send + 'static,
    {
        self.checks.push((name, Arc::new(move || Box::pin(check()) as CheckFuture)));
        self
    }

    pub fn with_database(self, database: &crate::database::Database) -> Self {
        let database = database.clone();
        self.with_check("database", move || {
            let database = database.clone();
            async move { database.ping().await }
        })
    }

    pub fn with_queue(self, queue: &crate::queue::JobQueue) -> Self {
        let queue = queue.clone();
        self.with_check("queue", move || {
            let queue = queue.clone();
            async move { queue.check().await }
        })
    }

    pub fn with_object_storage(self, storage: &crate::object_storage::ObjectStorage) -> Self {
        let storage = storage.clone();
        self.with_check("object_store", move || {
            let storage = storage.clone();
            async move { storage.check().await }
        })
    }

    /// Runs every check at once, each bounded by a timeout.
    pub async fn run(&self) -> Vec<(&'static str, CheckResult)> {
        join_all(self.checks.iter().map(|(name, check)| async move {
            let outcome = match tokio::time::timeout(CHECK_TIMEOUT, check()).await {
                Ok(outcome) => outcome,
                Err(_) => Err("timed out".to_owned()),
            };
            (*name, outcome)
        }))
        .await
    }
}

/// Liveness: the process answers.
#[utoipa::path(get, path = "/health", tag = "operations", security(()), responses((status = 200, description = "Alive")))]
pub async fn health(info: web::Data<ServiceInfo>) -> HttpResponse {
    HttpResponse::Ok().json(json!({
        "status": info.alive,
        "service": info.service,
        "version": info.version,
    }))
}

/// Readiness: the service's own dependencies answer.
#[utoipa::path(get, path = "/ready", tag = "operations", security(()), responses(
    (status = 200, description = "Every dependency answers"),
    (status = 503, description = "A dependency does not answer"),
))]
pub async fn ready(readiness: web::Data<Readiness>) -> HttpResponse {
    let results = readiness.run().await;
    let all_ok = results.iter().all(|(_, outcome)| outcome.is_ok());
    let checks: serde_json::Map<String, serde_json::Value> = results
        .into_iter()
        .map(|(name, outcome)| {
            let state = match outcome {
                Ok(()) => json!({"status": "up"}),
                Err(reason) => json!({"status": "down", "reason": reason}),
            };
            (name.to_owned(), state)
        })
        .collect();
    let body = json!({"status": if all_ok { "ready" } else { "not_ready" }, "checks": checks});
    if all_ok { HttpResponse::Ok().json(body) } else { HttpResponse::ServiceUnavailable().json(body) }
}
