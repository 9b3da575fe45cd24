"""The official French e-invoicing (BR-FR) checks, as the facturx-svc tests use them.

Reads file paths on stdin, one per line: a CII XML invoice, or a PDF with an embedded
Factur-X XML (extracted with the PyPI `factur-x` package). For each, prints one JSON
line, flushed:

    {"file": path, "rule_set": "EN16931" | "EXTENDED-CTC-FR",
     "findings": [{"id": "BR-FR-05_BT-22_PMT", "flag": "fatal", "location": "/Q{...}..."}],
     "en16931_findings": [...],            # only with --with-en16931
     "warning_version_findings": [...],    # only with --with-warning-version
     "error": "..."}                        # only when the file could not be checked

The findings are every svrl:failed-assert and svrl:successful-report of the FNFE-MPE
France_RFE v1.4.0 BR-FR "fatal" schematron (compiled XSLT, run by saxonche); a missing
flag counts as fatal. The rule set follows the invoice's guideline id (BT-24): one that
contains "extended-ctc-fr" uses the CII/EXTENDED-CTC-FR folder, anything else
CII/EN16931. With --with-en16931 the profile's business rules run too, under
"en16931_findings": EN 16931's (CII/EN16931/2xslt/EN16931-CII-validation.xslt), or for
EXTENDED-CTC-FR that profile's own (CII/EXTENDED-CTC-FR/2xslt/EXTENDED-CTC-FR-CII.xslt,
the EN 16931 rules as the profile changes them). With --with-warning-version the BR-FR
rules' official "warning" version (the _WARNING stylesheet beside the fatal one) runs
too, under "warning_version_findings".

The artefacts are read from $FRANCE_RFE_DIR, else from shared/oracles/france-rfe beside
the repository (../shared relative to the repository root). Each stylesheet is compiled
once per process. A file that cannot be read, extracted or parsed, or that is not a CII
CrossIndustryInvoice, gives {"file", "error"} and the script goes on.

Other scripts reuse this module (importlib, the file name has dashes): `Oracle` checks
XML bytes, `Oracle.check_path` a file, `Oracle.run_stylesheets` runs given stylesheets
of the oracles folder whatever the guideline id (optionally with each finding's text).

Runs with the virtual environment that has saxonche, lxml and factur-x
($FACTURX_ORACLE_PYTHON in the tests).
"""

import json
import logging
import os
import re
import sys

from lxml import etree
from saxonche import PySaxonProcessor

SVRL = "{http://purl.oclc.org/dsdl/svrl}"
RSM = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
RAM = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
NS = {"rsm": RSM, "ram": RAM}
GUIDELINE = "rsm:ExchangedDocumentContext/ram:GuidelineSpecifiedDocumentContextParameter/ram:ID"

# rule set -> the BR-FR fatal stylesheet, relative to the oracles folder
BR_FR_XSLT = {
    "EN16931": "CII/EN16931/2xslt/BR-FR-Flux2-Schematron-CII.xslt",
    "EXTENDED-CTC-FR": "CII/EXTENDED-CTC-FR/2xslt/BR-FR-Flux2-Schematron-CII.xslt",
}
# rule set -> the BR-FR rules in their "warning" version (most rules only warn)
BR_FR_WARNING_XSLT = {
    rule_set: path.replace(".xslt", "_WARNING.xslt") for rule_set, path in BR_FR_XSLT.items()
}
# rule set -> the profile's own business rules (EN 16931, or EXTENDED-CTC-FR's)
PROFILE_XSLT = {
    "EN16931": "CII/EN16931/2xslt/EN16931-CII-validation.xslt",
    "EXTENDED-CTC-FR": "CII/EXTENDED-CTC-FR/2xslt/EXTENDED-CTC-FR-CII.xslt",
}


def oracle_dir():
    """$FRANCE_RFE_DIR, else <repository>/../shared/oracles/france-rfe."""
    if os.environ.get("FRANCE_RFE_DIR"):
        return os.environ["FRANCE_RFE_DIR"]
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    return os.path.join(os.path.dirname(repo), "shared", "oracles", "france-rfe")


def rule_set_of(tree):
    """EXTENDED-CTC-FR when the guideline id (BT-24) names that profile, else EN16931."""
    guideline = " ".join(tree.xpath(GUIDELINE + "/text()", namespaces=NS))
    return "EXTENDED-CTC-FR" if "extended-ctc-fr" in guideline.lower() else "EN16931"


# Two asserts of EXTENDED-CTC-FR-CII have no id; their message starts with it ("[BR-CO-27]").
MESSAGE_TAG = re.compile(r"^\[([A-Za-z0-9-]+)\]")


def svrl_findings(svrl_text, with_text=False):
    """Failed asserts and successful reports of an SVRL report, in document order; with
    with_text, each also has its message ("text", whitespace collapsed). An assert
    without an id is named by the [ID] tag its message starts with, if any."""
    svrl = etree.fromstring(svrl_text.encode("utf-8"))
    findings = []
    for item in svrl.iter(f"{SVRL}failed-assert", f"{SVRL}successful-report"):
        message = " ".join("".join(item.itertext()).split()) if with_text or not item.get("id") else ""
        tag = MESSAGE_TAG.match(message)
        finding = {
            "id": item.get("id") or (tag.group(1) if tag else ""),
            "flag": item.get("flag") or "fatal",
            "location": item.get("location") or "",
        }
        if with_text:
            finding["text"] = message
        findings.append(finding)
    return findings


class Oracle:
    """Runs the compiled schematrons on CII XML; each stylesheet is compiled once."""

    def __init__(self, base=None, with_en16931=False, with_warning_version=False):
        self.base = base or oracle_dir()
        self.with_en16931 = with_en16931
        self.with_warning_version = with_warning_version
        self.saxon = PySaxonProcessor(license=False)
        self.xslt = self.saxon.new_xslt30_processor()
        self.compiled = {}
        needed = (
            list(BR_FR_XSLT.values())
            + (list(PROFILE_XSLT.values()) if with_en16931 else [])
            + (list(BR_FR_WARNING_XSLT.values()) if with_warning_version else [])
        )
        missing = [p for p in needed if not os.path.isfile(os.path.join(self.base, p))]
        if missing:  # a configuration error, not a property of some file: fail early
            raise FileNotFoundError(f"oracle stylesheets not found in {self.base}: {missing}")

    def _run(self, relpath, node, with_text=False):
        if relpath not in self.compiled:
            path = os.path.join(self.base, relpath)
            self.compiled[relpath] = self.xslt.compile_stylesheet(stylesheet_file=path)
        return svrl_findings(self.compiled[relpath].transform_to_string(xdm_node=node), with_text)

    def run_stylesheets(self, xml, relpaths, with_text=False):
        """XML bytes -> {relpath: findings} for the given stylesheets of the oracles folder
        (paths relative to it), whatever the guideline id; each compiled once per process.
        Raises ValueError when the bytes are not well-formed XML."""
        try:
            tree = etree.fromstring(xml, etree.XMLParser(resolve_entities=False, no_network=True))
        except etree.XMLSyntaxError as err:
            raise ValueError(f"parse: {err}") from None
        node = self.saxon.parse_xml(xml_text=etree.tostring(tree, encoding="unicode"))
        return {relpath: self._run(relpath, node, with_text) for relpath in relpaths}

    def check_xml(self, xml):
        """XML bytes -> {"rule_set", "findings"[, "en16931_findings"]}; raises ValueError
        when the bytes are not a well-formed CII CrossIndustryInvoice."""
        try:
            tree = etree.fromstring(xml, etree.XMLParser(resolve_entities=False, no_network=True))
        except etree.XMLSyntaxError as err:
            raise ValueError(f"parse: {err}") from None
        if tree.tag != f"{{{RSM}}}CrossIndustryInvoice":
            raise ValueError(f"not a CII CrossIndustryInvoice: root is {tree.tag}")
        rule_set = rule_set_of(tree)
        # Re-serialised by lxml so that saxon gets text whatever the declared encoding.
        node = self.saxon.parse_xml(xml_text=etree.tostring(tree, encoding="unicode"))
        report = {"rule_set": rule_set, "findings": self._run(BR_FR_XSLT[rule_set], node)}
        if self.with_en16931:
            report["en16931_findings"] = self._run(PROFILE_XSLT[rule_set], node)
        if self.with_warning_version:
            report["warning_version_findings"] = self._run(BR_FR_WARNING_XSLT[rule_set], node)
        return report

    def check_path(self, path):
        """A file path (CII XML or Factur-X PDF) -> the JSON-able report of one file."""
        report = {"file": path}
        try:
            with open(path, "rb") as f:
                data = f.read()
        except OSError as err:
            return {**report, "error": f"read: {err}"}
        if data.startswith(b"%PDF"):
            import facturx  # imported here: XML-only callers do not need it

            try:
                _name, xml = facturx.get_xml_from_pdf(data, check_xsd=False)
            except Exception as err:  # the package raises bare Exceptions
                return {**report, "error": f"extract: {err}"}
            if not xml:
                return {**report, "error": "no embedded XML"}
        else:
            xml = data
        try:
            return {**report, **self.check_xml(xml)}
        except ValueError as err:
            return {**report, "error": str(err)}
        except Exception as err:  # saxon errors: report them, go on with the next file
            return {**report, "error": f"schematron: {err}"}


def main(argv):
    args = argv[1:]
    unknown = [a for a in args if a not in ("--with-en16931", "--with-warning-version")]
    if unknown:
        sys.exit(
            f"usage: {argv[0]} [--with-en16931] [--with-warning-version] < paths  (unknown: {' '.join(unknown)})"
        )
    logging.disable(logging.CRITICAL)  # the factur-x package logs to stderr
    try:
        oracle = Oracle(
            with_en16931="--with-en16931" in args, with_warning_version="--with-warning-version" in args
        )
    except FileNotFoundError as err:
        sys.exit(str(err))
    for line in sys.stdin:
        path = line.strip()
        if path:
            print(json.dumps(oracle.check_path(path)), flush=True)


if __name__ == "__main__":
    main(sys.argv)
