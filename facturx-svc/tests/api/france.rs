//! Agreement with the official French rules: FNFE-MPE France_RFE v1.4.0's
//! BR-FR schematron for CII (`../shared/oracles/france-rfe`), compiled
//! XSLT run by saxonche (scripts/france-rfe-oracle.py). On every corpus
//! file and on a mutation corpus made at test time by
//! scripts/france-rfe-mutants.py (written apart from the service's code:
//! for each rule, an invoice that breaks it and one that keeps it), the
//! BR-FR rule ids we report equal the official ones, file by file.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use facturx_svc::domain::Profile;
use facturx_svc::invoice;
use facturx_svc::rules::RuleSet;
use serde_json::Value;

use crate::helpers::corpus_files;
use crate::oracle::{Agreement, ask_oracle_script, oracle_python};

const RAM: &str = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100";

fn script(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../scripts").join(name)
}

fn compared(id: &str) -> bool {
    id.starts_with("BR-FR-")
}

/// The official BR-FR ids (with their flag) of each file, in both versions of the rules.
fn official(python: &Path, files: &[PathBuf]) -> Vec<Value> {
    ask_oracle_script(python, "france-rfe-oracle.py", &["--with-warning-version"], files)
}

/// `id flag` of each compared finding of an oracle report's list.
fn flagged(findings: &Value) -> BTreeSet<String> {
    findings
        .as_array()
        .expect("findings")
        .iter()
        .filter(|finding| finding["id"].as_str().is_some_and(compared))
        .map(|finding| {
            format!("{} {}", finding["id"].as_str().unwrap_or_default(), finding["flag"].as_str().unwrap_or("fatal"))
        })
        .collect()
}

/// Writes a mutation corpus (`scripts/<generator> [ARGS] DIR`) into `dir`
/// and lists the XML files there.
pub fn mutants(python: &Path, generator: &str, args: &[&str], dir: &Path) -> Vec<PathBuf> {
    let status = Command::new(python)
        .arg(script(generator))
        .args(args)
        .arg(dir)
        .stdout(Stdio::null())
        .status()
        .expect("the mutation generator runs");
    assert!(status.success(), "the mutation generator failed");
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("mutants")
        .flatten()
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|extension| extension == "xml"))
        .collect();
    files.sort();
    files
}

#[test]
fn br_fr_rule_ids_agree_with_the_official_schematron_file_by_file() {
    let Some(python) = oracle_python() else { return };
    let generated = tempfile::tempdir().expect("tempdir");
    let mutated = mutants(&python, "france-rfe-mutants.py", &[], generated.path());
    assert!(mutated.len() >= 100, "the generator made {} files", mutated.len());
    let mut files = corpus_files();
    files.extend(mutated);
    let reports = official(&python, &files);

    let mut agreement = Agreement::default();
    for (file, report) in files.iter().zip(&reports) {
        if report.get("error").is_some() {
            continue;
        }
        let bytes = std::fs::read(file).expect("read");
        for (rule_set, theirs) in [
            (RuleSet::Fr, flagged(&report["findings"])),
            (RuleSet::FrWarning, flagged(&report["warning_version_findings"])),
        ] {
            let Ok(ours) = invoice::validate(&bytes, Some(rule_set)) else {
                agreement.disagree(format!("{}: we could not read it; the oracle found {theirs:?}", file.display()));
                continue;
            };
            let severity = |flag: &str, findings: &[facturx_svc::rules::Finding]| {
                findings
                    .iter()
                    .filter(|finding| compared(&finding.rule))
                    .map(|finding| format!("{} {flag}", finding.rule))
                    .collect::<Vec<_>>()
            };
            let ours: BTreeSet<String> =
                severity("fatal", &ours.errors).into_iter().chain(severity("warning", &ours.warnings)).collect();
            agreement.compare(&format!("{} ({rule_set:?})", file.display()), &ours, &theirs);
        }
        agreement.count_file();
    }
    agreement.assert_complete("BR-FR", 60);
}

/// The business rules of EXTENDED-CTC-FR (EXTENDED-CTC-FR-CII) that our
/// checks compare with the official schematron: its EN 16931 and profile
/// rules (BR-*), but not the code lists (BR-CL-*, BR-FREXT-CL-*), which
/// the Factur-X usage table checks under the Factur-X rule ids, nor the
/// French rules, which the test above compares.
fn compared_in_extended_ctc_fr(id: &str) -> bool {
    id.starts_with("BR-") && !id.starts_with("BR-FR-") && !id.contains("-CL-") && !NOT_YET_CHECKED.contains(&id)
}

/// EN 16931 rules that the official schematron applies to EXTENDED-CTC-FR
/// and our checks do not yet (they do not for EN 16931 either).
const NOT_YET_CHECKED: &[&str] = &[];

/// Every CII invoice of the corpus in the EN 16931 or EXTENDED profile, as
/// an EXTENDED-CTC-FR invoice (its BT-24 replaced), written into `dir`.
fn corpus_as_extended_ctc_fr(dir: &Path) -> Vec<PathBuf> {
    let mut written = Vec::new();
    for file in corpus_files() {
        let bytes = std::fs::read(&file).expect("read");
        let Ok(report) = invoice::validate(&bytes, Some(RuleSet::En16931)) else { continue };
        if !matches!(report.profile, Some(Profile::En16931 | Profile::Extended)) {
            continue;
        }
        let xml = if bytes.starts_with(b"%PDF") { invoice::extract(&bytes).expect("extracts").xml } else { bytes };
        let Ok(text) = String::from_utf8(xml) else { continue };
        let Some(urn) = roxmltree::Document::parse(&text).ok().and_then(|document| {
            document
                .descendants()
                .find(|node| node.has_tag_name((RAM, "GuidelineSpecifiedDocumentContextParameter")))
                .and_then(|parameter| parameter.children().find(|node| node.has_tag_name((RAM, "ID"))))
                .and_then(|id| id.text().map(str::to_owned))
        }) else {
            continue;
        };
        let relabelled = text.replacen(&format!(">{urn}<"), &format!(">{}<", Profile::ExtendedCtcFr.guideline()), 1);
        let name = file.file_stem().expect("name").to_string_lossy();
        let path = dir.join(format!("corpus-{}-{name}.xml", written.len()));
        std::fs::write(&path, relabelled).expect("write");
        written.push(path);
    }
    written
}

#[test]
fn extended_ctc_fr_business_rule_ids_agree_with_the_official_schematron_file_by_file() {
    let Some(python) = oracle_python() else { return };
    let generated = tempfile::tempdir().expect("tempdir");
    let mut files = corpus_as_extended_ctc_fr(generated.path());
    assert!(files.len() >= 60, "only {} corpus files relabelled", files.len());
    let mutated = tempfile::tempdir().expect("tempdir");
    let mutant_count = mutants(&python, "france-rfe-ctc-mutants.py", &[], mutated.path()).len();
    assert!(mutant_count >= 150, "the generator made {mutant_count} files");
    // Then, beside them, the cases its mutants do not reach.
    let mutants = mutants(&python, "edge-cases.py", &["extended-ctc-fr"], mutated.path());
    assert!(mutants.len() > mutant_count, "the edge cases were not written");
    // Without BT-24 a file is no longer EXTENDED-CTC-FR, for the oracle
    // script as for us: BR-01 is the EN 16931 mutants' (tests/api/oracle.rs).
    files.extend(
        mutants
            .into_iter()
            .filter(|file| !file.file_name().is_some_and(|name| name.to_string_lossy().starts_with("BR-01."))),
    );
    let reports = ask_oracle_script(&python, "france-rfe-oracle.py", &["--with-en16931"], &files);

    let mut agreement = Agreement::default();
    for (file, report) in files.iter().zip(&reports) {
        if report.get("error").is_some() {
            continue;
        }
        assert_eq!(report["rule_set"], "EXTENDED-CTC-FR", "{}", file.display());
        let official = |flag: &str| -> BTreeSet<String> {
            report["en16931_findings"]
                .as_array()
                .expect("the profile's findings")
                .iter()
                .filter(|finding| (finding["flag"] == "warning") == (flag == "warning"))
                .filter_map(|finding| finding["id"].as_str())
                .filter(|id| compared_in_extended_ctc_fr(id))
                .map(str::to_owned)
                .collect()
        };
        let bytes = std::fs::read(file).expect("read");
        let ours = invoice::validate(&bytes, Some(RuleSet::Fr)).expect("validates");
        assert_eq!(ours.profile, Some(Profile::ExtendedCtcFr), "{}", file.display());
        let our = |findings: &[facturx_svc::rules::Finding]| -> BTreeSet<String> {
            findings.iter().map(|finding| finding.rule.clone()).filter(|id| compared_in_extended_ctc_fr(id)).collect()
        };
        agreement.count_file();
        for (severity, theirs, ours) in
            [("fatal", official("fatal"), our(&ours.errors)), ("warning", official("warning"), our(&ours.warnings))]
        {
            agreement.compare(&format!("{} ({severity})", file.display()), &ours, &theirs);
        }
    }
    agreement.assert_complete("EXTENDED-CTC-FR", 100);
}

/// The README's smallest invoice, with the buyer's SIREN.
fn smallest_french_invoice() -> Value {
    serde_json::json!({"number": "FA-1", "issue_date": "2026-11-20",
        "seller": {"name": "Vendeur SAS", "vat_id": "FR32123456782", "legal_registration": {"id": "123456782", "scheme": "0002"},
                   "address": {"city": "Lyon", "postcode": "69002", "country_code": "FR"}},
        "buyer": {"name": "Client SARL", "legal_registration": {"id": "987654321", "scheme": "0002"}, "address": {"country_code": "FR"}},
        "payment": {"means_code": "58", "credit_transfers": [{"account_id": "FR7630006000011234567890189"}]},
        "lines": [{"name": "Maintenance", "quantity": 1, "unit": "HUR", "net_price": "100.00", "vat_rate": 20}]})
}

#[tokio::test]
async fn a_french_invoice_generated_from_little_data_passes_the_official_french_rules() {
    let Some(python) = oracle_python() else { return };
    let app = crate::helpers::spawn_app().await;
    let form = || reqwest::multipart::Form::new();
    let metadata = |invoice: &Value| {
        reqwest::multipart::Part::text(invoice.to_string()).mime_str("application/json").expect("mime")
    };
    let response = app.post_form("/v1/generate", form().part("metadata", metadata(&smallest_french_invoice()))).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["x-facturx-derived"], "BT-22 PMT,BT-22 PMD,BT-22 AAB,BT-23,BT-34,BT-49");
    let pdf = response.bytes().await.expect("pdf");
    let generated = tempfile::tempdir().expect("tempdir");
    let path = generated.path().join("generated.pdf");
    std::fs::write(&path, &pdf).expect("write");
    let report = &official(&python, &[path])[0];
    assert_eq!(report["findings"], serde_json::json!([]), "the official BR-FR schematron: {report}");
    let ours = invoice::validate(&pdf, Some(RuleSet::Fr)).expect("validates");
    assert!(ours.valid, "{:?}", ours.errors);
    // Beyond the official rules: the buyer's SIREN 987654321 fails its Luhn key, the seller's does not.
    let keys: Vec<&str> = ours
        .warnings
        .iter()
        .filter(|warning| warning.rule == "FR-SIREN-KEY")
        .map(|warning| warning.message_en.as_str())
        .collect();
    assert!(keys.len() == 1 && keys[0].contains("987654321"), "{keys:?}");
    let extracted = invoice::extract(&pdf).expect("extracts");
    let xml = String::from_utf8(extracted.xml).expect("utf-8");
    assert!(xml.contains("<ram:ID>S1</ram:ID>"), "a line by the hour is a service: BT-23 S1");

    // Without the buyer's SIREN nothing gives BT-49: 422 names the rule.
    let mut anonymous_buyer = smallest_french_invoice();
    anonymous_buyer["buyer"].as_object_mut().expect("buyer").remove("legal_registration");
    let refused = app.post_form("/v1/generate", form().part("metadata", metadata(&anonymous_buyer))).await;
    assert_eq!(refused.status(), 422);
    let problem: Value = refused.json().await.expect("problem");
    let messages: Vec<&str> =
        problem["errors"].as_array().expect("errors").iter().filter_map(|error| error["message"].as_str()).collect();
    assert!(messages.len() == 1 && messages[0].starts_with("BR-FR-12_BT-49"), "{problem}");

    // A German invoice is left as it was given.
    let mut german = smallest_french_invoice();
    for party in ["seller", "buyer"] {
        german[party]["address"]["country_code"] = Value::from("DE");
    }
    german["seller"]["vat_id"] = Value::from("DE123456789");
    let response = app.post_form("/v1/generate", form().part("metadata", metadata(&german))).await;
    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap_or_default());
}

#[tokio::test]
async fn an_extended_ctc_fr_invoice_generated_through_the_api_passes_its_official_schematrons() {
    let Some(python) = oracle_python() else { return };
    let app = crate::helpers::spawn_app().await;
    // EXTENDED-CTC-FR keeps BR-CO-25: an amount due needs its due date (BT-9) or terms (BT-20).
    let mut invoice = smallest_french_invoice();
    invoice["due_date"] = Value::from("2026-12-20");
    let form = reqwest::multipart::Form::new()
        .part(
            "metadata",
            reqwest::multipart::Part::text(invoice.to_string()).mime_str("application/json").expect("mime"),
        )
        .text("profile", "EXTENDED-CTC-FR");
    let response = app.post_form("/v1/generate", form).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["x-facturx-profile"], "EXTENDED-CTC-FR");
    let pdf = response.bytes().await.expect("pdf");
    let generated = tempfile::tempdir().expect("tempdir");
    let path = generated.path().join("generated.pdf");
    std::fs::write(&path, &pdf).expect("write");
    let report = &ask_oracle_script(&python, "france-rfe-oracle.py", &["--with-en16931"], &[path])[0];
    assert_eq!(report["rule_set"], "EXTENDED-CTC-FR", "{report}");
    assert_eq!(report["findings"], serde_json::json!([]), "the official BR-FR schematron: {report}");
    let fatal: Vec<&Value> = report["en16931_findings"]
        .as_array()
        .expect("the profile's findings")
        .iter()
        .filter(|finding| finding["flag"] != "warning")
        .collect();
    assert!(fatal.is_empty(), "the official EXTENDED-CTC-FR schematron: {fatal:?}");
    let ours = invoice::validate(&pdf, None).expect("validates");
    assert_eq!(ours.profile, Some(Profile::ExtendedCtcFr));
    assert_eq!(ours.rule_sets, vec![RuleSet::En16931, RuleSet::Fr]);
    assert!(ours.valid, "{:?}", ours.errors);
    let extracted = invoice::extract(&pdf).expect("extracts");
    assert_eq!(extracted.profile, Some(Profile::ExtendedCtcFr));
}
