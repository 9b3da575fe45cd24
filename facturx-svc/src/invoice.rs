//! The service's operations on uploaded bytes: validate, extract, convert.
//! Pure functions of their input (the service is stateless); the routes
//! run them off the async threads.

use chrono::Utc;

use crate::cii;
use crate::domain::{Flavor, Invoice, Profile, Relationship};
use crate::pdf::{self, Attachment, Embedding, Pdf, PdfError, Typeface};
use crate::rules::{self, Finding, Report, RuleSet, XmlError};

/// Names under which Factur-X, ZUGFeRD 2 and XRechnung hybrids embed the XML.
const INVOICE_NAMES: [&str; 4] = ["factur-x.xml", "xrechnung.xml", "zugferd-invoice.xml", "ZUGFeRD-invoice.xml"];

#[derive(Debug, thiserror::Error)]
pub enum InvoiceError {
    #[error(transparent)]
    Xml(#[from] XmlError),
    #[error(transparent)]
    Pdf(#[from] PdfError),
    #[error("the PDF holds no Factur-X, ZUGFeRD or XRechnung invoice")]
    NoEmbeddedInvoice,
    #[error("the file is neither a PDF nor XML")]
    UnknownFormat,
    #[error("the XML names no known profile, so it cannot be embedded")]
    UnknownProfile,
    #[error("{} is read, not written: Factur-X replaces it", .0.name())]
    NotWritten(Profile),
    #[error("the invoice breaks {} rule(s) of its profile", .0.errors.len())]
    Invalid(Box<Report>),
    #[error("the invoice could not be typeset: {0}")]
    Render(String),
}

pub fn is_pdf(bytes: &[u8]) -> bool {
    common::file_type::pdf_header_offset(bytes).is_some()
}

fn looks_like_xml(bytes: &[u8]) -> bool {
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    bytes.iter().find(|byte| !byte.is_ascii_whitespace()) == Some(&b'<')
}

/// The invoice the PDF carries; its strings and streams are unreadable when
/// it is encrypted (which PDF/A forbids).
pub fn invoice_attachment(pdf: &Pdf) -> Result<Option<Attachment>, PdfError> {
    if pdf.is_encrypted() {
        return Err(PdfError::Encrypted);
    }
    let attachments = pdf.attachments();
    Ok(INVOICE_NAMES.iter().find_map(|name| attachments.iter().find(|attachment| attachment.name == *name)).cloned())
}

/// Validates a CII XML or a PDF with its embedded XML (`rule_set`: see
/// [`rules::validate_xml`]).
pub fn validate(bytes: &[u8], rule_set: Option<RuleSet>) -> Result<Report, InvoiceError> {
    if !is_pdf(bytes) {
        if !looks_like_xml(bytes) {
            return Err(InvoiceError::UnknownFormat);
        }
        return Ok(rules::validate_xml(bytes, rule_set)?);
    }
    let pdf = Pdf::parse(bytes)?;
    let Some(attachment) = invoice_attachment(&pdf)? else {
        return Ok(Report::new(
            None,
            vec![Finding::error(
                "FX-PDF-01",
                "/",
                "Le PDF ne contient aucune facture Factur-X, ZUGFeRD ou XRechnung.",
                "The PDF holds no Factur-X, ZUGFeRD or XRechnung invoice.",
            )],
        ));
    };
    let mut report = match rules::validate_xml(&attachment.data, rule_set) {
        Ok(report) => report,
        Err(error) => Report::new(
            None,
            vec![Finding::error(
                "FX-XML",
                "/",
                &format!("Le XML incorporé est illisible : {error}."),
                &format!("The embedded XML is unreadable: {error}."),
            )],
        ),
    };
    if let Some(profile) = report.profile {
        report.extend(pdf_findings(&pdf, &attachment, profile));
    }
    Ok(report)
}

/// The PDF around the XML: attachment name and relationship, and the XMP
/// properties that announce the invoice (Factur-X 1.0 §6).
fn pdf_findings(pdf: &Pdf, attachment: &Attachment, profile: Profile) -> Vec<Finding> {
    let mut findings = Vec::new();
    if pdf.repaired {
        findings.push(Finding::warning(
            "PDF-REPAIRED",
            "/",
            "Le PDF est abîmé (tronqué ou table des références croisées fausse) : il a été lu en le réparant, d'autres lecteurs le refuseront.",
            "The PDF is damaged (truncated, or a wrong cross-reference table): it was read by repairing it; other readers will refuse it.",
        ));
    }
    let mut error = |rule: &str, fr: String, en: String| findings.push(Finding::error(rule, "/", &fr, &en));
    let expected_name = profile.attachment_name();
    if attachment.name != expected_name {
        error(
            "FX-PDF-02",
            format!("Le fichier incorporé s'appelle « {} » au lieu de « {expected_name} ».", attachment.name),
            format!("The embedded file is named '{}' instead of '{expected_name}'.", attachment.name),
        );
    }
    match attachment.relationship.as_deref() {
        Some("Data") => {}
        // Factur-X 1.0 §6.2.2: below EN 16931 the XML is the invoice's data, not an alternative form.
        Some(relationship @ ("Alternative" | "Source")) if profile.default_relationship() == Relationship::Data => {
            error(
                "FX-PDF-09",
                format!("AFRelationship vaut {relationship} : un Factur-X {} doit être /Data.", profile.name()),
                format!("AFRelationship is {relationship}: a Factur-X {} must be /Data.", profile.name()),
            )
        }
        Some("Alternative" | "Source") => {}
        other => error(
            "FX-PDF-03",
            format!("AFRelationship vaut {other:?} : Data, Alternative ou Source est attendu."),
            format!("AFRelationship is {other:?}: Data, Alternative or Source is expected."),
        ),
    }
    if !attachment.associated {
        error(
            "FX-PDF-08",
            "La facture incorporée n'est pas listée dans le tableau /AF du catalogue (fichier associé PDF/A-3).".into(),
            "The embedded invoice is not listed in the catalog's /AF array (a PDF/A-3 associated file).".into(),
        );
    }
    let namespace = if profile.flavor() == Flavor::Zugferd1 { pdf::ZUGFERD1_XMP } else { pdf::FACTURX_XMP };
    let Some(xmp) = pdf.facturx_xmp(namespace) else {
        error(
            "FX-PDF-04",
            "Le PDF n'a pas de métadonnées XMP Factur-X.".into(),
            "The PDF has no Factur-X XMP metadata.".into(),
        );
        return findings;
    };
    let level = profile.conformance_level();
    if xmp.conformance_level.as_deref().map(str::trim).map(str::to_ascii_uppercase).as_deref() != Some(level) {
        error(
            "FX-PDF-05",
            format!("Le XMP annonce le profil {:?} mais le XML est {level}.", xmp.conformance_level),
            format!("The XMP announces profile {:?} but the XML is {level}.", xmp.conformance_level),
        );
    }
    if xmp.document_file_name.as_deref() != Some(attachment.name.as_str()) {
        error(
            "FX-PDF-06",
            format!("Le XMP nomme le fichier {:?} au lieu de « {} ».", xmp.document_file_name, attachment.name),
            format!("The XMP names the file {:?} instead of '{}'.", xmp.document_file_name, attachment.name),
        );
    }
    if xmp.pdfa_part.as_deref() != Some("3") {
        error(
            "FX-PDF-07",
            format!("Le XMP annonce PDF/A partie {:?} : un Factur-X est un PDF/A-3.", xmp.pdfa_part),
            format!("The XMP announces PDF/A part {:?}: a Factur-X is a PDF/A-3.", xmp.pdfa_part),
        );
    }
    findings
}

#[derive(Debug)]
pub struct Extracted {
    pub file_name: String,
    pub profile: Option<Profile>,
    /// The XML as embedded, byte for byte.
    pub xml: Vec<u8>,
    /// The semantic model read from a CII XML.
    pub invoice: Option<Invoice>,
}

pub fn extract(bytes: &[u8]) -> Result<Extracted, InvoiceError> {
    if !is_pdf(bytes) {
        return Err(InvoiceError::UnknownFormat);
    }
    let pdf = Pdf::parse(bytes)?;
    let attachment = invoice_attachment(&pdf)?.ok_or(InvoiceError::NoEmbeddedInvoice)?;
    let (profile, invoice) =
        match rules::xml::text_of(&attachment.data).ok().and_then(|text| rules::xml::parse(text).ok()) {
            Some(document) => {
                let root = document.root_element();
                let is_cii = root.tag_name().namespace() == Some(rules::xml::RSM);
                (profile_of(root), is_cii.then(|| cii::read(root)))
            }
            None => (None, None),
        };
    Ok(Extracted { file_name: attachment.name, profile, invoice, xml: attachment.data })
}

/// The profile the document's BT-24 names.
fn profile_of(root: roxmltree::Node) -> Option<Profile> {
    rules::xml::guideline(root).and_then(|(urn, _)| Profile::from_guideline(&urn))
}

/// The CII XML of an invoice given as data, for a profile, refused with
/// the broken rules when it is not a valid invoice of that profile.
/// With a French party, what the French rules need and the data allows is
/// derived first (see [`Invoice::derive_french_terms`]); the terms derived
/// come back beside the XML.
pub fn xml_from_data(invoice: Invoice, profile: Profile) -> Result<(Vec<u8>, Vec<&'static str>), InvoiceError> {
    let (invoice, derived) = ready_for(invoice, profile)?;
    Ok((valid_xml(&invoice, profile)?, derived))
}

fn ready_for(invoice: Invoice, profile: Profile) -> Result<(Invoice, Vec<&'static str>), InvoiceError> {
    if !profile.is_written() {
        return Err(InvoiceError::NotWritten(profile));
    }
    let mut invoice = invoice.completed();
    let derived = invoice.derive_french_terms(profile);
    Ok((invoice, derived))
}

/// The invoice as CII for `profile`, refused unless it passes the profile,
/// EN 16931, and, for a French party in the profiles the reform exchanges,
/// the French rules (BR-FR).
fn valid_xml(completed: &Invoice, profile: Profile) -> Result<Vec<u8>, InvoiceError> {
    let xml = cii::write(completed, profile).into_bytes();
    let french = profile.follows_french_rules(completed.has_french_party());
    let report = rules::validate_xml(&xml, Some(if french { RuleSet::Fr } else { RuleSet::En16931 }))?;
    if !report.valid {
        return Err(InvoiceError::Invalid(Box::new(report)));
    }
    Ok(xml)
}

pub struct ConvertOptions {
    pub relationship: Option<Relationship>,
    /// Adds an sRGB OutputIntent when the PDF has none.
    pub output_intent: bool,
}

/// A Factur-X PDF: the original's bytes, unchanged, then the incremental
/// update that adds the invoice. Kept apart so that a response sends the
/// original as it came instead of copying it.
pub struct Converted {
    pub original: Vec<u8>,
    pub update: Vec<u8>,
    pub profile: Profile,
    pub preflight: Vec<pdf::Issue>,
    /// Business terms the service added to the invoice data (French mentions).
    pub derived: Vec<&'static str>,
}

impl Converted {
    pub fn pdf(&self) -> Vec<u8> {
        [self.original.as_slice(), &self.update].concat()
    }
}

/// Embeds a CII XML into a PDF; the XML's own BT-24 names the profile.
pub fn convert(
    pdf_bytes: Vec<u8>,
    xml: &[u8],
    options: &ConvertOptions,
    producer: &str,
) -> Result<Converted, InvoiceError> {
    if !is_pdf(&pdf_bytes) {
        return Err(InvoiceError::UnknownFormat);
    }
    let text = rules::xml::text_of(xml)?;
    let profile = profile_of(rules::xml::parse(text)?.root_element()).ok_or(InvoiceError::UnknownProfile)?;
    if !profile.is_written() {
        return Err(InvoiceError::NotWritten(profile));
    }
    embed_into(pdf_bytes, xml, profile, options, producer)
}

fn embed_into(
    pdf_bytes: Vec<u8>,
    xml: &[u8],
    profile: Profile,
    options: &ConvertOptions,
    producer: &str,
) -> Result<Converted, InvoiceError> {
    let pdf = Pdf::parse(&pdf_bytes)?;
    let mut preflight = pdf::preflight(&pdf);
    if options.output_intent {
        preflight.retain(|issue| issue.code != "no_output_intent");
    }
    let guideline = rules::xml::text_of(xml)
        .ok()
        .and_then(|text| rules::xml::parse(text).ok())
        .and_then(|document| rules::xml::guideline(document.root_element()))
        .map(|(urn, _)| urn);
    let embedding = Embedding {
        xml,
        profile,
        version: profile.xmp_version(guideline.as_deref()),
        relationship: options.relationship.unwrap_or(profile.default_relationship()),
        output_intent: options.output_intent,
        at: Utc::now(),
        producer,
    };
    let update = pdf::embed(&pdf_bytes, &pdf, &embedding)?;
    drop(pdf);
    Ok(Converted { original: pdf_bytes, update, profile, preflight, derived: Vec::new() })
}

/// A Factur-X PDF made from the invoice data alone: the visible invoice
/// typeset as PDF/A-3 (embedded fonts, sRGB OutputIntent) and its XML.
pub fn generate(
    invoice: Invoice,
    profile: Profile,
    fonts: &Typeface,
    producer: &str,
) -> Result<Converted, InvoiceError> {
    let (invoice, derived) = ready_for(invoice, profile)?;
    let xml = valid_xml(&invoice, profile)?;
    let pages = pdf::render(&invoice, fonts, producer).map_err(InvoiceError::Render)?;
    let converted =
        embed_into(pages, &xml, profile, &ConvertOptions { relationship: None, output_intent: true }, producer)?;
    Ok(Converted { derived, ..converted })
}
