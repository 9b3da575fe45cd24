#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let settings: checks_svc::configuration::Settings =
        common::configuration::load(&checks_svc::configuration::CONFIG)?;
    let _telemetry = common::telemetry::init("checks", &settings.telemetry)?;
    checks_svc::startup::build(&settings).await?.run_until_stopped().await?;
    Ok(())
}
