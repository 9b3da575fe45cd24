//! Synthetic French energy bills with their ground truth, to measure the
//! extraction: several supplier layouts, electricity, gas and dual bills,
//! as digital PDFs or as scans (rasterised, skewed, noisy JPEGs).

pub mod bill;
pub mod cli;
pub mod render;
pub mod scan;
pub mod typeface;

use std::collections::BTreeMap;

pub use self::bill::BillSpec;
pub use self::typeface::BillTypeface;
use crate::domain::energy::{EnergyType, Part};
use crate::extraction::fields::{Key, Name, Value};

pub const LAYOUTS: usize = 3;

/// The `index`-th bill of a corpus: energies and layouts take turns.
pub fn corpus_bill(seed: u64, index: usize) -> BillSpec {
    let energy = [EnergyType::Electricite, EnergyType::Gaz, EnergyType::Dual][index % 3];
    BillSpec::generate(seed.wrapping_mul(1_000_003).wrapping_add(index as u64), energy, (index / 3) % LAYOUTS)
}

/// What a perfect reading of `spec` gives, keyed as the extraction keys fields.
pub fn ground_truth(spec: &BillSpec) -> BTreeMap<Key, Value> {
    let mut truth = BTreeMap::new();
    let mut put = |key: Key, value: Value| {
        truth.insert(key, value);
    };
    let text = |value: &str| Value::Text(value.to_owned());
    put(Key::bill(Name::Supplier), text(spec.supplier));
    put(Key::bill(Name::CustomerName), text(&spec.customer_name));
    put(Key::bill(Name::CustomerAddress), Value::Text(spec.address_lines.join(", ")));
    put(Key::bill(Name::InvoiceNumber), text(&spec.invoice_number));
    put(Key::bill(Name::ContractNumber), text(&spec.contract_number));
    put(Key::bill(Name::InvoiceDate), Value::Date(spec.invoice_date));
    put(Key::bill(Name::DueDate), Value::Date(spec.due_date));
    put(Key::bill(Name::TotalExclVat), Value::Number(spec.total_excl_vat()));
    put(Key::bill(Name::TotalVat), Value::Number(spec.total_vat()));
    put(Key::bill(Name::TotalInclVat), Value::Number(spec.total_incl_vat()));
    put(Key::bill(Name::VatStandard), Value::Number(spec.vat_standard.1));
    if let Some((_, vat)) = spec.vat_reduced {
        put(Key::bill(Name::VatReduced), Value::Number(vat));
    }
    if let Some(fees) = spec.extra_fees {
        put(Key::bill(Name::ExtraFees), Value::Number(fees));
    }
    for part in &spec.parts {
        let key = |name| Key::of(part.part, name);
        put(key(Name::DeliveryPoint), text(&part.delivery_point));
        put(key(Name::PeriodStart), Value::Date(part.period_start));
        put(key(Name::PeriodEnd), Value::Date(part.period_end));
        put(key(Name::ReadingKind), text(part.reading_kind));
        put(key(Name::ConsumptionKwh), Value::Number(f64::from(part.consumption_kwh)));
        put(key(Name::Subscription), Value::Number(part.subscription));
        put(key(Name::EnergyAmount), Value::Number(part.energy_amount()));
        put(key(Name::Excise), Value::Number(part.excise));
        put(key(Name::ExciseRate), Value::Number(part.excise_rate));
        put(key(Name::Cta), Value::Number(part.cta));
        if let Some(delivery) = part.delivery {
            put(key(Name::Delivery), Value::Number(delivery));
        }
        match part.part {
            Part::Electricite => {
                put(key(Name::TariffOption), text(part.tariff_option.unwrap_or_default()));
                put(key(Name::SubscribedKva), Value::Number(f64::from(part.subscribed_kva.unwrap_or_default())));
                for band in &part.bands {
                    let name = match band.label {
                        "Heures Pleines" => Name::PeakKwh,
                        "Heures Creuses" => Name::OffPeakKwh,
                        _ => Name::BaseKwh,
                    };
                    put(key(name), Value::Number(f64::from(band.kwh.unwrap_or_default())));
                }
            }
            Part::Gaz => {
                put(key(Name::VolumeM3), Value::Number(f64::from(part.volume_m3.unwrap_or_default())));
                put(key(Name::ConversionFactor), Value::Number(part.conversion_factor.unwrap_or_default()));
                put(key(Name::TariffZone), Value::Text(part.tariff_zone.unwrap_or_default().to_string()));
            }
        }
    }
    truth
}

/// Field-level counts of a comparison between readings and the truth.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Score {
    pub true_positives: usize,
    pub false_positives: usize,
    pub false_negatives: usize,
}

impl Score {
    /// A found field is right when it equals the truth; a wrong value counts
    /// both as a false positive and as a missed true field.
    pub fn compare(truth: &BTreeMap<Key, Value>, found: &BTreeMap<Key, Value>) -> Score {
        let mut score = Score::default();
        for (key, value) in found {
            match truth.get(key) {
                Some(expected) if expected.matches(value) => score.true_positives += 1,
                _ => score.false_positives += 1,
            }
        }
        score.false_negatives = truth.len() - score.true_positives;
        score
    }

    pub fn add(&mut self, other: Score) {
        self.true_positives += other.true_positives;
        self.false_positives += other.false_positives;
        self.false_negatives += other.false_negatives;
    }

    pub fn precision(&self) -> f64 {
        ratio(self.true_positives, self.true_positives + self.false_positives)
    }

    pub fn recall(&self) -> f64 {
        ratio(self.true_positives, self.true_positives + self.false_negatives)
    }

    pub fn f1(&self) -> f64 {
        let (precision, recall) = (self.precision(), self.recall());
        if precision + recall == 0.0 { 0.0 } else { 2.0 * precision * recall / (precision + recall) }
    }
}

fn ratio(numerator: usize, denominator: usize) -> f64 {
    if denominator == 0 { 1.0 } else { numerator as f64 / denominator as f64 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores_count_wrong_values_as_both_errors() {
        let truth = BTreeMap::from([
            (Key::bill(Name::Supplier), Value::Text("EDF".into())),
            (Key::bill(Name::TotalVat), Value::Number(12.5)),
        ]);
        let found = BTreeMap::from([
            (Key::bill(Name::Supplier), Value::Text("edf".into())),
            (Key::bill(Name::TotalVat), Value::Number(12.6)),
        ]);
        let score = Score::compare(&truth, &found);
        assert_eq!(score, Score { true_positives: 1, false_positives: 1, false_negatives: 1 });
        assert!((score.f1() - 0.5).abs() < 1e-9);
    }

    #[test]
    fn generated_bills_add_up() {
        for index in 0..30 {
            let spec = corpus_bill(7, index);
            let expected = spec.total_excl_vat() + spec.total_vat();
            assert!((spec.total_incl_vat() - expected).abs() < 0.006, "bill {index}");
            assert_eq!(spec.parts.len(), spec.energy.parts().len());
        }
    }
}
