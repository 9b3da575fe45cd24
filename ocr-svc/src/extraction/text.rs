//! Reading French numbers, amounts and dates as bills print them.

use std::sync::LazyLock;

use chrono::NaiveDate;
use regex::Regex;

/// Lowercase, without accents, `’` as `'`, one space between words:
/// labels are matched on this form so "Échéance" and "echeance" agree.
pub fn fold(text: &str) -> String {
    let mut folded = String::with_capacity(text.len());
    let mut last_space = true;
    for c in text.chars().flat_map(char::to_lowercase) {
        let c = match c {
            'à' | 'á' | 'â' | 'ä' | 'ã' => 'a',
            'é' | 'è' | 'ê' | 'ë' => 'e',
            'î' | 'ï' | 'í' => 'i',
            'ô' | 'ö' | 'ó' => 'o',
            'ù' | 'û' | 'ü' | 'ú' => 'u',
            'ç' => 'c',
            '’' | '‘' | '`' => '\'',
            '\u{a0}' | '\u{202f}' | '\t' => ' ',
            other => other,
        };
        if c == ' ' {
            if !last_space {
                folded.push(' ');
            }
            last_space = true;
        } else {
            folded.push(c);
            last_space = false;
        }
    }
    folded.trim_end().to_owned()
}

/// A number with the unit printed after it.
#[derive(Debug, Clone, PartialEq)]
pub struct Quantity {
    pub value: f64,
    pub unit: Unit,
    /// Decimal places as printed: money has two.
    pub decimals: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    Euro,
    EuroPerKwh,
    CentPerKwh,
    EuroPerMwh,
    EuroPerMonth,
    Kwh,
    Mwh,
    Kva,
    CubicMetre,
    KwhPerCubicMetre,
    Percent,
    None,
}

static NUMBER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?x)
        (?P<number>-?\d{1,3}(?:[\x20\u{a0}\u{202f}]\d{3})+(?:,\d+)?|-?\d+(?:[,.]\d+)?)
        \s*
        (?P<unit>c€/kwh|€\s*/\s*kwh|€\s*ht\s*/\s*kwh|€/mwh|€\s*/\s*mois|€/an|kwh/m3|kwh/m³|kwh|mwh|kva|m3|m³|€|eur\b|%)?",
    )
    .expect("valid regex")
});

static DATES: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?x)
        \b(?P<d>\d{1,2})[/.-](?P<m>\d{1,2})[/.-](?P<y>\d{4}|\d{2})\b
        |\b(?P<d2>\d{1,2})(?:er)?\s(?P<month>janvier|fevrier|mars|avril|mai|juin|juillet|aout|septembre|octobre|novembre|decembre)\s(?P<y2>\d{4})\b",
    )
    .expect("valid regex")
});

/// Whether one substitution, insertion, deletion or swap of neighbours
/// turns `a` into `b` (ASCII words).
pub fn one_edit_apart(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a == b {
        return false;
    }
    let start = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let (a, b) = (&a[start..], &b[start..]);
    let end = a.iter().rev().zip(b.iter().rev()).take_while(|(x, y)| x == y).count();
    // What differs once the common start and end are set aside.
    match (&a[..a.len() - end], &b[..b.len() - end]) {
        (a, b) if a.len() + b.len() == 1 => true,
        ([_], [_]) => true,
        ([x, y], [z, w]) => x == w && y == z,
        _ => false,
    }
}

/// Dates in folded text, in order.
pub fn dates(folded: &str) -> Vec<NaiveDate> {
    DATES
        .captures_iter(folded)
        .filter_map(|captures| {
            if let (Some(d), Some(m), Some(y)) = (captures.name("d"), captures.name("m"), captures.name("y")) {
                let year: i32 = y.as_str().parse().ok()?;
                let year = if year < 100 { 2000 + year } else { year };
                return NaiveDate::from_ymd_opt(year, m.as_str().parse().ok()?, d.as_str().parse().ok()?);
            }
            let month = MONTHS.iter().position(|name| Some(*name) == captures.name("month").map(|m| m.as_str()))?;
            NaiveDate::from_ymd_opt(
                captures.name("y2")?.as_str().parse().ok()?,
                month as u32 + 1,
                captures.name("d2")?.as_str().parse().ok()?,
            )
        })
        .collect()
}

pub const MONTHS: [&str; 12] = [
    "janvier",
    "fevrier",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "aout",
    "septembre",
    "octobre",
    "novembre",
    "decembre",
];

/// Numbers in folded text with their units, dates left out.
pub fn quantities(folded: &str) -> Vec<Quantity> {
    let without_dates = DATES.replace_all(folded, " ");
    NUMBER
        .captures_iter(&without_dates)
        .filter_map(|captures| {
            let raw = captures.name("number")?.as_str();
            let digits: String = raw.chars().filter(|c| !matches!(c, ' ' | '\u{a0}' | '\u{202f}')).collect();
            let decimals = digits.rsplit_once([',', '.']).map_or(0, |(_, fraction)| fraction.len());
            let value: f64 = digits.replace(',', ".").parse().ok()?;
            let unit = match captures.name("unit").map(|unit| unit.as_str().replace(' ', "")) {
                None => Unit::None,
                Some(unit) => match unit.as_str() {
                    "€" | "eur" => Unit::Euro,
                    "c€/kwh" => Unit::CentPerKwh,
                    "€/kwh" | "€ht/kwh" => Unit::EuroPerKwh,
                    "€/mwh" => Unit::EuroPerMwh,
                    "€/mois" => Unit::EuroPerMonth,
                    "€/an" => Unit::Euro,
                    "kwh/m3" | "kwh/m³" => Unit::KwhPerCubicMetre,
                    "kwh" => Unit::Kwh,
                    "mwh" => Unit::Mwh,
                    "kva" => Unit::Kva,
                    "m3" | "m³" => Unit::CubicMetre,
                    "%" => Unit::Percent,
                    _ => Unit::None,
                },
            };
            Some(Quantity { value, unit, decimals })
        })
        .collect()
}

/// The amount a bill line charges: the last figure in euros, or failing
/// that the last one with two decimals (tables often print € in the header).
pub fn line_amount(folded: &str) -> Option<f64> {
    let quantities = quantities(folded);
    quantities
        .iter()
        .rev()
        .find(|quantity| quantity.unit == Unit::Euro)
        .or_else(|| quantities.iter().rev().find(|quantity| quantity.unit == Unit::None && quantity.decimals == 2))
        .map(|quantity| quantity.value)
}

/// The first figure with the given unit.
pub fn first_with_unit(folded: &str, unit: Unit) -> Option<f64> {
    quantities(folded).into_iter().find(|quantity| quantity.unit == unit).map(|quantity| quantity.value)
}

/// `1 234,56` with the given thousands separator.
pub fn french_number(value: f64, decimals: usize, separator: &str) -> String {
    let formatted = format!("{:.*}", decimals, value.abs());
    let (integer, fraction) = formatted.split_once('.').unwrap_or((&formatted, ""));
    let mut grouped = String::new();
    for (index, digit) in integer.chars().enumerate() {
        if index > 0 && (integer.len() - index) % 3 == 0 {
            grouped.push_str(separator);
        }
        grouped.push(digit);
    }
    let sign = if value < 0.0 { "-" } else { "" };
    if fraction.is_empty() { format!("{sign}{grouped}") } else { format!("{sign}{grouped},{fraction}") }
}

pub fn round_cents(value: f64) -> f64 {
    (value * 100.0).round() / 100.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_one_edit_apart_are_told() {
        for (a, b) in [("actise", "accise"), ("acise", "accise"), ("accisse", "accise"), ("acicse", "accise")] {
            assert!(one_edit_apart(a, b) && one_edit_apart(b, a), "{a} {b}");
        }
        for (a, b) in [("accise", "accise"), ("abonnernent", "abonnement"), ("actlse", "accise"), ("acc", "accise")] {
            assert!(!one_edit_apart(a, b), "{a} {b}");
        }
    }

    #[test]
    fn folding_removes_case_accents_and_extra_spaces() {
        assert_eq!(fold("  Échéance :\u{a0} Prélèvement  "), "echeance : prelevement");
    }

    #[test]
    fn french_amounts_and_units_are_read() {
        let quantities = quantities(&fold("Heures Pleines 1 234 kWh x 0,2146 €/kWh 264,82 €"));
        assert_eq!(
            quantities,
            vec![
                Quantity { value: 1234.0, unit: Unit::Kwh, decimals: 0 },
                Quantity { value: 0.2146, unit: Unit::EuroPerKwh, decimals: 4 },
                Quantity { value: 264.82, unit: Unit::Euro, decimals: 2 },
            ]
        );
        assert_eq!(line_amount(&fold("Abonnement du 01/01/2025 au 31/01/2025   12,45")), Some(12.45));
        assert_eq!(first_with_unit(&fold("Puissance souscrite : 9 kVA"), Unit::Kva), Some(9.0));
    }

    #[test]
    fn dates_in_numeric_and_written_forms() {
        let found = dates(&fold("Période du 1er janvier 2025 au 28/02/2025"));
        assert_eq!(
            found,
            vec![
                NaiveDate::from_ymd_opt(2025, 1, 1).expect("date"),
                NaiveDate::from_ymd_opt(2025, 2, 28).expect("date")
            ]
        );
        assert!(dates("31/02/2025").is_empty());
    }
}
