use gateway::configuration::{CONFIG, Settings};
use gateway::startup::Application;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let settings: Settings = common::configuration::load(&CONFIG)?;
    let arguments: Vec<String> = std::env::args().skip(1).collect();
    if arguments.first().map(String::as_str) == Some("admin") {
        let report = gateway::admin_cli::run(&settings, &arguments[1..]).await?;
        println!("{report}");
        return Ok(());
    }
    if !arguments.is_empty() {
        anyhow::bail!("usage: gateway [admin ...]\n{}", gateway::admin_cli::USAGE);
    }
    let _telemetry = common::telemetry::init("gateway", &settings.telemetry)?;
    let application = Application::build(settings).await?;
    tracing::info!(port = application.port(), "gateway listening");
    application.run_until_stopped().await?;
    Ok(())
}
