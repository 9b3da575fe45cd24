//! E-mail addresses as the identity stores them: trimmed and lowercased,
//! so `Alice@Example.com` and `alice@example.com` are one account.

use std::fmt;

const MAX_LENGTH: usize = 254;
const MAX_LOCAL_LENGTH: usize = 64;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EmailAddress(String);

impl EmailAddress {
    /// The checks of RFC 5321's sizes and a plain `local@domain.tld`
    /// shape; quoted local parts and IP literals are refused on purpose,
    /// since no mail this platform sends goes to them.
    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        let address = raw.trim().to_lowercase();
        if address.is_empty() {
            return Err("is required");
        }
        if address.len() > MAX_LENGTH {
            return Err("is longer than 254 characters");
        }
        let (local, domain) = address.rsplit_once('@').ok_or("must contain @")?;
        let local_ok = !local.is_empty()
            && local.len() <= MAX_LOCAL_LENGTH
            && !local.starts_with('.')
            && !local.ends_with('.')
            && !local.contains("..")
            && local.chars().all(|c| c.is_alphanumeric() || "!#$%&'*+/=?^_`{|}~.-".contains(c));
        if !local_ok {
            return Err("has an invalid part before @");
        }
        let labels: Vec<&str> = domain.split('.').collect();
        let domain_ok = labels.len() >= 2
            && labels.iter().all(|label| {
                !label.is_empty()
                    && label.len() <= 63
                    && !label.starts_with('-')
                    && !label.ends_with('-')
                    && label.chars().all(|c| c.is_alphanumeric() || c == '-')
            });
        if !domain_ok {
            return Err("has an invalid domain");
        }
        Ok(Self(address))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_normalised() {
        let parsed = EmailAddress::parse("  Alice.Martin+erp@Example.FR ").expect("valid");
        assert_eq!(parsed.as_str(), "alice.martin+erp@example.fr");
        assert!(EmailAddress::parse("élodie@exemple.fr").is_ok());
    }

    #[test]
    fn malformed_addresses_are_refused() {
        let too_long = format!("{}@example.com", "a".repeat(250));
        for bad in [
            "",
            "   ",
            "alice",
            "alice@",
            "@example.com",
            "alice@example",
            "alice@@example.com",
            "al ice@example.com",
            ".alice@example.com",
            "alice..b@example.com",
            "alice@-example.com",
            "alice@example..com",
            "<alice>@example.com",
            "alice@exa_mple.com",
            too_long.as_str(),
        ] {
            assert!(EmailAddress::parse(bad).is_err(), "{bad:?} accepted");
        }
    }

    /// Random text near the shape of an address never panics the parser,
    /// and what it accepts is normalised and has one domain with a dot.
    #[test]
    fn arbitrary_input_never_panics_and_accepted_addresses_are_normalised() {
        let alphabet: Vec<char> = "aZ09.@-_+ é\u{0}\u{202e}<>\"'İ".chars().collect();
        for _ in 0..20_000 {
            let length = rand::random_range(0..40);
            let candidate: String = (0..length).map(|_| alphabet[rand::random_range(0..alphabet.len())]).collect();
            if let Ok(address) = EmailAddress::parse(&candidate) {
                let text = address.as_str();
                assert_eq!(text, text.to_lowercase(), "{candidate:?}");
                let (_, domain) = text.rsplit_once('@').expect("an @");
                assert!(domain.contains('.') && !text.chars().any(char::is_whitespace), "{candidate:?}");
            }
        }
    }
}
