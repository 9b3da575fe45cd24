//! Sign-in and the signed-in user: `/auth/login` (also the ERP's
//! `/erp/api/v1/auth/login`), `/auth/refresh`, `/auth/logout`, `/auth/me`
//! and `/auth/password`.

use actix_web::http::header::CONTENT_TYPE;
use actix_web::{HttpRequest, HttpResponse, web};
use common::error::{ApiError, ErrorCode, FieldError};
use secrecy::SecretString;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::auth::Authenticated;
use crate::domain::NewPassword;
use crate::identity::TokenPair;
use crate::identity::users::User;
use crate::startup::GatewayState;

pub fn routes(config: &mut web::ServiceConfig) {
    config
        .route("/auth/login", web::post().to(login))
        .route("/erp/api/v1/auth/login", web::post().to(login))
        .route("/auth/refresh", web::post().to(refresh))
        .route("/auth/logout", web::post().to(logout))
        .route("/auth/me", web::get().to(me))
        .route("/auth/password", web::post().to(change_password));
}

/// The ERP's OAuth2 form (`username`, `password`) or JSON, where the
/// address may also be called `email`.
#[derive(Deserialize, ToSchema)]
pub struct LoginRequest {
    /// The user's e-mail address.
    #[serde(alias = "email")]
    username: Option<String>,
    #[schema(value_type = String, format = Password)]
    password: Option<SecretString>,
}

#[derive(Deserialize, ToSchema)]
pub struct RefreshRequest {
    refresh_token: Option<String>,
}

#[derive(Deserialize, ToSchema)]
pub struct PasswordChange {
    #[schema(value_type = String, format = Password)]
    current_password: Option<SecretString>,
    /// At least 12 characters.
    #[schema(value_type = String, format = Password)]
    new_password: Option<SecretString>,
}

fn required(field: &str) -> FieldError {
    FieldError { field: field.to_owned(), message: "is required".to_owned() }
}

/// Reads a form or JSON body, as the content type says.
fn form_or_json<T: serde::de::DeserializeOwned>(request: &HttpRequest, body: &[u8]) -> Result<T, ApiError> {
    let content_type = request
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .to_ascii_lowercase();
    if content_type.starts_with("application/x-www-form-urlencoded") {
        serde_urlencoded::from_bytes(body)
            .map_err(|error| ApiError::new(ErrorCode::ValidationFailed, format!("Invalid form body: {error}")))
    } else if content_type.starts_with("application/json") || content_type.is_empty() {
        serde_json::from_slice(body)
            .map_err(|error| ApiError::new(ErrorCode::BadRequest, format!("Malformed JSON body: {error}")))
    } else {
        Err(ApiError::new(
            ErrorCode::UnsupportedMediaType,
            "Send application/x-www-form-urlencoded or application/json.",
        ))
    }
}

#[utoipa::path(
    post, path = "/auth/login", tag = "identity",
    request_body(content = LoginRequest, content_type = "application/x-www-form-urlencoded", description = "Also accepted as JSON."),
    responses(
        (status = 200, description = "Signed in", body = TokenPair),
        (status = 401, description = "Wrong address or password (the same answer for both)"),
        (status = 422, description = "A field is missing"),
        (status = 429, description = "Too many attempts, or the account is locked for a while"),
    ),
    security(())
)]
pub async fn login(
    request: HttpRequest,
    body: web::Bytes,
    state: web::Data<GatewayState>,
) -> Result<web::Json<TokenPair>, ApiError> {
    let form: LoginRequest = form_or_json(&request, &body)?;
    let (username, password) = match (form.username, form.password) {
        (Some(username), Some(password)) => (username, password),
        (username, password) => {
            let mut errors = Vec::new();
            if username.is_none() {
                errors.push(required("username"));
            }
            if password.is_none() {
                errors.push(required("password"));
            }
            return Err(ApiError::validation(errors));
        }
    };
    let pair = state.identity.login(&username, &password, &state.identity.throttle.client_address(&request)).await?;
    Ok(web::Json(pair))
}

#[utoipa::path(
    post, path = "/auth/refresh", tag = "identity",
    request_body = RefreshRequest,
    responses(
        (status = 200, description = "A new pair; the presented refresh token is spent", body = TokenPair),
        (status = 401, description = "Unknown, expired or reused token (a reuse revokes the session)"),
    ),
    security(())
)]
pub async fn refresh(
    request: HttpRequest,
    body: web::Bytes,
    state: web::Data<GatewayState>,
) -> Result<web::Json<TokenPair>, ApiError> {
    let form: RefreshRequest = form_or_json(&request, &body)?;
    let token = form.refresh_token.ok_or_else(|| ApiError::validation(vec![required("refresh_token")]))?;
    Ok(web::Json(state.identity.refresh(&token).await?))
}

#[utoipa::path(
    post, path = "/auth/logout", tag = "identity",
    request_body(content = RefreshRequest, description = "Optional when an access token is sent"),
    responses(
        (status = 204, description = "The session is over; its tokens stop working within seconds"),
        (status = 401, description = "Neither a refresh token nor an access token of a session"),
    ),
    security((), ("bearer" = []))
)]
pub async fn logout(
    request: HttpRequest,
    body: web::Bytes,
    state: web::Data<GatewayState>,
) -> Result<HttpResponse, ApiError> {
    let presented: RefreshRequest =
        if body.is_empty() { RefreshRequest { refresh_token: None } } else { form_or_json(&request, &body)? };
    let session = match presented.refresh_token {
        Some(token) => state.identity.sessions.session_of(&token).await.map_err(ApiError::internal)?,
        None => {
            let caller = state.authenticator.authenticate(request.headers()).await?;
            caller.claims().and_then(|claims| claims.sid.clone())
        }
    };
    let session = session.ok_or_else(|| ApiError::new(ErrorCode::InvalidCredentials, "No session to sign out of."))?;
    state.identity.logout(&session).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The caller's user account, for the caller's own routes.
async fn own_account(caller: &Authenticated, state: &GatewayState) -> Result<User, ApiError> {
    let claims = caller.claims().ok_or_else(|| {
        ApiError::new(ErrorCode::InsufficientScope, "API keys have no user account; sign in as a user.")
    })?;
    let user = state
        .identity
        .users
        .find(&claims.sub)
        .await
        .map_err(ApiError::internal)?
        .ok_or_else(|| ApiError::new(ErrorCode::InvalidCredentials, "The account no longer exists."))?;
    Ok(user.view())
}

#[utoipa::path(
    get, path = "/auth/me", tag = "identity",
    responses(
        (status = 200, description = "The signed-in user", body = User),
        (status = 401, description = "No valid access token"),
        (status = 403, description = "Called with an API key"),
    ),
    security(("bearer" = []))
)]
pub async fn me(caller: Authenticated, state: web::Data<GatewayState>) -> Result<web::Json<User>, ApiError> {
    Ok(web::Json(own_account(&caller, &state).await?))
}

#[utoipa::path(
    post, path = "/auth/password", tag = "identity",
    request_body = PasswordChange,
    responses(
        (status = 200, description = "Changed; every other session is signed out, a new pair is returned", body = TokenPair),
        (status = 403, description = "Called with an API key, which has no password"),
        (status = 422, description = "Current password wrong, or new password too short"),
    ),
    security(("bearer" = []))
)]
pub async fn change_password(
    request: HttpRequest,
    caller: Authenticated,
    state: web::Data<GatewayState>,
    body: web::Json<PasswordChange>,
) -> Result<web::Json<TokenPair>, ApiError> {
    let user = own_account(&caller, &state).await?;
    let body = body.into_inner();
    let mut errors = Vec::new();
    if body.current_password.is_none() {
        errors.push(required("current_password"));
    }
    let new_password = match body.new_password.map(NewPassword::parse) {
        Some(Ok(password)) => Some(password),
        Some(Err(message)) => {
            errors.push(FieldError { field: "new_password".into(), message: message.into() });
            None
        }
        None => {
            errors.push(required("new_password"));
            None
        }
    };
    let (Some(current), Some(new_password), true) = (body.current_password, new_password, errors.is_empty()) else {
        return Err(ApiError::validation(errors));
    };
    let client = state.identity.throttle.client_address(&request);
    let pair = state.identity.change_password(&user.id, &current, &new_password, &client).await?;
    Ok(web::Json(pair))
}
