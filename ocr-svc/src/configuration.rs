use common::configuration::{
    ConfigSource, Conversion, DatabaseSettings, HttpSettings, InternalAuthSettings, LegacyVariable,
    ObjectStoreSettings, QueueSettings, ServerSettings, StandaloneSettings, TelemetrySettings,
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

[analysis]
# The seed's limit: 16 MiB per request.
max_content_length = 16777216
# 0: one OCR engine per core.
ocr_threads = 0
ocr_language = "fra"
# Unset: back analyses up when an S3 bucket (DO_SPACES_*) is configured.
# backup = true
"#,
    legacy: &[
        LegacyVariable { name: "MAX_CONTENT_LENGTH", key: "analysis.max_content_length", conversion: Conversion::AsIs },
        // Read only when the service runs standalone (`OCR__STANDALONE__ENABLED=true`).
        LegacyVariable { name: "API_KEY", key: "standalone.api_keys", conversion: Conversion::List },
    ],
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
    pub queue: QueueSettings,
    pub object_store: ObjectStoreSettings,
    pub analysis: AnalysisSettings,
}

#[derive(Debug, Clone, Deserialize)]
pub struct AnalysisSettings {
    pub max_content_length: u64,
    pub ocr_threads: usize,
    pub ocr_language: String,
    /// Back each analysis up to the object store; unset follows the seed:
    /// on exactly when an S3 bucket is configured.
    #[serde(default)]
    pub backup: Option<bool>,
}

impl AnalysisSettings {
    pub fn threads(&self) -> usize {
        if self.ocr_threads > 0 {
            self.ocr_threads
        } else {
            std::thread::available_parallelism().map_or(2, usize::from)
        }
    }
}
