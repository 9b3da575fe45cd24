//! The invoice model to CII XML for a profile.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::{Element, to_xml};
use crate::domain::Profile;
use crate::domain::invoice::{
    AccountKind, Address, AllowanceCharge, Contact, CreditTransfer, Identifier, Invoice, Line, Party,
    PaymentInstructions, Period, SupportingDocument,
};
use crate::rules;

/// The CII XML of a completed invoice (see `Invoice::completed`), holding
/// only what the profile allows.
pub fn write(invoice: &Invoice, profile: Profile) -> String {
    let mut root = Element::new("rsm:CrossIndustryInvoice")
        .with(context(invoice, profile))
        .with(document(invoice))
        .with(transaction(invoice));
    rules::shape(&mut root, profile);
    to_xml(&root)
}

impl Element {
    fn with(mut self, child: impl Into<Option<Element>>) -> Self {
        self.children.extend(child.into());
        self
    }

    fn with_all(mut self, children: impl IntoIterator<Item = Element>) -> Self {
        self.children.extend(children);
        self
    }

    fn attribute(mut self, name: &'static str, value: Option<&str>) -> Self {
        self.attributes.extend(value.map(|value| (name, value.to_owned())));
        self
    }

    fn text(name: &'static str, value: impl ToString) -> Self {
        Self { text: Some(value.to_string()), ..Self::new(name) }
    }

    /// A container that exists only when one of its children does.
    fn group(name: &'static str, children: impl IntoIterator<Item = Option<Element>>) -> Option<Self> {
        let children: Vec<Element> = children.into_iter().flatten().collect();
        (!children.is_empty()).then(|| Self::new(name).with_all(children))
    }
}

fn leaf(name: &'static str, value: Option<&str>) -> Option<Element> {
    value.map(|value| Element::text(name, value))
}

/// Amounts carry two decimals at least (BR-DEC), more when given so.
fn amount(name: &'static str, value: Option<Decimal>) -> Option<Element> {
    value.map(|value| {
        let mut value = value.normalize();
        if value.scale() < 2 {
            value.rescale(2);
        }
        Element::text(name, value)
    })
}

fn number(name: &'static str, value: Option<Decimal>) -> Option<Element> {
    value.map(|value| Element::text(name, value.normalize()))
}

/// A date in format 102 (`YYYYMMDD`), the only one the profiles use.
fn date_string(name: &'static str, date: NaiveDate) -> Element {
    Element::text(name, date.format("%Y%m%d")).attribute("format", Some("102"))
}

fn date_time(name: &'static str, date: Option<NaiveDate>) -> Option<Element> {
    date.map(|date| Element::new(name).with(date_string("udt:DateTimeString", date)))
}

fn identifier(name: &'static str, identifier: &Identifier) -> Element {
    Element::text(name, &identifier.id).attribute("schemeID", identifier.scheme.as_deref())
}

fn issuer_reference(name: &'static str, reference: Option<&str>) -> Option<Element> {
    reference.map(|reference| Element::new(name).with(Element::text("ram:IssuerAssignedID", reference)))
}

fn context(invoice: &Invoice, profile: Profile) -> Element {
    let parameter = |name, id: &str| Element::new(name).with(Element::text("ram:ID", id));
    Element::new("rsm:ExchangedDocumentContext")
        .with(
            invoice
                .business_process
                .as_deref()
                .map(|id| parameter("ram:BusinessProcessSpecifiedDocumentContextParameter", id)),
        )
        .with(parameter("ram:GuidelineSpecifiedDocumentContextParameter", profile.guideline()))
}

fn document(invoice: &Invoice) -> Element {
    Element::new("rsm:ExchangedDocument")
        .with(Element::text("ram:ID", &invoice.number))
        .with(Element::text("ram:TypeCode", &invoice.type_code))
        .with(date_time("ram:IssueDateTime", Some(invoice.issue_date)))
        .with_all(invoice.notes.iter().map(|note| {
            Element::new("ram:IncludedNote")
                .with(Element::text("ram:Content", &note.text))
                .with(leaf("ram:SubjectCode", note.subject_code.as_deref()))
        }))
}

fn transaction(invoice: &Invoice) -> Element {
    Element::new("rsm:SupplyChainTradeTransaction")
        .with_all(invoice.lines.iter().map(line))
        .with(agreement(invoice))
        .with(delivery(invoice))
        .with(settlement(invoice))
}

fn line(line: &Line) -> Element {
    let product = Element::new("ram:SpecifiedTradeProduct")
        .with(line.standard_item_id.as_ref().map(|id| identifier("ram:GlobalID", id)))
        .with(leaf("ram:SellerAssignedID", line.seller_item_id.as_deref()))
        .with(leaf("ram:BuyerAssignedID", line.buyer_item_id.as_deref()))
        .with(Element::text("ram:Name", &line.name))
        .with(leaf("ram:Description", line.description.as_deref()))
        .with_all(line.attributes.iter().map(|attribute| {
            Element::new("ram:ApplicableProductCharacteristic")
                .with(Element::text("ram:Description", &attribute.name))
                .with(Element::text("ram:Value", &attribute.value))
        }))
        .with_all(line.classifications.iter().map(|class| {
            Element::new("ram:DesignatedProductClassification")
                .with(Element::text("ram:ClassCode", &class.id).attribute("listID", class.scheme.as_deref()))
        }))
        .with(
            line.origin_country
                .as_deref()
                .map(|country| Element::new("ram:OriginTradeCountry").with(Element::text("ram:ID", country))),
        );
    let base_quantity = |quantity: Option<Decimal>| {
        quantity.map(|quantity| {
            Element::text("ram:BasisQuantity", quantity.normalize()).attribute("unitCode", Some(&line.unit))
        })
    };
    let gross_price = line.gross_price.map(|gross| {
        Element::new("ram:GrossPriceProductTradePrice")
            .with(number("ram:ChargeAmount", Some(gross)))
            .with(base_quantity(line.price_base_quantity))
            .with(line.price_discount.map(|discount| {
                Element::new("ram:AppliedTradeAllowanceCharge")
                    .with(indicator(false))
                    .with(number("ram:ActualAmount", Some(discount)))
            }))
    });
    let agreement = Element::new("ram:SpecifiedLineTradeAgreement")
        .with(line.order_line_reference.as_deref().map(|reference| {
            Element::new("ram:BuyerOrderReferencedDocument").with(Element::text("ram:LineID", reference))
        }))
        .with(gross_price)
        .with(
            Element::new("ram:NetPriceProductTradePrice")
                .with(number("ram:ChargeAmount", Some(line.net_price)))
                .with(base_quantity(line.price_base_quantity)),
        );
    let delivery = Element::new("ram:SpecifiedLineTradeDelivery")
        .with(Element::text("ram:BilledQuantity", line.quantity.normalize()).attribute("unitCode", Some(&line.unit)));
    let settlement = Element::new("ram:SpecifiedLineTradeSettlement")
        .with(trade_tax("ram:ApplicableTradeTax", &line.vat_category, line.vat_rate))
        .with(period("ram:BillingSpecifiedPeriod", line.period.as_ref()))
        .with_all(line.allowances.iter().map(|allowance| allowance_charge(allowance, false)))
        .with_all(line.charges.iter().map(|charge| allowance_charge(charge, true)))
        .with(
            Element::new("ram:SpecifiedTradeSettlementLineMonetarySummation")
                .with(amount("ram:LineTotalAmount", line.net_amount)),
        )
        .with(line.object_identifier.as_ref().map(object_reference))
        .with(accounting_account(line.buyer_accounting_reference.as_deref()));
    Element::new("ram:IncludedSupplyChainTradeLineItem")
        .with(Element::new("ram:AssociatedDocumentLineDocument").with(leaf("ram:LineID", line.id.as_deref())).with(
            line.note.as_deref().map(|note| Element::new("ram:IncludedNote").with(Element::text("ram:Content", note))),
        ))
        .with(product)
        .with(agreement)
        .with(delivery)
        .with(settlement)
}

fn indicator(is_charge: bool) -> Element {
    Element::new("ram:ChargeIndicator").with(Element::text("udt:Indicator", is_charge))
}

fn trade_tax(name: &'static str, category: &str, rate: Option<Decimal>) -> Element {
    Element::new(name)
        .with(Element::text("ram:TypeCode", "VAT"))
        .with(Element::text("ram:CategoryCode", category))
        .with(number("ram:RateApplicablePercent", rate))
}

fn period(name: &'static str, period: Option<&Period>) -> Option<Element> {
    period.and_then(|period| {
        Element::group(name, [date_time("ram:StartDateTime", period.start), date_time("ram:EndDateTime", period.end)])
    })
}

fn allowance_charge(entry: &AllowanceCharge, is_charge: bool) -> Element {
    Element::new("ram:SpecifiedTradeAllowanceCharge")
        .with(indicator(is_charge))
        .with(number("ram:CalculationPercent", entry.percentage))
        .with(amount("ram:BasisAmount", entry.base_amount))
        .with(amount("ram:ActualAmount", Some(entry.amount)))
        .with(leaf("ram:ReasonCode", entry.reason_code.as_deref()))
        .with(leaf("ram:Reason", entry.reason.as_deref()))
        .with(entry.vat_category.as_deref().map(|category| trade_tax("ram:CategoryTradeTax", category, entry.vat_rate)))
}

fn accounting_account(reference: Option<&str>) -> Option<Element> {
    reference.map(|id| Element::new("ram:ReceivableSpecifiedTradeAccountingAccount").with(Element::text("ram:ID", id)))
}

fn address(address: &Address) -> Element {
    Element::new("ram:PostalTradeAddress")
        .with(leaf("ram:PostcodeCode", address.postcode.as_deref()))
        .with(leaf("ram:LineOne", address.line1.as_deref()))
        .with(leaf("ram:LineTwo", address.line2.as_deref()))
        .with(leaf("ram:LineThree", address.line3.as_deref()))
        .with(leaf("ram:CityName", address.city.as_deref()))
        .with(Element::text("ram:CountryID", &address.country_code))
        .with(leaf("ram:CountrySubDivisionName", address.country_subdivision.as_deref()))
}

fn contact(contact: &Contact) -> Option<Element> {
    Element::group(
        "ram:DefinedTradeContact",
        [
            leaf("ram:PersonName", contact.name.as_deref()),
            leaf("ram:DepartmentName", contact.department.as_deref()),
            leaf("ram:CompleteNumber", contact.phone.as_deref())
                .map(|number| Element::new("ram:TelephoneUniversalCommunication").with(number)),
            leaf("ram:URIID", contact.email.as_deref())
                .map(|email| Element::new("ram:EmailURIUniversalCommunication").with(email)),
        ],
    )
}

fn tax_registration(scheme: &'static str, id: Option<&str>) -> Option<Element> {
    id.map(|id| {
        Element::new("ram:SpecifiedTaxRegistration")
            .with(Element::text("ram:ID", id).attribute("schemeID", Some(scheme)))
    })
}

/// A party's identifier: `GlobalID` with a scheme, `ID` without.
fn party_identifier(id: &Identifier) -> Element {
    identifier(if id.scheme.is_some() { "ram:GlobalID" } else { "ram:ID" }, id)
}

fn party(name: &'static str, party: &Party) -> Element {
    let legal = Element::group(
        "ram:SpecifiedLegalOrganization",
        [
            party.legal_registration.as_ref().map(|id| identifier("ram:ID", id)),
            leaf("ram:TradingBusinessName", party.trading_name.as_deref()),
        ],
    );
    Element::new(name)
        .with_all(party.identifiers.iter().map(party_identifier))
        .with(Element::text("ram:Name", &party.name))
        .with(leaf("ram:Description", party.legal_information.as_deref()))
        .with(legal)
        .with(party.contact.as_ref().and_then(contact))
        .with(party.address.as_ref().map(address))
        .with(
            party
                .electronic_address
                .as_ref()
                .map(|address| Element::new("ram:URIUniversalCommunication").with(identifier("ram:URIID", address))),
        )
        .with(tax_registration("VA", party.vat_id.as_deref()))
        .with(tax_registration("FC", party.tax_registration_id.as_deref()))
}

fn agreement(invoice: &Invoice) -> Element {
    let representative = invoice.seller_tax_representative.as_ref().map(|representative| {
        Element::new("ram:SellerTaxRepresentativeTradeParty")
            .with(Element::text("ram:Name", &representative.name))
            .with(address(&representative.address))
            .with(tax_registration("VA", Some(&representative.vat_id)))
    });
    let tender = invoice.tender_reference.as_deref().map(|reference| {
        Element::new("ram:AdditionalReferencedDocument")
            .with(Element::text("ram:IssuerAssignedID", reference))
            .with(Element::text("ram:TypeCode", "50"))
    });
    let project = invoice.project_reference.as_deref().map(|reference| {
        Element::new("ram:SpecifiedProcuringProject")
            .with(Element::text("ram:ID", reference))
            .with(Element::text("ram:Name", "Project reference"))
    });
    Element::new("ram:ApplicableHeaderTradeAgreement")
        .with(leaf("ram:BuyerReference", invoice.buyer_reference.as_deref()))
        .with(party("ram:SellerTradeParty", &invoice.seller))
        .with(party("ram:BuyerTradeParty", &invoice.buyer))
        .with(representative)
        .with(issuer_reference("ram:SellerOrderReferencedDocument", invoice.sales_order_reference.as_deref()))
        .with(issuer_reference("ram:BuyerOrderReferencedDocument", invoice.purchase_order_reference.as_deref()))
        .with(issuer_reference("ram:ContractReferencedDocument", invoice.contract_reference.as_deref()))
        .with(tender)
        .with_all(invoice.supporting_documents.iter().map(supporting_document))
        .with(invoice.invoiced_object.as_ref().map(object_reference))
        .with(project)
}

/// BG-24 as a CII additional referenced document (type 916).
fn supporting_document(document: &SupportingDocument) -> Element {
    Element::new("ram:AdditionalReferencedDocument")
        .with(Element::text("ram:IssuerAssignedID", &document.reference))
        .with(leaf("ram:URIID", document.uri.as_deref()))
        .with(Element::text("ram:TypeCode", "916"))
        .with(leaf("ram:Name", document.description.as_deref()))
        .with(document.attachment.as_ref().map(|attachment| {
            Element::text("ram:AttachmentBinaryObject", &attachment.content)
                .attribute("mimeCode", Some(&attachment.mime_code))
                .attribute("filename", Some(&attachment.filename))
        }))
}

/// BT-18 or BT-128, an object identifier: a referenced document of type
/// 130 whose scheme is its reference type code.
fn object_reference(object: &Identifier) -> Element {
    Element::new("ram:AdditionalReferencedDocument")
        .with(Element::text("ram:IssuerAssignedID", &object.id))
        .with(Element::text("ram:TypeCode", "130"))
        .with(leaf("ram:ReferenceTypeCode", object.scheme.as_deref()))
}

fn delivery(invoice: &Invoice) -> Element {
    let delivery = invoice.delivery.as_ref();
    let ship_to = delivery.and_then(|delivery| {
        Element::group(
            "ram:ShipToTradeParty",
            [
                delivery.location.as_ref().map(party_identifier),
                leaf("ram:Name", delivery.party_name.as_deref()),
                delivery.address.as_ref().map(address),
            ],
        )
    });
    let event = date_time("ram:OccurrenceDateTime", delivery.and_then(|delivery| delivery.date))
        .map(|date| Element::new("ram:ActualDeliverySupplyChainEvent").with(date));
    Element::new("ram:ApplicableHeaderTradeDelivery")
        .with(ship_to)
        .with(event)
        .with(issuer_reference("ram:DespatchAdviceReferencedDocument", invoice.despatch_advice_reference.as_deref()))
        .with(issuer_reference("ram:ReceivingAdviceReferencedDocument", invoice.receiving_advice_reference.as_deref()))
}

/// One payment means per credit transfer account (BG-17 repeats that way in CII).
fn payment_means(payment: &PaymentInstructions) -> Vec<Element> {
    let means = |transfer: Option<&CreditTransfer>| {
        Element::new("ram:SpecifiedTradeSettlementPaymentMeans")
            .with(Element::text("ram:TypeCode", &payment.means_code))
            .with(leaf("ram:Information", payment.means_text.as_deref()))
            .with(payment.card.as_ref().map(|card| {
                Element::new("ram:ApplicableTradeSettlementFinancialCard")
                    .with(Element::text("ram:ID", &card.number))
                    .with(leaf("ram:CardholderName", card.holder.as_deref()))
            }))
            .with(payment.direct_debit.as_ref().and_then(|debit| debit.debited_account.as_deref()).map(|iban| {
                Element::new("ram:PayerPartyDebtorFinancialAccount").with(Element::text("ram:IBANID", iban))
            }))
            .with(transfer.map(|transfer| {
                let account = match transfer.account_kind {
                    AccountKind::Iban => "ram:IBANID",
                    AccountKind::Proprietary => "ram:ProprietaryID",
                };
                Element::new("ram:PayeePartyCreditorFinancialAccount")
                    .with(Element::text(account, &transfer.account_id))
                    .with(leaf("ram:AccountName", transfer.account_name.as_deref()))
            }))
            .with(transfer.and_then(|transfer| transfer.bic.as_deref()).map(|bic| {
                Element::new("ram:PayeeSpecifiedCreditorFinancialInstitution").with(Element::text("ram:BICID", bic))
            }))
    };
    let without_means = payment.means_code.is_empty()
        && payment.card.is_none()
        && payment.direct_debit.as_ref().is_none_or(|debit| debit.debited_account.is_none());
    if payment.credit_transfers.is_empty() && without_means {
        // Only BT-83 or the direct debit's references were given: no means to write.
        Vec::new()
    } else if payment.credit_transfers.is_empty() {
        vec![means(None)]
    } else {
        payment.credit_transfers.iter().map(|transfer| means(Some(transfer))).collect()
    }
}

fn settlement(invoice: &Invoice) -> Element {
    let payment = invoice.payment.as_ref();
    let direct_debit = payment.and_then(|payment| payment.direct_debit.as_ref());
    let taxes = invoice.vat_breakdown.iter().map(|vat| {
        Element::new("ram:ApplicableTradeTax")
            .with(amount("ram:CalculatedAmount", Some(vat.tax_amount)))
            .with(Element::text("ram:TypeCode", "VAT"))
            .with(leaf("ram:ExemptionReason", vat.exemption_reason.as_deref()))
            .with(amount("ram:BasisAmount", Some(vat.taxable_amount)))
            .with(Element::text("ram:CategoryCode", &vat.category))
            .with(leaf("ram:ExemptionReasonCode", vat.exemption_reason_code.as_deref()))
            .with(
                invoice
                    .tax_point_date
                    .map(|date| Element::new("ram:TaxPointDate").with(date_string("udt:DateString", date))),
            )
            .with(leaf("ram:DueDateTypeCode", invoice.tax_point_date_code.as_deref()))
            .with(number("ram:RateApplicablePercent", vat.rate))
    });
    let terms = Element::group(
        "ram:SpecifiedTradePaymentTerms",
        [
            leaf("ram:Description", invoice.payment_terms.as_deref()),
            date_time("ram:DueDateDateTime", invoice.due_date),
            leaf("ram:DirectDebitMandateID", direct_debit.and_then(|debit| debit.mandate_reference.as_deref())),
        ],
    );
    let totals = &invoice.totals;
    let tax_total = |value: Option<Decimal>, currency: &str| {
        amount("ram:TaxTotalAmount", value).map(|element| element.attribute("currencyID", Some(currency)))
    };
    let summation = Element::new("ram:SpecifiedTradeSettlementHeaderMonetarySummation")
        .with(amount("ram:LineTotalAmount", totals.line_total))
        .with(amount("ram:ChargeTotalAmount", totals.charge_total))
        .with(amount("ram:AllowanceTotalAmount", totals.allowance_total))
        .with(amount("ram:TaxBasisTotalAmount", totals.tax_basis_total))
        .with(tax_total(totals.tax_total, &invoice.currency))
        .with(
            invoice.tax_currency.as_deref().and_then(|currency| tax_total(totals.tax_total_in_tax_currency, currency)),
        )
        .with(amount("ram:RoundingAmount", totals.rounding))
        .with(amount("ram:GrandTotalAmount", totals.grand_total))
        .with(amount("ram:TotalPrepaidAmount", totals.prepaid))
        .with(amount("ram:DuePayableAmount", totals.due_payable));
    let payee = invoice.payee.as_ref().map(|payee| {
        Element::new("ram:PayeeTradeParty")
            .with(payee.identifier.as_ref().map(party_identifier))
            .with(Element::text("ram:Name", &payee.name))
            .with(
                payee
                    .legal_registration
                    .as_ref()
                    .map(|id| Element::new("ram:SpecifiedLegalOrganization").with(identifier("ram:ID", id))),
            )
    });
    Element::new("ram:ApplicableHeaderTradeSettlement")
        .with(leaf("ram:CreditorReferenceID", direct_debit.and_then(|debit| debit.creditor_id.as_deref())))
        .with(leaf("ram:PaymentReference", payment.and_then(|payment| payment.remittance_information.as_deref())))
        .with(leaf("ram:TaxCurrencyCode", invoice.tax_currency.as_deref()))
        .with(Element::text("ram:InvoiceCurrencyCode", &invoice.currency))
        .with(payee)
        .with_all(payment.map(payment_means).unwrap_or_default())
        .with_all(taxes)
        .with(period("ram:BillingSpecifiedPeriod", invoice.invoicing_period.as_ref()))
        .with_all(invoice.allowances.iter().map(|allowance| allowance_charge(allowance, false)))
        .with_all(invoice.charges.iter().map(|charge| allowance_charge(charge, true)))
        .with(terms)
        .with(summation)
        .with_all(invoice.preceding_invoices.iter().map(|preceding| {
            Element::new("ram:InvoiceReferencedDocument")
                .with(Element::text("ram:IssuerAssignedID", &preceding.number))
                .with(preceding.issue_date.map(|date| {
                    Element::new("ram:FormattedIssueDateTime").with(date_string("qdt:DateTimeString", date))
                }))
        }))
        .with(accounting_account(invoice.buyer_accounting_reference.as_deref()))
}
