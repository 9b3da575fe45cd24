use common::configuration::{
    ConfigSource, Conversion, DatabaseSettings, HttpSettings, InternalAuthSettings, LegacyVariable,
    ObjectStoreSettings, QueueSettings, ServerSettings, StandaloneSettings, TelemetrySettings, WebhookSettings,
};
use common::service::Access;
use serde::Deserialize;

use crate::engine::{Engine, OcrError, OcrPool, PixelLimits, ReadingLimits};
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
# A longer PDF is refused (422 too_many_pages) before any page is read.
max_pages = 20
# Pixels of one page or image: an A3 page at 300 dpi is 17.4 M, an A4 one
# at 600 dpi 34.8 M. A larger PDF page is rasterised at a lower resolution
# (down to 150 dpi); a larger image is refused (422 image_too_large).
max_page_pixels = 40000000
# Pixels of all the pages read by OCR in one document (20 A4 pages at 300 dpi: 174 M).
max_document_pixels = 200000000
# Decoded images in memory at once, in the whole process; a page waits for room.
decode_budget_bytes = 268435456
# Poppler processes at once in the whole process, and pages of one document
# in progress at once; 0: one per core.
tool_processes = 0
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
    pub max_pages: usize,
    pub max_page_pixels: u64,
    pub max_document_pixels: u64,
    pub decode_budget_bytes: u64,
    pub tool_processes: usize,
    /// Back each analysis up to the object store; unset follows the seed:
    /// on exactly when an S3 bucket is configured.
    #[serde(default)]
    pub backup: Option<bool>,
}

impl AnalysisSettings {
    pub fn threads(&self) -> usize {
        or_cores(self.ocr_threads)
    }

    /// The engine these settings describe, its OCR threads started.
    pub fn engine(&self) -> Result<Engine, OcrError> {
        let limits = PixelLimits {
            max_page_pixels: self.max_page_pixels,
            max_document_pixels: self.max_document_pixels,
            decode_budget_bytes: self.decode_budget_bytes,
        };
        let ocr = OcrPool::start(self.threads(), &self.ocr_language, limits)?;
        Ok(Engine::new(ocr, ReadingLimits { max_pages: self.max_pages, tool_processes: or_cores(self.tool_processes) }))
    }
}

/// `configured`, or one per core when it is 0.
fn or_cores(configured: usize) -> usize {
    if configured > 0 { configured } else { std::thread::available_parallelism().map_or(2, usize::from) }
}
