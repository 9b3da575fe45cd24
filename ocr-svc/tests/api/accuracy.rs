//! Field-level accuracy on synthetic digital bills of every layout and
//! energy (the scanned figures, slower to compute, are in bench/README.md,
//! from `ocr-bills evaluate`), and on the same bills in every typeface.

use std::collections::BTreeMap;

use ocr_svc::configuration::{CONFIG, Settings};
use ocr_svc::engine::Engine;
use ocr_svc::extraction::extract;
use ocr_svc::extraction::fields::{Key, Value};
use ocr_svc::synthetic::render::render;
use ocr_svc::synthetic::scan::{image_pdf, scan_pages};
use ocr_svc::synthetic::{BillSpec, BillTypeface, Score, corpus_bill, ground_truth};

async fn score(engine: &Engine, pdf: &[u8], spec: &BillSpec) -> Score {
    let pages = engine.read_pdf(pdf, None).await.expect("read");
    let extraction = extract(&pages);
    let found: BTreeMap<Key, Value> =
        extraction.fields.iter().map(|(key, field)| (*key, field.value.clone())).collect();
    Score::compare(&ground_truth(spec), &found)
}

/// The service's engine with its default limits and `threads` OCR threads.
fn engine(threads: usize) -> Engine {
    let vars = [("OCR__ANALYSIS__OCR_THREADS".to_owned(), threads.to_string())].into();
    let settings: Settings = common::configuration::load_from(&CONFIG, vars).expect("settings");
    settings.analysis.engine().expect("tesseract with French data")
}

#[tokio::test]
async fn digital_bills_are_read_with_an_f1_of_at_least_0_98() {
    let engine = engine(1);
    let mut total = Score::default();
    for index in 0..18 {
        let spec = corpus_bill(99, index);
        total.add(score(&engine, &render(&spec).expect("a bill"), &spec).await);
    }
    assert!(total.true_positives > 18 * 20, "{total:?}");
    assert!(total.f1() >= 0.98, "F1 {:.4} ({total:?})", total.f1());
}

/// A PDF that names a font without embedding it is drawn with whatever the
/// machine substitutes, and Tesseract reads each substitute differently:
/// bills are printed in each typeface, embedded, and must be read as well
/// in every one, from their text layer and scanned.
#[tokio::test]
async fn bills_are_read_as_well_in_every_typeface() {
    let engine = engine(2);
    let mut report = Vec::new();
    for typeface in BillTypeface::ALL {
        let (mut digital, mut scanned) = (Score::default(), Score::default());
        for index in 0..9 {
            let spec = corpus_bill(41, index).printed_in(typeface);
            let pdf = render(&spec).expect("scripts/setup installs the bill typefaces");
            digital.add(score(&engine, &pdf, &spec).await);
            // One bill of each layout and energy is scanned too.
            if index % 4 == 0 {
                let scan = image_pdf(scan_pages(&pdf, spec.seed).expect("scan"));
                scanned.add(score(&engine, &scan, &spec).await);
            }
        }
        report.push(format!("{typeface}: digital F1 {:.4}, scanned F1 {:.4}", digital.f1(), scanned.f1()));
        assert!(digital.true_positives > 9 * 20 && scanned.true_positives > 3 * 20, "{typeface}: {report:?}");
        assert!(digital.f1() >= 0.98 && scanned.f1() >= 0.95, "{report:?}");
    }
    eprintln!("{report:#?}");
}
