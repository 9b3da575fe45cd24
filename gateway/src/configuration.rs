use std::collections::BTreeMap;
use std::time::Duration;

use common::configuration::{
    ConfigSource, Conversion, DatabaseSettings, HttpSettings, InternalAuthSettings, LegacyVariable, ServerSettings,
    TelemetrySettings, secret_list,
};
use secrecy::SecretString;
use serde::Deserialize;

use crate::identity::passwords::Argon2Settings;
use crate::identity::throttle::LoginLimits;

pub const CONFIG: ConfigSource = ConfigSource {
    service: "gateway",
    env_prefix: "GATEWAY",
    defaults: include_str!("../defaults.toml"),
    legacy: &[
        // The OCR app's comma-separated list of accepted keys.
        LegacyVariable { name: "API_KEY", key: "auth.legacy_api_keys", conversion: Conversion::List },
        // The ERP's JWT signing secret: its tokens stay valid.
        LegacyVariable { name: "SECRET_KEY", key: "auth.legacy_jwt_secret", conversion: Conversion::AsIs },
        // The ERP's access-token lifetime.
        LegacyVariable {
            name: "ACCESS_TOKEN_EXPIRE_MINUTES",
            key: "auth.access_token_minutes",
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
    pub uploads: UploadSettings,
    /// Path prefix (`facturx`) to the service behind it.
    pub upstreams: BTreeMap<String, UpstreamSettings>,
}

/// How slowly a client may send a request body: past the grace period, a
/// body arriving at less than the minimum rate on average is cut with 408,
/// so that a slow client cannot hold a service's upload budget.
#[derive(Debug, Clone, Copy, Deserialize)]
pub struct UploadSettings {
    pub min_bytes_per_sec: u64,
    pub grace_secs: f64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct UpstreamSettings {
    pub url: String,
    pub timeout_secs: u64,
    pub max_body_bytes: u64,
    /// Paths under the service's prefix (`/api/heartbeat/`) anyone may call
    /// without credentials, rate-limited per client address; the rest of the
    /// path (a token) is what the service checks.
    #[serde(default, deserialize_with = "common::configuration::string_list")]
    pub public_prefixes: Vec<String>,
}

impl UpstreamSettings {
    /// Whether `path` (after the service's prefix) is one of its public
    /// paths: a public prefix followed by one token (URL-safe base64
    /// characters only, so no dot segment or escape can lead elsewhere).
    pub fn is_public(&self, path: &str) -> bool {
        let token = |rest: &str| {
            !rest.is_empty() && rest.bytes().all(|byte| byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_'))
        };
        self.public_prefixes.iter().any(|prefix| path.strip_prefix(prefix.as_str()).is_some_and(token))
    }

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
    /// The key id that signs new tokens; by default the last of
    /// `jwt_keys` in order. With no `jwt_keys` at all, a key kept in the
    /// database signs.
    pub jwt_signing_kid: Option<String>,
    /// The ERP's `SECRET_KEY`, for tokens without a key id.
    pub legacy_jwt_secret: Option<SecretString>,
    /// On a fresh installation, create and print a first admin user and
    /// API key.
    pub bootstrap_admin_key: bool,
    /// `/api/stats` without credentials (the users server's monitoring);
    /// the counts per role and of API keys stay for administrators.
    pub public_stats: bool,
    /// The first admin's e-mail address.
    pub bootstrap_admin_email: String,
    pub access_token_minutes: i64,
    /// How long a sign-in lasts without signing in again.
    pub refresh_token_days: i64,
    pub argon2: Argon2Settings,
    pub login: LoginLimits,
}

#[derive(Debug, Clone, Deserialize)]
pub struct RateLimitSettings {
    /// Sustained requests per second allowed to one credential.
    pub per_second: u32,
    /// Requests one credential may send at once above the sustained rate.
    pub burst: u32,
}
