//! The caller's identity as the gateway forwards it to services.
//!
//! The gateway authenticates the caller (API key or user JWT), then signs a
//! short-lived token with the internal key, addressed to one service
//! (`aud`). A service accepts a request only with such a token, so reaching
//! its port directly, or replaying a token meant for another service, fails.
//!
//! A service deployed on its own, as the legacy apps were, may instead be
//! given the legacy `API_KEY` list: callers then present one of those keys
//! in `X-API-Key`, compared in constant time.

use std::collections::BTreeMap;
use std::future::{Ready, ready};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header::HeaderName;
use actix_web::middleware::Next;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::configuration::{InternalAuthSettings, StandaloneSettings};
use crate::error::{ApiError, ErrorCode};
use crate::http::security::API_KEY_HEADER;
use crate::http::{is_public_path, refuse};

pub const IDENTITY_HEADER: HeaderName = HeaderName::from_static("x-platform-identity");
const ISSUER: &str = "platform-gateway";
/// Long enough for clock skew between pods, short enough to be useless if leaked.
const TOKEN_LIFETIME: Duration = Duration::from_secs(60);
const MINIMUM_KEY_BYTES: usize = 32;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CallerKind {
    User,
    ApiKey,
    /// No credentials: only on the paths the gateway opens to anyone
    /// (`upstreams.<name>.public_prefixes`, heartbeats), where something in
    /// the path itself (an unguessable token) is the credential.
    Anonymous,
}

/// Who is calling, as established by the gateway.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Caller {
    /// A user id, or an API key id.
    #[serde(rename = "sub")]
    pub subject: String,
    pub kind: CallerKind,
    /// Roles per service (`"erp": ["technicien"]`), for users.
    #[serde(default)]
    pub roles: BTreeMap<String, Vec<String>>,
    /// Services an API key may call.
    #[serde(default)]
    pub scopes: Vec<String>,
    /// Per service, the records a user is confined to: the client company
    /// of an ERP `client`, the clients a Check du Matin `gestionnaire`
    /// manages. Absent means no such confinement.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub limited_to: BTreeMap<String, Vec<String>>,
    /// The user's e-mail address, for services that record who did what.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// What people read as who did it: a user's name, an API key's label.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// The roles key that marks a platform administrator (`"platform": ["admin"]`),
/// whom every service treats as its own administrator.
pub const PLATFORM_ROLES: &str = "platform";

impl Caller {
    pub fn is_platform_admin(&self) -> bool {
        self.kind == CallerKind::User
            && self.roles.get(PLATFORM_ROLES).is_some_and(|roles| roles.iter().any(|role| role == "admin"))
    }
}

#[derive(Debug, Serialize, Deserialize)]
struct ForwardedClaims {
    #[serde(flatten)]
    caller: Caller,
    iss: String,
    aud: String,
    iat: u64,
    exp: u64,
}

/// The symmetric key shared by the gateway and the services.
#[derive(Clone)]
pub struct InternalKey {
    encoding: EncodingKey,
    decoding: DecodingKey,
}

impl std::fmt::Debug for InternalKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("InternalKey([REDACTED])")
    }
}

#[derive(Debug, thiserror::Error)]
pub enum InternalKeyError {
    #[error("the internal key (PLATFORM_INTERNAL_KEY) is missing; the gateway and every service must share one")]
    Missing,
    #[error("the internal key must be at least {MINIMUM_KEY_BYTES} bytes long")]
    TooShort,
    #[error("the internal key is a known default or one character repeated; make one with `openssl rand -hex 32`")]
    Weak,
}

/// Defaults of example files and tutorials, refused as secrets whatever their length.
const KNOWN_DEFAULTS: &[&str] = &[
    "change_me",
    "changeme",
    "change-me",
    "change_this",
    "changethis",
    "secret",
    "secret_key",
    "secretkey",
    "your-secret-key",
    "your_secret_key",
    "supersecret",
    "super-secret-key",
    "password",
    "default",
    "test",
    "dev",
    "jwt_secret",
    "mysecret",
];

/// Why `secret` is no secret, if it is not: shorter than 32 bytes, a known
/// default (any case, repeated or not), or one character repeated.
pub fn weakness(secret: &str) -> Option<&'static str> {
    let folded = secret.trim().to_lowercase();
    let is_default = KNOWN_DEFAULTS.iter().any(|default| {
        folded.len() >= default.len()
            && folded.len().is_multiple_of(default.len())
            && folded == default.repeat(folded.len() / default.len())
    });
    let mut characters = folded.chars();
    let first = characters.next();
    if is_default {
        Some("is a known default")
    } else if secret.len() < MINIMUM_KEY_BYTES {
        Some("is shorter than 32 bytes")
    } else if characters.all(|character| Some(character) == first) {
        Some("repeats one character")
    } else {
        None
    }
}

impl InternalKey {
    pub fn from_secret(secret: &SecretString) -> Result<Self, InternalKeyError> {
        let bytes = secret.expose_secret().as_bytes();
        if bytes.len() < MINIMUM_KEY_BYTES {
            return Err(InternalKeyError::TooShort);
        }
        if weakness(secret.expose_secret()).is_some() {
            return Err(InternalKeyError::Weak);
        }
        Ok(Self { encoding: EncodingKey::from_secret(bytes), decoding: DecodingKey::from_secret(bytes) })
    }

    pub fn from_settings(secret: Option<&SecretString>) -> Result<Self, InternalKeyError> {
        Self::from_secret(secret.ok_or(InternalKeyError::Missing)?)
    }

    /// A random key, for the all-in-one process where nobody else needs it.
    pub fn generate() -> (Self, SecretString) {
        let secret = SecretString::from(random_token(32));
        let key = Self::from_secret(&secret).expect("32 random bytes encode to more than 32 characters");
        (key, secret)
    }

    pub fn sign(&self, caller: &Caller, audience: &str) -> Result<String, ApiError> {
        let now = unix_now();
        let claims = ForwardedClaims {
            caller: caller.clone(),
            iss: ISSUER.to_owned(),
            aud: audience.to_owned(),
            iat: now,
            exp: now + TOKEN_LIFETIME.as_secs(),
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding).map_err(ApiError::internal)
    }

    pub fn verify(&self, token: &str, audience: &str) -> Result<Caller, ApiError> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_audience(&[audience]);
        validation.set_issuer(&[ISSUER]);
        validation.leeway = 5;
        jsonwebtoken::decode::<ForwardedClaims>(token, &self.decoding, &validation)
            .map(|data| data.claims.caller)
            .map_err(|_| {
                ApiError::new(
                    ErrorCode::InvalidIdentity,
                    "The forwarded identity is invalid or expired; call this service through the gateway.",
                )
            })
    }
}

/// Keys configured in settings (the legacy `API_KEY` list), kept as
/// SHA-256 digests so that comparing them takes the same time whatever the
/// presented key shares with a known one.
#[derive(Clone, Default)]
pub struct StaticApiKeys {
    digests: Vec<[u8; 32]>,
}

impl StaticApiKeys {
    pub fn new(keys: &[SecretString]) -> Self {
        let digests = keys
            .iter()
            .filter(|key| !key.expose_secret().is_empty())
            .map(|key| Sha256::digest(key.expose_secret().as_bytes()).into())
            .collect();
        Self { digests }
    }

    pub fn is_empty(&self) -> bool {
        self.digests.is_empty()
    }

    /// The position of `presented` in the list, compared with every key
    /// without stopping at the first match.
    pub fn position(&self, presented: &str) -> Option<usize> {
        let digest: [u8; 32] = Sha256::digest(presented.as_bytes()).into();
        let mut matched = None;
        for (index, known) in self.digests.iter().enumerate() {
            if bool::from(known.ct_eq(&digest)) {
                matched = Some(index);
            }
        }
        matched
    }
}

impl std::fmt::Debug for StaticApiKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "StaticApiKeys({} keys)", self.digests.len())
    }
}

/// What a service's identity middleware needs: its own name, the internal
/// key the gateway signs with, and the keys it accepts when reached directly.
#[derive(Debug, Clone)]
pub struct IdentityVerifier {
    pub key: Option<InternalKey>,
    pub standalone_keys: StaticApiKeys,
    pub audience: String,
}

impl IdentityVerifier {
    /// A service accepting forwarded identities only.
    pub fn forwarded(settings: &InternalAuthSettings, audience: &str) -> Result<Self, InternalKeyError> {
        Self::build(settings, StaticApiKeys::default(), audience)
    }

    /// A service also accepting `standalone.api_keys` in `X-API-Key`, with
    /// no internal key needed when there is no gateway.
    pub fn standalone(
        settings: &InternalAuthSettings,
        standalone: &StandaloneSettings,
        audience: &str,
    ) -> Result<Self, InternalKeyError> {
        Self::build(settings, StaticApiKeys::new(&standalone.api_keys), audience)
    }

    fn build(
        settings: &InternalAuthSettings,
        standalone_keys: StaticApiKeys,
        audience: &str,
    ) -> Result<Self, InternalKeyError> {
        let key = match &settings.key {
            None if !standalone_keys.is_empty() => None,
            secret => Some(InternalKey::from_settings(secret.as_ref())?),
        };
        Ok(Self { key, standalone_keys, audience: audience.to_owned() })
    }

    fn verify(&self, request: &ServiceRequest) -> Result<Caller, ApiError> {
        let header = |name: &HeaderName| request.headers().get(name).and_then(|value| value.to_str().ok());
        if let (Some(token), Some(key)) = (header(&IDENTITY_HEADER), &self.key) {
            return key.verify(token, &self.audience);
        }
        if let Some(presented) = header(&API_KEY_HEADER).filter(|_| !self.standalone_keys.is_empty()) {
            let index = self
                .standalone_keys
                .position(presented)
                .ok_or_else(|| ApiError::new(ErrorCode::InvalidCredentials, "The API key is not valid."))?;
            return Ok(Caller {
                subject: format!("standalone-key-{index}"),
                kind: CallerKind::ApiKey,
                roles: BTreeMap::new(),
                scopes: vec![self.audience.clone()],
                limited_to: BTreeMap::new(),
                email: None,
                name: None,
            });
        }
        Err(if self.standalone_keys.is_empty() {
            ApiError::new(
                ErrorCode::MissingIdentity,
                "This service is reached through the gateway, which forwards the caller's identity.",
            )
        } else {
            ApiError::new(ErrorCode::MissingCredentials, "Send your API key in the X-API-Key header.")
        })
    }
}

/// Middleware: every non-public path needs a valid forwarded identity, which
/// then becomes available to handlers as a [`Caller`] extractor.
pub async fn require_identity<B: MessageBody + 'static>(
    request: ServiceRequest,
    next: Next<B>,
) -> Result<ServiceResponse<EitherBody<B>>, actix_web::Error> {
    if !is_public_path(request.path()) {
        match forwarded_caller(&request) {
            Ok(caller) => {
                request.extensions_mut().insert(caller);
            }
            Err(error) => return Ok(refuse(request, &error)),
        }
    }
    Ok(next.call(request).await?.map_into_left_body())
}

fn forwarded_caller(request: &ServiceRequest) -> Result<Caller, ApiError> {
    let verifier = request
        .app_data::<web::Data<IdentityVerifier>>()
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("IdentityVerifier missing from app data")))?;
    verifier.verify(request)
}

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(
            request
                .extensions()
                .get::<Caller>()
                .cloned()
                .ok_or_else(|| ApiError::new(ErrorCode::MissingIdentity, "No caller identity on this request.")),
        )
    }
}

/// `n` random bytes, base64url without padding.
pub fn random_token(n: usize) -> String {
    let bytes: Vec<u8> = (0..n).map(|_| rand::random::<u8>()).collect();
    URL_SAFE_NO_PAD.encode(bytes)
}

fn unix_now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |elapsed| elapsed.as_secs())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caller() -> Caller {
        Caller {
            subject: "key-1".into(),
            kind: CallerKind::ApiKey,
            roles: BTreeMap::new(),
            scopes: vec!["facturx".into()],
            limited_to: BTreeMap::new(),
            email: None,
            name: None,
        }
    }

    #[test]
    fn a_token_is_accepted_by_its_audience_only() {
        let (key, _) = InternalKey::generate();
        let token = key.sign(&caller(), "facturx").expect("sign");
        assert_eq!(key.verify(&token, "facturx").expect("verify"), caller());
        assert_eq!(key.verify(&token, "erp").expect_err("other audience").code(), ErrorCode::InvalidIdentity);
    }

    #[test]
    fn a_token_signed_with_another_key_is_refused() {
        let (key, _) = InternalKey::generate();
        let (other, _) = InternalKey::generate();
        let token = other.sign(&caller(), "facturx").expect("sign");
        assert!(key.verify(&token, "facturx").is_err());
        assert!(key.verify("not-a-token", "facturx").is_err());
    }

    #[test]
    fn static_keys_are_found_by_position_and_empty_ones_ignored() {
        let keys =
            StaticApiKeys::new(&[SecretString::from("first"), SecretString::from(""), SecretString::from("second")]);
        assert_eq!(keys.position("second"), Some(1));
        assert_eq!(keys.position("first"), Some(0));
        assert_eq!(keys.position("secon"), None);
        assert_eq!(keys.position(""), None);
        assert!(StaticApiKeys::new(&[]).is_empty());
        assert!(!format!("{keys:?}").contains("first"));
    }

    #[test]
    fn a_standalone_service_with_keys_needs_no_internal_key() {
        let no_key = InternalAuthSettings::default();
        let keys = StandaloneSettings { enabled: true, api_keys: vec![SecretString::from("k")] };
        assert!(IdentityVerifier::standalone(&no_key, &keys, "ocr").expect("standalone").key.is_none());
        let no_keys = StandaloneSettings { enabled: true, api_keys: Vec::new() };
        assert!(matches!(IdentityVerifier::standalone(&no_key, &no_keys, "ocr"), Err(InternalKeyError::Missing)));
        assert!(matches!(IdentityVerifier::forwarded(&no_key, "ocr"), Err(InternalKeyError::Missing)));
    }

    #[test]
    fn short_or_missing_keys_are_refused() {
        assert!(matches!(InternalKey::from_secret(&SecretString::from("short")), Err(InternalKeyError::TooShort)));
        assert!(matches!(InternalKey::from_settings(None), Err(InternalKeyError::Missing)));
    }
}
