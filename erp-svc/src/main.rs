use erp_svc::configuration::{CONFIG, Settings};
use erp_svc::startup::{self, Components};

const USAGE: &str = "usage: erp-svc [seed]";

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let settings: Settings = common::configuration::load(&CONFIG)?;
    let _telemetry = common::telemetry::init("erp", &settings.telemetry)?;
    let arguments: Vec<String> = std::env::args().skip(1).collect();
    match arguments.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        [] => startup::build(&settings).await?.run_until_stopped().await?,
        // The original's `python app/seed/seed_data.py`.
        ["seed"] => {
            let components = Components::connect(&settings).await?;
            let (clients, interventions) = erp_svc::seed::seed(&components.store, chrono::Utc::now()).await?;
            println!("{clients} demonstration clients and {interventions} interventions created");
        }
        _ => anyhow::bail!(USAGE),
    }
    Ok(())
}
