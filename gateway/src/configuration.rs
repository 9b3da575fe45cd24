use std::collections::BTreeMap;
use std::time::Duration;

use common::configuration::{
    ConfigSource, Conversion, DatabaseSettings, HttpSettings, InternalAuthSettings, LegacyVariable, ServerSettings,
    TelemetrySettings, secret_list,
};
use secrecy::SecretString;
use serde::Deserialize;

pub const CONFIG: ConfigSource = ConfigSource {
    service: "gateway",
    env_prefix: "GATEWAY",
    defaults: include_str!("../defaults.toml"),
    legacy: &[
        // The OCR app's comma-separated list of accepted keys.
        LegacyVariable {
            name: "API_KEY",
            key: "auth.legacy_api_keys",
            conversion: Conversion::List,
        },
        // The ERP's JWT signing secret: its tokens stay valid.
        LegacyVariable {
            name: "SECRET_KEY",
            key: "auth.legacy_jwt_secret",
            conversion: Conversion::AsIs,
        },
        LegacyVariable {
            name: "MAX_UPLOAD_SIZE_MB",
            key: "upstreams.facturx.max_body_bytes",
            conversion: Conversion::MebibytesToBytes,
        },
        LegacyVariable {
            name: "MAX_CONTENT_LENGTH",
            key: "upstreams.ocr.max_body_bytes",
            conversion: Conversion::AsIs,
        },
    ],
};

#[derive(Debug, Clone, Deserialize)]
pub struct Settings {
    pub environment: String,
    pub server: ServerSettings,
    pub database: DatabaseSettings,
    pub telemetry: TelemetrySettings,
    pub http: HttpSettings,
    #[serde(default)]
    pub internal_auth: InternalAuthSettings,
    pub auth: AuthSettings,
    pub rate_limit: RateLimitSettings,
    /// Path prefix (`facturx`) to the service behind it.
    pub upstreams: BTreeMap<String, UpstreamSettings>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct UpstreamSettings {
    pub url: String,
    pub timeout_secs: u64,
    pub max_body_bytes: u64,
}

impl UpstreamSettings {
    pub fn timeout(&self) -> Duration {
        Duration::from_secs(self.timeout_secs)
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct AuthSettings {
    /// Keys from `API_KEY`, accepted for every service.
    #[serde(default, deserialize_with = "secret_list")]
    pub legacy_api_keys: Vec<SecretString>,
    /// How long a key lookup is trusted before the database is asked again:
    /// the longest a revocation takes to reach every replica.
    pub key_cache_secs: u64,
    /// JWT verification keys by key id (`kid`), so signing keys rotate
    /// without logging everyone out.
    #[serde(default)]
    pub jwt_keys: BTreeMap<String, SecretString>,
    /// The ERP's `SECRET_KEY`, for tokens without a key id.
    pub legacy_jwt_secret: Option<SecretString>,
    /// Create and print an admin key when the key table is empty.
    pub bootstrap_admin_key: bool,
}

#[derive(Debug, Clone, Deserialize)]
pub struct RateLimitSettings {
    /// Sustained requests per second allowed to one credential.
    pub per_second: u32,
    /// Requests one credential may send at once above the sustained rate.
    pub burst: u32,
}
