use common::configuration::{
    ConfigSource, DatabaseSettings, HttpSettings, InternalAuthSettings, ObjectStoreSettings, ServerSettings,
    StandaloneSettings, TelemetrySettings,
};
use serde::Deserialize;

pub const CONFIG: ConfigSource = ConfigSource {
    service: "erp",
    env_prefix: "ERP",
    defaults: r#"
[server]
port = 8003

[database]
url = "sqlite://data/erp.db"
schema = "erp"
"#,
    legacy: &[],
};

#[derive(Debug, Clone, Deserialize)]
pub struct Settings {
    pub environment: String,
    pub server: ServerSettings,
    pub telemetry: TelemetrySettings,
    #[serde(default)]
    pub internal_auth: InternalAuthSettings,
    #[serde(default)]
    pub standalone: StandaloneSettings,
    pub http: HttpSettings,
    pub database: DatabaseSettings,
    pub object_store: ObjectStoreSettings,
}
