use common::configuration::{
    ConfigSource, DatabaseSettings, InternalAuthSettings, ObjectStoreSettings, QueueSettings, ServerSettings,
    TelemetrySettings,
};
use serde::Deserialize;

pub const CONFIG: ConfigSource = ConfigSource {
    service: "ocr",
    env_prefix: "OCR",
    defaults: r#"
[server]
port = 8002

[database]
url = "sqlite://data/ocr.db"
schema = "ocr"
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
    pub database: DatabaseSettings,
    pub queue: QueueSettings,
    pub object_store: ObjectStoreSettings,
}
