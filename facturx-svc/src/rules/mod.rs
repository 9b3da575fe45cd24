//! Validation of a CII invoice: the structure of its profile (what the
//! XSD checks), the profile's usage of each element (the Factur-X
//! technical appendix), and the EN 16931 business rules.

mod business;
mod findings;
mod structure;
mod usage;
pub mod xml;

pub use findings::{Finding, Findings, MAX_FINDINGS_PER_RULE, Omitted, Report, Severity};
pub use xml::XmlError;

use crate::cii::Element;
use crate::domain::Profile;

/// The Factur-X check that BT-24 is one of its own guideline URNs.
const GUIDELINE_CODE_RULE: &str = "FX-SCH-A-000556";

/// Fits a built CII tree to the profile: what the profile marks as not
/// used goes, then what its structure has no place for.
pub fn shape(root: &mut Element, profile: Profile) {
    usage::prune(root, profile.structure());
    structure::shape(root, profile.structure());
}

/// Validates a CII XML invoice. `Err` only when the bytes are not a
/// well-formed, DTD-free XML document; every other defect is a finding.
pub fn validate_xml(bytes: &[u8]) -> Result<Report, XmlError> {
    let text = xml::text_of(bytes)?;
    let document = xml::parse(text)?;
    let root = document.root_element();
    let mut findings = Findings::default();
    let profile = match xml::guideline(root) {
        None => {
            findings.error_at(
                "BR-01",
                "/rsm:CrossIndustryInvoice",
                "La facture n'a pas d'identifiant de spécification (BT-24) : ce n'est pas une facture CII.",
                "An Invoice shall have a Specification identifier (BT-24): this is not a CII invoice.",
            );
            None
        }
        Some((urn, location)) => {
            let profile = Profile::from_guideline(&urn);
            if profile.is_none() {
                findings.error_at(
                    "FX-PROFILE",
                    &location,
                    &format!("L'identifiant de spécification « {urn} » ne désigne aucun profil Factur-X ni XRechnung."),
                    &format!("The specification identifier '{urn}' names no Factur-X or XRechnung profile."),
                );
            }
            profile
        }
    };
    if let Some(profile) = profile {
        structure::check(root, profile.structure(), &mut findings);
        usage::check(root, profile.structure(), &mut findings);
        if profile == Profile::XRechnung {
            // The Factur-X list of guideline URNs (BT-24) does not name
            // XRechnung's; its EN 16931 rules apply otherwise.
            findings.drop_rule(GUIDELINE_CODE_RULE);
        }
        business::check(root, profile, &mut findings);
    }
    Ok(findings.into_report(profile))
}
