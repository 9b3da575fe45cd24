//! One span and two Prometheus series per request.

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{Error, HttpResponse, web};
use prometheus::{Encoder, HistogramOpts, HistogramVec, IntCounterVec, Opts, Registry, TextEncoder};
use tracing::Instrument;
use tracing_opentelemetry::OpenTelemetrySpanExt;

use super::request_id::request_id_of;
use crate::error::ApiError;
use crate::telemetry;

/// Request metrics of one application. Each application owns its registry,
/// so several can live in one process (the all-in-one binary, tests).
#[derive(Clone)]
pub struct HttpMetrics {
    registry: Registry,
    requests: IntCounterVec,
    durations: HistogramVec,
}

impl HttpMetrics {
    pub fn new(service: &str) -> Self {
        Self::in_registry(service, Registry::new())
    }

    /// The request series added to `registry`, which `/metrics` then
    /// renders whole (a service's own series included).
    pub fn in_registry(service: &str, registry: Registry) -> Self {
        let labels = ["method", "route", "status"];
        let requests = IntCounterVec::new(
            Opts::new("http_requests_total", "HTTP requests answered").const_label("service", service),
            &labels,
        )
        .expect("static metric definition is valid");
        let durations = HistogramVec::new(
            HistogramOpts::new("http_request_duration_seconds", "HTTP request latency")
                .const_label("service", service)
                .buckets(vec![
                    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
                ]),
            &labels,
        )
        .expect("static metric definition is valid");
        registry.register(Box::new(requests.clone())).expect("a fresh registry has no duplicate");
        registry.register(Box::new(durations.clone())).expect("a fresh registry has no duplicate");
        Self { registry, requests, durations }
    }

    fn observe(&self, method: &str, route: &str, status: u16, seconds: f64) {
        let status = status.to_string();
        let labels = [method, route, status.as_str()];
        self.requests.with_label_values(&labels).inc();
        self.durations.with_label_values(&labels).observe(seconds);
    }

    fn render(&self) -> Result<String, prometheus::Error> {
        let mut buffer = Vec::new();
        TextEncoder::new().encode(&self.registry.gather(), &mut buffer)?;
        Ok(String::from_utf8_lossy(&buffer).into_owned())
    }
}

/// Middleware: needs `web::Data<HttpMetrics>` in the app data.
pub async fn observe_requests(
    request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let started = Instant::now();
    let method = request.method().to_string();
    // The matched pattern, not the path: one series per route, whatever the ids.
    let route = request.match_pattern().unwrap_or_else(|| "unmatched".to_owned());
    let metrics = request.app_data::<web::Data<HttpMetrics>>().cloned();
    let request_id = request_id_of(&request).map(|id| id.to_string()).unwrap_or_default();
    let span = tracing::info_span!(
        "http_request",
        http.method = %method,
        http.route = %route,
        http.status_code = tracing::field::Empty,
        request_id = %request_id,
        trace_id = tracing::field::Empty,
    );
    // Without a layer the parent cannot be set; spans are then local only.
    let _ = span.set_parent(telemetry::extract_http(request.headers()));
    // In every log line of the request, so logs and traces join up.
    if let Some(trace_id) = telemetry::trace_id(&span) {
        span.record("trace_id", trace_id);
    }
    let response = next.call(request).instrument(span.clone()).await?;
    let status = response.status().as_u16();
    span.record("http.status_code", status);
    if let Some(metrics) = metrics {
        metrics.observe(&method, &route, status, started.elapsed().as_secs_f64());
    }
    Ok(response)
}

/// Prometheus metrics.
#[utoipa::path(get, path = "/metrics", tag = "operations", security(()), responses((status = 200, description = "Prometheus text format")))]
pub async fn metrics_endpoint(metrics: web::Data<HttpMetrics>) -> Result<HttpResponse, ApiError> {
    let body = metrics.render().map_err(ApiError::internal)?;
    Ok(HttpResponse::Ok().content_type("text/plain; version=0.0.4; charset=utf-8").body(body))
}

#[cfg(test)]
mod tests {
    use std::io::Write;
    use std::sync::{Arc, Mutex, PoisonError};

    use actix_web::middleware::from_fn;
    use actix_web::{App, test};
    use opentelemetry::global;
    use opentelemetry::trace::TracerProvider as _;
    use opentelemetry_sdk::propagation::TraceContextPropagator;
    use opentelemetry_sdk::trace::SdkTracerProvider;
    use tracing_subscriber::layer::SubscriberExt;

    use super::*;
    use crate::http::request_id::propagate_request_id;

    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl Write for Captured {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap_or_else(PoisonError::into_inner).extend_from_slice(bytes);
            Ok(bytes.len())
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    /// The JSON log lines of a request name its request id and its trace
    /// id, so that a log line leads to the trace in Jaeger and back.
    #[actix_web::test]
    async fn request_log_lines_carry_the_request_id_and_the_trace_id() {
        global::set_text_map_propagator(TraceContextPropagator::new());
        let captured = Captured::default();
        let writer = captured.clone();
        let provider = SdkTracerProvider::builder().build();
        let subscriber = tracing_subscriber::registry()
            .with(tracing_opentelemetry::layer().with_tracer(provider.tracer("test")))
            .with(
                tracing_subscriber::fmt::layer()
                    .json()
                    .flatten_event(true)
                    .with_current_span(true)
                    .with_writer(move || writer.clone()),
            );
        let _default = tracing::subscriber::set_default(subscriber);

        let app = test::init_service(
            App::new()
                .app_data(web::Data::new(HttpMetrics::new("test")))
                .wrap(from_fn(observe_requests))
                .wrap(from_fn(propagate_request_id))
                .route(
                    "/orders/{id}",
                    web::get().to(|| async {
                        tracing::info!("handled");
                        HttpResponse::Ok().finish()
                    }),
                ),
        )
        .await;
        let request = test::TestRequest::get()
            .uri("/orders/7")
            .insert_header(("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"))
            .insert_header(("x-request-id", "req-123"))
            .to_request();
        assert!(test::call_service(&app, request).await.status().is_success());

        let logs = String::from_utf8(captured.0.lock().unwrap_or_else(PoisonError::into_inner).clone()).expect("utf-8");
        let line = logs.lines().find(|line| line.contains("handled")).expect("the handler's log line");
        let line: serde_json::Value = serde_json::from_str(line).expect("JSON");
        assert_eq!(line["span"]["request_id"], "req-123", "{line}");
        assert_eq!(line["span"]["trace_id"], "4bf92f3577b34da6a3ce929d0e0e4736", "{line}");
        assert_eq!(line["span"]["http.route"], "/orders/{id}", "{line}");
    }
}
