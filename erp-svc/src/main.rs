#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let settings: erp_svc::configuration::Settings = common::configuration::load(&erp_svc::configuration::CONFIG)?;
    let _telemetry = common::telemetry::init("erp", &settings.telemetry)?;
    erp_svc::startup::build(&settings).await?.run_until_stopped().await?;
    Ok(())
}
