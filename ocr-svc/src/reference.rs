//! The dated reference tariffs (`reference/tariffs.toml`), compiled in.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use chrono::NaiveDate;
use serde::Deserialize;

const TARIFFS: &str = include_str!("../reference/tariffs.toml");

#[derive(Debug, Deserialize)]
pub struct Reference {
    pub version: String,
    pub electricity: Vec<Electricity>,
    pub gas: Vec<Gas>,
    pub electricity_excise: Vec<Rate>,
    pub gas_excise: Vec<Rate>,
    pub electricity_cta: Vec<Rate>,
    pub gas_cta: Vec<Rate>,
    pub vat: Vec<Vat>,
}

/// What every entry has: when it applies and where it comes from.
pub trait Dated {
    fn from(&self) -> NaiveDate;
    fn to(&self) -> Option<NaiveDate>;
    fn unverified(&self) -> &[String];
}

macro_rules! dated {
    ($($entry:ty),*) => {$(
        impl Dated for $entry {
            fn from(&self) -> NaiveDate {
                self.effective_from
            }
            fn to(&self) -> Option<NaiveDate> {
                self.effective_to
            }
            fn unverified(&self) -> &[String] {
                &self.unverified
            }
        }
    )*};
}

#[derive(Debug, Deserialize)]
pub struct Electricity {
    pub effective_from: NaiveDate,
    pub effective_to: Option<NaiveDate>,
    pub source: String,
    pub base_kwh: f64,
    pub hp_kwh: f64,
    pub hc_kwh: f64,
    pub base_subscription: BTreeMap<String, f64>,
    pub hphc_subscription: BTreeMap<String, f64>,
    #[serde(default)]
    pub unverified: Vec<String>,
}

#[derive(Debug, Deserialize)]
pub struct Gas {
    pub effective_from: NaiveDate,
    pub effective_to: Option<NaiveDate>,
    pub source: String,
    pub cooking_kwh: f64,
    pub heating_kwh: f64,
    pub cooking_subscription: f64,
    pub heating_subscription: f64,
    #[serde(default)]
    pub unverified: Vec<String>,
}

#[derive(Debug, Deserialize)]
pub struct Rate {
    pub effective_from: NaiveDate,
    pub effective_to: Option<NaiveDate>,
    pub rate: f64,
    pub source: String,
    #[serde(default)]
    pub unverified: Vec<String>,
}

#[derive(Debug, Deserialize)]
pub struct Vat {
    pub effective_from: NaiveDate,
    pub effective_to: Option<NaiveDate>,
    pub fixed_part: f64,
    pub energy: f64,
    pub source: String,
    #[serde(default)]
    pub unverified: Vec<String>,
}

dated!(Electricity, Gas, Rate, Vat);

/// An entry and whether it was in force on the date asked (if not, it is
/// the nearest one, and the analysis says it approximated).
pub struct Applied<'a, T> {
    pub entry: &'a T,
    pub exact: bool,
}

/// The entry in force on `on`, or else the nearest in time.
pub fn in_force<T: Dated>(entries: &[T], on: NaiveDate) -> Option<Applied<'_, T>> {
    if let Some(entry) = entries.iter().find(|entry| entry.from() <= on && entry.to().is_none_or(|to| on <= to)) {
        return Some(Applied { entry, exact: true });
    }
    entries
        .iter()
        .min_by_key(|entry| {
            let distance_to_start = (entry.from() - on).num_days().abs();
            let distance_to_end = entry.to().map_or(i64::MAX, |to| (on - to).num_days().abs());
            distance_to_start.min(distance_to_end)
        })
        .map(|entry| Applied { entry, exact: false })
}

pub static REFERENCE: LazyLock<Reference> =
    LazyLock::new(|| toml::from_str(TARIFFS).expect("reference/tariffs.toml is checked by a unit test"));

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        text.parse().expect("date")
    }

    #[test]
    fn the_reference_file_parses_and_its_periods_do_not_overlap() {
        let reference: Reference = toml::from_str(TARIFFS).expect("tariffs.toml");
        fn no_overlap<T: Dated>(entries: &[T]) {
            for pair in entries.windows(2) {
                let end = pair[0].to().expect("only the last entry is open-ended");
                assert!(end < pair[1].from(), "{end} overlaps {}", pair[1].from());
            }
        }
        no_overlap(&reference.electricity);
        no_overlap(&reference.gas);
        no_overlap(&reference.electricity_excise);
        no_overlap(&reference.gas_excise);
        no_overlap(&reference.electricity_cta);
        no_overlap(&reference.vat);
    }

    #[test]
    fn rates_apply_by_date() {
        let excise = |on| in_force(&REFERENCE.electricity_excise, day(on)).map(|applied| applied.entry.rate);
        assert_eq!(excise("2025-07-31"), Some(33.70));
        assert_eq!(excise("2025-08-01"), Some(29.98));
        let vat = in_force(&REFERENCE.vat, day("2025-09-30")).expect("vat");
        assert_eq!(vat.entry.fixed_part, 20.0);
        let early_gas = in_force(&REFERENCE.gas, day("2025-03-31")).expect("nearest gas entry");
        assert!(!early_gas.exact);
    }
}
