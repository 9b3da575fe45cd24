use common::configuration::{
    ConfigSource, HttpSettings, InternalAuthSettings, ServerSettings, StandaloneSettings, TelemetrySettings,
};
use serde::Deserialize;

pub const CONFIG: ConfigSource =
    ConfigSource { service: "facturx", env_prefix: "FACTURX", defaults: "[server]\nport = 8001\n", legacy: &[] };

/// Stateless: no database, no object store.
#[derive(Debug, Clone, Deserialize)]
pub struct Settings {
    pub server: ServerSettings,
    pub telemetry: TelemetrySettings,
    #[serde(default)]
    pub internal_auth: InternalAuthSettings,
    #[serde(default)]
    pub standalone: StandaloneSettings,
    pub http: HttpSettings,
}
