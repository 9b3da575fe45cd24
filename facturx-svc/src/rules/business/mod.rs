//! The EN 16931 business rules (EN 16931-1:2017 §6.4) and their Factur-X
//! EXTENDED relaxations (Factur-X 1.0 technical appendix, BR-FXEXT-*):
//! presence of the core terms, the sums of the totals, and the VAT
//! breakdown per category. Amounts are exact decimals, never floats.
//! EXTENDED-CTC-FR replaces some of them with its own (`french_extended`).

use std::rc::Rc;
use std::str::FromStr;

use roxmltree::Node;
use rust_decimal::{Decimal, RoundingStrategy};
use rustc_hash::FxHashMap as HashMap;

mod categories;
mod french_extended;
mod groups;
mod profiles;

use super::xml::{child, children, descend, text};
use super::{Findings, Severity};
use crate::domain::Profile;

/// One VAT category of EN 16931's seven (standard, zero rated, exempt,
/// reverse charge, intra-community, export, not subject).
struct Category {
    code: &'static str,
    label_en: &'static str,
    label_fr: &'static str,
    /// A rate other than 0 is expected (standard rated only).
    positive_rate: bool,
    /// An exemption reason is required (true) or forbidden (false).
    exemption_reason: bool,
}

const CATEGORIES: [Category; 7] = [
    Category {
        code: "S",
        label_en: "Standard rated",
        label_fr: "taux normal",
        positive_rate: true,
        exemption_reason: false,
    },
    Category {
        code: "Z",
        label_en: "Zero rated",
        label_fr: "taux zéro",
        positive_rate: false,
        exemption_reason: false,
    },
    Category {
        code: "E",
        label_en: "Exempt from VAT",
        label_fr: "exonéré",
        positive_rate: false,
        exemption_reason: true,
    },
    Category {
        code: "AE",
        label_en: "Reverse charge",
        label_fr: "autoliquidation",
        positive_rate: false,
        exemption_reason: true,
    },
    Category {
        code: "K",
        label_en: "Intra-community supply",
        label_fr: "livraison intracommunautaire",
        positive_rate: false,
        exemption_reason: true,
    },
    Category {
        code: "G",
        label_en: "Export outside the EU",
        label_fr: "export hors UE",
        positive_rate: false,
        exemption_reason: true,
    },
    Category {
        code: "O",
        label_en: "Not subject to VAT",
        label_fr: "hors champ de la TVA",
        positive_rate: false,
        exemption_reason: true,
    },
];

/// Beside EN 16931's seven categories, the Canary Islands' IGIC (L, rule
/// family AF) and Ceuta and Melilla's IPSI (M, rule family AG).
const REGIONAL: [(Category, &str); 2] = [
    (Category { code: "L", label_en: "IGIC", label_fr: "IGIC", positive_rate: true, exemption_reason: false }, "AF"),
    (Category { code: "M", label_en: "IPSI", label_fr: "IPSI", positive_rate: false, exemption_reason: false }, "AG"),
];

/// Every category of the per-category rules, with its rule family.
fn breakdown_families() -> impl Iterator<Item = (&'static Category, &'static str)> {
    CATEGORIES
        .iter()
        .map(|category| (category, family(category.code)))
        .chain(REGIONAL.iter().map(|(category, family)| (category, *family)))
}

/// XPath's `round(x * 100) div 100`: half a cent rounds up.
fn cents(value: Decimal) -> Decimal {
    ((value * Decimal::ONE_HUNDRED) + Decimal::new(5, 1)).floor() / Decimal::ONE_HUNDRED
}

/// The rule family of a category in rule ids (`BR-IC-08` for K).
fn family(code: &str) -> &str {
    if code == "K" { "IC" } else { code }
}

/// An amount as a message states it, in French and English: "rien" and
/// "nothing" when the invoice gives none.
fn stated(amount: Option<Decimal>) -> (String, String) {
    amount.map_or_else(|| ("rien".to_owned(), "nothing".to_owned()), |amount| (amount.to_string(), amount.to_string()))
}

/// A tax is VAT as the schematrons' `upper-case(ram:TypeCode) = 'VAT'`
/// reads its type code (BT-118-0): as written, spaces kept.
fn is_vat(tax: Node) -> bool {
    groups::raw(child(tax, "TypeCode")).to_uppercase() == "VAT"
}

fn has_exemption_reason(tax: Node) -> bool {
    text(child(tax, "ExemptionReason")).is_some() || text(child(tax, "ExemptionReasonCode")).is_some()
}

/// A number of the invoice, or `None` when it is not one or is 10^13 or
/// more (then read as unreadable by the sums: no invoice holds such an
/// amount, and the bound keeps every sum of at most 2 million nodes and
/// every product below `Decimal`'s limit, where its arithmetic panics).
fn amount(node: Option<Node>) -> Option<Decimal> {
    text(node)
        .and_then(|value| Decimal::from_str(value).ok())
        .filter(|value| value.abs() < Decimal::new(10_000_000_000_000, 0))
}

/// An amount line of the totals or of a group, with where it is.
struct Amounts<'a, 'input> {
    node: Node<'a, 'input>,
}

impl<'a, 'input> Amounts<'a, 'input> {
    fn get(&self, name: &str) -> Option<Decimal> {
        amount(child(self.node, name))
    }
}

/// A line, allowance or charge contributing to a VAT category.
struct Contribution {
    category: String,
    rate: Option<Decimal>,
    amount: Decimal,
}

/// What the lines, allowances and charges bring to the totals and to the
/// VAT breakdown, read once for both.
struct Contributions {
    lines: Vec<Contribution>,
    allowances: Vec<Contribution>,
    charges: Vec<Contribution>,
}

struct Checker<'a, 'input> {
    profile: Profile,
    root: Node<'a, 'input>,
    /// The document's elements by local name, in document order, read in
    /// one walk: the rules that look anywhere (`//ram:X`) read them here.
    elements: HashMap<&'input str, Rc<[Node<'a, 'input>]>>,
    findings: &'a mut Findings,
}

pub(super) fn check(root: Node, profile: Profile, findings: &mut Findings) {
    let mut by_name: HashMap<&str, Vec<Node>> = HashMap::default();
    for node in root.descendants().filter(Node::is_element) {
        by_name.entry(node.tag_name().name()).or_default().push(node);
    }
    let elements = by_name.into_iter().map(|(name, nodes)| (name, Rc::from(nodes))).collect();
    let mut checker = Checker { profile, root, elements, findings };
    checker.core_terms();
    checker.optional_groups();
    checker.category_uses();
    if profile == Profile::ExtendedCtcFr {
        checker.french_extended();
        return;
    }
    checker.category_breakdowns();
    let contributions = checker.contributions();
    checker.totals(&contributions);
    if profile.follows_en16931_rules() {
        checker.lines();
        checker.vat_breakdown(&contributions);
    }
}

impl<'a, 'input> Checker<'a, 'input> {
    /// Every element of the document with this local name (`//ram:X`).
    /// Shared, not copied, so that a rule may call it in a loop.
    fn named(&self, name: &str) -> impl Iterator<Item = Node<'a, 'input>> + use<'a, 'input> {
        let nodes: Rc<[Node<'a, 'input>]> = self.elements.get(name).cloned().unwrap_or_else(|| Rc::from([]));
        (0..nodes.len()).map(move |index| nodes[index])
    }

    fn error(&mut self, rule: &str, at: Node, fr: &str, en: &str) {
        if profiles::states(rule, self.profile) {
            self.findings.error(rule, at, fr, en);
        }
    }

    fn warning(&mut self, rule: &str, at: Node, fr: &str, en: &str) {
        if profiles::states(rule, self.profile) {
            self.findings.add(rule, Severity::Warning, at, fr, en);
        }
    }

    fn extended(&self) -> bool {
        self.profile == Profile::Extended
    }

    fn transaction(&self) -> Option<Node<'a, 'input>> {
        child(self.root, "SupplyChainTradeTransaction")
    }

    fn settlement(&self) -> Option<Node<'a, 'input>> {
        self.transaction().and_then(|transaction| child(transaction, "ApplicableHeaderTradeSettlement"))
    }

    fn party(&self, role: &str) -> Option<Node<'a, 'input>> {
        self.transaction().and_then(|transaction| descend(transaction, &["ApplicableHeaderTradeAgreement", role]))
    }

    /// BR-02 to BR-11: the terms every invoice carries.
    fn core_terms(&mut self) {
        let document = child(self.root, "ExchangedDocument");
        let root = self.root;
        let presence = [
            ("BR-02", document.and_then(|d| child(d, "ID")), "le numéro de facture (BT-1)", "an Invoice number (BT-1)"),
            (
                "BR-03",
                document.and_then(|d| child(d, "IssueDateTime")).and_then(|issued| {
                    children(issued, "DateTimeString").find(|date| date.attribute("format") == Some("102"))
                }),
                "la date d'émission (BT-2), au format 102 (AAAAMMJJ)",
                "an Invoice issue date (BT-2), in format 102 (YYYYMMDD)",
            ),
            (
                "BR-04",
                document.and_then(|d| child(d, "TypeCode")),
                "le code de type de facture (BT-3)",
                "an Invoice type code (BT-3)",
            ),
            (
                "BR-05",
                self.settlement().and_then(|s| child(s, "InvoiceCurrencyCode")),
                "le code de devise (BT-5)",
                "an Invoice currency code (BT-5)",
            ),
            (
                "BR-06",
                self.party("SellerTradeParty").and_then(|p| child(p, "Name")),
                "le nom du vendeur (BT-27)",
                "the Seller name (BT-27)",
            ),
            (
                "BR-07",
                self.party("BuyerTradeParty").and_then(|p| child(p, "Name")),
                "le nom de l'acheteur (BT-44)",
                "the Buyer name (BT-44)",
            ),
        ];
        // EN 16931's schematrons test `x != ''` on the text as written (a
        // space passes), EXTENDED-CTC-FR's `normalize-space(x) != ''`.
        let french = self.profile == Profile::ExtendedCtcFr;
        for (rule, node, fr, en) in presence {
            let given = if french {
                text(node).is_some()
            } else {
                node.is_some_and(|node| !node.text().unwrap_or("").is_empty())
            };
            if !given {
                self.error(
                    rule,
                    root,
                    &format!("La facture doit contenir {fr}."),
                    &format!("An Invoice shall contain {en}."),
                );
            }
        }
        if !matches!(self.profile, Profile::Minimum) {
            for (role, address_rule, country_rule, who_fr, who_en) in [
                (
                    "SellerTradeParty",
                    "BR-08",
                    "BR-09",
                    "du vendeur (BG-5, BT-40)",
                    "Seller postal address (BG-5) and country code (BT-40)",
                ),
                (
                    "BuyerTradeParty",
                    "BR-10",
                    "BR-11",
                    "de l'acheteur (BG-8, BT-55)",
                    "Buyer postal address (BG-8) and country code (BT-55)",
                ),
            ] {
                let party = self.party(role);
                match party.and_then(|party| child(party, "PostalTradeAddress")) {
                    None => {
                        // Without an address there is no country either: both rules fail.
                        for rule in [address_rule, country_rule] {
                            self.error(
                                rule,
                                party.unwrap_or(root),
                                &format!("La facture doit contenir l'adresse postale {who_fr}."),
                                &format!("An Invoice shall contain the {who_en}."),
                            );
                        }
                    }
                    Some(address) if !self.given(child(address, "CountryID")) => self.error(
                        country_rule,
                        address,
                        &format!("L'adresse postale {who_fr} doit avoir un code pays."),
                        &format!("The {who_en} shall be given."),
                    ),
                    Some(_) => {}
                }
            }
        }
    }

    /// BR-12 to BR-15, BR-CO-10 to BR-CO-16, BR-DEC-*: the totals (BG-22).
    fn totals(&mut self, contributions: &Contributions) {
        let Some(settlement) = self.settlement() else { return };
        let Some(summation) = child(settlement, "SpecifiedTradeSettlementHeaderMonetarySummation") else { return };
        let totals = Amounts { node: summation };
        let currency = text(child(settlement, "InvoiceCurrencyCode")).unwrap_or_default().to_owned();
        let tax_total = children(summation, "TaxTotalAmount")
            .find(|node| node.attribute("currencyID").is_none_or(|id| id.trim() == currency))
            .and_then(|node| amount(Some(node)));
        let has_lines = self.profile.follows_en16931_rules();
        self.summation_terms(summation, has_lines);
        let Contributions { lines: line_nets, allowances, charges } = contributions;
        // Each sum rounded to the cent, as `round(sum(...) * 100) div 100`.
        let sum = |items: &[Contribution]| cents(items.iter().map(|item| item.amount).sum::<Decimal>());
        let tolerance = |count: usize| Decimal::new(count as i64, 2);
        // What BT-109 and BT-112 add up: every line, allowance and charge.
        let contribution_count = line_nets.len() + allowances.len() + charges.len();
        let extended = self.extended();
        // EN 16931's sums fail when a term they add is missing, as an XPath
        // comparison with nothing does; EXTENDED's are skipped then.
        let equal = |checker: &mut Self,
                     rule: &str,
                     extended_rule: &str,
                     stated: Option<Decimal>,
                     expected: Option<Decimal>,
                     count: usize,
                     fr: &str,
                     en: &str| {
            let (rule, allowed) = if extended { (extended_rule, tolerance(count)) } else { (rule, Decimal::ZERO) };
            let broken = match (stated, expected) {
                (Some(stated), Some(expected)) => (stated - expected).abs() > allowed,
                _ => !extended,
            };
            if broken {
                let (shown, shown_en) = self::stated(stated);
                let (wanted, wanted_en) = self::stated(expected);
                checker.error(
                    rule,
                    summation,
                    &format!("{fr} : {shown} est déclaré, {wanted} est attendu."),
                    &format!("{en}: {shown_en} stated, {wanted_en} expected."),
                );
            }
        };
        if has_lines {
            equal(
                self,
                "BR-CO-10",
                "BR-FXEXT-CO-10",
                totals.get("LineTotalAmount"),
                Some(sum(line_nets)),
                line_nets.len(),
                "Somme des montants nets des lignes (BT-106) = Σ montants nets de ligne (BT-131)",
                "Sum of Invoice line net amount (BT-106) = Σ Invoice line net amount (BT-131)",
            );
        }
        let allowance_total = totals.get("AllowanceTotalAmount").unwrap_or_default();
        let charge_total = totals.get("ChargeTotalAmount").unwrap_or_default();
        if !allowances.is_empty() || totals.get("AllowanceTotalAmount").is_some() {
            equal(
                self,
                "BR-CO-11",
                "BR-FXEXT-CO-11",
                // EN 16931 compares with the stated total: none fails.
                if extended { Some(allowance_total) } else { totals.get("AllowanceTotalAmount") },
                Some(sum(allowances)),
                allowances.len(),
                "Total des remises (BT-107) = Σ remises au niveau document (BT-92)",
                "Sum of allowances on document level (BT-107) = Σ Document level allowance amount (BT-92)",
            );
        }
        if !charges.is_empty() || totals.get("ChargeTotalAmount").is_some() {
            equal(
                self,
                "BR-CO-12",
                "BR-FXEXT-CO-12",
                if extended { Some(charge_total) } else { totals.get("ChargeTotalAmount") },
                Some(sum(charges)),
                charges.len(),
                "Total des frais (BT-108) = Σ frais au niveau document (BT-99)",
                "Sum of charges on document level (BT-108) = Σ Document level charge amount (BT-99)",
            );
        }
        equal(
            self,
            "BR-CO-13",
            "BR-FXEXT-CO-13",
            totals.get("TaxBasisTotalAmount"),
            totals.get("LineTotalAmount").map(|line_total| cents(line_total - allowance_total + charge_total)),
            contribution_count,
            "Total hors TVA (BT-109) = Σ montants nets de ligne (BT-131) - remises (BT-107) + frais (BT-108)",
            "Invoice total amount without VAT (BT-109) = Σ Invoice line net amount (BT-131) - Sum of allowances (BT-107) + Sum of charges (BT-108)",
        );
        let (basis, grand) = (totals.get("TaxBasisTotalAmount"), totals.get("GrandTotalAmount"));
        if extended {
            if let Some(basis) = basis {
                equal(
                    self,
                    "BR-CO-15",
                    "BR-FXEXT-CO-15",
                    grand,
                    Some(basis + tax_total.unwrap_or_default()),
                    contribution_count,
                    "Total TVA comprise (BT-112) = total hors TVA (BT-109) + total TVA (BT-110)",
                    "Invoice total amount with VAT (BT-112) = Invoice total amount without VAT (BT-109) + Invoice total VAT amount (BT-110)",
                );
            }
        } else {
            self.grand_total(settlement, summation, basis, grand);
        }
        // MINIMUM carries no paid amount, so its due amount may differ.
        if !extended && self.profile != Profile::Minimum {
            let expected = grand.map(|grand| {
                grand - totals.get("TotalPrepaidAmount").unwrap_or_default()
                    + totals.get("RoundingAmount").unwrap_or_default()
            });
            equal(
                self,
                "BR-CO-16",
                "BR-CO-16",
                totals.get("DuePayableAmount"),
                expected,
                0,
                "Montant à payer (BT-115) = total TVA comprise (BT-112) - acompte (BT-113) + arrondi (BT-114)",
                "Amount due for payment (BT-115) = Invoice total amount with VAT (BT-112) - Paid amount (BT-113) + Rounding amount (BT-114)",
            );
        }
        if has_lines || self.profile == Profile::BasicWl {
            let breakdown: Vec<Node> = children(settlement, "ApplicableTradeTax").collect();
            if breakdown.is_empty() {
                self.error(
                    "BR-CO-18",
                    settlement,
                    "La facture doit avoir au moins un récapitulatif de TVA (BG-23).",
                    "An Invoice shall at least have one VAT breakdown group (BG-23).",
                );
            }
            let tax_sum =
                cents(breakdown.iter().filter_map(|tax| amount(child(*tax, "CalculatedAmount"))).sum::<Decimal>());
            // Each VAT total whose currencyID is the invoice's, as written.
            let invoice_currency = child(settlement, "InvoiceCurrencyCode").and_then(|code| code.text());
            for total in children(summation, "TaxTotalAmount")
                .filter(|total| invoice_currency.is_some() && total.attribute("currencyID") == invoice_currency)
                .collect::<Vec<_>>()
            {
                let stated = amount(Some(total));
                if stated != Some(tax_sum) {
                    let (shown, shown_en) = self::stated(stated);
                    self.error("BR-CO-14", total,
                        &format!("Total TVA (BT-110) = Σ montants de TVA par catégorie (BT-117) : {shown} est déclaré, {tax_sum} est attendu."),
                        &format!("Invoice total VAT amount (BT-110) = Σ VAT category tax amount (BT-117): {shown_en} stated, {tax_sum} expected."));
                }
            }
        }
    }

    /// BR-CO-15 as EN 16931 states it: BT-112 is BT-109 plus the one VAT
    /// total (BT-110) in each invoice currency, rounded to the cent, or is
    /// BT-109 itself.
    fn grand_total(&mut self, settlement: Node, summation: Node, basis: Option<Decimal>, grand: Option<Decimal>) {
        let fits = children(settlement, "InvoiceCurrencyCode").all(|currency| {
            let currency = currency.text().unwrap_or("");
            let in_currency: Vec<Node> = children(summation, "TaxTotalAmount")
                .filter(|total| total.attribute("currencyID") == Some(currency))
                .collect();
            let with_tax = match in_currency[..] {
                [total] => basis.zip(amount(Some(total))).map(|(basis, tax)| cents(basis + tax)),
                _ => None,
            };
            grand.is_some() && (grand == with_tax || grand == basis)
        });
        if !fits {
            let (shown, shown_en) = stated(grand);
            self.error(
                "BR-CO-15",
                summation,
                &format!("Total TVA comprise (BT-112) = total hors TVA (BT-109) + total TVA (BT-110) : {shown} est déclaré."),
                &format!("Invoice total amount with VAT (BT-112) = Invoice total amount without VAT (BT-109) + Invoice total VAT amount (BT-110): {shown_en} stated."),
            );
        }
    }

    /// BR-12 to BR-15 and BR-DEC-09 to BR-DEC-18: the totals' terms and
    /// their decimals (BT-106 only where the profile has lines).
    fn summation_terms(&mut self, summation: Node<'a, 'input>, has_lines: bool) {
        let required: &[(&str, &str, &str, &str)] = &[
            (
                "BR-12",
                "LineTotalAmount",
                "la somme des montants nets des lignes (BT-106)",
                "the Sum of Invoice line net amount (BT-106)",
            ),
            (
                "BR-13",
                "TaxBasisTotalAmount",
                "le total hors TVA (BT-109)",
                "the Invoice total amount without VAT (BT-109)",
            ),
            (
                "BR-14",
                "GrandTotalAmount",
                "le total TVA comprise (BT-112)",
                "the Invoice total amount with VAT (BT-112)",
            ),
            ("BR-15", "DuePayableAmount", "le montant à payer (BT-115)", "the Amount due for payment (BT-115)"),
        ];
        for (rule, name, fr, en) in required {
            // `(ram:X)`: present, whatever it holds.
            if (has_lines || *rule != "BR-12") && child(summation, name).is_none() {
                self.error(
                    rule,
                    summation,
                    &format!("La facture doit avoir {fr}."),
                    &format!("An Invoice shall have {en}."),
                );
            }
        }
        if has_lines {
            for (rule, name, term) in [
                ("BR-DEC-09", "LineTotalAmount", "BT-106"),
                ("BR-DEC-10", "AllowanceTotalAmount", "BT-107"),
                ("BR-DEC-11", "ChargeTotalAmount", "BT-108"),
                ("BR-DEC-12", "TaxBasisTotalAmount", "BT-109"),
                ("BR-DEC-14", "GrandTotalAmount", "BT-112"),
                ("BR-DEC-16", "TotalPrepaidAmount", "BT-113"),
                ("BR-DEC-17", "RoundingAmount", "BT-114"),
                ("BR-DEC-18", "DuePayableAmount", "BT-115"),
            ] {
                if let Some(node) = child(summation, name) {
                    self.two_decimals(rule, node, term);
                }
            }
            self.tax_total_decimals();
        }
    }

    /// BR-DEC-13 and BR-DEC-15: the VAT total (BT-110) in the invoice
    /// currency, and the one in the VAT accounting currency (BT-111), have
    /// at most two decimals in value (trailing zeros allowed). As the
    /// schematron words them, some total must pass: for BR-DEC-13 a total
    /// in another currency passes, for BR-DEC-15 only one in the VAT
    /// accounting currency does, so that total must be there.
    fn tax_total_decimals(&mut self) {
        let Some(settlement) = self.settlement() else { return };
        let Some(summation) = child(settlement, "SpecifiedTradeSettlementHeaderMonetarySummation") else { return };
        let totals: Vec<Node> = children(summation, "TaxTotalAmount").collect();
        let Some(first) = totals.first().copied() else { return };
        let cents_only = |total: &Node| amount(Some(*total)).is_some_and(|value| value.normalize().scale() <= 2);
        for (rule, currency_name, other_currencies_pass, term) in
            [("BR-DEC-13", "InvoiceCurrencyCode", true, "BT-110"), ("BR-DEC-15", "TaxCurrencyCode", false, "BT-111")]
        {
            let Some(currency) = child(settlement, currency_name).map(|code| code.text().unwrap_or("")) else {
                continue;
            };
            let passes = |total: &Node| {
                if total.attribute("currencyID") == Some(currency) { cents_only(total) } else { other_currencies_pass }
            };
            if !totals.iter().any(passes) {
                self.error(
                    rule,
                    first,
                    &format!("Le montant {term} a au plus deux décimales."),
                    &format!("The allowed maximum number of decimals for {term} is 2."),
                );
            }
        }
    }

    /// A BR-DEC rule on an amount: at most two characters after the point,
    /// as the schematron counts them (`10.000` has three).
    fn two_decimals(&mut self, rule: &str, node: Node, term: &str) {
        if groups::decimals_written(node) > 2 {
            self.error(
                rule,
                node,
                &format!("Le montant {term} a au plus deux décimales."),
                &format!("The allowed maximum number of decimals for {term} is 2."),
            );
        }
    }

    fn contributions(&self) -> Contributions {
        Contributions {
            lines: self.line_contributions(),
            allowances: self.allowances_or_charges(false),
            charges: self.allowances_or_charges(true),
        }
    }

    /// BG-20 (allowances) or BG-21 (charges) of the document.
    fn allowances_or_charges(&self, charge: bool) -> Vec<Contribution> {
        let Some(settlement) = self.settlement() else { return Vec::new() };
        children(settlement, "SpecifiedTradeAllowanceCharge")
            .filter(|item| {
                if self.extended() {
                    text(descend(*item, &["ChargeIndicator", "Indicator"]))
                        .is_some_and(|flag| (flag == "true" || flag == "1") == charge)
                } else {
                    // BR-CO-11 and 12 select `[ram:ChargeIndicator/udt:Indicator = 'false']`
                    // (or 'true') as written: "0" and "1" are neither.
                    let flag = if charge { "true" } else { "false" };
                    children(*item, "ChargeIndicator")
                        .flat_map(|indicator| children(indicator, "Indicator"))
                        .any(|value| value.text() == Some(flag))
                }
            })
            .filter_map(|item| {
                Some(Contribution {
                    category: text(descend(item, &["CategoryTradeTax", "CategoryCode"])).unwrap_or_default().to_owned(),
                    rate: amount(descend(item, &["CategoryTradeTax", "RateApplicablePercent"])),
                    amount: amount(child(item, "ActualAmount"))?,
                })
            })
            .collect()
    }

    fn line_items(&self) -> Vec<Node<'a, 'input>> {
        self.transaction()
            .map(|transaction| children(transaction, "IncludedSupplyChainTradeLineItem").collect())
            .unwrap_or_default()
    }

    /// BT-131 of every line with its VAT category (BT-151) and rate (BT-152).
    fn line_contributions(&self) -> Vec<Contribution> {
        self.line_items()
            .into_iter()
            .filter_map(|line| {
                let settlement = child(line, "SpecifiedLineTradeSettlement")?;
                Some(Contribution {
                    category: text(descend(settlement, &["ApplicableTradeTax", "CategoryCode"]))
                        .unwrap_or_default()
                        .to_owned(),
                    rate: amount(descend(settlement, &["ApplicableTradeTax", "RateApplicablePercent"])),
                    amount: amount(descend(
                        settlement,
                        &["SpecifiedTradeSettlementLineMonetarySummation", "LineTotalAmount"],
                    ))?,
                })
            })
            .collect()
    }

    /// BR-16: at least one line.
    fn has_lines(&mut self, lines: &[Node<'a, 'input>]) -> bool {
        if lines.is_empty()
            && let Some(transaction) = self.transaction()
        {
            self.error(
                "BR-16",
                transaction,
                "La facture doit avoir au moins une ligne (BG-25).",
                "An Invoice shall have at least one Invoice line (BG-25).",
            );
        }
        !lines.is_empty()
    }

    /// BR-16, BR-21 to BR-27, BR-CO-04, BR-DEC-23: every line; CII-SR-465.
    fn lines(&mut self) {
        let lines = self.line_items();
        if !self.has_lines(&lines) {
            return;
        }
        for line in lines {
            let checks = [
                (
                    "BR-21",
                    descend(line, &["AssociatedDocumentLineDocument", "LineID"]),
                    "un identifiant de ligne (BT-126)",
                    "an Invoice line identifier (BT-126)",
                ),
                (
                    "BR-25",
                    descend(line, &["SpecifiedTradeProduct", "Name"]),
                    "le nom de l'article (BT-153)",
                    "the Item name (BT-153)",
                ),
                (
                    "BR-26",
                    descend(line, &["SpecifiedLineTradeAgreement", "NetPriceProductTradePrice", "ChargeAmount"]),
                    "le prix net de l'article (BT-146)",
                    "the Item net price (BT-146)",
                ),
                (
                    "BR-22",
                    descend(line, &["SpecifiedLineTradeDelivery", "BilledQuantity"]),
                    "la quantité facturée (BT-129)",
                    "an Invoiced quantity (BT-129)",
                ),
                (
                    "BR-24",
                    descend(
                        line,
                        &[
                            "SpecifiedLineTradeSettlement",
                            "SpecifiedTradeSettlementLineMonetarySummation",
                            "LineTotalAmount",
                        ],
                    ),
                    "le montant net de la ligne (BT-131)",
                    "an Invoice line net amount (BT-131)",
                ),
                (
                    "BR-CO-04",
                    child(line, "SpecifiedLineTradeSettlement").and_then(|settlement| {
                        children(settlement, "ApplicableTradeTax")
                            .filter(|tax| is_vat(*tax))
                            .find_map(|tax| child(tax, "CategoryCode"))
                    }),
                    "le code de catégorie de TVA (BT-151)",
                    "an Invoiced item VAT category code (BT-151)",
                ),
            ];
            let extended = self.extended();
            for (rule, node, fr, en) in checks {
                // EXTENDED lets group lines (BT-X-8) go without quantity or price.
                if extended && matches!(rule, "BR-22" | "BR-24" | "BR-26") {
                    continue;
                }
                let given = match rule {
                    // `x != ''` on the text as written.
                    "BR-21" | "BR-25" => node.is_some_and(|node| !node.text().unwrap_or("").is_empty()),
                    _ => node.is_some(),
                };
                if !given {
                    self.error(
                        rule,
                        line,
                        &format!("Chaque ligne doit avoir {fr}."),
                        &format!("Each Invoice line (BG-25) shall have {en}."),
                    );
                }
            }
            let quantity = descend(line, &["SpecifiedLineTradeDelivery", "BilledQuantity"]);
            if quantity.is_none_or(|quantity| quantity.attribute("unitCode").is_none()) && !extended {
                self.error(
                    "BR-23",
                    quantity.unwrap_or(line),
                    "La quantité facturée doit avoir une unité (BT-130).",
                    "An Invoice line (BG-25) shall have an Invoiced quantity unit of measure code (BT-130).",
                );
            }
            // `ChargeAmount >= 0`: a missing or unreadable price fails too.
            let price = descend(line, &["SpecifiedLineTradeAgreement", "NetPriceProductTradePrice", "ChargeAmount"]);
            if amount(price).is_none_or(|price| price.is_sign_negative() && !price.is_zero()) {
                self.error(
                    "BR-27",
                    price.unwrap_or(line),
                    "Le prix net de l'article (BT-146) ne peut pas être négatif.",
                    "The Item net price (BT-146) shall NOT be negative.",
                );
            }
            if let Some(net) = descend(
                line,
                &["SpecifiedLineTradeSettlement", "SpecifiedTradeSettlementLineMonetarySummation", "LineTotalAmount"],
            ) {
                self.two_decimals("BR-DEC-23", net, "BT-131");
            }
        }
    }

    /// BR-45 to BR-48, BR-CO-17, and per category the rules 05, 08, 09, 10.
    fn vat_breakdown(&mut self, found: &Contributions) {
        let Some(settlement) = self.settlement() else { return };
        let lines = found.lines.len();
        let count = lines + found.charges.len() + found.allowances.len();
        // Each contribution's signed amount (allowances lower the base), by
        // category and rate (none read as 0; O's rate ignored), read once.
        let mut bases: HashMap<(&str, Decimal), Decimal> = HashMap::default();
        let signed = found.lines.iter().chain(&found.charges).map(|item| (item, item.amount));
        for (item, amount) in signed.chain(found.allowances.iter().map(|allowance| (allowance, -allowance.amount))) {
            let rate = if item.category == "O" { Decimal::ZERO } else { item.rate.unwrap_or_default() };
            *bases.entry((item.category.as_str(), rate)).or_default() += amount;
        }
        for tax in children(settlement, "ApplicableTradeTax").collect::<Vec<_>>() {
            self.breakdown_terms(tax);
            if !self.extended() {
                continue;
            }
            // EXTENDED's own sums, a cent per amount added (the EN 16931
            // per-category rules are in `categories`).
            let basis = amount(child(tax, "BasisAmount"));
            let calculated = amount(child(tax, "CalculatedAmount"));
            let code = text(child(tax, "CategoryCode")).unwrap_or_default().to_owned();
            let rate = amount(child(tax, "RateApplicablePercent"));
            let Some(category) = CATEGORIES.iter().find(|category| category.code == code) else { continue };
            let key_rate = if category.code == "O" { Decimal::ZERO } else { rate.unwrap_or_default() };
            let expected_basis = bases.get(&(category.code, key_rate)).copied().unwrap_or_default();
            let tolerance = Decimal::new(count as i64, 2);
            if let Some(basis) = basis
                && lines > 0
                && (basis - expected_basis).abs() > tolerance
            {
                let rule = format!("BR-FXEXT-{}-08rev", family(category.code));
                self.wrong_basis(&rule, Severity::Warning, tax, category, Some(basis), expected_basis);
            }
            if let (Some(basis), Some(calculated)) = (basis, calculated)
                && category.positive_rate
            {
                let expected = (basis * rate.unwrap_or_default() / Decimal::ONE_HUNDRED)
                    .round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
                if (calculated - expected).abs() > tolerance {
                    self.wrong_tax_amount("BR-FXEXT-S-09b", tax, category, Some(calculated), expected);
                }
            }
        }
    }

    /// A VAT breakdown's taxable amount (BT-116) is not what its category
    /// and rate add up to.
    fn wrong_basis(
        &mut self,
        rule: &str,
        severity: Severity,
        tax: Node,
        category: &Category,
        basis: Option<Decimal>,
        expected: Decimal,
    ) {
        let (stated, stated_en) = stated(basis);
        let fr = format!(
            "Base imposable de la catégorie « {} » (BT-116) = Σ montants nets des lignes, frais et remises de cette catégorie et de ce taux : {stated} est déclaré, {expected} est attendu.",
            category.label_fr
        );
        let en = format!(
            "In a VAT breakdown (BG-23) where the VAT category code (BT-118) is \"{}\" the VAT category taxable amount (BT-116) shall equal the sum of line net amounts, charges and allowances of that category and rate: {stated_en} stated, {expected} expected.",
            category.label_en
        );
        if profiles::states(rule, self.profile) {
            self.findings.add(rule, severity, tax, &fr, &en);
        }
    }

    /// A VAT breakdown's tax amount (BT-117) is not its base times its rate.
    fn wrong_tax_amount(
        &mut self,
        rule: &str,
        tax: Node,
        category: &Category,
        calculated: Option<Decimal>,
        expected: Decimal,
    ) {
        let (stated, stated_en) = stated(calculated);
        self.error(
            rule,
            tax,
            &format!("Montant de TVA de la catégorie « {} » (BT-117) : {stated} est déclaré, {expected} est attendu.", category.label_fr),
            &format!(
                "The VAT category tax amount (BT-117) where the VAT category code (BT-118) is \"{}\": {stated_en} stated, {expected} expected.",
                category.label_en
            ),
        );
    }

    /// A VAT breakdown has an exemption reason its category forbids, or
    /// lacks one its category requires.
    fn exemption_reason(&mut self, rule: &str, tax: Node, category: &Category) {
        let (fr, en) = if category.exemption_reason {
            (
                "doit avoir un motif d'exonération (BT-120 ou BT-121)",
                "shall have a VAT exemption reason code (BT-121) or text (BT-120)",
            )
        } else {
            (
                "ne doit pas avoir de motif d'exonération (BT-120, BT-121)",
                "shall not have a VAT exemption reason code (BT-121) or text (BT-120)",
            )
        };
        self.error(
            rule,
            tax,
            &format!("Un récapitulatif de TVA de catégorie « {} » {fr}.", category.label_fr),
            &format!("A VAT Breakdown (BG-23) with VAT Category code (BT-118) \"{}\" {en}.", category.label_en),
        );
    }

    /// BR-45 to BR-48, BR-DEC-19, BR-DEC-20: the terms of a VAT breakdown (BG-23).
    fn breakdown_terms(&mut self, tax: Node<'a, 'input>) {
        // `(ram:X)`: present, whatever it holds; `ram:CategoryCode = 'O'` as written.
        // EXTENDED-CTC-FR asks the code and the rate of VAT breakdowns only
        // (`.[upper-case(ram:TypeCode) = 'VAT']/ram:CategoryCode`).
        let vat = self.profile != Profile::ExtendedCtcFr || is_vat(tax);
        let has = |name| vat && child(tax, name).is_some();
        let not_subject = vat && children(tax, "CategoryCode").any(|code| code.text() == Some("O"));
        for (rule, present, fr, en) in [
            (
                "BR-45",
                child(tax, "BasisAmount").is_some(),
                "une base imposable (BT-116)",
                "a VAT category taxable amount (BT-116)",
            ),
            (
                "BR-46",
                child(tax, "CalculatedAmount").is_some(),
                "un montant de TVA (BT-117)",
                "a VAT category tax amount (BT-117)",
            ),
            ("BR-47", has("CategoryCode"), "un code de catégorie (BT-118)", "a VAT category code (BT-118)"),
            ("BR-48", has("RateApplicablePercent") || not_subject, "un taux (BT-119)", "a VAT category rate (BT-119)"),
        ] {
            if !present {
                self.error(
                    rule,
                    tax,
                    &format!("Chaque récapitulatif de TVA doit avoir {fr}."),
                    &format!("Each VAT breakdown (BG-23) shall have {en}."),
                );
            }
        }
        if let Some(node) = child(tax, "BasisAmount") {
            self.two_decimals("BR-DEC-19", node, "BT-116");
        }
        if let Some(node) = child(tax, "CalculatedAmount") {
            self.two_decimals("BR-DEC-20", node, "BT-117");
        }
    }
}
