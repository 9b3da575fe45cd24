//! Which days have a check: weekdays that are neither French public
//! holidays nor closures the operators entered, in the configured time
//! zone (Europe/Paris).

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, TimeZone, Timelike, Utc, Weekday};
use chrono_tz::Tz;

/// French public holidays (Code du travail, art. L3133-1): the fixed ones
/// and those that follow Easter (Easter Monday, Ascension Thursday, Whit
/// Monday).
pub fn french_public_holiday(day: NaiveDate) -> Option<&'static str> {
    let fixed = match (day.month(), day.day()) {
        (1, 1) => Some("Jour de l'an"),
        (5, 1) => Some("Fête du Travail"),
        (5, 8) => Some("Victoire 1945"),
        (7, 14) => Some("Fête nationale"),
        (8, 15) => Some("Assomption"),
        (11, 1) => Some("Toussaint"),
        (11, 11) => Some("Armistice 1918"),
        (12, 25) => Some("Noël"),
        _ => None,
    };
    fixed.or_else(|| {
        let easter = easter_sunday(day.year())?;
        match (day - easter).num_days() {
            1 => Some("Lundi de Pâques"),
            39 => Some("Ascension"),
            50 => Some("Lundi de Pentecôte"),
            _ => None,
        }
    })
}

/// Easter Sunday in the Gregorian calendar (the anonymous algorithm
/// published by Meeus/Jones/Butcher).
fn easter_sunday(year: i32) -> Option<NaiveDate> {
    let a = year % 19;
    let b = year / 100;
    let c = year % 100;
    let d = b / 4;
    let e = b % 4;
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15) % 30;
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k) % 7;
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    NaiveDate::from_ymd_opt(year, u32::try_from(month).ok()?, u32::try_from(day).ok()?)
}

pub fn is_weekend(day: NaiveDate) -> bool {
    matches!(day.weekday(), Weekday::Sat | Weekday::Sun)
}

/// The local date and minute of the day of `now` in `zone`.
pub fn local_day_and_minute(now: DateTime<Utc>, zone: Tz) -> (NaiveDate, u32) {
    let local = now.with_timezone(&zone);
    (local.date_naive(), local.time().num_seconds_from_midnight() / 60)
}

/// The days from `days` before `today` up to `today`, oldest first.
pub fn recent_days(today: NaiveDate, days: u32) -> impl Iterator<Item = NaiveDate> {
    (0..=i64::from(days)).rev().map(move |back| today - Duration::days(back))
}

/// The next instant after `now` when the local clock of `zone` reads
/// `time`: skips a time that a daylight-saving change removes that day.
pub fn next_local_time(now: DateTime<Utc>, zone: Tz, time: NaiveTime) -> DateTime<Utc> {
    let today = now.with_timezone(&zone).date_naive();
    (0..=3)
        .filter_map(|offset| {
            let day = today + Duration::days(offset);
            zone.from_local_datetime(&day.and_time(time)).earliest().map(|local| local.with_timezone(&Utc))
        })
        .find(|candidate| *candidate > now)
        .unwrap_or(now + Duration::days(1))
}

/// `lundi 23 novembre 2026`.
const MONTHS: [&str; 12] = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
];

pub fn french_date(day: chrono::NaiveDate) -> String {
    use chrono::Datelike;
    const DAYS: [&str; 7] = ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"];
    format!(
        "{} {} {} {}",
        DAYS[day.weekday().num_days_from_monday() as usize],
        day.day(),
        MONTHS[day.month0() as usize],
        day.year()
    )
}

/// `décembre 2026`.
pub fn french_month(day: chrono::NaiveDate) -> String {
    use chrono::Datelike;
    format!("{} {}", MONTHS[day.month0() as usize], day.year())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("date")
    }

    #[test]
    fn easter_dates_match_the_published_calendar() {
        assert_eq!(easter_sunday(2024), Some(date(2024, 3, 31)));
        assert_eq!(easter_sunday(2025), Some(date(2025, 4, 20)));
        assert_eq!(easter_sunday(2026), Some(date(2026, 4, 5)));
        assert_eq!(easter_sunday(2027), Some(date(2027, 3, 28)));
    }

    #[test]
    fn movable_and_fixed_holidays_of_2026() {
        assert_eq!(french_public_holiday(date(2026, 4, 6)), Some("Lundi de Pâques"));
        assert_eq!(french_public_holiday(date(2026, 5, 14)), Some("Ascension"));
        assert_eq!(french_public_holiday(date(2026, 5, 25)), Some("Lundi de Pentecôte"));
        assert_eq!(french_public_holiday(date(2026, 7, 14)), Some("Fête nationale"));
        assert_eq!(french_public_holiday(date(2026, 11, 11)), Some("Armistice 1918"));
        assert_eq!(french_public_holiday(date(2026, 11, 20)), None);
    }

    #[test]
    fn the_paris_day_is_not_the_utc_day_near_midnight() {
        let now = Utc.with_ymd_and_hms(2026, 11, 20, 23, 30, 0).single().expect("instant");
        assert_eq!(local_day_and_minute(now, chrono_tz::Europe::Paris), (date(2026, 11, 21), 30));
    }

    #[test]
    fn next_local_time_crosses_daylight_saving_changes() {
        let paris = chrono_tz::Europe::Paris;
        let two = NaiveTime::from_hms_opt(2, 0, 0).expect("time");
        // 29 March 2026: 02:00 does not exist in Paris; the next 02:00 is on the 30th (00:00 UTC).
        let before = Utc.with_ymd_and_hms(2026, 3, 28, 12, 0, 0).single().expect("instant");
        assert_eq!(next_local_time(before, paris, two), Utc.with_ymd_and_hms(2026, 3, 30, 0, 0, 0).unwrap());
        let winter = Utc.with_ymd_and_hms(2026, 11, 21, 1, 0, 0).single().expect("instant");
        assert_eq!(next_local_time(winter, paris, two), Utc.with_ymd_and_hms(2026, 11, 22, 1, 0, 0).unwrap());
    }
}
