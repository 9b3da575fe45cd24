//! Values people type that every service checks the same way: names shown
//! to people, e-mail addresses, times of day.

use std::fmt;

use serde::Serialize;

const MAX_LABEL_CHARACTERS: usize = 200;

/// A name shown to people: not blank, no control characters, 200
/// characters at most.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Label(String);

impl Label {
    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        let value = raw.trim();
        if value.is_empty() {
            Err("ne doit pas être vide")
        } else if value.chars().count() > MAX_LABEL_CHARACTERS || value.chars().any(char::is_control) {
            Err("fait au plus 200 caractères, sans caractère de contrôle")
        } else {
            Ok(Self(value.to_owned()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A time of day, `HH:MM`, kept as minutes after midnight.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct LocalTime(u16);

impl LocalTime {
    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        let invalid = "est une heure, HH:MM";
        let (hours, minutes) = raw.trim().split_once(':').ok_or(invalid)?;
        let hours: u16 = hours.parse().map_err(|_| invalid)?;
        let minutes: u16 = minutes.parse().map_err(|_| invalid)?;
        if hours < 24 && minutes < 60 { Ok(Self(hours * 60 + minutes)) } else { Err(invalid) }
    }

    pub fn from_minutes(minutes: i64) -> Option<Self> {
        u16::try_from(minutes).ok().filter(|minutes| *minutes < 24 * 60).map(Self)
    }

    pub fn minutes(self) -> i32 {
        i32::from(self.0)
    }
}

impl fmt::Display for LocalTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}:{:02}", self.0 / 60, self.0 % 60)
    }
}

impl Serialize for LocalTime {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// An address e-mails can be sent to, as the SMTP library accepts it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct EmailAddress(String);

impl EmailAddress {
    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        let value = raw.trim().to_lowercase();
        value.parse::<lettre::Address>().map(|_| Self(value)).map_err(|_| "n'est pas une adresse e-mail")
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_of_day_parse_and_print() {
        assert_eq!(LocalTime::parse("08:30").map(|t| t.minutes()), Ok(510));
        assert_eq!(LocalTime::parse("8:05").map(|t| t.to_string()), Ok("08:05".to_owned()));
        for bad in ["24:00", "12:60", "noon", "12", "-1:00"] {
            assert!(LocalTime::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn labels_and_addresses_refuse_what_cannot_be_shown_or_sent() {
        assert!(Label::parse("  ").is_err());
        assert!(Label::parse("Sauvegarde\u{7}").is_err());
        assert_eq!(EmailAddress::parse(" Ops@Example.FR ").map(|a| a.0), Ok("ops@example.fr".to_owned()));
        assert!(EmailAddress::parse("ops@").is_err());
    }
}
