//! What the profile's XSD checks, from the facts in `structure.txt`:
//! which elements each type holds, in which order and how many times,
//! their attributes, and the lexical form of their values.

use rustc_hash::FxHashMap as HashMap;
use std::sync::LazyLock;

use roxmltree::Node;

use super::Findings;
use super::xml::{self, prefix_of};
use crate::cii::Element;
use crate::domain::Profile;

const XSI: &str = "http://www.w3.org/2001/XMLSchema-instance";

struct ElementDef {
    name: &'static str,
    type_name: &'static str,
    min: u32,
    max: u32,
}

enum TypeDef {
    Complex { namespace: &'static str, choice: bool, min: u32, elements: Vec<ElementDef> },
    Simple { base: &'static str, attributes: Vec<(&'static str, bool)> },
}

type Grammar = HashMap<&'static str, TypeDef>;

static GRAMMARS: LazyLock<HashMap<&'static str, Grammar>> = LazyLock::new(|| parse(include_str!("structure.txt")));

fn parse(table: &'static str) -> HashMap<&'static str, Grammar> {
    let mut grammars: HashMap<&str, Grammar> = HashMap::default();
    let (mut profile, mut current) = ("", "");
    let count = |word: &str| if word == "n" { u32::MAX } else { word.parse().expect("structure.txt: a count") };
    for line in table.lines().filter(|line| !line.starts_with('#')) {
        let words: Vec<&str> = line.split(' ').collect();
        let grammar = grammars.entry(profile).or_default();
        match words.as_slice() {
            ["profile", name] => profile = name,
            ["type", name, namespace, group, min, _max] => {
                current = name;
                let namespace = match *namespace {
                    "rsm" => xml::RSM,
                    "ram" => xml::RAM,
                    "qdt" => xml::QDT,
                    "udt" => xml::UDT,
                    "rsm1" => xml::ZUGFERD1_RSM,
                    "ram12" => xml::ZUGFERD1_RAM,
                    "qdt12" => xml::ZUGFERD1_QDT,
                    "udt15" => xml::ZUGFERD1_UDT,
                    other => panic!("structure.txt: unknown namespace {other}"),
                };
                grammar.insert(
                    name,
                    TypeDef::Complex { namespace, choice: *group == "choice", min: count(min), elements: Vec::new() },
                );
            }
            ["el", name, type_name, min, max] => {
                if let Some(TypeDef::Complex { elements, .. }) = grammar.get_mut(current) {
                    elements.push(ElementDef { name, type_name, min: count(min), max: count(max) });
                }
            }
            ["simple", name, base, rest @ ..] => {
                let attributes = rest.chunks(3).map(|attribute| (attribute[1], attribute[2] == "required")).collect();
                grammar.insert(name, TypeDef::Simple { base, attributes });
            }
            _ => panic!("structure.txt: unreadable line {line}"),
        }
    }
    grammars.remove("");
    grammars
}

pub(super) fn check(root: Node, profile: Profile, findings: &mut Findings) {
    let grammar = &GRAMMARS[profile.table_name()];
    check_element(grammar, root, profile.root_type(), findings);
}

/// Keeps the elements and attributes the profile's structure allows, in
/// its order and within its counts; optional elements left empty go.
pub(super) fn shape(root: &mut Element, profile: Profile) {
    shape_element(&GRAMMARS[profile.table_name()], root, "CrossIndustryInvoiceType");
}

fn shape_element(grammar: &Grammar, element: &mut Element, type_name: &str) {
    match grammar.get(type_name) {
        Some(TypeDef::Simple { attributes, .. }) => {
            element.attributes.retain(|(name, _)| attributes.iter().any(|(allowed, _)| allowed == name));
        }
        Some(TypeDef::Complex { elements, .. }) => {
            let mut placed: Vec<(usize, Element)> = std::mem::take(&mut element.children)
                .into_iter()
                .filter_map(|child| {
                    let index = elements.iter().position(|definition| definition.name == child.local_name())?;
                    Some((index, child))
                })
                .collect();
            for (index, child) in &mut placed {
                shape_element(grammar, child, elements[*index].type_name);
            }
            placed.sort_by_key(|(index, _)| *index);
            let mut counts = vec![0u32; elements.len()];
            for (index, child) in placed {
                let definition = &elements[index];
                let empty = child.text.is_none() && child.children.is_empty();
                if counts[index] < definition.max && !(empty && definition.min == 0) {
                    counts[index] += 1;
                    element.children.push(child);
                }
            }
        }
        None => {}
    }
}

fn xsd_error(findings: &mut Findings, node: Node, fr: &str, en: &str) {
    findings.error("XSD", node, fr, en);
}

fn check_element(grammar: &Grammar, node: Node, type_name: &str, findings: &mut Findings) {
    let Some(definition) = grammar.get(type_name) else { return };
    match definition {
        TypeDef::Simple { base, attributes } => check_simple(node, base, attributes, findings),
        TypeDef::Complex { namespace, choice, min, elements } => {
            check_attributes(node, &[], findings);
            if node.children().any(|child| child.is_text() && !child.text().unwrap_or_default().trim().is_empty()) {
                xsd_error(
                    findings,
                    node,
                    "Cet élément ne contient que des éléments, pas de texte.",
                    "This element holds elements only, not text.",
                );
            }
            let children: Vec<Node> = node.children().filter(Node::is_element).collect();
            let matched = if *choice {
                check_choice(node, &children, namespace, *min, elements, findings)
            } else {
                check_sequence(node, &children, namespace, elements, findings)
            };
            for (child, definition) in matched {
                check_element(grammar, child, definition.type_name, findings);
            }
        }
    }
}

fn is(node: Node, namespace: &str, name: &str) -> bool {
    node.tag_name().name() == name && node.tag_name().namespace() == Some(namespace)
}

fn unexpected(findings: &mut Findings, node: Node) {
    let name = format!("{}:{}", prefix_of(node.tag_name().namespace()), node.tag_name().name());
    xsd_error(
        findings,
        node,
        &format!("L'élément {name} n'est pas attendu ici dans ce profil (inconnu, hors de son ordre ou en trop)."),
        &format!("Element {name} is not expected here in this profile (unknown, out of order or repeated)."),
    );
}

fn missing(findings: &mut Findings, parent: Node, namespace: &str, name: &str) {
    let name = format!("{}:{name}", prefix_of(Some(namespace)));
    xsd_error(
        findings,
        parent,
        &format!("L'élément obligatoire {name} manque."),
        &format!("Required element {name} is missing."),
    );
}

fn check_sequence<'a, 'input, 'g>(
    parent: Node<'a, 'input>,
    children: &[Node<'a, 'input>],
    namespace: &str,
    elements: &'g [ElementDef],
    findings: &mut Findings,
) -> Vec<(Node<'a, 'input>, &'g ElementDef)> {
    let mut matched = Vec::new();
    let mut next = 0;
    for definition in elements {
        let mut count = 0;
        while next < children.len() && is(children[next], namespace, definition.name) {
            if count == definition.max {
                break;
            }
            matched.push((children[next], definition));
            count += 1;
            next += 1;
        }
        if count < definition.min {
            missing(findings, parent, namespace, definition.name);
        }
    }
    if let Some(&extra) = children.get(next) {
        // One report: after the first stray element, the rest cannot be placed.
        unexpected(findings, extra);
    }
    matched
}

fn check_choice<'a, 'input, 'g>(
    parent: Node<'a, 'input>,
    children: &[Node<'a, 'input>],
    namespace: &str,
    min: u32,
    elements: &'g [ElementDef],
    findings: &mut Findings,
) -> Vec<(Node<'a, 'input>, &'g ElementDef)> {
    let mut matched = Vec::new();
    for &child in children {
        match elements.iter().find(|definition| is(child, namespace, definition.name)) {
            Some(definition) if matched.is_empty() => matched.push((child, definition)),
            _ => unexpected(findings, child),
        }
    }
    if matched.is_empty() && min > 0 {
        let names: Vec<&str> = elements.iter().map(|definition| definition.name).collect();
        missing(findings, parent, namespace, &names.join("|"));
    }
    matched
}

fn check_attributes(node: Node, allowed: &[(&str, bool)], findings: &mut Findings) {
    for attribute in node.attributes() {
        let known = attribute.namespace() == Some(XSI)
            || (attribute.namespace().is_none() && allowed.iter().any(|(name, _)| *name == attribute.name()));
        if !known {
            xsd_error(
                findings,
                node,
                &format!("L'attribut {} n'est pas permis sur cet élément.", attribute.name()),
                &format!("Attribute {} is not allowed on this element.", attribute.name()),
            );
        }
    }
    for (name, _) in allowed.iter().filter(|(name, required)| *required && node.attribute(*name).is_none()) {
        xsd_error(
            findings,
            node,
            &format!("L'attribut obligatoire {name} manque."),
            &format!("Required attribute {name} is missing."),
        );
    }
}

fn check_simple(node: Node, base: &str, attributes: &[(&str, bool)], findings: &mut Findings) {
    check_attributes(node, attributes, findings);
    if let Some(child) = node.children().find(Node::is_element) {
        unexpected(findings, child);
    }
    // One text node is the rule (a megabyte attachment is one): read it in place.
    let value: std::borrow::Cow<str> = match node.children().filter(|child| child.is_text()).count() {
        0 => "".into(),
        1 => node.text().unwrap_or_default().into(),
        _ => node.children().filter_map(|child| child.text()).collect::<String>().into(),
    };
    let well_formed = match base {
        "decimal" => is_decimal(value.trim()),
        "boolean" => matches!(value.trim(), "true" | "false" | "1" | "0"),
        "base64Binary" => is_base64(&value),
        _ => true,
    };
    if !well_formed {
        xsd_error(
            findings,
            node,
            &format!("La valeur n'est pas un {base} valide."),
            &format!("The value is not a valid {base}."),
        );
    }
}

/// xs:decimal: an optional sign, digits with at most one point, no exponent.
pub(super) fn is_decimal(value: &str) -> bool {
    let digits = value.strip_prefix(['+', '-']).unwrap_or(value);
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    (!whole.is_empty() || !fraction.is_empty())
        && whole.bytes().all(|byte| byte.is_ascii_digit())
        && fraction.bytes().all(|byte| byte.is_ascii_digit())
}

/// xs:base64Binary's lexical form (XML Schema 1.1 §3.3.16), checked in
/// place: base64 symbols in groups of four, whitespace anywhere, at most two
/// `=` at the end, and the bits a padded group leaves over all zero (as a
/// strict decoder requires). Attachments run to megabytes: no copy, no decode.
fn is_base64(value: &str) -> bool {
    const OTHER: u8 = 0xff;
    const SPACE: u8 = 0xfe;
    const PAD: u8 = 0xfd;
    // Each byte's 6-bit value, or what else it is: one lookup per byte.
    const VALUES: [u8; 256] = {
        let mut values = [OTHER; 256];
        let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let mut index = 0;
        while index < 64 {
            values[alphabet[index] as usize] = index as u8;
            index += 1;
        }
        values[b' ' as usize] = SPACE;
        values[b'\t' as usize] = SPACE;
        values[b'\n' as usize] = SPACE;
        values[b'\r' as usize] = SPACE;
        values[0x0c] = SPACE;
        values[b'=' as usize] = PAD;
        values
    };
    let (mut symbols, mut padding, mut last) = (0usize, 0usize, 0u8);
    for byte in value.bytes() {
        match VALUES[byte as usize] {
            SPACE => {}
            PAD => padding += 1,
            OTHER => return false,
            _ if padding > 0 => return false,
            value => {
                symbols += 1;
                last = value;
            }
        }
    }
    let leftover_bits = match padding {
        0 => 0,
        1 => 0b11,
        2 => 0b1111,
        _ => return false,
    };
    (symbols + padding) % 4 == 0 && last & leftover_bits == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_profile_has_its_structure() {
        for profile in Profile::ALL {
            assert!(GRAMMARS[profile.table_name()].contains_key(profile.root_type()));
        }
    }

    #[test]
    fn base64_is_checked_as_a_strict_decoder_reads_it() {
        use base64::Engine as _;
        let strict = |value: &str| {
            let compact: String = value.chars().filter(|c| !c.is_ascii_whitespace()).collect();
            base64::engine::general_purpose::STANDARD.decode(compact).is_ok()
        };
        let alphabet = b"ABCDQgwAEIMQUYcgkosw048z+/= \n";
        let mut state = 20261202u64;
        for _ in 0..20_000 {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            let length = (state >> 59) as usize;
            let value: String = (0..length)
                .map(|index| {
                    let pick = (state >> (index % 8 * 7)) as usize ^ index.wrapping_mul(31);
                    alphabet[pick % alphabet.len()] as char
                })
                .collect();
            assert_eq!(is_base64(&value), strict(&value), "{value:?}");
        }
        for good in ["", "QQ==", "QUI=", "QUJD", "QU JD\n", "QQ = ="] {
            assert!(is_base64(good), "{good:?}");
        }
        for bad in ["Q", "QR==", "QUJ=A", "QUJD=", "QQ===", "Q!==", "===="] {
            assert!(!is_base64(bad), "{bad:?}");
        }
    }

    #[test]
    fn decimals_follow_xsd() {
        for good in ["1", "-1.50", "+.5", "0.", "00012.3400"] {
            assert!(is_decimal(good), "{good}");
        }
        for bad in ["", ".", "1e3", "1,5", "1.2.3", " 1"] {
            assert!(!is_decimal(bad), "{bad}");
        }
    }
}
