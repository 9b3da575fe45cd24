//! The business rules of the French reform's EXTENDED-CTC-FR profile, as
//! FNFE-MPE's France_RFE v1.4.0 states them (EXTENDED-CTC-FR-CII.sch): the
//! EN 16931 rules, where invoice lines have a subtype (BT-X-8: DETAIL,
//! GROUP, INFORMATION) and only detail lines count in the sums, sums are
//! allowed a cent per amount added, and logistics service fees (BT-X-272)
//! count among the charges.

use roxmltree::Node;
use rust_decimal::Decimal;
use rustc_hash::FxHashMap as HashMap;

use super::groups::raw;
use super::{Checker, amount, breakdown_families, cents, has_exemption_reason, is_vat};
use crate::rules::Severity;
use crate::rules::xml::{child, children, descend, text};

const SUBTYPES: [&str; 3] = ["DETAIL", "GROUP", "INFORMATION"];

/// What a line, allowance, charge or logistics fee brings to a VAT
/// category: the tax it names and its amount.
struct Taxed {
    category: String,
    rate: Option<Decimal>,
    reason_code: String,
    reason_text: String,
    amount: Option<Decimal>,
}

impl Taxed {
    fn read(tax: Option<Node>, amount_node: Option<Node>) -> Self {
        let normalized = |name: &str| {
            tax.and_then(|tax| child(tax, name))
                .and_then(|node| node.text())
                .map(|text| text.split_whitespace().collect::<Vec<_>>().join(" "))
                .unwrap_or_default()
        };
        Taxed {
            category: text(tax.and_then(|tax| child(tax, "CategoryCode"))).unwrap_or_default().to_owned(),
            rate: amount(tax.and_then(|tax| child(tax, "RateApplicablePercent"))),
            reason_code: normalized("ExemptionReasonCode"),
            reason_text: normalized("ExemptionReason"),
            amount: amount(amount_node),
        }
    }
}

/// The invoice's amounts as the profile's rules add them up.
struct Amounts {
    /// Every line, whatever its subtype.
    line_count: usize,
    /// The lines whose subtype is DETAIL or not given.
    detail_lines: Vec<Taxed>,
    allowances: Vec<Taxed>,
    charges: Vec<Taxed>,
    logistics_fees: Vec<Taxed>,
}

/// Items' amounts and counts by category and rate, and also by exemption
/// reason: read once, so that each breakdown's sums are lookups. A rate
/// must match but for O (not subject to VAT), which has none.
#[derive(Default)]
struct Grouped<'t> {
    by_rate: HashMap<(&'t str, Option<Decimal>), SumAndCount>,
    by_reason: HashMap<ReasonKey<'t>, SumAndCount>,
}

/// A category, a rate (none for O), an exemption reason code and text.
type ReasonKey<'t> = (&'t str, Option<Decimal>, &'t str, &'t str);
type SumAndCount = (Decimal, usize);

impl<'t> Grouped<'t> {
    fn of_items(items: &'t [Taxed]) -> Self {
        let mut grouped = Grouped::default();
        for item in items {
            let rate = match (item.category == "O", item.rate) {
                (true, _) => None,
                (false, Some(rate)) => Some(rate),
                // A rate must match: without one, no breakdown counts it.
                (false, None) => continue,
            };
            let amount = item.amount.unwrap_or_default();
            let by_rate = grouped.by_rate.entry((item.category.as_str(), rate)).or_default();
            *by_rate = (by_rate.0 + amount, by_rate.1 + 1);
            let key = (item.category.as_str(), rate, item.reason_code.as_str(), item.reason_text.as_str());
            let by_reason = grouped.by_reason.entry(key).or_default();
            *by_reason = (by_reason.0 + amount, by_reason.1 + 1);
        }
        grouped
    }

    /// The sum (to the cent) and count of the items of a breakdown's
    /// category and rate, and reason when given.
    fn of(&self, code: &str, rate: Option<Decimal>, reason: Option<(&str, &str)>) -> (Decimal, usize) {
        let rate = if code == "O" {
            None
        } else if rate.is_some() {
            rate
        } else {
            return (Decimal::ZERO, 0);
        };
        let found = match reason {
            None => self.by_rate.get(&(code, rate)),
            Some((reason_code, reason_text)) => self.by_reason.get(&(code, rate, reason_code, reason_text)),
        };
        found.map_or((Decimal::ZERO, 0), |(sum, count)| (cents(*sum), *count))
    }
}

fn sum(items: &[&Taxed]) -> Decimal {
    cents(items.iter().filter_map(|item| item.amount).sum())
}

fn all(items: &[Taxed]) -> Vec<&Taxed> {
    items.iter().collect()
}

fn tolerance(count: usize) -> Decimal {
    Decimal::new(count as i64, 2)
}

/// A line's subtype (BT-X-8), as written.
fn subtype<'a>(line: Node<'a, '_>) -> Option<&'a str> {
    written(line, "LineStatusReasonCode")
}

/// A term of a line's BG-25 header (`LineID`, `ParentLineID`), as written.
fn written<'a>(line: Node<'a, '_>, name: &str) -> Option<&'a str> {
    descend(line, &["AssociatedDocumentLineDocument", name]).map(|node| node.text().unwrap_or(""))
}

/// A line's net amount (BT-131).
fn line_net<'a, 'input>(line: Node<'a, 'input>) -> Option<Node<'a, 'input>> {
    descend(line, &["SpecifiedLineTradeSettlement", "SpecifiedTradeSettlementLineMonetarySummation", "LineTotalAmount"])
}

/// A line counts in the sums when its subtype is DETAIL or not given.
fn is_detail(line: Node) -> bool {
    subtype(line).is_none_or(|code| code == "DETAIL")
}

impl<'a, 'input> Checker<'a, 'input> {
    pub(super) fn french_extended(&mut self) {
        let amounts = self.french_amounts();
        self.french_totals(&amounts);
        self.french_lines();
        self.sub_lines();
        self.french_vat_breakdown(&amounts);
        self.category_presence();
    }

    fn french_amounts(&self) -> Amounts {
        let lines = self.line_items();
        let settlement = self.settlement();
        let header = |name: &'static str| -> Vec<Node<'a, 'input>> {
            settlement.map(|settlement| children(settlement, name).collect()).unwrap_or_default()
        };
        let is_charge = |item: &Node| {
            text(descend(*item, &["ChargeIndicator", "Indicator"])).is_some_and(|flag| flag == "true" || flag == "1")
        };
        let allowance_charges = header("SpecifiedTradeAllowanceCharge");
        let read_allowance =
            |item: &Node<'a, 'input>| Taxed::read(child(*item, "CategoryTradeTax"), child(*item, "ActualAmount"));
        Amounts {
            line_count: lines.len(),
            detail_lines: lines
                .iter()
                .filter(|line| is_detail(**line))
                .map(|line| {
                    let settlement = child(*line, "SpecifiedLineTradeSettlement");
                    Taxed::read(
                        settlement.and_then(|settlement| child(settlement, "ApplicableTradeTax")),
                        settlement.and_then(|settlement| {
                            descend(settlement, &["SpecifiedTradeSettlementLineMonetarySummation", "LineTotalAmount"])
                        }),
                    )
                })
                .collect(),
            allowances: allowance_charges.iter().filter(|item| !is_charge(item)).map(read_allowance).collect(),
            charges: allowance_charges.iter().filter(|item| is_charge(item)).map(read_allowance).collect(),
            logistics_fees: header("SpecifiedLogisticsServiceCharge")
                .iter()
                .map(|fee| Taxed::read(child(*fee, "AppliedTradeTax"), child(*fee, "AppliedAmount")))
                .collect(),
        }
    }

    /// BR-12 to BR-15, BR-DEC-*, and BR-FREXT-CO-10 to 15 in place of
    /// BR-CO-10 to 15; BR-CO-14, BR-CO-16 and BR-CO-25 as EN 16931 states them.
    fn french_totals(&mut self, amounts: &Amounts) {
        let Some(settlement) = self.settlement() else { return };
        let Some(summation) = child(settlement, "SpecifiedTradeSettlementHeaderMonetarySummation") else { return };
        self.summation_terms(summation, true);
        let get = |name: &str| amount(child(summation, name));
        let (detail, allowances) = (sum(&all(&amounts.detail_lines)), sum(&all(&amounts.allowances)));
        let charges = sum(&all(&amounts.charges)) + sum(&all(&amounts.logistics_fees));
        let (allowance_count, charge_count) =
            (amounts.allowances.len(), amounts.charges.len() + amounts.logistics_fees.len());
        let every_amount = amounts.detail_lines.len() + allowance_count + charge_count;
        // A rule's check of a term that is absent fails, as an XPath `for`
        // over an empty sequence does.
        let within = |checker: &mut Self,
                      rule: &str,
                      stated: Option<Decimal>,
                      expected: Decimal,
                      count: usize,
                      fr: &str,
                      en: &str| {
            let broken = stated.is_none_or(|stated| (stated - expected).abs() > tolerance(count));
            if broken {
                let shown = stated.map_or_else(|| "—".to_owned(), |stated| stated.to_string());
                checker.error(
                    rule,
                    summation,
                    &format!("{fr}, à un centime près par montant : {shown} est déclaré, {expected} est attendu."),
                    &format!("{en}, within a cent per amount: {shown} stated, {expected} expected."),
                );
            }
        };
        within(
            self,
            "BR-FREXT-CO-10",
            get("LineTotalAmount"),
            detail,
            amounts.line_count,
            "Somme des montants nets des lignes (BT-106) = Σ montants nets des lignes de détail (BT-131)",
            "Sum of Invoice line net amount (BT-106) = Σ Invoice line net amount (BT-131) of the detail lines",
        );
        if !amounts.allowances.is_empty() || get("AllowanceTotalAmount").is_some() {
            within(
                self,
                "BR-FREXT-CO-11",
                get("AllowanceTotalAmount"),
                allowances,
                allowance_count,
                "Total des remises (BT-107) = Σ remises au niveau document (BT-92)",
                "Sum of allowances on document level (BT-107) = Σ Document level allowance amount (BT-92)",
            );
        }
        if !amounts.charges.is_empty() || get("ChargeTotalAmount").is_some() {
            within(
                self,
                "BR-FREXT-CO-12",
                get("ChargeTotalAmount"),
                charges,
                charge_count,
                "Total des frais (BT-108) = Σ frais au niveau document (BT-99) + Σ frais de service logistique (BT-X-272)",
                "Sum of charges on document level (BT-108) = Σ Document level charge amount (BT-99) + Σ Logistics service fee amount (BT-X-272)",
            );
        }
        within(
            self,
            "BR-FREXT-CO-13",
            get("TaxBasisTotalAmount"),
            detail - allowances + charges,
            every_amount,
            "Total hors TVA (BT-109) = Σ montants nets des lignes de détail (BT-131) - Σ remises (BT-92) + Σ frais (BT-99, BT-X-272)",
            "Invoice total amount without VAT (BT-109) = Σ Invoice line net amount (BT-131) of the detail lines - Σ allowances (BT-92) + Σ charges (BT-99, BT-X-272)",
        );
        let currency = text(child(settlement, "InvoiceCurrencyCode"));
        let mut taxes_in_currency = children(summation, "TaxTotalAmount")
            .filter(|tax| currency.is_some() && tax.attribute("currencyID") == currency);
        let tax_total = match (taxes_in_currency.next(), taxes_in_currency.next()) {
            (Some(tax), None) => amount(Some(tax)),
            _ => None,
        };
        let with_tax = get("TaxBasisTotalAmount").zip(tax_total).map(|(basis, tax)| basis + tax);
        match (get("GrandTotalAmount"), with_tax) {
            (Some(grand), Some(expected)) => within(
                self,
                "BR-FREXT-CO-15",
                Some(grand),
                expected,
                every_amount,
                "Total TVA comprise (BT-112) = total hors TVA (BT-109) + total TVA dans la devise de la facture (BT-110)",
                "Invoice total amount with VAT (BT-112) = Invoice total amount without VAT (BT-109) + Invoice total VAT amount in the invoice currency (BT-110)",
            ),
            _ => self.error(
                "BR-FREXT-CO-15",
                summation,
                "Le total TVA comprise (BT-112), le total hors TVA (BT-109) et un seul total TVA (BT-110) dans la devise de la facture (BT-5) sont attendus.",
                "The Invoice total amount with VAT (BT-112), without VAT (BT-109) and one Invoice total VAT amount (BT-110) in the invoice currency (BT-5) are expected.",
            ),
        }
        let breakdown: Decimal =
            children(settlement, "ApplicableTradeTax").filter_map(|tax| amount(child(tax, "CalculatedAmount"))).sum();
        for tax in children(summation, "TaxTotalAmount")
            .filter(|tax| currency.is_some() && tax.attribute("currencyID") == currency)
        {
            if amount(Some(tax)) != Some(cents(breakdown)) {
                self.error(
                    "BR-CO-14",
                    tax,
                    &format!(
                        "Total TVA (BT-110) = Σ montants de TVA par catégorie (BT-117) : {} est attendu.",
                        cents(breakdown)
                    ),
                    &format!(
                        "Invoice total VAT amount (BT-110) = Σ VAT category tax amount (BT-117): {} expected.",
                        cents(breakdown)
                    ),
                );
            }
        }
        let terms = |name: &str| self.named("SpecifiedTradePaymentTerms").any(|node| child(node, name).is_some());
        if get("DuePayableAmount").is_some_and(|due| due > Decimal::ZERO)
            && !terms("DueDateDateTime")
            && !terms("Description")
        {
            self.error(
                "BR-CO-25",
                self.root,
                "Un montant à payer (BT-115) positif demande une date d'échéance (BT-9) ou des conditions de paiement (BT-20), par exemple « Paiement à 30 jours ».",
                "A positive Amount due for payment (BT-115) needs a Payment due date (BT-9) or Payment terms (BT-20).",
            );
        }
        let due = get("GrandTotalAmount").map(|grand| {
            grand - get("TotalPrepaidAmount").unwrap_or_default() + get("RoundingAmount").unwrap_or_default()
        });
        if due.is_none() || get("DuePayableAmount") != due {
            self.error(
                "BR-CO-16",
                summation,
                "Montant à payer (BT-115) = total TVA comprise (BT-112) - acompte (BT-113) + arrondi (BT-114).",
                "Amount due for payment (BT-115) = Invoice total amount with VAT (BT-112) - Paid amount (BT-113) + Rounding amount (BT-114).",
            );
        }
    }

    /// BR-16, BR-21, BR-25, BR-DEC-23 on every line; BR-FREXT-BR-22 to 26
    /// and BR-FREXT-CO-04 on the detail lines; CII-SR-465; BR-*-05.
    fn french_lines(&mut self) {
        let lines = self.line_items();
        if !self.has_lines(&lines) {
            return;
        }
        if self.settlement().is_none_or(|settlement| child(settlement, "ApplicableTradeTax").is_none()) {
            self.error(
                "BR-CO-18",
                self.root,
                "La facture doit avoir au moins un récapitulatif de TVA (BG-23).",
                "An Invoice shall at least have one VAT breakdown group (BG-23).",
            );
        }
        for line in lines {
            let net = descend(
                line,
                &["SpecifiedLineTradeSettlement", "SpecifiedTradeSettlementLineMonetarySummation", "LineTotalAmount"],
            );
            for (rule, present, fr, en) in [
                (
                    "BR-21",
                    text(descend(line, &["AssociatedDocumentLineDocument", "LineID"])).is_some(),
                    "un identifiant de ligne (BT-126)",
                    "an Invoice line identifier (BT-126)",
                ),
                (
                    "BR-25",
                    text(descend(line, &["SpecifiedTradeProduct", "Name"])).is_some(),
                    "le nom de l'article (BT-153)",
                    "the Item name (BT-153)",
                ),
            ] {
                if !present {
                    self.error(
                        rule,
                        line,
                        &format!("Chaque ligne doit avoir {fr}."),
                        &format!("Each Invoice line (BG-25) shall have {en}."),
                    );
                }
            }
            if let Some(net) = net {
                self.two_decimals("BR-DEC-23", net, "BT-131");
            }
            let document = child(line, "AssociatedDocumentLineDocument");
            if document.is_none() || !is_detail(line) {
                continue;
            }
            let quantity = descend(line, &["SpecifiedLineTradeDelivery", "BilledQuantity"]);
            let vat_category = descend(line, &["SpecifiedLineTradeSettlement"]).is_some_and(|settlement| {
                children(settlement, "ApplicableTradeTax").any(|tax| {
                    text(child(tax, "TypeCode")).is_some_and(|code| code.eq_ignore_ascii_case("VAT"))
                        && child(tax, "CategoryCode").is_some()
                })
            });
            for (rule, present, fr, en) in [
                (
                    "BR-FREXT-BR-22",
                    quantity.is_some(),
                    "la quantité facturée (BT-129)",
                    "an Invoiced quantity (BT-129)",
                ),
                (
                    "BR-FREXT-BR-23",
                    quantity.is_some_and(|quantity| quantity.attribute("unitCode").is_some()),
                    "l'unité de la quantité facturée (BT-130)",
                    "an Invoiced quantity unit of measure code (BT-130)",
                ),
                (
                    "BR-FREXT-BR-24",
                    net.is_some(),
                    "le montant net de la ligne (BT-131)",
                    "an Invoice line net amount (BT-131)",
                ),
                (
                    "BR-FREXT-BR-26",
                    descend(line, &["SpecifiedLineTradeAgreement", "NetPriceProductTradePrice", "ChargeAmount"])
                        .is_some(),
                    "le prix net de l'article (BT-146)",
                    "the Item net price (BT-146)",
                ),
                (
                    "BR-FREXT-CO-04",
                    vat_category,
                    "le code de catégorie de TVA (BT-151)",
                    "an Invoiced item VAT category code (BT-151)",
                ),
            ] {
                if !present {
                    self.error(
                        rule,
                        line,
                        &format!("Chaque ligne de détail (sous-type BT-X-8 DETAIL ou absent) doit avoir {fr}."),
                        &format!("Each detail Invoice line (subtype BT-X-8 DETAIL or not given) shall have {en}."),
                    );
                }
            }
        }
    }

    /// BR-FREXT-05, 06, 08, 11 and 12: the sub-lines' subtypes, parents and
    /// group amounts.
    fn sub_lines(&mut self) {
        let lines = self.line_items();
        let id_of = |line| written(line, "LineID");
        let parent_of = |line| written(line, "ParentLineID");
        for &line in &lines {
            let code = subtype(line);
            let id = id_of(line);
            let parent = parent_of(line).map(|parent| parent.split_whitespace().collect::<Vec<_>>().join(" "));
            let parent = parent.filter(|parent| !parent.is_empty());
            if code.is_some_and(|code| !SUBTYPES.contains(&code)) {
                self.error(
                    "BR-FREXT-05",
                    line,
                    "Le sous-type de la ligne (BT-X-8) est DETAIL, GROUP ou INFORMATION.",
                    "The subtype of the invoice line (BT-X-8) shall be DETAIL, GROUP or INFORMATION.",
                );
            }
            if parent.is_some() && code.is_none_or(str::is_empty) {
                self.error(
                    "BR-FREXT-06",
                    line,
                    "Une ligne qui a une ligne parente (BT-X-304) doit avoir un sous-type (BT-X-8).",
                    "An invoice line with a parent line (BT-X-304) shall have a subtype (BT-X-8).",
                );
            }
            if let Some(parent) = &parent
                && !lines.iter().any(|other| id_of(*other) == Some(parent.as_str()) && id_of(*other) != id)
            {
                self.error(
                    "BR-FREXT-11",
                    line,
                    &format!(
                        "La ligne parente « {parent} » (BT-X-304) n'est l'identifiant (BT-126) d'aucune autre ligne."
                    ),
                    &format!(
                        "The parent line '{parent}' (BT-X-304) is the identifier (BT-126) of no other invoice line."
                    ),
                );
            }
            let Some(group_net) = line_net(line).filter(|_| code == Some("GROUP")) else { continue };
            let children_of_line: Vec<Node> = lines
                .iter()
                .copied()
                .filter(|other| id.is_some() && parent_of(*other) == id)
                .filter(|other| matches!(subtype(*other), Some("GROUP" | "DETAIL")))
                .collect();
            let expected = cents(children_of_line.iter().filter_map(|other| amount(line_net(*other))).sum());
            if amount(Some(group_net)) != Some(expected) {
                self.error(
                    "BR-FREXT-08",
                    line,
                    &format!("Le montant net d'une ligne GROUP (BT-131) est la somme de ses sous-lignes DETAIL et GROUP : {expected} est attendu."),
                    &format!("The net amount (BT-131) of a GROUP line is the sum of its DETAIL and GROUP sub-lines: {expected} expected."),
                );
            }
            if children_of_line.iter().any(|other| subtype(*other) == Some("GROUP") && line_net(*other).is_none()) {
                self.error(
                    "BR-FREXT-12",
                    line,
                    "Sous une ligne GROUP qui a un montant net (BT-131), chaque sous-ligne GROUP en a un aussi.",
                    "Under a GROUP line with a net amount (BT-131), every GROUP sub-line shall have one too.",
                );
            }
        }
    }

    /// Per VAT breakdown (BG-23): BR-45 to 48, BR-DEC-19 and 20 (for the
    /// breakdowns no per-category rule matches); the taxable
    /// amount (BR-FXEXT-*-08: fatal when it matches neither by category and
    /// rate nor also by exemption reason, a warning for each it misses);
    /// BR-FXEXT-S-09; BR-Z/E/AE/IC/G-09 and BR-E/AE/IC/G-10.
    fn french_vat_breakdown(&mut self, amounts: &Amounts) {
        let Some(settlement) = self.settlement() else { return };
        let anywhere = |name: &str| self.named(name).next().is_some();
        let tax_point_and_code = anywhere("TaxPointDate") && anywhere("DueDateTypeCode");
        let groups = [&amounts.detail_lines, &amounts.allowances, &amounts.charges, &amounts.logistics_fees]
            .map(|items| Grouped::of_items(items));
        for tax in children(settlement, "ApplicableTradeTax").collect::<Vec<_>>() {
            // The per-category rules match `CategoryCode = 'S'` and
            // `upper-case(TypeCode) = 'VAT'` on the text as written: " S"
            // is no category of theirs.
            let code = raw(child(tax, "CategoryCode"));
            let is_vat = is_vat(tax);
            let family = breakdown_families().find(|(category, _)| category.code == code);
            // In the official schematron the per-category rule comes first
            // in its pattern, so a breakdown it matches is not checked by
            // the general one (BR-45 to 48, BR-DEC-19 and 20).
            if family.is_none() || !is_vat {
                self.breakdown_terms(tax);
                self.tax_point_exclusive(tax, tax_point_and_code);
            }
            let Some((category, family)) = family else { continue };
            let basis = amount(child(tax, "BasisAmount"));
            let calculated = amount(child(tax, "CalculatedAmount"));
            let rate = amount(child(tax, "RateApplicablePercent"));
            let taxed = Taxed::read(Some(tax), None);
            // By category and rate ("ini"), and also by exemption reason ("rev").
            let expected = |by_reason: bool| {
                let reason = by_reason.then_some((taxed.reason_code.as_str(), taxed.reason_text.as_str()));
                let of = |items: &Grouped| items.of(code, rate, reason);
                let (lines, lines_count) = of(&groups[0]);
                let (allowances, allowances_count) = of(&groups[1]);
                let (charges, charges_count) = of(&groups[2]);
                let (fees, fees_count) = of(&groups[3]);
                (lines - allowances + charges + fees, lines_count + allowances_count + charges_count + fees_count)
            };
            if is_vat {
                let (by_rate, by_rate_count) = expected(false);
                let (by_reason, by_reason_count) = expected(true);
                let fits = |(value, count): (Decimal, usize)| {
                    basis.is_some_and(|basis| (basis - value).abs() <= tolerance(count))
                };
                let (fits_rate, fits_reason) = (fits((by_rate, by_rate_count)), fits((by_reason, by_reason_count)));
                if !fits_rate {
                    self.wrong_basis(
                        &format!("BR-FXEXT-{family}-08ini"),
                        Severity::Warning,
                        tax,
                        category,
                        basis,
                        by_rate,
                    );
                }
                if !fits_reason {
                    self.wrong_basis(
                        &format!("BR-FXEXT-{family}-08rev"),
                        Severity::Warning,
                        tax,
                        category,
                        basis,
                        by_reason,
                    );
                }
                if !fits_rate && !fits_reason {
                    self.wrong_basis(
                        &format!("BR-FXEXT-{family}-08"),
                        Severity::Error,
                        tax,
                        category,
                        basis,
                        by_reason,
                    );
                }
                if code == "S" {
                    let expected = basis.zip(rate).map(|(basis, rate)| cents(basis * rate / Decimal::ONE_HUNDRED));
                    let fits = calculated.zip(expected).is_some_and(|(calculated, expected)| {
                        (calculated - expected).abs() <= tolerance(by_rate_count)
                    });
                    if !fits {
                        self.wrong_tax_amount("BR-FXEXT-S-09", tax, category, calculated, expected.unwrap_or_default());
                    }
                }
            }
            if matches!(category.code, "S" | "O" | "L" | "M") {
                continue;
            }
            // BR-Z-09 does not ask for the VAT type code, the others do.
            if (is_vat || category.code == "Z") && calculated != Some(Decimal::ZERO) {
                self.wrong_tax_amount(&format!("BR-{family}-09"), tax, category, calculated, Decimal::ZERO);
            }
            if is_vat && category.exemption_reason && !has_exemption_reason(tax) {
                self.exemption_reason(&format!("BR-{family}-10"), tax, category);
            }
        }
    }

    /// BR-FREXT-S-01 and its siblings: a VAT breakdown for each category
    /// the lines, allowances and charges use, and none for a category they
    /// do not use.
    fn category_presence(&mut self) {
        let Some(settlement) = self.settlement() else { return };
        let (allowance_taxes, line_settlements) = (
            self.named("CategoryTradeTax").collect::<Vec<_>>(),
            self.named("SpecifiedLineTradeSettlement").collect::<Vec<_>>(),
        );
        let names =
            |tax: &Node, code: &str| children(*tax, "CategoryCode").any(|category| category.text() == Some(code));
        for (category, family) in breakdown_families() {
            let code = category.code;
            let breakdowns = children(settlement, "ApplicableTradeTax").filter(|tax| names(tax, code)).count();
            // The line-level taxes, and every allowance's or charge's.
            let line_uses = line_settlements
                .iter()
                .any(|settlement| children(*settlement, "ApplicableTradeTax").any(|tax| names(&tax, code)));
            let used = line_uses || allowance_taxes.iter().any(|tax| names(tax, code));
            if (breakdowns == 0) == used {
                let (fr, en) = if used {
                    (
                        "est utilisée par une ligne, une remise ou des frais mais n'a pas de récapitulatif de TVA (BG-23)",
                        "is used by a line, an allowance or a charge but has no VAT breakdown (BG-23)",
                    )
                } else {
                    (
                        "a un récapitulatif de TVA (BG-23) sans ligne, remise ni frais de cette catégorie",
                        "has a VAT breakdown (BG-23) but no line, allowance or charge of that category",
                    )
                };
                self.error(
                    &format!("BR-FREXT-{family}-01"),
                    settlement,
                    &format!("La catégorie de TVA « {code} » {fr}."),
                    &format!("The VAT category '{code}' {en}."),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn half_a_cent_rounds_up_as_xpath_rounds() {
        assert_eq!(cents(Decimal::new(1005, 3)), Decimal::new(101, 2));
        assert_eq!(cents(Decimal::new(-1005, 3)), Decimal::new(-100, 2));
        assert_eq!(cents(Decimal::new(1004, 3)), Decimal::new(100, 2));
    }
}
