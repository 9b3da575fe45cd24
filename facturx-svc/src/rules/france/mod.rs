//! The French rules of the e-invoicing reform for CII invoices: BR-FR
//! Flux 2 of FNFE-MPE France_RFE v1.4.0, as every PA (plateforme agréée)
//! applies them on top of EN 16931. The rules, their patterns, contexts and
//! severities are facts in `rules.txt`, derived from the official
//! schematron by `scripts/france-rfe-rules.py`; a check of a known shape is
//! named there and made here once, any other is written by its id below.
//!
//! As in schematron, a node is checked by the first rule of each pattern
//! whose context it matches; values are compared as XPath compares them
//! (the element's whole text, not trimmed, unless the rule normalizes it).

use rustc_hash::FxHashMap as HashMap;
use std::sync::LazyLock;

use roxmltree::Node;

use super::xml::{QDT, RAM, RSM, UDT};
use super::{Findings, Severity};

mod frames;

/// EN 16931's invoice type codes that France accepts (BT-3).
const DOCUMENT_TYPES: [&str; 16] =
    ["380", "389", "393", "501", "386", "500", "384", "471", "472", "473", "261", "262", "381", "396", "502", "503"];
/// The billing frames (cadre de facturation, BT-23).
const BILLING_FRAMES: [&str; 20] = [
    "B1", "S1", "M1", "B2", "S2", "M2", "S3", "B4", "S4", "M4", "S5", "S6", "B7", "S7", "B8", "S8", "M8", "B9", "S9",
    "M9",
];
const VAT_CATEGORIES: [&str; 7] = ["S", "E", "AE", "K", "G", "O", "Z"];
/// VAT rates in use in France and its overseas departments, as written.
const VAT_RATES: [&str; 33] = [
    "0", "0.0", "0.00", "10", "10.0", "10.00", "13", "13.0", "13.00", "20", "20.0", "20.00", "8.5", "8.50", "19.6",
    "19.60", "2.1", "2.10", "5.5", "5.50", "7", "7.0", "7.00", "20.6", "20.60", "1.05", "0.9", "0.90", "1.75", "9.2",
    "9.20", "9.6", "9.60",
];
/// What a BAR note (BT-21 `BAR`) may say of the invoice's treatment.
const TREATMENTS: [&str; 6] = ["B2B", "B2BINT", "B2C", "B2CINT", "OUTOFSCOPE", "ARCHIVEONLY"];
/// Qualifications of an attached document (BT-123 of a `916` BG-24).
const ATTACHMENTS: [&str; 12] = [
    "RIB",
    "LISIBLE",
    "FEUILLE_DE_STYLE",
    "PJA",
    "BORDEREAU_SUIVI",
    "DOCUMENT_ANNEXE",
    "BON_LIVRAISON",
    "BON_COMMANDE",
    "BORDEREAU_SUIVI_VALIDATION",
    "ETAT_ACOMPTE",
    "FACTURE_PAIEMENT_DIRECT",
    "RECAPITULATIF_COTRAITANCE",
];
/// BT-9, the payment due date.
const DUE_DATE: [(&str, &str); 5] = [
    (RSM, "SupplyChainTradeTransaction"),
    (RAM, "ApplicableHeaderTradeSettlement"),
    (RAM, "SpecifiedTradePaymentTerms"),
    (RAM, "DueDateDateTime"),
    (UDT, "DateTimeString"),
];
/// Self-billed invoice types: BR-FR-21 and 22 swap buyer and seller for them.
const SELF_BILLED: [&str; 7] = ["389", "501", "500", "471", "473", "261", "502"];

#[derive(Clone, Copy)]
enum Check {
    MaxLength(usize),
    IdFormat,
    DateFormat,
    DocumentType,
    SchemeFormat,
    NotBlank,
    NineDigits,
    Decimal(usize),
    Percent,
    Price,
    SchemeGiven,
    SchemeOnce,
    SiretSiren { siren_from_siret: bool },
    VatCategory,
    NotLOrM,
    VatRate,
    Custom(fn(Node) -> bool),
}

struct Assertion {
    id: &'static str,
    severity: Severity,
    /// Its severity in the official "warning" version of the rules.
    severity_in_warning_version: Severity,
    check: Check,
}

/// Which of the two official versions of the rules to apply: the one in
/// force since 1 September 2026, or the "warning" one FNFE-MPE published
/// for the transition, where most rules only warn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Version {
    Fatal,
    Warning,
}

/// One step of a context: an element name, and maybe a comparison its
/// attribute or children must make.
struct Step {
    namespace: &'static str,
    name: &'static str,
    predicate: Vec<Comparison>,
}

/// `@attribute = 'v'` or `ram:A/ram:B = ('v', 'w')`: true when any value
/// reached equals any literal; a predicate holds when one of its
/// comparisons (joined by `or`) does.
struct Comparison {
    attribute: Option<&'static str>,
    path: Vec<(&'static str, &'static str)>,
    values: Vec<&'static str>,
}

struct Context {
    /// `/a/b` starts at the document; `a/b` and `//a/b` anywhere.
    from_root: bool,
    steps: Vec<Step>,
}

struct Rule {
    context: Context,
    assertions: Vec<Assertion>,
}

struct Pattern {
    rules: Vec<Rule>,
    /// The rules whose context ends with each element name, in order.
    by_name: HashMap<&'static str, Vec<usize>>,
}

static PATTERNS: LazyLock<Vec<Pattern>> = LazyLock::new(|| parse(include_str!("rules.txt")));

/// For each element name, the patterns with a rule for it: one lookup per
/// node instead of one per pattern.
static PATTERNS_BY_NAME: LazyLock<HashMap<&'static str, Vec<&'static Pattern>>> = LazyLock::new(|| {
    let mut index: HashMap<&'static str, Vec<&'static Pattern>> = HashMap::default();
    for pattern in PATTERNS.iter() {
        for name in pattern.by_name.keys() {
            index.entry(name).or_default().push(pattern);
        }
    }
    index
});

/// Checks the French rules on a CII invoice.
pub fn check(root: Node, version: Version, findings: &mut Findings) {
    // Their functions read the frame from `/rsm:CrossIndustryInvoice`: the document's root.
    if root.tag_name().name() == "CrossIndustryInvoice" && root.tag_name().namespace() == Some(RSM) {
        frames::check(root, findings);
    }
    for node in root.descendants().filter(Node::is_element) {
        check_key(node, findings);
        let Some(patterns) = PATTERNS_BY_NAME.get(node.tag_name().name()) else { continue };
        for pattern in patterns {
            let Some(candidates) = pattern.by_name.get(node.tag_name().name()) else { continue };
            let Some(rule) =
                candidates.iter().map(|index| &pattern.rules[*index]).find(|rule| rule.context.matches(node))
            else {
                continue;
            };
            for assertion in &rule.assertions {
                if !holds(assertion.check, node) {
                    let (fr, en) = messages(assertion, node);
                    let severity = match version {
                        Version::Fatal => assertion.severity,
                        Version::Warning => assertion.severity_in_warning_version,
                    };
                    findings.add(assertion.id, severity, node, &fr, &en);
                }
            }
        }
    }
}

/// Beyond the official rules, which check only their length: a SIREN
/// (scheme 0002) or a SIRET (0009) whose Luhn key is wrong was mistyped,
/// and the PA's directory will not know it (`FR-SIREN-KEY`, a warning).
fn check_key(node: Node, findings: &mut Findings) {
    let digits = match node.attribute("schemeID") {
        Some("0002") => 9,
        Some("0009") => 14,
        _ => return,
    };
    if !matches!(node.tag_name().name(), "ID" | "GlobalID") || node.tag_name().namespace() != Some(RAM) {
        return;
    }
    let value = normalized(node);
    if is_digits(&value, digits) && !luhn_valid(&value) {
        let kind = if digits == 9 { "SIREN" } else { "SIRET" };
        findings.warning(
            "FR-SIREN-KEY",
            node,
            &format!("FR-SIREN-KEY : la clé du {kind} « {value} » est fausse (contrôle de Luhn) : vérifiez-le sur l'avis de situation Sirene."),
            &format!("FR-SIREN-KEY: the check digit of {kind} '{value}' is wrong (Luhn): check it against the Sirene register."),
        );
    }
}

/// The Luhn check INSEE uses for SIREN and SIRET (La Poste's SIRETs,
/// 356000000xxxxx, follow another rule and are accepted as they are).
fn luhn_valid(digits: &str) -> bool {
    if digits.len() == 14 && digits.starts_with("356000000") {
        return true;
    }
    let sum: u32 = digits
        .bytes()
        .rev()
        .enumerate()
        .map(|(index, byte)| {
            let digit = u32::from(byte - b'0');
            if index % 2 == 1 { if digit * 2 > 9 { digit * 2 - 9 } else { digit * 2 } } else { digit }
        })
        .sum();
    sum.is_multiple_of(10)
}

fn holds(check: Check, node: Node) -> bool {
    // Only the checks of a leaf's own value read it: a root context's whole
    // text is never gathered.
    let value = || string_value(node);
    match check {
        Check::MaxLength(limit) => value().chars().count() <= limit,
        Check::IdFormat => {
            let trimmed = normalized(node);
            !trimmed.is_empty()
                && trimmed.chars().all(|c| c.is_ascii_alphanumeric() || "+-_/".contains(c))
                && !value().contains(' ')
        }
        Check::DateFormat => is_date(&value()),
        Check::DocumentType => DOCUMENT_TYPES.contains(&value().as_str()),
        Check::SchemeFormat => {
            let value = value();
            !value.is_empty() && value.chars().all(|c| c.is_ascii_alphanumeric() || "+-_.".contains(c))
        }
        Check::NotBlank => !normalized(node).is_empty(),
        Check::NineDigits => is_digits(&normalized(node), 9),
        Check::Decimal(places) => is_decimal(&normalized(node), places, true),
        Check::Percent => is_decimal_with(&normalized(node), 4, 2, false),
        Check::Price => is_decimal(&normalized(node), 6, in_frames(node, &frames::SUB_INVOICES)),
        Check::SchemeGiven => children(node, RAM, "GlobalID").all(|id| id.attribute("schemeID").is_some()),
        Check::SchemeOnce => {
            let schemes: Vec<&str> =
                children(node, RAM, "GlobalID").filter_map(|id| id.attribute("schemeID")).collect();
            let mut distinct = schemes.clone();
            distinct.sort_unstable();
            distinct.dedup();
            distinct.len() == schemes.len()
        }
        Check::SiretSiren { siren_from_siret } => siret_matches_siren(node, siren_from_siret),
        Check::VatCategory => {
            let codes: Vec<String> = children(node, RAM, "CategoryCode").map(string_value).collect();
            codes.len() == 1 && VAT_CATEGORIES.contains(&codes[0].as_str())
        }
        Check::NotLOrM => {
            !children(node, RAM, "CategoryCode").any(|code| ["L", "M"].contains(&string_value(code).as_str()))
        }
        Check::VatRate => match children(node, RAM, "RateApplicablePercent").next() {
            None => true,
            Some(rate) => {
                let rate = string_value(rate);
                rate.is_empty() || VAT_RATES.contains(&rate.as_str())
            }
        },
        Check::Custom(rule) => rule(node),
    }
}

/// `AAAAMMJJ` in the 21st century, a day the month has; what follows the
/// eighth character is not looked at.
fn is_date(value: &str) -> bool {
    let short: String = value.chars().take(8).collect();
    if !is_digits(&short, 8) || !short.starts_with("20") {
        return false;
    }
    let number = |range: std::ops::Range<usize>| short[range].parse::<u32>().unwrap_or(0);
    let (year, month, day) = (number(0..4), number(4..6), number(6..8));
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => 0,
    };
    day >= 1 && day <= days
}

fn is_digits(value: &str, count: usize) -> bool {
    value.len() == count && value.bytes().all(|byte| byte.is_ascii_digit())
}

/// At most 19 digits in all, at most `places` after a point, maybe a minus.
fn is_decimal(value: &str, places: usize, signed: bool) -> bool {
    is_decimal_with(value, 19, places, signed)
}

fn is_decimal_with(value: &str, digits: usize, places: usize, signed: bool) -> bool {
    let unsigned = if signed { value.strip_prefix('-').unwrap_or(value) } else { value };
    let (whole, fraction) = match unsigned.split_once('.') {
        Some((whole, fraction)) => (whole, Some(fraction)),
        None => (unsigned, None),
    };
    let all_digits = |text: &str| !text.is_empty() && text.bytes().all(|byte| byte.is_ascii_digit());
    // The sign counts among the characters, as the official function counts them.
    all_digits(whole)
        && fraction.is_none_or(|fraction| all_digits(fraction) && fraction.len() <= places)
        && value.replace('.', "").chars().count() <= digits
}

/// BR-FR-09: a SIRET (`0009`) is 14 digits starting with the party's SIREN.
fn siret_matches_siren(party: Node, siren_from_siret: bool) -> bool {
    let Some(siret) = children(party, RAM, "GlobalID").find(|id| id.attribute("schemeID") == Some("0009")) else {
        return true;
    };
    let siret = string_value(siret);
    let legal = all(party, &[(RAM, "SpecifiedLegalOrganization"), (RAM, "ID")])
        .into_iter()
        .filter(|id| id.attribute("schemeID") == Some("0002"))
        .map(string_value)
        .collect::<Vec<_>>();
    let sirens = if siren_from_siret && legal.first().is_none_or(String::is_empty) {
        vec![siret.chars().take(9).collect()]
    } else {
        legal
    };
    is_digits(&siret, 14) && sirens.iter().any(|siren| siret[..9] == *siren)
}

/// The checks that have no shape of their own, by rule id.
fn custom(id: &str) -> Option<fn(Node) -> bool> {
    Some(match id {
        "BR-FR-05_BT-22_PMT" => |document| has_note(document, "PMT"),
        "BR-FR-05_BT-22_PMD" => |document| has_note(document, "PMD"),
        "BR-FR-05_BT-22_AAB" => |document| has_note(document, "AAB"),
        "BR-FR-06_BT-21_PMT" => |document| notes(document, "PMT").count() <= 1,
        "BR-FR-06_BT-21_PMD" => |document| notes(document, "PMD").count() <= 1,
        "BR-FR-06_BT-21_AAB" => |document| notes(document, "AAB").count() <= 1,
        "BR-FR-06_BT-21_TXD" => |document| notes(document, "TXD").count() <= 1,
        "BR-FR-08_BT-23" => |context| {
            let frames = all(context, &[(RAM, "BusinessProcessSpecifiedDocumentContextParameter"), (RAM, "ID")]);
            frames.len() == 1 && BILLING_FRAMES.contains(&string_value(frames[0]).as_str())
        },
        "BR-FR-10_BT-30" => {
            |root| seller_siren(root).is_some_and(|siren| is_digits(&normalize(&string_value(siren)), 9))
        }
        "BR-FR-11_BT-47" => |root| {
            !treatment_is(root, "B2B") || buyer_siren(root).is_some_and(|siren| is_digits(&string_value(siren), 9))
        },
        "BR-FR-12_BT-49" => |root| endpoint(root, "BuyerTradeParty").is_some_and(|id| !string_value(id).is_empty()),
        "BR-FR-13_BT-34" => |root| endpoint(root, "SellerTradeParty").is_some_and(|id| !string_value(id).is_empty()),
        "BR-FR-15_BT-95_BT-151" => |tax| {
            let codes: Vec<String> = children(tax, RAM, "CategoryCode").map(string_value).collect();
            let line = tax.parent().and_then(|settlement| settlement.parent());
            let grouping = line.is_some_and(|line| {
                all(line, &[(RAM, "AssociatedDocumentLineDocument"), (RAM, "LineStatusReasonCode")])
                    .into_iter()
                    .any(|code| ["GROUP", "INFORMATION"].contains(&string_value(code).as_str()))
            });
            (codes.len() == 1 && VAT_CATEGORIES.contains(&codes[0].as_str())) || (codes.is_empty() && grouping)
        },
        "BR-FR-17_BT-123" => |document| {
            let code = children(document, RAM, "Name").next().map(normalized).unwrap_or_default();
            code.is_empty() || ATTACHMENTS.contains(&code.as_str())
        },
        "BR-FR-18_BT-123" => |root| {
            agreement_documents(root).filter(|document| has_child_equal(*document, "Name", &["LISIBLE"])).count() <= 1
        },
        "BR-FR-20_BT-21" => |note| {
            let contents: Vec<String> = children(note, RAM, "Content").map(string_value).collect();
            contents.len() == 1 && TREATMENTS.contains(&contents[0].as_str())
        },
        "BR-FR-21_BT-49" => {
            |root| !treatment_is(root, "B2B") || self_billed(root) || addressed_to_siren(root, "BuyerTradeParty")
        }
        "BR-FR-22_BT-34" => {
            |root| !treatment_is(root, "B2B") || !self_billed(root) || addressed_to_siren(root, "SellerTradeParty")
        }
        "BR-FR-27_BG-32" => |characteristic| {
            children(characteristic, RAM, "Description").next().is_some()
                || children(characteristic, RAM, "TypeCode").next().is_some()
        },
        "BR-FR-28-Value" => |characteristic| {
            let value = children(characteristic, RAM, "Value").next().is_some();
            let measures: Vec<Node> = children(characteristic, RAM, "ValueMeasure").collect();
            (value && measures.is_empty())
                || (!value
                    && measures
                        .iter()
                        .any(|measure| measure.attribute("unitCode").is_some_and(|unit| !unit.is_empty())))
        },
        "BR-FR-29_BT-18" | "BR-FR-30_BT-128" => |parent| {
            ["AFL", "AVV"].iter().all(|code| {
                children(parent, RAM, "AdditionalReferencedDocument")
                    .filter(|document| has_child_equal(*document, "ReferenceTypeCode", &[code]))
                    .count()
                    <= 1
            })
        },
        "BR-FR-31_BT-21" => |document| {
            notes(document, "BAR")
                .filter(|note| {
                    children(*note, RAM, "Content").any(|content| TREATMENTS.contains(&normalized(content).as_str()))
                })
                .count()
                <= 1
        },
        "BR-FR-CO-03_BT-3" => |root| {
            !type_is(root, &["262"])
                || (texts(
                    root,
                    &[
                        (RSM, "SupplyChainTradeTransaction"),
                        (RAM, "ApplicableHeaderTradeAgreement"),
                        (RAM, "ContractReferencedDocument"),
                        (RAM, "IssuerAssignedID"),
                    ],
                ) && texts(
                    root,
                    &[
                        (RSM, "SupplyChainTradeTransaction"),
                        (RAM, "ApplicableHeaderTradeSettlement"),
                        (RAM, "BillingSpecifiedPeriod"),
                        (RAM, "StartDateTime"),
                        (UDT, "DateTimeString"),
                    ],
                ) && texts(
                    root,
                    &[
                        (RSM, "SupplyChainTradeTransaction"),
                        (RAM, "ApplicableHeaderTradeSettlement"),
                        (RAM, "BillingSpecifiedPeriod"),
                        (RAM, "EndDateTime"),
                        (UDT, "DateTimeString"),
                    ],
                ))
        },
        "BR-FR-CO-04_BT-4" => {
            |root| !type_is(root, &["384", "471", "472", "473"]) || settlement_references(root).len() == 1
        }
        "BR-FR-CO-05_BT-3" => |root| {
            let dated = |reference: &Node| {
                children(*reference, RAM, "IssuerAssignedID").next().is_some()
                    && !all(*reference, &[(RAM, "FormattedIssueDateTime"), (QDT, "DateTimeString")]).is_empty()
            };
            let detail_lines_refer = lines(root)
                .filter(|line| {
                    let codes = all(*line, &[(RAM, "AssociatedDocumentLineDocument"), (RAM, "LineStatusReasonCode")]);
                    codes.is_empty() || codes.iter().any(|code| string_value(*code) == "DETAIL")
                })
                .all(|line| {
                    all(line, &[(RAM, "SpecifiedLineTradeSettlement"), (RAM, "InvoiceReferencedDocument")])
                        .iter()
                        .any(dated)
                });
            !type_is(root, &["261", "381", "396", "502", "503"])
                || settlement_references(root).iter().any(dated)
                || detail_lines_refer
        },
        "BR-FR-CO-07_BT-9" => |root| {
            let due = all(root, &DUE_DATE);
            let issued = all(root, &[(RSM, "ExchangedDocument"), (RAM, "IssueDateTime"), (UDT, "DateTimeString")]);
            due.first().is_none_or(|date| string_value(*date).is_empty())
                || type_is(root, &["386", "500", "503"])
                || frame_is(root, &["B2", "S2", "M2"])
                || due.iter().any(|due| issued.iter().any(|issued| string_value(*due) >= string_value(*issued)))
        },
        "BR-FR-CO-08_BT-23" => |root| !frame_is(root, &["B4", "S4", "M4"]) || !type_is(root, &["386", "500", "503"]),
        "BR-FR-CO-09_BT-23-1" => |root| {
            !frame_is(root, &["B2", "S2", "M2"])
                || amount(root, "TotalPrepaidAmount")
                    .zip(amount(root, "GrandTotalAmount"))
                    .is_some_and(|(paid, total)| paid == total)
        },
        "BR-FR-CO-09_BT-23-2" => {
            |root| !frame_is(root, &["B2", "S2", "M2"]) || amount(root, "DuePayableAmount") == Some(0.0)
        }
        "BR-FR-CO-09_BT-23-3" => |root| !frame_is(root, &["B2", "S2", "M2"]) || texts(root, &DUE_DATE),
        "BR-FR-CO-12_BT-5" => |root| {
            let settlement = [(RSM, "SupplyChainTradeTransaction"), (RAM, "ApplicableHeaderTradeSettlement")];
            let currencies = all(root, &[settlement[0], settlement[1], (RAM, "InvoiceCurrencyCode")]);
            let accounting = all(root, &[settlement[0], settlement[1], (RAM, "TaxCurrencyCode")]);
            let tax_in_euros = all(
                root,
                &[
                    settlement[0],
                    settlement[1],
                    (RAM, "SpecifiedTradeSettlementHeaderMonetarySummation"),
                    (RAM, "TaxTotalAmount"),
                ],
            )
            .into_iter()
            .find(|amount| amount.attribute("currencyID") == Some("EUR"));
            !currencies.iter().any(|currency| string_value(*currency) != "EUR")
                || (accounting.iter().any(|currency| string_value(*currency) == "EUR")
                    && tax_in_euros.is_some_and(|amount| !string_value(amount).is_empty()))
        },
        "BR-FR-CO-14_BT-29-1" => |root| {
            !single_vat_group_member(root)
                || notes(first(root, &[(RSM, "ExchangedDocument")]).unwrap_or(root), "TXD")
                    .any(|note| has_child_equal(note, "Content", &["MEMBRE_ASSUJETTI_UNIQUE"]))
        },
        "BR-FR-CO-15_BT-29-1" => |root| {
            let representative = all(
                root,
                &[
                    (RSM, "SupplyChainTradeTransaction"),
                    (RAM, "ApplicableHeaderTradeAgreement"),
                    (RAM, "SellerTaxRepresentativeTradeParty"),
                ],
            );
            !single_vat_group_member(root)
                || representative.iter().any(|party| {
                    all(*party, &[(RAM, "SpecifiedTaxRegistration"), (RAM, "ID")])
                        .into_iter()
                        .find(|id| id.attribute("schemeID") == Some("VA"))
                        .is_some_and(|id| !string_value(id).is_empty())
                })
        },
        _ => return None,
    })
}

fn messages(assertion: &Assertion, node: Node) -> (String, String) {
    let value = string_value(node);
    let shown: String = value.chars().take(60).collect();
    let element = format!("{} ({})", node.tag_name().name(), business_term(assertion.id));
    let (fr, en) = match assertion.check {
        Check::MaxLength(limit) => (
            format!("{element} dépasse {limit} caractères : « {shown} ». Raccourcissez-le."),
            format!("{element} is longer than {limit} characters: '{shown}'. Shorten it."),
        ),
        Check::IdFormat => (
            format!(
                "{element} « {shown} » ne doit contenir que des lettres, chiffres et + - _ /, sans espace (ex. FA-2026-0042)."
            ),
            format!("{element} '{shown}' may hold only letters, digits and + - _ /, no space (e.g. FA-2026-0042)."),
        ),
        Check::DateFormat => (
            format!("{element} « {shown} » n'est pas une date AAAAMMJJ valide du XXIe siècle (ex. 20261202)."),
            format!("{element} '{shown}' is not a valid YYYYMMDD date of this century (e.g. 20261202)."),
        ),
        Check::DocumentType => (
            format!("Le type de document « {shown} » n'est pas admis en France : {}.", DOCUMENT_TYPES.join(", ")),
            format!("Document type '{shown}' is not accepted in France: {}.", DOCUMENT_TYPES.join(", ")),
        ),
        Check::SchemeFormat => (
            format!(
                "{element} « {shown} » ne doit contenir que des lettres, chiffres et - _ . (ex. 123456789_FACTURES)."
            ),
            format!("{element} '{shown}' may hold only letters, digits and - _ . (e.g. 123456789_FACTURES)."),
        ),
        Check::NotBlank => (
            format!("{element} est vide : renseignez-le ou retirez l'élément."),
            format!("{element} is empty: fill it in or remove the element."),
        ),
        Check::NineDigits => (
            format!("{element} « {shown} » doit être un SIREN de 9 chiffres (ex. 732829320)."),
            format!("{element} '{shown}' must be a 9-digit SIREN (e.g. 732829320)."),
        ),
        Check::Decimal(places) => (
            format!(
                "Le montant « {shown} » doit avoir au plus {places} décimales, un point pour séparateur et 19 chiffres au plus (ex. 1250.50)."
            ),
            format!(
                "Amount '{shown}' must have at most {places} decimals, a point as separator and at most 19 digits (e.g. 1250.50)."
            ),
        ),
        Check::Percent => (
            format!(
                "Le pourcentage « {shown} » doit être positif, avec au plus 2 décimales et 4 chiffres (ex. 20.00)."
            ),
            format!("Percentage '{shown}' must be positive, with at most 2 decimals and 4 digits (e.g. 20.00)."),
        ),
        Check::Price => (
            format!("Le prix « {shown} » doit être positif, avec au plus 6 décimales et 19 chiffres (ex. 12.500000)."),
            format!("Price '{shown}' must be positive, with at most 6 decimals and 19 digits (e.g. 12.500000)."),
        ),
        Check::SchemeGiven => (
            format!(
                "Chaque identifiant global (ram:GlobalID) de {element} doit avoir son schéma (@schemeID, ex. 0009 pour un SIRET)."
            ),
            format!(
                "Every global identifier (ram:GlobalID) of {element} needs its scheme (@schemeID, e.g. 0009 for a SIRET)."
            ),
        ),
        Check::SchemeOnce => (
            format!("Un même schéma (@schemeID) ne peut servir qu'une fois parmi les identifiants de {element}."),
            format!("A scheme (@schemeID) may be used only once among the identifiers of {element}."),
        ),
        Check::SiretSiren { .. } => (
            format!(
                "Le SIRET (schemeID 0009) de {element} doit avoir 14 chiffres et commencer par le SIREN de la partie (schemeID 0002)."
            ),
            format!(
                "The SIRET (schemeID 0009) of {element} must have 14 digits and start with the party's SIREN (schemeID 0002)."
            ),
        ),
        Check::VatCategory => (
            format!(
                "Code de catégorie de TVA de {element} absent ou invalide : utilisez {}.",
                VAT_CATEGORIES.join(", ")
            ),
            format!("VAT category code of {element} missing or invalid: use {}.", VAT_CATEGORIES.join(", ")),
        ),
        Check::NotLOrM => (
            format!(
                "Les catégories de TVA L et M (îles Canaries, Ceuta et Melilla) ne s'appliquent pas en France ({element})."
            ),
            format!("VAT categories L and M (Canary Islands, Ceuta and Melilla) do not apply in France ({element})."),
        ),
        Check::VatRate => (
            format!(
                "Le taux de TVA de {element} n'est pas un taux français : {} (sans « % »).",
                VAT_RATES.iter().step_by(3).copied().collect::<Vec<_>>().join(", ")
            ),
            format!(
                "The VAT rate of {element} is not a French rate: {} (no '%').",
                VAT_RATES.iter().step_by(3).copied().collect::<Vec<_>>().join(", ")
            ),
        ),
        Check::Custom(_) => custom_messages(assertion.id),
    };
    (format!("{} : {fr}", family_of(assertion.id)), format!("{}: {en}", family_of(assertion.id)))
}

fn custom_messages(id: &str) -> (String, String) {
    let (fr, en) = match id {
        "BR-FR-05_BT-22_PMT" => (
            "Ajoutez la note PMT (BT-21) sur l'indemnité forfaitaire pour frais de recouvrement, ex. « Indemnité forfaitaire pour frais de recouvrement : 40 € ».",
            "Add the PMT note (BT-21) on the fixed recovery fee, e.g. 'Indemnité forfaitaire pour frais de recouvrement : 40 €'.",
        ),
        "BR-FR-05_BT-22_PMD" => (
            "Ajoutez la note PMD (BT-21) sur les pénalités de retard, ex. « Pénalités de retard : trois fois le taux d'intérêt légal ».",
            "Add the PMD note (BT-21) on late-payment penalties, e.g. 'Pénalités de retard : trois fois le taux d'intérêt légal'.",
        ),
        "BR-FR-05_BT-22_AAB" => (
            "Ajoutez la note AAB (BT-21) sur l'escompte, ex. « Pas d'escompte pour paiement anticipé ».",
            "Add the AAB note (BT-21) on early-payment discount, e.g. 'Pas d'escompte pour paiement anticipé'.",
        ),
        "BR-FR-06_BT-21_PMT" | "BR-FR-06_BT-21_PMD" | "BR-FR-06_BT-21_AAB" | "BR-FR-06_BT-21_TXD" => (
            "Ce code sujet de note (BT-21) ne peut apparaître qu'une fois : fusionnez les notes.",
            "This note subject code (BT-21) may appear only once: merge the notes.",
        ),
        "BR-FR-08_BT-23" => (
            "Le cadre de facturation (BT-23, BusinessProcessSpecifiedDocumentContextParameter/ID) est absent ou invalide : ex. S1 (services), B1 (biens), M1 (mixte).",
            "The billing frame (BT-23, BusinessProcessSpecifiedDocumentContextParameter/ID) is missing or invalid: e.g. S1 (services), B1 (goods), M1 (both).",
        ),
        "BR-FR-10_BT-30" => (
            "Le SIREN du vendeur (BT-30, SpecifiedLegalOrganization/ID schemeID 0002) est obligatoire : 9 chiffres, ex. 732829320.",
            "The seller's SIREN (BT-30, SpecifiedLegalOrganization/ID schemeID 0002) is required: 9 digits, e.g. 732829320.",
        ),
        "BR-FR-11_BT-47" => (
            "Une facture B2B (note BAR) doit donner le SIREN de l'acheteur (BT-47, schemeID 0002) : 9 chiffres.",
            "A B2B invoice (BAR note) must give the buyer's SIREN (BT-47, schemeID 0002): 9 digits.",
        ),
        "BR-FR-12_BT-49" => (
            "L'adresse électronique de l'acheteur (BT-49, URIUniversalCommunication/URIID) est obligatoire, ex. schemeID 0225 et « SIREN ».",
            "The buyer's electronic address (BT-49, URIUniversalCommunication/URIID) is required, e.g. schemeID 0225 and the SIREN.",
        ),
        "BR-FR-13_BT-34" => (
            "L'adresse électronique du vendeur (BT-34, URIUniversalCommunication/URIID) est obligatoire, ex. schemeID 0225 et « SIREN ».",
            "The seller's electronic address (BT-34, URIUniversalCommunication/URIID) is required, e.g. schemeID 0225 and the SIREN.",
        ),
        "BR-FR-15_BT-95_BT-151" => (
            "Code de catégorie de TVA de la ligne (BT-151) absent ou invalide : S, E, AE, K, G, O ou Z.",
            "Line VAT category code (BT-151) missing or invalid: S, E, AE, K, G, O or Z.",
        ),
        "BR-FR-17_BT-123" => (
            "La qualification de la pièce jointe (BT-123) n'est pas dans la liste française (RIB, LISIBLE, BON_COMMANDE…).",
            "The attachment's qualification (BT-123) is not in the French list (RIB, LISIBLE, BON_COMMANDE…).",
        ),
        "BR-FR-18_BT-123" => (
            "Un seul document joint (BG-24) peut être qualifié LISIBLE.",
            "Only one attached document (BG-24) may be qualified LISIBLE.",
        ),
        "BR-FR-20_BT-21" => (
            "Une note BAR doit dire B2B, B2BINT, B2C, B2CINT, OUTOFSCOPE ou ARCHIVEONLY.",
            "A BAR note must say B2B, B2BINT, B2C, B2CINT, OUTOFSCOPE or ARCHIVEONLY.",
        ),
        "BR-FR-21_BT-49" => (
            "En B2B, l'adresse électronique de l'acheteur (BT-49) doit avoir le schéma 0225 et commencer par son SIREN.",
            "In B2B, the buyer's electronic address (BT-49) must use scheme 0225 and start with its SIREN.",
        ),
        "BR-FR-22_BT-34" => (
            "En autofacturation B2B, l'adresse électronique du vendeur (BT-34) doit avoir le schéma 0225 et commencer par son SIREN.",
            "In self-billed B2B, the seller's electronic address (BT-34) must use scheme 0225 and start with its SIREN.",
        ),
        "BR-FR-27_BG-32" => (
            "Un attribut d'article (BG-32) doit avoir un nom (BT-160) ou un code.",
            "An item attribute (BG-32) needs a name (BT-160) or a code.",
        ),
        "BR-FR-28-Value" => (
            "Un attribut d'article doit avoir soit une valeur, soit une valeur mesurée avec son unité, pas les deux.",
            "An item attribute needs either a value or a measured value with its unit, not both.",
        ),
        "BR-FR-29_BT-18" | "BR-FR-30_BT-128" => (
            "Les identifiants d'objet facturé des schémas AFL et AVV ne peuvent apparaître qu'une fois chacun.",
            "Invoiced object identifiers of schemes AFL and AVV may appear once each.",
        ),
        "BR-FR-31_BT-21" => (
            "Une seule note BAR peut dire le traitement de la facture.",
            "Only one BAR note may say how the invoice is treated.",
        ),
        "BR-FR-CO-03_BT-3" => (
            "Un avoir de remise globale (262) doit donner le contrat (BT-12) et la période de facturation (BT-73, BT-74).",
            "A global discount credit note (262) must give the contract (BT-12) and the billing period (BT-73, BT-74).",
        ),
        "BR-FR-CO-04_BT-4" => (
            "Une facture rectificative (384, 471, 472, 473) doit référencer une et une seule facture antérieure (BT-25, BT-26).",
            "A corrective invoice (384, 471, 472, 473) must refer to exactly one earlier invoice (BT-25, BT-26).",
        ),
        "BR-FR-CO-05_BT-3" => (
            "Un avoir doit référencer la facture antérieure (BT-25 avec sa date BT-26), en en-tête ou sur chaque ligne.",
            "A credit note must refer to the earlier invoice (BT-25 with its date BT-26), in the header or on every line.",
        ),
        "BR-FR-CO-07_BT-9" => (
            "La date d'échéance (BT-9) ne peut précéder la date de facture (BT-2), hors acompte ou facture déjà payée.",
            "The due date (BT-9) may not precede the invoice date (BT-2), except for down payments or paid invoices.",
        ),
        "BR-FR-CO-08_BT-23" => (
            "Avec un cadre B4, S4 ou M4 (facture définitive après acompte), le type ne peut être un acompte (386, 500, 503).",
            "With frame B4, S4 or M4 (final invoice after down payment), the type cannot be a down payment (386, 500, 503).",
        ),
        "BR-FR-CO-09_BT-23-1" => (
            "Facture déjà payée (B2, S2, M2) : le montant payé (BT-113) doit égaler le total TTC (BT-112).",
            "Paid invoice (B2, S2, M2): the paid amount (BT-113) must equal the total with VAT (BT-112).",
        ),
        "BR-FR-CO-09_BT-23-2" => (
            "Facture déjà payée (B2, S2, M2) : le net à payer (BT-115) doit être 0.",
            "Paid invoice (B2, S2, M2): the amount due (BT-115) must be 0.",
        ),
        "BR-FR-CO-09_BT-23-3" => (
            "Facture déjà payée (B2, S2, M2) : donnez la date de paiement comme date d'échéance (BT-9).",
            "Paid invoice (B2, S2, M2): give the payment date as due date (BT-9).",
        ),
        "BR-FR-CO-12_BT-5" => (
            "Hors EUR, la devise de comptabilité (BT-6) doit être EUR et le montant de TVA en EUR (BT-111) donné.",
            "Outside EUR, the accounting currency (BT-6) must be EUR and the VAT amount in EUR (BT-111) given.",
        ),
        "BR-FR-CO-14_BT-29-1" => (
            "Membre d'un assujetti unique (schemeID 0231) : ajoutez la note TXD « MEMBRE_ASSUJETTI_UNIQUE ».",
            "Member of a single VAT group (schemeID 0231): add the TXD note 'MEMBRE_ASSUJETTI_UNIQUE'.",
        ),
        "BR-FR-CO-15_BT-29-1" => (
            "Membre d'un assujetti unique (schemeID 0231) : donnez le représentant fiscal (BG-11) avec le numéro de TVA de l'assujetti unique.",
            "Member of a single VAT group (schemeID 0231): give the tax representative (BG-11) with the group's VAT number.",
        ),
        _ => ("Règle française non respectée.", "French rule broken."),
    };
    (fr.to_owned(), en.to_owned())
}

/// `BR-FR-05` of `BR-FR-05_BT-22_PMT`.
fn family_of(id: &str) -> &str {
    id.split(['_']).next().unwrap_or(id)
}

/// `BT-22` of `BR-FR-05_BT-22_PMT`.
fn business_term(id: &str) -> &str {
    id.split('_').nth(1).unwrap_or("")
}

fn parse(table: &'static str) -> Vec<Pattern> {
    let mut patterns: Vec<Pattern> = Vec::new();
    let mut skipping = false;
    for line in table.lines().filter(|line| !line.starts_with('#') && !line.is_empty()) {
        let words: Vec<&'static str> = line.split(' ').collect();
        match words.as_slice() {
            ["pattern", _] => patterns.push(Pattern { rules: Vec::new(), by_name: HashMap::default() }),
            ["rule", ..] => {
                let pattern = patterns.last_mut().expect("a rule inside a pattern");
                let context = &line["rule ".len()..];
                match Context::parse(context) {
                    Some(context) => {
                        skipping = false;
                        let name = context.steps.last().expect("a step").name;
                        pattern.by_name.entry(name).or_default().push(pattern.rules.len());
                        pattern.rules.push(Rule { context, assertions: Vec::new() });
                    }
                    None => skipping = true,
                }
            }
            [id, flag, warning_version_flag, check, argument @ ..] => {
                // The billing frames' rules are written in `frames`, fatal in both versions.
                let framed = frames::IDS.contains(id);
                assert!(
                    !framed || (*flag == "fatal" && *warning_version_flag == "fatal"),
                    "rules.txt: {id} is no longer fatal in both versions, as frames.rs has it"
                );
                if skipping || framed {
                    assert!(framed, "rules.txt: the context of {id} has no form this engine reads");
                    continue;
                }
                let check = match (*check, argument) {
                    ("max-length", [limit]) => Check::MaxLength(limit.parse().expect("a length")),
                    ("id-format", []) => Check::IdFormat,
                    ("date-format", []) => Check::DateFormat,
                    ("document-type", []) => Check::DocumentType,
                    ("scheme-format", []) => Check::SchemeFormat,
                    ("not-blank", []) => Check::NotBlank,
                    ("nine-digits", []) => Check::NineDigits,
                    ("decimal", [places]) => Check::Decimal(places.parse().expect("decimal places")),
                    ("percent", []) => Check::Percent,
                    ("price", []) => Check::Price,
                    ("scheme-given", []) => Check::SchemeGiven,
                    ("scheme-once", []) => Check::SchemeOnce,
                    ("siret-siren", ["legal"]) => Check::SiretSiren { siren_from_siret: false },
                    ("siret-siren", ["legal-or-siret"]) => Check::SiretSiren { siren_from_siret: true },
                    ("vat-category", []) => Check::VatCategory,
                    ("not-l-or-m", []) => Check::NotLOrM,
                    ("vat-rate", []) => Check::VatRate,
                    ("custom", []) => {
                        Check::Custom(custom(id).unwrap_or_else(|| panic!("rules.txt: no check written for {id}")))
                    }
                    _ => panic!("rules.txt: unknown check in {line:?}"),
                };
                let severity = |flag: &str| if flag == "warning" { Severity::Warning } else { Severity::Error };
                let (severity, severity_in_warning_version) = (severity(flag), severity(warning_version_flag));
                let rule = patterns
                    .last_mut()
                    .and_then(|pattern| pattern.rules.last_mut())
                    .expect("an assertion inside a rule");
                rule.assertions.push(Assertion { id, severity, severity_in_warning_version, check });
            }
            _ => panic!("rules.txt: unreadable line {line:?}"),
        }
    }
    patterns
}

impl Context {
    /// A path of `prefix:Name` steps, each with at most one predicate of
    /// comparisons joined by `or`; `None` for any other form.
    fn parse(text: &'static str) -> Option<Self> {
        let (from_root, path) = match text.strip_prefix("//") {
            Some(rest) => (false, rest),
            None => match text.strip_prefix('/') {
                Some(rest) => (true, rest),
                // A pattern without a leading slash matches at any depth.
                None => (false, text),
            },
        };
        let mut steps = Vec::new();
        let mut rest = path;
        while !rest.is_empty() {
            let end = rest.find(['/', '[']).unwrap_or(rest.len());
            let (namespace, name) = qualified(&rest[..end])?;
            rest = &rest[end..];
            let mut predicate = Vec::new();
            if let Some(inner) = rest.strip_prefix('[') {
                let close = inner.find(']')?;
                predicate = inner[..close].split(" or ").map(Comparison::parse).collect::<Option<_>>()?;
                rest = &inner[close + 1..];
            }
            steps.push(Step { namespace, name, predicate });
            rest = rest.strip_prefix('/').unwrap_or(rest);
        }
        (!steps.is_empty()).then_some(Self { from_root, steps })
    }

    fn matches(&self, node: Node) -> bool {
        let mut current = Some(node);
        for step in self.steps.iter().rev() {
            let Some(element) = current.filter(|element| step.matches(*element)) else { return false };
            current = element.parent().filter(Node::is_element);
        }
        !self.from_root || current.is_none()
    }
}

impl Step {
    fn matches(&self, node: Node) -> bool {
        node.is_element()
            && node.tag_name().name() == self.name
            && node.tag_name().namespace() == Some(self.namespace)
            && (self.predicate.is_empty() || self.predicate.iter().any(|comparison| comparison.holds(node)))
    }
}

impl Comparison {
    fn parse(text: &'static str) -> Option<Self> {
        let (left, right) = text.split_once('=')?;
        let (left, right) = (left.trim(), right.trim());
        let literals = right.strip_prefix('(').and_then(|list| list.strip_suffix(')')).unwrap_or(right);
        let values = literals
            .split(',')
            .map(|value| value.trim().strip_prefix('\'')?.strip_suffix('\''))
            .collect::<Option<Vec<_>>>()?;
        if let Some(attribute) = left.strip_prefix('@') {
            return Some(Self { attribute: Some(attribute), path: Vec::new(), values });
        }
        let path = left.split('/').map(qualified).collect::<Option<Vec<_>>>()?;
        Some(Self { attribute: None, path, values })
    }

    fn holds(&self, node: Node) -> bool {
        match self.attribute {
            Some(attribute) => node.attribute(attribute).is_some_and(|value| self.values.contains(&value)),
            None => all(node, &self.path).into_iter().any(|found| self.values.contains(&string_value(found).as_str())),
        }
    }
}

fn qualified(step: &str) -> Option<(&'static str, &str)> {
    let (prefix, name) = step.split_once(':')?;
    let namespace = match prefix {
        "rsm" => RSM,
        "ram" => RAM,
        "qdt" => QDT,
        "udt" => UDT,
        _ => return None,
    };
    (!name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric())).then_some((namespace, name))
}

fn children<'a, 'input: 'a>(
    node: Node<'a, 'input>,
    namespace: &'static str,
    name: &'a str,
) -> impl Iterator<Item = Node<'a, 'input>> + 'a {
    node.children().filter(move |child| {
        child.is_element() && child.tag_name().name() == name && child.tag_name().namespace() == Some(namespace)
    })
}

/// Every element a path of child steps reaches, as XPath gives them.
fn all<'a, 'input>(node: Node<'a, 'input>, path: &[(&'static str, &str)]) -> Vec<Node<'a, 'input>> {
    path.iter().fold(vec![node], |reached, (namespace, name)| {
        let named = |child: &Node| {
            child.is_element() && child.tag_name().name() == *name && child.tag_name().namespace() == Some(*namespace)
        };
        reached.into_iter().flat_map(|node| node.children().filter(named).collect::<Vec<_>>()).collect()
    })
}

fn first<'a, 'input>(node: Node<'a, 'input>, path: &[(&'static str, &str)]) -> Option<Node<'a, 'input>> {
    all(node, path).into_iter().next()
}

/// Whether the first element the path reaches has some text (`string()`).
fn texts(node: Node, path: &[(&'static str, &str)]) -> bool {
    first(node, path).is_some_and(|found| !string_value(found).is_empty())
}

/// XPath's string value: all the text inside the element.
fn string_value(node: Node) -> String {
    node.descendants().filter(Node::is_text).filter_map(|text| text.text()).collect()
}

fn normalize(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn normalized(node: Node) -> String {
    normalize(&string_value(node))
}

fn has_child_equal(node: Node, name: &str, values: &[&str]) -> bool {
    children(node, RAM, name).any(|child| values.contains(&string_value(child).as_str()))
}

fn notes<'a, 'input: 'a>(document: Node<'a, 'input>, subject: &'a str) -> impl Iterator<Item = Node<'a, 'input>> + 'a {
    children(document, RAM, "IncludedNote").filter(move |note| has_child_equal(*note, "SubjectCode", &[subject]))
}

fn has_note(document: Node, subject: &str) -> bool {
    notes(document, subject).next().is_some()
}

fn exchanged_document<'a, 'input>(root: Node<'a, 'input>) -> Vec<Node<'a, 'input>> {
    all(root, &[(RSM, "ExchangedDocument")])
}

fn type_is(root: Node, codes: &[&str]) -> bool {
    exchanged_document(root).into_iter().any(|document| has_child_equal(document, "TypeCode", codes))
}

fn frame_is(root: Node, frames: &[&str]) -> bool {
    all(
        root,
        &[(RSM, "ExchangedDocumentContext"), (RAM, "BusinessProcessSpecifiedDocumentContextParameter"), (RAM, "ID")],
    )
    .into_iter()
    .any(|frame| frames.contains(&string_value(frame).as_str()))
}

fn in_frames(node: Node, frames: &[&str]) -> bool {
    let invoice = node.ancestors().find(|ancestor| {
        ancestor.tag_name().name() == "CrossIndustryInvoice" && ancestor.tag_name().namespace() == Some(RSM)
    });
    invoice.is_some_and(|invoice| frame_is(invoice, frames))
}

fn treatment_is(root: Node, treatment: &str) -> bool {
    exchanged_document(root)
        .into_iter()
        .flat_map(|document| notes(document, "BAR").collect::<Vec<_>>())
        .any(|note| has_child_equal(note, "Content", &[treatment]))
}

fn self_billed(root: Node) -> bool {
    type_is(root, &SELF_BILLED)
}

fn party<'a, 'input>(root: Node<'a, 'input>, name: &'static str) -> Vec<Node<'a, 'input>> {
    all(root, &[(RSM, "SupplyChainTradeTransaction"), (RAM, "ApplicableHeaderTradeAgreement"), (RAM, name)])
}

fn legal_ids<'a, 'input>(root: Node<'a, 'input>, name: &'static str, scheme: Option<&str>) -> Vec<Node<'a, 'input>> {
    party(root, name)
        .into_iter()
        .flat_map(|party| all(party, &[(RAM, "SpecifiedLegalOrganization"), (RAM, "ID")]))
        .filter(|id| scheme.is_none_or(|scheme| id.attribute("schemeID") == Some(scheme)))
        .collect()
}

fn seller_siren<'a, 'input>(root: Node<'a, 'input>) -> Option<Node<'a, 'input>> {
    legal_ids(root, "SellerTradeParty", Some("0002")).into_iter().next()
}

fn buyer_siren<'a, 'input>(root: Node<'a, 'input>) -> Option<Node<'a, 'input>> {
    legal_ids(root, "BuyerTradeParty", Some("0002")).into_iter().next()
}

fn endpoint<'a, 'input>(root: Node<'a, 'input>, name: &'static str) -> Option<Node<'a, 'input>> {
    party(root, name)
        .into_iter()
        .flat_map(|party| all(party, &[(RAM, "URIUniversalCommunication"), (RAM, "URIID")]))
        .next()
}

/// BR-FR-21/22: the party's electronic address is its SIREN under scheme 0225.
fn addressed_to_siren(root: Node, name: &'static str) -> bool {
    let Some(address) = endpoint(root, name) else { return false };
    let sirens = legal_ids(root, name, None);
    let siren = sirens.first().map(|id| string_value(*id)).unwrap_or_default();
    string_value(address).starts_with(&siren) && address.attribute("schemeID") == Some("0225")
}

fn agreement_documents<'a, 'input: 'a>(root: Node<'a, 'input>) -> impl Iterator<Item = Node<'a, 'input>> + 'a {
    all(
        root,
        &[
            (RSM, "SupplyChainTradeTransaction"),
            (RAM, "ApplicableHeaderTradeAgreement"),
            (RAM, "AdditionalReferencedDocument"),
        ],
    )
    .into_iter()
}

fn settlement_references<'a, 'input>(root: Node<'a, 'input>) -> Vec<Node<'a, 'input>> {
    all(
        root,
        &[
            (RSM, "SupplyChainTradeTransaction"),
            (RAM, "ApplicableHeaderTradeSettlement"),
            (RAM, "InvoiceReferencedDocument"),
        ],
    )
}

fn lines<'a, 'input: 'a>(root: Node<'a, 'input>) -> impl Iterator<Item = Node<'a, 'input>> + 'a {
    all(root, &[(RSM, "SupplyChainTradeTransaction"), (RAM, "IncludedSupplyChainTradeLineItem")]).into_iter()
}

/// XPath's `number()` of the first monetary summation amount of that name.
fn amount(root: Node, name: &str) -> Option<f64> {
    let summation = [
        (RSM, "SupplyChainTradeTransaction"),
        (RAM, "ApplicableHeaderTradeSettlement"),
        (RAM, "SpecifiedTradeSettlementHeaderMonetarySummation"),
    ];
    let found =
        all(root, &summation).into_iter().flat_map(|node| children(node, RAM, name).collect::<Vec<_>>()).next()?;
    normalized(found).parse::<f64>().ok()
}

fn single_vat_group_member(root: Node) -> bool {
    party(root, "SellerTradeParty")
        .into_iter()
        .any(|seller| children(seller, RAM, "GlobalID").any(|id| id.attribute("schemeID") == Some("0231")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_billing_frame_rule_of_the_table_is_written() {
        let table = include_str!("rules.txt");
        let framed: Vec<&str> = table
            .lines()
            .filter_map(|line| line.split(' ').next())
            .filter(|id| id.starts_with("BR-FR-MV-") || id.starts_with("BR-FR-BD-"))
            .collect();
        assert_eq!(framed.len(), frames::IDS.len());
        assert!(framed.iter().all(|id| frames::IDS.contains(id)), "{framed:?}");
    }

    #[test]
    fn every_rule_of_the_table_has_its_check() {
        let assertions: usize =
            PATTERNS.iter().flat_map(|pattern| &pattern.rules).map(|rule| rule.assertions.len()).sum();
        assert!(assertions >= 140, "{assertions} assertions read from rules.txt");
    }

    #[test]
    fn siren_and_siret_keys_follow_luhn() {
        assert!(luhn_valid("732829320") && luhn_valid("123456782") && !luhn_valid("123456789"));
        assert!(luhn_valid("73282932000074") && !luhn_valid("73282932000075"));
        assert!(luhn_valid("35600000012345"), "La Poste's SIRETs have their own rule");
    }

    #[test]
    fn dates_decimals_and_sirets_follow_the_official_functions() {
        assert!(!is_date("20260229") && is_date("20240229") && !is_date("19991231") && is_date("20261202T10"));
        assert!(is_decimal("-1250.50", 2, true) && !is_decimal("1250.505", 2, true) && !is_decimal("1,5", 2, true));
        assert!(!is_decimal(&"9".repeat(20), 2, true) && is_decimal(&"9".repeat(19), 2, true));
        assert!(is_decimal_with("20.00", 4, 2, false) && !is_decimal_with("100.00", 4, 2, false));
    }
}
