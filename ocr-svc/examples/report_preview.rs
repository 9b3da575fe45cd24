//! Writes both reports of a synthetic bill to a directory, to look at them:
//! `cargo run -p ocr-svc --example report_preview -- DIR [SEED] [gaz|electricite|dual] [LAYOUT]`.

use ocr_svc::configuration::{CONFIG, Settings};
use ocr_svc::domain::energy::EnergyType;
use ocr_svc::pipeline::{Document, Expectations, process};
use ocr_svc::synthetic::BillSpec;
use ocr_svc::synthetic::render::render;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let arguments: Vec<String> = std::env::args().skip(1).collect();
    let directory = std::path::PathBuf::from(arguments.first().map_or("report-preview", String::as_str));
    let seed = arguments.get(1).map_or(Ok(1), |seed| seed.parse())?;
    let energy = match arguments.get(2).map(String::as_str) {
        Some("gaz") => EnergyType::Gaz,
        Some("dual") => EnergyType::Dual,
        _ => EnergyType::Electricite,
    };
    let layout = arguments.get(3).map_or(Ok(0), |layout| layout.parse())?;
    let spec = BillSpec::generate(seed, energy, layout);
    let bill = render(&spec)?;
    let settings: Settings = common::configuration::load(&CONFIG)?;
    let engine = settings.analysis.engine()?;
    let outcome = process(&engine, &Document::Pdf(bill.clone()), Expectations::default(), None).await?;
    std::fs::create_dir_all(&directory)?;
    std::fs::write(directory.join("bill.pdf"), bill)?;
    std::fs::write(directory.join("report-full.pdf"), &outcome.reports.full)?;
    std::fs::write(directory.join("report-anonymous.pdf"), &outcome.reports.anonymous)?;
    println!("{}", serde_json::to_string_pretty(&outcome.highlights)?);
    Ok(())
}
