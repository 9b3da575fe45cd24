//! The JSON model `extract` offers holds every business term: each valid
//! EN 16931, BASIC and XRechnung invoice of the corpus, read into the model
//! and written back as CII, keeps every value it had, at the same place.

use std::collections::BTreeMap;

use facturx_svc::domain::Profile;
use facturx_svc::rules::RuleSet;
use facturx_svc::{cii, invoice};
use rust_decimal::Decimal;

use crate::helpers::corpus_files;

/// What the round trip does not keep, and why.
const NOT_KEPT: &[&str] = &[
    // Not an invoice term: where the sender's tools found the schema.
    "CrossIndustryInvoice/@schemaLocation",
    // Not an EN 16931 term: BT-149 is the net price's base quantity.
    "CrossIndustryInvoice/SupplyChainTradeTransaction/IncludedSupplyChainTradeLineItem/SpecifiedLineTradeAgreement/GrossPriceProductTradePrice/BasisQuantity",
    // Not an EN 16931 term: BT-11 is the project's id; CII needs a name, written as "Project reference".
    "CrossIndustryInvoice/SupplyChainTradeTransaction/ApplicableHeaderTradeAgreement/SpecifiedProcuringProject/Name",
    // BT-8 is one per invoice: a second VAT breakdown's copy of it.
    "CrossIndustryInvoice/SupplyChainTradeTransaction/ApplicableHeaderTradeSettlement/ApplicableTradeTax/DueDateTypeCode",
    // BT-158-2, the classification list's version: not in the model yet.
    "CrossIndustryInvoice/SupplyChainTradeTransaction/IncludedSupplyChainTradeLineItem/SpecifiedTradeProduct/DesignatedProductClassification/ClassCode/@listVersionID",
];

/// Each value of the document (element text and attribute), by path of
/// local names; numbers compared as numbers (`100.00` is `100`).
fn values(xml: &str) -> Vec<(String, String)> {
    let document = roxmltree::Document::parse(xml).expect("well-formed");
    let mut values = Vec::new();
    for node in document.descendants().filter(roxmltree::Node::is_element) {
        let mut names: Vec<&str> =
            node.ancestors().filter(roxmltree::Node::is_element).map(|node| node.tag_name().name()).collect();
        names.reverse();
        let path = names.join("/");
        let leaf = node.children().all(|child| !child.is_element());
        if let Some(text) = node.text().map(str::trim).filter(|text| leaf && !text.is_empty()) {
            let text =
                text.parse::<Decimal>().map_or_else(|_| text.to_owned(), |number| number.normalize().to_string());
            values.push((path.clone(), text));
        }
        for attribute in node.attributes() {
            values.push((format!("{path}/@{}", attribute.name()), attribute.value().to_owned()));
        }
    }
    values
}

#[test]
fn every_business_term_of_the_corpus_survives_reading_and_writing() {
    let (mut files, mut lost): (usize, BTreeMap<String, Vec<String>>) = (0, BTreeMap::new());
    for file in corpus_files() {
        let bytes = std::fs::read(&file).expect("read");
        let Ok(report) = invoice::validate(&bytes, Some(RuleSet::En16931)) else { continue };
        let Some(profile) = report.profile.filter(|_| report.valid) else { continue };
        if !matches!(profile, Profile::En16931 | Profile::Basic | Profile::XRechnung) {
            continue;
        }
        let xml = if bytes.starts_with(b"%PDF") { invoice::extract(&bytes).expect("extracts").xml } else { bytes };
        let original = String::from_utf8(xml).expect("utf-8");
        let document = roxmltree::Document::parse(&original).expect("well-formed");
        let mut written = values(&cii::write(&cii::read(document.root_element()), profile));
        files += 1;
        for (path, value) in values(&original) {
            match written.iter().position(|kept| kept.0 == path && kept.1 == value) {
                Some(index) => {
                    written.swap_remove(index);
                }
                None if NOT_KEPT.contains(&path.as_str()) => {}
                None => lost.entry(path).or_default().push(file.display().to_string()),
            }
        }
    }
    assert!(files >= 50, "only {files} valid files");
    assert!(lost.is_empty(), "values lost on {files} files: {lost:#?}");
}
