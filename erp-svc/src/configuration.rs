use common::configuration::{
    ConfigSource, Conversion, DatabaseSettings, HttpSettings, InternalAuthSettings, LegacyVariable,
    ObjectStoreSettings, ServerSettings, SmtpSettings, StandaloneSettings, TelemetrySettings,
};
use common::service::Access;
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

[smtp]
from = "Maintenance <maintenance@localhost>"
# The name shown with a bare address (EMAILS_FROM_EMAIL=no-reply@example.com).
from_name = "Maintenance"

[documents]
# Largest document or photo accepted per upload.
max_upload_bytes = 10485760

[scheduler]
# The original's ENABLE_SCHEDULER: preventive plans, reminders.
enabled = false
timezone = "Europe/Paris"
tick_secs = 300
# Preventive interventions are planned this many days ahead of their date.
horizon_days = 30
# Who receives the overdue alerts besides the assigned technicians.
alert_recipients = []

[web]
# Where the gateway serves this service: links in e-mails.
path_prefix = "/erp"
public_url = "http://localhost:8080"
"#,
    legacy: &[
        // The original FastAPI backend's settings.
        LegacyVariable { name: "SMTP_HOST", key: "smtp.host", conversion: Conversion::AsIs },
        LegacyVariable { name: "SMTP_PORT", key: "smtp.port", conversion: Conversion::AsIs },
        LegacyVariable { name: "SMTP_USER", key: "smtp.username", conversion: Conversion::AsIs },
        LegacyVariable { name: "SMTP_PASSWORD", key: "smtp.password", conversion: Conversion::AsIs },
        LegacyVariable { name: "EMAILS_FROM_EMAIL", key: "smtp.from", conversion: Conversion::AsIs },
        LegacyVariable { name: "EMAILS_FROM_NAME", key: "smtp.from_name", conversion: Conversion::AsIs },
        LegacyVariable { name: "ENABLE_SCHEDULER", key: "scheduler.enabled", conversion: Conversion::AsIs },
        LegacyVariable { name: "UPLOAD_DIRECTORY", key: "object_store.local_dir", conversion: Conversion::AsIs },
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
    pub object_store: ObjectStoreSettings,
    pub smtp: SmtpSettings,
    pub documents: DocumentSettings,
    pub scheduler: SchedulerSettings,
    pub web: WebSettings,
}

#[derive(Debug, Clone, Deserialize)]
pub struct DocumentSettings {
    pub max_upload_bytes: u64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct SchedulerSettings {
    pub enabled: bool,
    pub timezone: String,
    pub tick_secs: f64,
    pub horizon_days: u32,
    #[serde(deserialize_with = "common::configuration::string_list")]
    pub alert_recipients: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct WebSettings {
    pub path_prefix: String,
    pub public_url: String,
}

impl Settings {
    pub fn access(&self) -> Access<'_> {
        Access { internal_auth: &self.internal_auth, standalone: &self.standalone, http: &self.http }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    #[test]
    fn the_original_backend_variables_are_read() {
        let variables = HashMap::from([
            ("SMTP_HOST".to_owned(), "relais.example.fr".to_owned()),
            ("SMTP_PORT".to_owned(), "1025".to_owned()),
            ("SMTP_USER".to_owned(), "user".to_owned()),
            ("EMAILS_FROM_EMAIL".to_owned(), "no-reply@example.com".to_owned()),
            ("ENABLE_SCHEDULER".to_owned(), "true".to_owned()),
            ("UPLOAD_DIRECTORY".to_owned(), "app/static/uploads".to_owned()),
            ("CORS_ALLOW_ORIGINS".to_owned(), r#"["http://localhost:3000","http://localhost:8000"]"#.to_owned()),
        ]);
        let settings: Settings = common::configuration::load_from(&CONFIG, variables).expect("settings");
        assert_eq!(settings.smtp.host.as_deref(), Some("relais.example.fr"));
        assert_eq!(settings.smtp.port, 1025);
        assert_eq!(settings.smtp.username.as_deref(), Some("user"));
        assert_eq!(settings.smtp.from, "no-reply@example.com");
        assert!(settings.scheduler.enabled);
        assert_eq!(settings.object_store.local_dir, "app/static/uploads");
        assert_eq!(settings.http.allowed_origins, ["http://localhost:3000", "http://localhost:8000"]);
    }
}
