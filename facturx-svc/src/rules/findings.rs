use std::collections::HashMap;

use roxmltree::Node;
use serde::Serialize;

use super::xml::path_of;
use crate::domain::{Flavor, Profile};

/// Findings kept of one rule; the others are counted. A rule broken
/// 80,000 times says nothing more than one broken 100 times, and each
/// finding's XPath costs as many steps as the element has earlier siblings.
pub const MAX_FINDINGS_PER_RULE: usize = 100;

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

/// The findings of one document as they are made, within
/// `MAX_FINDINGS_PER_RULE`: a finding past it is only counted, and its
/// location never computed.
#[derive(Default)]
pub struct Findings {
    kept: Vec<Finding>,
    per_rule: HashMap<String, (Severity, usize)>,
}

impl Findings {
    pub fn error(&mut self, rule: &str, at: Node, fr: &str, en: &str) {
        self.add(rule, Severity::Error, at, fr, en);
    }

    pub fn warning(&mut self, rule: &str, at: Node, fr: &str, en: &str) {
        self.add(rule, Severity::Warning, at, fr, en);
    }

    pub fn add(&mut self, rule: &str, severity: Severity, at: Node, fr: &str, en: &str) {
        if self.counted(rule, severity) {
            self.kept.push(Finding::new(rule, severity, &path_of(at), fr, en));
        }
    }

    /// A finding whose location is already known.
    pub fn error_at(&mut self, rule: &str, location: &str, fr: &str, en: &str) {
        if self.counted(rule, Severity::Error) {
            self.kept.push(Finding::error(rule, location, fr, en));
        }
    }

    /// Counts one more finding of `rule`; whether it is kept.
    fn counted(&mut self, rule: &str, severity: Severity) -> bool {
        let count = match self.per_rule.get_mut(rule) {
            Some((_, count)) => count,
            None => &mut self.per_rule.entry(rule.to_owned()).or_insert((severity, 0)).1,
        };
        *count += 1;
        *count <= MAX_FINDINGS_PER_RULE
    }

    /// Forgets every finding of `rule`.
    pub fn drop_rule(&mut self, rule: &str) {
        self.kept.retain(|finding| finding.rule != rule);
        self.per_rule.remove(rule);
    }

    pub fn into_report(self, profile: Option<Profile>) -> Report {
        let mut omitted: Vec<Omitted> = self
            .per_rule
            .into_iter()
            .filter(|(_, (_, count))| *count > MAX_FINDINGS_PER_RULE)
            .map(|(rule, (severity, count))| Omitted { rule, severity, count: count - MAX_FINDINGS_PER_RULE })
            .collect();
        omitted.sort_by(|a, b| a.rule.cmp(&b.rule));
        Report { omitted, ..Report::new(profile, self.kept) }
    }
}

/// Findings of one rule left out of the report past the first
/// `MAX_FINDINGS_PER_RULE`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Omitted {
    pub rule: String,
    pub severity: Severity,
    /// Findings of the rule not listed.
    pub count: usize,
}

/// A set of rules a validation ran.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum RuleSet {
    /// EN 16931 and the Factur-X (or XRechnung) profile's own rules.
    En16931,
    /// The French rules of the reform, BR-FR Flux 2 (France_RFE v1.4.0), as well.
    Fr,
    /// The French rules in their official "warning" version (France_RFE
    /// v1.4.0 `_WARNING`), for the transition: all but the billing frames'
    /// rules warn.
    #[serde(rename = "fr-warning")]
    FrWarning,
}

/// The answer of `/v1/validate`.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Report {
    /// No error (warnings allowed).
    pub valid: bool,
    pub profile: Option<Profile>,
    pub flavor: Option<Flavor>,
    /// The version of its specification the XML names (Factur-X 1.0,
    /// ZUGFeRD 2.1, XRechnung 2.3…).
    pub version: Option<String>,
    pub errors: Vec<Finding>,
    pub warnings: Vec<Finding>,
    /// Rules broken more than 100 times: how many of their findings are
    /// not listed in `errors` or `warnings`.
    pub omitted: Vec<Omitted>,
    /// The rule sets that ran on the XML (none when no XML was read).
    pub rule_sets: Vec<RuleSet>,
}

impl Report {
    pub fn new(profile: Option<Profile>, findings: Vec<Finding>) -> Self {
        let (errors, warnings): (Vec<_>, Vec<_>) =
            findings.into_iter().partition(|finding| finding.severity == Severity::Error);
        Self {
            valid: errors.is_empty(),
            profile,
            flavor: profile.map(Profile::flavor),
            version: None,
            errors,
            warnings,
            omitted: Vec::new(),
            rule_sets: Vec::new(),
        }
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
