//! The invoice as JSON: the EN 16931 semantic model, each field named
//! after its business term (BT-) or group (BG-). `convert` and `generate`
//! read it, `extract` writes it. Amounts are exact decimals (a JSON
//! string or number on input, a string on output); dates are ISO 8601.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// An invoice (BG-0). Totals (BG-22) and the VAT breakdown (BG-23) may be
/// left out when there are lines: they are computed from the lines and
/// the document allowances and charges.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Invoice {
    /// BT-1 Invoice number.
    pub number: String,
    /// BT-3 Invoice type code (UNTDID 1001): 380 invoice, 381 credit note, 384 corrected, 386 prepayment, 389 self-billed.
    #[serde(default = "default_type_code")]
    pub type_code: String,
    /// BT-2 Invoice issue date.
    pub issue_date: NaiveDate,
    /// BT-5 Invoice currency code (ISO 4217).
    #[serde(default = "default_currency")]
    pub currency: String,
    /// BT-6 VAT accounting currency code, when the VAT total is also given in it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tax_currency: Option<String>,
    /// BT-7 Value added tax point date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tax_point_date: Option<NaiveDate>,
    /// BT-8 Value added tax point date code (UNTDID 2005: 5 invoice date, 29 delivery date, 72 paid to date).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tax_point_date_code: Option<String>,
    /// BT-9 Payment due date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due_date: Option<NaiveDate>,
    /// BT-10 Buyer reference (Leitweg-ID for XRechnung; service code for Chorus Pro).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub buyer_reference: Option<String>,
    /// BT-11 Project reference.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project_reference: Option<String>,
    /// BT-12 Contract reference.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contract_reference: Option<String>,
    /// BT-13 Purchase order reference.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purchase_order_reference: Option<String>,
    /// BT-14 Sales order reference.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sales_order_reference: Option<String>,
    /// BT-15 Receiving advice reference.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub receiving_advice_reference: Option<String>,
    /// BT-16 Despatch advice reference.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub despatch_advice_reference: Option<String>,
    /// BT-17 Tender or lot reference.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tender_reference: Option<String>,
    /// BT-18 Invoiced object identifier, with its scheme (BT-18-1, UNTDID 1153).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invoiced_object: Option<Identifier>,
    /// BT-19 Buyer accounting reference.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub buyer_accounting_reference: Option<String>,
    /// BT-20 Payment terms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_terms: Option<String>,
    /// BG-1 Invoice notes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<Note>,
    /// BT-23 Business process type (e.g. `A1` for Chorus Pro).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub business_process: Option<String>,
    /// BG-3 Preceding invoice references.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub preceding_invoices: Vec<PrecedingInvoice>,
    /// BG-4 Seller.
    pub seller: Party,
    /// BG-7 Buyer.
    pub buyer: Party,
    /// BG-10 Payee, when not the seller.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payee: Option<Payee>,
    /// BG-11 Seller tax representative party.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seller_tax_representative: Option<TaxRepresentative>,
    /// BG-13 Delivery information.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivery: Option<Delivery>,
    /// BG-14 Invoicing period.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invoicing_period: Option<Period>,
    /// BG-16 Payment instructions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment: Option<PaymentInstructions>,
    /// BG-20 Document level allowances.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allowances: Vec<AllowanceCharge>,
    /// BG-21 Document level charges.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub charges: Vec<AllowanceCharge>,
    /// BG-22 Document totals; computed from the lines when left out.
    #[serde(default)]
    pub totals: Totals,
    /// BG-23 VAT breakdown; computed from the lines when left out.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub vat_breakdown: Vec<VatBreakdown>,
    /// BG-24 Additional supporting documents.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub supporting_documents: Vec<SupportingDocument>,
    /// BG-25 Invoice lines (not part of MINIMUM and BASIC WL, which carry totals only).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub lines: Vec<Line>,
}

fn default_type_code() -> String {
    "380".into()
}

fn default_currency() -> String {
    "EUR".into()
}

fn default_unit() -> String {
    "C62".into()
}

/// BG-1 Invoice note.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Note {
    /// BT-21 Invoice note subject code (UNTDID 4451: AAI general, REG regulatory, PMT/PMD payment terms, ABL legal).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject_code: Option<String>,
    /// BT-22 Invoice note.
    pub text: String,
}

/// BG-3 Preceding invoice reference.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PrecedingInvoice {
    /// BT-25 Preceding invoice reference.
    pub number: String,
    /// BT-26 Preceding invoice issue date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issue_date: Option<NaiveDate>,
}

/// An identifier with its scheme (ISO 6523 ICD, or UNTDID/EAS code).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Identifier {
    pub id: String,
    /// The scheme identifier (`0002` SIREN, `0009` SIRET, `0088` GLN, `EM` e-mail for electronic addresses…).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scheme: Option<String>,
}

/// BG-24 Additional supporting document.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SupportingDocument {
    /// BT-122 Supporting document reference.
    pub reference: String,
    /// BT-123 Supporting document description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// BT-124 External document location (a URL).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uri: Option<String>,
    /// BT-125 Attached document.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attachment: Option<Attachment>,
}

/// BT-125 Attached document, kept as the invoice carries it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Attachment {
    /// The document, base64-encoded.
    pub content: String,
    /// BT-125-1 Its MIME code (`application/pdf`, `image/png`, `text/csv`…).
    pub mime_code: String,
    /// BT-125-2 Its file name.
    pub filename: String,
}

/// BG-4 Seller or BG-7 Buyer.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Party {
    /// BT-27 Seller name / BT-44 Buyer name.
    pub name: String,
    /// BT-28 Seller trading name / BT-45 Buyer trading name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trading_name: Option<String>,
    /// BT-29 Seller identifier / BT-46 Buyer identifier (global ids carry a scheme).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub identifiers: Vec<Identifier>,
    /// BT-30 Seller / BT-47 Buyer legal registration identifier (SIREN with scheme `0002`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub legal_registration: Option<Identifier>,
    /// BT-33 Seller additional legal information (legal form, share capital).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub legal_information: Option<String>,
    /// BT-31 Seller / BT-48 Buyer VAT identifier (`FR` + key + SIREN).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vat_id: Option<String>,
    /// BT-32 Seller tax registration identifier (local fiscal number).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tax_registration_id: Option<String>,
    /// BT-34 Seller / BT-49 Buyer electronic address, with its EAS scheme.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub electronic_address: Option<Identifier>,
    /// BG-5 Seller / BG-8 Buyer postal address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<Address>,
    /// BG-6 Seller / BG-9 Buyer contact.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact: Option<Contact>,
}

/// BG-5, BG-8, BG-12, BG-15 Postal address.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Address {
    /// BT-35 / BT-50 / BT-64 / BT-75 Address line 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line1: Option<String>,
    /// BT-36 / BT-51 / BT-65 / BT-76 Address line 2.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line2: Option<String>,
    /// BT-162 / BT-163 / BT-164 / BT-165 Address line 3.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line3: Option<String>,
    /// BT-38 / BT-53 / BT-67 / BT-78 Post code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postcode: Option<String>,
    /// BT-37 / BT-52 / BT-66 / BT-77 City.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    /// BT-39 / BT-54 / BT-68 / BT-79 Country subdivision.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country_subdivision: Option<String>,
    /// BT-40 / BT-55 / BT-69 / BT-80 Country code (ISO 3166-1 alpha-2).
    pub country_code: String,
}

/// BG-6 Seller / BG-9 Buyer contact.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Contact {
    /// BT-41 / BT-56 Contact point: a person.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// BT-41 / BT-56 Contact point: a department (CII `DepartmentName`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub department: Option<String>,
    /// BT-42 / BT-57 Contact telephone number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// BT-43 / BT-58 Contact email address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

/// BG-10 Payee.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Payee {
    /// BT-59 Payee name.
    pub name: String,
    /// BT-60 Payee identifier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identifier: Option<Identifier>,
    /// BT-61 Payee legal registration identifier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub legal_registration: Option<Identifier>,
}

/// BG-11 Seller tax representative party.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TaxRepresentative {
    /// BT-62 Seller tax representative name.
    pub name: String,
    /// BT-63 Seller tax representative VAT identifier.
    pub vat_id: String,
    /// BG-12 Seller tax representative postal address.
    pub address: Address,
}

/// BG-13 Delivery information.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Delivery {
    /// BT-70 Deliver to party name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub party_name: Option<String>,
    /// BT-71 Deliver to location identifier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<Identifier>,
    /// BT-72 Actual delivery date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<NaiveDate>,
    /// BG-15 Deliver to address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<Address>,
}

/// BG-14 Invoicing period, BG-26 Invoice line period.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Period {
    /// BT-73 / BT-134 Start date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start: Option<NaiveDate>,
    /// BT-74 / BT-135 End date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end: Option<NaiveDate>,
}

/// BG-16 Payment instructions.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PaymentInstructions {
    /// BT-81 Payment means type code (UNTDID 4461: 30 credit transfer, 58 SEPA credit transfer, 59 SEPA direct debit, 48 card).
    pub means_code: String,
    /// BT-82 Payment means text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub means_text: Option<String>,
    /// BT-83 Remittance information.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remittance_information: Option<String>,
    /// BG-17 Credit transfers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub credit_transfers: Vec<CreditTransfer>,
    /// BG-18 Payment card information.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub card: Option<PaymentCard>,
    /// BG-19 Direct debit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub direct_debit: Option<DirectDebit>,
}

/// What kind of payment account identifier (BT-84) a credit transfer names.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum AccountKind {
    #[default]
    Iban,
    Proprietary,
}

impl AccountKind {
    fn is_iban(&self) -> bool {
        *self == AccountKind::Iban
    }
}

/// BG-17 Credit transfer.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreditTransfer {
    /// BT-84 Payment account identifier (an IBAN, unless `account_kind` says otherwise).
    pub account_id: String,
    /// What kind of identifier BT-84 is: an IBAN, or a national account
    /// number (CII `ProprietaryID`).
    #[serde(default, skip_serializing_if = "AccountKind::is_iban")]
    pub account_kind: AccountKind,
    /// BT-85 Payment account name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_name: Option<String>,
    /// BT-86 Payment service provider identifier (BIC).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bic: Option<String>,
}

/// BG-18 Payment card information.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PaymentCard {
    /// BT-87 Payment card primary account number (the last 4 to 6 digits only).
    pub number: String,
    /// BT-88 Payment card holder name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub holder: Option<String>,
}

/// BG-19 Direct debit.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DirectDebit {
    /// BT-89 Mandate reference identifier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mandate_reference: Option<String>,
    /// BT-90 Bank assigned creditor identifier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub creditor_id: Option<String>,
    /// BT-91 Debited account identifier (IBAN).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub debited_account: Option<String>,
}

/// BG-20 / BG-21 Document level allowance or charge; BG-27 / BG-28 on a line.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AllowanceCharge {
    /// BT-92 / BT-99 / BT-136 / BT-141 Amount, without VAT.
    pub amount: Decimal,
    /// BT-93 / BT-100 / BT-137 / BT-142 Base amount.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_amount: Option<Decimal>,
    /// BT-94 / BT-101 / BT-138 / BT-143 Percentage.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub percentage: Option<Decimal>,
    /// BT-95 / BT-102 VAT category code (document level only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vat_category: Option<String>,
    /// BT-96 / BT-103 VAT rate (document level only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vat_rate: Option<Decimal>,
    /// BT-97 / BT-104 / BT-139 / BT-144 Reason.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// BT-98 / BT-105 / BT-140 / BT-145 Reason code (UNTDID 5189 allowances, 7161 charges).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason_code: Option<String>,
}

/// BG-22 Document totals.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Totals {
    /// BT-106 Sum of invoice line net amounts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line_total: Option<Decimal>,
    /// BT-107 Sum of allowances on document level.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allowance_total: Option<Decimal>,
    /// BT-108 Sum of charges on document level.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub charge_total: Option<Decimal>,
    /// BT-109 Invoice total amount without VAT.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tax_basis_total: Option<Decimal>,
    /// BT-110 Invoice total VAT amount.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tax_total: Option<Decimal>,
    /// BT-111 Invoice total VAT amount in accounting currency (BT-6).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tax_total_in_tax_currency: Option<Decimal>,
    /// BT-112 Invoice total amount with VAT.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grand_total: Option<Decimal>,
    /// BT-113 Paid amount.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prepaid: Option<Decimal>,
    /// BT-114 Rounding amount.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rounding: Option<Decimal>,
    /// BT-115 Amount due for payment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due_payable: Option<Decimal>,
}

/// BG-23 VAT breakdown.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VatBreakdown {
    /// BT-116 VAT category taxable amount.
    pub taxable_amount: Decimal,
    /// BT-117 VAT category tax amount.
    pub tax_amount: Decimal,
    /// BT-118 VAT category code (UNTDID 5305: S, Z, E, AE, K, G, O, L, M).
    pub category: String,
    /// BT-119 VAT category rate (percent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate: Option<Decimal>,
    /// BT-120 VAT exemption reason text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exemption_reason: Option<String>,
    /// BT-121 VAT exemption reason code (VATEX).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exemption_reason_code: Option<String>,
}

/// BG-25 Invoice line.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Line {
    /// BT-126 Invoice line identifier; numbered from 1 when left out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// BT-127 Invoice line note.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// BT-153 Item name.
    pub name: String,
    /// BT-154 Item description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// BT-155 Item Seller's identifier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seller_item_id: Option<String>,
    /// BT-156 Item Buyer's identifier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub buyer_item_id: Option<String>,
    /// BT-157 Item standard identifier (GTIN with scheme `0160`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub standard_item_id: Option<Identifier>,
    /// BT-158 Item classification identifiers, each with its list id (UNTDID 7143).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub classifications: Vec<Identifier>,
    /// BT-159 Item country of origin.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin_country: Option<String>,
    /// BG-32 Item attributes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attributes: Vec<ItemAttribute>,
    /// BT-129 Invoiced quantity.
    pub quantity: Decimal,
    /// BT-130 Invoiced quantity unit of measure (UN/ECE Rec 20: C62 unit, HUR hour, KWH, DAY…).
    #[serde(default = "default_unit")]
    pub unit: String,
    /// BT-146 Item net price, without VAT, after price discount.
    pub net_price: Decimal,
    /// BT-148 Item gross price, before price discount.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gross_price: Option<Decimal>,
    /// BT-147 Item price discount.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price_discount: Option<Decimal>,
    /// BT-149 Item price base quantity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price_base_quantity: Option<Decimal>,
    /// BT-151 Invoiced item VAT category code.
    #[serde(default = "default_vat_category")]
    pub vat_category: String,
    /// BT-152 Invoiced item VAT rate (percent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vat_rate: Option<Decimal>,
    /// BG-26 Invoice line period.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period: Option<Period>,
    /// BG-27 Invoice line allowances.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allowances: Vec<AllowanceCharge>,
    /// BG-28 Invoice line charges.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub charges: Vec<AllowanceCharge>,
    /// BT-131 Invoice line net amount; quantity × net price ÷ base quantity, less allowances, plus charges, when left out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub net_amount: Option<Decimal>,
    /// BT-132 Referenced purchase order line reference.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_line_reference: Option<String>,
    /// BT-133 Invoice line Buyer accounting reference.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub buyer_accounting_reference: Option<String>,
    /// BT-128 Invoice line object identifier, with its scheme (BT-128-1, UNTDID 1153).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object_identifier: Option<Identifier>,
}

fn default_vat_category() -> String {
    "S".into()
}

/// BG-32 Item attribute.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ItemAttribute {
    /// BT-160 Item attribute name.
    pub name: String,
    /// BT-161 Item attribute value.
    pub value: String,
}

impl Invoice {
    /// The invoice with what follows from its lines filled in: line ids
    /// and net amounts, the VAT breakdown and the totals. Values given
    /// are kept, so a mismatch shows up in validation instead of being
    /// silently corrected.
    pub fn completed(mut self) -> Self {
        for (index, line) in self.lines.iter_mut().enumerate() {
            line.id.get_or_insert_with(|| (index + 1).to_string());
            if line.vat_rate.is_none() && matches!(line.vat_category.as_str(), "Z" | "E" | "AE" | "K" | "G") {
                line.vat_rate = Some(Decimal::ZERO);
            }
            if line.net_amount.is_none() {
                let base = line.price_base_quantity.filter(|base| !base.is_zero()).unwrap_or(Decimal::ONE);
                let gross = (line.quantity * line.net_price / base).round_dp(2);
                line.net_amount = Some(gross - sum(&line.allowances) + sum(&line.charges));
            }
        }
        if self.vat_breakdown.is_empty() {
            self.vat_breakdown = self.computed_vat_breakdown();
        }
        let totals = &mut self.totals;
        if !self.lines.is_empty() {
            totals.line_total.get_or_insert(self.lines.iter().filter_map(|line| line.net_amount).sum());
        }
        if !self.allowances.is_empty() {
            totals.allowance_total.get_or_insert(sum(&self.allowances));
        }
        if !self.charges.is_empty() {
            totals.charge_total.get_or_insert(sum(&self.charges));
        }
        if let Some(line_total) = totals.line_total {
            let basis =
                line_total - totals.allowance_total.unwrap_or_default() + totals.charge_total.unwrap_or_default();
            totals.tax_basis_total.get_or_insert(basis);
        }
        if !self.vat_breakdown.is_empty() {
            totals.tax_total.get_or_insert(self.vat_breakdown.iter().map(|vat| vat.tax_amount).sum());
        }
        if let (None, Some(basis), Some(tax)) = (totals.grand_total, totals.tax_basis_total, totals.tax_total) {
            totals.grand_total = Some(basis + tax);
        }
        if let (None, Some(grand)) = (totals.due_payable, totals.grand_total) {
            totals.due_payable = Some(grand - totals.prepaid.unwrap_or_default() + totals.rounding.unwrap_or_default());
        }
        self
    }

    /// One breakdown per VAT category and rate, from the lines and the
    /// document allowances and charges (BR-CO-17: tax = base × rate, rounded).
    fn computed_vat_breakdown(&self) -> Vec<VatBreakdown> {
        let mut breakdown: Vec<VatBreakdown> = Vec::new();
        let lines =
            self.lines.iter().map(|line| (&line.vat_category, line.vat_rate, line.net_amount.unwrap_or_default()));
        let document = self
            .allowances
            .iter()
            .map(|allowance| (allowance, -allowance.amount))
            .chain(self.charges.iter().map(|charge| (charge, charge.amount)))
            .filter_map(|(entry, amount)| Some((entry.vat_category.as_ref()?, entry.vat_rate, amount)));
        for (category, rate, amount) in lines.chain(document) {
            let rate = rate.map(|rate| rate.normalize());
            match breakdown.iter_mut().find(|vat| &vat.category == category && vat.rate == rate) {
                Some(vat) => vat.taxable_amount += amount,
                None => breakdown.push(VatBreakdown {
                    taxable_amount: amount,
                    category: category.clone(),
                    rate,
                    exemption_reason: exemption_reason(category).map(str::to_owned),
                    ..VatBreakdown::default()
                }),
            }
        }
        for vat in &mut breakdown {
            vat.tax_amount = (vat.taxable_amount * vat.rate.unwrap_or_default() / Decimal::ONE_HUNDRED).round_dp(2);
        }
        breakdown
    }
}

fn sum(entries: &[AllowanceCharge]) -> Decimal {
    entries.iter().map(|entry| entry.amount).sum()
}

/// The mention French invoices carry for each exempt category (CGI
/// art. 242 nonies A), used when the client gives none (BR-E-10 and kin).
fn exemption_reason(category: &str) -> Option<&'static str> {
    Some(match category {
        "E" => "Exonération de TVA",
        "AE" => "Autoliquidation",
        "K" => "Exonération de TVA, article 262 ter I du CGI (livraison intracommunautaire)",
        "G" => "Exonération de TVA, article 262 I du CGI (exportation)",
        "O" => "Non soumis à la TVA",
        _ => return None,
    })
}
