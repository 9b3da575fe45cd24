//! Field-level accuracy on synthetic digital bills of every layout and
//! energy (the scanned figures, slower to compute, are in bench/README.md,
//! from `ocr-bills evaluate`).

use std::collections::BTreeMap;

use ocr_svc::engine::{Engine, OcrPool};
use ocr_svc::extraction::extract;
use ocr_svc::extraction::fields::{Key, Value};
use ocr_svc::synthetic::render::render;
use ocr_svc::synthetic::{Score, corpus_bill, ground_truth};

#[tokio::test]
async fn digital_bills_are_read_with_an_f1_of_at_least_0_98() {
    let engine = Engine::new(OcrPool::start(1, "fra").expect("tesseract with French data"));
    let mut total = Score::default();
    for index in 0..18 {
        let spec = corpus_bill(99, index);
        let pages = engine.read_pdf(&render(&spec), None).await.expect("read");
        let extraction = extract(&pages);
        let found: BTreeMap<Key, Value> =
            extraction.fields.iter().map(|(key, field)| (*key, field.value.clone())).collect();
        total.add(Score::compare(&ground_truth(&spec), &found));
    }
    assert!(total.true_positives > 18 * 20, "{total:?}");
    assert!(total.f1() >= 0.98, "F1 {:.4} ({total:?})", total.f1());
}
