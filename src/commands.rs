//! `platform COMMAND`: every command of the service binaries, and the
//! backup of the whole platform, from the one binary `cargo run --release`
//! builds.

use std::collections::HashMap;
use std::path::Path;

use common::configuration::load_from;

pub const USAGE: &str = "usage: platform [COMMAND]
  (no command)                   run the whole platform (http://127.0.0.1:8080)
  backup DIR                     copy every database and object into DIR, with a manifest and checksums
  restore DIR                    put a backup back into a fresh data folder (or empty schemas)
  check                          integrity, foreign keys, migrations, objects the databases name
  admin backup FILE | restore FILE | check | create-user --email E --name N [--platform-admin]
                                 the gateway's identity database (as `gateway admin ...`)
  erp seed                       demonstration data (as `erp-svc seed`)
  checks delete-old [--days N]   purge old checks (as `checks-svc delete-old`)
  checks import [--dry-run] FILE...
                                 clients, mailing lists, categories and services from one .json export
                                 or CSV tables (clients.csv, mailing.csv, categories.csv, services.csv)
  checks export [--csv DIR]      that configuration as JSON (printed), or as the four CSV tables in DIR
  ocr worker                     analyse queued OCR jobs from RabbitMQ (as `ocr-worker`)
  ocr bills generate DIR [COUNT] [TYPEFACE] | evaluate [COUNT] [KINDS] [TYPEFACE]
                                 synthetic bills (as `ocr-bills`)
  help                           this text";

/// Runs one command and returns what to print.
pub async fn run(vars: HashMap<String, String>, arguments: &[String]) -> anyhow::Result<String> {
    let words: Vec<&str> = arguments.iter().map(String::as_str).collect();
    match words.as_slice() {
        ["backup", folder] => crate::backup::backup(&vars, Path::new(folder)).await,
        ["restore", folder] => crate::backup::restore(&vars, Path::new(folder)).await,
        ["check"] => crate::backup::check(&vars).await,
        ["admin", ..] => {
            let settings = load_from(&gateway::configuration::CONFIG, vars)?;
            gateway::admin_cli::run(&settings, &arguments[1..]).await
        }
        ["erp", ..] => erp_svc::cli::run(&load_from(&erp_svc::configuration::CONFIG, vars)?, &arguments[1..]).await,
        ["checks", ..] => {
            checks_svc::cli::run(&load_from(&checks_svc::configuration::CONFIG, vars)?, &arguments[1..]).await
        }
        ["ocr", "worker"] => {
            ocr_svc::startup::run_worker(&load_from(&ocr_svc::configuration::CONFIG, vars)?).await?;
            Ok("worker stopped".to_owned())
        }
        ["ocr", "bills", ..] => {
            let settings = load_from(&ocr_svc::configuration::CONFIG, vars)?;
            ocr_svc::synthetic::cli::run(&settings, &arguments[2..]).await?;
            Ok(String::new())
        }
        ["help" | "--help" | "-h"] => Ok(USAGE.to_owned()),
        _ => anyhow::bail!("{USAGE}"),
    }
}
