use erp_svc::configuration::{CONFIG, Settings};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let settings: Settings = common::configuration::load(&CONFIG)?;
    let _telemetry = common::telemetry::init("erp", &settings.telemetry)?;
    let arguments: Vec<String> = std::env::args().skip(1).collect();
    if arguments.is_empty() {
        erp_svc::startup::build(&settings).await?.run_until_stopped().await?;
    } else {
        println!("{}", erp_svc::cli::run(&settings, &arguments).await?);
    }
    Ok(())
}
