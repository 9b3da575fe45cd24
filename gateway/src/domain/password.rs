//! A password a user chooses. The policy follows NIST SP 800-63B §3.1.1.2:
//! a minimum length, no composition rules, and a maximum that keeps the
//! cost of hashing bounded.

use secrecy::{ExposeSecret, SecretString};

pub const MIN_CHARACTERS: usize = 12;
const MAX_BYTES: usize = 256;

pub struct NewPassword(SecretString);

impl NewPassword {
    pub fn parse(raw: SecretString) -> Result<Self, &'static str> {
        let password = raw.expose_secret();
        if password.chars().count() < MIN_CHARACTERS {
            return Err("must be at least 12 characters long");
        }
        if password.len() > MAX_BYTES {
            return Err("must be at most 256 bytes long");
        }
        if password.trim().is_empty() {
            return Err("must not be only spaces");
        }
        Ok(Self(raw))
    }

    /// A random password for an account an administrator creates or
    /// resets; the user must change it at first sign-in.
    pub fn generate() -> Self {
        Self(SecretString::from(common::identity::random_token(15)))
    }

    pub fn secret(&self) -> &SecretString {
        &self.0
    }
}

impl std::fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NewPassword([REDACTED])")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn length_bounds_apply_and_generated_passwords_pass() {
        assert!(NewPassword::parse(SecretString::from("correct horse battery")).is_ok());
        assert!(NewPassword::parse(SecretString::from("éééééééééééé")).is_ok());
        for bad in ["short", "elevenchars", "            ", &"x".repeat(257)] {
            assert!(NewPassword::parse(SecretString::from(bad)).is_err(), "{bad:?} accepted");
        }
        let generated = NewPassword::generate();
        assert!(NewPassword::parse(generated.secret().clone()).is_ok());
        assert!(!format!("{generated:?}").contains(generated.secret().expose_secret()));
    }
}
