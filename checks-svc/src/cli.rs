//! The commands of `checks-svc` and `platform checks`.

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use chrono::Utc;

use crate::access::{Operator, Scope};
use crate::configuration::Settings;
use crate::startup::Components;
use crate::transfer::tables::{self, Table};
use crate::transfer::{self, Draft};

pub const USAGE: &str = "delete-old [--days N] | import [--dry-run] FILE... | export [--csv DIR]";

/// Runs one command and returns what to print.
pub async fn run(settings: &Settings, arguments: &[String]) -> anyhow::Result<String> {
    match arguments.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        // The original's `php artisan checks:delete-old --days=60`.
        ["delete-old", rest @ ..] => {
            let days = match rest {
                [] => settings.schedule.retention_days,
                ["--days", days] => days.parse()?,
                [option] if option.starts_with("--days=") => option["--days=".len()..].parse()?,
                _ => anyhow::bail!("usage: {USAGE}"),
            };
            let components = Components::connect(settings).await?;
            let deleted = components.scheduler.purge(Utc::now(), days).await?;
            Ok(format!("{deleted} checks older than {days} days deleted"))
        }
        ["import", rest @ ..] => {
            let (dry_run, files) = match rest {
                ["--dry-run", files @ ..] => (true, files),
                files => (false, files),
            };
            if files.is_empty() {
                anyhow::bail!("usage: {USAGE}");
            }
            let draft = read_files(files)?;
            let components = Components::connect(settings).await?;
            let report =
                transfer::import(&components.store, components.prober.destinations(), &command_line(), draft, dry_run)
                    .await
                    .map_err(|error| anyhow::anyhow!("{}", problems(&error)))?;
            Ok(serde_json::to_string_pretty(&report)?)
        }
        ["export"] => {
            let components = Components::connect(settings).await?;
            let document = transfer::export(&components.store, &command_line()).await?;
            Ok(serde_json::to_string_pretty(&document)?)
        }
        ["export", "--csv", directory] => {
            let components = Components::connect(settings).await?;
            let document = transfer::export(&components.store, &command_line()).await?;
            let directory = Path::new(directory);
            std::fs::create_dir_all(directory).with_context(|| format!("creating {}", directory.display()))?;
            let mut written = Vec::new();
            for table in Table::ALL {
                let path = directory.join(format!("{}.csv", table.name()));
                std::fs::write(&path, tables::write(&document, table))
                    .with_context(|| format!("writing {}", path.display()))?;
                written.push(path.display().to_string());
            }
            Ok(format!("{} clients written to {}", document.clients.len(), written.join(", ")))
        }
        _ => anyhow::bail!("usage: {USAGE}"),
    }
}

/// Who the commands act as: an administrator, named as such in what they record.
fn command_line() -> Operator {
    Operator { name: "platform checks".to_owned(), scope: Scope::Admin }
}

/// One JSON document, or CSV files named after their tables (`clients.csv`…).
fn read_files(files: &[&str]) -> anyhow::Result<Draft> {
    let read = |file: &str| std::fs::read(file).with_context(|| format!("reading {file}"));
    if let [file] = files
        && file.ends_with(".json")
    {
        let document =
            transfer::read_document(&read(file)?).map_err(|error| anyhow::anyhow!("{file}: {}", problems(&error)))?;
        return Draft::of_document(document).map_err(|error| anyhow::anyhow!("{}", problems(&error)));
    }
    let mut contents = Vec::new();
    for file in files {
        let stem = PathBuf::from(file).file_stem().and_then(|stem| stem.to_str()).unwrap_or_default().to_owned();
        let table = Table::parse(&stem).with_context(|| {
            format!(
                "{file}: give one .json file, or CSV files named clients.csv, mailing.csv, categories.csv, services.csv"
            )
        })?;
        contents.push((table, read(file)?));
    }
    let files: Vec<_> = contents.iter().map(|(table, bytes)| (*table, bytes.as_slice())).collect();
    Ok(tables::read(&files))
}

/// An error as lines a person reads: the detail, then each problem.
fn problems(error: &common::error::ApiError) -> String {
    let mut lines = vec![error.public_detail().to_owned()];
    lines.extend(error.field_errors().iter().map(|problem| format!("  {}: {}", problem.field, problem.message)));
    lines.join("\n")
}
