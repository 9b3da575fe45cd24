//! A user's display name.

use std::fmt;

const MAX_CHARACTERS: usize = 100;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonName(String);

impl PersonName {
    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        let name = raw.trim();
        if name.is_empty() {
            return Err("is required");
        }
        if name.chars().count() > MAX_CHARACTERS {
            return Err("is longer than 100 characters");
        }
        if name.chars().any(char::is_control) {
            return Err("contains control characters");
        }
        Ok(Self(name.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for PersonName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(PersonName::parse("  Zoé Dupont ").expect("valid").as_str(), "Zoé Dupont");
        assert!(PersonName::parse(&"é".repeat(100)).is_ok());
        for bad in ["", "  ", "a\u{0}b", "line\nbreak", &"é".repeat(101)] {
            assert!(PersonName::parse(bad).is_err(), "{bad:?} accepted");
        }
    }
}
