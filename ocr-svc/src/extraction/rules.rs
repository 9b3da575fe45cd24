//! Labels French bills print, and how each one's value is read.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;
use std::sync::LazyLock;

use regex::Regex;

use super::Segment;
use super::fields::{Field, Fields, Key, Name, Value};
use super::text::{Unit, dates, first_with_unit, line_amount, one_edit_apart, quantities, round_cents};
use crate::domain::energy::{EnergyType, Part};
use crate::engine::{Location, PageText};

/// Confidence of a value read after a recognised label on clean text.
pub const BASE_CONFIDENCE: f32 = 0.93;

pub struct LineContext<'a> {
    pub page: &'a PageText,
    pub part: Part,
}

#[derive(Clone, Copy)]
enum Scope {
    Bill,
    Part,
    /// Always this part, whatever section it is printed in.
    Fixed(Part),
}

#[derive(Clone, Copy)]
enum Reader {
    Amount,
    WithUnit(Unit),
    FirstDate,
    Period,
    Reference,
    DeliveryPoint,
    TariffOption,
    ReadingKind,
    ConversionFactor,
    Zone,
    /// Cubic metres, or the first whole number when OCR lost the ³.
    Volume,
    /// A consumption band: its kWh, and its amount towards the energy total.
    Band,
}

struct Rule {
    name: Name,
    scope: Scope,
    label: Regex,
    reader: Reader,
}

fn rule(name: Name, scope: Scope, label: &str, reader: Reader) -> Rule {
    Rule { name, scope, label: Regex::new(label).expect("valid label regex"), reader }
}

/// In priority order: the first rule whose label a segment starts wins, so
/// "contribution tarifaire d'acheminement" is the CTA before it is delivery.
static RULES: LazyLock<Vec<Rule>> = LazyLock::new(|| {
    use {Name as N, Reader as R, Scope as S};
    vec![
        rule(N::VatReduced, S::Bill, r"^(montant )?tva (a |au taux de )?5[,.]5 ?%", R::Amount),
        rule(N::VatStandard, S::Bill, r"^(montant )?tva (a |au taux de )?20 ?%", R::Amount),
        rule(N::TotalVat, S::Bill, r"^(total|montant) (de la )?tva|^tva totale", R::Amount),
        rule(N::TotalExclVat, S::Bill, r"^(total|montant|sous-total) (hors taxes|ht)\b", R::Amount),
        rule(
            N::TotalInclVat,
            S::Bill,
            r"^(total|montant) (ttc|a payer|de la facture ttc|toutes taxes comprises)|^net a payer",
            R::Amount,
        ),
        rule(
            N::InvoiceNumber,
            S::Bill,
            r"^(n[°o] de facture|facture n[°o]|numero de (la )?facture|reference (de la )?facture)",
            R::Reference,
        ),
        rule(
            N::ContractNumber,
            S::Bill,
            r"^(n[°o] de contrat|contrat n[°o]|numero de contrat|reference (du )?contrat)",
            R::Reference,
        ),
        rule(
            N::InvoiceDate,
            S::Bill,
            r"^(date de (la )?facture|facture du|emise le|date d'emission|date de facturation)",
            R::FirstDate,
        ),
        rule(
            N::DueDate,
            S::Bill,
            r"^(date limite de paiement|a payer avant le|a regler avant le|date d'echeance|echeance|date de prelevement|preleve le)",
            R::FirstDate,
        ),
        rule(
            N::ExtraFees,
            S::Bill,
            r"^(frais de (retard|relance|deplacement|mise en service|rejet|dossier)|penalites? de retard|indemnite forfaitaire)",
            R::Amount,
        ),
        rule(
            N::DeliveryPoint,
            S::Fixed(Part::Electricite),
            r"^(pdl|prm|point de livraison|point de reference (et de )?mesure|reference (du )?(pdl|prm))",
            R::DeliveryPoint,
        ),
        rule(N::DeliveryPoint, S::Fixed(Part::Gaz), r"^(pce|point de comptage|reference (du )?pce)", R::DeliveryPoint),
        rule(
            N::PeriodStart,
            S::Part,
            r"^(periode( de (consommation|facturation))?|consommation du|facturation du)",
            R::Period,
        ),
        rule(
            N::TariffOption,
            S::Fixed(Part::Electricite),
            r"^(option tarifaire|option|formule tarifaire)\b",
            R::TariffOption,
        ),
        rule(N::SubscribedKva, S::Fixed(Part::Electricite), r"^puissance( souscrite)?\b", R::WithUnit(Unit::Kva)),
        rule(
            N::ReadingKind,
            S::Part,
            r"^(type de releve|type d'index|nature (du releve|de l'index)|releve)\b",
            R::ReadingKind,
        ),
        rule(
            N::ConversionFactor,
            S::Fixed(Part::Gaz),
            r"^(coefficient de conversion|coef(ficient)? (de conversion|thermique))",
            R::ConversionFactor,
        ),
        rule(N::TariffZone, S::Fixed(Part::Gaz), r"^zone tarifaire", R::Zone),
        rule(N::VolumeM3, S::Fixed(Part::Gaz), r"^(volume|consommation en m3|volume consomme)\b", R::Volume),
        rule(
            N::ConsumptionKwh,
            S::Part,
            r"^(consommation totale|total consommation|consommation facturee|energie consommee|consommation en kwh|quantite d'energie)",
            R::WithUnit(Unit::Kwh),
        ),
        rule(N::Cta, S::Part, r"^(cta\b|contribution tarifaire)", R::Amount),
        rule(
            N::Excise,
            S::Part,
            r"^(accise|taxe interieure|cspe|ticfe|ticgn|impot sur (l'electricite|le gaz))",
            R::Amount,
        ),
        rule(
            N::Delivery,
            S::Part,
            r"^(acheminement|turpe|transport et distribution|utilisation (du|des) reseaux?|part acheminement)",
            R::Amount,
        ),
        rule(N::Subscription, S::Part, r"^(abonnement|part fixe)", R::Amount),
        rule(
            N::EnergyAmount,
            S::Part,
            r"^(total (de la )?(consommation|energie|fourniture)|montant (de la )?consommation|fourniture d'energie)",
            R::Amount,
        ),
        rule(N::BaseKwh, S::Part, r"^(consommation |energie )?(base|option base)\b", R::Band),
        rule(N::PeakKwh, S::Part, r"^(consommation |energie )?(heures pleines|hp)\b", R::Band),
        rule(N::OffPeakKwh, S::Part, r"^(consommation |energie )?(heures creuses|hc)\b", R::Band),
        rule(N::ConsumptionKwh, S::Part, r"^(consommation|energie)\b", R::Band),
    ]
});

/// The words of five letters or more that the labels are made of.
static LABEL_WORDS: LazyLock<BTreeSet<String>> = LazyLock::new(|| {
    let escapes = Regex::new(r"\\[a-zA-Z]").expect("valid regex");
    RULES
        .iter()
        .map(|rule| rule.label.as_str())
        .chain([SECTION.as_str()])
        .flat_map(|label| {
            let label = escapes.replace_all(label, " ");
            label.split(|c: char| !c.is_ascii_lowercase()).filter(|word| word.len() >= 5).map(str::to_owned).collect::<Vec<_>>()
        })
        .collect()
});

/// The label word an OCR misreading of one letter stands for ("actise" for
/// "accise", "abonnernent" is two edits and stays): labels are matched
/// letter for letter, and Tesseract misreads a letter or two of a page
/// in some typefaces, more than in others. `folded` is one folded word.
pub fn label_word_misread_as(folded: &str) -> Option<&'static str> {
    if folded.len() < 5 || !folded.chars().all(|c| c.is_ascii_lowercase()) || LABEL_WORDS.contains(folded) {
        return None;
    }
    let mut candidates = LABEL_WORDS.iter().filter(|word| one_edit_apart(folded, word));
    match (candidates.next(), candidates.next()) {
        (Some(only), None) => Some(only.as_str()),
        _ => None,
    }
}

static SECTION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(votre |vos |detail (de )?(la |votre )?)?(contrat |consommation |facture |offre )?(d'|de |en )?(?P<energy>electricite|gaz naturel|gaz)\b")
        .expect("valid regex")
});

/// The energy a heading line opens a section for, on dual bills.
pub fn section_heading(folded: &str) -> Option<Part> {
    if folded.split(' ').count() > 6 {
        return None;
    }
    let captures = SECTION.captures(folded)?;
    match captures.name("energy")?.as_str() {
        "electricite" => Some(Part::Electricite),
        _ => Some(Part::Gaz),
    }
}

static ADDRESSEE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(m\.|mr|mme|mlle|madame|monsieur|m et mme|m\. et mme|sarl|sas|sasu|sci|eurl|sa|association)\s")
        .expect("valid regex")
});

static POSTCODE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\b(?:0[1-9]|[1-8]\d|9[0-5]|2a|2b|97)\d{3}\s+(?P<word>\p{L}+)").expect("valid regex"));

pub fn is_addressee(folded: &str) -> bool {
    ADDRESSEE.is_match(folded)
}

pub fn has_postcode(text: &str) -> bool {
    let text = text.to_lowercase();
    POSTCODE.captures_iter(&text).any(|captures| {
        !matches!(captures.name("word").map(|word| word.as_str()), Some("kwh" | "mwh" | "kva" | "m" | "eur"))
    })
}

static REFERENCE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:^|[\s:])([a-z0-9][a-z0-9/-]{3,})\s*$|(?:^|[\s:])([a-z0-9][a-z0-9/-]{3,})").expect("valid regex")
});
static FOURTEEN_DIGITS: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\d(?:\s?\d){13}").expect("valid regex"));
static OLD_PCE: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\bgi\s?\d{6}\b").expect("valid regex"));
static ZONE: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\b([1-6])\b").expect("valid regex"));

/// Band amounts and fees, summed over the bill, and settled at the end.
#[derive(Default)]
pub struct Accumulated {
    band_amounts: BTreeMap<Part, (f64, f32, Option<Location>)>,
    fees: Option<(f64, f32, Location)>,
}

impl Accumulated {
    /// Writes the sums where the bill printed no explicit figure.
    pub fn settle(self, fields: &mut Fields, energy_type: EnergyType) {
        for (part, (amount, confidence, location)) in self.band_amounts {
            if let (Some(location), true) = (location, energy_type.parts().contains(&part)) {
                fields.offer(
                    Key::of(part, Name::EnergyAmount),
                    Field {
                        value: Value::Number(round_cents(amount)),
                        confidence: confidence * 0.95,
                        source: location,
                    },
                );
            }
        }
        if let Some((amount, confidence, location)) = self.fees {
            fields.offer(
                Key::bill(Name::ExtraFees),
                Field { value: Value::Number(round_cents(amount)), confidence, source: location },
            );
        }
    }
}

/// The fields a line holds, with the range of segments each was read from.
pub fn read_line(
    segments: &[Segment<'_>],
    context: &LineContext<'_>,
    accumulated: &mut Accumulated,
) -> Vec<(Key, Value, Range<usize>)> {
    let mut found = Vec::new();
    let mut index = 0;
    while index < segments.len() {
        let Some(rule) = RULES.iter().find(|rule| rule.label.is_match(&segments[index].folded)) else {
            index += 1;
            continue;
        };
        // The value is in this segment or, in a table row, in the following
        // ones up to the next label.
        let label_end = rule.label.find(&segments[index].folded).map_or(0, |m| m.end());
        let label_only = segments[index].folded[label_end..].trim_matches([' ', ':', '.']).is_empty();
        let mut end = index + 1;
        while end < segments.len()
            && ((label_only && end == index + 1)
                || !RULES.iter().any(|rule| rule.label.is_match(&segments[end].folded)))
        {
            end += 1;
        }
        let part = match rule.scope {
            Scope::Bill => None,
            Scope::Part => Some(context.part),
            Scope::Fixed(part) => Some(part),
        };
        let key = |name| match part {
            Some(part) => Key::of(part, name),
            None => Key::bill(name),
        };
        let text = segments[index..end].iter().map(|segment| segment.folded.as_str()).collect::<Vec<_>>().join(" ");
        let raw_text = || segments[index..end].iter().map(Segment::text).collect::<Vec<_>>().join(" ");
        let after_label = text.get(label_end..).unwrap_or("");
        match rule.reader {
            Reader::Amount => {
                if let Some(amount) = line_amount(after_label) {
                    if rule.name == Name::ExtraFees {
                        let location = location_of(segments, index..end, context);
                        let fees = accumulated.fees.get_or_insert((0.0, 1.0, location));
                        fees.0 += amount;
                        fees.1 = fees.1.min(BASE_CONFIDENCE);
                    } else {
                        found.push((key(rule.name), Value::Number(amount), index..end));
                    }
                    if rule.name == Name::Excise
                        && let Some(rate) = excise_rate(after_label)
                    {
                        found.push((key(Name::ExciseRate), Value::Number(rate), index..end));
                    }
                }
            }
            Reader::WithUnit(unit) => {
                if let Some(value) = first_with_unit(after_label, unit) {
                    found.push((key(rule.name), Value::Number(value), index..end));
                }
            }
            Reader::FirstDate => {
                if let Some(date) = dates(after_label).first() {
                    found.push((key(rule.name), Value::Date(*date), index..end));
                }
            }
            Reader::Period => {
                if let [start, end_date, ..] = dates(after_label)[..] {
                    found.push((key(Name::PeriodStart), Value::Date(start), index..end));
                    found.push((key(Name::PeriodEnd), Value::Date(end_date), index..end));
                }
            }
            Reader::Reference => {
                let candidate = REFERENCE
                    .captures_iter(after_label)
                    .filter_map(|captures| captures.get(1).or_else(|| captures.get(2)))
                    .map(|m| m.as_str())
                    .find(|token| token.chars().any(|c| c.is_ascii_digit()));
                if let Some(reference) = candidate {
                    found.push((key(rule.name), Value::Text(reference.to_uppercase()), index..end));
                }
            }
            Reader::DeliveryPoint => {
                let raw = raw_text().to_lowercase();
                let value = FOURTEEN_DIGITS
                    .find(&raw)
                    .map(|m| m.as_str().chars().filter(char::is_ascii_digit).collect::<String>())
                    .or_else(|| OLD_PCE.find(&raw).map(|m| m.as_str().replace(' ', "").to_uppercase()));
                if let Some(value) = value {
                    found.push((key(rule.name), Value::Text(value), index..end));
                }
            }
            Reader::TariffOption => {
                let option = if after_label.contains("tempo") {
                    Some("tempo")
                } else if after_label.contains("creuses")
                    || after_label.contains("hp/hc")
                    || after_label.contains("hp / hc")
                {
                    Some("hphc")
                } else if after_label.contains("base") {
                    Some("base")
                } else {
                    None
                };
                if let Some(option) = option {
                    found.push((key(rule.name), Value::Text(option.into()), index..end));
                }
            }
            Reader::ReadingKind => {
                let kind = if after_label.contains("auto") {
                    Some("autoreleve")
                } else if after_label.contains("estim") {
                    Some("estime")
                } else if after_label.contains("reel") {
                    Some("reel")
                } else {
                    None
                };
                if let Some(kind) = kind {
                    found.push((key(rule.name), Value::Text(kind.into()), index..end));
                }
            }
            Reader::ConversionFactor => {
                let factor = quantities(after_label).into_iter().find(|quantity| {
                    matches!(quantity.unit, Unit::KwhPerCubicMetre | Unit::Kwh | Unit::None) && quantity.decimals > 0
                });
                if let Some(factor) = factor {
                    found.push((key(rule.name), Value::Number(factor.value), index..end));
                }
            }
            Reader::Volume => {
                let quantities = quantities(after_label);
                let volume = quantities
                    .iter()
                    .find(|quantity| quantity.unit == Unit::CubicMetre)
                    .or_else(|| quantities.iter().find(|quantity| quantity.decimals == 0));
                if let Some(volume) = volume {
                    found.push((key(rule.name), Value::Number(volume.value), index..end));
                }
            }
            Reader::Zone => {
                if let Some(zone) = ZONE.captures(after_label).and_then(|captures| captures.get(1)) {
                    found.push((key(rule.name), Value::Text(zone.as_str().into()), index..end));
                }
            }
            Reader::Band => {
                if let Some(kwh) = first_with_unit(after_label, Unit::Kwh) {
                    found.push((key(rule.name), Value::Number(kwh), index..end));
                    if let Some(amount) = line_amount(after_label) {
                        let location = location_of(segments, index..end, context);
                        let band =
                            accumulated.band_amounts.entry(part.unwrap_or(context.part)).or_insert((0.0, 1.0, None));
                        band.0 += amount;
                        band.1 = band.1.min(BASE_CONFIDENCE);
                        band.2.get_or_insert(location);
                    }
                }
            }
        }
        index = end;
    }
    found
}

fn location_of(segments: &[Segment<'_>], range: Range<usize>, context: &LineContext<'_>) -> Location {
    Segment::location(&segments[range], context.page)
}

/// The excise rate printed on its line, in €/MWh.
fn excise_rate(text: &str) -> Option<f64> {
    quantities(text).into_iter().find_map(|quantity| match quantity.unit {
        Unit::EuroPerMwh => Some(quantity.value),
        Unit::EuroPerKwh => Some(round_cents(quantity.value * 1000.0)),
        Unit::CentPerKwh => Some(round_cents(quantity.value * 10.0)),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headings_open_sections() {
        assert_eq!(section_heading("votre contrat d'electricite"), Some(Part::Electricite));
        assert_eq!(section_heading("gaz naturel"), Some(Part::Gaz));
        assert_eq!(section_heading("electricite : le tarif de la consommation du mois de janvier"), None);
    }

    #[test]
    fn excise_rates_are_normalised_to_euros_per_mwh() {
        assert_eq!(excise_rate("312 kwh x 29,98 €/mwh 9,35 €"), Some(29.98));
        assert_eq!(excise_rate("312 kwh x 0,02998 €/kwh 9,35 €"), Some(29.98));
    }

    #[test]
    fn a_label_word_misread_by_one_letter_is_recognised() {
        assert_eq!(label_word_misread_as("actise"), Some("accise"));
        assert_eq!(label_word_misread_as("abonnernent"), None);
        assert_eq!(label_word_misread_as("accise"), None);
        assert_eq!(label_word_misread_as("martin"), None);
        assert_eq!(label_word_misread_as("12345"), None);
        assert!(LABEL_WORDS.contains("acheminement") && LABEL_WORDS.contains("electricite"), "{:?}", *LABEL_WORDS);
        assert!(LABEL_WORDS.iter().all(|word| word.len() >= 5 && word.chars().all(|c| c.is_ascii_lowercase())));
    }

    #[test]
    fn addressees_and_postcodes() {
        assert!(is_addressee("mme claire martin"));
        assert!(!is_addressee("montant ttc"));
        assert!(has_postcode("12 rue des Lilas 69003 Lyon"));
        assert!(!has_postcode("Total 12345 kWh"));
    }
}
