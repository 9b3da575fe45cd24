//! Verification of user access tokens (HS256 JWTs).
//!
//! Tokens name their signing key in the `kid` header; several keys can be
//! active at once, so a new key signs new tokens while tokens signed with
//! the previous one stay valid until they expire. Tokens without `kid` are
//! checked against the ERP's legacy `SECRET_KEY`.

use std::collections::{BTreeMap, HashMap};

use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

/// What an access token says about its user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessClaims {
    pub sub: String,
    pub exp: u64,
    /// Roles per service: `{"erp": ["technicien"], "checks": ["gestionnaire"]}`.
    #[serde(default)]
    pub roles: BTreeMap<String, Vec<String>>,
    /// Platform administrators may call every service.
    #[serde(default)]
    pub platform_admin: bool,
}

impl AccessClaims {
    pub fn may_call(&self, service: &str) -> bool {
        self.platform_admin || self.roles.get(service).is_some_and(|roles| !roles.is_empty())
    }
}

#[derive(Clone)]
pub struct JwtVerifier {
    keys: HashMap<String, DecodingKey>,
    legacy: Option<DecodingKey>,
    validation: Validation,
}

impl JwtVerifier {
    pub fn new(keys: &BTreeMap<String, SecretString>, legacy: Option<&SecretString>) -> Self {
        let decoding = |secret: &SecretString| DecodingKey::from_secret(secret.expose_secret().as_bytes());
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 5;
        Self {
            keys: keys.iter().map(|(kid, secret)| (kid.clone(), decoding(secret))).collect(),
            legacy: legacy.map(decoding),
            validation,
        }
    }

    /// `None` when the token is malformed, expired, or signed by no known key.
    pub fn verify(&self, token: &str) -> Option<AccessClaims> {
        let header = jsonwebtoken::decode_header(token).ok()?;
        let key = match header.kid.as_deref() {
            Some(kid) => self.keys.get(kid)?,
            None => self.legacy.as_ref()?,
        };
        jsonwebtoken::decode::<AccessClaims>(token, key, &self.validation)
            .ok()
            .map(|data| data.claims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jsonwebtoken::{EncodingKey, Header};

    fn claims(exp: u64) -> AccessClaims {
        AccessClaims {
            sub: "user-1".into(),
            exp,
            roles: BTreeMap::from([("erp".into(), vec!["technicien".into()])]),
            platform_admin: false,
        }
    }

    fn sign(claims: &AccessClaims, kid: Option<&str>, secret: &str) -> String {
        let mut header = Header::new(Algorithm::HS256);
        header.kid = kid.map(str::to_owned);
        jsonwebtoken::encode(&header, claims, &EncodingKey::from_secret(secret.as_bytes())).expect("sign")
    }

    fn in_an_hour() -> u64 {
        u64::try_from(chrono::Utc::now().timestamp()).expect("after 1970") + 3600
    }

    #[test]
    fn tokens_of_every_active_key_and_the_legacy_secret_verify() {
        let keys = BTreeMap::from([
            ("2026-10".to_owned(), SecretString::from("old-key")),
            ("2026-11".to_owned(), SecretString::from("new-key")),
        ]);
        let verifier = JwtVerifier::new(&keys, Some(&SecretString::from("change_me")));
        let valid = claims(in_an_hour());
        assert_eq!(verifier.verify(&sign(&valid, Some("2026-10"), "old-key")), Some(valid.clone()));
        assert_eq!(verifier.verify(&sign(&valid, Some("2026-11"), "new-key")), Some(valid.clone()));
        assert_eq!(verifier.verify(&sign(&valid, None, "change_me")), Some(valid.clone()));
        assert!(valid.may_call("erp") && !valid.may_call("ocr"));
    }

    #[test]
    fn wrong_key_unknown_kid_expiry_and_garbage_are_refused() {
        let keys = BTreeMap::from([("k1".to_owned(), SecretString::from("secret"))]);
        let verifier = JwtVerifier::new(&keys, None);
        assert_eq!(verifier.verify(&sign(&claims(in_an_hour()), Some("k1"), "other")), None);
        assert_eq!(verifier.verify(&sign(&claims(in_an_hour()), Some("k2"), "secret")), None);
        assert_eq!(verifier.verify(&sign(&claims(in_an_hour()), None, "secret")), None);
        assert_eq!(verifier.verify(&sign(&claims(1_000), Some("k1"), "secret")), None);
        assert_eq!(verifier.verify("a.b.c"), None);
    }
}
