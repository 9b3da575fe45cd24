use common::configuration::{ConfigSource, DatabaseSettings, InternalAuthSettings, ServerSettings, TelemetrySettings};
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
    pub database: DatabaseSettings,
}
