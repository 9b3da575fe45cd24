"""Edge cases of the EN 16931 schematron's wording that the mutation corpus does not reach.

Usage: en16931-edges.py DIR

Reads DIR/base.xml, written by scripts/en16931-mutants.py, and writes beside it
edge-<case>.xml, each a small textual change where the official test reads the
document in a way a reimplementation easily gets wrong. The facturx-svc tests
compare their findings with the official schematron's (scripts/facturx-oracle.py),
as for the mutants; this script states no expectation of its own. A review of the
rule code found each case; the oracle's verdicts, at the time, in brackets:

- rounding: a line net amount or a VAT amount with a third decimal; the sums
  round to the cent before comparing (only BR-DEC-23, only BR-DEC-20);
- a VAT total without currencyID, before or after the invoice currency's: not the
  invoice currency's, so BR-CO-14 does not check it (nothing);
- an allowance indicator "0", valid xs:boolean: BR-CO-11 selects
  Indicator = 'false' as written (BR-CO-11);
- an empty breakdown category code: present, so BR-47 holds (a warning only);
- a breakdown category " O" without a rate: BR-48 compares 'O' as written (BR-48);
- a seller country " ": BR-09 tests `!= ''` as written (a code-list finding only);
- an allowance of 0.00 without BT-107: BR-CO-11 compares with nothing (BR-CO-11).
"""

import os
import sys


def replaced(text, old, new):
    if old not in text:
        raise SystemExit(f"en16931-edges: base.xml no longer holds {old!r}")
    return text.replace(old, new, 1)


def cases(base):
    zero_allowance = base
    for old, new in [
        ("<ram:ActualAmount>50.00</ram:ActualAmount>", "<ram:ActualAmount>0.00</ram:ActualAmount>"),
        ("        <ram:AllowanceTotalAmount>50.00</ram:AllowanceTotalAmount>\n", ""),
        ("<ram:TaxBasisTotalAmount>1240.00", "<ram:TaxBasisTotalAmount>1290.00"),
        ("<ram:CalculatedAmount>222.00</ram:CalculatedAmount>", "<ram:CalculatedAmount>232.00</ram:CalculatedAmount>"),
        ("<ram:BasisAmount>1110.00</ram:BasisAmount>", "<ram:BasisAmount>1160.00</ram:BasisAmount>"),
        ('currencyID="EUR">229.15', 'currencyID="EUR">239.15'),
        ("<ram:GrandTotalAmount>1469.15", "<ram:GrandTotalAmount>1529.15"),
        ("<ram:DuePayableAmount>1269.15", "<ram:DuePayableAmount>1329.15"),
    ]:
        zero_allowance = replaced(zero_allowance, old, new)
    tax_total = '<ram:TaxTotalAmount currencyID="EUR">229.15</ram:TaxTotalAmount>'
    return {
        "line-third-decimal": replaced(
            base, "<ram:LineTotalAmount>1160.00</ram:LineTotalAmount>", "<ram:LineTotalAmount>1160.004</ram:LineTotalAmount>"
        ),
        "tax-third-decimal": replaced(
            base, "<ram:CalculatedAmount>222.00</ram:CalculatedAmount>", "<ram:CalculatedAmount>222.004</ram:CalculatedAmount>"
        ),
        "tax-total-without-currency-after": replaced(
            base, tax_total, tax_total + "<ram:TaxTotalAmount>1.00</ram:TaxTotalAmount>"
        ),
        "tax-total-without-currency-before": replaced(
            base, tax_total, "<ram:TaxTotalAmount>1.00</ram:TaxTotalAmount>" + tax_total
        ),
        "allowance-indicator-0": replaced(
            base,
            "<udt:Indicator>false</udt:Indicator>\n        </ram:ChargeIndicator>\n        <ram:CalculationPercent>",
            "<udt:Indicator>0</udt:Indicator>\n        </ram:ChargeIndicator>\n        <ram:CalculationPercent>",
        ),
        "empty-breakdown-category": replaced(
            base,
            "<ram:BasisAmount>130.00</ram:BasisAmount>\n        <ram:CategoryCode>S</ram:CategoryCode>",
            "<ram:BasisAmount>130.00</ram:BasisAmount>\n        <ram:CategoryCode></ram:CategoryCode>",
        ),
        "not-subject-with-a-space-without-rate": replaced(
            base,
            "<ram:CategoryCode>S</ram:CategoryCode>\n        <ram:RateApplicablePercent>5.5</ram:RateApplicablePercent>",
            "<ram:CategoryCode> O</ram:CategoryCode>",
        ),
        "seller-country-space": replaced(base, "<ram:CountryID>FR</ram:CountryID>", "<ram:CountryID> </ram:CountryID>"),
        "zero-allowance-without-total": zero_allowance,
    }


def main(argv):
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    with open(os.path.join(argv[1], "base.xml"), encoding="utf-8") as f:
        base = f.read()
    for name, text in cases(base).items():
        with open(os.path.join(argv[1], f"edge-{name}.xml"), "w", encoding="utf-8") as f:
            f.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
