use common::configuration::{
    ConfigSource, Conversion, DatabaseSettings, HttpSettings, InternalAuthSettings, LegacyVariable, ServerSettings,
    SmtpSettings, StandaloneSettings, TelemetrySettings,
};
use common::service::Access;
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

[smtp]
from = "Check du Matin <check-du-matin@localhost>"
# The name shown with a bare address (MAIL_FROM_ADDRESS=check@example.fr).
from_name = "Check du Matin"

[schedule]
# false: this replica serves the API only (no check creation, no probes).
background = true
timezone = "Europe/Paris"
# The original created checks every 5 minutes; each tick here also
# catches up the working days missed while the service was down.
tick_secs = 300
catch_up_days = 7
# The original's `checks:delete-old --days=60`, daily at 02:00.
retention_days = 60
retention_time = "02:00"
# Rows deleted per statement, so a large purge never holds long locks.
retention_batch = 1000

[probes]
interval_secs = 300
# Attempts after a failure before a probe reports an error.
retries = 2
retry_delay_secs = 5.0
timeout_secs = 10.0
# Probes running at once.
concurrency = 256
# Raw results are folded into daily aggregates after this many days.
raw_retention_days = 7
# Internal networks probes may reach ("10.20.0.0/16", "192.168.1.10"): a
# client's LAN, let in explicitly. Only admins may point a probe there;
# loopback, private, link-local and metadata addresses are refused otherwise.
allowed_networks = []

[web]
# Where the gateway serves this service: links in pages and e-mails.
path_prefix = "/checks"
# The address operators open (the original's APP_URL), for e-mail links.
public_url = "http://localhost:8080"
"#,
    legacy: &[
        // The original Laravel application's mail settings.
        LegacyVariable { name: "MAIL_HOST", key: "smtp.host", conversion: Conversion::AsIs },
        LegacyVariable { name: "MAIL_PORT", key: "smtp.port", conversion: Conversion::AsIs },
        LegacyVariable { name: "MAIL_USERNAME", key: "smtp.username", conversion: Conversion::AsIs },
        LegacyVariable { name: "MAIL_PASSWORD", key: "smtp.password", conversion: Conversion::AsIs },
        LegacyVariable { name: "MAIL_ENCRYPTION", key: "smtp.encryption", conversion: Conversion::AsIs },
        LegacyVariable { name: "MAIL_FROM_ADDRESS", key: "smtp.from", conversion: Conversion::AsIs },
        LegacyVariable { name: "MAIL_FROM_NAME", key: "smtp.from_name", conversion: Conversion::AsIs },
        LegacyVariable { name: "APP_URL", key: "web.public_url", conversion: Conversion::AsIs },
        LegacyVariable { name: "API_KEY", key: "standalone.api_keys", conversion: Conversion::List },
    ],
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
    pub smtp: SmtpSettings,
    pub schedule: ScheduleSettings,
    pub probes: ProbeSettings,
    pub web: WebSettings,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ScheduleSettings {
    pub background: bool,
    pub timezone: String,
    pub tick_secs: f64,
    pub catch_up_days: u32,
    pub retention_days: u32,
    pub retention_time: String,
    pub retention_batch: u32,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ProbeSettings {
    pub interval_secs: f64,
    pub retries: u32,
    pub retry_delay_secs: f64,
    pub timeout_secs: f64,
    pub concurrency: usize,
    pub raw_retention_days: u32,
    #[serde(deserialize_with = "common::configuration::string_list")]
    pub allowed_networks: Vec<String>,
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

    use common::configuration::SmtpEncryption;

    use super::*;

    // The mailer's transport lives on a Tokio runtime.
    #[tokio::test]
    async fn the_original_mail_variables_are_read_as_laravel_meant_them() {
        for (encryption, expected) in
            [("tls", SmtpEncryption::Starttls), ("ssl", SmtpEncryption::Smtps), ("null", SmtpEncryption::None)]
        {
            let variables = HashMap::from([
                ("MAIL_HOST".to_owned(), "relais.example.fr".to_owned()),
                ("MAIL_PORT".to_owned(), "587".to_owned()),
                ("MAIL_ENCRYPTION".to_owned(), encryption.to_owned()),
                ("MAIL_FROM_ADDRESS".to_owned(), "check@example.fr".to_owned()),
            ]);
            let settings: Settings = common::configuration::load_from(&CONFIG, variables).expect("settings");
            assert_eq!(settings.smtp.host.as_deref(), Some("relais.example.fr"));
            assert_eq!(settings.smtp.port, 587);
            assert_eq!(settings.smtp.encryption, expected, "MAIL_ENCRYPTION={encryption}");
            assert_eq!(settings.smtp.from, "check@example.fr");
            let mailer = common::mail::Mailer::from_settings(&settings.smtp).expect("mailer");
            assert_eq!(
                mailer.sender().to_string(),
                "Check du Matin <check@example.fr>",
                "a bare address gets the name"
            );
        }
        let variables = HashMap::from([
            ("MAIL_FROM_ADDRESS".to_owned(), "check@example.fr".to_owned()),
            ("MAIL_FROM_NAME".to_owned(), "Exploitation DSI".to_owned()),
        ]);
        let settings: Settings = common::configuration::load_from(&CONFIG, variables).expect("settings");
        let mailer = common::mail::Mailer::from_settings(&settings.smtp).expect("mailer");
        assert_eq!(mailer.sender().to_string(), "Exploitation DSI <check@example.fr>");
    }
}
