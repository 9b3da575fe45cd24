#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let settings: facturx_svc::configuration::Settings =
        common::configuration::load(&facturx_svc::configuration::CONFIG)?;
    let _telemetry = common::telemetry::init("facturx", &settings.telemetry)?;
    facturx_svc::startup::build(&settings).await?.run_until_stopped().await?;
    Ok(())
}
