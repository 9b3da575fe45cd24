//! The rules of the two billing frames whose invoices group lines by
//! sub-invoice (BR-FR-MV, BR-FR-BD of France_RFE v1.4.0): multi-vendor
//! (BT-23 `S8`, `B8`, `M8`) and "sous-facture" (`S9`, `B9`, `M9`). A
//! `GROUP` line without a parent heads a sub-invoice; `DETAIL` lines point
//! to it by `ParentLineID`. Their contexts compare values across lines,
//! which the table's path contexts cannot say, so each pattern is written
//! here; the table lists their ids.

use roxmltree::Node;

use super::{SELF_BILLED, all, children, first, has_child_equal, normalize, normalized, string_value};
use crate::rules::xml::{QDT, RAM, RSM};
use crate::rules::{Findings, Severity};

/// Every rule id this module checks, as `rules.txt` names them.
pub(super) const IDS: [&str; 26] = [
    "BR-FR-MV-01_EXT-FR-FE-163",
    "BR-FR-MV-02_EXT-FR-FE-163",
    "BR-FR-BD-02_EXT-FR-FE-163",
    "BR-FR-BD-02_BT-31",
    "BR-FR-BD-02_BT-47",
    "BR-FR-MV-03_EXT-FR-FE-164",
    "BR-FR-MV-03_EXT-FR-FE-167",
    "BR-FR-MV-03_EXT-FR-FE-177",
    "BR-FR-MV-03_EXT-FR-FE-181",
    "BR-FR-MV-03_EXT-FR-FE-182",
    "BR-FR-MV-03_BT-128_AFL",
    "BR-FR-MV-03_BT-128_AVV",
    "BR-FR-MV-05_EXT-FR-FE-BG-12",
    "BR-FR-MV-06_EXT-FR-FE-167",
    "BR-FR-MV-07_BT-128",
    "BR-FR-MV-08_BT-128",
    "BR-FR-MV-09_EXT-FR-FE-181",
    "BR-FR-MV-10_EXT-FR-FE-184",
    "BR-FR-MV-11_BT-128",
    "BR-FR-MV-12_BT-128",
    "BR-FR-MV-13_BT-3",
    "BR-FR-BD-13_BT-3",
    "BR-FR-MV-14-EXT-FR-FE-136",
    "BR-FR-MV-14-EXT-FR-FE-138",
    "BR-FR-BD-14-EXT-FR-FE-136",
    "BR-FR-BD-14-EXT-FR-FE-138",
];

const MULTI_VENDOR: [&str; 3] = ["S8", "B8", "M8"];
pub(super) const SUB_INVOICES: [&str; 3] = ["S9", "B9", "M9"];

/// The invoice's lines and the values the rules compare them with.
struct Frame<'a, 'input> {
    invoice: Node<'a, 'input>,
    transaction: Option<Node<'a, 'input>>,
    lines: Vec<Node<'a, 'input>>,
    multi_vendor: bool,
    sub_invoices: bool,
    currency: Vec<String>,
    tax_currency: Option<Vec<String>>,
}

/// Checks the MV and BD rules on a document whose root is the invoice.
pub(super) fn check(invoice: Node, findings: &mut Findings) {
    let frame = first(
        invoice,
        &[(RSM, "ExchangedDocumentContext"), (RAM, "BusinessProcessSpecifiedDocumentContextParameter"), (RAM, "ID")],
    )
    .map(normalized)
    .unwrap_or_default();
    let (multi_vendor, sub_invoices) = (MULTI_VENDOR.contains(&frame.as_str()), SUB_INVOICES.contains(&frame.as_str()));
    if !multi_vendor && !sub_invoices {
        return;
    }
    let transaction = first(invoice, &[(RSM, "SupplyChainTradeTransaction")]);
    let settlement = |name: &str| {
        transaction.map_or_else(Vec::new, |transaction| {
            all(transaction, &[(RAM, "ApplicableHeaderTradeSettlement"), (RAM, name)])
                .into_iter()
                .map(string_value)
                .collect::<Vec<_>>()
        })
    };
    let tax_currency = settlement("TaxCurrencyCode");
    let frame = Frame {
        invoice,
        transaction,
        lines: transaction
            .map_or_else(Vec::new, |transaction| all(transaction, &[(RAM, "IncludedSupplyChainTradeLineItem")])),
        multi_vendor,
        sub_invoices,
        currency: settlement("InvoiceCurrencyCode"),
        tax_currency: (!tax_currency.is_empty()).then_some(tax_currency),
    };
    frame.check(findings);
}

impl<'a, 'input> Frame<'a, 'input> {
    fn check(&self, findings: &mut Findings) {
        let mut fail = |id: &'static str, at: Node, holds: bool| {
            if !holds {
                let (fr, en) = message(id);
                findings.add(id, Severity::Error, at, &fr, &en);
            }
        };
        if let Some(transaction) = self.transaction {
            let heads: Vec<Node> = self.lines.iter().copied().filter(|line| heads_sub_invoice(*line)).collect();
            fail("BR-FR-MV-02_EXT-FR-FE-163", transaction, !self.multi_vendor || !heads.is_empty());
            if self.sub_invoices {
                let sold_by = |party: &str| {
                    let ids = self.header_legal_ids(party);
                    heads.iter().filter(|line| item_seller_legal_ids(**line).iter().any(|id| ids.contains(id))).count()
                };
                fail("BR-FR-BD-02_EXT-FR-FE-163", transaction, heads.len() == 2);
                fail("BR-FR-BD-02_BT-31", transaction, sold_by("SellerTradeParty") == 1);
                fail("BR-FR-BD-02_BT-47", transaction, sold_by("BuyerTradeParty") == 1);
            }
            fail("BR-FR-MV-12_BT-128", transaction, !self.repeats_a_sub_invoice_number());
        }
        for code in all(self.invoice, &[(RSM, "ExchangedDocument"), (RAM, "TypeCode")]) {
            let (raw, trimmed) = (string_value(code), normalized(code));
            fail(
                "BR-FR-MV-13_BT-3",
                code,
                !self.multi_vendor || (!trimmed.is_empty() && !SELF_BILLED.contains(&raw.as_str())),
            );
            fail(
                "BR-FR-BD-13_BT-3",
                code,
                !self.sub_invoices || (!trimmed.is_empty() && SELF_BILLED.contains(&trimmed.as_str())),
            );
        }
        let invoice_number: Vec<String> =
            all(self.invoice, &[(RSM, "ExchangedDocument"), (RAM, "ID")]).into_iter().map(string_value).collect();
        let seller_ids = self.header_legal_ids("SellerTradeParty");
        let seller_heads: Vec<Node> = self
            .lines
            .iter()
            .copied()
            .filter(|line| {
                heads_sub_invoice(*line) && item_seller_legal_ids(*line).iter().any(|id| seller_ids.contains(id))
            })
            .collect();
        let seller_sub_invoices = seller_heads
            .iter()
            .flat_map(|line| sub_invoice_references(*line))
            .filter(|reference| {
                children(*reference, RAM, "IssuerAssignedID").any(|id| invoice_number.contains(&string_value(id)))
            })
            .count();
        for line in &self.lines {
            let line = *line;
            for status in all(line, &[(RAM, "AssociatedDocumentLineDocument"), (RAM, "LineStatusReasonCode")]) {
                fail("BR-FR-MV-01_EXT-FR-FE-163", status, !normalized(status).is_empty());
            }
            let parents = self.parents(line);
            let legal = normalize(&item_seller_legal_ids(line).join(""));
            let has_parent = !parent_ids(line).is_empty();
            let parent_legal =
                normalize(&parents.iter().flat_map(|parent| item_seller_legal_ids(*parent)).collect::<String>());
            fail("BR-FR-MV-06_EXT-FR-FE-167", line, !legal.is_empty() && (!has_parent || legal == parent_legal));
            let number = sub_invoice_number(line);
            let parent_number =
                normalize(&parents.iter().map(|parent| sub_invoice_number(*parent)).collect::<String>());
            fail("BR-FR-MV-07_BT-128", line, !number.is_empty() && (!has_parent || number == parent_number));
            if has_child_value(
                line,
                &[(RAM, "AssociatedDocumentLineDocument"), (RAM, "LineStatusReasonCode")],
                "DETAIL",
            ) {
                let reason = first(
                    line,
                    &[(RAM, "SpecifiedLineTradeSettlement"), (RAM, "ApplicableTradeTax"), (RAM, "ExemptionReason")],
                )
                .map(string_value)
                .unwrap_or_default();
                let tagged =
                    !normalize(&reason).is_empty() && !number.is_empty() && reason.starts_with(&format!("#{number}#"));
                fail("BR-FR-MV-08_BT-128", line, tagged);
            }
            if heads_sub_invoice(line) {
                self.check_head(line, &number, &mut fail);
                if seller_heads.contains(&line) {
                    let holds = seller_sub_invoices == 1
                        || (seller_sub_invoices == 0 && invoice_number.contains(&number))
                        || (seller_sub_invoices > 1 && invoice_number.iter().any(|id| *id != number));
                    fail("BR-FR-MV-11_BT-128", line, holds);
                }
            }
        }
    }

    /// The rules of a line that heads a sub-invoice.
    fn check_head(&self, line: Node, number: &str, fail: &mut impl FnMut(&'static str, Node, bool)) {
        let seller = |path: &[(&'static str, &str)]| {
            let mut steps = vec![(RAM, "SpecifiedLineTradeAgreement"), (RAM, "ItemSellerTradeParty")];
            steps.extend_from_slice(path);
            first(line, &steps).map(normalized).unwrap_or_default()
        };
        fail("BR-FR-MV-03_EXT-FR-FE-164", line, !seller(&[(RAM, "Name")]).is_empty());
        fail(
            "BR-FR-MV-03_EXT-FR-FE-167",
            line,
            !seller(&[(RAM, "SpecifiedLegalOrganization"), (RAM, "ID")]).is_empty(),
        );
        fail("BR-FR-MV-03_EXT-FR-FE-177", line, !seller(&[(RAM, "PostalTradeAddress"), (RAM, "CountryID")]).is_empty());
        let summation = first(
            line,
            &[(RAM, "SpecifiedLineTradeSettlement"), (RAM, "SpecifiedTradeSettlementLineMonetarySummation")],
        );
        let tax_in = |currencies: &[String]| {
            summation
                .and_then(|summation| {
                    children(summation, RAM, "TaxTotalAmount").find(|amount| {
                        amount.attribute("currencyID").is_some_and(|id| currencies.iter().any(|c| c == id))
                    })
                })
                .map(normalized)
                .unwrap_or_default()
        };
        fail("BR-FR-MV-03_EXT-FR-FE-181", line, !tax_in(&self.currency).is_empty());
        let accounting_ok = match &self.tax_currency {
            None => true,
            Some(currencies) => {
                currencies.iter().any(|currency| !currency.is_empty()) && !tax_in(currencies).is_empty()
            }
        };
        fail("BR-FR-MV-03_EXT-FR-FE-182", line, accounting_ok);
        for reference in all(line, &[(RAM, "SpecifiedLineTradeSettlement"), (RAM, "AdditionalReferencedDocument")]) {
            let numbered = has_child_equal(reference, "TypeCode", &["130"])
                && !children(reference, RAM, "IssuerAssignedID").next().map(normalized).unwrap_or_default().is_empty();
            if has_child_equal(reference, "ReferenceTypeCode", &["AFL"]) {
                fail("BR-FR-MV-03_BT-128_AFL", reference, numbered);
            } else if has_child_equal(reference, "ReferenceTypeCode", &["AVV"]) {
                let frame_named = has_child_equal(reference, "IssuerAssignedID", &MULTI_VENDOR);
                fail("BR-FR-MV-03_BT-128_AVV", reference, numbered && !frame_named);
            }
        }
        let line_id = first(line, &[(RAM, "AssociatedDocumentLineDocument"), (RAM, "LineID")])
            .map(normalized)
            .unwrap_or_default();
        let children_of = |status_filter: &dyn Fn(Node) -> bool| {
            self.lines
                .iter()
                .copied()
                .filter(|child| parent_ids(*child).contains(&line_id) && status_filter(*child))
                .collect::<Vec<_>>()
        };
        let not_information = |child: Node| {
            all(child, &[(RAM, "AssociatedDocumentLineDocument"), (RAM, "LineStatusReasonCode")])
                .into_iter()
                .any(|status| string_value(status) != "INFORMATION")
        };
        let line_totals: Vec<f64> =
            children_of(&not_information).into_iter().flat_map(|child| amounts(child, "LineTotalAmount")).collect();
        let own_total = amounts(line, "LineTotalAmount").first().copied().unwrap_or(f64::NAN);
        let sum: f64 = line_totals.iter().sum();
        fail("BR-FR-MV-05_EXT-FR-FE-BG-12", line, (own_total - sum).abs() <= 0.01 * line_totals.len() as f64);
        let tax_total = summation
            .and_then(|summation| {
                children(summation, RAM, "TaxTotalAmount").find(|amount| {
                    amount.attribute("currencyID").is_some_and(|id| self.currency.iter().any(|c| c == id))
                })
            })
            .and_then(|amount| normalized(amount).parse::<f64>().ok())
            .unwrap_or(f64::NAN);
        let vat_of_sub_invoice: f64 = self.transaction.map_or(0.0, |transaction| {
            all(transaction, &[(RAM, "ApplicableHeaderTradeSettlement"), (RAM, "ApplicableTradeTax")])
                .into_iter()
                .filter(|tax| {
                    has_child_equal(*tax, "TypeCode", &["VAT"])
                        && children(*tax, RAM, "ExemptionReason")
                            .any(|reason| string_value(reason).starts_with(&format!("#{number}#")))
                })
                .flat_map(|tax| {
                    children(tax, RAM, "CalculatedAmount")
                        .map(|amount| normalized(amount).parse::<f64>().unwrap_or(f64::NAN))
                        .collect::<Vec<_>>()
                })
                .sum()
        });
        fail("BR-FR-MV-09_EXT-FR-FE-181", line, (tax_total - vat_of_sub_invoice).abs() <= 0.01);
        let details = children_of(&|child| {
            has_child_value(child, &[(RAM, "AssociatedDocumentLineDocument"), (RAM, "LineStatusReasonCode")], "DETAIL")
        })
        .len();
        let grand_total = summation.and_then(|summation| children(summation, RAM, "GrandTotalAmount").next());
        let totals_agree = grand_total.is_none_or(|grand| {
            let grand_value = normalized(grand);
            !grand_value.is_empty()
                && (grand_value.parse::<f64>().unwrap_or(f64::NAN) - own_total - tax_total).abs()
                    <= 0.01 * details as f64
        });
        fail("BR-FR-MV-10_EXT-FR-FE-184", line, totals_agree);
        let type_codes: Vec<String> =
            all(self.invoice, &[(RSM, "ExchangedDocument"), (RAM, "TypeCode")]).into_iter().map(string_value).collect();
        let typed = |codes: &[&str]| type_codes.iter().any(|code| codes.contains(&code.as_str()));
        let references = |path: &[(&'static str, &str)]| {
            let mut steps = vec![(RAM, "SpecifiedLineTradeSettlement"), (RAM, "InvoiceReferencedDocument")];
            steps.extend_from_slice(path);
            !all(line, &steps).is_empty()
        };
        let (number_given, date_given) = (
            references(&[(RAM, "IssuerAssignedID")]),
            references(&[(RAM, "FormattedIssueDateTime"), (QDT, "DateTimeString")]),
        );
        if typed(&["384", "472", "381", "396", "503"]) {
            fail("BR-FR-MV-14-EXT-FR-FE-136", line, !self.multi_vendor || number_given);
            fail("BR-FR-MV-14-EXT-FR-FE-138", line, !self.multi_vendor || date_given);
        }
        if typed(&["261", "471", "473", "502"]) {
            fail("BR-FR-BD-14-EXT-FR-FE-136", line, !self.sub_invoices || number_given);
            fail("BR-FR-BD-14-EXT-FR-FE-138", line, !self.sub_invoices || date_given);
        }
    }

    fn header_legal_ids(&self, party: &str) -> Vec<String> {
        self.transaction.map_or_else(Vec::new, |transaction| {
            all(
                transaction,
                &[
                    (RAM, "ApplicableHeaderTradeAgreement"),
                    (RAM, party),
                    (RAM, "SpecifiedLegalOrganization"),
                    (RAM, "ID"),
                ],
            )
            .into_iter()
            .map(string_value)
            .collect()
        })
    }

    /// The lines whose LineID is this line's ParentLineID.
    fn parents(&self, line: Node<'a, 'input>) -> Vec<Node<'a, 'input>> {
        let wanted = parent_ids(line);
        self.lines
            .iter()
            .copied()
            .filter(|candidate| {
                all(*candidate, &[(RAM, "AssociatedDocumentLineDocument"), (RAM, "LineID")])
                    .into_iter()
                    .any(|id| wanted.contains(&string_value(id)))
            })
            .collect()
    }

    /// BR-FR-MV-12: a sub-invoice number (AFL, 130) on a heading line that
    /// an earlier IssuerAssignedID of the document already has.
    fn repeats_a_sub_invoice_number(&self) -> bool {
        let numbers: Vec<Node> = self
            .lines
            .iter()
            .filter(|line| heads_sub_invoice(**line))
            .flat_map(|line| sub_invoice_references(*line))
            .flat_map(|reference| children(reference, RAM, "IssuerAssignedID").collect::<Vec<_>>())
            .collect();
        let mut earlier: Vec<String> = Vec::new();
        for node in
            self.invoice.descendants().filter(|node| node.is_element() && node.tag_name().name() == "IssuerAssignedID")
        {
            let value = string_value(node);
            if numbers.contains(&node) && earlier.contains(&value) {
                return true;
            }
            earlier.push(value);
        }
        false
    }
}

fn has_child_value(node: Node, path: &[(&'static str, &str)], value: &str) -> bool {
    all(node, path).into_iter().any(|found| string_value(found) == value)
}

fn parent_ids(line: Node) -> Vec<String> {
    all(line, &[(RAM, "AssociatedDocumentLineDocument"), (RAM, "ParentLineID")]).into_iter().map(string_value).collect()
}

/// A `GROUP` line without a parent: the head of a sub-invoice.
fn heads_sub_invoice(line: Node) -> bool {
    has_child_value(line, &[(RAM, "AssociatedDocumentLineDocument"), (RAM, "LineStatusReasonCode")], "GROUP")
        && parent_ids(line).is_empty()
}

fn item_seller_legal_ids(line: Node) -> Vec<String> {
    all(
        line,
        &[
            (RAM, "SpecifiedLineTradeAgreement"),
            (RAM, "ItemSellerTradeParty"),
            (RAM, "SpecifiedLegalOrganization"),
            (RAM, "ID"),
        ],
    )
    .into_iter()
    .map(string_value)
    .collect()
}

/// The line's references to its sub-invoice: AFL with type 130.
fn sub_invoice_references<'a, 'input>(line: Node<'a, 'input>) -> Vec<Node<'a, 'input>> {
    all(line, &[(RAM, "SpecifiedLineTradeSettlement"), (RAM, "AdditionalReferencedDocument")])
        .into_iter()
        .filter(|reference| {
            has_child_equal(*reference, "ReferenceTypeCode", &["AFL"])
                && has_child_equal(*reference, "TypeCode", &["130"])
        })
        .collect()
}

fn sub_invoice_number(line: Node) -> String {
    normalize(
        &sub_invoice_references(line)
            .into_iter()
            .flat_map(|reference| children(reference, RAM, "IssuerAssignedID").map(string_value).collect::<Vec<_>>())
            .collect::<String>(),
    )
}

/// The line's monetary summation amounts of that name, as numbers.
fn amounts(line: Node, name: &str) -> Vec<f64> {
    all(line, &[(RAM, "SpecifiedLineTradeSettlement"), (RAM, "SpecifiedTradeSettlementLineMonetarySummation")])
        .into_iter()
        .flat_map(|summation| children(summation, RAM, name).collect::<Vec<_>>())
        .map(|amount| normalized(amount).parse::<f64>().unwrap_or(f64::NAN))
        .collect()
}

fn message(id: &str) -> (String, String) {
    let (fr, en) = match id {
        "BR-FR-MV-01_EXT-FR-FE-163" => (
            "Le statut de ligne (LineStatusReasonCode) ne peut être vide dans ce cadre de facturation.",
            "The line status (LineStatusReasonCode) may not be empty in this billing frame.",
        ),
        "BR-FR-MV-02_EXT-FR-FE-163" => (
            "Une facture multi-vendeurs (S8, B8, M8) doit avoir au moins une ligne GROUP sans ligne parente.",
            "A multi-vendor invoice (S8, B8, M8) needs at least one GROUP line without a parent.",
        ),
        "BR-FR-BD-02_EXT-FR-FE-163" => (
            "Une facture à sous-factures (S9, B9, M9) doit avoir exactement deux lignes GROUP sans ligne parente.",
            "An invoice with sub-invoices (S9, B9, M9) needs exactly two GROUP lines without a parent.",
        ),
        "BR-FR-BD-02_BT-31" => (
            "Une seule ligne GROUP doit avoir pour vendeur le vendeur de la facture (même SIREN).",
            "Exactly one GROUP line must have the invoice's seller as its seller (same SIREN).",
        ),
        "BR-FR-BD-02_BT-47" => (
            "Une seule ligne GROUP doit avoir pour vendeur l'acheteur de la facture (même SIREN).",
            "Exactly one GROUP line must have the invoice's buyer as its seller (same SIREN).",
        ),
        "BR-FR-MV-03_EXT-FR-FE-164" => (
            "La ligne GROUP doit nommer son vendeur (ItemSellerTradeParty/Name).",
            "The GROUP line must name its seller (ItemSellerTradeParty/Name).",
        ),
        "BR-FR-MV-03_EXT-FR-FE-167" => {
            ("La ligne GROUP doit donner le SIREN de son vendeur.", "The GROUP line must give its seller's SIREN.")
        }
        "BR-FR-MV-03_EXT-FR-FE-177" => {
            ("La ligne GROUP doit donner le pays de son vendeur.", "The GROUP line must give its seller's country.")
        }
        "BR-FR-MV-03_EXT-FR-FE-181" => (
            "La ligne GROUP doit donner son montant de TVA dans la devise de la facture.",
            "The GROUP line must give its VAT amount in the invoice currency.",
        ),
        "BR-FR-MV-03_EXT-FR-FE-182" => (
            "La ligne GROUP doit donner son montant de TVA dans la devise de comptabilité.",
            "The GROUP line must give its VAT amount in the accounting currency.",
        ),
        "BR-FR-MV-03_BT-128_AFL" => (
            "La référence AFL de la ligne GROUP doit être de type 130 avec un numéro de sous-facture.",
            "The GROUP line's AFL reference must be of type 130 with a sub-invoice number.",
        ),
        "BR-FR-MV-03_BT-128_AVV" => (
            "La référence AVV de la ligne GROUP doit être de type 130 avec un numéro autre que S8, B8 ou M8.",
            "The GROUP line's AVV reference must be of type 130 with a number other than S8, B8 or M8.",
        ),
        "BR-FR-MV-05_EXT-FR-FE-BG-12" => (
            "Le total HT de la ligne GROUP doit égaler la somme de ses lignes filles.",
            "The GROUP line's net total must equal the sum of its child lines.",
        ),
        "BR-FR-MV-06_EXT-FR-FE-167" => (
            "Chaque ligne doit donner le SIREN de son vendeur, le même que celui de sa ligne parente.",
            "Every line must give its seller's SIREN, the same as its parent line's.",
        ),
        "BR-FR-MV-07_BT-128" => (
            "Chaque ligne doit donner son numéro de sous-facture (AFL, 130), le même que celui de sa ligne parente.",
            "Every line must give its sub-invoice number (AFL, 130), the same as its parent line's.",
        ),
        "BR-FR-MV-08_BT-128" => (
            "Le motif d'exonération d'une ligne DETAIL doit commencer par #numéro de sous-facture#.",
            "A DETAIL line's exemption reason must start with #sub-invoice number#.",
        ),
        "BR-FR-MV-09_EXT-FR-FE-181" => (
            "La TVA de la ligne GROUP doit égaler la TVA de sa sous-facture dans la ventilation.",
            "The GROUP line's VAT must equal its sub-invoice's VAT in the breakdown.",
        ),
        "BR-FR-MV-10_EXT-FR-FE-184" => (
            "Le total TTC de la ligne GROUP doit égaler son total HT plus sa TVA.",
            "The GROUP line's total with VAT must equal its net total plus its VAT.",
        ),
        "BR-FR-MV-11_BT-128" => (
            "La sous-facture du vendeur de la facture doit porter le numéro de la facture (BT-1), ou une seule le porter.",
            "The invoice seller's sub-invoice must carry the invoice number (BT-1), or only one may.",
        ),
        "BR-FR-MV-12_BT-128" => {
            ("Deux sous-factures ne peuvent avoir le même numéro.", "Two sub-invoices may not have the same number.")
        }
        "BR-FR-MV-13_BT-3" => (
            "Une facture multi-vendeurs ne peut être une autofacture.",
            "A multi-vendor invoice may not be self-billed.",
        ),
        "BR-FR-BD-13_BT-3" => (
            "Une facture à sous-factures doit être une autofacture (389, 261, 501, 500, 502, 471, 473).",
            "An invoice with sub-invoices must be self-billed (389, 261, 501, 500, 502, 471, 473).",
        ),
        _ => (
            "Cette rectification ou cet avoir doit référencer, sur chaque ligne GROUP, la facture antérieure et sa date.",
            "This corrective invoice or credit note must refer, on each GROUP line, to the earlier invoice and its date.",
        ),
    };
    (format!("{id} : {fr}"), format!("{id}: {en}"))
}
