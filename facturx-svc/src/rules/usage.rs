//! The profile's usage of each element, from the facts in `usage.txt`:
//! elements that must occur once (or at most once), attributes required
//! or not used, and the code list each coded value comes from.

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use std::sync::LazyLock;

use roxmltree::Node;

use super::xml::{child, prefix_of, text};
use super::{Findings, Severity};
use crate::cii::Element;
use crate::domain::Profile;

enum Check {
    Exactly1(&'static str),
    AtMost1(&'static str),
    AtLeast1(&'static str),
    Required(&'static str),
    Unused(Option<&'static str>),
    Code { attribute: Option<&'static str>, list: &'static str },
}

struct Rule {
    check: Check,
    id: &'static str,
    severity: Severity,
}

#[derive(Default)]
struct Usage {
    paths: HashMap<&'static str, Vec<Rule>>,
    lists: HashMap<&'static str, HashSet<&'static str>>,
}

static USAGES: LazyLock<HashMap<&'static str, Usage>> = LazyLock::new(|| parse(include_str!("usage.txt")));

fn parse(table: &'static str) -> HashMap<&'static str, Usage> {
    let mut usages: HashMap<&str, Usage> = HashMap::default();
    let (mut profile, mut path) = ("", "");
    for line in table.lines().filter(|line| !line.starts_with('#')) {
        let words: Vec<&str> = line.split(' ').collect();
        let usage = usages.entry(profile).or_default();
        let attribute = |select: &'static str| select.strip_prefix('@');
        let check = match words.as_slice() {
            ["profile", name] => {
                profile = name;
                continue;
            }
            ["path", name] => {
                path = name;
                continue;
            }
            ["list", id, values @ ..] => {
                usage.lists.insert(id, values.iter().copied().collect());
                continue;
            }
            ["exactly1", child, ..] => Check::Exactly1(child),
            ["atmost1", child, ..] => Check::AtMost1(child),
            ["atleast1", child, ..] => Check::AtLeast1(child),
            ["required", select, ..] => Check::Required(attribute(select).unwrap_or(select)),
            ["unused", select, ..] => Check::Unused(attribute(select)),
            ["code", select, list, ..] => Check::Code { attribute: attribute(select), list },
            _ => panic!("usage.txt: unreadable line {line}"),
        };
        let (id, flag) = (words[words.len() - 2], words[words.len() - 1]);
        let severity = if flag == "warning" { Severity::Warning } else { Severity::Error };
        let id = if id == "-" { "FX-USAGE" } else { id };
        usage.paths.entry(path).or_default().push(Rule { check, id, severity });
    }
    usages.remove("");
    usages
}

const GUIDELINE: &str =
    "/rsm:CrossIndustryInvoice/rsm:ExchangedDocumentContext/ram:GuidelineSpecifiedDocumentContextParameter/ram:ID";

/// The id of the profile's check that BT-24 is one of Factur-X's own
/// guideline URNs (FX-SCH-A-000556 in EN 16931, another in EXTENDED).
pub(super) fn guideline_code_rule(profile: Profile) -> Option<&'static str> {
    USAGES[profile.table_name()].paths.get(GUIDELINE)?.iter().find_map(|rule| match rule.check {
        Check::Code { attribute: None, .. } => Some(rule.id),
        _ => None,
    })
}

pub(super) fn check(root: Node, profile: Profile, findings: &mut Findings) {
    if profile != Profile::Minimum && profile != Profile::BasicWl {
        variants(root, profile, findings);
    }
    check_element(&USAGES[profile.table_name()], root, &mut String::new(), findings);
}

/// The rules of `element`'s context, then its children's; the context (the
/// path without positions) grows and shrinks as the walk goes, instead of
/// being rebuilt from the root for every element. The parser bounds the depth.
fn check_element(usage: &Usage, element: Node, context: &mut String, findings: &mut Findings) {
    let length = context.len();
    context.push('/');
    context.push_str(prefix_of(element.tag_name().namespace()));
    context.push(':');
    context.push_str(element.tag_name().name());
    for rule in usage.paths.get(context.as_str()).map(Vec::as_slice).unwrap_or_default() {
        if let Some((fr, en)) = broken(element, rule, usage) {
            findings.add(rule.id, rule.severity, element, &fr, &en);
        }
    }
    for child in element.children().filter(Node::is_element) {
        check_element(usage, child, context, findings);
    }
    context.truncate(length);
}

/// Removes the elements and attributes the profile marks as not used.
pub(super) fn prune(root: &mut Element, profile: Profile) {
    prune_element(&USAGES[profile.table_name()], root, &mut String::new());
}

fn prune_element(usage: &Usage, element: &mut Element, context: &mut String) {
    let length = context.len();
    context.push('/');
    context.push_str(element.name);
    let rules = usage.paths.get(context.as_str()).map(Vec::as_slice).unwrap_or_default();
    for rule in rules {
        if let Check::Unused(Some(attribute)) = rule.check {
            element.attributes.retain(|(name, _)| *name != attribute);
        }
    }
    element.children.retain(|child| {
        let child_context = format!("{context}/{}", child.name);
        !usage
            .paths
            .get(child_context.as_str())
            .is_some_and(|rules| rules.iter().any(|rule| matches!(rule.check, Check::Unused(None))))
    });
    for child in &mut element.children {
        prune_element(usage, child, context);
    }
    context.truncate(length);
}

/// The "element variants" of the Factur-X appendix: the same element used
/// for several business terms, told apart by a code.
fn variants(root: Node, profile: Profile, findings: &mut Findings) {
    let mut not_used = |node: Node, what: &str| {
        findings.error(
            "FX-USAGE",
            node,
            &format!("La variante {what} n'est pas utilisée dans ce contexte par ce profil."),
            &format!("Element variant {what} is marked as not used in the given context."),
        );
    };
    for node in root.descendants().filter(Node::is_element) {
        let parent = node.parent_element().map(|parent| parent.tag_name().name()).unwrap_or_default();
        match node.tag_name().name() {
            // BG-24 (916), tender or lot (BT-17, 50), invoiced object (BT-18, 130).
            "AdditionalReferencedDocument"
                if parent == "ApplicableHeaderTradeAgreement"
                    && profile != Profile::Basic
                    && !matches!(text(child(node, "TypeCode")), Some("916" | "50" | "130")) =>
            {
                not_used(node, "AdditionalReferencedDocument (TypeCode 916, 50 ou 130)");
            }
            // VAT identifier (VA) or tax registration (FC), one each.
            "SpecifiedTaxRegistration" => {
                let scheme = scheme_of(node);
                if !matches!(scheme, Some("VA" | "FC")) {
                    not_used(node, "SpecifiedTaxRegistration (schemeID VA ou FC)");
                } else if node.prev_siblings().skip(1).any(|sibling| {
                    sibling.tag_name().name() == "SpecifiedTaxRegistration" && scheme_of(sibling) == scheme
                }) {
                    not_used(node, "SpecifiedTaxRegistration (un seul par schemeID)");
                }
            }
            _ => {}
        }
    }
}

/// The scheme (VA, FC) of a tax registration's identifier.
fn scheme_of<'a>(registration: Node<'a, '_>) -> Option<&'a str> {
    child(registration, "ID").and_then(|id| id.attribute("schemeID"))
}

fn count_children(node: Node, prefixed: &str) -> usize {
    let Some((prefix, name)) = prefixed.split_once(':') else { return 0 };
    node.children()
        .filter(|child| {
            child.is_element() && child.tag_name().name() == name && prefix_of(child.tag_name().namespace()) == prefix
        })
        .count()
}

/// The French and English messages when the node breaks the rule.
fn broken(node: Node, rule: &Rule, usage: &Usage) -> Option<(String, String)> {
    match rule.check {
        Check::Exactly1(child) => (count_children(node, child) != 1).then(|| {
            (
                format!("L'élément {child} doit figurer exactement une fois."),
                format!("Element {child} must occur exactly 1 times."),
            )
        }),
        Check::AtMost1(child) => (count_children(node, child) > 1).then(|| {
            (
                format!("L'élément {child} peut figurer au plus une fois."),
                format!("Element {child} may occur at maximum 1 times."),
            )
        }),
        Check::AtLeast1(child) => (count_children(node, child) == 0).then(|| {
            (
                format!("L'élément {child} doit figurer au moins une fois."),
                format!("Element {child} must occur at least 1 times."),
            )
        }),
        Check::Required(attribute) => node.attribute(attribute).is_none().then(|| {
            (
                format!("L'attribut @{attribute} est obligatoire ici."),
                format!("Attribute @{attribute} is required in this context."),
            )
        }),
        Check::Unused(Some(attribute)) => node.attribute(attribute).is_some().then(|| {
            (
                format!("L'attribut @{attribute} n'est pas utilisé dans ce contexte par ce profil."),
                format!("Attribute @{attribute} is marked as not used in the given context."),
            )
        }),
        Check::Unused(None) => Some((
            format!("L'élément {} n'est pas utilisé dans ce contexte par ce profil.", node.tag_name().name()),
            format!("Element {} is marked as not used in the given context.", node.tag_name().name()),
        )),
        Check::Code { attribute, list } => {
            let value = match attribute {
                Some(attribute) => node.attribute(attribute).unwrap_or_default().trim(),
                None => node.text().unwrap_or_default().trim(),
            };
            let allowed = usage.lists.get(list).is_some_and(|values| values.contains(value));
            let what = attribute.map_or_else(|| node.tag_name().name().to_owned(), |attribute| format!("@{attribute}"));
            (!value.is_empty() && !allowed).then(|| {
                (
                    format!("La valeur « {value} » de {what} n'est pas dans la liste de codes permise."),
                    format!("Value '{value}' of {what} is not allowed."),
                )
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_guideline_list_is_found_in_each_profile() {
        assert_eq!(guideline_code_rule(Profile::En16931), Some("FX-SCH-A-000556"));
        assert_eq!(guideline_code_rule(Profile::Extended), Some("FX-SCH-A-000636"));
    }

    #[test]
    fn every_profile_has_its_usage_and_lists() {
        // ZUGFeRD 1.0 predates the Factur-X usage tables: its XSD is its check.
        for profile in Profile::ALL.into_iter().filter(|profile| profile.flavor() != crate::domain::Flavor::Zugferd1) {
            let usage = &USAGES[profile.table_name()];
            assert!(!usage.paths.is_empty() && !usage.lists.is_empty());
            for rules in usage.paths.values() {
                for rule in rules {
                    if let Check::Code { list, .. } = rule.check {
                        assert!(usage.lists.contains_key(list), "list {list}");
                    }
                }
            }
        }
    }
}
