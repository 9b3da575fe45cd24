use std::collections::BTreeMap;
use std::time::Duration;

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use common::configuration::{DatabaseSettings, load_from};
use common::identity::{IDENTITY_HEADER, InternalKey};
use common::testing::{free_port, fresh_postgres, fresh_sqlite};
use gateway::auth::api_keys::ApiKeyStore;
use gateway::configuration::{CONFIG, Settings, UpstreamSettings};
use gateway::domain::Scopes;
use gateway::startup::Application;
use secrecy::SecretString;
use serde_json::{Value, json};

pub const INTERNAL_KEY: &str = "an-internal-key-of-at-least-thirty-two-bytes";
pub const JWT_KID: &str = "test-key";
pub const JWT_SECRET: &str = "a-jwt-signing-secret-of-32-bytes-or-more";
pub const UPSTREAM_BODY_LIMIT: u64 = 1024;

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub keys: ApiKeyStore,
    pub database: DatabaseSettings,
    _sqlite_dir: Option<tempfile::TempDir>,
}

/// What the gateway is configured with, beyond the defaults.
pub struct Options {
    pub sqlite: bool,
    pub per_second: u32,
    pub burst: u32,
    pub legacy_api_keys: Vec<&'static str>,
    pub allowed_origins: Vec<&'static str>,
    pub allowed_hosts: Vec<&'static str>,
    pub force_https: bool,
    pub bootstrap_admin_key: bool,
    /// `(kid, secret)` pairs; one test key by default.
    pub jwt_keys: Vec<(&'static str, &'static str)>,
    pub jwt_signing_kid: Option<&'static str>,
    /// Another gateway's database, to run a second replica.
    pub database: Option<DatabaseSettings>,
    pub key_cache_secs: u64,
    pub trusted_proxies: Vec<&'static str>,
    /// The ERP's `SECRET_KEY`.
    pub legacy_jwt_secret: Option<&'static str>,
    /// The slowest body accepted after the grace period (bytes/s, seconds).
    pub uploads: Option<(u64, f64)>,
    pub public_stats: bool,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            sqlite: false,
            per_second: 1000,
            burst: 1000,
            legacy_api_keys: Vec::new(),
            allowed_origins: Vec::new(),
            allowed_hosts: Vec::new(),
            force_https: false,
            bootstrap_admin_key: false,
            jwt_keys: vec![(JWT_KID, JWT_SECRET)],
            jwt_signing_kid: None,
            database: None,
            key_cache_secs: 0,
            trusted_proxies: Vec::new(),
            legacy_jwt_secret: None,
            uploads: None,
            public_stats: true,
        }
    }
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(Options::default()).await
}

/// A gateway in front of a real echo upstream (`/echo/...`), a service
/// nobody listens for (`/down/...`), on a fresh database.
pub async fn spawn_app_with(options: Options) -> TestApp {
    common::testing::init_telemetry();
    let upstream = spawn_upstream().await;
    let mut settings: Settings = load_from(&CONFIG, Default::default()).expect("default settings");
    settings.server.port = 0;
    settings.internal_auth.key = Some(SecretString::from(INTERNAL_KEY));
    let sqlite_dir = (options.sqlite && options.database.is_none()).then(|| tempfile::tempdir().expect("tempdir"));
    settings.database = match (&sqlite_dir, options.database) {
        (_, Some(shared)) => shared,
        (Some(dir), None) => fresh_sqlite(dir.path(), "gateway"),
        (None, None) => fresh_postgres("gateway").await,
    };
    let database = settings.database.clone();
    settings.auth.key_cache_secs = options.key_cache_secs;
    settings.auth.jwt_signing_kid = options.jwt_signing_kid.map(str::to_owned);
    settings.auth.login.trusted_proxies = options.trusted_proxies.iter().map(|p| (*p).to_owned()).collect();
    settings.auth.bootstrap_admin_key = options.bootstrap_admin_key;
    settings.auth.public_stats = options.public_stats;
    settings.auth.legacy_jwt_secret = options.legacy_jwt_secret.map(SecretString::from);
    if let Some((min_bytes_per_sec, grace_secs)) = options.uploads {
        settings.uploads = gateway::configuration::UploadSettings { min_bytes_per_sec, grace_secs };
    }
    settings.auth.legacy_api_keys = options.legacy_api_keys.iter().map(|k| SecretString::from(*k)).collect();
    settings.auth.jwt_keys =
        options.jwt_keys.iter().map(|(kid, secret)| ((*kid).to_owned(), SecretString::from(*secret))).collect();
    settings.rate_limit.per_second = options.per_second;
    settings.rate_limit.burst = options.burst;
    settings.http.allowed_origins = options.allowed_origins.iter().map(|o| (*o).to_owned()).collect();
    settings.http.allowed_hosts = options.allowed_hosts.iter().map(|h| (*h).to_owned()).collect();
    settings.http.force_https = options.force_https;
    let echo = |url: &str| UpstreamSettings {
        url: url.to_owned(),
        timeout_secs: 1,
        max_body_bytes: UPSTREAM_BODY_LIMIT,
        public_prefixes: Vec::new(),
    };
    settings.upstreams = BTreeMap::from([
        ("echo".to_owned(), echo(&upstream)),
        ("erp".to_owned(), echo(&upstream)),
        ("checks".to_owned(), echo(&upstream)),
        (
            "down".to_owned(),
            UpstreamSettings {
                url: format!("http://127.0.0.1:{}", free_port()),
                timeout_secs: 1,
                max_body_bytes: UPSTREAM_BODY_LIMIT,
                public_prefixes: Vec::new(),
            },
        ),
    ]);
    // As the defaults open Check du Matin's heartbeats.
    if let Some(checks) = settings.upstreams.get_mut("checks") {
        checks.public_prefixes = vec!["/api/heartbeat/".to_owned()];
    }
    let application = Application::build(settings).await.expect("gateway builds");
    let address = format!("http://127.0.0.1:{}", application.port());
    let keys = application.key_store().clone();
    tokio::spawn(application.run_until_stopped());
    TestApp {
        address,
        client: reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client"),
        keys,
        database,
        _sqlite_dir: sqlite_dir,
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    pub async fn key(&self, scopes: &str) -> String {
        let scopes = Scopes::parse(scopes).expect("valid scopes");
        self.keys.create("test", &scopes, None).await.expect("create key").1
    }

    pub async fn get_with_key(&self, path: &str, key: &str) -> reqwest::Response {
        self.client.get(self.url(path)).header("X-API-Key", key).send().await.expect("request")
    }
}

impl TestApp {
    /// An API key allowed everything, administration included.
    pub async fn admin_key(&self) -> String {
        self.key("*").await
    }

    pub async fn create_user(&self, admin_key: &str, user: Value) -> Value {
        let response = self
            .client
            .post(self.url("/api/users"))
            .header("X-API-Key", admin_key)
            .json(&user)
            .send()
            .await
            .expect("request");
        assert_eq!(response.status(), 201, "creating {user}");
        response.json().await.expect("user")
    }

    pub async fn login(&self, email: &str, password: &str) -> reqwest::Response {
        self.client
            .post(self.url("/auth/login"))
            .form(&[("username", email), ("password", password)])
            .send()
            .await
            .expect("request")
    }

    /// Signs in and returns the token pair.
    pub async fn signed_in(&self, email: &str, password: &str) -> Value {
        let response = self.login(email, password).await;
        assert_eq!(response.status(), 200, "signing in as {email}");
        response.json().await.expect("tokens")
    }

    pub fn get_with_token(&self, path: &str, token: &Value) -> reqwest::RequestBuilder {
        let access = token["access_token"].as_str().expect("access token");
        self.client.get(self.url(path)).bearer_auth(access)
    }
}

pub const PASSWORD: &str = "a long enough password";

pub async fn problem(response: reqwest::Response) -> Value {
    assert_eq!(response.headers().get("content-type").and_then(|v| v.to_str().ok()), Some("application/problem+json"));
    response.json().await.expect("problem body")
}

/// A real upstream: `/echo/...` returns what it received and the identity
/// it verified; `/slow` answers after the gateway gave up; `/upload` counts
/// the body it received.
async fn spawn_upstream() -> String {
    let key = InternalKey::from_secret(&SecretString::from(INTERNAL_KEY)).expect("key");
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("address").port();
    let server = HttpServer::new(move || {
        App::new()
            .app_data(web::Data::new(key.clone()))
            .route("/health", web::get().to(HttpResponse::Ok))
            .route("/openapi.json", web::get().to(upstream_openapi))
            .route("/slow", web::get().to(slow))
            .route("/upload", web::post().to(upload))
            .default_service(web::to(echo))
    })
    .workers(1)
    .listen(listener)
    .expect("listen")
    .run();
    tokio::spawn(server);
    format!("http://127.0.0.1:{port}")
}

/// The services the echo upstream stands in for.
const ECHOED_SERVICES: [&str; 3] = ["echo", "erp", "checks"];

async fn echo(request: HttpRequest, key: web::Data<InternalKey>) -> HttpResponse {
    let headers: BTreeMap<String, String> = request
        .headers()
        .iter()
        .map(|(name, value)| (name.to_string(), value.to_str().unwrap_or_default().to_owned()))
        .collect();
    let caller = request
        .headers()
        .get(&IDENTITY_HEADER)
        .and_then(|v| v.to_str().ok())
        .and_then(|token| ECHOED_SERVICES.iter().find_map(|service| key.verify(token, service).ok()));
    HttpResponse::Ok().insert_header(("x-upstream", "echo")).json(json!({
        "method": request.method().as_str(),
        "uri": request.uri().to_string(),
        "headers": headers,
        "caller": caller,
    }))
}

async fn slow() -> HttpResponse {
    tokio::time::sleep(Duration::from_secs(3)).await;
    HttpResponse::Ok().finish()
}

async fn upload(body: web::Bytes) -> HttpResponse {
    HttpResponse::Ok().json(json!({"received": body.len()}))
}

async fn upstream_openapi() -> HttpResponse {
    HttpResponse::Ok().json(json!({
        "openapi": "3.1.0",
        "info": {"title": "echo", "version": "1"},
        "paths": {"/upload": {"post": {"responses": {"200": {"description": "ok"}}}}},
    }))
}
