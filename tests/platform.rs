//! The whole platform as `cargo run` starts it: embedded defaults, then the
//! same code on PostgreSQL, RabbitMQ and S3 configured with the legacy
//! variable names; one trace across gateway, service, queue, worker and
//! webhook.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use common::configuration::load_from;
use common::identity::{Caller, CallerKind, InternalKey};
use common::testing::observability::{OtelCollector, Prometheus, StoredSpan, TraceStore};
use common::testing::{
    S3Server, SmtpServer, amqp_url, free_port, fresh_postgres, init_telemetry, recorded_spans, tools_dir,
};
use ocr_svc::domain::energy::EnergyType;
use ocr_svc::synthetic::BillSpec;
use ocr_svc::synthetic::render::render;
use reqwest::multipart::{Form, Part};
use secrecy::ExposeSecret;
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};

struct Running {
    gateway: String,
    services: HashMap<&'static str, String>,
    key: String,
    client: reqwest::Client,
    _data: tempfile::TempDir,
}

/// Where the embedded platform keeps its data: SQLite files and objects
/// under `root`.
fn data_vars(root: &Path) -> HashMap<String, String> {
    let root = root.display();
    let mut vars = HashMap::from([("PLATFORM__OBJECT_STORE__LOCAL_DIR".to_owned(), format!("{root}/objects"))]);
    for service in ["gateway", "ocr", "erp", "checks"] {
        vars.insert(format!("{}__DATABASE__URL", service.to_uppercase()), format!("sqlite://{root}/{service}.db"));
    }
    vars
}

async fn start(mut vars: HashMap<String, String>) -> Running {
    init_telemetry();
    let data = tempfile::tempdir().expect("tempdir");
    if !vars.contains_key("DATABASE_URL") {
        vars.extend(data_vars(data.path()));
    } else {
        vars.insert("PLATFORM__OBJECT_STORE__LOCAL_DIR".into(), format!("{}/objects", data.path().display()));
    }
    let platform = platform::build(with_any_port(vars)).await.expect("the platform builds");
    assert_eq!(platform.gateway.key_store().count().await.expect("count"), 1, "first-start admin key");
    let (_, key) = platform.gateway.key_store().create("test", &gateway::domain::Scopes::All, None).await.expect("key");
    serve(platform, key, data)
}

fn with_any_port(mut vars: HashMap<String, String>) -> HashMap<String, String> {
    vars.insert("GATEWAY__SERVER__PORT".into(), "0".into());
    vars
}

fn serve(platform: platform::Platform, key: String, data: tempfile::TempDir) -> Running {
    let gateway = format!("http://127.0.0.1:{}", platform.gateway.port());
    let services = platform
        .services
        .iter()
        .map(|(name, service)| (*name, format!("http://127.0.0.1:{}", service.port())))
        .collect();
    tokio::spawn(platform.run_until_stopped());
    Running { gateway, services, key, client: reqwest::Client::new(), _data: data }
}

impl Running {
    async fn get(&self, url: String, key: Option<&str>) -> reqwest::Response {
        let mut request = self.client.get(url);
        if let Some(key) = key {
            request = request.header("X-API-Key", key);
        }
        request.send().await.expect("request")
    }
}

async fn every_service_answers_through_the_gateway(running: &Running) {
    let health: Value = running.get(format!("{}/health", running.gateway), None).await.json().await.expect("json");
    assert_eq!(health["status"], "ok", "{health}");
    for service in ["facturx", "ocr", "erp", "checks"] {
        assert_eq!(health["upstreams"][service]["status"], "up", "{health}");
        let anonymous = running.get(format!("{}/{service}/ready", running.gateway), None).await;
        assert_eq!(anonymous.status(), 401);
        let ready = running.get(format!("{}/{service}/ready", running.gateway), Some(&running.key)).await;
        assert_eq!(ready.status(), 200, "{service}");
        assert!(ready.headers().contains_key("x-request-id"));
        let body: Value = ready.json().await.expect("json");
        assert_eq!(body["status"], "ready", "{service}: {body}");
    }
}

#[tokio::test]
async fn embedded_defaults_run_everything_behind_the_gateway() {
    let running = start(HashMap::new()).await;
    every_service_answers_through_the_gateway(&running).await;
    let ocr: Value =
        running.get(format!("{}/ocr/ready", running.gateway), Some(&running.key)).await.json().await.expect("json");
    assert_eq!(ocr["checks"]["queue"]["status"], "up");
    assert_eq!(ocr["checks"]["object_store"]["status"], "up");
    every_form_documents_its_fields_with_their_types(&running).await;
    // A client's status page opens without credentials (its token is one):
    // an unknown token is Check du Matin's 404, not the gateway's 401.
    let status = running.get(format!("{}/checks/public/status/unknown-token", running.gateway), None).await;
    assert_eq!(status.status(), 404);
}

/// The properties of a form's schema, through `$ref` and `allOf`.
fn form_properties(document: &Value, schema: &Value) -> serde_json::Map<String, Value> {
    if let Some(reference) = schema["$ref"].as_str() {
        let name = reference.trim_start_matches("#/components/schemas/");
        return form_properties(document, &document["components"]["schemas"][name]);
    }
    let mut properties = schema["properties"].as_object().cloned().unwrap_or_default();
    for part in schema["allOf"].as_array().into_iter().flatten() {
        properties.extend(form_properties(document, part));
    }
    properties
}

/// Swagger UI's "Try it out" shows a file picker for a binary field and a
/// typed input for the rest: a form documented as `{}` cannot be sent.
async fn every_form_documents_its_fields_with_their_types(running: &Running) {
    let document: Value =
        running.get(format!("{}/openapi.json", running.gateway), None).await.json().await.expect("json");
    let mut forms = Vec::new();
    for (path, operations) in document["paths"].as_object().expect("paths") {
        for (method, operation) in operations.as_object().expect("operations") {
            let Some(schema) = operation["requestBody"]["content"].get("multipart/form-data").map(|c| &c["schema"])
            else {
                continue;
            };
            let properties = form_properties(&document, schema);
            let resolve = |property: &Value| -> Value {
                match property["$ref"].as_str() {
                    Some(reference) => {
                        document["components"]["schemas"][reference.trim_start_matches("#/components/schemas/")].clone()
                    }
                    None => property.clone(),
                }
            };
            let binary = properties.values().map(resolve).any(|property| {
                property["format"] == "binary"
                    || property["items"]["format"] == "binary"
                    || property["oneOf"].as_array().is_some_and(|one| one.iter().any(|p| p["format"] == "binary"))
            });
            for (name, property) in &properties {
                let property = resolve(property);
                let typed = property.get("type").is_some()
                    || property.get("enum").is_some()
                    || property["oneOf"]
                        .as_array()
                        .is_some_and(|one| one.iter().all(|p| p.get("type").is_some() || p.get("$ref").is_some()));
                assert!(typed, "{method} {path}: the field {name} has no type: {property}");
            }
            forms.push((format!("{method} {path}"), binary));
        }
    }
    let uploads = [
        "post /facturx/v1/validate",
        "post /ocr/v1/invoices/pdf",
        "post /ocr/v1/jobs/images",
        "post /erp/api/v1/documents/upload",
        "post /checks/api/import",
    ];
    for upload in uploads {
        assert!(forms.contains(&(upload.to_owned(), true)), "{upload} has a file field: {forms:?}");
    }
}

#[tokio::test]
async fn a_service_reached_without_the_gateway_refuses_the_request() {
    let running = start(HashMap::new()).await;
    for (service, address) in &running.services {
        assert_eq!(running.get(format!("{address}/health"), None).await.status(), 200);
        let direct = running.get(format!("{address}/v1/anything"), Some(&running.key)).await;
        assert_eq!(direct.status(), 401, "{service}");
        let body: Value = direct.json().await.expect("json");
        assert_eq!(body["code"], "missing_identity");

        // A token signed with some other key is worth nothing either.
        let (stranger, _) = InternalKey::generate();
        let caller = Caller {
            subject: "intruder".into(),
            kind: CallerKind::ApiKey,
            roles: Default::default(),
            scopes: vec!["*".into()],
            limited_to: Default::default(),
            email: None,
            name: None,
        };
        let forged = stranger.sign(&caller, service).expect("sign");
        let response = running
            .client
            .get(format!("{address}/v1/anything"))
            .header("X-Platform-Identity", forged)
            .send()
            .await
            .expect("request");
        assert_eq!(response.status(), 401);
    }
}

#[tokio::test]
async fn postgres_rabbitmq_and_s3_configured_by_their_legacy_names() {
    let s3 = S3Server::start();
    let database = fresh_postgres("unused").await;
    let vars = HashMap::from([
        ("DATABASE_URL".to_owned(), database.url.expose_secret().to_owned()),
        ("AMQP_URL".to_owned(), amqp_url()),
        ("DO_SPACES_KEY".to_owned(), s3.settings.access_key.clone()),
        ("DO_SPACES_SECRET".to_owned(), s3.settings.secret_key.expose_secret().to_owned()),
        ("DO_SPACES_ENDPOINT".to_owned(), s3.settings.endpoint.clone().expect("endpoint")),
        ("DO_SPACES_BUCKET".to_owned(), s3.settings.bucket.clone()),
        ("DO_SPACES_REGION".to_owned(), "ams3".to_owned()),
        ("PLATFORM__OBJECT_STORE__S3__ALLOW_HTTP".to_owned(), "true".to_owned()),
        ("ENV".to_owned(), "staging".to_owned()),
    ]);
    let running = start(vars).await;
    every_service_answers_through_the_gateway(&running).await;

    // One database, one schema per service.
    let pool = sqlx::PgPool::connect(database.url.expose_secret()).await.expect("connect");
    let schemas: Vec<String> = sqlx::query_scalar(
        "SELECT schema_name::text FROM information_schema.schemata \
         WHERE schema_name IN ('gateway', 'ocr', 'erp', 'checks') ORDER BY 1",
    )
    .fetch_all(&pool)
    .await
    .expect("schemas");
    assert_eq!(schemas, ["checks", "erp", "gateway", "ocr"]);
    let keys: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM gateway.api_keys")
        .fetch_one(&pool)
        .await
        .expect("keys live in PostgreSQL");
    assert_eq!(keys, 2);
}

fn unique() -> u128 {
    SystemTime::now().duration_since(UNIX_EPOCH).expect("clock").as_nanos()
}

/// Fetches until `done` holds or `within` has passed: the last value either way.
async fn eventually<T, Fetched: Future<Output = T>>(
    within: Duration,
    mut fetch: impl FnMut() -> Fetched,
    done: impl Fn(&T) -> bool,
) -> T {
    let deadline = Instant::now() + within;
    loop {
        let value = fetch().await;
        if done(&value) || Instant::now() >= deadline {
            return value;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A webhook receiver on loopback that keeps the `traceparent` of each
/// request, and the settings that send the platform's jobs, on queues of
/// their own in RabbitMQ, to it.
struct WebhookReceiver {
    url: String,
    traceparents: Arc<Mutex<Vec<String>>>,
    queue_prefix: String,
}

impl WebhookReceiver {
    async fn start() -> Self {
        let traceparents = Arc::new(Mutex::new(Vec::new()));
        let kept = Arc::clone(&traceparents);
        let server = HttpServer::new(move || {
            let kept = Arc::clone(&kept);
            App::new().default_service(web::to(move |request: HttpRequest| {
                let kept = Arc::clone(&kept);
                async move {
                    let traceparent = request.headers().get("traceparent").and_then(|value| value.to_str().ok());
                    kept.lock().expect("lock").push(traceparent.unwrap_or_default().to_owned());
                    HttpResponse::NoContent().finish()
                }
            }))
        })
        .workers(1)
        .bind("127.0.0.1:0")
        .expect("bind");
        let url = format!("http://127.0.0.1:{}/hook", server.addrs()[0].port());
        tokio::spawn(server.run());
        Self { url, traceparents, queue_prefix: format!("test.{}.", unique()) }
    }

    fn platform_vars(&self) -> [(String, String); 3] {
        [
            ("AMQP_URL".to_owned(), amqp_url()),
            ("OCR__JOBS__QUEUE_PREFIX".to_owned(), self.queue_prefix.clone()),
            ("OCR__JOBS__WEBHOOK_ALLOWED_NETWORKS".to_owned(), "127.0.0.1/32".to_owned()),
        ]
    }

    async fn wait_for_one_call(&self) {
        let calls = || async { self.traceparents.lock().expect("lock").len() };
        assert_eq!(
            eventually(Duration::from_secs(30), calls, |calls| *calls > 0).await,
            1,
            "the job's webhook arrives"
        );
    }
}

/// The span names from the webhook's back to the caller's: webhook ←
/// queue ← worker ← queue ← ocr-svc ← gateway.
const FROM_THE_WEBHOOK_TO_THE_CALLER: [&str; 6] =
    ["webhook delivery", "queue publish", "ocr job", "queue publish", "http_request", "http_request"];

/// A job submitted through the gateway within a trace of the caller's own:
/// everything the platform does must join it.
struct TracedJob {
    trace_id: String,
    caller_span: &'static str,
}

async fn submit_traced_job(client: &reqwest::Client, gateway: &str, key: &str, webhook_url: String) -> TracedJob {
    let job = TracedJob { trace_id: format!("{:032x}", unique()), caller_span: "00f067aa0ba902b7" };
    let bill = BillSpec::generate(70, EnergyType::Electricite, 0);
    let pdf =
        Part::bytes(render(&bill).expect("a bill")).file_name("facture.pdf").mime_str("application/pdf").expect("mime");
    let response = client
        .post(format!("{gateway}/ocr/v1/jobs/pdf"))
        .header("X-API-Key", key)
        .header("traceparent", format!("00-{}-{}-01", job.trace_id, job.caller_span))
        .multipart(Form::new().part("file", pdf).text("webhook_url", webhook_url))
        .send()
        .await
        .expect("submit");
    assert_eq!(response.status(), 202);
    job
}

impl TracedJob {
    /// The span names from the webhook's back to the caller's, parent by
    /// parent, once `fetch` returns them all. A span is exported when it
    /// ends and a parent (the job, a publish awaiting its confirm) may end
    /// after its child: this fetches again until the chain is whole (60 s).
    async fn chain<Spans: Future<Output = Vec<StoredSpan>>>(&self, mut fetch: impl FnMut() -> Spans) -> Vec<String> {
        let chain_of = |spans: Vec<StoredSpan>| {
            let mut chain = Vec::new();
            let mut current = spans.iter().find(|span| span.name == "webhook delivery");
            while let Some(span) = current {
                chain.push(span.clone());
                current = spans.iter().find(|parent| span.parent_id.as_ref() == Some(&parent.span_id));
            }
            chain
        };
        let reaches_the_caller =
            |chain: &Vec<StoredSpan>| chain.last().and_then(|root| root.parent_id.as_deref()) == Some(self.caller_span);
        let chain = eventually(
            Duration::from_secs(60),
            || {
                let spans = fetch();
                async move { chain_of(spans.await) }
            },
            reaches_the_caller,
        )
        .await;
        assert!(reaches_the_caller(&chain), "the gateway continues the caller's trace: {chain:?}");
        chain.into_iter().map(|span| span.name).collect()
    }

    fn assert_carried_to(&self, receiver: &WebhookReceiver) {
        let received = receiver.traceparents.lock().expect("lock").clone();
        assert_eq!(received.len(), 1);
        assert!(
            received[0].starts_with(&format!("00-{}-", self.trace_id)),
            "the webhook request carries the trace: {received:?}"
        );
    }
}

#[tokio::test]
async fn one_trace_runs_from_the_gateway_through_rabbitmq_and_the_worker_to_the_webhook() {
    let receiver = WebhookReceiver::start().await;
    let running = start(HashMap::from(receiver.platform_vars())).await;
    let job = submit_traced_job(&running.client, &running.gateway, &running.key, receiver.url.clone()).await;
    let recorded = || async {
        recorded_spans(&job.trace_id)
            .iter()
            .map(|span| StoredSpan {
                name: span.name.to_string(),
                span_id: span.span_context.span_id().to_string(),
                parent_id: Some(span.parent_span_id.to_string()),
            })
            .collect()
    };
    assert_eq!(job.chain(recorded).await, FROM_THE_WEBHOOK_TO_THE_CALLER);
    job.assert_carried_to(&receiver);
}

async fn keep_lines(stream: impl AsyncRead + Unpin, kept: Arc<Mutex<Vec<String>>>) {
    let mut lines = BufReader::new(stream).lines();
    while let Ok(Some(line)) = lines.next_line().await {
        kept.lock().expect("lock").push(line);
    }
}

/// A binary in a child process, in a directory of its own, with `vars` as
/// its whole environment besides `PATH` and `HOME`. Every line it prints,
/// on stdout (its JSON logs) or stderr, is kept.
struct Process {
    name: String,
    _child: tokio::process::Child,
    output: Arc<Mutex<Vec<String>>>,
    _dir: tempfile::TempDir,
}

impl Process {
    fn start(binary: &Path, vars: &[(String, String)]) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let name = binary.file_name().map(|name| name.to_string_lossy().into_owned()).unwrap_or_default();
        let mut child = tokio::process::Command::new(binary)
            .current_dir(dir.path())
            .env_clear()
            .envs(["PATH", "HOME"].iter().filter_map(|name| Some((name, std::env::var(name).ok()?))))
            .envs(vars.iter().map(|(name, value)| (name, value)))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|error| panic!("start {name}: {error}"));
        let output = Arc::new(Mutex::new(Vec::new()));
        tokio::spawn(keep_lines(child.stdout.take().expect("stdout"), Arc::clone(&output)));
        tokio::spawn(keep_lines(child.stderr.take().expect("stderr"), Arc::clone(&output)));
        Self { name, _child: child, output, _dir: dir }
    }

    fn output(&self) -> Vec<String> {
        self.output.lock().expect("lock").clone()
    }

    /// The rest of the first line it printed that starts, after blanks, with
    /// `prefix`, waiting for it up to 2 minutes.
    async fn printed(&self, prefix: &str) -> String {
        let found = || async {
            self.output().iter().find_map(|line| line.trim_start().strip_prefix(prefix).map(str::to_owned))
        };
        let found = eventually(Duration::from_secs(120), found, Option::is_some).await;
        found.unwrap_or_else(|| panic!("{} never printed {prefix:?}: {:?}", self.name, self.output()))
    }
}

/// As deployed: each service exports OTLP over HTTP to the collector, which
/// forwards to the trace store, read back through the store's query API.
#[tokio::test]
async fn the_trace_reaches_a_trace_store_through_a_real_collector() {
    let store = TraceStore::start().await;
    let collector = OtelCollector::start(&store.otlp_grpc).await;
    let receiver = WebhookReceiver::start().await;
    let key = format!("{:040x}", unique());
    let mut vars = vec![
        ("OTEL_EXPORTER_OTLP_ENDPOINT".to_owned(), collector.otlp_http.clone()),
        // Spans leave in batches; a short delay keeps the test short.
        ("OTEL_BSP_SCHEDULE_DELAY".to_owned(), "200".to_owned()),
        ("RUST_LOG".to_owned(), "info".to_owned()),
        ("API_KEY".to_owned(), key.clone()),
    ];
    vars.extend(receiver.platform_vars());
    vars.push(("GATEWAY__SERVER__PORT".to_owned(), "0".to_owned()));
    let platform = Process::start(Path::new(env!("CARGO_BIN_EXE_platform")), &vars);
    let gateway = platform.printed("Platform ready on ").await;
    let gateway = gateway.split_whitespace().next().expect("the gateway's address");
    let job = submit_traced_job(&reqwest::Client::new(), gateway, &key, receiver.url.clone()).await;
    assert_eq!(job.chain(|| store.spans(&job.trace_id)).await, FROM_THE_WEBHOOK_TO_THE_CALLER);
    job.assert_carried_to(&receiver);

    // Its logs are JSON lines that name the trace, never the key.
    let output = platform.output();
    let logs: Vec<Value> = output.iter().filter_map(|line| serde_json::from_str(line).ok()).collect();
    assert!(
        logs.iter().any(|line| line["span"]["trace_id"] == job.trace_id.as_str()),
        "a log line of the request names its trace: {output:?}"
    );
    assert!(output.iter().all(|line| !line.contains(&key)), "the API key is never printed");
}

/// A binary of another package of the workspace: `cargo test --workspace`
/// (scripts/test) builds it beside this test's own.
fn workspace_binary(name: &str) -> PathBuf {
    let test = std::env::current_exe().expect("the test's path");
    let path = test.parent().and_then(Path::parent).expect("the target directory").join(name);
    assert!(path.is_file(), "{} is missing: `cargo test --workspace` (scripts/test) builds it", path.display());
    path
}

/// The validators' tools that scripts/validate-deploy installs: a Python
/// with PyYAML, and kubectl.
fn validator(tool: &str) -> PathBuf {
    let bin = std::env::var("TEST_VALIDATORS_BIN").map_or_else(|_| tools_dir().join("validators/bin"), PathBuf::from);
    let path = bin.join(tool);
    assert!(path.is_file(), "{} is required; scripts/validate-deploy installs it", path.display());
    path
}

/// Each service's binary, port and environment, rendered by
/// deploy/service_env.py from `arguments`.
fn rendered_services(arguments: &[&std::ffi::OsStr]) -> serde_json::Map<String, Value> {
    let rendered = std::process::Command::new(validator("python"))
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy/service_env.py"))
        .args(arguments)
        .output()
        .expect("run service_env.py");
    assert!(rendered.status.success(), "service_env.py: {}", String::from_utf8_lossy(&rendered.stderr));
    serde_json::from_slice(&rendered.stdout).expect("json")
}

/// What compose.yaml gives each service with `.env.example` as the `.env`,
/// its required secrets filled in.
fn compose_services(dir: &Path) -> serde_json::Map<String, Value> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let secrets = [
        ("PLATFORM_INTERNAL_KEY", format!("{:064x}", unique())),
        ("POSTGRES_PASSWORD", "postgres-password".to_owned()),
        ("RABBITMQ_PASSWORD", "rabbitmq-password".to_owned()),
        ("MINIO_ROOT_PASSWORD", "minio-password".to_owned()),
    ];
    let example = std::fs::read_to_string(root.join(".env.example")).expect(".env.example");
    let mut env_file = String::new();
    for line in example.lines() {
        let secret = secrets.iter().find(|(name, _)| line == format!("{name}="));
        env_file += &secret.map_or_else(|| line.to_owned(), |(name, value)| format!("{name}={value}"));
        env_file.push('\n');
    }
    for (name, value) in &secrets {
        assert!(env_file.contains(&format!("{name}={value}")), ".env.example asks for {name}");
    }
    std::fs::write(dir.join(".env"), env_file).expect("write .env");
    let (compose, env_file) = (root.join("compose.yaml"), dir.join(".env"));
    rendered_services(&["compose".as_ref(), compose.as_os_str(), env_file.as_os_str()])
}

/// What the Kubernetes dev overlay gives each Deployment (its generated
/// ConfigMap and Secret, its own env).
fn kubernetes_services(dir: &Path) -> serde_json::Map<String, Value> {
    let overlay = Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy/k8s/overlays/dev");
    let rendered = std::process::Command::new(validator("kubectl")).arg("kustomize").arg(overlay).output();
    let rendered = rendered.expect("kubectl kustomize");
    assert!(rendered.status.success(), "kustomize: {}", String::from_utf8_lossy(&rendered.stderr));
    let manifests = dir.join("dev.yaml");
    std::fs::write(&manifests, rendered.stdout).expect("write the rendered overlay");
    rendered_services(&["kubernetes".as_ref(), manifests.as_os_str()])
}

/// The port a service's binary listens on when nothing sets it.
fn default_port(binary: &str) -> u16 {
    macro_rules! port_of {
        ($service:ident) => {
            load_from::<$service::configuration::Settings>(&$service::configuration::CONFIG, HashMap::new())
                .map(|settings| settings.server.port)
        };
    }
    match binary {
        "gateway" => port_of!(gateway),
        "facturx-svc" => port_of!(facturx_svc),
        "ocr-svc" | "ocr-worker" => port_of!(ocr_svc),
        "erp-svc" => port_of!(erp_svc),
        "checks-svc" => port_of!(checks_svc),
        other => panic!("no service binary named {other}"),
    }
    .expect("the defaults load")
}

/// The host and port of a URL ("" and 0 when it has none).
fn host_and_port(url: &str) -> (String, u16) {
    let parsed = reqwest::Url::parse(url).ok();
    let host = parsed.as_ref().and_then(|url| url.host_str()).unwrap_or_default().to_owned();
    (host, parsed.and_then(|url| url.port_or_known_default()).unwrap_or_default())
}

/// The platform's services each in a process of its own, configured by the
/// environment a deployment file gives it (`services`), the variable names
/// as they are. Only what points at the deployment's other parts
/// (PostgreSQL, RabbitMQ, S3, SMTP, the collector, the other services) and
/// the ports move to this machine's servers. Then one job's trace must run
/// through four processes: gateway, ocr-svc, RabbitMQ, ocr-worker, and on
/// to the webhook.
async fn run_apart_with_one_trace(services: serde_json::Map<String, Value>, dir: tempfile::TempDir) {
    let store = TraceStore::start().await;
    let collector = OtelCollector::start(&store.otlp_grpc).await;
    let s3 = S3Server::start();
    let smtp = SmtpServer::start();
    let receiver = WebhookReceiver::start().await;
    // The gateway last: it is started once the services are healthy.
    let order = ["facturx", "ocr", "ocr-worker", "erp", "checks", "gateway"];
    let mut listed: Vec<&str> = services.keys().map(String::as_str).collect();
    listed.sort_unstable();
    assert_eq!(listed, ["checks", "erp", "facturx", "gateway", "ocr", "ocr-worker"]);
    let ports: HashMap<&str, u16> = order.iter().map(|service| (*service, free_port())).collect();
    let distinct: std::collections::HashSet<_> = ports.values().collect();
    assert_eq!(distinct.len(), order.len(), "six different ports: {ports:?}");
    let client = reqwest::Client::builder().timeout(Duration::from_secs(5)).build().expect("client");
    let here = |port: u16| format!("http://127.0.0.1:{port}");

    let mut databases: HashMap<String, String> = HashMap::new();
    let mut processes = HashMap::new();
    for service in order {
        let binary = services[service]["binary"].as_str().expect("binary");
        let environment = services[service]["environment"].as_object().expect("environment");
        if !environment.contains_key("PLATFORM__SERVER__PORT") {
            assert_eq!(
                services[service]["port"],
                default_port(binary),
                "the port the health check asks is where {service} listens"
            );
        }
        let mut vars = Vec::new();
        // The port is this machine's (set below).
        for (name, value) in environment.iter().filter(|(name, _)| *name != "PLATFORM__SERVER__PORT") {
            let value = value.as_str().expect("a string").to_owned();
            let moved = match name.as_str() {
                name if name == "DATABASE_URL" || name.ends_with("__DATABASE__URL") => {
                    // Services given the same database share a fresh one.
                    let database = value.rsplit('/').next().unwrap_or_default().to_owned();
                    if !databases.contains_key(&database) {
                        let fresh = fresh_postgres("unused").await.url.expose_secret().to_owned();
                        databases.insert(database.clone(), fresh);
                    }
                    databases[&database].clone()
                }
                "AMQP_URL" => amqp_url(),
                "DO_SPACES_ENDPOINT" => s3.settings.endpoint.clone().expect("endpoint"),
                "DO_SPACES_KEY" => s3.settings.access_key.clone(),
                "DO_SPACES_SECRET" => s3.settings.secret_key.expose_secret().to_owned(),
                "DO_SPACES_BUCKET" => s3.settings.bucket.clone(),
                "SMTP_HOST" => "127.0.0.1".to_owned(),
                "SMTP_PORT" => smtp.port.to_string(),
                "OTEL_EXPORTER_OTLP_ENDPOINT" => collector.otlp_http.clone(),
                name if name.starts_with("GATEWAY__UPSTREAMS__") => {
                    let (host, port) = host_and_port(&value);
                    let upstream = services.get(&host).unwrap_or_else(|| panic!("{name}={value}: no such service"));
                    assert_eq!(upstream["port"], port, "{name}={value}: {host} listens elsewhere");
                    here(ports[host.as_str()])
                }
                _ => value,
            };
            // Public addresses (links in e-mails) are not called.
            let called = !(name.ends_with("PUBLIC_URL") || name == "APP_URL");
            if called && moved.contains("://") {
                let (host, _) = host_and_port(&moved);
                let local = ["127.0.0.1", "localhost"].contains(&host.as_str());
                assert!(local, "{service}: {name}={moved} leads off this machine");
            }
            vars.push((name.clone(), moved));
        }
        // What deploy/Dockerfile sets, on this machine's loopback.
        vars.push(("PLATFORM__SERVER__HOST".to_owned(), "127.0.0.1".to_owned()));
        vars.push(("PLATFORM__SERVER__PORT".to_owned(), ports[service].to_string()));
        // This test's own: queues of its own, its receiver on loopback, short span batches.
        vars.extend(receiver.platform_vars().into_iter().filter(|(name, _)| name != "AMQP_URL"));
        vars.push(("OTEL_BSP_SCHEDULE_DELAY".to_owned(), "200".to_owned()));

        let process = Process::start(&workspace_binary(binary), &vars);
        let health = format!("{}/health", here(ports[service]));
        let healthy =
            || async { client.get(&health).send().await.is_ok_and(|response| response.status().is_success()) };
        if !eventually(Duration::from_secs(120), healthy, |healthy| *healthy).await {
            panic!("{service} is not healthy: {:?}", process.output());
        }
        processes.insert(service, process);
    }

    // As the README says: the first start prints an admin key in the gateway's output.
    let key = processes["gateway"].printed("X-API-Key: ").await;
    let running = Running {
        gateway: here(ports["gateway"]),
        services: ["facturx", "ocr", "erp", "checks"]
            .into_iter()
            .map(|service| (service, here(ports[service])))
            .collect(),
        key,
        client,
        _data: dir,
    };
    every_service_answers_through_the_gateway(&running).await;
    let job = submit_traced_job(&running.client, &running.gateway, &running.key, receiver.url.clone()).await;
    assert_eq!(job.chain(|| store.spans(&job.trace_id)).await, FROM_THE_WEBHOOK_TO_THE_CALLER);
    job.assert_carried_to(&receiver);

    // The worker's own process ran the job.
    let metrics = running.get(format!("{}/metrics", here(ports["ocr-worker"])), None).await.text().await.expect("text");
    assert!(
        metrics.lines().any(|line| line == r#"ocr_job_duration_seconds_count{outcome="succeeded"} 1"#),
        "ocr-worker counts the job it analysed"
    );
    // Every service keeps its data in PostgreSQL (no SQLite fallback).
    let mut schemas = Vec::new();
    for url in databases.values() {
        let pool = sqlx::PgPool::connect(url).await.expect("connect");
        let found: Vec<String> = sqlx::query_scalar(
            "SELECT DISTINCT table_schema::text FROM information_schema.tables \
             WHERE table_schema NOT IN ('pg_catalog', 'information_schema')",
        )
        .fetch_all(&pool)
        .await
        .expect("schemas");
        schemas.extend(found);
    }
    schemas.sort();
    assert_eq!(schemas, ["checks", "erp", "gateway", "ocr"]);
}

/// compose.yaml run without a container engine (its binary, port and
/// environment per service, `.env.example` as the `.env`).
#[tokio::test]
async fn the_services_run_apart_as_compose_configures_them_and_one_trace_spans_them() {
    let dir = tempfile::tempdir().expect("tempdir");
    let services = compose_services(dir.path());
    run_apart_with_one_trace(services, dir).await;
}

/// The Kubernetes dev overlay run without a cluster: each Deployment's
/// image's binary with the environment its ConfigMap, Secret and env give.
#[tokio::test]
async fn the_services_run_apart_as_the_kubernetes_overlay_configures_them_and_one_trace_spans_them() {
    let dir = tempfile::tempdir().expect("tempdir");
    let services = kubernetes_services(dir.path());
    run_apart_with_one_trace(services, dir).await;
}

/// Prometheus, configured by the project's own scrape file (targets moved
/// to where this test's platform listens, scraped every second), sees the
/// request, job, webhook and queue-depth series of a job's run.
#[tokio::test]
async fn prometheus_scrapes_every_service_and_the_queue_with_the_projects_configuration() {
    let receiver = WebhookReceiver::start().await;
    let running = start(HashMap::from(receiver.platform_vars())).await;
    submit_traced_job(&running.client, &running.gateway, &running.key, receiver.url.clone()).await;
    receiver.wait_for_one_call().await;

    let mut configuration =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/deploy/observability/prometheus.yml"))
            .expect("the project's Prometheus configuration");
    let address = |url: &str| url.trim_start_matches("http://").to_owned();
    let alerts_file = concat!(env!("CARGO_MANIFEST_DIR"), "/deploy/observability/alerts.yml");
    let deployed_to_here = [
        ("scrape_interval: 15s".to_owned(), "scrape_interval: 1s".to_owned()),
        ("evaluation_interval: 15s".to_owned(), "evaluation_interval: 1s".to_owned()),
        ("gateway:8080".to_owned(), address(&running.gateway)),
        ("facturx:8001".to_owned(), address(&running.services["facturx"])),
        ("ocr:8002".to_owned(), address(&running.services["ocr"])),
        ("erp:8003".to_owned(), address(&running.services["erp"])),
        ("checks:8004".to_owned(), address(&running.services["checks"])),
        ("rabbitmq:15692".to_owned(), "127.0.0.1:15692".to_owned()),
        ("rule_files: [alerts.yml]".to_owned(), format!("rule_files: [{alerts_file}]")),
    ];
    for (deployed, here) in deployed_to_here {
        assert!(configuration.contains(&deployed), "prometheus.yml has {deployed}");
        configuration = configuration.replace(&deployed, &here);
    }
    let prometheus = Prometheus::start(&configuration).await;

    // Every target of the file is scraped and up: seven here (the worker's
    // DNS name resolves only in compose).
    let targets = || async {
        let targets = prometheus.api("targets", &[]).await["activeTargets"].as_array().cloned().unwrap_or_default();
        targets.iter().map(|target| format!("{} {}", target["scrapeUrl"], target["health"])).collect::<Vec<_>>()
    };
    let all_up = |targets: &Vec<String>| targets.len() == 7 && targets.iter().all(|line| line.ends_with("\"up\""));
    let targets = eventually(Duration::from_secs(30), targets, all_up).await;
    assert!(all_up(&targets), "{targets:?}");

    // Every alerting rule of alerts.yml loads and evaluates.
    let mut defined: Vec<String> = std::fs::read_to_string(alerts_file)
        .expect("alerts.yml")
        .lines()
        .filter_map(|line| line.trim().strip_prefix("- alert: ").map(str::to_owned))
        .collect();
    let evaluated = || async {
        let rules = prometheus.api("rules", &[]).await;
        let mut evaluated: Vec<(String, String)> = rules["groups"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|group| group["rules"].as_array().into_iter().flatten())
            .map(|rule| (rule["name"].as_str().unwrap_or_default().to_owned(), rule["health"].to_string()))
            .collect();
        evaluated.sort();
        evaluated
    };
    defined.sort();
    let all_ok = |rules: &Vec<(String, String)>| rules.iter().all(|(_, health)| health == "\"ok\"");
    let evaluated = eventually(Duration::from_secs(30), evaluated, all_ok).await;
    assert_eq!(evaluated.iter().map(|(name, _)| name.clone()).collect::<Vec<_>>(), defined);
    assert!(all_ok(&evaluated), "{evaluated:?}");

    let value = |series: &Value| series["value"][1].as_str().and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    let counted = [
        r#"http_requests_total{service="gateway", method="POST", status="202"}"#.to_owned(),
        r#"http_requests_total{service="ocr", route="/v1/jobs/pdf", status="202"}"#.to_owned(),
        r#"http_request_duration_seconds_count{service="ocr", route="/v1/jobs/pdf"}"#.to_owned(),
        r#"ocr_job_duration_seconds_count{outcome="succeeded"}"#.to_owned(),
        r#"ocr_webhook_deliveries_total{outcome="delivered"}"#.to_owned(),
    ];
    // Queue depths: present, whatever their value.
    let present = [
        "rabbitmq_queue_messages_ready".to_owned(),
        format!(r#"rabbitmq_detailed_queue_messages_ready{{queue="{}ocr.jobs"}}"#, receiver.queue_prefix),
    ];
    for (promql, at_least) in counted.iter().map(|q| (q, 1.0)).chain(present.iter().map(|q| (q, 0.0))) {
        let series =
            eventually(Duration::from_secs(10), || prometheus.query(promql), |series| !series.is_empty()).await;
        if series.is_empty() {
            let name = promql.split('{').next().unwrap_or(promql);
            panic!("{promql}: no series among {:?}", prometheus.query(name).await);
        }
        assert!(series.iter().map(value).sum::<f64>() >= at_least, "{promql}: {series:?}");
        // The scrape config adds no label the series already carry.
        for one in &series {
            let labels = one["metric"].as_object().expect("labels");
            assert!(labels.keys().all(|label| !label.starts_with("exported_")), "{promql}: {one}");
        }
    }
}

/// The ERP's users sign in as the original's clients did (`POST
/// /erp/api/v1/auth/login`, form fields), then reach the ERP with the
/// bearer token: a client company's user sees its own interventions only.
#[tokio::test]
async fn erp_users_sign_in_the_legacy_way_and_see_what_their_role_allows() {
    let running = start(HashMap::new()).await;
    let api = |method: reqwest::Method, path: &'static str, body: Value, credential: (&'static str, String)| {
        let request = running
            .client
            .request(method, format!("{}{path}", running.gateway))
            .header(credential.0, credential.1)
            .json(&body);
        async move {
            let response = request.send().await.expect("request");
            let status = response.status();
            let body: Value = response.json().await.unwrap_or(Value::Null);
            assert!(status.is_success(), "{path}: {status} {body}");
            body
        }
    };
    let key = || ("X-API-Key", running.key.clone());
    let password = "une phrase de passe assez longue";
    for (email, roles) in [
        ("resp@maintenance.test", serde_json::json!({"erp": {"role": "responsable"}})),
        ("achats@acme.test", serde_json::json!({"erp": {"role": "client", "client_company": "ACME"}})),
    ] {
        let user = serde_json::json!({"name": email, "email": email, "password": password, "roles": roles});
        api(reqwest::Method::POST, "/api/users", user, key()).await;
    }
    let login = |email: &'static str| {
        let request = running
            .client
            .post(format!("{}/erp/api/v1/auth/login", running.gateway))
            .form(&[("username", email), ("password", password)]);
        async move {
            let token: Value = request.send().await.expect("login").json().await.expect("json");
            ("Authorization", format!("Bearer {}", token["access_token"].as_str().expect("an access token")))
        }
    };
    let responsable = login("resp@maintenance.test").await;
    let customer = login("achats@acme.test").await;

    let mut sites = Vec::new();
    for reference in ["ACME", "GLOBEX"] {
        let client = api(
            reqwest::Method::POST,
            "/erp/api/v1/clients",
            serde_json::json!({"reference": reference, "name": reference}),
            responsable.clone(),
        )
        .await;
        let site = api(
            reqwest::Method::POST,
            "/erp/api/v1/sites",
            serde_json::json!({"client_id": client["id"], "name": "Usine"}),
            responsable.clone(),
        )
        .await;
        api(
            reqwest::Method::POST,
            "/erp/api/v1/interventions",
            serde_json::json!({"site_id": site["id"], "title": "Visite"}),
            responsable.clone(),
        )
        .await;
        sites.push(site["id"].as_i64().expect("site"));
    }
    let request = api(
        reqwest::Method::POST,
        "/erp/api/v1/interventions",
        serde_json::json!({"site_id": sites[0], "title": "Fuite d'eau"}),
        customer.clone(),
    )
    .await;
    assert_eq!(request["created_by"], "achats@acme.test");

    let seen = running
        .client
        .get(format!("{}/erp/api/v1/interventions", running.gateway))
        .header(customer.0, customer.1.clone())
        .send()
        .await
        .expect("list");
    assert_eq!(seen.headers()["x-total-count"], "2");
    let seen: Value = seen.json().await.expect("json");
    assert!(seen.as_array().expect("array").iter().all(|intervention| intervention["client_name"] == "ACME"), "{seen}");
    let other = running
        .client
        .post(format!("{}/erp/api/v1/interventions", running.gateway))
        .header(customer.0, customer.1)
        .json(&serde_json::json!({"site_id": sites[1], "title": "x"}))
        .send()
        .await
        .expect("request");
    assert_eq!(other.status(), 404);
}

fn files_under(folder: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(folder).expect("read_dir").map(|entry| entry.expect("entry").path()) {
        if entry.is_dir() { files.extend(files_under(&entry)) } else { files.push(entry) }
    }
    files
}

/// `platform backup DIR` of a running platform, then `platform restore DIR`
/// into a fresh data folder and `platform check` (the real binary): the
/// same users, API key, ERP records with their document and Check du Matin
/// clients come out of the restored platform's API.
#[tokio::test]
async fn a_backup_restored_into_a_fresh_folder_gives_the_same_data_back() {
    let first = start(HashMap::new()).await;
    let send = |running: &Running, method: reqwest::Method, path: &str| {
        running.client.request(method, format!("{}{path}", running.gateway)).header("X-API-Key", running.key.clone())
    };
    let created = |response: reqwest::Response| async move {
        let status = response.status();
        let body: Value = response.json().await.expect("json");
        assert!(status.is_success(), "{status} {body}");
        body
    };
    let user = serde_json::json!({"name": "Łucja Żółć", "email": "lucja@example.fr",
        "password": "une phrase de passe assez longue", "roles": {"erp": {"role": "responsable"}}});
    created(send(&first, reqwest::Method::POST, "/api/users").json(&user).send().await.expect("user")).await;
    let client = serde_json::json!({"reference": "ACME", "name": "Acmé SARL"});
    let client =
        created(send(&first, reqwest::Method::POST, "/erp/api/v1/clients").json(&client).send().await.expect("client"))
            .await;
    let site = serde_json::json!({"client_id": client["id"], "name": "Usine de Łódź"});
    let site =
        created(send(&first, reqwest::Method::POST, "/erp/api/v1/sites").json(&site).send().await.expect("site")).await;
    let intervention = serde_json::json!({"site_id": site["id"], "title": "Fuite d'eau"});
    let intervention = created(
        send(&first, reqwest::Method::POST, "/erp/api/v1/interventions")
            .json(&intervention)
            .send()
            .await
            .expect("intervention"),
    )
    .await;
    let document = b"relev\xc3\xa9 d'index 1234".to_vec();
    let form = Form::new().part("file", Part::bytes(document.clone()).file_name("relevé.txt"));
    let upload = format!("/erp/api/v1/documents/upload?intervention_id={}", intervention["id"]);
    let uploaded =
        created(send(&first, reqwest::Method::POST, &upload).multipart(form).send().await.expect("upload")).await;
    let check_client = serde_json::json!({"reference": "acme", "label": "Acmé", "check_time": "08:30"});
    created(
        send(&first, reqwest::Method::POST, "/checks/api/clients")
            .json(&check_client)
            .send()
            .await
            .expect("checks client"),
    )
    .await;

    let backups = tempfile::tempdir().expect("tempdir");
    let folder = backups.path().join("2026-12-03");
    let folder_argument = folder.display().to_string();
    let arguments = |words: &[&str]| words.iter().map(|word| (*word).to_owned()).collect::<Vec<_>>();
    let report = platform::commands::run(data_vars(first._data.path()), &arguments(&["backup", &folder_argument]))
        .await
        .expect("backup");
    assert!(report.contains("4 databases and 1 objects"), "{report}");
    let again = platform::commands::run(data_vars(first._data.path()), &arguments(&["backup", &folder_argument])).await;
    let again = format!("{:#}", again.expect_err("a used folder"));
    assert!(again.contains("not empty"), "{again}");

    let fresh = tempfile::tempdir().expect("tempdir");
    let vars = data_vars(fresh.path());
    let report =
        platform::commands::run(vars.clone(), &arguments(&["restore", &folder_argument])).await.expect("restore");
    assert!(report.contains("restored 4 databases and 1 objects"), "{report}");
    let twice = platform::commands::run(vars.clone(), &arguments(&["restore", &folder_argument])).await;
    let twice = format!("{:#}", twice.expect_err("not fresh"));
    assert!(twice.contains("already exists"), "{twice}");

    let binary = |words: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_platform"))
            .args(words)
            .envs(&vars)
            .env("PLATFORM__TELEMETRY__LOG_LEVEL", "warn")
            .output()
            .expect("the platform binary runs")
    };
    let checked = binary(&["check"]);
    let printed = String::from_utf8_lossy(&checked.stdout).into_owned();
    assert!(checked.status.success(), "{printed} {}", String::from_utf8_lossy(&checked.stderr));
    for service in ["gateway", "ocr", "erp", "checks"] {
        assert!(printed.lines().any(|line| line.starts_with(service) && line.ends_with(" ok")), "{printed}");
    }
    let help = binary(&["help"]);
    assert!(String::from_utf8_lossy(&help.stdout).contains("backup DIR"));
    let unknown = binary(&["admin", "backup"]);
    assert!(!unknown.status.success(), "a command with a missing argument must not start the platform");

    let platform = platform::build(with_any_port(vars.clone())).await.expect("the restored platform builds");
    assert_eq!(platform.gateway.key_store().count().await.expect("count"), 2, "no new first-start key");
    let restored = serve(platform, first.key.clone(), fresh);
    let users: Value =
        created(send(&restored, reqwest::Method::GET, "/api/users?q=lucja").send().await.expect("users")).await;
    assert!(users.to_string().contains("Łucja Żółć"), "{users}");
    let path = format!("/erp/api/v1/interventions/{}", intervention["id"]);
    let record = created(send(&restored, reqwest::Method::GET, &path).send().await.expect("intervention")).await;
    assert_eq!(record["title"], "Fuite d'eau");
    let file = format!("/erp/api/v1/documents/file/{}", uploaded["id"]);
    let content = send(&restored, reqwest::Method::GET, &file).send().await.expect("document");
    assert_eq!(content.status(), 200);
    assert_eq!(content.bytes().await.expect("bytes").to_vec(), document);
    let clients =
        created(send(&restored, reqwest::Method::GET, "/checks/api/clients").send().await.expect("clients")).await;
    assert!(clients.to_string().contains("Acmé"), "{clients}");

    // An object the ERP names but the store lost: `check` says which.
    let objects = files_under(&restored._data.path().join("objects"));
    assert_eq!(objects.len(), 1, "{objects:?}");
    std::fs::remove_file(&objects[0]).expect("remove");
    let broken = binary(&["check"]);
    assert!(!broken.status.success());
    let said = String::from_utf8_lossy(&broken.stderr);
    assert!(said.contains("1 of 1 named objects missing"), "{said}");
}

/// The same on PostgreSQL, filled by the platform's own commands (`admin
/// create-user`, `erp seed`, `checks delete-old`): `pg_dump` of each
/// service's schema, restored into an empty database.
#[tokio::test]
async fn a_postgres_platform_is_backed_up_with_pg_dump_and_restored_into_an_empty_database() {
    init_telemetry();
    let (source, target) = (fresh_postgres("gateway").await, fresh_postgres("gateway").await);
    let folders = tempfile::tempdir().expect("tempdir");
    let vars_for = |database: &common::configuration::DatabaseSettings, objects: &str| {
        HashMap::from([
            ("DATABASE_URL".to_owned(), database.url.expose_secret().to_owned()),
            ("PLATFORM__OBJECT_STORE__LOCAL_DIR".to_owned(), folders.path().join(objects).display().to_string()),
        ])
    };
    let (from, to) = (vars_for(&source, "objects-a"), vars_for(&target, "objects-b"));
    let command = |vars: &HashMap<String, String>, words: &[&str]| {
        let (vars, words) = (vars.clone(), words.iter().map(|word| (*word).to_owned()).collect::<Vec<_>>());
        async move { platform::commands::run(vars, &words).await }
    };
    let created = command(&from, &["admin", "create-user", "--email", "ops@example.fr", "--name", "Ops"]).await;
    assert!(created.expect("create-user").contains("temporary password"));
    assert!(command(&from, &["erp", "seed"]).await.expect("seed").contains("demonstration clients"));
    let purged = command(&from, &["checks", "delete-old", "--days", "60"]).await.expect("delete-old");
    assert_eq!(purged, "0 checks older than 60 days deleted");

    let folder = folders.path().join("backup").display().to_string();
    assert!(command(&from, &["backup", &folder]).await.expect("backup").contains("4 databases"));
    let manifest: Value =
        serde_json::from_slice(&std::fs::read(Path::new(&folder).join("manifest.json")).expect("manifest"))
            .expect("json");
    assert!(
        manifest["databases"].as_array().expect("databases").iter().all(|d| d["engine"] == "postgres"),
        "{manifest}"
    );
    command(&to, &["restore", &folder]).await.expect("restore");
    let again = format!("{:#}", command(&to, &["restore", &folder]).await.expect_err("not empty"));
    assert!(again.contains("already holds"), "{again}");
    command(&to, &["check"]).await.expect("check");

    let count = |database: &common::configuration::DatabaseSettings, table: &'static str| {
        let url = database.url.expose_secret().to_owned();
        async move {
            let pool = sqlx::PgPool::connect(&url).await.expect("connect");
            let query = format!("SELECT COUNT(*) FROM {table}");
            sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(query)).fetch_one(&pool).await.expect("count")
        }
    };
    for table in ["gateway.users", "erp.clients", "erp.interventions", "erp._sqlx_migrations"] {
        let before = count(&source, table).await;
        assert!(before > 0, "{table} is empty");
        assert_eq!(count(&target, table).await, before, "{table}");
    }
}
