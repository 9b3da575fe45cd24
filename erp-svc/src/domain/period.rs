//! How often a preventive plan comes back: every 3 months, every year.

use chrono::{Days, Months, NaiveDate};

use super::intervention::text_enum;

text_enum!(PeriodUnit { Day => "day", Week => "week", Month => "month", Year => "year" });

/// A positive number of days, weeks, months or years, at most ten years.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    every: u32,
    unit: PeriodUnit,
}

impl Period {
    pub fn new(every: i64, unit: PeriodUnit) -> Result<Self, &'static str> {
        let limit = match unit {
            PeriodUnit::Day => 3650,
            PeriodUnit::Week => 520,
            PeriodUnit::Month => 120,
            PeriodUnit::Year => 10,
        };
        match u32::try_from(every) {
            Ok(every) if every >= 1 && every <= limit => Ok(Self { every, unit }),
            _ => Err("must be a positive period of at most ten years"),
        }
    }

    pub fn every(self) -> u32 {
        self.every
    }

    pub fn unit(self) -> PeriodUnit {
        self.unit
    }

    /// The date one period after `date`; month ends stay month ends
    /// (31 January + 1 month = 28 or 29 February).
    pub fn after(self, date: NaiveDate) -> Option<NaiveDate> {
        match self.unit {
            PeriodUnit::Day => date.checked_add_days(Days::new(u64::from(self.every))),
            PeriodUnit::Week => date.checked_add_days(Days::new(7 * u64::from(self.every))),
            PeriodUnit::Month => date.checked_add_months(Months::new(self.every)),
            PeriodUnit::Year => date.checked_add_months(Months::new(12 * self.every)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(text: &str) -> NaiveDate {
        text.parse().expect("a date")
    }

    #[test]
    fn periods_step_by_their_unit() {
        let quarterly = Period::new(3, PeriodUnit::Month).expect("valid");
        assert_eq!(quarterly.after(date("2026-01-31")), Some(date("2026-04-30")));
        let fortnight = Period::new(2, PeriodUnit::Week).expect("valid");
        assert_eq!(fortnight.after(date("2026-12-25")), Some(date("2027-01-08")));
        assert_eq!(
            Period::new(1, PeriodUnit::Year).expect("valid").after(date("2028-02-29")),
            Some(date("2029-02-28"))
        );
    }

    #[test]
    fn empty_or_endless_periods_are_refused() {
        assert!(Period::new(0, PeriodUnit::Day).is_err());
        assert!(Period::new(-1, PeriodUnit::Month).is_err());
        assert!(Period::new(11, PeriodUnit::Year).is_err());
    }
}
