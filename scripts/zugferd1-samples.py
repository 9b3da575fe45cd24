"""ZUGFeRD 1.0 invoices for the facturx-svc tests, judged by the ZUGFeRD 1.0 XSD.

Usage: zugferd1-samples.py OUTDIR

ZUGFeRD 1.0 (FeRD, 2014: root rsm:CrossIndustryDocument, guideline ids
urn:ferd:CrossIndustryDocument:invoice:1p0:basic|comfort|extended) is what
German suppliers sent before Factur-X; the corpus holds none, so this script
makes them: for each level an invoice built with PyPI drafthorse 1.0.1 (the
library's ZUGFeRD 1.0 model and serializer), with an address, a line and
totals added, and small broken variants of it (a required element removed,
an element the XSD does not know, two elements out of order, a decimal that
is not one, an attribute the type does not have).

Writes the XML files and manifest.json: [{"file", "level", "kind", "xsd_valid",
"xsd_errors"}], where xsd_valid is the verdict of lxml's XML Schema validator on
the ZUGFeRD 1.0 XSD that drafthorse ships: the oracle, not this script's guess.
Runs with the Python of scripts/facturx-oracle-env (drafthorse is installed there
without its dependencies: only its model and schemas are used).
"""

import copy
import json
import os
import sys
from datetime import date
from importlib.util import find_spec

from drafthorse.models.document import Document
from lxml import etree

RSM = "urn:ferd:CrossIndustryDocument:invoice:1p0"
RAM = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:12"
UDT = "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:15"
NS = {"rsm": RSM, "ram": RAM, "udt": UDT}
LEVELS = ["basic", "comfort", "extended"]


def schema():
    folder = os.path.join(os.path.dirname(find_spec("drafthorse").origin), "schema")
    return etree.XMLSchema(etree.parse(os.path.join(folder, "ZUGFeRD1p0.xsd")))


def ram(name, text=None, **attributes):
    element = etree.Element(f"{{{RAM}}}{name}", **attributes)
    element.text = text
    return element


def base(level):
    """An invoice of `level`: drafthorse's header and parties, then by hand
    what its 1.0.1 model makes tedious (address, line, totals)."""
    document = Document()
    document.context.guideline_parameter.id = f"urn:ferd:CrossIndustryDocument:invoice:1p0:{level}"
    document.header.id = f"ZF1-{level.upper()}-1"
    document.header.name = "RECHNUNG"
    document.header.type_code = "380"
    document.header.issue_date_time.value = date(2026, 11, 20)
    document.trade.agreement.seller.name = "Lieferant GmbH"
    document.trade.agreement.buyer.name = "Client SARL"
    document.trade.settlement.currency_code = "EUR"
    tree = etree.fromstring(document.serialize())
    seller = tree.find(".//ram:SellerTradeParty", NS)
    address = ram("PostalTradeAddress")
    address.extend([ram("PostcodeCode", "10115"), ram("LineOne", "Hauptstr. 1"), ram("CityName", "Berlin"), ram("CountryID", "DE")])
    seller.append(address)
    summation = tree.find(".//ram:SpecifiedTradeSettlementMonetarySummation", NS)
    for name, value in [
        ("LineTotalAmount", "100.00"),
        ("ChargeTotalAmount", "0.00"),
        ("AllowanceTotalAmount", "0.00"),
        ("TaxBasisTotalAmount", "100.00"),
        ("TaxTotalAmount", "19.00"),
        ("GrandTotalAmount", "119.00"),
        ("DuePayableAmount", "119.00"),
    ]:
        summation.append(ram(name, value, currencyID="EUR"))
    item = ram("IncludedSupplyChainTradeLineItem")
    line_document = ram("AssociatedDocumentLineDocument")
    line_document.append(ram("LineID", "1"))
    delivery = ram("SpecifiedSupplyChainTradeDelivery")
    delivery.append(ram("BilledQuantity", "2", unitCode="C62"))
    product = ram("SpecifiedTradeProduct")
    product.append(ram("Name", "Wartung"))
    item.extend([line_document, delivery, product])
    tree.find("rsm:SpecifiedSupplyChainTradeTransaction", NS).append(item)
    return tree


def without(path):
    def mutate(tree):
        node = tree.find(path, NS)
        node.getparent().remove(node)

    return mutate


def unknown_element(tree):
    tree.find("rsm:HeaderExchangedDocument", NS).append(ram("FavouriteColour", "blue"))


def out_of_order(tree):
    header = tree.find("rsm:HeaderExchangedDocument", NS)
    first = header.find("ram:ID", NS)
    header.remove(first)
    header.append(first)


def not_a_decimal(tree):
    tree.find(".//ram:GrandTotalAmount", NS).text = "119,00"


def foreign_attribute(tree):
    tree.find(".//ram:SellerTradeParty/ram:Name", NS).set("colour", "blue")


MUTANTS = {
    "no-header-id": without("rsm:HeaderExchangedDocument/ram:ID"),
    "no-seller": without(".//ram:SellerTradeParty"),
    "no-line-id": without(".//ram:AssociatedDocumentLineDocument/ram:LineID"),
    "unknown-element": unknown_element,
    "out-of-order": out_of_order,
    "not-a-decimal": not_a_decimal,
    "foreign-attribute": foreign_attribute,
}


def main(out):
    xsd = schema()
    manifest = []
    os.makedirs(out, exist_ok=True)
    for level in LEVELS:
        variants = [("valid", base(level))]
        for name, mutate in MUTANTS.items():
            tree = copy.deepcopy(variants[0][1])
            mutate(tree)
            variants.append((name, tree))
        for kind, tree in variants:
            path = os.path.join(out, f"zugferd1-{level}-{kind}.xml")
            with open(path, "wb") as f:
                f.write(etree.tostring(tree, xml_declaration=True, encoding="UTF-8"))
            valid = xsd.validate(tree)
            errors = [str(error.message) for error in xsd.error_log] if not valid else []
            manifest.append({"file": path, "level": level, "kind": kind, "xsd_valid": valid, "xsd_errors": errors})
    with open(os.path.join(out, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)
    if not all(entry["xsd_valid"] for entry in manifest if entry["kind"] == "valid"):
        sys.exit("a base invoice is not valid against the ZUGFeRD 1.0 XSD: " + json.dumps(manifest))


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(f"usage: {sys.argv[0]} OUTDIR")
    main(sys.argv[1])
