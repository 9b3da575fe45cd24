//! Logs and traces.
//!
//! Logs are JSON lines on stdout. Spans always go through OpenTelemetry, so a
//! trace id exists and propagates (HTTP `traceparent`, AMQP headers) even
//! when nothing exports it; with an OTLP endpoint configured they are also
//! exported over OTLP/HTTP.

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::sync::OnceLock;

use actix_web::http::header::{HeaderMap as ActixHeaderMap, HeaderName};
use lapin::types::{AMQPValue, FieldTable, LongString, ShortString};
use opentelemetry::propagation::{Extractor, Injector};
use opentelemetry::trace::{TraceContextExt as _, TracerProvider as _};
use opentelemetry::{Context, global};
use opentelemetry_otlp::WithExportConfig;
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::propagation::TraceContextPropagator;
use opentelemetry_sdk::trace::{SdkTracerProvider, TracerProviderBuilder};
use tracing_opentelemetry::OpenTelemetrySpanExt;
use tracing_subscriber::Layer;
use tracing_subscriber::filter::LevelFilter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Registry};

use crate::configuration::TelemetrySettings;

/// Flushes pending spans when dropped; keep it alive for the process lifetime.
#[must_use = "spans are lost if the guard is dropped early"]
pub struct TelemetryGuard {
    provider: SdkTracerProvider,
}

impl Drop for TelemetryGuard {
    fn drop(&mut self) {
        // Nothing useful can be done with a failed flush while exiting.
        let _ = self.provider.shutdown();
    }
}

static INSTALLED: OnceLock<()> = OnceLock::new();

/// Installs the global subscriber and propagator. Later calls (tests that
/// spawn many apps in one process) are no-ops returning `None`.
pub fn init(service_name: &str, settings: &TelemetrySettings) -> anyhow::Result<Option<TelemetryGuard>> {
    init_with(service_name, settings, |provider| provider)
}

/// Like [`init`], `extend` adding span processors or exporters of its own
/// (a test's recorder) to the tracer provider.
pub fn init_with(
    service_name: &str,
    settings: &TelemetrySettings,
    extend: impl FnOnce(TracerProviderBuilder) -> TracerProviderBuilder,
) -> anyhow::Result<Option<TelemetryGuard>> {
    if INSTALLED.set(()).is_err() {
        return Ok(None);
    }
    global::set_text_map_propagator(TraceContextPropagator::new());

    let resource = Resource::builder().with_service_name(service_name.to_owned()).build();
    let mut provider = SdkTracerProvider::builder().with_resource(resource);
    if let Some(endpoint) = settings.otlp_endpoint.as_deref().filter(|e| !e.is_empty()) {
        let exporter = opentelemetry_otlp::SpanExporter::builder()
            .with_http()
            .with_endpoint(format!("{}/v1/traces", endpoint.trim_end_matches('/')))
            .build()?;
        provider = provider.with_batch_exporter(exporter);
    }
    let provider = extend(provider).build();
    global::set_tracer_provider(provider.clone());
    let tracer = provider.tracer(service_name.to_owned());

    // The log level filters log lines only: spans are always built, so the
    // trace context propagates even when logs are quiet.
    let filter = EnvFilter::try_new(&settings.log_level).unwrap_or_else(|_| EnvFilter::new("info"));
    let otel = tracing_opentelemetry::layer().with_tracer(tracer).with_filter(LevelFilter::INFO);
    let json = settings.json_logs.unwrap_or_else(|| !std::io::stdout().is_terminal());
    let logs = if json {
        tracing_subscriber::fmt::layer()
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
            .with_filter(filter)
            .boxed()
    } else {
        tracing_subscriber::fmt::layer().with_filter(filter).boxed()
    };
    Registry::default().with(otel).with(logs).try_init()?;
    Ok(Some(TelemetryGuard { provider }))
}

/// The span's trace id (32 hex digits), once it belongs to a trace.
pub fn trace_id(span: &tracing::Span) -> Option<String> {
    let context = span.context();
    let span_context = context.span().span_context().clone();
    span_context.is_valid().then(|| span_context.trace_id().to_string())
}

/// The trace context carried by incoming HTTP headers.
pub fn extract_http(headers: &ActixHeaderMap) -> Context {
    global::get_text_map_propagator(|propagator| propagator.extract(&ActixHeaders(headers)))
}

/// Writes the current span's trace context into outgoing HTTP headers.
pub fn inject_http(headers: &mut reqwest::header::HeaderMap) {
    let context = tracing::Span::current().context();
    global::get_text_map_propagator(|propagator| {
        propagator.inject_context(&context, &mut ReqwestHeaders(headers));
    });
}

/// Writes the current span's trace context into an AMQP header table.
pub fn inject_amqp(headers: &mut FieldTable) {
    let context = tracing::Span::current().context();
    global::get_text_map_propagator(|propagator| {
        propagator.inject_context(&context, &mut AmqpHeaders(headers));
    });
}

/// The trace context carried by an AMQP header table.
pub fn extract_amqp(headers: &FieldTable) -> Context {
    global::get_text_map_propagator(|propagator| propagator.extract(&AmqpHeadersRef(headers)))
}

/// Writes the current span's trace context into a plain map (in-process jobs).
pub fn inject_map(headers: &mut BTreeMap<String, String>) {
    let context = tracing::Span::current().context();
    global::get_text_map_propagator(|propagator| {
        propagator.inject_context(&context, &mut MapHeaders(headers));
    });
}

pub fn extract_map(headers: &BTreeMap<String, String>) -> Context {
    let mut copy = headers.clone();
    global::get_text_map_propagator(|propagator| propagator.extract(&MapHeaders(&mut copy)))
}

struct ActixHeaders<'a>(&'a ActixHeaderMap);

impl Extractor for ActixHeaders<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).and_then(|v| v.to_str().ok())
    }

    fn keys(&self) -> Vec<&str> {
        self.0.keys().map(HeaderName::as_str).collect()
    }
}

struct ReqwestHeaders<'a>(&'a mut reqwest::header::HeaderMap);

impl Injector for ReqwestHeaders<'_> {
    fn set(&mut self, key: &str, value: String) {
        if let (Ok(name), Ok(value)) =
            (reqwest::header::HeaderName::from_bytes(key.as_bytes()), reqwest::header::HeaderValue::from_str(&value))
        {
            self.0.insert(name, value);
        }
    }
}

struct AmqpHeaders<'a>(&'a mut FieldTable);

impl Injector for AmqpHeaders<'_> {
    fn set(&mut self, key: &str, value: String) {
        self.0.insert(ShortString::from(key.to_owned()), AMQPValue::LongString(LongString::from(value)));
    }
}

struct AmqpHeadersRef<'a>(&'a FieldTable);

impl Extractor for AmqpHeadersRef<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        match self.0.inner().get(key)? {
            AMQPValue::LongString(value) => std::str::from_utf8(value.as_bytes()).ok(),
            _ => None,
        }
    }

    fn keys(&self) -> Vec<&str> {
        self.0.inner().keys().map(ShortString::as_str).collect()
    }
}

struct MapHeaders<'a>(&'a mut BTreeMap<String, String>);

impl Injector for MapHeaders<'_> {
    fn set(&mut self, key: &str, value: String) {
        self.0.insert(key.to_owned(), value);
    }
}

impl Extractor for MapHeaders<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).map(String::as_str)
    }

    fn keys(&self) -> Vec<&str> {
        self.0.keys().map(String::as_str).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::http::header::HeaderValue;
    use opentelemetry::trace::TraceContextExt;

    const TRACEPARENT: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    fn install_propagator() {
        global::set_text_map_propagator(TraceContextPropagator::new());
    }

    #[test]
    fn http_headers_round_trip_the_w3c_trace_context() {
        install_propagator();
        let mut incoming = ActixHeaderMap::new();
        incoming.insert(HeaderName::from_static("traceparent"), HeaderValue::from_static(TRACEPARENT));
        let context = extract_http(&incoming);
        let span = context.span();
        assert_eq!(span.span_context().trace_id().to_string(), "4bf92f3577b34da6a3ce929d0e0e4736");

        let mut outgoing = reqwest::header::HeaderMap::new();
        global::get_text_map_propagator(|p| p.inject_context(&context, &mut ReqwestHeaders(&mut outgoing)));
        assert_eq!(outgoing.get("traceparent").and_then(|v| v.to_str().ok()), Some(TRACEPARENT));
    }

    #[test]
    fn amqp_tables_round_trip_the_w3c_trace_context() {
        install_propagator();
        let mut source = BTreeMap::from([("traceparent".to_owned(), TRACEPARENT.to_owned())]);
        let context = global::get_text_map_propagator(|p| p.extract(&MapHeaders(&mut source)));

        let mut table = FieldTable::default();
        global::get_text_map_propagator(|p| p.inject_context(&context, &mut AmqpHeaders(&mut table)));
        let extracted = extract_amqp(&table);
        assert_eq!(extracted.span().span_context().trace_id().to_string(), "4bf92f3577b34da6a3ce929d0e0e4736");
        assert!(extracted.span().span_context().is_remote());
    }
}
