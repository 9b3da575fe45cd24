use common::configuration::{
    ConfigSource, DatabaseSettings, HttpSettings, InternalAuthSettings, ServerSettings, StandaloneSettings,
    TelemetrySettings,
};
use serde::Deserialize;

pub const CONFIG: ConfigSource = ConfigSource {
    service: "checks",
    env_prefix: "CHECKS",
    defaults: r#"
[server]
port = 8004

[database]
url = "sqlite://data/checks.db"
schema = "checks"
"#,
    legacy: &[],
};

#[derive(Debug, Clone, Deserialize)]
pub struct Settings {
    pub server: ServerSettings,
    pub telemetry: TelemetrySettings,
    #[serde(default)]
    pub internal_auth: InternalAuthSettings,
    #[serde(default)]
    pub standalone: StandaloneSettings,
    pub http: HttpSettings,
    pub database: DatabaseSettings,
}
