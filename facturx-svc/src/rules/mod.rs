//! Validation of a CII invoice: the structure of its profile (what the
//! XSD checks), the profile's usage of each element (the Factur-X
//! technical appendix), the EN 16931 business rules, and the French rules
//! of the e-invoicing reform (BR-FR) when asked or when a party is French.

mod business;
mod findings;
mod france;
mod structure;
mod usage;
pub mod xml;

pub use findings::{Finding, Findings, MAX_FINDINGS_PER_RULE, Omitted, Report, RuleSet, Severity};
pub use xml::XmlError;

use crate::cii::Element;
use crate::domain::{Flavor, Profile};

/// Fits a built CII tree to the profile: what the profile marks as not
/// used goes, then what its structure has no place for.
pub fn shape(root: &mut Element, profile: Profile) {
    usage::prune(root, profile.structure());
    structure::shape(root, profile.structure());
}

/// Validates a CII XML invoice with EN 16931 and Factur-X rules, and the
/// French ones (BR-FR) when `rule_set` is `Fr`, or when it is not given and
/// the seller or the buyer is in France or the profile is EXTENDED-CTC-FR.
/// `Err` only when the bytes are not a well-formed, DTD-free XML document;
/// every other defect is a finding.
pub fn validate_xml(bytes: &[u8], rule_set: Option<RuleSet>) -> Result<Report, XmlError> {
    let text = xml::text_of(bytes)?;
    let document = xml::parse(text)?;
    let root = document.root_element();
    let mut findings = Findings::default();
    let guideline = xml::guideline(root);
    let profile = match guideline.clone() {
        None => {
            findings.error_at(
                "BR-01",
                "/rsm:CrossIndustryInvoice",
                "La facture n'a pas d'identifiant de spécification (BT-24) : ce n'est pas une facture CII.",
                "An Invoice shall have a Specification identifier (BT-24): this is not a CII invoice.",
            );
            None
        }
        Some((urn, location)) if urn.is_empty() => {
            findings.error_at(
                "BR-01",
                &location,
                "L'identifiant de spécification (BT-24) est vide : donnez celui du profil, par exemple urn:cen.eu:en16931:2017.",
                "An Invoice shall have a Specification identifier (BT-24): it is empty.",
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
    }
    // ZUGFeRD 1.0 predates EN 16931 and Factur-X: its XSD is its check.
    if let Some(profile) = profile.filter(|profile| profile.flavor() != Flavor::Zugferd1) {
        usage::check(root, profile.structure(), &mut findings);
        if matches!(profile, Profile::XRechnung | Profile::ExtendedCtcFr) {
            // The Factur-X list of guideline URNs (BT-24) names neither
            // XRechnung's nor the French reform's; their rules apply otherwise.
            if let Some(rule) = usage::guideline_code_rule(profile.structure()) {
                findings.drop_rule(rule);
            }
        }
        business::check(root, profile, &mut findings);
    }
    let french = match rule_set {
        Some(RuleSet::En16931) => None,
        Some(french) => Some(french),
        // The French profile is French whoever the parties are.
        None => (profile == Some(Profile::ExtendedCtcFr) || has_french_party(root)).then_some(RuleSet::Fr),
    };
    if let Some(french) = french {
        let version = if french == RuleSet::FrWarning { france::Version::Warning } else { france::Version::Fatal };
        // As the official schematron does, wherever a CII invoice is in the document.
        france::check(root, version, &mut findings);
    }
    let mut report = findings.into_report(profile);
    report.version = profile.map(|profile| profile.version(guideline.as_ref().map(|(urn, _)| urn.as_str())));
    report.rule_sets = std::iter::once(RuleSet::En16931).chain(french).collect();
    Ok(report)
}

/// The seller (BT-40) or the buyer (BT-55) is in France.
fn has_french_party(root: roxmltree::Node) -> bool {
    ["SellerTradeParty", "BuyerTradeParty"].iter().any(|party| {
        let country = xml::descend(
            root,
            &[
                "SupplyChainTradeTransaction",
                "ApplicableHeaderTradeAgreement",
                party,
                "PostalTradeAddress",
                "CountryID",
            ],
        );
        xml::text(country) == Some("FR")
    })
}
