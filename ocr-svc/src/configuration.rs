use common::configuration::{
    ConfigSource, Conversion, DatabaseSettings, HttpSettings, InternalAuthSettings, LegacyVariable,
    ObjectStoreSettings, QueueSettings, ServerSettings, StandaloneSettings, TelemetrySettings, WebhookSettings,
};
use common::service::Access;
use serde::Deserialize;

use crate::jobs::{JOBS_QUEUE, WEBHOOKS_QUEUE};

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

[jobs]
# The seed's Celery limits (CELERY_TASK_SOFT_TIME_LIMIT / CELERY_TASK_TIME_LIMIT).
soft_time_limit_secs = 540.0
hard_time_limit_secs = 600.0
max_attempts = 5
retry_delays_secs = [10.0, 60.0, 300.0, 900.0]
# Standard Webhooks-like schedule: 5 s, 30 s, 2 min, 10 min, 30 min, 1 h, 3 h, 6 h.
webhook_retry_delays_secs = [5.0, 30.0, 120.0, 600.0, 1800.0, 3600.0, 10800.0, 21600.0]
webhook_timeout_secs = 15.0
# Networks webhooks may reach although internal (development, tests): "127.0.0.1/32".
webhook_allowed_networks = []
# Jobs analysed at once by one worker process.
concurrency = 2
# Prefixed to the queue names (ocr.jobs, ocr.webhooks), to share a broker.
queue_prefix = ""
# Unset: the API runs a worker itself only with the in-process queue (nothing
# else could consume it); with RabbitMQ, ocr-worker processes do. The
# all-in-one binary always runs one.
# run_worker = true
"#,
    legacy: &[
        LegacyVariable { name: "MAX_CONTENT_LENGTH", key: "analysis.max_content_length", conversion: Conversion::AsIs },
        LegacyVariable {
            name: "CELERY_TASK_SOFT_TIME_LIMIT",
            key: "jobs.soft_time_limit_secs",
            conversion: Conversion::AsIs,
        },
        LegacyVariable {
            name: "CELERY_TASK_TIME_LIMIT",
            key: "jobs.hard_time_limit_secs",
            conversion: Conversion::AsIs,
        },
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
    pub jobs: JobSettings,
    #[serde(default)]
    pub webhook: WebhookSettings,
}

#[derive(Debug, Clone, Deserialize)]
pub struct JobSettings {
    pub soft_time_limit_secs: f64,
    pub hard_time_limit_secs: f64,
    pub max_attempts: u32,
    #[serde(deserialize_with = "common::configuration::number_list")]
    pub retry_delays_secs: Vec<f64>,
    #[serde(deserialize_with = "common::configuration::number_list")]
    pub webhook_retry_delays_secs: Vec<f64>,
    pub webhook_timeout_secs: f64,
    #[serde(deserialize_with = "common::configuration::string_list")]
    pub webhook_allowed_networks: Vec<String>,
    pub concurrency: usize,
    pub queue_prefix: String,
    #[serde(default)]
    pub run_worker: Option<bool>,
}

impl Settings {
    /// Who may call the API (and the worker's endpoints).
    pub fn access(&self) -> Access<'_> {
        Access { internal_auth: &self.internal_auth, standalone: &self.standalone, http: &self.http }
    }
}

impl JobSettings {
    pub fn jobs_queue(&self) -> String {
        format!("{}{JOBS_QUEUE}", self.queue_prefix)
    }

    pub fn webhooks_queue(&self) -> String {
        format!("{}{WEBHOOKS_QUEUE}", self.queue_prefix)
    }
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
