//! The commands of `checks-svc` and `platform checks`.

use chrono::Utc;

use crate::configuration::Settings;
use crate::startup::Components;

pub const USAGE: &str = "delete-old [--days N]";

/// Runs one command and returns what to print.
pub async fn run(settings: &Settings, arguments: &[String]) -> anyhow::Result<String> {
    match arguments.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        // The original's `php artisan checks:delete-old --days=60`.
        ["delete-old", rest @ ..] => {
            let days = match rest {
                [] => settings.schedule.retention_days,
                ["--days", days] => days.parse()?,
                [option] if option.starts_with("--days=") => option["--days=".len()..].parse()?,
                _ => anyhow::bail!("usage: {USAGE}"),
            };
            let components = Components::connect(settings).await?;
            let deleted = components.scheduler.purge(Utc::now(), days).await?;
            Ok(format!("{deleted} checks older than {days} days deleted"))
        }
        _ => anyhow::bail!("usage: {USAGE}"),
    }
}
