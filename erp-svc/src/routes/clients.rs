//! Client companies: staff manage them, a client user reads its own.

use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{DateTime, Utc};
use common::error::ApiError;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{Pagination, created, not_found, paginated};
use crate::access::Actor;
use crate::domain::FieldCheck;
use crate::startup::AppState;
use crate::store::{Change, ClientFields, ClientRow};

pub fn routes(config: &mut web::ServiceConfig) {
    config
        .route("/clients", web::get().to(list_clients))
        .route("/clients", web::post().to(create_client))
        .route("/clients/{id}", web::get().to(get_client))
        .route("/clients/{id}", web::put().to(update_client))
        .route("/clients/{id}", web::delete().to(delete_client));
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClientInput {
    /// What the client users' ERP role names as their company: `ACME`.
    pub reference: String,
    pub name: String,
    /// Where validated intervention reports are sent.
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub address: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ClientView {
    pub id: i64,
    pub reference: String,
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub address: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<ClientRow> for ClientView {
    fn from(row: ClientRow) -> Self {
        Self {
            id: row.id,
            reference: row.reference,
            name: row.name,
            email: row.email,
            phone: row.phone,
            address: row.address,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

fn client_fields(input: &ClientInput) -> Result<ClientFields, ApiError> {
    let mut check = FieldCheck::default();
    let reference = check.label("reference", &input.reference);
    let name = check.label("name", &input.name);
    let email = check.email("email", input.email.as_deref());
    let phone = check.text("phone", input.phone.as_deref());
    let address = check.text("address", input.address.as_deref());
    match (reference, name, email, phone, address) {
        (Some(reference), Some(name), Some(email), Some(phone), Some(address)) => Ok(ClientFields {
            reference: reference.as_str().to_owned(),
            name: name.as_str().to_owned(),
            email: email.map(|email| email.as_str().to_owned()),
            phone,
            address,
        }),
        _ => Err(check.into_error()),
    }
}

/// The client if the caller may read it; one they may not see is missing.
pub async fn visible_client(state: &AppState, actor: &Actor, id: i64) -> Result<ClientRow, ApiError> {
    let client = state.store.client(id).await?.ok_or_else(|| not_found("client"))?;
    actor.may_read(&client.reference, "client")?;
    Ok(client)
}

/// Clients by name (a client user: its own company only).
#[utoipa::path(get, path = "/api/v1/clients", tag = "clients", params(Pagination),
    responses((status = 200, body = [ClientView], headers(("X-Total-Count" = i64), ("Link" = String))), (status = 422, description = "page or per_page out of range")))]
pub async fn list_clients(
    request: HttpRequest,
    state: web::Data<AppState>,
    actor: Actor,
    pagination: web::Query<Pagination>,
) -> Result<HttpResponse, ApiError> {
    let company = actor.list_filter()?;
    let page = pagination.page()?;
    let (rows, total) = state.store.clients(company, page).await?;
    let views: Vec<ClientView> = rows.into_iter().map(ClientView::from).collect();
    Ok(paginated(&request, page, total, &views))
}

#[utoipa::path(post, path = "/api/v1/clients", tag = "clients", request_body = ClientInput,
    responses((status = 201, body = ClientView), (status = 403), (status = 409, description = "reference taken"), (status = 422)))]
pub async fn create_client(
    request: HttpRequest,
    state: web::Data<AppState>,
    actor: Actor,
    input: web::Json<ClientInput>,
) -> Result<HttpResponse, ApiError> {
    actor.require_staff()?;
    let fields = client_fields(&input)?;
    let id = state.store.create_client(&fields, Change { actor: &actor.name, at: Utc::now() }).await?;
    let client = state.store.client(id).await?.ok_or_else(|| not_found("client"))?;
    Ok(created(&request, id, &ClientView::from(client)))
}

#[utoipa::path(get, path = "/api/v1/clients/{id}", tag = "clients",
    responses((status = 200, body = ClientView), (status = 404)))]
pub async fn get_client(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(ClientView::from(visible_client(&state, &actor, *id).await?)))
}

#[utoipa::path(put, path = "/api/v1/clients/{id}", tag = "clients", request_body = ClientInput,
    responses((status = 200, body = ClientView), (status = 404), (status = 409), (status = 422)))]
pub async fn update_client(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
    input: web::Json<ClientInput>,
) -> Result<HttpResponse, ApiError> {
    actor.require_staff()?;
    let fields = client_fields(&input)?;
    if !state.store.update_client(*id, &fields, Change { actor: &actor.name, at: Utc::now() }).await? {
        return Err(not_found("client"));
    }
    get_client(state, actor, id).await
}

/// Deletes a client that has no sites left (administrators).
#[utoipa::path(delete, path = "/api/v1/clients/{id}", tag = "clients",
    responses((status = 204), (status = 404), (status = 409, description = "the client still has sites")))]
pub async fn delete_client(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    actor.require_admin()?;
    if state.store.delete_client(*id, Change { actor: &actor.name, at: Utc::now() }).await? {
        Ok(HttpResponse::NoContent().finish())
    } else {
        Err(not_found("client"))
    }
}
