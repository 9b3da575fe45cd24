//! Observability tools as real servers, each on its own ports and directory
//! for one test and killed when dropped: an OpenTelemetry collector (rotel,
//! from PyPI), a trace store with a query API (Arize Phoenix, from PyPI) and
//! Prometheus (from Debian). `scripts/test` installs them.

use std::process::Stdio;
use std::time::{Duration, Instant};

use serde_json::Value;
use tokio::process::{Child, Command};

use super::{free_port, installed_tool};

/// The rotel collector's `rotel-agent` binary.
pub const OTEL_COLLECTOR_ENV: &str = "TEST_OTEL_COLLECTOR";
/// The trace store's `phoenix` command.
pub const TRACE_STORE_ENV: &str = "TEST_TRACE_STORE";
/// The `prometheus` binary (Debian's `/usr/bin/prometheus` by default).
pub const PROMETHEUS_ENV: &str = "TEST_PROMETHEUS";

fn spawn(command: &mut Command, what: &str) -> Child {
    command
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap_or_else(|error| panic!("start {what}: {error}"))
}

/// Waits until `ready` says so, failing at once if `child` exits.
async fn wait_until<Ready: Future<Output = bool>>(
    child: &mut Child,
    what: &str,
    within: Duration,
    mut ready: impl FnMut() -> Ready,
) {
    let deadline = Instant::now() + within;
    while !ready().await {
        if let Ok(Some(status)) = child.try_wait() {
            panic!("{what} exited while starting ({status})");
        }
        assert!(Instant::now() < deadline, "{what} did not start within {within:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn answers_ok(url: &str) -> bool {
    let answer = reqwest::Client::new().get(url).timeout(Duration::from_secs(2)).send().await;
    answer.is_ok_and(|response| response.status().is_success())
}

/// A span as the trace store keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredSpan {
    pub name: String,
    pub span_id: String,
    /// `None` for a trace's root.
    pub parent_id: Option<String>,
}

/// Arize Phoenix: receives OTLP (gRPC) and answers queries over REST, as
/// Jaeger does in the compose file.
pub struct TraceStore {
    _child: Child,
    api: String,
    pub otlp_grpc: String,
    _root: tempfile::TempDir,
}

impl TraceStore {
    pub async fn start() -> Self {
        let command = installed_tool("the trace store", TRACE_STORE_ENV, "observability-venv/bin/phoenix");
        let root = tempfile::tempdir().expect("tempdir");
        let (http_port, grpc_port) = (free_port(), free_port());
        let mut child = spawn(
            Command::new(command)
                .arg("serve")
                .env("PHOENIX_WORKING_DIR", root.path())
                .env("PHOENIX_HOST", "127.0.0.1")
                .env("PHOENIX_PORT", http_port.to_string())
                .env("PHOENIX_GRPC_PORT", grpc_port.to_string())
                // The machine has no internet: no usage reports, no fonts or
                // scripts fetched for its pages.
                .env("PHOENIX_TELEMETRY_ENABLED", "false")
                .env("PHOENIX_ALLOW_EXTERNAL_RESOURCES", "false"),
            "the trace store",
        );
        let api = format!("http://127.0.0.1:{http_port}");
        let health = format!("{api}/healthz");
        // A Python server importing a large stack: slow to start under load.
        wait_until(&mut child, "the trace store", Duration::from_secs(180), || answers_ok(&health)).await;
        Self { _child: child, api, otlp_grpc: format!("http://127.0.0.1:{grpc_port}"), _root: root }
    }

    /// Every span of the trace stored so far.
    pub async fn spans(&self, trace_id: &str) -> Vec<StoredSpan> {
        let client = reqwest::Client::new();
        let mut spans = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let mut parameters = vec![("limit", "1000"), ("trace_id", trace_id)];
            if let Some(cursor) = &cursor {
                parameters.push(("cursor", cursor));
            }
            let url = reqwest::Url::parse_with_params(&format!("{}/v1/projects/default/spans", self.api), &parameters)
                .expect("url");
            let response = client.get(url).send().await.expect("query the trace store");
            if response.status() == 404 {
                // The default project is made with the first span stored.
                return spans;
            }
            let page: Value = response.error_for_status().expect("trace store answer").json().await.expect("json");
            let data = page["data"].as_array().cloned().unwrap_or_default();
            spans.extend(data.iter().map(|span| StoredSpan {
                name: span["name"].as_str().unwrap_or_default().to_owned(),
                span_id: span["context"]["span_id"].as_str().unwrap_or_default().to_owned(),
                parent_id: span["parent_id"].as_str().map(str::to_owned),
            }));
            cursor = page["next_cursor"].as_str().map(str::to_owned);
            if cursor.is_none() {
                return spans;
            }
        }
    }
}

/// The rotel OpenTelemetry collector: receives OTLP over HTTP, as the
/// compose file's collector does, and forwards it over OTLP/gRPC.
pub struct OtelCollector {
    _child: Child,
    pub otlp_http: String,
    _root: tempfile::TempDir,
}

impl OtelCollector {
    pub async fn start(forward_to_grpc: &str) -> Self {
        let binary =
            installed_tool("the OpenTelemetry collector", OTEL_COLLECTOR_ENV, "observability-venv/bin/rotel-agent");
        let root = tempfile::tempdir().expect("tempdir");
        let (http_port, grpc_port) = (free_port(), free_port());
        let mut child = spawn(
            Command::new(binary)
                .arg("start")
                .args(["--otlp-http-endpoint", &format!("127.0.0.1:{http_port}")])
                .args(["--otlp-grpc-endpoint", &format!("127.0.0.1:{grpc_port}")])
                .args(["--exporter", "otlp", "--otlp-exporter-protocol", "grpc"])
                .args(["--otlp-exporter-endpoint", forward_to_grpc])
                .arg("--pid-file")
                .arg(root.path().join("rotel.pid"))
                .arg("--log-file")
                .arg(root.path().join("rotel.log")),
            "the OpenTelemetry collector",
        );
        let listening = || async move { tokio::net::TcpStream::connect(("127.0.0.1", http_port)).await.is_ok() };
        wait_until(&mut child, "the OpenTelemetry collector", Duration::from_secs(30), listening).await;
        Self { _child: child, otlp_http: format!("http://127.0.0.1:{http_port}"), _root: root }
    }
}

/// Prometheus, scraping with the configuration given.
pub struct Prometheus {
    _child: Child,
    api: String,
    _root: tempfile::TempDir,
}

impl Prometheus {
    pub async fn start(configuration: &str) -> Self {
        let binary = installed_tool("Prometheus", PROMETHEUS_ENV, "/usr/bin/prometheus");
        let root = tempfile::tempdir().expect("tempdir");
        let config_file = root.path().join("prometheus.yml");
        std::fs::write(&config_file, configuration).expect("write the Prometheus configuration");
        let port = free_port();
        let mut child = spawn(
            Command::new(binary)
                .arg(format!("--config.file={}", config_file.display()))
                .arg(format!("--storage.tsdb.path={}", root.path().join("data").display()))
                .arg(format!("--web.listen-address=127.0.0.1:{port}")),
            "Prometheus",
        );
        let api = format!("http://127.0.0.1:{port}");
        let ready = format!("{api}/-/ready");
        wait_until(&mut child, "Prometheus", Duration::from_secs(60), || answers_ok(&ready)).await;
        Self { _child: child, api, _root: root }
    }

    /// The series an instant PromQL query returns (`data.result`).
    pub async fn query(&self, promql: &str) -> Vec<Value> {
        self.api("query", &[("query", promql)]).await["result"].as_array().cloned().unwrap_or_default()
    }

    /// The `data` of an API answer: `api("targets", &[])`, `api("rules", &[])`.
    pub async fn api(&self, path: &str, parameters: &[(&str, &str)]) -> Value {
        let url = reqwest::Url::parse_with_params(&format!("{}/api/v1/{path}", self.api), parameters).expect("url");
        let answer: Value =
            reqwest::Client::new().get(url).send().await.expect("ask Prometheus").json().await.expect("json");
        assert_eq!(answer["status"], "success", "{path} {parameters:?}: {answer}");
        answer["data"].clone()
    }
}
