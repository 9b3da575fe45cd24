use checks_svc::configuration::{CONFIG, Settings};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let settings: Settings = common::configuration::load(&CONFIG)?;
    let _telemetry = common::telemetry::init("checks", &settings.telemetry)?;
    let arguments: Vec<String> = std::env::args().skip(1).collect();
    if arguments.is_empty() {
        checks_svc::startup::build(&settings).await?.run_until_stopped().await?;
    } else {
        println!("{}", checks_svc::cli::run(&settings, &arguments).await?);
    }
    Ok(())
}
