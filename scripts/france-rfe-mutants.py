"""Generates a mutation corpus for the French BR-FR rules, checked by the official oracle.

Usage: france-rfe-mutants.py OUTDIR

The facturx-svc tests run this at test time (the files are never committed). Into
OUTDIR it writes:

- base.xml: an EN 16931 CII invoice (guideline urn:cen.eu:en16931:2017) between two
  French companies (SIREN, SIRET, electronic addresses 0225, notes PMT/PMD/AAB, BT-23
  S1, VAT 20 %, two lines, EUR) that passes every BR-FR fatal rule and the EN 16931
  schematron with no fatal finding;
- <id>.broken.xml: base.xml with a small change that makes BR-FR rule <id> fail,
  alone where the rules allow it;
- <id>.kept.xml: for rules whose context is optional (or whose check only applies
  under a condition, such as a BAR note, a type code or a billing frame), a change that
  makes the context appear while still satisfying the rule;
- manifest.json: [{"file", "rule", "kind": "base"|"broken"|"kept",
  "expect": sorted set of BR-FR ids that the official fatal BR-FR schematron
  reports for the file, "en16931_fatal": sorted set of EN 16931 fatal ids,
  "xsd_valid": whether the file is valid against the CII D22B XSD of the oracles
  folder, "error": present only when the oracle could not check the file}].

The manifest is the oracle's verdict, not this script's expectation: every file is
run through the official XSLT (scripts/france-rfe-oracle.py, imported). The script
warns on stderr for each broken file whose findings lack its target rule and each
kept file with BR-FR findings, and exits 1 if base.xml has any BR-FR or EN 16931
fatal finding (2 on a usage or configuration error). Files are overwritten, never
deleted: give it an empty directory. One run takes about 4 s (300 files). Writing the
files, the manifest and those warnings is write_corpus(), which france-rfe-ctc-mutants.py
and en16931-mutants.py share, as they share the base invoice and the editing helpers.

Mutations are the MUTANTS table: one small function per (rule, kind), most of them a
line or two built from the helpers below (ensure/add/set_text/remove on paths relative
to the root). New elements are inserted where the CII D22B XSD sequence puts them, so
mutants stay schema-valid unless the rule's context itself is not (BR-FR-30).

Why some rules cannot fire alone (by construction of the schematron):
- BR-FR-15_*_LM ('L'/'M' not relevant in France) always comes with the rule beside it
  (BR-FR-15_BT-95_*: 'L' and 'M' are not in the French category list either).
- BR-FR-DEC-04_* (rate format) always comes with BR-FR-16_* (every allowed French
  rate has the DEC-04 format, so a DEC-04 failure is also a rate outside the list).
- BR-FR-10_BT-30 (seller SIREN) is broken by removing the SIREN and the SIRET, since a
  SIRET without its SIREN also fails BR-FR-09_BT-29.
- The multi-vendor (S8/B8/M8) and bidirectional (S9/B9/M9) rules are mutated from a
  small multi-vendor or bidirectional variant of base.xml (its kept files), which
  EN 16931 rejects anyway (group lines count twice in its totals). Three of them
  come with a sibling: BR-FR-MV-03_EXT-FR-FE-167 with BR-FR-MV-06 (every line,
  the group line too, needs the item seller's SIREN), BR-FR-MV-03_EXT-FR-FE-181 with
  BR-FR-MV-09 (no group VAT total in the invoice currency is also a wrong total),
  BR-FR-MV-03_BT-128_AFL with BR-FR-MV-07/09 (a group line without its AFL/130
  reference has no sub-invoice number to compare).
- A few kept files are EN 16931-invalid because the context itself is outside
  EN 16931 (a TypeCode in InvoiceReferencedDocument: CII-DT-018); the manifest says so.

Rule ids skipped (no mutant):
- BR-FR-DEC-01_BT-111: its rule has the same context as BR-FR-DEC-01_BT-110 in the
  same pattern (TaxTotalAmount), so only the first rule ever fires for that node; the
  assertion is unreachable.
"""

import copy
import importlib.util
import json
import os
import sys
import time
import types

from lxml import etree

HERE = os.path.dirname(os.path.abspath(__file__))
RSM = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
RAM = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
UDT = "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100"
QDT = "urn:un:unece:uncefact:data:standard:QualifiedDataType:100"
NS = {"rsm": RSM, "ram": RAM, "udt": UDT, "qdt": QDT}
XSD = "{http://www.w3.org/2001/XMLSchema}"
SCH_NS = "{http://purl.oclc.org/dsdl/schematron}"
XSD_DIR = "CII/1xsd-CII_D22B_uncoupled"
BR_FR_SCH = "CII/EN16931/schematron/BR-FR-Flux2-Schematron-CII.sch"


def load_oracle_module():
    """scripts/france-rfe-oracle.py as a module (its file name has dashes)."""
    spec = importlib.util.spec_from_file_location(
        "france_rfe_oracle", os.path.join(HERE, "france-rfe-oracle.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# ---------------------------------------------------------------------------
# The base invoice
# ---------------------------------------------------------------------------

SELLER_SIREN, SELLER_SIRET = "832451876", "83245187600011"
BUYER_SIREN, BUYER_SIRET = "512347899", "51234789900019"
THIRD_SIREN, THIRD_SIRET = "908123458", "90812345800014"  # payee, agents, ship-to...
OTHER_SIREN, OTHER_SIRET = "441903721", "44190372100013"  # a SIREN nobody here has
INVOICE_ID = "F2026-00042"

BASE_XML = f"""<?xml version="1.0" encoding="UTF-8"?>
<rsm:CrossIndustryInvoice xmlns:rsm="{RSM}" xmlns:ram="{RAM}" xmlns:qdt="{QDT}" xmlns:udt="{UDT}">
  <rsm:ExchangedDocumentContext>
    <ram:BusinessProcessSpecifiedDocumentContextParameter>
      <ram:ID>S1</ram:ID>
    </ram:BusinessProcessSpecifiedDocumentContextParameter>
    <ram:GuidelineSpecifiedDocumentContextParameter>
      <ram:ID>urn:cen.eu:en16931:2017</ram:ID>
    </ram:GuidelineSpecifiedDocumentContextParameter>
  </rsm:ExchangedDocumentContext>
  <rsm:ExchangedDocument>
    <ram:ID>{INVOICE_ID}</ram:ID>
    <ram:TypeCode>380</ram:TypeCode>
    <ram:IssueDateTime>
      <udt:DateTimeString format="102">20260915</udt:DateTimeString>
    </ram:IssueDateTime>
    <ram:IncludedNote>
      <ram:Content>En cas de retard de paiement, une indemnité forfaitaire pour frais de recouvrement de 40 euros sera exigée (art. L441-10 et D441-5 du Code de commerce).</ram:Content>
      <ram:SubjectCode>PMT</ram:SubjectCode>
    </ram:IncludedNote>
    <ram:IncludedNote>
      <ram:Content>Tout retard de paiement entraîne des pénalités égales à trois fois le taux d'intérêt légal.</ram:Content>
      <ram:SubjectCode>PMD</ram:SubjectCode>
    </ram:IncludedNote>
    <ram:IncludedNote>
      <ram:Content>Aucun escompte n'est accordé pour paiement anticipé.</ram:Content>
      <ram:SubjectCode>AAB</ram:SubjectCode>
    </ram:IncludedNote>
  </rsm:ExchangedDocument>
  <rsm:SupplyChainTradeTransaction>
    <ram:IncludedSupplyChainTradeLineItem>
      <ram:AssociatedDocumentLineDocument>
        <ram:LineID>1</ram:LineID>
      </ram:AssociatedDocumentLineDocument>
      <ram:SpecifiedTradeProduct>
        <ram:SellerAssignedID>CONS-H</ram:SellerAssignedID>
        <ram:Name>Prestation de conseil en organisation</ram:Name>
      </ram:SpecifiedTradeProduct>
      <ram:SpecifiedLineTradeAgreement>
        <ram:NetPriceProductTradePrice>
          <ram:ChargeAmount>120.00</ram:ChargeAmount>
        </ram:NetPriceProductTradePrice>
      </ram:SpecifiedLineTradeAgreement>
      <ram:SpecifiedLineTradeDelivery>
        <ram:BilledQuantity unitCode="HUR">10</ram:BilledQuantity>
      </ram:SpecifiedLineTradeDelivery>
      <ram:SpecifiedLineTradeSettlement>
        <ram:ApplicableTradeTax>
          <ram:TypeCode>VAT</ram:TypeCode>
          <ram:CategoryCode>S</ram:CategoryCode>
          <ram:RateApplicablePercent>20</ram:RateApplicablePercent>
        </ram:ApplicableTradeTax>
        <ram:SpecifiedTradeSettlementLineMonetarySummation>
          <ram:LineTotalAmount>1200.00</ram:LineTotalAmount>
        </ram:SpecifiedTradeSettlementLineMonetarySummation>
      </ram:SpecifiedLineTradeSettlement>
    </ram:IncludedSupplyChainTradeLineItem>
    <ram:IncludedSupplyChainTradeLineItem>
      <ram:AssociatedDocumentLineDocument>
        <ram:LineID>2</ram:LineID>
      </ram:AssociatedDocumentLineDocument>
      <ram:SpecifiedTradeProduct>
        <ram:SellerAssignedID>DEPL-F</ram:SellerAssignedID>
        <ram:Name>Frais de déplacement forfaitaires</ram:Name>
      </ram:SpecifiedTradeProduct>
      <ram:SpecifiedLineTradeAgreement>
        <ram:NetPriceProductTradePrice>
          <ram:ChargeAmount>150.00</ram:ChargeAmount>
        </ram:NetPriceProductTradePrice>
      </ram:SpecifiedLineTradeAgreement>
      <ram:SpecifiedLineTradeDelivery>
        <ram:BilledQuantity unitCode="C62">1</ram:BilledQuantity>
      </ram:SpecifiedLineTradeDelivery>
      <ram:SpecifiedLineTradeSettlement>
        <ram:ApplicableTradeTax>
          <ram:TypeCode>VAT</ram:TypeCode>
          <ram:CategoryCode>S</ram:CategoryCode>
          <ram:RateApplicablePercent>20</ram:RateApplicablePercent>
        </ram:ApplicableTradeTax>
        <ram:SpecifiedTradeSettlementLineMonetarySummation>
          <ram:LineTotalAmount>150.00</ram:LineTotalAmount>
        </ram:SpecifiedTradeSettlementLineMonetarySummation>
      </ram:SpecifiedLineTradeSettlement>
    </ram:IncludedSupplyChainTradeLineItem>
    <ram:ApplicableHeaderTradeAgreement>
      <ram:BuyerReference>SERV-ACHATS-12</ram:BuyerReference>
      <ram:SellerTradeParty>
        <ram:GlobalID schemeID="0009">{SELLER_SIRET}</ram:GlobalID>
        <ram:Name>Atelier Durand Conseil SARL</ram:Name>
        <ram:SpecifiedLegalOrganization>
          <ram:ID schemeID="0002">{SELLER_SIREN}</ram:ID>
          <ram:TradingBusinessName>Durand Conseil</ram:TradingBusinessName>
        </ram:SpecifiedLegalOrganization>
        <ram:PostalTradeAddress>
          <ram:PostcodeCode>69002</ram:PostcodeCode>
          <ram:LineOne>12 rue de la République</ram:LineOne>
          <ram:CityName>Lyon</ram:CityName>
          <ram:CountryID>FR</ram:CountryID>
        </ram:PostalTradeAddress>
        <ram:URIUniversalCommunication>
          <ram:URIID schemeID="0225">{SELLER_SIREN}</ram:URIID>
        </ram:URIUniversalCommunication>
        <ram:SpecifiedTaxRegistration>
          <ram:ID schemeID="VA">FR42{SELLER_SIREN}</ram:ID>
        </ram:SpecifiedTaxRegistration>
      </ram:SellerTradeParty>
      <ram:BuyerTradeParty>
        <ram:GlobalID schemeID="0009">{BUYER_SIRET}</ram:GlobalID>
        <ram:Name>Boulangeries Martin SAS</ram:Name>
        <ram:SpecifiedLegalOrganization>
          <ram:ID schemeID="0002">{BUYER_SIREN}</ram:ID>
        </ram:SpecifiedLegalOrganization>
        <ram:PostalTradeAddress>
          <ram:PostcodeCode>33000</ram:PostcodeCode>
          <ram:LineOne>4 cours de l'Intendance</ram:LineOne>
          <ram:CityName>Bordeaux</ram:CityName>
          <ram:CountryID>FR</ram:CountryID>
        </ram:PostalTradeAddress>
        <ram:URIUniversalCommunication>
          <ram:URIID schemeID="0225">{BUYER_SIREN}</ram:URIID>
        </ram:URIUniversalCommunication>
        <ram:SpecifiedTaxRegistration>
          <ram:ID schemeID="VA">FR42{BUYER_SIREN}</ram:ID>
        </ram:SpecifiedTaxRegistration>
      </ram:BuyerTradeParty>
      <ram:BuyerOrderReferencedDocument>
        <ram:IssuerAssignedID>CMD-2026-0815</ram:IssuerAssignedID>
      </ram:BuyerOrderReferencedDocument>
    </ram:ApplicableHeaderTradeAgreement>
    <ram:ApplicableHeaderTradeDelivery>
      <ram:ActualDeliverySupplyChainEvent>
        <ram:OccurrenceDateTime>
          <udt:DateTimeString format="102">20260911</udt:DateTimeString>
        </ram:OccurrenceDateTime>
      </ram:ActualDeliverySupplyChainEvent>
    </ram:ApplicableHeaderTradeDelivery>
    <ram:ApplicableHeaderTradeSettlement>
      <ram:PaymentReference>{INVOICE_ID}</ram:PaymentReference>
      <ram:InvoiceCurrencyCode>EUR</ram:InvoiceCurrencyCode>
      <ram:SpecifiedTradeSettlementPaymentMeans>
        <ram:TypeCode>58</ram:TypeCode>
        <ram:PayeePartyCreditorFinancialAccount>
          <ram:IBANID>FR7630006000011234567890189</ram:IBANID>
        </ram:PayeePartyCreditorFinancialAccount>
      </ram:SpecifiedTradeSettlementPaymentMeans>
      <ram:ApplicableTradeTax>
        <ram:CalculatedAmount>270.00</ram:CalculatedAmount>
        <ram:TypeCode>VAT</ram:TypeCode>
        <ram:BasisAmount>1350.00</ram:BasisAmount>
        <ram:CategoryCode>S</ram:CategoryCode>
        <ram:RateApplicablePercent>20</ram:RateApplicablePercent>
      </ram:ApplicableTradeTax>
      <ram:SpecifiedTradePaymentTerms>
        <ram:Description>Paiement à 30 jours date de facture par virement SEPA.</ram:Description>
        <ram:DueDateDateTime>
          <udt:DateTimeString format="102">20261015</udt:DateTimeString>
        </ram:DueDateDateTime>
      </ram:SpecifiedTradePaymentTerms>
      <ram:SpecifiedTradeSettlementHeaderMonetarySummation>
        <ram:LineTotalAmount>1350.00</ram:LineTotalAmount>
        <ram:TaxBasisTotalAmount>1350.00</ram:TaxBasisTotalAmount>
        <ram:TaxTotalAmount currencyID="EUR">270.00</ram:TaxTotalAmount>
        <ram:GrandTotalAmount>1620.00</ram:GrandTotalAmount>
        <ram:DuePayableAmount>1620.00</ram:DuePayableAmount>
      </ram:SpecifiedTradeSettlementHeaderMonetarySummation>
    </ram:ApplicableHeaderTradeSettlement>
  </rsm:SupplyChainTradeTransaction>
</rsm:CrossIndustryInvoice>
"""


# ---------------------------------------------------------------------------
# Editing helpers: paths are relative to the root, "/"-separated prefixed names,
# optionally with an XPath predicate on the last step for lookups.
# ---------------------------------------------------------------------------

class XsdOrder:
    """Child element order of each CII aggregate, read from the D22B XSD, so that
    inserted elements land where the schema wants them."""

    def __init__(self, xsd_dir):
        self.sequences = {}  # complex type name -> [child element names]
        element_type = {}  # element name -> complex type name (aggregates only)
        for name in os.listdir(xsd_dir):
            if not name.endswith(".xsd"):
                continue
            for ct in etree.parse(os.path.join(xsd_dir, name)).iter(f"{XSD}complexType"):
                if ct.get("name"):
                    elements = list(ct.iter(f"{XSD}element"))
                    self.sequences[ct.get("name")] = [e.get("name") for e in elements]
                    for e in elements:
                        element_type.setdefault(e.get("name"), (e.get("type") or "").split(":")[-1])
        self.element_type = {k: v for k, v in element_type.items() if v in self.sequences}
        self.element_type["CrossIndustryInvoice"] = "CrossIndustryInvoiceType"

    def insert(self, parent, child):
        """Insert child into parent before the first sibling that the XSD puts after it;
        append when the XSD does not know the child there (schema-invalid on purpose)."""
        seq = self.sequences.get(self.element_type.get(etree.QName(parent).localname), [])
        name = etree.QName(child).localname
        if name in seq:
            rank = seq.index(name)
            for i, sibling in enumerate(parent):
                sname = etree.QName(sibling).localname
                if sname in seq and seq.index(sname) > rank:
                    parent.insert(i, child)
                    return child
        parent.append(child)
        return child


ORDER = None  # XsdOrder, set in main()


def q(name):
    prefix, local = name.split(":")
    return f"{{{NS[prefix]}}}{local}"


def el(name, text=None, *children, **attrs):
    """A new element: el("ram:ID", "123", schemeID="0002"), children are elements."""
    e = etree.Element(q(name), {k: str(v) for k, v in attrs.items()}, nsmap=None)
    if text is not None:
        e.text = text
    for c in children:
        e.append(c)
    return e


def find(doc, path):
    found = doc.xpath(path, namespaces=NS)
    if not found:
        raise LookupError(f"no {path} in the document")
    return found[0]


def ensure(doc, path):
    """The element at path (plain prefixed names), creating the missing steps."""
    node = doc
    for step in path.split("/"):
        found = node.find(q(step))
        node = found if found is not None else ORDER.insert(node, el(step))
    return node


def add(doc, parent_path, child):
    """Insert a new child (an element) under the element at parent_path (created if
    missing; a parent_path with a predicate must already exist)."""
    parent = find(doc, parent_path) if "[" in parent_path else ensure(doc, parent_path)
    return ORDER.insert(parent, child)


def set_text(doc, path, text):
    node = find(doc, path) if "[" in path else ensure(doc, path)
    node.text = text
    return node


def remove(doc, path):
    node = find(doc, path)
    node.getparent().remove(node)


TX = "rsm:SupplyChainTradeTransaction"
AGR = f"{TX}/ram:ApplicableHeaderTradeAgreement"
DEL = f"{TX}/ram:ApplicableHeaderTradeDelivery"
SET = f"{TX}/ram:ApplicableHeaderTradeSettlement"
SUM = f"{SET}/ram:SpecifiedTradeSettlementHeaderMonetarySummation"
LINE1 = f"{TX}/ram:IncludedSupplyChainTradeLineItem[1]"
LINE2 = f"{TX}/ram:IncludedSupplyChainTradeLineItem[2]"
DOC = "rsm:ExchangedDocument"
CTX = "rsm:ExchangedDocumentContext"
BT23 = f"{CTX}/ram:BusinessProcessSpecifiedDocumentContextParameter/ram:ID"


def note(doc, subject, content):
    add(doc, DOC, el("ram:IncludedNote", None, el("ram:Content", content), el("ram:SubjectCode", subject)))


def dated(name, value, qualified=False):
    """<name><udt|qdt:DateTimeString format="102">value</...></name>."""
    return el(name, None, el("qdt:DateTimeString" if qualified else "udt:DateTimeString", value, format="102"))


def invoice_ref(number="F2026-00017", date="20260612", type_code=None):
    """An InvoiceReferencedDocument (BT-25/BT-26, EXT-FR-FE-02)."""
    ref = el("ram:InvoiceReferencedDocument", None, el("ram:IssuerAssignedID", number))
    if type_code is not None:
        ORDER.insert(ref, el("ram:TypeCode", type_code))
    if date is not None:
        ORDER.insert(ref, dated("ram:FormattedIssueDateTime", date, qualified=True))
    return ref


def date_only_ref(date="20260612"):
    """An InvoiceReferencedDocument with a date (BT-26) but no number (BT-25)."""
    return el("ram:InvoiceReferencedDocument", None, dated("ram:FormattedIssueDateTime", date, qualified=True))


def period(start="20260801", end="20260831"):
    return el("ram:BillingSpecifiedPeriod", None,
              dated("ram:StartDateTime", start), dated("ram:EndDateTime", end))


def recompute(doc):
    """Header totals and the 20 % VAT breakdown from the lines and document-level
    allowances/charges (single rate: every mutant keeps one VAT category S 20 %)."""
    cents = lambda s: round(float(s) * 100)
    lines = sum(cents(t) for t in doc.xpath(
        f"{TX}/ram:IncludedSupplyChainTradeLineItem/ram:SpecifiedLineTradeSettlement/"
        "ram:SpecifiedTradeSettlementLineMonetarySummation/ram:LineTotalAmount/text()", namespaces=NS))
    allowances = charges = 0
    for ac in doc.xpath(f"{SET}/ram:SpecifiedTradeAllowanceCharge", namespaces=NS):
        amount = cents(find(ac, "ram:ActualAmount").text)
        if find(ac, "ram:ChargeIndicator/udt:Indicator").text == "true":
            charges += amount
        else:
            allowances += amount
    basis = lines - allowances + charges
    vat = round(basis * 0.2)
    fmt = lambda c: f"{c / 100:.2f}"
    set_text(doc, f"{SUM}/ram:LineTotalAmount", fmt(lines))
    if charges:
        set_text(doc, f"{SUM}/ram:ChargeTotalAmount", fmt(charges))
    if allowances:
        set_text(doc, f"{SUM}/ram:AllowanceTotalAmount", fmt(allowances))
    set_text(doc, f"{SUM}/ram:TaxBasisTotalAmount", fmt(basis))
    set_text(doc, f"{SUM}/ram:TaxTotalAmount", fmt(vat))
    set_text(doc, f"{SUM}/ram:GrandTotalAmount", fmt(basis + vat))
    set_text(doc, f"{SUM}/ram:DuePayableAmount", fmt(basis + vat))
    set_text(doc, f"{SET}/ram:ApplicableTradeTax/ram:BasisAmount", fmt(basis))
    set_text(doc, f"{SET}/ram:ApplicableTradeTax/ram:CalculatedAmount", fmt(vat))


def doc_allowance(doc, amount="50.00", basis=None, rate="20"):
    """A document-level allowance (BG-20) in category S, totals recomputed."""
    ac = el("ram:SpecifiedTradeAllowanceCharge", None,
            el("ram:ChargeIndicator", None, el("udt:Indicator", "false")))
    if basis is not None:
        ORDER.insert(ac, el("ram:CalculationPercent", "10"))
        ORDER.insert(ac, el("ram:BasisAmount", basis))
    ORDER.insert(ac, el("ram:ActualAmount", amount))
    ORDER.insert(ac, el("ram:Reason", "Remise commerciale fidélité"))
    ORDER.insert(ac, el("ram:CategoryTradeTax", None, el("ram:TypeCode", "VAT"),
                        el("ram:CategoryCode", "S"), el("ram:RateApplicablePercent", rate)))
    add(doc, SET, ac)
    recompute(doc)
    return ac


def line_allowance(doc):
    """10 % off line 2 (BG-27: 15.00 of 150.00), line and header totals recomputed."""
    ac = el("ram:SpecifiedTradeAllowanceCharge", None,
            el("ram:ChargeIndicator", None, el("udt:Indicator", "false")),
            el("ram:CalculationPercent", "10"), el("ram:BasisAmount", "150.00"),
            el("ram:ActualAmount", "15.00"), el("ram:Reason", "Remise"))
    add(doc, f"{LINE2}/ram:SpecifiedLineTradeSettlement", ac)
    set_text(doc, f"{LINE2}/ram:SpecifiedLineTradeSettlement/"
             "ram:SpecifiedTradeSettlementLineMonetarySummation/ram:LineTotalAmount", "135.00")
    recompute(doc)
    return ac


def gross_price(doc):
    """Line 1 gross price 130.00 less a 10.00 price discount = net 120.00 (BT-147/148)."""
    gross = el("ram:GrossPriceProductTradePrice", None, el("ram:ChargeAmount", "130.00"),
               el("ram:AppliedTradeAllowanceCharge", None,
                  el("ram:ChargeIndicator", None, el("udt:Indicator", "false")),
                  el("ram:ActualAmount", "10.00")))
    return add(doc, f"{LINE1}/ram:SpecifiedLineTradeAgreement", gross)


def characteristic(doc, *children):
    """An item attribute (BG-32) on line 1 with the given children."""
    c = el("ram:ApplicableProductCharacteristic")
    for child in children:
        ORDER.insert(c, child)
    return add(doc, f"{LINE1}/ram:SpecifiedTradeProduct", c)


def attachment(doc, name, number="PJ-01", type_code="916"):
    """An additional supporting document (BG-24) whose description (BT-123) is name."""
    return add(doc, AGR, el("ram:AdditionalReferencedDocument", None,
                            el("ram:IssuerAssignedID", number), el("ram:TypeCode", type_code),
                            el("ram:Name", name)))


def object_ref(doc, parent, ref_type, number, type_code="130"):
    """An invoiced-object reference (BT-18/BT-128): TypeCode 130 + ReferenceTypeCode."""
    ard = el("ram:AdditionalReferencedDocument", None, el("ram:IssuerAssignedID", number),
             el("ram:TypeCode", type_code), el("ram:ReferenceTypeCode", ref_type))
    return add(doc, parent, ard)


# ---------------------------------------------------------------------------
# Parties: the BR-FR-09/23/25/CO-10 families repeat one check per party.
# (key, container path, party element, id for BR-FR-09/CO-10, id for BR-FR-23/25)
# ---------------------------------------------------------------------------

PARTIES = [
    ("seller", AGR, "ram:SellerTradeParty", "BT-29", "BT-34"),
    ("buyer", AGR, "ram:BuyerTradeParty", "BT-46", "BT-49"),
    ("payee", SET, "ram:PayeeTradeParty", "BT-60", "EXT-FR-FE-29"),
    ("buyer agent", AGR, "ram:BuyerAgentTradeParty", "EXT-FR-FE-06", "EXT-FR-FE-12"),
    ("payer", SET, "ram:PayerTradeParty", "EXT-FR-FE-46", "EXT-FR-FE-52"),
    ("sales agent", AGR, "ram:SalesAgentTradeParty", "EXT-FR-FE-69", "EXT-FR-FE-75"),
    ("invoicee", SET, "ram:InvoiceeTradeParty", "EXT-FR-FE-92", "EXT-FR-FE-98"),
    ("invoicer", SET, "ram:InvoicerTradeParty", "EXT-FR-FE-115", "EXT-FR-FE-121"),
    ("ship-to", DEL, "ram:ShipToTradeParty", "BT-71", None),
    ("line ship-to", f"{LINE1}/ram:SpecifiedLineTradeDelivery", "ram:ShipToTradeParty",
     "EXT-FR-FE-146", None),
]


def party(doc, container, element):
    """The party at container/element; a new third party (SIRET, SIREN, electronic
    address 0225, French address) when there is none."""
    existing = doc.xpath(f"{container}/{element}", namespaces=NS)
    if existing:
        return existing[0]
    p = el(element)
    for child in (
        el("ram:GlobalID", THIRD_SIRET, schemeID="0009"),
        el("ram:Name", "Groupe Lefèvre Services SA"),
        el("ram:SpecifiedLegalOrganization", None, el("ram:ID", THIRD_SIREN, schemeID="0002")),
        el("ram:PostalTradeAddress", None, el("ram:PostcodeCode", "75008"),
           el("ram:LineOne", "25 avenue de Friedland"), el("ram:CityName", "Paris"),
           el("ram:CountryID", "FR")),
        el("ram:URIUniversalCommunication", None, el("ram:URIID", THIRD_SIREN, schemeID="0225")),
    ):
        ORDER.insert(p, child)
    return add(doc, container, p)


def uriid(p):
    return p.find(f"{q('ram:URIUniversalCommunication')}/{q('ram:URIID')}")


def siret_of(p):
    return p.find(f"{q('ram:GlobalID')}[@schemeID='0009']")


# ---------------------------------------------------------------------------
# Multi-vendor (S8) and bidirectional (S9) variants for the BR-FR-MV/BD rules
# ---------------------------------------------------------------------------

def group_line(doc, line_id, item_seller_siren, subinvoice, name, amount, vat, parent=None,
               reason="GROUP", exemption=True):
    """A line of a multi-vendor invoice: GROUP (a sub-invoice) or DETAIL (its lines)."""
    li = el("ram:IncludedSupplyChainTradeLineItem")
    adl = el("ram:AssociatedDocumentLineDocument", None, el("ram:LineID", line_id))
    if parent:
        ORDER.insert(adl, el("ram:ParentLineID", parent))
    ORDER.insert(adl, el("ram:LineStatusReasonCode", reason))
    ORDER.insert(li, adl)
    ORDER.insert(li, el("ram:SpecifiedTradeProduct", None, el("ram:Name", name)))
    ORDER.insert(li, el("ram:SpecifiedLineTradeAgreement", None,
                        el("ram:NetPriceProductTradePrice", None, el("ram:ChargeAmount", amount)),
                        el("ram:ItemSellerTradeParty", None, el("ram:Name", "Vendeur " + item_seller_siren),
                           el("ram:SpecifiedLegalOrganization", None,
                              el("ram:ID", item_seller_siren, schemeID="0002")),
                           el("ram:PostalTradeAddress", None, el("ram:CountryID", "FR")))))
    ORDER.insert(li, el("ram:SpecifiedLineTradeDelivery", None, el("ram:BilledQuantity", "1", unitCode="C62")))
    tax = el("ram:ApplicableTradeTax", None, el("ram:TypeCode", "VAT"))
    if exemption:
        ORDER.insert(tax, el("ram:ExemptionReason", f"#{subinvoice}#TVA 20 %"))
    ORDER.insert(tax, el("ram:CategoryCode", "S"))
    ORDER.insert(tax, el("ram:RateApplicablePercent", "20"))
    summation = el("ram:SpecifiedTradeSettlementLineMonetarySummation", None, el("ram:LineTotalAmount", amount))
    if reason == "GROUP":
        ORDER.insert(summation, el("ram:TaxTotalAmount", vat, currencyID="EUR"))
    settlement = el("ram:SpecifiedLineTradeSettlement", None, tax, summation)
    ORDER.insert(settlement, el("ram:AdditionalReferencedDocument", None, el("ram:IssuerAssignedID", subinvoice),
                                el("ram:TypeCode", "130"), el("ram:ReferenceTypeCode", "AFL")))
    ORDER.insert(li, settlement)
    return li


def multi_vendor(doc, frame="S8", item_seller=THIRD_SIREN, subinvoice="V908-2026-118"):
    """Replace the lines by one sub-invoice of a third-party seller: a GROUP line (1)
    and its two DETAIL lines (2, 3), as BR-FR-MV-* expect; the header VAT breakdown
    carries the sub-invoice number in its exemption reason (BR-FR-MV-09)."""
    set_text(doc, BT23, frame)
    tx = find(doc, TX)
    for li in doc.xpath(f"{TX}/ram:IncludedSupplyChainTradeLineItem", namespaces=NS):
        tx.remove(li)
    lines = [
        group_line(doc, "1", item_seller, subinvoice, "Sous-facture vendeur tiers", "1350.00", "270.00"),
        group_line(doc, "2", item_seller, subinvoice, "Prestation de conseil", "1200.00", None, "1", "DETAIL"),
        group_line(doc, "3", item_seller, subinvoice, "Frais de déplacement", "150.00", None, "1", "DETAIL"),
    ]
    for i, li in enumerate(lines):
        tx.insert(i, li)
    add(doc, f"{SET}/ram:ApplicableTradeTax", el("ram:ExemptionReason", f"#{subinvoice}#TVA 20 %"))


def bidirectional(doc, frame="S9"):
    """A bidirectional invoice (S9): self-billed (389) with two GROUP lines, one for
    the seller's sub-invoice and one for the buyer's (BR-FR-BD-02/13)."""
    multi_vendor(doc, frame, SELLER_SIREN, INVOICE_ID)  # the seller's part: BR-FR-MV-11
    set_text(doc, f"{DOC}/ram:TypeCode", "389")
    tx = find(doc, TX)
    tx.insert(3, group_line(doc, "4", BUYER_SIREN, "VB-2026-001", "Sous-facture acheteur", "0.00", "0.00"))


LINES = f"{TX}/ram:IncludedSupplyChainTradeLineItem"
GROUP = f"{LINES}[ram:AssociatedDocumentLineDocument/ram:LineStatusReasonCode='GROUP'][1]"
DETAIL = f"{LINES}[ram:AssociatedDocumentLineDocument/ram:LineStatusReasonCode='DETAIL'][1]"


# ---------------------------------------------------------------------------
# The mutation table: (rule id, "broken" | "kept", function(doc) editing in place,
# variant, base, also), the rows write_corpus() takes; here every mutant is
# <rule>.<kind>.xml from base.xml, and no kept file has an expected finding (also)
# ---------------------------------------------------------------------------

MUTANTS = []


def table(rule, kind, fn):
    MUTANTS.append((rule, kind, fn, None, "base", ()))


# BR-FR-01/02: identifiers at most 35 characters, only A-Z a-z 0-9 + - _ /
table("BR-FR-01_BT-1", "broken", lambda d: set_text(d, f"{DOC}/ram:ID", "F2026-" + "0" * 30))
table("BR-FR-02_BT-1", "broken", lambda d: set_text(d, f"{DOC}/ram:ID", "F2026 00042"))
REF35 = "AV-2026-" + "7" * 27  # 35 characters
table("BR-FR-01_BT-25", "broken", lambda d: add(d, SET, invoice_ref(REF35 + "7")))
table("BR-FR-01_BT-25", "kept", lambda d: add(d, SET, invoice_ref(REF35)))
table("BR-FR-02_BT-25", "broken", lambda d: add(d, SET, invoice_ref("F2026.00017")))
table("BR-FR-02_BT-25", "kept", lambda d: add(d, SET, invoice_ref("F2026/00017")))
LREF = f"{LINE1}/ram:SpecifiedLineTradeSettlement"
table("BR-FR-01_EXT-FR-FE-136", "broken", lambda d: add(d, LREF, invoice_ref(REF35 + "7")))
table("BR-FR-01_EXT-FR-FE-136", "kept", lambda d: add(d, LREF, invoice_ref(REF35)))
table("BR-FR-02_EXT-FR-FE-136", "broken", lambda d: add(d, LREF, invoice_ref("F2026#17")))
table("BR-FR-02_EXT-FR-FE-136", "kept", lambda d: add(d, LREF, invoice_ref("F2026_17")))

# BR-FR-03: dates YYYYMMDD, year 2000-2099, a real calendar day
table("BR-FR-03_BT-2", "broken", lambda d: set_text(d, f"{DOC}/ram:IssueDateTime/udt:DateTimeString", "20250229"))
table("BR-FR-03_BT-7", "broken", lambda d: add(d, f"{SET}/ram:ApplicableTradeTax",
                                              el("ram:TaxPointDate", None, el("udt:DateString", "20260931", format="102"))))
table("BR-FR-03_BT-7", "kept", lambda d: add(d, f"{SET}/ram:ApplicableTradeTax",
                                            el("ram:TaxPointDate", None, el("udt:DateString", "20260911", format="102"))))
table("BR-FR-03_BT-9", "broken", lambda d: set_text(
    d, f"{SET}/ram:SpecifiedTradePaymentTerms/ram:DueDateDateTime/udt:DateTimeString", "20261032"))
table("BR-FR-03_BT-26", "broken", lambda d: add(d, SET, invoice_ref(date="19991231")))
table("BR-FR-03_BT-26", "kept", lambda d: add(d, SET, invoice_ref(date="20240229")))
table("BR-FR-03_BT-72", "broken", lambda d: set_text(
    d, f"{DEL}/ram:ActualDeliverySupplyChainEvent/ram:OccurrenceDateTime/udt:DateTimeString", "20260011"))
table("BR-FR-03_BT-73", "broken", lambda d: add(d, SET, period(start="20260229")))
table("BR-FR-03_BT-73", "kept", lambda d: add(d, SET, period()))
table("BR-FR-03_BT-74", "broken", lambda d: add(d, SET, period(end="20260832")))
table("BR-FR-03_BT-74", "kept", lambda d: add(d, SET, period()))
table("BR-FR-03_EXT-FR-FE-138", "broken", lambda d: add(d, LREF, invoice_ref(date="20261301")))
table("BR-FR-03_EXT-FR-FE-138", "kept", lambda d: add(d, LREF, invoice_ref()))
LDEL = f"{LINE1}/ram:SpecifiedLineTradeDelivery"
table("BR-FR-03_EXT-FR-FE-158", "broken", lambda d: add(d, LDEL, el(
    "ram:ActualDeliverySupplyChainEvent", None, dated("ram:OccurrenceDateTime", "2026-09-11"))))
table("BR-FR-03_EXT-FR-FE-158", "kept", lambda d: add(d, LDEL, el(
    "ram:ActualDeliverySupplyChainEvent", None, dated("ram:OccurrenceDateTime", "20260911"))))
table("BR-FR-03_EXT-FR-FE-134", "broken", lambda d: add(d, LREF, period(start="20260800")))
table("BR-FR-03_EXT-FR-FE-134", "kept", lambda d: add(d, LREF, period()))
table("BR-FR-03_EXT-FR-FE-135", "broken", lambda d: add(d, LREF, period(end="20260631")))
table("BR-FR-03_EXT-FR-FE-135", "kept", lambda d: add(d, LREF, period()))

# BR-FR-04: document type codes (BT-3 and referenced documents)
table("BR-FR-04_BT-3", "broken", lambda d: set_text(d, f"{DOC}/ram:TypeCode", "325"))
table("BR-FR-04_EXT-FR-FE-02", "broken", lambda d: add(d, SET, invoice_ref(type_code="325")))
table("BR-FR-04_EXT-FR-FE-02", "kept", lambda d: add(d, SET, invoice_ref(type_code="380")))
table("BR-FR-04_EXT-FR-FE-137", "broken", lambda d: add(d, LREF, invoice_ref(type_code="751")))
table("BR-FR-04_EXT-FR-FE-137", "kept", lambda d: add(d, LREF, invoice_ref(type_code="380")))

# BR-FR-05/06: the PMT, PMD, AAB notes are mandatory, each (and TXD) at most once
NOTE = f"{DOC}/ram:IncludedNote[ram:SubjectCode='%s']"
for code in ("PMT", "PMD", "AAB"):
    table(f"BR-FR-05_BT-22_{code}", "broken", lambda d, c=code: remove(d, NOTE % c))
    table(f"BR-FR-06_BT-21_{code}", "broken", lambda d, c=code: note(d, c, "Mention répétée."))
table("BR-FR-06_BT-21_TXD", "broken", lambda d: (note(d, "TXD", "MEMBRE_ASSUJETTI_UNIQUE"),
                                                 note(d, "TXD", "MEMBRE_ASSUJETTI_UNIQUE")))
table("BR-FR-06_BT-21_TXD", "kept", lambda d: note(d, "TXD", "Mention de taxe."))

# BR-FR-08: billing frame (BT-23) present and in the list
table("BR-FR-08_BT-23", "broken", lambda d: set_text(d, BT23, "S0"))

# BR-FR-09 (SIRET starts with the SIREN), BR-FR-23/25 (electronic address format and
# length), BR-FR-CO-10 (GlobalID scheme present and unique), one per party.
for key, container, element, id09, id23 in PARTIES:
    optional = key not in ("seller", "buyer")
    P = lambda d, c=container, e=element: party(d, c, e)
    table(f"BR-FR-09_{id09}", "broken", lambda d, P=P: setattr(siret_of(P(d)), "text", OTHER_SIRET))
    table(f"BR-FR-CO-10_{id09}-1", "broken", lambda d, P=P: ORDER.insert(P(d), el("ram:GlobalID", "LEF-0042")))
    table(f"BR-FR-CO-10_{id09}-2", "broken", lambda d, P=P: ORDER.insert(
        P(d), el("ram:GlobalID", siret_of(P(d)).text[:9] + "00027", schemeID="0009")))
    if optional:
        for rid in (f"BR-FR-09_{id09}", f"BR-FR-CO-10_{id09}-1", f"BR-FR-CO-10_{id09}-2"):
            table(rid, "kept", P)
    if id23:
        table(f"BR-FR-23_{id23}", "broken", lambda d, P=P: setattr(uriid(P(d)), "text", "factures@lefevre.fr"))
        table(f"BR-FR-25_{id23}", "broken", lambda d, P=P: setattr(
            uriid(P(d)), "text", uriid(P(d)).text + "_" + "FACTURATION-" * 10 + "X" * 5))
        if optional:
            table(f"BR-FR-23_{id23}", "kept", P)
            table(f"BR-FR-25_{id23}", "kept", lambda d, P=P: setattr(
                uriid(P(d)), "text", uriid(P(d)).text + "_" + "FACTURATION-" * 9 + "X" * 7))

# BR-FR-10: seller SIREN (its SIRET goes too, or BR-FR-09_BT-29 fires as well)
table("BR-FR-10_BT-30", "broken", lambda d: (remove(d, f"{AGR}/ram:SellerTradeParty/ram:GlobalID"),
                                             remove(d, f"{AGR}/ram:SellerTradeParty/ram:SpecifiedLegalOrganization/ram:ID")))

# BR-FR-11/20/21/22/31: the BAR note (treatment B2B, B2C...)
BUYER, SELLER = f"{AGR}/ram:BuyerTradeParty", f"{AGR}/ram:SellerTradeParty"
table("BR-FR-11_BT-47", "broken", lambda d: (note(d, "BAR", "B2B"), remove(d, f"{BUYER}/ram:GlobalID"),
                                             remove(d, f"{BUYER}/ram:SpecifiedLegalOrganization")))
table("BR-FR-11_BT-47", "kept", lambda d: note(d, "BAR", "B2B"))
table("BR-FR-20_BT-21", "broken", lambda d: note(d, "BAR", "B2G"))
table("BR-FR-20_BT-21", "kept", lambda d: note(d, "BAR", "B2BINT"))
table("BR-FR-21_BT-49", "broken", lambda d: (note(d, "BAR", "B2B"), find(d, f"{BUYER}/ram:URIUniversalCommunication/ram:URIID").set("schemeID", "EM")))
table("BR-FR-21_BT-49", "kept", lambda d: note(d, "BAR", "B2B"))
table("BR-FR-22_BT-34", "broken", lambda d: (note(d, "BAR", "B2B"), set_text(d, f"{DOC}/ram:TypeCode", "389"),
                                             find(d, f"{SELLER}/ram:URIUniversalCommunication/ram:URIID").set("schemeID", "EM")))
table("BR-FR-22_BT-34", "kept", lambda d: (note(d, "BAR", "B2B"), set_text(d, f"{DOC}/ram:TypeCode", "389")))
table("BR-FR-31_BT-21", "broken", lambda d: (note(d, "BAR", "B2B"), note(d, "BAR", "B2C")))
table("BR-FR-31_BT-21", "kept", lambda d: note(d, "BAR", "B2C"))

# BR-FR-12/13: electronic addresses of buyer and seller present
table("BR-FR-12_BT-49", "broken", lambda d: remove(d, f"{BUYER}/ram:URIUniversalCommunication"))
table("BR-FR-13_BT-34", "broken", lambda d: remove(d, f"{SELLER}/ram:URIUniversalCommunication"))

# BR-FR-15/16: VAT categories and rates allowed in France
HTAX, LTAX = f"{SET}/ram:ApplicableTradeTax", f"{LINE1}/ram:SpecifiedLineTradeSettlement/ram:ApplicableTradeTax"
ACTAX = f"{SET}/ram:SpecifiedTradeAllowanceCharge/ram:CategoryTradeTax"
table("BR-FR-15_BT-95_BT-102", "broken", lambda d: (doc_allowance(d), set_text(d, f"{ACTAX}/ram:CategoryCode", "B")))
table("BR-FR-15_BT-95_BT-102", "kept", lambda d: doc_allowance(d))
table("BR-FR-15_BT-95_BT-102_LM", "broken", lambda d: (doc_allowance(d), set_text(d, f"{ACTAX}/ram:CategoryCode", "L")))
table("BR-FR-15_BT-95_BT-102_LM", "kept", lambda d: doc_allowance(d))
table("BR-FR-15_BT-95_BT-118", "broken", lambda d: set_text(d, f"{HTAX}/ram:CategoryCode", "B"))
table("BR-FR-15_BT-95_BT-118_LM", "broken", lambda d: set_text(d, f"{HTAX}/ram:CategoryCode", "M"))
table("BR-FR-15_BT-95_BT-151", "broken", lambda d: set_text(d, f"{LTAX}/ram:CategoryCode", "B"))
table("BR-FR-15_BT-95_BT-151_LM", "broken", lambda d: set_text(d, f"{LTAX}/ram:CategoryCode", "L"))
table("BR-FR-16_BT-96_BT-103", "broken", lambda d: doc_allowance(d, rate="19"))
table("BR-FR-16_BT-96_BT-103", "kept", lambda d: doc_allowance(d, rate="20.00"))
table("BR-FR-16_BT-119", "broken", lambda d: set_text(d, f"{HTAX}/ram:RateApplicablePercent", "19"))
table("BR-FR-16_BT-152", "broken", lambda d: set_text(d, f"{LTAX}/ram:RateApplicablePercent", "19.5"))

# BR-FR-17/18: attachment descriptions (BT-123)
table("BR-FR-17_BT-123", "broken", lambda d: attachment(d, "FACTURE_PDF"))
table("BR-FR-17_BT-123", "kept", lambda d: attachment(d, "BON_COMMANDE"))
table("BR-FR-18_BT-123", "broken", lambda d: (attachment(d, "LISIBLE", "PJ-01"), attachment(d, "LISIBLE", "PJ-02")))
table("BR-FR-18_BT-123", "kept", lambda d: (attachment(d, "LISIBLE", "PJ-01"), attachment(d, "RIB", "PJ-02")))

# BR-FR-24/26: private identifiers (GlobalID 0224) of seller and buyer
for who, bt in (("ram:SellerTradeParty", "BT-29"), ("ram:BuyerTradeParty", "BT-46")):
    path = f"{AGR}/{who}"
    table(f"BR-FR-24_{bt}", "broken", lambda d, p=path: add(d, p, el("ram:GlobalID", "CLIENT 0042", schemeID="0224")))
    table(f"BR-FR-24_{bt}", "kept", lambda d, p=path: add(d, p, el("ram:GlobalID", "CLIENT-0042.A_1", schemeID="0224")))
    table(f"BR-FR-26_{bt}", "broken", lambda d, p=path: add(d, p, el("ram:GlobalID", "ID-" + "9" * 98, schemeID="0224")))
    table(f"BR-FR-26_{bt}", "kept", lambda d, p=path: add(d, p, el("ram:GlobalID", "ID-" + "9" * 97, schemeID="0224")))

# BR-FR-27/28: item attributes (BG-32): a description or a type code, a value or a measure
table("BR-FR-27_BG-32", "broken", lambda d: characteristic(d, el("ram:Value", "Bleu")))
table("BR-FR-27_BG-32", "kept", lambda d: characteristic(d, el("ram:Description", "Couleur"), el("ram:Value", "Bleu")))
table("BR-FR-27_BT-160", "broken", lambda d: characteristic(d, el("ram:Description", "  "), el("ram:Value", "Bleu")))
table("BR-FR-27_BT-160", "kept", lambda d: characteristic(d, el("ram:Description", "Couleur"), el("ram:Value", "Bleu")))
table("BR-FR-27_EXT-FR-FE-159", "broken", lambda d: characteristic(
    d, el("ram:TypeCode", ""), el("ram:Description", "Couleur"), el("ram:Value", "Bleu")))
table("BR-FR-27_EXT-FR-FE-159", "kept", lambda d: characteristic(
    d, el("ram:TypeCode", "COULEUR"), el("ram:Description", "Couleur"), el("ram:Value", "Bleu")))
table("BR-FR-28-Value", "broken", lambda d: characteristic(
    d, el("ram:Description", "Durée"), el("ram:ValueMeasure", "10", unitCode="HUR"), el("ram:Value", "10 heures")))
table("BR-FR-28-Value", "kept", lambda d: characteristic(d, el("ram:Description", "Durée"), el("ram:Value", "10 heures")))

# BR-FR-29/30: invoiced-object references AFL/AVV (header BT-18, line BT-128)
table("BR-FR-29_BT-18", "broken", lambda d: (object_ref(d, AGR, "AFL", "SF-01"), object_ref(d, AGR, "AFL", "SF-02")))
table("BR-FR-29_BT-18", "kept", lambda d: (object_ref(d, AGR, "AFL", "SF-01"), object_ref(d, AGR, "AVV", "AV-01")))
for code in ("AFL", "AVV"):
    table(f"BR-FR-29_{code}", "broken", lambda d, c=code: object_ref(d, AGR, c, " "))
    table(f"BR-FR-29_{code}", "kept", lambda d, c=code: object_ref(d, AGR, c, "SF-01"))
# BR-FR-30's context (an AdditionalReferencedDocument directly under the line item) is
# not allowed by the CII XSD: these mutants are schema-invalid on purpose.
table("BR-FR-30_BT-128", "broken", lambda d: (object_ref(d, LINE1, "AFL", "SF-01"), object_ref(d, LINE1, "AFL", "SF-02")))
table("BR-FR-30_BT-128", "kept", lambda d: (object_ref(d, LINE1, "AFL", "SF-01"), object_ref(d, LINE1, "AVV", "AV-01")))
for code in ("AFL", "AVV"):
    table(f"BR-FR-30_{code}", "broken", lambda d, c=code: object_ref(d, LINE1, c, ""))
    table(f"BR-FR-30_{code}", "kept", lambda d, c=code: object_ref(d, LINE1, c, "SF-01"))

# BR-FR-32: SIREN-shaped identifiers (legal ID 0002, GlobalID 0002/0231) are 9 digits
def payee_short_siren(d):
    """A payee whose SIREN has 8 digits (and no SIRET, which BR-FR-09 would check)."""
    payee = party(d, SET, "ram:PayeeTradeParty")
    payee.remove(siret_of(payee))
    payee.find(f"{q('ram:SpecifiedLegalOrganization')}/{q('ram:ID')}").text = THIRD_SIREN[:8]


table("BR-FR-32-LEGALID", "broken", payee_short_siren)
table("BR-FR-32-GLOBALID", "broken", lambda d: add(d, SELLER, el("ram:GlobalID", "8324518760", schemeID="0002")))
table("BR-FR-32-GLOBALID", "kept", lambda d: add(d, SELLER, el("ram:GlobalID", SELLER_SIREN, schemeID="0002")))

# BR-FR-CO-03/04/05/07/08/09: type codes and billing frames with their conditions
CONTRACT = lambda d: add(d, AGR, el("ram:ContractReferencedDocument", None, el("ram:IssuerAssignedID", "CTR-2025-09")))
table("BR-FR-CO-03_BT-3", "broken", lambda d: (set_text(d, f"{DOC}/ram:TypeCode", "262"), CONTRACT(d)))
table("BR-FR-CO-03_BT-3", "kept", lambda d: (set_text(d, f"{DOC}/ram:TypeCode", "262"), CONTRACT(d), add(d, SET, period())))
table("BR-FR-CO-04_BT-4", "broken", lambda d: set_text(d, f"{DOC}/ram:TypeCode", "384"))
table("BR-FR-CO-04_BT-4", "kept", lambda d: (set_text(d, f"{DOC}/ram:TypeCode", "384"), add(d, SET, invoice_ref())))
table("BR-FR-CO-05_BT-3", "broken", lambda d: (set_text(d, f"{DOC}/ram:TypeCode", "381"), add(d, SET, invoice_ref(date=None))))
table("BR-FR-CO-05_BT-3", "kept", lambda d: (set_text(d, f"{DOC}/ram:TypeCode", "381"), add(d, SET, invoice_ref())))
DUE = f"{SET}/ram:SpecifiedTradePaymentTerms/ram:DueDateDateTime/udt:DateTimeString"
table("BR-FR-CO-07_BT-9", "broken", lambda d: set_text(d, DUE, "20260914"))
table("BR-FR-CO-07_BT-9", "kept", lambda d: set_text(d, DUE, "20260915"))
table("BR-FR-CO-08_BT-23", "broken", lambda d: (set_text(d, BT23, "B4"), set_text(d, f"{DOC}/ram:TypeCode", "386")))
table("BR-FR-CO-08_BT-23", "kept", lambda d: set_text(d, BT23, "S4"))


def paid(d, prepaid="1620.00", due="0.00", rounding=None):
    """Billing frame S2 (already paid): BT-113 = BT-112 and BT-115 = 0 expected."""
    set_text(d, BT23, "S2")
    set_text(d, f"{SUM}/ram:TotalPrepaidAmount", prepaid)
    if rounding is not None:
        set_text(d, f"{SUM}/ram:RoundingAmount", rounding)
    set_text(d, f"{SUM}/ram:DuePayableAmount", due)


table("BR-FR-CO-09_BT-23-1", "broken", lambda d: paid(d, prepaid="1619.99", rounding="-0.01"))
table("BR-FR-CO-09_BT-23-2", "broken", lambda d: paid(d, due="1620.00"))
table("BR-FR-CO-09_BT-23-3", "broken", lambda d: (paid(d), remove(d, f"{SET}/ram:SpecifiedTradePaymentTerms/ram:DueDateDateTime")))
for n in (1, 2, 3):
    table(f"BR-FR-CO-09_BT-23-{n}", "kept", paid)


# BR-FR-CO-12: invoices in another currency carry the VAT total in EUR (BT-6, BT-111)
def in_usd(d, accounting_eur=True):
    set_text(d, f"{SET}/ram:InvoiceCurrencyCode", "USD")
    find(d, f"{SUM}/ram:TaxTotalAmount").set("currencyID", "USD")
    if accounting_eur:
        set_text(d, f"{SET}/ram:TaxCurrencyCode", "EUR")
        add(d, SUM, el("ram:TaxTotalAmount", "231.43", currencyID="EUR"))


table("BR-FR-CO-12_BT-5", "broken", lambda d: in_usd(d, accounting_eur=False))
table("BR-FR-CO-12_BT-5", "kept", in_usd)


# BR-FR-CO-14/15: a VAT group member (GlobalID 0231) needs the TXD note and a tax representative
def vat_group(d, txd=True, representative=True):
    add(d, SELLER, el("ram:GlobalID", SELLER_SIREN, schemeID="0231"))
    if txd:
        note(d, "TXD", "MEMBRE_ASSUJETTI_UNIQUE")
    if representative:
        add(d, AGR, el("ram:SellerTaxRepresentativeTradeParty", None,
                       el("ram:Name", "Groupe Durand TVA"),
                       el("ram:PostalTradeAddress", None, el("ram:PostcodeCode", "69003"),
                          el("ram:LineOne", "3 place Guichard"), el("ram:CityName", "Lyon"),
                          el("ram:CountryID", "FR")),
                       el("ram:SpecifiedTaxRegistration", None, el("ram:ID", "FR62" + THIRD_SIREN, schemeID="VA"))))


table("BR-FR-CO-14_BT-29-1", "broken", lambda d: vat_group(d, txd=False))
table("BR-FR-CO-14_BT-29-1", "kept", vat_group)
table("BR-FR-CO-15_BT-29-1", "broken", lambda d: vat_group(d, representative=False))
table("BR-FR-CO-15_BT-29-1", "kept", vat_group)


# BR-FR-DEC-01..04: amount, quantity, price and rate formats. A trailing zero keeps the
# value (so EN 16931 totals still hold) but exceeds the allowed decimals.
def more_decimals(path, zeros="0"):
    return lambda d: setattr(find(d, path), "text", find(d, path).text + zeros)


HAC = f"{SET}/ram:SpecifiedTradeAllowanceCharge"
LAC = f"{LINE2}/ram:SpecifiedLineTradeSettlement/ram:SpecifiedTradeAllowanceCharge"
DEC01 = [  # (id, path, setup making the element exist or None)
    ("BT-92_BT-99", f"{HAC}/ram:ActualAmount", doc_allowance),
    ("BT-93_BT-100", f"{HAC}/ram:BasisAmount", lambda d: doc_allowance(d, "135.00", basis="1350.00")),
    ("BT-106", f"{SUM}/ram:LineTotalAmount", None),
    ("BT-107", f"{SUM}/ram:AllowanceTotalAmount", doc_allowance),
    ("BT-108", f"{SUM}/ram:ChargeTotalAmount", lambda d: set_text(d, f"{SUM}/ram:ChargeTotalAmount", "0.00")),
    ("BT-109", f"{SUM}/ram:TaxBasisTotalAmount", None),
    ("BT-110", f"{SUM}/ram:TaxTotalAmount", None),
    ("BT-112", f"{SUM}/ram:GrandTotalAmount", None),
    ("BT-113", f"{SUM}/ram:TotalPrepaidAmount", lambda d: (set_text(d, f"{SUM}/ram:TotalPrepaidAmount", "620.00"),
                                                          set_text(d, f"{SUM}/ram:DuePayableAmount", "1000.00"))),
    ("BT-114", f"{SUM}/ram:RoundingAmount", lambda d: set_text(d, f"{SUM}/ram:RoundingAmount", "0.00")),
    ("BT-115", f"{SUM}/ram:DuePayableAmount", None),
    ("BT-116", f"{HTAX}/ram:BasisAmount", None),
    ("BT-117", f"{HTAX}/ram:CalculatedAmount", None),
    ("BT-131", f"{LINE1}/ram:SpecifiedLineTradeSettlement/ram:SpecifiedTradeSettlementLineMonetarySummation/ram:LineTotalAmount", None),
    ("BT-136_BT-141", f"{LAC}/ram:ActualAmount", line_allowance),
    ("BT-137_BT-142", f"{LAC}/ram:BasisAmount", line_allowance),
]
for bt, path, setup in DEC01:
    rid = f"BR-FR-DEC-01_{bt}"
    table(rid, "broken", lambda d, p=path, s=setup: (s and s(d), more_decimals(p)(d)))
    if setup:
        table(rid, "kept", setup)
BILLED = f"{LINE1}/ram:SpecifiedLineTradeDelivery/ram:BilledQuantity"
NET = f"{LINE1}/ram:SpecifiedLineTradeAgreement/ram:NetPriceProductTradePrice"
GROSS = f"{LINE1}/ram:SpecifiedLineTradeAgreement/ram:GrossPriceProductTradePrice"
table("BR-FR-DEC-02_BT-129", "broken", lambda d: set_text(d, BILLED, "10.00000"))
BASISQ = lambda q_: (lambda d: add(d, NET, el("ram:BasisQuantity", q_, unitCode="HUR")))
table("BR-FR-DEC-02_BT-149", "broken", BASISQ("1.00000"))
table("BR-FR-DEC-02_BT-149", "kept", BASISQ("1.0000"))
table("BR-FR-DEC-03_BT-146", "broken", more_decimals(f"{NET}/ram:ChargeAmount", "00000"))
table("BR-FR-DEC-03_BT-147", "broken", lambda d: (gross_price(d), more_decimals(
    f"{GROSS}/ram:AppliedTradeAllowanceCharge/ram:ActualAmount", "00000")(d)))
table("BR-FR-DEC-03_BT-147", "kept", gross_price)
table("BR-FR-DEC-03_BT-148", "broken", lambda d: (gross_price(d), set_text(d, f"{GROSS}/ram:ChargeAmount", "-130.00")))
table("BR-FR-DEC-03_BT-148", "kept", gross_price)
table("BR-FR-DEC-04_BT-96_BT-103", "broken", lambda d: doc_allowance(d, rate="20.000"))
table("BR-FR-DEC-04_BT-96_BT-103", "kept", lambda d: doc_allowance(d, rate="20.0"))
table("BR-FR-DEC-04_BT-119", "broken", lambda d: set_text(d, f"{HTAX}/ram:RateApplicablePercent", "-20"))
table("BR-FR-DEC-04_BT-152", "broken", lambda d: set_text(d, f"{LTAX}/ram:RateApplicablePercent", "20.000"))

# BR-FR-MV-*: multi-vendor invoices (BT-23 S8/B8/M8); BR-FR-BD-*: bidirectional (S9/B9/M9).
# Each kept file is the plain variant; each broken one changes one thing in it.
GROUP_SET = f"{GROUP}/ram:SpecifiedLineTradeSettlement"
GROUP_SUM = f"{GROUP_SET}/ram:SpecifiedTradeSettlementLineMonetarySummation"
GROUP_SELLER = f"{GROUP}/ram:SpecifiedLineTradeAgreement/ram:ItemSellerTradeParty"
DETAIL_SET = f"{DETAIL}/ram:SpecifiedLineTradeSettlement"
MV = multi_vendor
MV_MUTANTS = {
    "BR-FR-MV-01_EXT-FR-FE-163": lambda d: set_text(d, f"{DETAIL}/ram:AssociatedDocumentLineDocument/ram:LineStatusReasonCode", " "),
    "BR-FR-MV-02_EXT-FR-FE-163": lambda d: set_text(d, f"{GROUP}/ram:AssociatedDocumentLineDocument/ram:LineStatusReasonCode", "DETAIL"),
    "BR-FR-MV-03_EXT-FR-FE-164": lambda d: remove(d, f"{GROUP_SELLER}/ram:Name"),
    "BR-FR-MV-03_EXT-FR-FE-167": lambda d: remove(d, f"{GROUP_SELLER}/ram:SpecifiedLegalOrganization"),
    "BR-FR-MV-03_EXT-FR-FE-177": lambda d: remove(d, f"{GROUP_SELLER}/ram:PostalTradeAddress"),
    "BR-FR-MV-03_EXT-FR-FE-181": lambda d: find(d, f"{GROUP_SUM}/ram:TaxTotalAmount").set("currencyID", "USD"),
    "BR-FR-MV-03_EXT-FR-FE-182": lambda d: set_text(d, f"{SET}/ram:TaxCurrencyCode", "USD"),
    "BR-FR-MV-03_BT-128_AFL": lambda d: set_text(d, f"{GROUP_SET}/ram:AdditionalReferencedDocument/ram:TypeCode", "916"),
    "BR-FR-MV-03_BT-128_AVV": lambda d: object_ref(d, GROUP_SET, "AVV", "M8"),
    "BR-FR-MV-05_EXT-FR-FE-BG-12": lambda d: set_text(d, f"{GROUP_SUM}/ram:LineTotalAmount", "1300.00"),
    "BR-FR-MV-06_EXT-FR-FE-167": lambda d: set_text(
        d, f"{DETAIL}/ram:SpecifiedLineTradeAgreement/ram:ItemSellerTradeParty/ram:SpecifiedLegalOrganization/ram:ID", OTHER_SIREN),
    "BR-FR-MV-07_BT-128": lambda d: (  # the detail line names another sub-invoice than its group
        set_text(d, f"{DETAIL_SET}/ram:AdditionalReferencedDocument/ram:IssuerAssignedID", "V908-2026-119"),
        set_text(d, f"{DETAIL_SET}/ram:ApplicableTradeTax/ram:ExemptionReason", "#V908-2026-119#TVA 20 %")),
    "BR-FR-MV-08_BT-128": lambda d: set_text(d, f"{DETAIL_SET}/ram:ApplicableTradeTax/ram:ExemptionReason", "TVA 20 %"),
    "BR-FR-MV-09_EXT-FR-FE-181": lambda d: set_text(d, f"{GROUP_SUM}/ram:TaxTotalAmount", "260.00"),
    "BR-FR-MV-10_EXT-FR-FE-184": lambda d: add(d, GROUP_SUM, el("ram:GrandTotalAmount", "1600.00")),
    "BR-FR-MV-12_BT-128": lambda d: find(d, TX).insert(3, group_line(
        d, "4", OTHER_SIREN, "V908-2026-118", "Autre sous-facture", "0.00", "270.00", exemption=False)),
    "BR-FR-MV-13_BT-3": lambda d: set_text(d, f"{DOC}/ram:TypeCode", "389"),
    "BR-FR-MV-14-EXT-FR-FE-136": lambda d: (set_text(d, f"{DOC}/ram:TypeCode", "384"), add(d, SET, invoice_ref()),
                                            add(d, GROUP_SET, date_only_ref())),
    "BR-FR-MV-14-EXT-FR-FE-138": lambda d: (set_text(d, f"{DOC}/ram:TypeCode", "384"), add(d, SET, invoice_ref()),
                                            add(d, GROUP_SET, invoice_ref(date=None))),
}
MV_KEPT = {
    "BR-FR-MV-10_EXT-FR-FE-184": lambda d: add(d, GROUP_SUM, el("ram:GrandTotalAmount", "1620.00")),
    "BR-FR-MV-03_EXT-FR-FE-182": lambda d: (set_text(d, f"{SET}/ram:TaxCurrencyCode", "EUR")),
    "BR-FR-MV-03_BT-128_AVV": lambda d: object_ref(d, GROUP_SET, "AVV", "CONTRAT-2026-7"),
    "BR-FR-MV-14-EXT-FR-FE-136": lambda d: (set_text(d, f"{DOC}/ram:TypeCode", "384"), add(d, GROUP_SET, invoice_ref()),
                                            add(d, SET, invoice_ref())),
    "BR-FR-MV-14-EXT-FR-FE-138": lambda d: (set_text(d, f"{DOC}/ram:TypeCode", "384"), add(d, GROUP_SET, invoice_ref()),
                                            add(d, SET, invoice_ref())),
}
for rid, fn in MV_MUTANTS.items():
    table(rid, "broken", lambda d, fn=fn: (MV(d), fn(d)))
    table(rid, "kept", lambda d, k=MV_KEPT.get(rid): (MV(d), k and k(d)))
# BR-FR-MV-11: a sub-invoice of the seller itself must carry the invoice number
table("BR-FR-MV-11_BT-128", "broken", lambda d: MV(d, item_seller=SELLER_SIREN))
table("BR-FR-MV-11_BT-128", "kept", lambda d: MV(d, item_seller=SELLER_SIREN, subinvoice=INVOICE_ID))
BD = bidirectional
BD_MUTANTS = {
    "BR-FR-BD-02_EXT-FR-FE-163": lambda d: find(d, TX).insert(4, group_line(
        d, "5", OTHER_SIREN, "VO-2026-001", "Sous-facture tierce", "0.00", "0.00", exemption=False)),
    "BR-FR-BD-02_BT-31": lambda d: [setattr(e, "text", THIRD_SIREN) for e in d.xpath(
        f"{LINES}[ram:AssociatedDocumentLineDocument[ram:LineID='1' or ram:ParentLineID='1']]/ram:SpecifiedLineTradeAgreement/"
        "ram:ItemSellerTradeParty/ram:SpecifiedLegalOrganization/ram:ID", namespaces=NS)],
    "BR-FR-BD-02_BT-47": lambda d: set_text(
        d, f"{LINES}[ram:AssociatedDocumentLineDocument/ram:LineID='4']/ram:SpecifiedLineTradeAgreement/"
        "ram:ItemSellerTradeParty/ram:SpecifiedLegalOrganization/ram:ID", THIRD_SIREN),
    "BR-FR-BD-13_BT-3": lambda d: set_text(d, f"{DOC}/ram:TypeCode", "380"),
    "BR-FR-BD-14-EXT-FR-FE-136": lambda d: (set_text(d, f"{DOC}/ram:TypeCode", "261"), add(d, SET, invoice_ref()),
                                            [add(d, f"{LINES}[ram:AssociatedDocumentLineDocument/ram:LineID='{i}']/ram:SpecifiedLineTradeSettlement",
                                                 date_only_ref()) for i in ("1", "4")]),
    "BR-FR-BD-14-EXT-FR-FE-138": lambda d: (set_text(d, f"{DOC}/ram:TypeCode", "261"), add(d, SET, invoice_ref()),
                                            [add(d, f"{LINES}[ram:AssociatedDocumentLineDocument/ram:LineID='{i}']/ram:SpecifiedLineTradeSettlement",
                                                 invoice_ref(date=None)) for i in ("1", "4")]),
}
for rid, fn in BD_MUTANTS.items():
    table(rid, "broken", lambda d, fn=fn: (BD(d), fn(d)))
    if rid.startswith("BR-FR-BD-14"):
        table(rid, "kept", lambda d: (BD(d), set_text(d, f"{DOC}/ram:TypeCode", "261"), [
            add(d, f"{LINES}[ram:AssociatedDocumentLineDocument/ram:LineID='{i}']/ram:SpecifiedLineTradeSettlement",
                invoice_ref()) for i in ("1", "4")], add(d, SET, invoice_ref())))
    else:
        table(rid, "kept", BD)
table("BR-FR-DEC-03_BT-146", "kept", lambda d: (BD(d), set_text(
    d, f"{LINES}[ram:AssociatedDocumentLineDocument/ram:LineID='4']/ram:SpecifiedLineTradeAgreement/"
    "ram:NetPriceProductTradePrice/ram:ChargeAmount", "-0.000001")))

SKIPPED = {
    "BR-FR-DEC-01_BT-111": "same rule context as BR-FR-DEC-01_BT-110 in the same pattern: unreachable",
}


# ---------------------------------------------------------------------------
# Running it
# ---------------------------------------------------------------------------

def write_corpus(outdir, bases, mutants, check, failed, schema=None, notes=None,
                 kept_findings="fatal findings", rule_in_warnings=False):
    """Writes a corpus into outdir and returns what the summary needs; shared by the three
    generators (this one, france-rfe-ctc-mutants.py and en16931-mutants.py).

    - bases: {key: document}, written first as base.xml (key "base") or base-<key>.xml;
    - mutants: MUTANTS rows (rule, kind, fn, variant, base key, also): fn applied to a copy
      of that base, written as <rule>[.<variant>].<kind>.xml;
    - each file's manifest entry: file, rule, kind, then notes[file] as "note" where there is
      one, then check(data) (the oracle's verdict, with "expect": its fatal ids) or, when
      check raises, failed plus "error", then "xsd_valid" against schema unless None;
    - manifest.json: the entries, in writing order.

    It warns on stderr for each mutation that raises, each oracle error, each broken file
    whose rule is not in its "expect" (or its "warnings" too, with rule_in_warnings) and
    each kept file with an "expect" id not in its row's also ("kept file has
    <kept_findings> [...]"). It returns a namespace: manifest, warnings (their number),
    broken (the rules with a broken file that fires them), alone (those among them with
    such a file that has no other "expect" id) and kept (the rules with a kept file with
    an empty "expect" and no error)."""
    os.makedirs(outdir, exist_ok=True)
    manifest, warnings = [], 0

    def write(name, rule, kind, doc):
        data = etree.tostring(doc, xml_declaration=True, encoding="UTF-8", pretty_print=True)
        with open(os.path.join(outdir, name), "wb") as f:
            f.write(data)
        entry = {"file": name, "rule": rule, "kind": kind}
        if notes and name in notes:
            entry["note"] = notes[name]
        try:
            entry.update(check(data))
        except Exception as err:  # saxon errors: say so in the manifest, go on
            entry.update(failed, error=str(err))
        if schema is not None:
            entry["xsd_valid"] = schema.validate(etree.fromstring(data))
        manifest.append(entry)
        return entry

    def found(entry):
        return entry["expect"] + entry["warnings"] if rule_in_warnings else entry["expect"]

    for key, doc in bases.items():
        write("base.xml" if key == "base" else f"base-{key}.xml", None, "base", doc)
    for rule, kind, fn, variant, base, also in mutants:
        name = f"{rule}.{variant}.{kind}.xml" if variant else f"{rule}.{kind}.xml"
        doc = copy.deepcopy(bases[base])
        try:
            fn(doc)
        except Exception as err:  # a mutation that does not apply is a bug here: say so
            print(f"warning: {name}: mutation failed: {err!r}", file=sys.stderr)
            warnings += 1
            continue
        entry = write(name, rule, kind, doc)
        if "error" in entry:
            print(f"warning: {name}: oracle error: {entry['error']}", file=sys.stderr)
            warnings += 1
        elif kind == "broken" and rule not in found(entry):
            print(f"warning: {name}: target rule not reported (got {found(entry)})", file=sys.stderr)
            warnings += 1
        elif kind == "kept" and set(entry["expect"]) - set(also):
            print(f"warning: {name}: kept file has {kept_findings} {entry['expect']}", file=sys.stderr)
            warnings += 1

    with open(os.path.join(outdir, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1, ensure_ascii=False)
        f.write("\n")

    fires = [e for e in manifest if e["kind"] == "broken" and e["rule"] in found(e)]
    return types.SimpleNamespace(
        manifest=manifest, warnings=warnings, broken={e["rule"] for e in fires},
        alone={e["rule"] for e in fires if set(e["expect"]) <= {e["rule"]}},
        kept={e["rule"] for e in manifest if e["kind"] == "kept" and not e["expect"] and "error" not in e})


def schematron_ids(oracle_base):
    """Every assert/report id of the EN16931 BR-FR fatal schematron, in file order."""
    sch = etree.parse(os.path.join(oracle_base, BR_FR_SCH))
    return [a.get("id") for a in sch.iter(f"{SCH_NS}assert", f"{SCH_NS}report")]


def main(argv):
    global ORDER
    if len(argv) != 2:
        print(f"usage: {argv[0]} OUTDIR", file=sys.stderr)
        return 2
    started = time.monotonic()
    outdir = argv[1]
    module = load_oracle_module()
    try:
        oracle = module.Oracle(with_en16931=True)
    except FileNotFoundError as err:
        print(err, file=sys.stderr)
        return 2
    ORDER = XsdOrder(os.path.join(oracle.base, XSD_DIR))
    schema = etree.XMLSchema(etree.parse(os.path.join(oracle.base, XSD_DIR, "CrossIndustryInvoice_100pD22B.xsd")))
    # Blank text dropped so that pretty_print also indents the inserted elements.
    base = etree.fromstring(BASE_XML.encode("utf-8"), etree.XMLParser(remove_blank_text=True))

    def check(data):
        report = oracle.check_xml(data)
        fatal = lambda findings: sorted({f["id"] for f in findings if f["flag"] == "fatal"})
        return {"expect": fatal(report["findings"]), "en16931_fatal": fatal(report["en16931_findings"])}

    corpus = write_corpus(outdir, {"base": base}, MUTANTS, check, {"expect": [], "en16931_fatal": []},
                          schema, kept_findings="BR-FR findings")
    ids = schematron_ids(oracle.base)
    missing = [i for i in ids if i not in corpus.broken and i not in SKIPPED]
    print(f"{len(ids)} BR-FR rule ids; broken mutants firing their rule: {len(corpus.broken)} "
          f"(alone: {len(corpus.alone)}); clean kept mutants: {len(corpus.kept)}; skipped: {len(SKIPPED)}; "
          f"without a firing mutant: {missing}; warnings: {corpus.warnings}; "
          f"{len(corpus.manifest)} files in {time.monotonic() - started:.1f}s", file=sys.stderr)
    base_entry = corpus.manifest[0]
    if base_entry["expect"] or base_entry["en16931_fatal"] or "error" in base_entry:
        print(f"error: base.xml is not clean: BR-FR {base_entry['expect']}, "
              f"EN 16931 {base_entry['en16931_fatal']} {base_entry.get('error', '')}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
