//! The gateway's `/health`: alive, plus the state of every upstream, so one
//! request tells an operator what is up.

use std::time::{Duration, Instant};

use actix_web::{HttpResponse, web};
use futures_util::future::join_all;
use serde_json::{Map, Value, json};

use crate::startup::GatewayState;

const PROBE_TIMEOUT: Duration = Duration::from_secs(2);

/// The gateway's liveness and each service's state: always 200 while the
/// gateway answers; `status` is `degraded` when a service is down.
// 200 even when degraded: this is a liveness probe, and restarting the
// gateway would not bring an upstream back.
#[utoipa::path(get, path = "/health", tag = "operations", security(()), responses(
    (status = 200, description = "The gateway answers; `upstreams` gives each service's state"),
))]
pub async fn health(state: web::Data<GatewayState>) -> HttpResponse {
    let probes = state.upstreams.iter().map(|(name, upstream)| {
        let client = state.client.clone();
        let url = format!("{}/health", upstream.url.trim_end_matches('/'));
        async move {
            let started = Instant::now();
            let outcome = client.get(url).timeout(PROBE_TIMEOUT).send().await;
            let latency_ms = started.elapsed().as_millis();
            let report = match outcome {
                Ok(response) if response.status().is_success() => {
                    json!({"status": "up", "latency_ms": latency_ms})
                }
                Ok(response) => json!({"status": "down", "reason": format!("answered {}", response.status().as_u16())}),
                Err(error) if error.is_timeout() => json!({"status": "down", "reason": "timed out"}),
                Err(_) => json!({"status": "down", "reason": "unreachable"}),
            };
            (name.clone(), report)
        }
    });
    let upstreams: Map<String, Value> = join_all(probes).await.into_iter().collect();
    let all_up = upstreams.values().all(|report| report["status"] == "up");
    HttpResponse::Ok().json(json!({
        "status": if all_up { "ok" } else { "degraded" },
        "service": "gateway",
        "version": env!("CARGO_PKG_VERSION"),
        // The users server's field, which its monitoring scripts log.
        "timestamp": chrono::Utc::now(),
        "upstreams": upstreams,
    }))
}
