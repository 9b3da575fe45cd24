//! Reading the fields of a French electricity or gas bill from its words.
//!
//! Each visual line is cut into segments at wide gaps (columns); a segment
//! that starts a known label takes its value from itself or, as in a table
//! row, from the segments to its right. Section headings ("Électricité",
//! "Gaz naturel") say which energy a dual bill's lines belong to. Totals
//! that add up raise the confidence of every amount involved; totals that
//! don't lower it and are reported.

pub mod fields;
mod rules;
pub mod text;

use serde::Serialize;

use self::fields::{Field, Fields, Key, Name, Value};
use self::rules::{LineContext, read_line};
use self::text::fold;
use crate::domain::energy::EnergyType;
use crate::engine::words::{Line, Word};
use crate::engine::{Location, PageText, TextSource};

/// The result of reading a bill.
#[derive(Debug, Clone)]
pub struct Extraction {
    pub energy_type: EnergyType,
    pub fields: Fields,
    pub checks: Vec<Check>,
    pub pages: usize,
    pub ocr_pages: usize,
}

/// An arithmetic check between amounts of the bill.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Check {
    pub name: &'static str,
    pub passed: bool,
    pub expected: f64,
    pub found: f64,
}

/// Pieces of a line separated by a column gap.
pub(crate) struct Segment<'a> {
    pub words: &'a [Word],
    pub folded: String,
}

impl Segment<'_> {
    fn location(segments: &[Segment<'_>], page: &PageText) -> Location {
        let mut words = segments.iter().flat_map(|segment| segment.words.iter());
        let first = words.next().map(|word| word.bbox).unwrap_or(crate::engine::words::BoundingBox {
            x: 0.0,
            y: 0.0,
            width: 0.0,
            height: 0.0,
        });
        let bbox = words.fold(first, |acc, word| acc.union(&word.bbox));
        Location { kind: page.source, page: page.number, bbox, unit: page.unit }
    }

    /// The words as printed, not folded.
    pub fn text(&self) -> String {
        self.words.iter().map(|word| word.text.as_str()).collect::<Vec<_>>().join(" ")
    }

    fn confidence(segments: &[Segment<'_>]) -> f32 {
        segments.iter().flat_map(|segment| segment.words.iter()).map(|word| word.confidence).fold(1.0, f32::min)
    }
}

/// A word as the labels are matched: folded, and an uncertain OCR reading
/// one letter off a label word taken for that word.
fn folded_word(word: &Word) -> String {
    let folded = fold(&word.text);
    if word.confidence >= UNCERTAIN_WORD {
        return folded;
    }
    rules::label_word_misread_as(&folded).map_or(folded, str::to_owned)
}

/// Tesseract's confidence under which a word may be a misreading; words of
/// a text layer are certain.
const UNCERTAIN_WORD: f32 = 0.9;

fn segments(line: &Line) -> Vec<Segment<'_>> {
    let mut segments = Vec::new();
    let mut start = 0;
    for index in 1..=line.words.len() {
        let split = index == line.words.len() || {
            let previous = &line.words[index - 1].bbox;
            let gap = line.words[index].bbox.x - (previous.x + previous.width);
            gap > (previous.height * 2.2).max(14.0)
        };
        if split {
            let words = &line.words[start..index];
            let folded: Vec<String> = words.iter().map(folded_word).collect();
            segments.push(Segment { words, folded: fold(&folded.join(" ")) });
            start = index;
        }
    }
    segments
}

pub fn extract(pages: &[PageText]) -> Extraction {
    let all_text: String =
        pages.iter().flat_map(|page| page.lines.iter()).map(|line| fold(&line.text())).collect::<Vec<_>>().join("\n");
    let energy_type = detect_energy(&all_text);
    let mut fields = Fields::default();
    let mut accumulated = rules::Accumulated::default();
    let mut part = energy_type.parts()[0];
    for page in pages {
        let segmented: Vec<Vec<Segment<'_>>> = page.lines.iter().map(segments).collect();
        for (line, segments) in page.lines.iter().zip(&segmented) {
            if let Some(heading) = rules::section_heading(&fold(&line.text())) {
                part = heading;
            }
            let context = LineContext { page, part };
            for (key, value, used) in read_line(segments, &context, &mut accumulated) {
                let used = &segments[used];
                let confidence = rules::BASE_CONFIDENCE * ocr_factor(page.source, Segment::confidence(used));
                fields.offer(key, Field { value, confidence, source: Segment::location(used, page) });
            }
        }
        read_customer(page, &segmented, &mut fields);
    }
    read_supplier(&all_text, pages, &mut fields);
    accumulated.settle(&mut fields, energy_type);
    let checks = cross_check(&mut fields, energy_type);
    fields.retain(|key| key.part.is_none_or(|part| energy_type.parts().contains(&part)));
    Extraction {
        energy_type,
        fields,
        checks,
        pages: pages.len(),
        ocr_pages: pages.iter().filter(|page| page.source == TextSource::Ocr).count(),
    }
}

fn ocr_factor(source: TextSource, words: f32) -> f32 {
    match source {
        TextSource::TextLayer => 1.0,
        // Tesseract's word confidences run low even on clean text.
        TextSource::Ocr => (0.55 + 0.45 * words).min(1.0),
    }
}

/// Which energy the bill is for, from the vocabulary only one of them uses.
pub fn detect_energy(folded: &str) -> EnergyType {
    let count = |words: &[&str]| words.iter().filter(|word| folded.contains(*word)).count();
    let electricity =
        count(&["pdl", "prm", "kva", "heures creuses", "heures pleines", "turpe", "electricite", "tempo"]);
    let gas = count(&["pce", "m3", "m³", "zone tarifaire", "coefficient de conversion", "gaz naturel", "ticgn"]);
    match (electricity >= 2, gas >= 2) {
        (true, true) => EnergyType::Dual,
        (false, true) => EnergyType::Gaz,
        _ => EnergyType::Electricite,
    }
}

const SUPPLIERS: [(&str, &str); 14] = [
    ("totalenergies", "TotalEnergies"),
    ("engie", "Engie"),
    ("ekwateur", "Ekwateur"),
    ("vattenfall", "Vattenfall"),
    ("octopus energy", "Octopus Energy"),
    ("mint energie", "Mint Énergie"),
    ("ohm energie", "OHM Énergie"),
    ("plum energie", "Plüm énergie"),
    ("alpiq", "Alpiq"),
    ("eni", "Eni"),
    ("ilek", "Ilek"),
    ("mega energie", "Mega Énergie"),
    ("happ-e", "Happ-e"),
    ("edf", "EDF"),
];

fn read_supplier(all_text: &str, pages: &[PageText], fields: &mut Fields) {
    let Some(first) = pages.first() else { return };
    for line in &first.lines {
        let folded = fold(&line.text());
        for (needle, name) in SUPPLIERS {
            if contains_word(&folded, needle) {
                let location = Location { kind: first.source, page: first.number, bbox: line.bbox(), unit: first.unit };
                let confidence = if all_text.matches(needle).count() > 1 { 0.97 } else { 0.85 };
                fields.offer(
                    Key::bill(Name::Supplier),
                    Field {
                        value: Value::Text(name.to_owned()),
                        confidence: confidence * ocr_factor(first.source, line.confidence()),
                        source: location,
                    },
                );
                return;
            }
        }
    }
}

fn contains_word(haystack: &str, needle: &str) -> bool {
    haystack.match_indices(needle).any(|(at, _)| {
        let before = haystack[..at].chars().next_back().is_none_or(|c| !c.is_alphanumeric());
        let after = haystack[at + needle.len()..].chars().next().is_none_or(|c| !c.is_alphanumeric());
        before && after
    })
}

/// The addressee block: a civility or company form, then address lines down
/// to the one with a postcode.
fn read_customer(page: &PageText, segmented: &[Vec<Segment<'_>>], fields: &mut Fields) {
    if page.number != 1 || fields.get(Key::bill(Name::CustomerName)).is_some() {
        return;
    }
    for (index, segments) in segmented.iter().enumerate() {
        for segment in segments {
            if !rules::is_addressee(&segment.folded) {
                continue;
            }
            let location = Segment::location(std::slice::from_ref(segment), page);
            let confidence = 0.9 * ocr_factor(page.source, Segment::confidence(std::slice::from_ref(segment)));
            fields.offer(
                Key::bill(Name::CustomerName),
                Field { value: Value::Text(segment.text()), confidence, source: location },
            );
            let x = segment.words[0].bbox.x;
            let mut address = Vec::new();
            let mut bbox = location.bbox;
            // Lines of other columns may come between, on a skewed scan.
            for next in segmented.iter().skip(index + 1).take(5) {
                let Some(column) = next.iter().find(|segment| (segment.words[0].bbox.x - x).abs() < 6.0) else {
                    continue;
                };
                let text = column.text();
                bbox = column.words.iter().fold(bbox, |acc, word| acc.union(&word.bbox));
                let has_postcode = rules::has_postcode(&text);
                address.push(text);
                if has_postcode {
                    fields.offer(
                        Key::bill(Name::CustomerAddress),
                        Field {
                            value: Value::Text(address.join(", ")),
                            confidence,
                            source: Location { bbox, ..location },
                        },
                    );
                    break;
                }
            }
            return;
        }
    }
}

/// Sums that must hold on a bill; fields that pass are trusted more.
fn cross_check(fields: &mut Fields, energy_type: EnergyType) -> Vec<Check> {
    let mut checks = Vec::new();
    let mut components: Vec<Key> = Vec::new();
    for &part in energy_type.parts() {
        for name in [Name::Subscription, Name::EnergyAmount, Name::Delivery, Name::Excise, Name::Cta] {
            components.push(Key::of(part, name));
        }
    }
    components.push(Key::bill(Name::ExtraFees));
    let present: Vec<Key> = components.into_iter().filter(|key| fields.get(*key).is_some()).collect();
    let sums: [(&'static str, Vec<Key>, Key); 3] = [
        ("components_add_up_to_total_excl_vat", present, Key::bill(Name::TotalExclVat)),
        (
            "vat_lines_add_up_to_total_vat",
            vec![Key::bill(Name::VatReduced), Key::bill(Name::VatStandard)],
            Key::bill(Name::TotalVat),
        ),
        (
            "excl_vat_plus_vat_is_incl_vat",
            vec![Key::bill(Name::TotalExclVat), Key::bill(Name::TotalVat)],
            Key::bill(Name::TotalInclVat),
        ),
    ];
    for (name, parts, total) in sums {
        let values: Vec<f64> = parts.iter().filter_map(|key| fields.number(*key)).collect();
        let (Some(found), false) = (fields.number(total), values.is_empty()) else { continue };
        let expected = text::round_cents(values.iter().sum());
        let passed = (expected - found).abs() <= 0.011 * values.len() as f64;
        for key in parts.iter().chain(std::iter::once(&total)) {
            fields.adjust_confidence(*key, |confidence| if passed { confidence.max(0.98) } else { confidence * 0.7 });
        }
        checks.push(Check { name, passed, expected, found });
    }
    for &part in energy_type.parts() {
        let bands = [Name::BaseKwh, Name::PeakKwh, Name::OffPeakKwh];
        let band_total: f64 = bands.iter().filter_map(|name| fields.number(Key::of(part, *name))).sum();
        if let (Some(total), true) = (fields.number(Key::of(part, Name::ConsumptionKwh)), band_total > 0.0) {
            let passed = (band_total - total).abs() <= 1.0;
            for name in bands.iter().chain(&[Name::ConsumptionKwh]) {
                fields.adjust_confidence(Key::of(part, *name), |c| if passed { c.max(0.98) } else { c * 0.7 });
            }
            checks.push(Check { name: "bands_add_up_to_consumption", passed, expected: band_total, found: total });
        }
    }
    checks
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn energy_is_told_by_its_vocabulary() {
        assert_eq!(detect_energy("pdl 12345678901234 puissance 6 kva"), EnergyType::Electricite);
        assert_eq!(detect_energy("pce gi123456 zone tarifaire 3 volume 120 m3"), EnergyType::Gaz);
        assert_eq!(detect_energy("pdl prm kva pce m3 zone tarifaire"), EnergyType::Dual);
    }

    /// A gas bill's OCR page of two lines: the delivery point, then `words`.
    fn ocr_page(words: &[(&str, f32)]) -> PageText {
        let line = |words: &[(&str, f32)], y: f32| Line {
            words: words
                .iter()
                .enumerate()
                .map(|(index, (text, confidence))| Word {
                    text: (*text).to_owned(),
                    bbox: crate::engine::words::BoundingBox { x: 50.0 + 40.0 * index as f32, y, width: 36.0, height: 9.0 },
                    confidence: *confidence,
                    tool_line: (1, 1, y as u32),
                })
                .collect(),
        };
        let point = [("PCE", 0.95), (":", 0.95), ("GI123456", 0.95), ("Zone", 0.95), ("tarifaire", 0.95), ("3", 0.95)];
        PageText { number: 1, source: TextSource::Ocr, unit: "px", lines: vec![line(&point, 100.0), line(words, 120.0)] }
    }

    #[test]
    fn a_label_word_tesseract_misread_by_a_letter_still_labels_its_value() {
        let excise = Key::of(crate::domain::energy::Part::Gaz, Name::Excise);
        let line = [("sur", 0.96), ("le", 0.95), ("gaz", 0.96), ("naturel", 0.96), ("14,40", 0.95), ("€", 0.95)];
        let uncertain = ocr_page(&[&[("Actise", 0.67)], &line[..]].concat());
        assert_eq!(extract(&[uncertain]).fields.values().get(&excise), Some(&Value::Number(14.4)));
        // A word Tesseract is sure of is taken as read.
        let certain = ocr_page(&[&[("Actise", 0.97)], &line[..]].concat());
        assert_eq!(extract(&[certain]).fields.values().get(&excise), None);
    }

    #[test]
    fn supplier_names_match_whole_words() {
        assert!(contains_word("facture edf", "edf"));
        assert!(!contains_word("medfords", "edf"));
        assert!(!contains_word("eniac", "eni"));
    }
}
