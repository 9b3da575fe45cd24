//! Password hashing with Argon2id (RFC 9106). The default parameters are
//! OWASP's first recommendation for Argon2id: 19 MiB of memory, 2
//! iterations, 1 lane. Each hash carries its parameters, so raising them
//! later keeps old hashes valid; they are upgraded at the next sign-in.

use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher as _, PasswordVerifier as _};
use argon2::{Algorithm, Argon2, Params, Version};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
pub struct Argon2Settings {
    pub memory_kib: u32,
    pub iterations: u32,
    pub parallelism: u32,
}

#[derive(Clone)]
pub struct PasswordHasher {
    params: Params,
    /// Checked against when the account does not exist, so that an unknown
    /// e-mail costs as much time as a wrong password.
    decoy_hash: String,
}

/// What checking a password found.
#[derive(Debug, PartialEq, Eq)]
pub enum Verification {
    Matches { needs_rehash: bool },
    DoesNotMatch,
}

impl PasswordHasher {
    pub fn new(settings: &Argon2Settings) -> anyhow::Result<Self> {
        let params = Params::new(settings.memory_kib, settings.iterations, settings.parallelism, None)
            .map_err(|error| anyhow::anyhow!("invalid Argon2 parameters: {error}"))?;
        let decoy_hash = hash_with(&params, common::identity::random_token(16).as_bytes())?;
        Ok(Self { params, decoy_hash })
    }

    pub async fn hash(&self, password: &SecretString) -> anyhow::Result<String> {
        let params = self.params.clone();
        let password = password.clone();
        tokio::task::spawn_blocking(move || hash_with(&params, password.expose_secret().as_bytes())).await?
    }

    /// Checks `password` against `stored`, or against a decoy when there is
    /// no stored hash, which never matches but takes the same time.
    pub async fn verify(&self, password: &SecretString, stored: Option<String>) -> anyhow::Result<Verification> {
        let exists = stored.is_some();
        let stored = stored.unwrap_or_else(|| self.decoy_hash.clone());
        let current = self.params.clone();
        let password = password.clone();
        tokio::task::spawn_blocking(move || {
            let parsed =
                PasswordHash::new(&stored).map_err(|error| anyhow::anyhow!("stored hash unreadable: {error}"))?;
            let matches = Argon2::default().verify_password(password.expose_secret().as_bytes(), &parsed).is_ok();
            Ok(if matches && exists {
                let needs_rehash = Params::try_from(&parsed).map_or(true, |stored| {
                    (stored.m_cost(), stored.t_cost(), stored.p_cost())
                        != (current.m_cost(), current.t_cost(), current.p_cost())
                });
                Verification::Matches { needs_rehash }
            } else {
                Verification::DoesNotMatch
            })
        })
        .await?
    }
}

fn hash_with(params: &Params, password: &[u8]) -> anyhow::Result<String> {
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone())
        .hash_password(password)
        .map(|hash| hash.to_string())
        .map_err(|error| anyhow::anyhow!("hashing failed: {error}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hasher(memory_kib: u32) -> PasswordHasher {
        PasswordHasher::new(&Argon2Settings { memory_kib, iterations: 1, parallelism: 1 }).expect("hasher")
    }

    #[tokio::test]
    async fn hashes_verify_and_older_parameters_ask_for_a_rehash() {
        let password = SecretString::from("correct horse battery staple");
        let cheap = hasher(1024);
        let hash = cheap.hash(&password).await.expect("hash");
        assert!(hash.starts_with("$argon2id$v=19$m=1024,t=1,p=1$"));
        assert_ne!(cheap.hash(&password).await.expect("hash"), hash, "salted");
        assert_eq!(
            cheap.verify(&password, Some(hash.clone())).await.expect("verify"),
            Verification::Matches { needs_rehash: false }
        );
        assert_eq!(
            cheap.verify(&SecretString::from("wrong"), Some(hash.clone())).await.expect("verify"),
            Verification::DoesNotMatch
        );
        assert_eq!(
            hasher(2048).verify(&password, Some(hash)).await.expect("verify"),
            Verification::Matches { needs_rehash: true }
        );
    }

    #[tokio::test]
    async fn a_missing_account_never_matches_even_the_decoy_password() {
        let cheap = hasher(1024);
        assert_eq!(
            cheap.verify(&SecretString::from("anything"), None).await.expect("verify"),
            Verification::DoesNotMatch
        );
        assert!(cheap.verify(&SecretString::from("x"), Some("garbage".into())).await.is_err());
    }
}
