use serde::Serialize;

use crate::domain::{Flavor, Profile};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

/// One broken rule, where it broke, in French and English.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Finding {
    /// The rule's id: an EN 16931 rule (`BR-CO-10`), a Factur-X rule
    /// (`FX-SCH-A-000571`, `BR-FXEXT-S-09b`), `XSD` for the profile's
    /// structure, `PDF-...` for the file around the XML.
    pub rule: String,
    pub severity: Severity,
    /// XPath of the element at fault.
    pub location: String,
    pub message_fr: String,
    pub message_en: String,
}

impl Finding {
    pub fn error(rule: &str, location: &str, fr: &str, en: &str) -> Self {
        Self::new(rule, Severity::Error, location, fr, en)
    }

    pub fn warning(rule: &str, location: &str, fr: &str, en: &str) -> Self {
        Self::new(rule, Severity::Warning, location, fr, en)
    }

    pub fn new(rule: &str, severity: Severity, location: &str, fr: &str, en: &str) -> Self {
        Self {
            rule: rule.to_owned(),
            severity,
            location: location.to_owned(),
            message_fr: fr.to_owned(),
            message_en: en.to_owned(),
        }
    }
}

/// The answer of `/v1/validate`.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Report {
    /// No error (warnings allowed).
    pub valid: bool,
    pub profile: Option<Profile>,
    pub flavor: Option<Flavor>,
    pub errors: Vec<Finding>,
    pub warnings: Vec<Finding>,
}

impl Report {
    pub fn new(profile: Option<Profile>, findings: Vec<Finding>) -> Self {
        let (errors, warnings): (Vec<_>, Vec<_>) =
            findings.into_iter().partition(|finding| finding.severity == Severity::Error);
        Self { valid: errors.is_empty(), profile, flavor: profile.map(Profile::flavor), errors, warnings }
    }

    /// Adds findings about the file around the XML.
    pub fn extend(&mut self, findings: Vec<Finding>) {
        for finding in findings {
            match finding.severity {
                Severity::Error => self.errors.push(finding),
                Severity::Warning => self.warnings.push(finding),
            }
        }
        self.valid = self.errors.is_empty();
    }
}
