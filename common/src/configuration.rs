//! Layered configuration shared by every service.
//!
//! Sources, lowest priority first:
//! 1. the built-in defaults (common ones, then the service's own TOML),
//! 2. an optional file (`PLATFORM_CONFIG_FILE`, or `config/<service>.toml`),
//! 3. the legacy variable names of the applications the platform replaces
//!    (`API_KEY`, `DATABASE_URL`, `POSTGRES_*`, `DO_SPACES_*`, ...),
//! 4. `PLATFORM__SECTION__KEY` variables, shared by every service,
//! 5. `<SERVICE>__SECTION__KEY` variables (`GATEWAY__SERVER__PORT=9000`).
//!
//! Legacy names come before the prefixed ones so that a deployment migrating
//! from the old apps keeps working, while an explicit prefixed setting wins.

use std::collections::HashMap;
use std::fmt;

use config::{Config, ConfigError, Environment, File, FileFormat, Map, Source, Value};
use secrecy::{ExposeSecret, SecretString};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};

/// Defaults every service starts from; a service's own TOML overrides them.
const COMMON_DEFAULTS: &str = r#"
environment = "dev"

[server]
host = "127.0.0.1"
port = 0
# Bytes of request bodies a service works on at once; further requests wait
# (unread) up to upload_wait_seconds, then get 503.
upload_budget_bytes = 33554432
upload_wait_seconds = 30

[telemetry]
log_level = "info"
# json_logs: true (one JSON object per line, for collectors) or false (the
# pretty form); unset, JSON unless the standard output is a terminal.

[http]
allowed_origins = []
allowed_hosts = []
force_https = false

[queue]
prefetch = 16
# A publish still unconfirmed after this long (broker down, recovering) fails:
# the API answers 503 rather than holding the request.
publish_timeout_secs = 5.0

[object_store]
local_dir = "data/objects"
"#;

/// How a service's configuration is found.
#[derive(Debug, Clone, Copy)]
pub struct ConfigSource {
    /// Service name, also the file name under `config/` (`gateway`, `facturx`, ...).
    pub service: &'static str,
    /// Environment prefix without separator (`GATEWAY`, `FACTURX`, ...).
    pub env_prefix: &'static str,
    /// The service's built-in defaults, as TOML.
    pub defaults: &'static str,
    /// Legacy variables this service understands beyond the common ones.
    pub legacy: &'static [LegacyVariable],
}

/// A variable name from a legacy app and the setting it feeds.
#[derive(Debug, Clone, Copy)]
pub struct LegacyVariable {
    pub name: &'static str,
    pub key: &'static str,
    pub conversion: Conversion,
}

/// How a legacy value is turned into a setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Conversion {
    AsIs,
    /// `a,b,c` or a JSON array (`["a","b"]`, as the ERP's CORS_ALLOW_ORIGINS).
    List,
    /// Mebibytes to bytes (MAX_UPLOAD_SIZE_MB).
    MebibytesToBytes,
}

const fn legacy(name: &'static str, key: &'static str, conversion: Conversion) -> LegacyVariable {
    LegacyVariable { name, key, conversion }
}

/// Legacy names every service accepts.
pub const COMMON_LEGACY_VARIABLES: &[LegacyVariable] = &[
    legacy("ENV", "environment", Conversion::AsIs),
    legacy("DATABASE_URL", "database.url", Conversion::AsIs),
    legacy("ALLOWED_ORIGINS", "http.allowed_origins", Conversion::List),
    legacy("CORS_ALLOW_ORIGINS", "http.allowed_origins", Conversion::List),
    legacy("ALLOWED_HOSTS", "http.allowed_hosts", Conversion::List),
    legacy("FORCE_HTTPS", "http.force_https", Conversion::AsIs),
    legacy("AMQP_URL", "queue.url", Conversion::AsIs),
    legacy("RABBITMQ_URL", "queue.url", Conversion::AsIs),
    legacy("DO_SPACES_KEY", "object_store.s3.access_key", Conversion::AsIs),
    legacy("DO_SPACES_SECRET", "object_store.s3.secret_key", Conversion::AsIs),
    legacy("DO_SPACES_REGION", "object_store.s3.region", Conversion::AsIs),
    legacy("DO_SPACES_ENDPOINT", "object_store.s3.endpoint", Conversion::AsIs),
    legacy("DO_SPACES_BUCKET", "object_store.s3.bucket", Conversion::AsIs),
    legacy("SMTP_HOST", "smtp.host", Conversion::AsIs),
    legacy("SMTP_PORT", "smtp.port", Conversion::AsIs),
    legacy("SMTP_USER", "smtp.username", Conversion::AsIs),
    legacy("SMTP_PASSWORD", "smtp.password", Conversion::AsIs),
    legacy("EMAILS_FROM_EMAIL", "smtp.from", Conversion::AsIs),
    legacy("WEBHOOK_SECRET", "webhook.secret", Conversion::AsIs),
    legacy("WEBHOOK_TOKEN", "webhook.token", Conversion::AsIs),
    legacy("OTEL_EXPORTER_OTLP_ENDPOINT", "telemetry.otlp_endpoint", Conversion::AsIs),
    legacy("RUST_LOG", "telemetry.log_level", Conversion::AsIs),
    legacy("PLATFORM_INTERNAL_KEY", "internal_auth.key", Conversion::AsIs),
];

/// Loads `T` from the process environment.
pub fn load<T: DeserializeOwned>(source: &ConfigSource) -> Result<T, ConfigError> {
    load_from(source, std::env::vars().collect())
}

/// Loads `T` from the given variables instead of the process environment, so
/// tests and the all-in-one binary never have to mutate the process state.
pub fn load_from<T: DeserializeOwned>(source: &ConfigSource, vars: HashMap<String, String>) -> Result<T, ConfigError> {
    let file = vars.get("PLATFORM_CONFIG_FILE").cloned().unwrap_or_else(|| format!("config/{}", source.service));
    let legacy = LegacySource::from_vars(source.legacy, &vars);
    let shared_env = prefixed_environment("PLATFORM", &vars);
    let service_env = prefixed_environment(source.env_prefix, &vars);
    Config::builder()
        .add_source(File::from_str(COMMON_DEFAULTS, FileFormat::Toml))
        .add_source(File::from_str(source.defaults, FileFormat::Toml))
        .add_source(File::with_name(&file).required(false))
        .add_source(legacy)
        .add_source(shared_env)
        .add_source(service_env)
        .build()?
        .try_deserialize()
}

fn prefixed_environment(prefix: &str, vars: &HashMap<String, String>) -> Environment {
    Environment::with_prefix(prefix)
        .prefix_separator("__")
        .separator("__")
        .source(Some(vars.iter().map(|(k, v)| (k.clone(), v.clone())).collect()))
}

/// The legacy variables present in the environment, already mapped to keys.
#[derive(Debug, Clone)]
struct LegacySource {
    values: Map<String, Value>,
}

impl LegacySource {
    fn from_vars(service_specific: &[LegacyVariable], vars: &HashMap<String, String>) -> Self {
        let mut values = Map::new();
        for variable in COMMON_LEGACY_VARIABLES.iter().chain(service_specific) {
            let Some(raw) = vars.get(variable.name).filter(|v| !v.trim().is_empty()) else {
                continue;
            };
            if let Some(value) = convert(raw, variable.conversion) {
                values.insert(variable.key.to_owned(), value);
            }
        }
        if !values.contains_key("database.url")
            && let Some(url) = postgres_url_from_parts(vars)
        {
            values.insert("database.url".to_owned(), Value::from(url));
        }
        Self { values }
    }
}

impl Source for LegacySource {
    fn clone_into_box(&self) -> Box<dyn Source + Send + Sync> {
        Box::new(self.clone())
    }

    fn collect(&self) -> Result<Map<String, Value>, ConfigError> {
        Ok(self.values.clone())
    }
}

fn convert(raw: &str, conversion: Conversion) -> Option<Value> {
    match conversion {
        Conversion::AsIs => Some(Value::from(raw.trim())),
        Conversion::List => Some(Value::from(split_list(raw))),
        Conversion::MebibytesToBytes => {
            raw.trim().parse::<u64>().ok().and_then(|mib| mib.checked_mul(1024 * 1024)).map(Value::from)
        }
    }
}

/// Accepts `a, b,c` and JSON arrays of strings.
pub fn split_list(raw: &str) -> Vec<String> {
    let trimmed = raw.trim();
    if trimmed.starts_with('[')
        && let Ok(items) = serde_json::from_str::<Vec<String>>(trimmed)
    {
        return items;
    }
    trimmed.split(',').map(str::trim).filter(|item| !item.is_empty()).map(str::to_owned).collect()
}

/// The ERP seed configures PostgreSQL with `POSTGRES_HOST`, `POSTGRES_USER`, ...
fn postgres_url_from_parts(vars: &HashMap<String, String>) -> Option<String> {
    let host = vars.get("POSTGRES_HOST")?;
    let user = vars.get("POSTGRES_USER").map_or("postgres", String::as_str);
    let port = vars.get("POSTGRES_PORT").map_or("5432", String::as_str);
    let database = vars.get("POSTGRES_DB").map_or(user, String::as_str);
    let credentials = match vars.get("POSTGRES_PASSWORD") {
        Some(password) => format!("{}:{}", percent_encode(user), percent_encode(password)),
        None => percent_encode(user),
    };
    Some(format!("postgres://{credentials}@{host}:{port}/{database}"))
}

fn percent_encode(raw: &str) -> String {
    raw.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Deserializes a list given either as a sequence or as a comma-separated
/// string (environment variables can only carry the latter).
pub fn string_list<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum ListOrString {
        List(Vec<String>),
        String(String),
    }
    Ok(match ListOrString::deserialize(deserializer)? {
        ListOrString::List(items) => items,
        ListOrString::String(raw) => split_list(&raw),
    })
}

/// Same as [`string_list`] for numbers (`"0.5, 2"` or `[0.5, 2]`).
pub fn number_list<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<f64>, D::Error> {
    use serde::de::Error as _;
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Item {
        Number(f64),
        Text(String),
    }
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum ListOrString {
        List(Vec<Item>),
        String(String),
    }
    let items = match ListOrString::deserialize(deserializer)? {
        ListOrString::List(items) => items,
        ListOrString::String(raw) => split_list(&raw).into_iter().map(Item::Text).collect(),
    };
    items
        .into_iter()
        .map(|item| match item {
            Item::Number(number) => Ok(number),
            Item::Text(text) => text.trim().parse().map_err(|_| D::Error::custom(format!("`{text}` is not a number"))),
        })
        .collect()
}

/// Same as [`string_list`] for secrets: each item is wrapped before it can leak.
pub fn secret_list<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<SecretString>, D::Error> {
    Ok(string_list(deserializer)?.into_iter().map(SecretString::from).collect())
}

#[derive(Debug, Clone, Deserialize)]
pub struct ServerSettings {
    pub host: String,
    pub port: u16,
    /// Bytes of request bodies a service works on at once (see
    /// [`crate::http::upload::UploadBudget`]); the gateway streams bodies
    /// through and does not use it.
    pub upload_budget_bytes: u64,
    /// How long a request may wait for room in that budget before 503.
    pub upload_wait_seconds: u64,
    /// Threads each worker may run blocking work on (`web::block`, file
    /// I/O); actix's default (512 shared by the workers) when unset. A
    /// thread that has run stays for a while with its stack and its
    /// allocator cache: facturx-svc, whose blocking work is CPU only, keeps
    /// one per worker.
    #[serde(default)]
    pub blocking_threads_per_worker: Option<std::num::NonZeroUsize>,
}

impl ServerSettings {
    pub fn address(&self) -> String {
        format!("{}:{}", self.host, self.port)
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct TelemetrySettings {
    pub log_level: String,
    /// Unset: JSON unless the standard output is a terminal.
    pub json_logs: Option<bool>,
    pub otlp_endpoint: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct HttpSettings {
    #[serde(deserialize_with = "string_list")]
    pub allowed_origins: Vec<String>,
    #[serde(deserialize_with = "string_list")]
    pub allowed_hosts: Vec<String>,
    pub force_https: bool,
}

#[derive(Clone, Deserialize)]
pub struct DatabaseSettings {
    /// `postgres://...` or `sqlite://path?mode=rwc`.
    pub url: SecretString,
    /// PostgreSQL schema holding this service's tables, so services can share
    /// one database without their migrations colliding.
    pub schema: String,
    #[serde(default = "default_max_connections")]
    pub max_connections: u32,
}

fn default_max_connections() -> u32 {
    10
}

impl fmt::Debug for DatabaseSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DatabaseSettings")
            .field("url", &redact_url(self.url.expose_secret()))
            .field("schema", &self.schema)
            .field("max_connections", &self.max_connections)
            .finish()
    }
}

/// Keeps the scheme and host of a URL, drops credentials, path and query.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return "[REDACTED]".to_owned();
    };
    let authority = rest.split(['/', '?']).next().unwrap_or_default();
    let host = authority.rsplit_once('@').map_or(authority, |(_, host)| host);
    format!("{scheme}://{host}/[REDACTED]")
}

#[derive(Clone, Deserialize)]
pub struct QueueSettings {
    /// `amqp://...` selects RabbitMQ; absent selects the in-process queue.
    pub url: Option<SecretString>,
    pub prefetch: u16,
    pub publish_timeout_secs: f64,
}

impl fmt::Debug for QueueSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("QueueSettings")
            .field("url", &self.url.as_ref().map(|u| redact_url(u.expose_secret())))
            .field("prefetch", &self.prefetch)
            .field("publish_timeout_secs", &self.publish_timeout_secs)
            .finish()
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct ObjectStoreSettings {
    /// Used when no S3 bucket is configured.
    pub local_dir: String,
    pub s3: Option<S3Settings>,
}

/// An S3-compatible bucket (AWS, DigitalOcean Spaces, MinIO, ...). `Debug`
/// comes from secrecy and prints `[REDACTED]` for the secret key.
#[derive(Debug, Clone, Deserialize)]
pub struct S3Settings {
    pub endpoint: Option<String>,
    #[serde(default = "default_region")]
    pub region: String,
    pub bucket: String,
    pub access_key: String,
    pub secret_key: SecretString,
    #[serde(default)]
    pub allow_http: bool,
}

fn default_region() -> String {
    "us-east-1".to_owned()
}

/// The SMTP relay e-mails go through. Without `host` nothing is sent (the
/// embedded defaults have no relay); what would have been sent is logged
/// by subject only.
#[derive(Debug, Clone, Deserialize, Default)]
pub struct SmtpSettings {
    pub host: Option<String>,
    #[serde(default = "default_smtp_port")]
    pub port: u16,
    pub username: Option<String>,
    pub password: Option<SecretString>,
    /// `none` (the seeds' relay on port 25), `starttls` (Laravel's `tls`)
    /// or `smtps`, TLS from the first byte (Laravel's `ssl`).
    #[serde(default)]
    pub encryption: SmtpEncryption,
    /// The sender address, `Name <address>` or a bare address.
    #[serde(default = "default_smtp_from")]
    pub from: String,
    /// The name shown with a bare `from` address (Laravel's
    /// `MAIL_FROM_NAME`): spam filters and people distrust a bare From.
    #[serde(default)]
    pub from_name: Option<String>,
    /// Waits between attempts when the relay refuses or is unreachable.
    #[serde(default = "default_smtp_retry_delays", deserialize_with = "number_list")]
    pub retry_delays_secs: Vec<f64>,
    #[serde(default = "default_smtp_timeout")]
    pub timeout_secs: f64,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SmtpEncryption {
    #[default]
    #[serde(alias = "null", alias = "")]
    None,
    #[serde(alias = "tls")]
    Starttls,
    #[serde(alias = "ssl")]
    Smtps,
}

fn default_smtp_port() -> u16 {
    25
}

fn default_smtp_from() -> String {
    "Plateforme <no-reply@localhost>".to_owned()
}

fn default_smtp_retry_delays() -> Vec<f64> {
    vec![2.0, 10.0, 60.0, 300.0]
}

fn default_smtp_timeout() -> f64 {
    30.0
}

/// The key the gateway signs forwarded identities with and services verify.
#[derive(Debug, Clone, Deserialize, Default)]
pub struct InternalAuthSettings {
    pub key: Option<SecretString>,
}

/// How outgoing webhooks are authenticated: the Standard Webhooks
/// signature (`WEBHOOK_SECRET`) and the seed's optional bearer token
/// (`WEBHOOK_TOKEN`).
#[derive(Debug, Clone, Deserialize, Default)]
pub struct WebhookSettings {
    pub secret: Option<SecretString>,
    pub token: Option<SecretString>,
}

/// A service deployed on its own, as the legacy apps were: callers present
/// one of `api_keys` (the legacy `API_KEY` list) in `X-API-Key`, and the
/// `[http]` edge settings apply. Off by default, so that the edge settings
/// shared with the gateway never reach a service behind it.
#[derive(Debug, Clone, Deserialize, Default)]
pub struct StandaloneSettings {
    #[serde(default)]
    pub enabled: bool,
    #[serde(default, deserialize_with = "secret_list")]
    pub api_keys: Vec<SecretString>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Deserialize)]
    struct Sample {
        environment: String,
        server: ServerSettings,
        http: HttpSettings,
        database: DatabaseSettings,
        limit: Option<u64>,
    }

    const SAMPLE: ConfigSource = ConfigSource {
        service: "sample",
        env_prefix: "SAMPLE",
        defaults: "[database]\nurl = \"sqlite://data/sample.db\"\nschema = \"sample\"\n",
        legacy: &[legacy("MAX_UPLOAD_SIZE_MB", "limit", Conversion::MebibytesToBytes)],
    };

    fn vars(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    #[test]
    fn defaults_apply_without_any_variable() {
        let sample: Sample = load_from(&SAMPLE, vars(&[])).expect("defaults load");
        assert_eq!(sample.environment, "dev");
        assert_eq!(sample.server.host, "127.0.0.1");
        assert_eq!(sample.database.url.expose_secret(), "sqlite://data/sample.db");
        assert!(sample.http.allowed_origins.is_empty());
        assert_eq!(sample.limit, None);
    }

    #[test]
    fn legacy_names_are_aliases() {
        let sample: Sample = load_from(
            &SAMPLE,
            vars(&[
                ("ENV", "prod"),
                ("ALLOWED_ORIGINS", "https://a.example, https://b.example"),
                ("FORCE_HTTPS", "true"),
                ("MAX_UPLOAD_SIZE_MB", "12"),
                ("DATABASE_URL", "postgres://u:p@db:5432/app"),
            ]),
        )
        .expect("legacy load");
        assert_eq!(sample.environment, "prod");
        assert_eq!(sample.http.allowed_origins, ["https://a.example", "https://b.example"]);
        assert!(sample.http.force_https);
        assert_eq!(sample.limit, Some(12 * 1024 * 1024));
        assert_eq!(sample.database.url.expose_secret(), "postgres://u:p@db:5432/app");
    }

    #[test]
    fn erp_json_cors_list_and_postgres_parts_are_understood() {
        let sample: Sample = load_from(
            &SAMPLE,
            vars(&[
                ("CORS_ALLOW_ORIGINS", r#"["http://localhost:3000","http://localhost:8000"]"#),
                ("POSTGRES_USER", "erp_user"),
                ("POSTGRES_PASSWORD", "p@ss word"),
                ("POSTGRES_DB", "erp_db"),
                ("POSTGRES_HOST", "db"),
            ]),
        )
        .expect("erp load");
        assert_eq!(sample.http.allowed_origins, ["http://localhost:3000", "http://localhost:8000"]);
        assert_eq!(sample.database.url.expose_secret(), "postgres://erp_user:p%40ss%20word@db:5432/erp_db");
    }

    #[test]
    fn prefixed_variables_beat_shared_ones_which_beat_legacy_ones() {
        let sample: Sample = load_from(
            &SAMPLE,
            vars(&[
                ("ENV", "legacy"),
                ("PLATFORM__ENVIRONMENT", "shared"),
                ("PLATFORM__SERVER__PORT", "7000"),
                ("SAMPLE__SERVER__PORT", "9000"),
                ("SAMPLE__HTTP__ALLOWED_HOSTS", "a.example,b.example"),
            ]),
        )
        .expect("prefixed load");
        assert_eq!(sample.environment, "shared");
        assert_eq!(sample.server.port, 9000);
        assert_eq!(sample.http.allowed_hosts, ["a.example", "b.example"]);
    }

    #[test]
    fn a_bad_value_is_a_clear_error() {
        let error = load_from::<Sample>(&SAMPLE, vars(&[("SAMPLE__SERVER__PORT", "eighty")]))
            .expect_err("port must be a number");
        assert!(error.to_string().contains("port"), "{error}");
    }

    #[test]
    fn debug_output_never_shows_secrets() {
        let sample: Sample =
            load_from(&SAMPLE, vars(&[("DATABASE_URL", "postgres://user:hunter2@db:5432/app")])).expect("load");
        let printed = format!("{sample:?}");
        assert!(!printed.contains("hunter2"), "{printed}");
        assert!(printed.contains("postgres://db:5432/[REDACTED]"), "{printed}");

        let s3: S3Settings = serde_json::from_value(serde_json::json!({
            "bucket": "b", "access_key": "AK", "secret_key": "s3cr3t-value"
        }))
        .expect("s3 settings");
        assert!(!format!("{s3:?}").contains("s3cr3t-value"));
    }
}
