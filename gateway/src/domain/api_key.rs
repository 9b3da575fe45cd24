//! Platform API keys look like `pk_<16 hex prefix>_<64 hex secret>`.
//! The prefix is public (it names the key in listings); only a SHA-256 of
//! the secret part is stored. Both parts are random, so a plain hash is
//! enough: there is no low-entropy password to protect from guessing.

use sha2::{Digest, Sha256};

const MARKER: &str = "pk_";
const PREFIX_BYTES: usize = 8;
const SECRET_BYTES: usize = 32;

/// A presented key that has the platform's shape.
#[derive(PartialEq, Eq)]
pub struct ApiKeyToken {
    prefix: String,
    secret: String,
}

impl ApiKeyToken {
    pub fn parse(raw: &str) -> Option<Self> {
        let (prefix, secret) = raw.strip_prefix(MARKER)?.split_once('_')?;
        let is_hex = |s: &str, bytes: usize| s.len() == bytes * 2 && s.bytes().all(|b| b.is_ascii_hexdigit());
        (is_hex(prefix, PREFIX_BYTES) && is_hex(secret, SECRET_BYTES))
            .then(|| Self { prefix: prefix.to_ascii_lowercase(), secret: secret.to_ascii_lowercase() })
    }

    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    pub fn secret_hash(&self) -> String {
        hash_secret(&self.secret)
    }
}

impl std::fmt::Debug for ApiKeyToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ApiKeyToken({MARKER}{}_[REDACTED])", self.prefix)
    }
}

/// A new key: the full token is shown once, the hash is stored.
pub struct GeneratedApiKey {
    pub token: String,
    pub prefix: String,
    pub secret_hash: String,
}

impl GeneratedApiKey {
    pub fn generate() -> Self {
        let prefix = hex::encode(rand::random::<[u8; PREFIX_BYTES]>());
        let secret = hex::encode(rand::random::<[u8; SECRET_BYTES]>());
        Self { token: format!("{MARKER}{prefix}_{secret}"), secret_hash: hash_secret(&secret), prefix }
    }
}

pub fn hash_secret(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_keys_parse_back_to_their_hash() {
        let key = GeneratedApiKey::generate();
        let token = ApiKeyToken::parse(&key.token).expect("a generated key parses");
        assert_eq!(token.prefix(), key.prefix);
        assert_eq!(token.secret_hash(), key.secret_hash);
        assert_ne!(GeneratedApiKey::generate().token, key.token);
    }

    #[test]
    fn malformed_keys_do_not_parse() {
        let good = GeneratedApiKey::generate().token;
        for bad in [
            "",
            "pk_",
            "cle1",
            &good[..good.len() - 1],
            &good.replace("pk_", "sk_"),
            &format!("{good}0"),
            &good.replacen('_', "-", 2),
            "pk_zzzzzzzzzzzzzzzz_0000000000000000000000000000000000000000000000000000000000000000",
        ] {
            assert!(ApiKeyToken::parse(bad).is_none(), "{bad:?} parsed");
        }
    }

    /// Random input near the key's shape never panics the parser, and what
    /// it accepts always has the documented shape.
    #[test]
    fn arbitrary_input_never_panics_and_accepted_keys_are_well_formed() {
        let alphabet: Vec<char> = "pk_0123456789abcdefABCDEFxyz-é\u{0}".chars().collect();
        let genuine = GeneratedApiKey::generate().token;
        for round in 0..20_000 {
            let candidate: String = if round % 2 == 0 {
                let length = rand::random_range(0..90);
                (0..length).map(|_| alphabet[rand::random_range(0..alphabet.len())]).collect()
            } else {
                let mut mutated: Vec<char> = genuine.chars().collect();
                let at = rand::random_range(0..mutated.len());
                mutated[at] = alphabet[rand::random_range(0..alphabet.len())];
                mutated.into_iter().collect()
            };
            if let Some(token) = ApiKeyToken::parse(&candidate) {
                assert_eq!(token.prefix().len(), 16, "{candidate:?}");
                assert!(candidate.starts_with("pk_") && candidate.len() == 3 + 16 + 1 + 64, "{candidate:?}");
            }
        }
    }

    #[test]
    fn debug_output_hides_the_secret() {
        let key = GeneratedApiKey::generate();
        let token = ApiKeyToken::parse(&key.token).expect("parses");
        let printed = format!("{token:?}");
        assert!(printed.contains(&key.prefix));
        assert!(!printed.contains(&key.token[20..]));
    }
}
