//! Synthetic bills for measuring the extraction (`ocr_svc::synthetic::cli`).
//!
//! `ocr-bills generate DIR [COUNT] [TYPEFACE]` writes digital PDFs, scanned
//! JPEGs and image-only PDFs with their ground truth (JSON) into DIR.
//! `ocr-bills evaluate [COUNT] [digital|scans|both] [TYPEFACE|all]` reads
//! COUNT bills of each kind with the service's engine and prints
//! field-level precision, recall and F1, overall and per field.
//! TYPEFACE is what the bills are printed in: liberation-sans (the
//! default), free-sans or dejavu-sans; `all` evaluates each in turn.

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let settings: ocr_svc::configuration::Settings = common::configuration::load(&ocr_svc::configuration::CONFIG)?;
    let arguments: Vec<String> = std::env::args().skip(1).collect();
    ocr_svc::synthetic::cli::run(&settings, &arguments).await
}
