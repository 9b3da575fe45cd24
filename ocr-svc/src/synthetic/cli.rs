//! `ocr-bills` and `platform ocr bills`: synthetic bills for measuring the
//! extraction.
//!
//! `ocr-bills generate DIR [COUNT] [TYPEFACE]` writes digital PDFs, scanned
//! JPEGs and image-only PDFs with their ground truth (JSON) into DIR.
//! `ocr-bills evaluate [COUNT] [digital|scans|both] [TYPEFACE|all]` reads
//! COUNT bills of each kind with the service's engine and prints
//! field-level precision, recall and F1, overall and per field.
//! TYPEFACE is what the bills are printed in: liberation-sans (the
//! default), free-sans or dejavu-sans; `all` evaluates each in turn.

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::configuration::Settings;
use crate::extraction::extract;
use crate::extraction::fields::{Key, Value};
use crate::synthetic::scan::{image_pdf, scan_pages};
use crate::synthetic::{BillTypeface, Score, corpus_bill, ground_truth, render::render};
use anyhow::Context;

const SEED: u64 = 2026;

pub const USAGE: &str = "generate DIR [COUNT] [TYPEFACE] | evaluate [COUNT] [digital|scans|both] [TYPEFACE|all]";

/// Runs `ocr-bills ARGUMENTS` (or `platform ocr bills ARGUMENTS`).
pub async fn run(settings: &Settings, arguments: &[String]) -> anyhow::Result<()> {
    match arguments.first().map(String::as_str) {
        Some("generate") => {
            let directory = PathBuf::from(arguments.get(1).context("generate DIR [COUNT]")?);
            let count = arguments.get(2).map_or(Ok(12), |count| count.parse())?;
            let typeface = arguments.get(3).map_or(Ok(BillTypeface::default()), |name| name.parse());
            generate(&directory, count, typeface.map_err(anyhow::Error::msg)?)
        }
        Some("evaluate") => {
            let count = arguments.get(1).map_or(Ok(12), |count| count.parse())?;
            let kinds = arguments.get(2).map_or("both", String::as_str);
            let typefaces = match arguments.get(3).map(String::as_str) {
                Some("all") => BillTypeface::ALL.to_vec(),
                Some(name) => vec![name.parse().map_err(anyhow::Error::msg)?],
                None => vec![BillTypeface::default()],
            };
            for typeface in typefaces {
                evaluate(settings, count, kinds, typeface).await?;
            }
            Ok(())
        }
        _ => anyhow::bail!("usage: ocr-bills {USAGE}"),
    }
}

fn generate(directory: &std::path::Path, count: usize, typeface: BillTypeface) -> anyhow::Result<()> {
    std::fs::create_dir_all(directory)?;
    for index in 0..count {
        let spec = corpus_bill(SEED, index).printed_in(typeface);
        let name = format!("bill-{index:03}-{}-layout{}", spec.energy, spec.layout);
        let pdf = render(&spec)?;
        std::fs::write(directory.join(format!("{name}.pdf")), &pdf)?;
        let pages = scan_pages(&pdf, spec.seed)?;
        for (page, jpeg) in pages.iter().enumerate() {
            std::fs::write(directory.join(format!("{name}-scan-{}.jpg", page + 1)), &jpeg.data)?;
        }
        std::fs::write(directory.join(format!("{name}-scan.pdf")), image_pdf(pages))?;
        let truth: BTreeMap<String, Value> = ground_truth(&spec).into_iter().map(|(k, v)| (k.to_string(), v)).collect();
        std::fs::write(directory.join(format!("{name}.json")), serde_json::to_vec_pretty(&truth)?)?;
    }
    println!("{count} bills written to {}", directory.display());
    Ok(())
}

async fn evaluate(settings: &Settings, count: usize, kinds: &str, typeface: BillTypeface) -> anyhow::Result<()> {
    let engine = settings.analysis.engine()?;
    for kind in ["digital", "scans"] {
        if kinds != "both" && kinds != kind {
            continue;
        }
        let mut total = Score::default();
        let mut per_field: BTreeMap<String, Score> = BTreeMap::new();
        for index in 0..count {
            let spec = corpus_bill(SEED, index).printed_in(typeface);
            let pdf = render(&spec)?;
            let pdf = if kind == "scans" { image_pdf(scan_pages(&pdf, spec.seed)?) } else { pdf };
            let pages = engine.read_pdf(&pdf, None).await?;
            let extraction = extract(&pages);
            let found = extraction.fields.values();
            let truth = ground_truth(&spec);
            let score = Score::compare(&truth, &found);
            total.add(score);
            for key in truth.keys().chain(found.keys()) {
                let one = |map: &BTreeMap<Key, Value>| {
                    map.get_key_value(key).map(|(k, v)| (*k, v.clone())).into_iter().collect()
                };
                per_field.entry(key.to_string()).or_default().add(Score::compare(&one(&truth), &one(&found)));
            }
            if score.false_positives + score.false_negatives > 0 && std::env::var_os("VERBOSE").is_some() {
                for (key, value) in &truth {
                    let got = found.get(key);
                    if got.is_none_or(|got| !value.matches(got)) {
                        eprintln!(
                            "{kind} bill {index} ({} layout {}): {key} expected {value:?}, found {got:?}",
                            spec.energy, spec.layout
                        );
                    }
                }
                for (key, value) in &found {
                    if !truth.contains_key(key) {
                        eprintln!("{kind} bill {index}: unexpected {key} = {value:?}");
                    }
                }
            }
        }
        println!(
            "{kind} ({typeface}): {count} bills, precision {:.4}, recall {:.4}, F1 {:.4}",
            total.precision(),
            total.recall(),
            total.f1()
        );
        for (field, score) in per_field.iter().filter(|(_, score)| score.f1() < 1.0) {
            println!("  {field:<32} P {:.3} R {:.3} F1 {:.3}", score.precision(), score.recall(), score.f1());
        }
    }
    Ok(())
}
