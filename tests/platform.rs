//! The whole platform as `cargo run` starts it: embedded defaults, then the
//! same code on PostgreSQL, RabbitMQ and S3 configured with the legacy
//! variable names.

use std::collections::HashMap;

use common::identity::{Caller, CallerKind, InternalKey};
use common::testing::{S3Server, amqp_url, fresh_postgres, init_telemetry};
use secrecy::ExposeSecret;
use serde_json::Value;

struct Running {
    gateway: String,
    services: HashMap<&'static str, String>,
    key: String,
    client: reqwest::Client,
    _data: tempfile::TempDir,
}

async fn start(mut vars: HashMap<String, String>) -> Running {
    init_telemetry();
    let data = tempfile::tempdir().expect("tempdir");
    let root = data.path().display().to_string();
    vars.insert("GATEWAY__SERVER__PORT".into(), "0".into());
    vars.insert("PLATFORM__OBJECT_STORE__LOCAL_DIR".into(), format!("{root}/objects"));
    if !vars.contains_key("DATABASE_URL") {
        for service in ["gateway", "ocr", "erp", "checks"] {
            vars.insert(format!("{}__DATABASE__URL", service.to_uppercase()), format!("sqlite://{root}/{service}.db"));
        }
    }
    let platform = platform::build(vars).await.expect("the platform builds");
    assert_eq!(platform.gateway.key_store().count().await.expect("count"), 1, "first-start admin key");
    let (_, key) = platform.gateway.key_store().create("test", &gateway::domain::Scopes::All, None).await.expect("key");
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
