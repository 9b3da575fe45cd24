"""Derives facturx-svc/src/rules/france/rules.txt from the FNFE-MPE France_RFE schematron.

Reads BR-FR-Flux2-Schematron-CII.sch (the French rules, BR-FR Flux 2, for
CII; France_RFE v1.4.0 in ../shared/oracles/france-rfe) and its "warning"
version beside it (_WARNING.sch: the same rules, most of them as warnings,
for the transition FNFE-MPE allows), and writes, for each assertion, its id,
its severity in each version, pattern and context as facts, with the check it
makes when the check has one of the shapes below; any other check is written
as `custom` and is implemented by name in facturx-svc/src/rules/france/mod.rs
(the billing frames' cross-line rules, BR-FR-MV and BR-FR-BD, in frames.rs),
which refuses to start without it (a unit test loads the table). So a new
France_RFE version is a run of this script and a review of the diff: a new
check of a known shape needs no code, a new shape fails the test.

Usage: python3 scripts/france-rfe-rules.py [SCHEMATRON] > facturx-svc/src/rules/france/rules.txt
Runs with the Python of scripts/facturx-oracle-env (it needs lxml).
"""

import os
import re
import sys

from lxml import etree

SCH = "{http://purl.oclc.org/dsdl/schematron}"
HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT = os.path.join(
    HERE, "..", "..", "shared", "oracles", "france-rfe", "CII", "EN16931", "schematron", "BR-FR-Flux2-Schematron-CII.sch"
)

# The check an assertion's test makes on its context node, by the test's
# text (blanks collapsed); `$name` stands for a `let` of the rule whose
# value is given beside it.
SHAPES = [
    (r"string-length\(\.\) le (\d+)", {}, "max-length {0}"),
    (r"custom:is-valid-id-format\(\.\)", {}, "id-format"),
    (r"custom:is-valid-date-format\(\.\)", {}, "date-format"),
    (r"custom:is-valid-document-type-code\(\.\)", {}, "document-type"),
    (r"custom:is-valid-schemeid-format\(\.\)", {}, "scheme-format"),
    (r"normalize-space\(\.\) != ''", {}, "not-blank"),
    (r"matches\(normalize-space\(\.\), '\^\\d\{9\}\$'\)", {}, "nine-digits"),
    (r"custom:is-valid-decimal-19-2\(normalize-space\(\.\)\)", {}, "decimal 2"),
    (r"custom:is-valid-decimal-19-2\(\$amount\)", {"amount": "normalize-space(.)"}, "decimal 2"),
    (r"custom:is-valid-decimal-19-4\(\$quantity\)", {"quantity": "normalize-space(.)"}, "decimal 4"),
    (r"custom:is-valid-percent-4-2-positive\(\$rate\)", {"rate": "normalize-space(.)"}, "percent"),
    (r"every \$id in ram:GlobalID satisfies \$id/@schemeID", {}, "scheme-given"),
    (
        r"count\(distinct-values\(ram:GlobalID/@schemeID\)\) = count\(ram:GlobalID/@schemeID\)",
        {},
        "scheme-once",
    ),
    (
        r"not\(\$siret\) or custom:check-siret-siren-coherence\(\$siret\[1\], \$siren\)",
        {
            "siret": "ram:GlobalID[@schemeID='0009']",
            "siren": "ram:SpecifiedLegalOrganization/ram:ID[@schemeID='0002']",
        },
        "siret-siren legal",
    ),
    (
        r"not\(\$siret\) or custom:check-siret-siren-coherence\(\$siret\[1\], \$siren\)",
        {
            "siret": "ram:GlobalID[@schemeID='0009']",
            "siren": "if (string(ram:SpecifiedLegalOrganization/ram:ID[@schemeID='0002'])) "
            "then ram:SpecifiedLegalOrganization/ram:ID[@schemeID='0002'] else substring($siret, 1, 9)",
        },
        "siret-siren legal-or-siret",
    ),
    (
        r"custom:is-valid-vat-category-code\(\$categoryCode\)",
        {"categoryCode": "ram:CategoryCode"},
        "vat-category",
    ),
    (r"not\(\$categoryCode = \('L', 'M'\)\)", {"categoryCode": "ram:CategoryCode"}, "not-l-or-m"),
    (r"not\(\$rate\) or custom:is-valid-vat-rate\(\$rate\)", {"rate": "string(ram:RateApplicablePercent)"}, "vat-rate"),
    (
        r"\(custom:isSpecialContractBD\(/rsm:CrossIndustryInvoice\) and custom:is-valid-decimal-19-6\(\$amount\)\) or "
        r"\(not\(custom:isSpecialContractBD\(/rsm:CrossIndustryInvoice\)\) and custom:is-valid-decimal-19-6-positive\(\$amount\)\)",
        {"amount": "normalize-space(.)"},
        "price",
    ),
]

# A context is a path of steps, each a name with at most one predicate that
# compares an attribute or a child path with literals.
STEP = r"(?:[a-z]+:[A-Za-z]+)(?:\[[^\]]*\])?"
CONTEXT = re.compile(rf"^(//|/)?{STEP}(?:/{STEP})*$")
PREDICATE = re.compile(
    r"^(?:@[A-Za-z]+|[a-z]+:[A-Za-z]+(?:/[a-z]+:[A-Za-z]+)*) ?= ?(?:'[^']*'|\('[^']*'(?:, ?'[^']*')*\))"
    r"(?: or (?:@[A-Za-z]+|[a-z]+:[A-Za-z]+(?:/[a-z]+:[A-Za-z]+)*) ?= ?(?:'[^']*'|\('[^']*'(?:, ?'[^']*')*\)))*$"
)


def squeeze(text):
    return " ".join(text.split())


def context_is_simple(context):
    if not CONTEXT.match(context):
        return False
    return all(PREDICATE.match(squeeze(predicate)) for predicate in re.findall(r"\[([^\]]*)\]", context))


def check_of(test, lets):
    for pattern, needs, check in SHAPES:
        match = re.fullmatch(pattern, test)
        if match and all(lets.get(name) == value for name, value in needs.items()):
            return check.format(*match.groups())
    return "custom"


def flags_in_warning_version(path):
    """Each assertion's flag in the _WARNING schematron beside `path`."""
    warning = etree.parse(path.replace(".sch", "_WARNING.sch"))
    return {
        assertion.get("id"): assertion.get("flag") or "fatal"
        for assertion in warning.iter(SCH + "assert", SCH + "report")
    }


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else DEFAULT
    tree = etree.parse(path)
    warning_flags = flags_in_warning_version(path)
    print("# The French rules (BR-FR Flux 2) for CII, from FNFE-MPE France_RFE v1.4.0")
    print("# (BR-FR-Flux2-Schematron-CII.sch), derived by scripts/france-rfe-rules.py.")
    print("# pattern NAME | rule CONTEXT | RULE-ID FLAG WARNING-VERSION-FLAG CHECK [ARGUMENT]")
    print("# A node is checked by the first rule of its pattern whose context it matches, as in schematron.")
    for pattern in tree.iter(SCH + "pattern"):
        print(f"pattern {pattern.get('id')}")
        for rule in pattern.iter(SCH + "rule"):
            context = squeeze(rule.get("context"))
            lets = {let.get("name"): squeeze(let.get("value")) for let in rule.iter(SCH + "let")}
            simple = context_is_simple(context)
            print(f"rule {context}")
            for assertion in rule:
                if not isinstance(assertion.tag, str) or assertion.tag not in (SCH + "assert", SCH + "report"):
                    continue
                check = check_of(squeeze(assertion.get("test")), lets) if simple else "custom"
                if assertion.tag == SCH + "report" and check != "custom":
                    check = "custom"  # a report fires when its test holds: never a shape above
                flag = assertion.get("flag") or "fatal"
                print(f"{assertion.get('id')} {flag} {warning_flags[assertion.get('id')]} {check}")


if __name__ == "__main__":
    main()
