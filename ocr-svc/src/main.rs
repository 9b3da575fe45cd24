#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let settings: ocr_svc::configuration::Settings = common::configuration::load(&ocr_svc::configuration::CONFIG)?;
    let _telemetry = common::telemetry::init("ocr", &settings.telemetry)?;
    ocr_svc::startup::build(&settings).await?.run_until_stopped().await?;
    Ok(())
}
