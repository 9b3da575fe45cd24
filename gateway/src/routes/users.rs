//! `/api/users`: the platform's accounts, for platform administrators.

use actix_web::http::header::LOCATION;
use actix_web::{HttpResponse, web};
use common::error::{ApiError, ErrorCode, FieldError};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::Authenticated;
use crate::domain::{EmailAddress, NewPassword, PersonName, Roles, RolesDocument};
use crate::identity::Identity;
use crate::identity::users::{NewUser, StoreError, User, UserChanges, UserQuery, UserSort};
use crate::startup::GatewayState;

const MAX_PER_PAGE: i64 = 100;

pub fn routes(config: &mut web::ServiceConfig) {
    config
        .route("/api/users", web::get().to(list))
        .route("/api/users", web::post().to(create))
        .route("/api/users/{id}", web::get().to(get))
        .route("/api/users/{id}", web::patch().to(update))
        .route("/api/users/{id}", web::put().to(update))
        .route("/api/users/{id}", web::delete().to(delete))
        .route("/api/users/{id}/password-reset", web::post().to(reset_password));
}

#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct ListParameters {
    /// From 1.
    pub page: Option<String>,
    /// From 1 to 100; 20 by default.
    pub per_page: Option<String>,
    /// Part of the name or e-mail address, case-insensitive.
    pub q: Option<String>,
    /// `true` or `false`; both by default.
    pub active: Option<String>,
    /// `name`, `email`, `created_at` or `updated_at`; a leading `-` sorts descending.
    pub sort: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct UserPage {
    pub items: Vec<User>,
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
    pub pages: i64,
}

fn number(raw: Option<&str>, name: &str, default: i64, max: i64, errors: &mut Vec<FieldError>) -> i64 {
    match raw.map(str::parse::<i64>) {
        None => default,
        Some(Ok(value)) if (1..=max).contains(&value) => value,
        Some(_) => {
            errors.push(FieldError::new(name, format!("must be a whole number from 1 to {max}")));
            default
        }
    }
}

impl ListParameters {
    fn parse(&self) -> Result<(UserQuery, i64, i64), ApiError> {
        let mut errors = Vec::new();
        let page = number(self.page.as_deref(), "page", 1, 1_000_000, &mut errors);
        let per_page = number(self.per_page.as_deref(), "per_page", 20, MAX_PER_PAGE, &mut errors);
        let active = match self.active.as_deref() {
            None | Some("") => None,
            Some("true") => Some(true),
            Some("false") => Some(false),
            Some(_) => {
                errors.push(FieldError::new("active", "must be true or false"));
                None
            }
        };
        let sort = match self.sort.as_deref() {
            None | Some("") => UserSort::default(),
            Some(raw) => UserSort::parse(raw).unwrap_or_else(|| {
                errors.push(FieldError::new(
                    "sort",
                    format!("must be one of {} (with - to sort descending)", UserSort::SORTABLE.join(", ")),
                ));
                UserSort::default()
            }),
        };
        if !errors.is_empty() {
            return Err(ApiError::validation(errors));
        }
        let search = self.q.as_deref().map(str::trim).filter(|q| !q.is_empty()).map(str::to_owned);
        Ok((UserQuery { search, active, sort, limit: per_page, offset: (page - 1) * per_page }, page, per_page))
    }
}

pub async fn list_users(identity: &Identity, parameters: &ListParameters) -> Result<UserPage, ApiError> {
    let (query, page, per_page) = parameters.parse()?;
    let (rows, total) = identity.users.list(&query).await.map_err(ApiError::internal)?;
    Ok(UserPage {
        items: rows.iter().map(|row| row.view()).collect(),
        total,
        page,
        per_page,
        pages: (total + per_page - 1) / per_page,
    })
}

#[utoipa::path(
    get, path = "/api/users", tag = "identity", params(ListParameters),
    responses(
        (status = 200, description = "One page of users", body = UserPage),
        (status = 422, description = "A parameter is out of range"),
    ),
    security(("bearer" = []), ("api_key" = []))
)]
pub async fn list(
    caller: Authenticated,
    state: web::Data<GatewayState>,
    parameters: web::Query<ListParameters>,
) -> Result<web::Json<UserPage>, ApiError> {
    caller.authorize_admin()?;
    Ok(web::Json(list_users(&state.identity, &parameters).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserCreation {
    pub name: Option<String>,
    /// Unique, case-insensitive.
    pub email: Option<String>,
    /// At least 12 characters. Without one, a temporary password is
    /// generated, returned once, and must be changed at first sign-in.
    #[schema(value_type = Option<String>, format = Password)]
    pub password: Option<SecretString>,
    #[serde(default)]
    pub roles: RolesDocument,
    /// `true` by default.
    pub active: Option<bool>,
    /// `true` by default when the password is generated.
    pub must_change_password: Option<bool>,
}

#[derive(Serialize, ToSchema)]
pub struct CreatedUser {
    #[serde(flatten)]
    pub user: User,
    /// Only when generated; shown this once.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub temporary_password: Option<String>,
}

fn collect<T>(result: Result<T, &'static str>, name: &str, errors: &mut Vec<FieldError>) -> Option<T> {
    result.map_err(|message| errors.push(FieldError::new(name, message))).ok()
}

fn parse_roles(document: &RolesDocument, errors: &mut Vec<FieldError>) -> Option<Roles> {
    document.parse().map_err(|found| errors.extend(found)).ok()
}

fn store_error(error: StoreError) -> ApiError {
    match error {
        StoreError::DuplicateEmail => {
            ApiError::new(ErrorCode::Conflict, "A user with this e-mail address already exists.")
        }
        StoreError::ChangedMeanwhile => {
            ApiError::new(ErrorCode::Conflict, "The user was changed meanwhile; read it again and retry.")
        }
        StoreError::Database(error) => ApiError::internal(error),
    }
}

/// Creates a user; the generated password, if any, comes back once.
pub async fn create_user(identity: &Identity, request: UserCreation) -> Result<CreatedUser, ApiError> {
    let mut errors = Vec::new();
    let name = collect(PersonName::parse(request.name.as_deref().unwrap_or_default()), "name", &mut errors);
    let email = collect(EmailAddress::parse(request.email.as_deref().unwrap_or_default()), "email", &mut errors);
    let generated = request.password.is_none();
    let password = match request.password {
        Some(password) => collect(NewPassword::parse(password), "password", &mut errors),
        None => Some(NewPassword::generate()),
    };
    let roles = parse_roles(&request.roles, &mut errors);
    let (Some(name), Some(email), Some(password), Some(roles)) = (name, email, password, roles) else {
        return Err(ApiError::validation(errors));
    };
    let password_hash = identity.hasher.hash(password.secret()).await.map_err(ApiError::internal)?;
    let user = identity
        .users
        .create(NewUser {
            name,
            email,
            password_hash,
            roles,
            active: request.active.unwrap_or(true),
            must_change_password: request.must_change_password.unwrap_or(generated),
        })
        .await
        .map_err(store_error)?;
    Ok(CreatedUser {
        user: user.view(),
        temporary_password: generated.then(|| password.secret().expose_secret().to_owned()),
    })
}

#[utoipa::path(
    post, path = "/api/users", tag = "identity", request_body = UserCreation,
    responses(
        (status = 201, description = "Created", body = CreatedUser),
        (status = 409, description = "The e-mail address is taken"),
        (status = 422, description = "Invalid fields, each named"),
    ),
    security(("bearer" = []), ("api_key" = []))
)]
pub async fn create(
    caller: Authenticated,
    state: web::Data<GatewayState>,
    body: web::Json<UserCreation>,
) -> Result<HttpResponse, ApiError> {
    caller.authorize_admin()?;
    let created = create_user(&state.identity, body.into_inner()).await?;
    Ok(HttpResponse::Created().insert_header((LOCATION, format!("/api/users/{}", created.user.id))).json(created))
}

fn no_such_user() -> ApiError {
    ApiError::new(ErrorCode::NotFound, "No user with this id.")
}

#[utoipa::path(
    get, path = "/api/users/{id}", tag = "identity",
    responses((status = 200, body = User), (status = 404, description = "No such user")),
    security(("bearer" = []), ("api_key" = []))
)]
pub async fn get(
    caller: Authenticated,
    state: web::Data<GatewayState>,
    id: web::Path<String>,
) -> Result<web::Json<User>, ApiError> {
    caller.authorize_admin()?;
    let user = state.identity.users.find(&id).await.map_err(ApiError::internal)?;
    Ok(web::Json(user.ok_or_else(no_such_user)?.view()))
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct UserUpdate {
    pub name: Option<String>,
    pub email: Option<String>,
    /// Replaces every role; other sessions' tokens must be refreshed.
    pub roles: Option<RolesDocument>,
    /// `false` signs the user out everywhere within seconds.
    pub active: Option<bool>,
    pub must_change_password: Option<bool>,
}

/// Applies an administrator's changes; `None` when there is no such user.
pub async fn update_user(identity: &Identity, id: &str, request: UserUpdate) -> Result<User, ApiError> {
    let mut errors = Vec::new();
    let changes = UserChanges {
        name: request.name.as_deref().and_then(|name| collect(PersonName::parse(name), "name", &mut errors)),
        email: request.email.as_deref().and_then(|email| collect(EmailAddress::parse(email), "email", &mut errors)),
        roles: request.roles.as_ref().and_then(|roles| parse_roles(roles, &mut errors)),
        active: request.active,
        must_change_password: request.must_change_password,
    };
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let user = identity.users.update(id, changes).await.map_err(store_error)?.ok_or_else(no_such_user)?;
    if user.active {
        identity.sessions.forget_user(id);
    } else {
        // Reactivating the account later must not revive old sessions.
        identity.sessions.revoke_all(id, "deactivated").await.map_err(ApiError::internal)?;
    }
    Ok(user.view())
}

#[utoipa::path(
    patch, path = "/api/users/{id}", tag = "identity", request_body = UserUpdate,
    description = "Changes the given fields only. `PUT` does the same, for older clients.",
    responses(
        (status = 200, body = User),
        (status = 404, description = "No such user"),
        (status = 409, description = "The e-mail address is taken"),
        (status = 422, description = "Invalid fields, each named"),
    ),
    security(("bearer" = []), ("api_key" = []))
)]
pub async fn update(
    caller: Authenticated,
    state: web::Data<GatewayState>,
    id: web::Path<String>,
    body: web::Json<UserUpdate>,
) -> Result<web::Json<User>, ApiError> {
    caller.authorize_admin()?;
    Ok(web::Json(update_user(&state.identity, &id, body.into_inner()).await?))
}

/// Deletes a user with their sessions; `false` when there is no such user.
pub async fn delete_user(identity: &Identity, id: &str) -> Result<bool, ApiError> {
    let deleted = identity.users.delete(id).await.map_err(ApiError::internal)?;
    identity.sessions.forget_user(id);
    Ok(deleted)
}

#[utoipa::path(
    delete, path = "/api/users/{id}", tag = "identity",
    responses((status = 204, description = "Deleted, with its sessions"), (status = 404, description = "No such user")),
    security(("bearer" = []), ("api_key" = []))
)]
pub async fn delete(
    caller: Authenticated,
    state: web::Data<GatewayState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    caller.authorize_admin()?;
    if !delete_user(&state.identity, &id).await? {
        return Err(no_such_user());
    }
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Serialize, ToSchema)]
pub struct PasswordReset {
    /// Shown this once; the user must change it at the next sign-in.
    temporary_password: String,
}

#[utoipa::path(
    post, path = "/api/users/{id}/password-reset", tag = "identity",
    responses((status = 200, body = PasswordReset), (status = 404, description = "No such user")),
    security(("bearer" = []), ("api_key" = []))
)]
pub async fn reset_password(
    caller: Authenticated,
    state: web::Data<GatewayState>,
    id: web::Path<String>,
) -> Result<web::Json<PasswordReset>, ApiError> {
    caller.authorize_admin()?;
    let password = state.identity.reset_password(&id).await?.ok_or_else(no_such_user)?;
    Ok(web::Json(PasswordReset { temporary_password: password.secret().expose_secret().to_owned() }))
}
