//! Values no invoice holds, in every number the business rules and the
//! model compute with: a report or a refusal, never a panic (`rust_decimal`'s
//! arithmetic panics on overflow, about 7.9e28).

use facturx_svc::invoice;
use facturx_svc::rules::RuleSet;

use crate::helpers::corpus_files;

/// The XML with every element text that is a number replaced by `value`.
fn every_number_as(xml: &str, value: &str) -> String {
    let mut out = String::with_capacity(xml.len());
    let mut rest = xml;
    while let Some(start) = rest.find('>') {
        out.push_str(&rest[..=start]);
        rest = &rest[start + 1..];
        let end = rest.find('<').unwrap_or(rest.len());
        let text = &rest[..end];
        let numeric = !text.is_empty() && text.trim().parse::<f64>().is_ok() && !text.contains(['e', 'E']);
        out.push_str(if numeric { value } else { text });
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

#[test]
fn numbers_near_the_decimal_limits_get_a_report_not_a_panic() {
    let xmls: Vec<String> = corpus_files()
        .into_iter()
        .filter(|file| file.extension().is_some_and(|extension| extension == "xml"))
        .map(|file| String::from_utf8(std::fs::read(&file).expect("read")).expect("utf-8"))
        .collect();
    assert!(xmls.len() >= 30, "{} corpus XML files", xmls.len());
    for value in [
        "79228162514264337593543950335",
        "-79228162514264337593543950335",
        "0.0000000000000000000000000001",
        "99999999999999.99",
    ] {
        for xml in &xmls {
            let extreme = every_number_as(xml, value);
            for rule_set in [RuleSet::En16931, RuleSet::Fr] {
                invoice::validate(extreme.as_bytes(), Some(rule_set)).expect("a report, not a panic");
            }
            // The model and the totals it implies: a model or a refusal.
            let _model_or_refusal = invoice::extract(extreme.as_bytes());
        }
    }
}
