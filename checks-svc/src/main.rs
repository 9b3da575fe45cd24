use checks_svc::configuration::{CONFIG, Settings};
use checks_svc::startup::{self, Components};
use chrono::Utc;

const USAGE: &str = "usage: checks-svc [delete-old --days N]";

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let settings: Settings = common::configuration::load(&CONFIG)?;
    let _telemetry = common::telemetry::init("checks", &settings.telemetry)?;
    let arguments: Vec<String> = std::env::args().skip(1).collect();
    match arguments.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        [] => startup::build(&settings).await?.run_until_stopped().await?,
        // The original's `php artisan checks:delete-old --days=60`.
        ["delete-old", rest @ ..] => {
            let days = match rest {
                [] => settings.schedule.retention_days,
                ["--days", days] => days.parse()?,
                [option] if option.starts_with("--days=") => option["--days=".len()..].parse()?,
                _ => anyhow::bail!(USAGE),
            };
            let components = Components::connect(&settings).await?;
            let deleted = components.scheduler.purge(Utc::now(), days).await?;
            println!("{deleted} checks older than {days} days deleted");
        }
        _ => anyhow::bail!(USAGE),
    }
    Ok(())
}
