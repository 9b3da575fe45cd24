//! `/api/keys`: API keys, for platform administrators. A key's secret is
//! returned once, at creation; revocation reaches every gateway replica
//! within `auth.key_cache_secs`.

use actix_web::http::header::LOCATION;
use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use common::error::{ApiError, ErrorCode, FieldError};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::Authenticated;
use crate::auth::api_keys::{ApiKeyRecord, ApiKeyStore};
use crate::domain::Scopes;
use crate::startup::GatewayState;

const MAX_NAME_CHARACTERS: usize = 100;

pub fn routes(config: &mut web::ServiceConfig) {
    config
        .route("/api/keys", web::get().to(list))
        .route("/api/keys", web::post().to(create))
        .route("/api/keys/{id}", web::get().to(get))
        .route("/api/keys/{id}", web::delete().to(revoke));
}

/// A key as listed: never its secret.
#[derive(Serialize, ToSchema)]
pub struct ApiKey {
    pub id: String,
    pub name: String,
    /// The public part of the key, after `pk_`.
    pub prefix: String,
    /// Services the key may call (`*` for all, `admin` to manage identity).
    pub scopes: Vec<String>,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub expires_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

impl From<&ApiKeyRecord> for ApiKey {
    fn from(record: &ApiKeyRecord) -> Self {
        Self {
            id: record.id.clone(),
            name: record.name.clone(),
            prefix: record.prefix.clone(),
            scopes: record.scopes().to_list(),
            created_at: record.created_at,
            last_used_at: record.last_used_at,
            expires_at: record.expires_at,
            revoked_at: record.revoked_at,
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct KeyCreation {
    pub name: Option<String>,
    /// Service names (`ocr`, `facturx`, `erp`, `checks`, `admin`) or `["*"]`.
    pub scopes: Option<Vec<String>>,
    /// When the key stops working; never by default.
    pub expires_at: Option<DateTime<Utc>>,
}

#[derive(Serialize, ToSchema)]
pub struct CreatedKey {
    #[serde(flatten)]
    pub key: ApiKey,
    /// The key to send in `X-API-Key`; shown this once.
    pub token: String,
}

fn field(field: &str, message: &str) -> FieldError {
    FieldError { field: field.to_owned(), message: message.to_owned() }
}

/// The services a key may be scoped to: the gateway's upstreams and `admin`.
pub fn known_scopes(state: &GatewayState) -> Vec<String> {
    let mut known: Vec<String> = state.upstreams.keys().cloned().collect();
    known.push(crate::auth::ADMIN_SCOPE.to_owned());
    known
}

pub async fn create_key(state: &GatewayState, request: KeyCreation) -> Result<CreatedKey, ApiError> {
    let mut errors = Vec::new();
    let name = request.name.as_deref().map(str::trim).unwrap_or_default().to_owned();
    if name.is_empty() || name.chars().count() > MAX_NAME_CHARACTERS || name.chars().any(char::is_control) {
        errors.push(field("name", "is required, at most 100 characters"));
    }
    let known = known_scopes(state);
    let scopes =
        request.scopes.as_ref().map(|scopes| scopes.join(" ")).and_then(|joined| Scopes::parse(&joined)).filter(
            |scopes| match scopes {
                Scopes::All => true,
                Scopes::Services(services) => services.iter().all(|service| known.contains(service)),
            },
        );
    if scopes.is_none() {
        errors.push(field("scopes", &format!("must be [\"*\"] or a list of: {}", known.join(", "))));
    }
    if request.expires_at.is_some_and(|expiry| expiry <= Utc::now()) {
        errors.push(field("expires_at", "must be in the future"));
    }
    let (Some(scopes), true) = (scopes, errors.is_empty()) else {
        return Err(ApiError::validation(errors));
    };
    let (record, token) =
        state.authenticator.keys().create(&name, &scopes, request.expires_at).await.map_err(ApiError::internal)?;
    Ok(CreatedKey { key: ApiKey::from(&record), token })
}

#[utoipa::path(
    get, path = "/api/keys", tag = "identity",
    responses((status = 200, description = "Every key, newest first", body = [ApiKey])),
    security(("bearer" = []), ("api_key" = []))
)]
pub async fn list(caller: Authenticated, state: web::Data<GatewayState>) -> Result<web::Json<Vec<ApiKey>>, ApiError> {
    caller.authorize_admin()?;
    let records = state.authenticator.keys().list().await.map_err(ApiError::internal)?;
    Ok(web::Json(records.iter().map(ApiKey::from).collect()))
}

#[utoipa::path(
    post, path = "/api/keys", tag = "identity", request_body = KeyCreation,
    responses(
        (status = 201, description = "Created; the token is shown this once", body = CreatedKey),
        (status = 422, description = "Invalid fields, each named"),
    ),
    security(("bearer" = []), ("api_key" = []))
)]
pub async fn create(
    caller: Authenticated,
    state: web::Data<GatewayState>,
    body: web::Json<KeyCreation>,
) -> Result<HttpResponse, ApiError> {
    caller.authorize_admin()?;
    let created = create_key(&state, body.into_inner()).await?;
    Ok(HttpResponse::Created().insert_header((LOCATION, format!("/api/keys/{}", created.key.id))).json(created))
}

fn no_such_key() -> ApiError {
    ApiError::new(ErrorCode::NotFound, "No API key with this id.")
}

#[utoipa::path(
    get, path = "/api/keys/{id}", tag = "identity",
    responses((status = 200, body = ApiKey), (status = 404, description = "No such key")),
    security(("bearer" = []), ("api_key" = []))
)]
pub async fn get(
    caller: Authenticated,
    state: web::Data<GatewayState>,
    id: web::Path<String>,
) -> Result<web::Json<ApiKey>, ApiError> {
    caller.authorize_admin()?;
    let record = state.authenticator.keys().find(&id).await.map_err(ApiError::internal)?;
    Ok(web::Json(ApiKey::from(&record.ok_or_else(no_such_key)?)))
}

/// Revokes a key; `false` when there is no such key. Revoking twice is fine.
pub async fn revoke_key(keys: &ApiKeyStore, id: &str) -> Result<bool, ApiError> {
    if keys.find(id).await.map_err(ApiError::internal)?.is_none() {
        return Ok(false);
    }
    keys.revoke(id).await.map_err(ApiError::internal)?;
    Ok(true)
}

#[utoipa::path(
    delete, path = "/api/keys/{id}", tag = "identity",
    responses(
        (status = 204, description = "Revoked; refused everywhere within seconds"),
        (status = 404, description = "No such key"),
    ),
    security(("bearer" = []), ("api_key" = []))
)]
pub async fn revoke(
    caller: Authenticated,
    state: web::Data<GatewayState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    caller.authorize_admin()?;
    if !revoke_key(state.authenticator.keys(), &id).await? {
        return Err(no_such_key());
    }
    Ok(HttpResponse::NoContent().finish())
}
