use common::configuration::{
    ConfigSource, Conversion, HttpSettings, InternalAuthSettings, LegacyVariable, ServerSettings, StandaloneSettings,
    TelemetrySettings,
};
use std::path::PathBuf;

use serde::Deserialize;

pub const CONFIG: ConfigSource = ConfigSource {
    service: "facturx",
    env_prefix: "FACTURX",
    defaults: concat!(
        "[server]\nport = 8001\nupload_budget_bytes = 16777216\nblocking_threads_per_worker = 1\n",
        "[limits]\nmax_upload_bytes = 10485760\n",
        "[generate]\nregular_font = \"/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf\"\n",
        "bold_font = \"/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf\"\n",
    ),
    legacy: &[
        // The original FastAPI service's settings.
        LegacyVariable {
            name: "MAX_UPLOAD_SIZE_MB",
            key: "limits.max_upload_bytes",
            conversion: Conversion::MebibytesToBytes,
        },
        LegacyVariable { name: "API_KEY", key: "standalone.api_keys", conversion: Conversion::List },
    ],
};

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
    pub limits: Limits,
    pub generate: GenerateSettings,
}

/// The TrueType faces `generate` typesets invoices in (Debian's
/// fonts-dejavu-core by default); without them `generate` is off.
#[derive(Debug, Clone, Deserialize)]
pub struct GenerateSettings {
    pub regular_font: PathBuf,
    pub bold_font: PathBuf,
}

#[derive(Debug, Clone, Copy, Deserialize)]
pub struct Limits {
    /// The whole request body (`MAX_UPLOAD_SIZE_MB`, 10 MiB by default).
    pub max_upload_bytes: u64,
}
