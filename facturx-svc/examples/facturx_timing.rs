//! facturx-svc's operations timed in-process, as bench/facturx.sh times
//! factur-x in-process, so that neither side pays for HTTP.
//!
//! Reads lines `convert<TAB>pdf<TAB>xml`, `validate<TAB>file` (EN 16931
//! and Factur-X rules), `validate-fr<TAB>file` (also BR-FR) or
//! `extract<TAB>file` on stdin and prints, for each, the median of
//! REPEATS runs in seconds.
//!
//! Usage: facturx_timing REPEATS < manifest.tsv

use std::io::BufRead as _;
use std::time::Instant;

use facturx_svc::invoice::{self, ConvertOptions};
use facturx_svc::rules::RuleSet;

fn main() -> Result<(), String> {
    let repeats: usize = std::env::args().nth(1).and_then(|arg| arg.parse().ok()).ok_or("usage: REPEATS < manifest")?;
    let read = |path: &str| std::fs::read(path).map_err(|error| format!("{path}: {error}"));
    for line in std::io::stdin().lock().lines() {
        let line = line.map_err(|error| error.to_string())?;
        let fields: Vec<&str> = line.split('\t').collect();
        let operation: Box<dyn Fn() -> bool> = match fields.as_slice() {
            ["convert", pdf, xml] => {
                let (pdf, xml) = (read(pdf)?, read(xml)?);
                Box::new(move || {
                    let options = ConvertOptions { relationship: None, output_intent: false };
                    // As the service does: the upload is moved in, not copied.
                    let upload = pdf.clone();
                    invoice::convert(upload, &xml, &options, "timing").is_ok()
                })
            }
            ["validate", file] => {
                let bytes = read(file)?;
                Box::new(move || invoice::validate(&bytes, Some(RuleSet::En16931)).is_ok())
            }
            ["validate-fr", file] => {
                let bytes = read(file)?;
                Box::new(move || invoice::validate(&bytes, Some(RuleSet::Fr)).is_ok())
            }
            ["extract", file] => {
                let bytes = read(file)?;
                Box::new(move || invoice::extract(&bytes).is_ok())
            }
            _ => return Err(format!("unknown line: {line}")),
        };
        let mut seconds: Vec<f64> = (0..repeats.max(1))
            .map(|_| {
                let start = Instant::now();
                let succeeded = operation();
                (succeeded, start.elapsed().as_secs_f64())
            })
            .map(|(succeeded, elapsed)| if succeeded { Ok(elapsed) } else { Err(format!("failed: {line}")) })
            .collect::<Result<_, _>>()?;
        seconds.sort_by(f64::total_cmp);
        println!("{}", seconds[seconds.len() / 2]);
    }
    Ok(())
}
