//! The platform's users: accounts, passwords, sign-in sessions and the
//! access tokens they yield. Every service trusts the identity established
//! here (the ERP's roles, the Check du Matin's admins and gestionnaires).

pub mod passwords;
pub mod sessions;
pub mod throttle;
pub mod users;

use std::time::Duration;

use common::database::Database;
use common::error::{ApiError, ErrorCode};
use secrecy::SecretString;
use serde::Serialize;
use utoipa::ToSchema;

use self::passwords::{PasswordHasher, Verification};
use self::sessions::{RefreshRejection, SessionStore};
use self::throttle::LoginThrottle;
use self::users::{UserRecord, UserStore};
use crate::auth::jwt::{AccessClaims, JwtKeys};
use crate::configuration::AuthSettings;
use crate::domain::{EmailAddress, NewPassword};

/// What a successful sign-in or refresh returns. `access_token` and
/// `token_type` are what the ERP's OAuth2 password flow returned.
#[derive(Serialize, ToSchema)]
pub struct TokenPair {
    pub access_token: String,
    /// Always `bearer`.
    pub token_type: &'static str,
    /// Seconds until the access token expires.
    pub expires_in: i64,
    /// Single use: each refresh returns a new one.
    pub refresh_token: String,
    /// The access token only allows choosing a new password until then.
    pub must_change_password: bool,
}

#[derive(Clone)]
pub struct Identity {
    pub users: UserStore,
    pub sessions: SessionStore,
    pub hasher: PasswordHasher,
    pub throttle: LoginThrottle,
    pub keys: JwtKeys,
    pub access_lifetime: chrono::Duration,
}

fn wrong_credentials() -> ApiError {
    ApiError::new(ErrorCode::InvalidCredentials, "Incorrect e-mail address or password.")
}

fn session_ended() -> ApiError {
    ApiError::new(
        ErrorCode::InvalidCredentials,
        "The refresh token is invalid, expired or already used; sign in again.",
    )
}

impl Identity {
    pub async fn build(settings: &AuthSettings, database: &Database) -> anyhow::Result<Self> {
        let keys = JwtKeys::resolve(
            &settings.jwt_keys,
            settings.jwt_signing_kid.as_deref(),
            settings.legacy_jwt_secret.as_ref(),
            database,
        )
        .await?;
        Ok(Self {
            users: UserStore::new(database.clone()),
            sessions: SessionStore::new(
                database.clone(),
                chrono::Duration::days(settings.refresh_token_days),
                Duration::from_secs(settings.key_cache_secs),
            ),
            hasher: PasswordHasher::new(&settings.argon2)?,
            throttle: LoginThrottle::new(database.clone(), &settings.login)?,
            keys,
            access_lifetime: chrono::Duration::minutes(settings.access_token_minutes),
        })
    }

    /// Deletes ended sessions and stale sign-in failures now and then, so
    /// that neither piles up.
    pub fn spawn_purge(&self) {
        let sessions = self.sessions.clone();
        let throttle = self.throttle.clone();
        tokio::spawn(async move {
            let mut interval = tokio::time::interval(Duration::from_secs(3600));
            loop {
                interval.tick().await;
                if let Err(error) = sessions.purge_ended().await {
                    tracing::warn!(%error, "could not purge ended sessions");
                }
                if let Err(error) = throttle.purge_stale().await {
                    tracing::warn!(%error, "could not purge stale sign-in failures");
                }
            }
        });
    }

    /// Signs a user in. An unknown address, a wrong password and a
    /// deactivated account get the same answer after the same work.
    pub async fn login(
        &self,
        email: &str,
        password: &SecretString,
        client_address: &str,
    ) -> Result<TokenPair, ApiError> {
        let Ok(email) = EmailAddress::parse(email) else {
            self.throttle.admit_address(client_address)?;
            self.hasher.verify(password, None).await.map_err(ApiError::internal)?;
            return Err(wrong_credentials());
        };
        let _turn = self.throttle.admit(client_address, &email).await?;
        let user = self.users.find_by_email(&email).await.map_err(ApiError::internal)?;
        let stored = user.as_ref().map(|user| user.password_hash().to_owned());
        let verification = self.hasher.verify(password, stored).await.map_err(ApiError::internal)?;
        let user = match (user, verification) {
            (Some(user), Verification::Matches { needs_rehash }) if user.active => {
                if needs_rehash {
                    let upgraded = self.hasher.hash(password).await.map_err(ApiError::internal)?;
                    self.users.upgrade_hash(&user.id, &upgraded).await.map_err(ApiError::internal)?;
                }
                user
            }
            _ => {
                self.throttle.failed(client_address, &email).await.map_err(ApiError::internal)?;
                return Err(wrong_credentials());
            }
        };
        self.throttle.succeeded(&email).await.map_err(ApiError::internal)?;
        self.users.record_login(&user.id).await.map_err(ApiError::internal)?;
        self.open_session(&user).await
    }

    async fn open_session(&self, user: &UserRecord) -> Result<TokenPair, ApiError> {
        let (session_id, refresh_token) = self.sessions.start(&user.id).await.map_err(ApiError::internal)?;
        self.token_pair(user, &session_id, refresh_token)
    }

    fn token_pair(&self, user: &UserRecord, session_id: &str, refresh_token: String) -> Result<TokenPair, ApiError> {
        let now = chrono::Utc::now();
        let timestamp = |at: chrono::DateTime<chrono::Utc>| u64::try_from(at.timestamp()).unwrap_or_default();
        let claims =
            AccessClaims::of_user(user, Some(session_id), timestamp(now), timestamp(now + self.access_lifetime));
        Ok(TokenPair {
            access_token: self.keys.sign(&claims)?,
            token_type: "bearer",
            expires_in: self.access_lifetime.num_seconds(),
            refresh_token,
            must_change_password: user.must_change_password,
        })
    }

    /// Spends a refresh token for a new pair; a reused token ends its session.
    pub async fn refresh(&self, refresh_token: &str) -> Result<TokenPair, ApiError> {
        let refreshed = match self.sessions.refresh(refresh_token).await.map_err(ApiError::internal)? {
            Ok(refreshed) => refreshed,
            Err(RefreshRejection::Reused) => {
                tracing::warn!("a spent refresh token was presented again; its session is revoked");
                return Err(ApiError::new(
                    ErrorCode::InvalidCredentials,
                    "This refresh token was already used: the session is revoked for safety; sign in again.",
                ));
            }
            Err(RefreshRejection::Unknown | RefreshRejection::Ended) => return Err(session_ended()),
        };
        let user = self
            .users
            .find(&refreshed.user_id)
            .await
            .map_err(ApiError::internal)?
            .filter(|user| user.active)
            .ok_or_else(session_ended)?;
        self.token_pair(&user, &refreshed.session_id, refreshed.refresh_token)
    }

    pub async fn logout(&self, session_id: &str) -> Result<(), ApiError> {
        self.sessions.revoke(session_id, "signed out").await.map_err(ApiError::internal)
    }

    /// The user's own change: the current password is required, every
    /// other session ends, and a fresh pair is returned. A wrong current
    /// password counts as a failed sign-in, so a stolen access token is no
    /// faster way to guess the password.
    pub async fn change_password(
        &self,
        user_id: &str,
        current: &SecretString,
        new: &NewPassword,
        client_address: &str,
    ) -> Result<TokenPair, ApiError> {
        let user = self
            .users
            .find(user_id)
            .await
            .map_err(ApiError::internal)?
            .filter(|user| user.active)
            .ok_or_else(|| ApiError::new(ErrorCode::InvalidCredentials, "The account no longer exists."))?;
        let email = EmailAddress::parse(&user.email)
            .map_err(|problem| ApiError::internal(anyhow::anyhow!("stored e-mail address {problem}")))?;
        let _turn = self.throttle.admit(client_address, &email).await?;
        let verification =
            self.hasher.verify(current, Some(user.password_hash().to_owned())).await.map_err(ApiError::internal)?;
        if verification == Verification::DoesNotMatch {
            self.throttle.failed(client_address, &email).await.map_err(ApiError::internal)?;
            return Err(ApiError::validation(vec![common::error::FieldError {
                field: "current_password".into(),
                message: "is not the current password".into(),
            }]));
        }
        let hash = self.hasher.hash(new.secret()).await.map_err(ApiError::internal)?;
        self.users.set_password(user_id, &hash, false).await.map_err(ApiError::internal)?;
        self.sessions.revoke_all(user_id, "password changed").await.map_err(ApiError::internal)?;
        let user = self
            .users
            .find(user_id)
            .await
            .map_err(ApiError::internal)?
            .ok_or_else(|| ApiError::new(ErrorCode::NotFound, "No such user."))?;
        self.open_session(&user).await
    }

    /// An administrator's reset: a temporary password, to be changed at the
    /// next sign-in; the user's sessions end. `None` for an unknown user.
    pub async fn reset_password(&self, user_id: &str) -> Result<Option<NewPassword>, ApiError> {
        let password = NewPassword::generate();
        let hash = self.hasher.hash(password.secret()).await.map_err(ApiError::internal)?;
        if !self.users.set_password(user_id, &hash, true).await.map_err(ApiError::internal)? {
            return Ok(None);
        }
        self.sessions.revoke_all(user_id, "password reset").await.map_err(ApiError::internal)?;
        Ok(Some(password))
    }
}
