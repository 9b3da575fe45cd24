//! The commands of `erp-svc` and `platform erp`.

use crate::configuration::Settings;
use crate::startup::Components;

pub const USAGE: &str = "seed";

/// Runs one command and returns what to print.
pub async fn run(settings: &Settings, arguments: &[String]) -> anyhow::Result<String> {
    match arguments.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        // The original's `python app/seed/seed_data.py`.
        ["seed"] => {
            let components = Components::connect(settings).await?;
            let (clients, interventions) = crate::seed::seed(&components.store, chrono::Utc::now()).await?;
            Ok(format!("{clients} demonstration clients and {interventions} interventions created"))
        }
        _ => anyhow::bail!("usage: {USAGE}"),
    }
}
