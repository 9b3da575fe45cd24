//! Who is calling: an API key (`X-API-Key`) or a user token
//! (`Authorization: Bearer`), and which services they may call.

pub mod api_keys;
pub mod jwt;

use std::collections::BTreeMap;

use actix_web::http::header::{AUTHORIZATION, HeaderMap};
use common::error::{ApiError, ErrorCode};
use common::identity::{Caller, CallerKind, PLATFORM_ROLES, StaticApiKeys};
use secrecy::SecretString;

use self::api_keys::ApiKeyStore;
use self::jwt::{AccessClaims, JwtVerifier, VerifiedToken};
use crate::domain::{ApiKeyToken, EmailAddress, Scopes};
use crate::identity::sessions::SessionStore;
use crate::identity::users::UserStore;

pub use common::http::security::API_KEY_HEADER;

#[derive(Clone)]
pub struct Authenticator {
    keys: ApiKeyStore,
    legacy_keys: StaticApiKeys,
    jwt: JwtVerifier,
    sessions: SessionStore,
    users: UserStore,
}

/// An authenticated caller and what they may call.
#[derive(Debug)]
pub struct Authenticated {
    pub caller: Caller,
    /// The bucket this caller's requests are counted in.
    pub rate_limit_key: String,
    permission: Permission,
}

#[derive(Debug)]
enum Permission {
    Scopes(Scopes),
    Claims(AccessClaims),
}

/// The scope that lets an API key manage users and keys; `*` includes it.
pub const ADMIN_SCOPE: &str = "admin";

impl Authenticated {
    /// A caller without credentials, on a public path; counted per address.
    pub fn anonymous(client_address: &str) -> Self {
        Self {
            caller: Caller {
                subject: "anonymous".into(),
                kind: CallerKind::Anonymous,
                roles: BTreeMap::new(),
                scopes: Vec::new(),
                limited_to: BTreeMap::new(),
                email: None,
                name: None,
            },
            rate_limit_key: format!("anonymous:{client_address}"),
            permission: Permission::Scopes(Scopes::Services(Default::default())),
        }
    }

    /// May these credentials call `service`?
    pub fn authorize(&self, service: &str) -> Result<(), ApiError> {
        let allowed = match &self.permission {
            Permission::Scopes(scopes) => scopes.allows(service),
            Permission::Claims(claims) if claims.password_change_required => {
                return Err(password_change_required());
            }
            Permission::Claims(claims) => claims.may_call(service),
        };
        if allowed {
            Ok(())
        } else {
            Err(ApiError::new(
                ErrorCode::InsufficientScope,
                format!("These credentials are not allowed to call {service}."),
            ))
        }
    }

    /// Platform administrators, and keys with the `admin` scope, manage
    /// users and API keys.
    pub fn authorize_admin(&self) -> Result<(), ApiError> {
        match &self.permission {
            Permission::Scopes(scopes) if scopes.allows(ADMIN_SCOPE) => Ok(()),
            Permission::Claims(claims) if claims.password_change_required => Err(password_change_required()),
            // Tokens of the ERP's legacy secret name no session: whatever
            // they claim, they never administer the platform.
            Permission::Claims(claims) if claims.platform_admin && claims.sid.is_some() => Ok(()),
            _ => Err(ApiError::new(
                ErrorCode::InsufficientScope,
                "Only platform administrators manage users and API keys.",
            )),
        }
    }

    /// The user's token, when a user (not a key) is calling.
    pub fn claims(&self) -> Option<&AccessClaims> {
        match &self.permission {
            Permission::Claims(claims) => Some(claims),
            Permission::Scopes(_) => None,
        }
    }
}

fn password_change_required() -> ApiError {
    ApiError::new(ErrorCode::PasswordChangeRequired, "Choose a new password first (POST /auth/password).")
}

fn unauthorized(detail: &str) -> ApiError {
    ApiError::new(ErrorCode::InvalidCredentials, detail)
}

impl Authenticator {
    pub fn new(
        keys: ApiKeyStore,
        legacy_keys: &[SecretString],
        jwt: JwtVerifier,
        sessions: SessionStore,
        users: UserStore,
    ) -> Self {
        Self { keys, legacy_keys: StaticApiKeys::new(legacy_keys), jwt, sessions, users }
    }

    pub fn keys(&self) -> &ApiKeyStore {
        &self.keys
    }

    pub async fn authenticate(&self, headers: &HeaderMap) -> Result<Authenticated, ApiError> {
        if let Some(key) = headers.get(&API_KEY_HEADER) {
            let key = key.to_str().map_err(|_| unauthorized("The API key is not valid."))?;
            return self.authenticate_key(key.trim()).await;
        }
        if let Some(authorization) = headers.get(AUTHORIZATION) {
            let token = authorization
                .to_str()
                .ok()
                .and_then(|value| value.strip_prefix("Bearer ").or_else(|| value.strip_prefix("bearer ")))
                .ok_or_else(|| unauthorized("Expected `Authorization: Bearer <token>`."))?;
            return self.authenticate_token(token.trim()).await;
        }
        Err(ApiError::new(
            ErrorCode::MissingCredentials,
            "Send an API key in X-API-Key or a token in Authorization: Bearer.",
        ))
    }

    async fn authenticate_key(&self, presented: &str) -> Result<Authenticated, ApiError> {
        let Some(token) = ApiKeyToken::parse(presented) else {
            return self.authenticate_legacy_key(presented);
        };
        let record = self.keys.verify(&token).await.map_err(ApiError::internal)?.map_err(|rejection| {
            tracing::info!(prefix = token.prefix(), ?rejection, "API key refused");
            unauthorized("The API key is not valid.")
        })?;
        let scopes = record.scopes();
        Ok(Authenticated {
            caller: Caller {
                subject: record.id.clone(),
                kind: CallerKind::ApiKey,
                roles: BTreeMap::new(),
                scopes: scopes.to_list(),
                limited_to: BTreeMap::new(),
                email: None,
                name: Some(record.name.clone()),
            },
            rate_limit_key: format!("key:{}", record.id),
            permission: Permission::Scopes(scopes),
        })
    }

    /// Keys from `API_KEY`: compared with every configured key, in constant
    /// time, without stopping at the first match.
    fn authenticate_legacy_key(&self, presented: &str) -> Result<Authenticated, ApiError> {
        let index = self.legacy_keys.position(presented).ok_or_else(|| unauthorized("The API key is not valid."))?;
        let subject = format!("legacy-key-{index}");
        Ok(Authenticated {
            caller: Caller {
                subject: subject.clone(),
                kind: CallerKind::ApiKey,
                roles: BTreeMap::new(),
                scopes: Scopes::All.to_list(),
                limited_to: BTreeMap::new(),
                email: None,
                name: None,
            },
            rate_limit_key: format!("key:{subject}"),
            permission: Permission::Scopes(Scopes::All),
        })
    }

    pub async fn authenticate_token(&self, token: &str) -> Result<Authenticated, ApiError> {
        let verified = self.jwt.verify(token).ok_or_else(|| unauthorized("The access token is invalid or expired."))?;
        let claims = match verified {
            VerifiedToken::Platform(claims) => claims,
            VerifiedToken::Legacy { subject } => self.legacy_user_claims(&subject).await?,
        };
        if let Some(session_id) = &claims.sid {
            let mut status = self.sessions.status(session_id).await.map_err(ApiError::internal)?;
            // A token newer than what this replica cached: the cache is stale.
            if status.as_ref().is_some_and(|status| status.token_version < claims.ver) {
                status = self.sessions.status_now(session_id).await.map_err(ApiError::internal)?;
            }
            match status {
                Some(status) if status.usable && status.token_version == claims.ver => {}
                Some(status) if status.usable => {
                    return Err(unauthorized("The account changed since this token was issued; refresh it."));
                }
                _ => return Err(unauthorized("The session has ended; sign in again.")),
            }
        }
        let mut roles = claims.roles.clone();
        if claims.platform_admin {
            roles.insert(PLATFORM_ROLES.to_owned(), vec!["admin".to_owned()]);
        }
        Ok(Authenticated {
            caller: Caller {
                subject: claims.sub.clone(),
                kind: CallerKind::User,
                roles,
                scopes: Vec::new(),
                limited_to: claims.limited_to.clone(),
                email: claims.email.clone(),
                name: claims.name.clone(),
            },
            rate_limit_key: format!("user:{}", claims.sub),
            permission: Permission::Claims(claims),
        })
    }
}

impl Authenticator {
    /// An ERP token names a user (by id or e-mail address): it is honoured
    /// for an existing, active account, with that account's roles now.
    async fn legacy_user_claims(&self, subject: &str) -> Result<AccessClaims, ApiError> {
        let mut user = self.users.find(subject).await.map_err(ApiError::internal)?;
        if user.is_none()
            && let Ok(email) = EmailAddress::parse(subject)
        {
            user = self.users.find_by_email(&email).await.map_err(ApiError::internal)?;
        }
        let user = user.filter(|user| user.active).ok_or_else(|| unauthorized("The token names no active account."))?;
        let now = u64::try_from(chrono::Utc::now().timestamp()).unwrap_or_default();
        // Valid as long as the request: the token's own expiry was checked.
        Ok(AccessClaims::of_user(&user, None, now, now))
    }
}

/// Handlers of the gateway's own API take the caller as an argument; the
/// caller's requests count against the same rate limit as proxied ones.
impl actix_web::FromRequest for Authenticated {
    type Error = ApiError;
    type Future = futures_util::future::LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(request: &actix_web::HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let state = request.app_data::<actix_web::web::Data<crate::startup::GatewayState>>().cloned();
        let headers = request.headers().clone();
        Box::pin(async move {
            let state = state.ok_or_else(|| ApiError::internal(anyhow::anyhow!("GatewayState missing")))?;
            let authenticated = state.authenticator.authenticate(&headers).await?;
            state.rate_limiter.check(&authenticated.rate_limit_key)?;
            Ok(authenticated)
        })
    }
}
