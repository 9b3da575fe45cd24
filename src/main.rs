//! `cargo run --release`: the whole platform on 127.0.0.1:8080;
//! `platform COMMAND`: one of its commands (`platform help`).

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let vars = std::env::vars().collect();
    let telemetry_settings: gateway::configuration::Settings =
        common::configuration::load_from(&gateway::configuration::CONFIG, std::env::vars().collect())?;
    let _telemetry = common::telemetry::init("platform", &telemetry_settings.telemetry)?;
    let arguments: Vec<String> = std::env::args().skip(1).collect();
    if !arguments.is_empty() {
        let report = platform::commands::run(vars, &arguments).await?;
        if !report.is_empty() {
            println!("{report}");
        }
        return Ok(());
    }
    let platform = platform::build(vars).await?;
    println!("Platform ready on http://127.0.0.1:{}  (health: /health, API docs: /docs)", platform.gateway.port());
    platform.run_until_stopped().await?;
    Ok(())
}
