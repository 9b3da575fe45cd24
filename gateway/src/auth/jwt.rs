//! Signing and verification of user access tokens (HS256 JWTs).
//!
//! Tokens name their signing key in the `kid` header; several keys can be
//! active at once, so a new key signs new tokens while tokens signed with
//! the previous one stay valid until they expire. Tokens without `kid` are
//! checked against the ERP's legacy `SECRET_KEY`, which must be a real
//! secret (32 bytes or more, no known default): they only name a user, and
//! grant what that user's account holds now.

use std::collections::{BTreeMap, HashMap};

use chrono::Utc;
use common::database::Database;
use common::error::ApiError;
use common::on_database;
use hmac::{Hmac, KeyInit, Mac};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::identity::users::UserRecord;

const MINIMUM_KEY_BYTES: usize = 32;

/// What an access token says about its user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessClaims {
    pub sub: String,
    pub exp: u64,
    #[serde(default)]
    pub iat: u64,
    /// The sign-in session; tokens of the ERP's legacy secret have none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
    /// The user's token version when the token was issued.
    #[serde(default)]
    pub ver: i64,
    /// Roles per service: `{"erp": ["technicien"], "checks": ["gestionnaire"]}`.
    #[serde(default)]
    pub roles: BTreeMap<String, Vec<String>>,
    /// Records each service confines the user to (see `Caller::limited_to`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub limited_to: BTreeMap<String, Vec<String>>,
    /// Platform administrators may call every service.
    #[serde(default)]
    pub platform_admin: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// The user's name, which services show as who did something.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Until the user picks a new password, the token only lets them do that.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub password_change_required: bool,
}

impl AccessClaims {
    /// What `user`'s account holds now, for a token of session `sid`.
    pub fn of_user(user: &UserRecord, sid: Option<&str>, iat: u64, exp: u64) -> Self {
        let roles = user.roles();
        Self {
            sub: user.id.clone(),
            exp,
            iat,
            sid: sid.map(str::to_owned),
            ver: user.token_version,
            roles: roles.by_service(),
            limited_to: roles.limited_to(),
            platform_admin: roles.platform_admin,
            email: Some(user.email.clone()),
            name: Some(user.name.clone()),
            password_change_required: user.must_change_password,
        }
    }

    pub fn may_call(&self, service: &str) -> bool {
        !self.password_change_required
            && (self.platform_admin || self.roles.get(service).is_some_and(|roles| !roles.is_empty()))
    }
}

/// The keys access tokens are signed and checked with.
#[derive(Clone)]
pub struct JwtKeys {
    signing_kid: String,
    signing: EncodingKey,
    verifier: JwtVerifier,
    /// Derived from the signing key: the same on every replica.
    form_key: [u8; 32],
}

impl JwtKeys {
    /// The configured keys (`auth.jwt_keys`, signing with
    /// `auth.jwt_signing_kid` or else the last key id in order), or, when
    /// none are configured, a key kept in the database, created on first
    /// start, so that the embedded platform needs no setting.
    pub async fn resolve(
        configured: &BTreeMap<String, SecretString>,
        signing_kid: Option<&str>,
        legacy: Option<&SecretString>,
        database: &Database,
    ) -> anyhow::Result<Self> {
        let keys = if configured.is_empty() { stored_keys(database).await? } else { configured.clone() };
        if let Some(weakness) = legacy.and_then(|secret| common::identity::weakness(secret.expose_secret())) {
            anyhow::bail!(
                "SECRET_KEY (auth.legacy_jwt_secret) {weakness}: anyone could sign ERP tokens with it. \
                 Set the ERP's real secret, or leave SECRET_KEY unset"
            );
        }
        if let Some((kid, _)) = keys.iter().find(|(_, key)| key.expose_secret().len() < MINIMUM_KEY_BYTES) {
            anyhow::bail!("JWT key {kid:?} is shorter than {MINIMUM_KEY_BYTES} bytes");
        }
        let signing_kid = match signing_kid {
            Some(kid) if keys.contains_key(kid) => kid.to_owned(),
            Some(kid) => anyhow::bail!("auth.jwt_signing_kid {kid:?} is not among auth.jwt_keys"),
            None if configured.is_empty() => newest_stored_kid(database).await?,
            None => keys.keys().next_back().cloned().ok_or_else(|| anyhow::anyhow!("no JWT key"))?,
        };
        let secret = keys[&signing_kid].expose_secret().as_bytes();
        let signing = EncodingKey::from_secret(secret);
        let form_key = Sha256::new_with_prefix(b"platform admin form token\0").chain_update(secret).finalize().into();
        Ok(Self { signing_kid, signing, verifier: JwtVerifier::new(&keys, legacy), form_key })
    }

    pub fn sign(&self, claims: &AccessClaims) -> Result<String, ApiError> {
        let mut header = Header::new(Algorithm::HS256);
        header.kid = Some(self.signing_kid.clone());
        jsonwebtoken::encode(&header, claims, &self.signing).map_err(ApiError::internal)
    }

    /// The token the admin page's forms carry for a session: only pages
    /// rendered for that session know it, so another site cannot post.
    pub fn form_token(&self, session_id: &str) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.form_key).expect("HMAC accepts keys of any length");
        mac.update(session_id.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }

    pub fn verifier(&self) -> &JwtVerifier {
        &self.verifier
    }
}

async fn stored_keys(database: &Database) -> anyhow::Result<BTreeMap<String, SecretString>> {
    let kid = format!("local-{}", Utc::now().format("%Y%m%d"));
    // Several replicas starting at once: the first insert wins, and all
    // read back the same rows.
    on_database!(database, pool => sqlx::query(
        "INSERT INTO signing_keys (kid, secret, created_at) SELECT $1, $2, $3 \
         WHERE NOT EXISTS (SELECT 1 FROM signing_keys)",
    )
    .bind(&kid)
    .bind(common::identity::random_token(48))
    .bind(Utc::now())
    .execute(pool)
    .await
    .map(drop))?;
    let rows = on_database!(database, pool => sqlx::query_as::<_, (String, String)>("SELECT kid, secret FROM signing_keys")
        .fetch_all(pool)
        .await)?;
    Ok(rows.into_iter().map(|(kid, secret)| (kid, SecretString::from(secret))).collect())
}

async fn newest_stored_kid(database: &Database) -> anyhow::Result<String> {
    Ok(on_database!(database, pool => sqlx::query_scalar::<_, String>(
        "SELECT kid FROM signing_keys ORDER BY created_at DESC, kid DESC LIMIT 1",
    )
    .fetch_one(pool)
    .await)?)
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
    pub fn verify(&self, token: &str) -> Option<VerifiedToken> {
        let header = jsonwebtoken::decode_header(token).ok()?;
        match header.kid.as_deref() {
            Some(kid) => jsonwebtoken::decode::<AccessClaims>(token, self.keys.get(kid)?, &self.validation)
                .ok()
                .map(|data| VerifiedToken::Platform(data.claims)),
            None => jsonwebtoken::decode::<LegacyClaims>(token, self.legacy.as_ref()?, &self.validation)
                .ok()
                .map(|data| VerifiedToken::Legacy { subject: data.claims.sub }),
        }
    }
}

/// A token that verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VerifiedToken {
    /// Issued by the gateway: its claims hold.
    Platform(AccessClaims),
    /// Signed with the ERP's `SECRET_KEY` (`{sub, exp, role}`): only its
    /// subject counts, a user's id or e-mail address.
    Legacy { subject: String },
}

/// What the ERP's tokens carry that is read: whatever else they claim
/// (`role`, roles) grants nothing.
#[derive(Deserialize)]
struct LegacyClaims {
    sub: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(exp: u64) -> AccessClaims {
        AccessClaims {
            sub: "user-1".into(),
            exp,
            iat: 0,
            sid: None,
            ver: 1,
            roles: BTreeMap::from([("erp".into(), vec!["technicien".into()])]),
            limited_to: BTreeMap::new(),
            platform_admin: false,
            email: None,
            name: None,
            password_change_required: false,
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
        let legacy = "the ERP's own secret, long and random";
        let verifier = JwtVerifier::new(&keys, Some(&SecretString::from(legacy)));
        let valid = claims(in_an_hour());
        let platform = Some(VerifiedToken::Platform(valid.clone()));
        assert_eq!(verifier.verify(&sign(&valid, Some("2026-10"), "old-key")), platform);
        assert_eq!(verifier.verify(&sign(&valid, Some("2026-11"), "new-key")), platform);
        assert_eq!(
            verifier.verify(&sign(&valid, None, legacy)),
            Some(VerifiedToken::Legacy { subject: "user-1".into() })
        );
        assert!(valid.may_call("erp") && !valid.may_call("ocr"));
        let restricted = AccessClaims { password_change_required: true, ..valid };
        assert!(!restricted.may_call("erp"));
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
