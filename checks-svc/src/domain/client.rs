use serde::Serialize;

const MAX_REFERENCE_CHARACTERS: usize = 100;

/// The stable name of a client that a gestionnaire's roles list (`acme`):
/// lowercase letters, digits, `-` and `_`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct ClientReference(String);

impl ClientReference {
    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        let value = raw.trim();
        let valid = !value.is_empty()
            && value.len() <= MAX_REFERENCE_CHARACTERS
            && value.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
        if valid { Ok(Self(value.to_owned())) } else { Err("de 1 à 100 minuscules, chiffres, « - » ou « _ »") }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_are_lowercase_slugs() {
        assert_eq!(ClientReference::parse(" acme-2 ").map(|r| r.0), Ok("acme-2".to_owned()));
        for bad in ["", "ACME", "a b", "é", &"a".repeat(101)] {
            assert!(ClientReference::parse(bad).is_err(), "{bad:?}");
        }
    }
}
