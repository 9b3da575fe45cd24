//! CII XML to the invoice model: the JSON view `extract` offers. What the
//! model has no field for is left out; unreadable values are `None`.

use std::str::FromStr;

use chrono::NaiveDate;
use roxmltree::Node;
use rust_decimal::Decimal;

use crate::domain::invoice::{
    AccountKind, Address, AllowanceCharge, Attachment, Contact, CreditTransfer, Delivery, DirectDebit, Identifier,
    Invoice, ItemAttribute, Line, Note, Party, Payee, PaymentCard, PaymentInstructions, Period, PrecedingInvoice,
    SupportingDocument, TaxRepresentative, Totals, VatBreakdown,
};
use crate::rules::xml::{child, children, descend, text};

/// The model of a CII invoice (the root element `rsm:CrossIndustryInvoice`).
pub fn read(root: Node) -> Invoice {
    let document = child(root, "ExchangedDocument");
    let transaction = child(root, "SupplyChainTradeTransaction");
    let agreement = transaction.and_then(|node| child(node, "ApplicableHeaderTradeAgreement"));
    let delivery = transaction.and_then(|node| child(node, "ApplicableHeaderTradeDelivery"));
    let settlement = transaction.and_then(|node| child(node, "ApplicableHeaderTradeSettlement"));
    let first_tax = settlement.and_then(|node| child(node, "ApplicableTradeTax"));
    let terms = settlement.and_then(|node| child(node, "SpecifiedTradePaymentTerms"));
    let referenced = |type_code: &'static str| {
        agreement.into_iter().flat_map(move |node| {
            children(node, "AdditionalReferencedDocument")
                .filter(move |document| text(child(*document, "TypeCode")) == Some(type_code))
        })
    };
    let tender = referenced("50").next();
    Invoice {
        number: at(document, &["ID"]).unwrap_or_default(),
        type_code: at(document, &["TypeCode"]).unwrap_or_default(),
        issue_date: date(document.and_then(|node| child(node, "IssueDateTime"))).unwrap_or_default(),
        currency: at(settlement, &["InvoiceCurrencyCode"]).unwrap_or_default(),
        tax_currency: at(settlement, &["TaxCurrencyCode"]),
        tax_point_date: date(first_tax.and_then(|tax| child(tax, "TaxPointDate"))),
        tax_point_date_code: at(first_tax, &["DueDateTypeCode"]),
        due_date: date(terms.and_then(|node| child(node, "DueDateDateTime"))),
        buyer_reference: at(agreement, &["BuyerReference"]),
        project_reference: at(agreement, &["SpecifiedProcuringProject", "ID"]),
        contract_reference: at(agreement, &["ContractReferencedDocument", "IssuerAssignedID"]),
        purchase_order_reference: at(agreement, &["BuyerOrderReferencedDocument", "IssuerAssignedID"]),
        sales_order_reference: at(agreement, &["SellerOrderReferencedDocument", "IssuerAssignedID"]),
        receiving_advice_reference: at(delivery, &["ReceivingAdviceReferencedDocument", "IssuerAssignedID"]),
        despatch_advice_reference: at(delivery, &["DespatchAdviceReferencedDocument", "IssuerAssignedID"]),
        tender_reference: at(tender, &["IssuerAssignedID"]),
        invoiced_object: referenced("130").next().map(object_reference),
        supporting_documents: referenced("916").map(supporting_document).collect(),
        buyer_accounting_reference: at(settlement, &["ReceivableSpecifiedTradeAccountingAccount", "ID"]),
        payment_terms: at(terms, &["Description"]),
        notes: document
            .map(|node| {
                children(node, "IncludedNote")
                    .map(|note| Note {
                        subject_code: string(child(note, "SubjectCode")),
                        text: string(child(note, "Content")).unwrap_or_default(),
                    })
                    .collect()
            })
            .unwrap_or_default(),
        business_process: at(
            child(root, "ExchangedDocumentContext"),
            &["BusinessProcessSpecifiedDocumentContextParameter", "ID"],
        ),
        preceding_invoices: settlement
            .map(|node| {
                children(node, "InvoiceReferencedDocument")
                    .map(|reference| PrecedingInvoice {
                        number: string(child(reference, "IssuerAssignedID")).unwrap_or_default(),
                        issue_date: date(child(reference, "FormattedIssueDateTime")),
                    })
                    .collect()
            })
            .unwrap_or_default(),
        seller: agreement.and_then(|node| child(node, "SellerTradeParty")).map(party).unwrap_or_default(),
        buyer: agreement.and_then(|node| child(node, "BuyerTradeParty")).map(party).unwrap_or_default(),
        payee: settlement.and_then(|node| child(node, "PayeeTradeParty")).map(|payee| Payee {
            name: string(child(payee, "Name")).unwrap_or_default(),
            identifier: child(payee, "GlobalID").or_else(|| child(payee, "ID")).map(identifier),
            legal_registration: descend(payee, &["SpecifiedLegalOrganization", "ID"]).map(identifier),
        }),
        seller_tax_representative: agreement.and_then(|node| child(node, "SellerTaxRepresentativeTradeParty")).map(
            |representative| TaxRepresentative {
                name: string(child(representative, "Name")).unwrap_or_default(),
                vat_id: tax_registration(representative, "VA").unwrap_or_default(),
                address: child(representative, "PostalTradeAddress").map(address).unwrap_or_default(),
            },
        ),
        delivery: delivery.and_then(|node| {
            let ship_to = child(node, "ShipToTradeParty");
            let date = date(descend(node, &["ActualDeliverySupplyChainEvent", "OccurrenceDateTime"]));
            (ship_to.is_some() || date.is_some()).then(|| Delivery {
                party_name: at(ship_to, &["Name"]),
                location: ship_to
                    .and_then(|party| child(party, "GlobalID").or_else(|| child(party, "ID")))
                    .map(identifier),
                date,
                address: ship_to.and_then(|party| child(party, "PostalTradeAddress")).map(address),
            })
        }),
        invoicing_period: settlement.and_then(|node| child(node, "BillingSpecifiedPeriod")).map(period),
        payment: settlement.and_then(|node| payment(node, terms)),
        allowances: allowances_charges(settlement, false),
        charges: allowances_charges(settlement, true),
        totals: settlement
            .and_then(|node| child(node, "SpecifiedTradeSettlementHeaderMonetarySummation"))
            .map(|summation| totals(summation, at(settlement, &["TaxCurrencyCode"]).as_deref()))
            .unwrap_or_default(),
        vat_breakdown: settlement
            .map(|node| {
                children(node, "ApplicableTradeTax")
                    .map(|tax| VatBreakdown {
                        taxable_amount: decimal(child(tax, "BasisAmount")).unwrap_or_default(),
                        tax_amount: decimal(child(tax, "CalculatedAmount")).unwrap_or_default(),
                        category: string(child(tax, "CategoryCode")).unwrap_or_default(),
                        rate: decimal(child(tax, "RateApplicablePercent")),
                        exemption_reason: string(child(tax, "ExemptionReason")),
                        exemption_reason_code: string(child(tax, "ExemptionReasonCode")),
                    })
                    .collect()
            })
            .unwrap_or_default(),
        lines: transaction
            .map(|node| children(node, "IncludedSupplyChainTradeLineItem").map(line).collect())
            .unwrap_or_default(),
    }
}

/// The text at the end of a path of local names below a node.
fn at(node: Option<Node>, path: &[&str]) -> Option<String> {
    string(node.and_then(|node| descend(node, path)))
}

fn string(node: Option<Node>) -> Option<String> {
    text(node).map(str::to_owned)
}

fn decimal(node: Option<Node>) -> Option<Decimal> {
    text(node).and_then(|value| Decimal::from_str(value).ok())
}

/// A date element holding `udt:DateTimeString`, `udt:DateString` or
/// `qdt:DateTimeString` in format 102 (the only one the profiles use).
fn date(node: Option<Node>) -> Option<NaiveDate> {
    let value = node?.children().find(Node::is_element).and_then(|inner| text(Some(inner)))?;
    NaiveDate::parse_from_str(value, "%Y%m%d").ok()
}

fn identifier(node: Node) -> Identifier {
    Identifier {
        id: string(Some(node)).unwrap_or_default(),
        scheme: node.attribute("schemeID").or_else(|| node.attribute("listID")).map(str::to_owned),
    }
}

fn tax_registration(party: Node, scheme: &str) -> Option<String> {
    children(party, "SpecifiedTaxRegistration")
        .filter_map(|registration| child(registration, "ID"))
        .find(|id| id.attribute("schemeID") == Some(scheme))
        .and_then(|id| string(Some(id)))
}

fn address(node: Node) -> Address {
    Address {
        line1: string(child(node, "LineOne")),
        line2: string(child(node, "LineTwo")),
        line3: string(child(node, "LineThree")),
        postcode: string(child(node, "PostcodeCode")),
        city: string(child(node, "CityName")),
        country_subdivision: string(child(node, "CountrySubDivisionName")),
        country_code: string(child(node, "CountryID")).unwrap_or_default(),
    }
}

fn party(node: Node) -> Party {
    let legal = child(node, "SpecifiedLegalOrganization");
    Party {
        name: string(child(node, "Name")).unwrap_or_default(),
        trading_name: legal.and_then(|legal| string(child(legal, "TradingBusinessName"))),
        identifiers: children(node, "ID").chain(children(node, "GlobalID")).map(identifier).collect(),
        legal_registration: legal.and_then(|legal| child(legal, "ID")).map(identifier),
        legal_information: string(child(node, "Description")),
        vat_id: tax_registration(node, "VA"),
        tax_registration_id: tax_registration(node, "FC"),
        electronic_address: descend(node, &["URIUniversalCommunication", "URIID"]).map(identifier),
        address: child(node, "PostalTradeAddress").map(address),
        contact: child(node, "DefinedTradeContact").map(|contact| Contact {
            name: string(child(contact, "PersonName")),
            department: string(child(contact, "DepartmentName")),
            phone: string(descend(contact, &["TelephoneUniversalCommunication", "CompleteNumber"])),
            email: string(descend(contact, &["EmailURIUniversalCommunication", "URIID"])),
        }),
    }
}

fn period(node: Node) -> Period {
    Period { start: date(child(node, "StartDateTime")), end: date(child(node, "EndDateTime")) }
}

fn payment(settlement: Node, terms: Option<Node>) -> Option<PaymentInstructions> {
    let all_means: Vec<Node> = children(settlement, "SpecifiedTradeSettlementPaymentMeans").collect();
    let first = all_means.first().copied();
    let mandate_reference = terms.and_then(|terms| string(child(terms, "DirectDebitMandateID")));
    let creditor_id = string(child(settlement, "CreditorReferenceID"));
    let debited_account =
        first.and_then(|first| string(descend(first, &["PayerPartyDebtorFinancialAccount", "IBANID"])));
    let has_direct_debit = mandate_reference.is_some() || creditor_id.is_some() || debited_account.is_some();
    let remittance_information = string(child(settlement, "PaymentReference"));
    // Without payment means, BT-83 and the direct debit's references still say something.
    if first.is_none() && remittance_information.is_none() && !has_direct_debit {
        return None;
    }
    Some(PaymentInstructions {
        means_code: first.and_then(|first| string(child(first, "TypeCode"))).unwrap_or_default(),
        means_text: first.and_then(|first| string(child(first, "Information"))),
        remittance_information,
        credit_transfers: all_means
            .iter()
            .filter_map(|means| {
                let account = child(*means, "PayeePartyCreditorFinancialAccount")?;
                let iban = string(child(account, "IBANID"));
                let account_kind = if iban.is_some() { AccountKind::Iban } else { AccountKind::Proprietary };
                Some(CreditTransfer {
                    account_id: iban.or_else(|| string(child(account, "ProprietaryID"))).unwrap_or_default(),
                    account_kind,
                    account_name: string(child(account, "AccountName")),
                    bic: string(descend(*means, &["PayeeSpecifiedCreditorFinancialInstitution", "BICID"])),
                })
            })
            .collect(),
        card: first.and_then(|first| child(first, "ApplicableTradeSettlementFinancialCard")).map(|card| PaymentCard {
            number: string(child(card, "ID")).unwrap_or_default(),
            holder: string(child(card, "CardholderName")),
        }),
        direct_debit: has_direct_debit.then_some(DirectDebit { mandate_reference, creditor_id, debited_account }),
    })
}

fn allowance_charge(node: Node) -> AllowanceCharge {
    let tax = child(node, "CategoryTradeTax");
    AllowanceCharge {
        amount: decimal(child(node, "ActualAmount")).unwrap_or_default(),
        base_amount: decimal(child(node, "BasisAmount")),
        percentage: decimal(child(node, "CalculationPercent")),
        vat_category: tax.and_then(|tax| string(child(tax, "CategoryCode"))),
        vat_rate: tax.and_then(|tax| decimal(child(tax, "RateApplicablePercent"))),
        reason: string(child(node, "Reason")),
        reason_code: string(child(node, "ReasonCode")),
    }
}

fn is_charge(node: Node) -> bool {
    matches!(text(descend(node, &["ChargeIndicator", "Indicator"])), Some("true" | "1"))
}

fn allowances_charges(parent: Option<Node>, charges: bool) -> Vec<AllowanceCharge> {
    parent
        .map(|parent| {
            children(parent, "SpecifiedTradeAllowanceCharge")
                .filter(|node| is_charge(*node) == charges)
                .map(allowance_charge)
                .collect()
        })
        .unwrap_or_default()
}

fn totals(summation: Node, tax_currency: Option<&str>) -> Totals {
    let amount = |name| decimal(child(summation, name));
    let tax_totals: Vec<Node> = children(summation, "TaxTotalAmount").collect();
    let in_tax_currency =
        tax_totals.iter().find(|node| tax_currency.is_some() && node.attribute("currencyID") == tax_currency);
    let in_invoice_currency = tax_totals.iter().find(|node| Some(**node) != in_tax_currency.copied());
    Totals {
        line_total: amount("LineTotalAmount"),
        allowance_total: amount("AllowanceTotalAmount"),
        charge_total: amount("ChargeTotalAmount"),
        tax_basis_total: amount("TaxBasisTotalAmount"),
        tax_total: decimal(in_invoice_currency.copied()),
        tax_total_in_tax_currency: decimal(in_tax_currency.copied()),
        grand_total: amount("GrandTotalAmount"),
        prepaid: amount("TotalPrepaidAmount"),
        rounding: amount("RoundingAmount"),
        due_payable: amount("DuePayableAmount"),
    }
}

fn line(node: Node) -> Line {
    let document = child(node, "AssociatedDocumentLineDocument");
    let product = child(node, "SpecifiedTradeProduct");
    let agreement = child(node, "SpecifiedLineTradeAgreement");
    let net_price = agreement.and_then(|agreement| child(agreement, "NetPriceProductTradePrice"));
    let gross_price = agreement.and_then(|agreement| child(agreement, "GrossPriceProductTradePrice"));
    let quantity = descend(node, &["SpecifiedLineTradeDelivery", "BilledQuantity"]);
    let settlement = child(node, "SpecifiedLineTradeSettlement");
    let tax = settlement.and_then(|settlement| child(settlement, "ApplicableTradeTax"));
    Line {
        id: at(document, &["LineID"]),
        note: at(document, &["IncludedNote", "Content"]),
        name: at(product, &["Name"]).unwrap_or_default(),
        description: at(product, &["Description"]),
        seller_item_id: at(product, &["SellerAssignedID"]),
        buyer_item_id: at(product, &["BuyerAssignedID"]),
        standard_item_id: product.and_then(|product| child(product, "GlobalID")).map(identifier),
        classifications: product
            .map(|product| {
                children(product, "DesignatedProductClassification")
                    .filter_map(|class| child(class, "ClassCode"))
                    .map(identifier)
                    .collect()
            })
            .unwrap_or_default(),
        origin_country: at(product, &["OriginTradeCountry", "ID"]),
        attributes: product
            .map(|product| {
                children(product, "ApplicableProductCharacteristic")
                    .map(|attribute| ItemAttribute {
                        name: string(child(attribute, "Description")).unwrap_or_default(),
                        value: string(child(attribute, "Value")).unwrap_or_default(),
                    })
                    .collect()
            })
            .unwrap_or_default(),
        quantity: decimal(quantity).unwrap_or_default(),
        unit: quantity.and_then(|quantity| quantity.attribute("unitCode")).unwrap_or_default().to_owned(),
        net_price: decimal(net_price.and_then(|price| child(price, "ChargeAmount"))).unwrap_or_default(),
        gross_price: decimal(gross_price.and_then(|price| child(price, "ChargeAmount"))),
        price_discount: decimal(
            gross_price.and_then(|price| descend(price, &["AppliedTradeAllowanceCharge", "ActualAmount"])),
        ),
        price_base_quantity: decimal(net_price.and_then(|price| child(price, "BasisQuantity"))),
        vat_category: at(tax, &["CategoryCode"]).unwrap_or_default(),
        vat_rate: decimal(tax.and_then(|tax| child(tax, "RateApplicablePercent"))),
        period: settlement.and_then(|settlement| child(settlement, "BillingSpecifiedPeriod")).map(period),
        allowances: allowances_charges(settlement, false),
        charges: allowances_charges(settlement, true),
        net_amount: decimal(settlement.and_then(|settlement| {
            descend(settlement, &["SpecifiedTradeSettlementLineMonetarySummation", "LineTotalAmount"])
        })),
        order_line_reference: at(agreement, &["BuyerOrderReferencedDocument", "LineID"]),
        buyer_accounting_reference: at(settlement, &["ReceivableSpecifiedTradeAccountingAccount", "ID"]),
        object_identifier: settlement
            .and_then(|settlement| {
                children(settlement, "AdditionalReferencedDocument")
                    .find(|document| text(child(*document, "TypeCode")) == Some("130"))
            })
            .map(object_reference),
    }
}

/// BT-18 or BT-128: a referenced document of type 130.
fn object_reference(document: Node) -> Identifier {
    Identifier {
        id: string(child(document, "IssuerAssignedID")).unwrap_or_default(),
        scheme: string(child(document, "ReferenceTypeCode")),
    }
}

/// BG-24: a referenced document of type 916.
fn supporting_document(document: Node) -> SupportingDocument {
    SupportingDocument {
        reference: string(child(document, "IssuerAssignedID")).unwrap_or_default(),
        description: string(child(document, "Name")),
        uri: string(child(document, "URIID")),
        attachment: child(document, "AttachmentBinaryObject").map(|object| Attachment {
            content: object.text().map(|text| text.split_whitespace().collect()).unwrap_or_default(),
            mime_code: object.attribute("mimeCode").unwrap_or_default().to_owned(),
            filename: object.attribute("filename").unwrap_or_default().to_owned(),
        }),
    }
}
