//! Random but plausible bills: who, when, how much, with the amounts
//! computed the way suppliers compute them, and now and then a defect the
//! analysis should find (5.5 % VAT after August 2025, an outdated excise
//! rate, repeated estimated readings, late fees, an oversized power).

use chrono::{Datelike, Months, NaiveDate};
use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};

use super::BillTypeface;
use crate::domain::energy::{EnergyType, Part};
use crate::extraction::text::round_cents;

#[derive(Debug, Clone)]
pub struct Line {
    pub label: &'static str,
    pub kwh: Option<u32>,
    pub unit_price: Option<f64>,
    pub amount: f64,
}

#[derive(Debug, Clone)]
pub struct PartSpec {
    pub part: Part,
    pub delivery_point: String,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    pub reading_kind: &'static str,
    /// Electricity: "base" or "hphc" and the subscribed kVA.
    pub tariff_option: Option<&'static str>,
    pub subscribed_kva: Option<u32>,
    /// Gas: volume, conversion factor, zone.
    pub volume_m3: Option<u32>,
    pub conversion_factor: Option<f64>,
    pub tariff_zone: Option<u8>,
    pub bands: Vec<Line>,
    pub consumption_kwh: u32,
    pub subscription: f64,
    pub delivery: Option<f64>,
    pub excise_rate: f64,
    pub excise: f64,
    pub cta: f64,
}

impl PartSpec {
    pub fn energy_amount(&self) -> f64 {
        round_cents(self.bands.iter().map(|band| band.amount).sum())
    }

    /// Amounts taxed at the fixed-part rate, and at the standard rate.
    fn vat_bases(&self) -> (f64, f64) {
        (self.subscription + self.cta, self.energy_amount() + self.delivery.unwrap_or(0.0) + self.excise)
    }
}

#[derive(Debug, Clone)]
pub struct BillSpec {
    pub seed: u64,
    pub layout: usize,
    pub typeface: BillTypeface,
    pub energy: EnergyType,
    pub supplier: &'static str,
    pub customer_name: String,
    pub address_lines: [String; 2],
    pub invoice_number: String,
    pub contract_number: String,
    pub invoice_date: NaiveDate,
    pub due_date: NaiveDate,
    pub parts: Vec<PartSpec>,
    pub extra_fees: Option<f64>,
    pub vat_reduced: Option<(f64, f64)>,
    pub vat_standard: (f64, f64),
}

impl BillSpec {
    pub fn total_excl_vat(&self) -> f64 {
        let parts: f64 = self
            .parts
            .iter()
            .map(|part| {
                part.subscription + part.energy_amount() + part.delivery.unwrap_or(0.0) + part.excise + part.cta
            })
            .sum();
        round_cents(parts + self.extra_fees.unwrap_or(0.0))
    }

    pub fn total_vat(&self) -> f64 {
        round_cents(self.vat_reduced.map_or(0.0, |(_, vat)| vat) + self.vat_standard.1)
    }

    pub fn total_incl_vat(&self) -> f64 {
        round_cents(self.total_excl_vat() + self.total_vat())
    }

    /// The same bill, printed in `typeface`.
    pub fn printed_in(self, typeface: BillTypeface) -> Self {
        Self { typeface, ..self }
    }

    pub fn part(&self, part: Part) -> Option<&PartSpec> {
        self.parts.iter().find(|spec| spec.part == part)
    }
}

const SUPPLIERS: [&str; 8] =
    ["EDF", "Engie", "TotalEnergies", "Ekwateur", "Vattenfall", "Octopus Energy", "Mint Énergie", "OHM Énergie"];
const FIRST_NAMES: [&str; 10] =
    ["Claire", "Jean", "Sophie", "Karim", "Élodie", "Thomas", "Nathalie", "Hugo", "Inès", "François"];
const LAST_NAMES: [&str; 10] =
    ["Martin", "Bernard", "Dubois", "Lefèvre", "Moreau", "Girard", "Benali", "Rousseau", "Fontaine", "Chevalier"];
const STREETS: [&str; 8] = [
    "rue des Lilas",
    "avenue Jean Jaurès",
    "boulevard Voltaire",
    "chemin des Vignes",
    "rue de la République",
    "allée des Peupliers",
    "place du Marché",
    "impasse des Écoles",
];
const CITIES: [(&str, &str); 8] = [
    ("69003", "Lyon"),
    ("75011", "Paris"),
    ("13006", "Marseille"),
    ("33000", "Bordeaux"),
    ("59800", "Lille"),
    ("44000", "Nantes"),
    ("31400", "Toulouse"),
    ("67000", "Strasbourg"),
];

/// Reference figures the generator prices with (HT), close to the TRV.
struct Pricing {
    base_kwh: f64,
    hp_kwh: f64,
    hc_kwh: f64,
    gas_kwh: f64,
    electricity_excise: f64,
    gas_excise: f64,
}

fn pricing(on: NaiveDate) -> Pricing {
    let before_august_2025 = on < date(2025, 8, 1);
    let from_february_2026 = on >= date(2026, 2, 1);
    Pricing {
        base_kwh: if before_august_2025 { 0.1342 } else { 0.1327 },
        hp_kwh: if before_august_2025 { 0.1451 } else { 0.1434 },
        hc_kwh: if before_august_2025 { 0.1076 } else { 0.1063 },
        gas_kwh: 0.0915,
        electricity_excise: if before_august_2025 {
            33.70
        } else if from_february_2026 {
            30.85
        } else {
            29.98
        },
        gas_excise: if before_august_2025 {
            17.16
        } else if from_february_2026 {
            16.39
        } else {
            15.43
        },
    }
}

pub fn date(year: i32, month: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, month, day).unwrap_or_default()
}

fn digits(rng: &mut StdRng, count: usize) -> String {
    (0..count).map(|_| char::from(b'0' + rng.random_range(0..10u8))).collect()
}

impl BillSpec {
    pub fn generate(seed: u64, energy: EnergyType, layout: usize) -> BillSpec {
        let mut rng = StdRng::seed_from_u64(seed);
        let supplier = *SUPPLIERS.choose(&mut rng).unwrap_or(&"EDF");
        let civility = *["M.", "Mme"].choose(&mut rng).unwrap_or(&"M.");
        let customer_name = format!(
            "{civility} {} {}",
            FIRST_NAMES.choose(&mut rng).unwrap_or(&"Jean"),
            LAST_NAMES.choose(&mut rng).unwrap_or(&"Martin")
        );
        let (postcode, city) = *CITIES.choose(&mut rng).unwrap_or(&CITIES[0]);
        let address_lines = [
            format!("{} {}", rng.random_range(1..120), STREETS.choose(&mut rng).unwrap_or(&STREETS[0])),
            format!("{postcode} {}", city.to_uppercase()),
        ];
        let months = if rng.random_bool(0.7) { 1 } else { 2 };
        let start = date(2025, 2, 1) + Months::new(rng.random_range(0..18));
        let end = start + Months::new(months) - chrono::Days::new(1);
        let invoice_date = end + chrono::Days::new(rng.random_range(3..12));
        let due_date = invoice_date + chrono::Days::new(rng.random_range(10..20));
        let prices = pricing(end);
        let overpricing = rng.random_range(0.92..1.3);
        let outdated_excise = rng.random_bool(0.12);
        let estimated = rng.random_bool(0.25);
        let parts: Vec<PartSpec> = energy
            .parts()
            .iter()
            .map(|&part| {
                let reading_kind = if estimated {
                    "estime"
                } else {
                    *["reel", "reel", "autoreleve"].choose(&mut rng).unwrap_or(&"reel")
                };
                match part {
                    Part::Electricite => {
                        let kva = *[3, 6, 6, 9, 9, 12].choose(&mut rng).unwrap_or(&6);
                        let option = if rng.random_bool(0.5) { "base" } else { "hphc" };
                        let monthly = rng.random_range(120..(kva * 60 + 200)) * months;
                        let bands = if option == "base" {
                            vec![band("Consommation Base", monthly, prices.base_kwh * overpricing)]
                        } else {
                            let peak = monthly * rng.random_range(55..72) / 100;
                            vec![
                                band("Heures Pleines", peak, prices.hp_kwh * overpricing),
                                band("Heures Creuses", monthly - peak, prices.hc_kwh * overpricing),
                            ]
                        };
                        let excise_rate = if outdated_excise { 21.00 } else { prices.electricity_excise };
                        PartSpec {
                            part,
                            delivery_point: digits(&mut rng, 14),
                            period_start: start,
                            period_end: end,
                            reading_kind,
                            tariff_option: Some(option),
                            subscribed_kva: Some(kva),
                            volume_m3: None,
                            conversion_factor: None,
                            tariff_zone: None,
                            consumption_kwh: monthly,
                            bands,
                            subscription: round_cents((8.0 + 1.6 * f64::from(kva)) * f64::from(months) * overpricing),
                            delivery: (layout == 2)
                                .then(|| round_cents(f64::from(monthly) * 0.0451 + 2.9 * f64::from(months))),
                            excise_rate,
                            excise: round_cents(f64::from(monthly) * excise_rate / 1000.0),
                            cta: round_cents(1.12 * f64::from(months)),
                        }
                    }
                    Part::Gaz => {
                        let volume = rng.random_range(25..260) * months;
                        let factor = (rng.random_range(10.80..11.45_f64) * 1000.0).round() / 1000.0;
                        let kwh = (f64::from(volume) * factor).round() as u32;
                        let excise_rate = if outdated_excise { 16.37 } else { prices.gas_excise };
                        PartSpec {
                            part,
                            delivery_point: digits(&mut rng, 14),
                            period_start: start,
                            period_end: end,
                            reading_kind,
                            tariff_option: None,
                            subscribed_kva: None,
                            volume_m3: Some(volume),
                            conversion_factor: Some(factor),
                            tariff_zone: Some(rng.random_range(1..=6)),
                            consumption_kwh: kwh,
                            bands: vec![band("Consommation", kwh, prices.gas_kwh * overpricing)],
                            subscription: round_cents(22.5 * f64::from(months) * overpricing),
                            delivery: (layout == 2)
                                .then(|| round_cents(f64::from(kwh) * 0.0123 + 4.1 * f64::from(months))),
                            excise_rate,
                            excise: round_cents(f64::from(kwh) * excise_rate / 1000.0),
                            cta: round_cents(2.35 * f64::from(months)),
                        }
                    }
                }
            })
            .collect();
        let wrong_reduced_vat = rng.random_bool(0.15);
        let reduced_applies = end < date(2025, 8, 1) || wrong_reduced_vat;
        let (fixed, standard): (f64, f64) =
            parts.iter().map(PartSpec::vat_bases).fold((0.0, 0.0), |(a, b), (c, d)| (a + c, b + d));
        let (vat_reduced, standard_base) = if reduced_applies {
            (Some((round_cents(fixed), round_cents(fixed * 0.055))), standard)
        } else {
            (None, fixed + standard)
        };
        let standard_base = round_cents(standard_base);
        BillSpec {
            seed,
            layout,
            typeface: BillTypeface::default(),
            energy,
            supplier,
            customer_name,
            address_lines,
            invoice_number: format!(
                "{}{}",
                ["FA", "F-", "INV", "10"].choose(&mut rng).unwrap_or(&"FA"),
                digits(&mut rng, 9)
            ),
            contract_number: format!(
                "{}{}",
                ["C", "CT-", "", "4"].choose(&mut rng).unwrap_or(&"C"),
                digits(&mut rng, 8)
            ),
            invoice_date,
            due_date,
            parts,
            extra_fees: rng.random_bool(0.12).then_some(*[7.50, 10.00, 15.00, 40.00].choose(&mut rng).unwrap_or(&10.0)),
            vat_reduced,
            vat_standard: (standard_base, round_cents(standard_base * 0.20)),
        }
    }

    pub fn month_count(&self) -> u32 {
        let Some(first) = self.parts.first() else { return 1 };
        let months = (first.period_end.year() - first.period_start.year()) * 12 + first.period_end.month() as i32
            - first.period_start.month() as i32
            + 1;
        months.max(1) as u32
    }
}

fn band(label: &'static str, kwh: u32, price: f64) -> Line {
    let price = (price * 10_000.0).round() / 10_000.0;
    Line { label, kwh: Some(kwh), unit_price: Some(price), amount: round_cents(f64::from(kwh) * price) }
}
