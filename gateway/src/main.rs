use gateway::configuration::{CONFIG, Settings};
use gateway::startup::Application;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let settings: Settings = common::configuration::load(&CONFIG)?;
    let _telemetry = common::telemetry::init("gateway", &settings.telemetry)?;
    let application = Application::build(settings).await?;
    tracing::info!(port = application.port(), "gateway listening");
    application.run_until_stopped().await?;
    Ok(())
}
