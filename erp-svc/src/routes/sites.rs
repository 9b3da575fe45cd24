//! A client's sites: where the equipment is and whom to call there.

use actix_web::{HttpRequest, HttpResponse, web};
use chrono::Utc;
use common::error::ApiError;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::clients::visible_client;
use super::{Pagination, created, invalid, not_found, paginated};
use crate::access::Actor;
use crate::domain::FieldCheck;
use crate::startup::AppState;
use crate::store::{Change, SiteFields, SiteRow};

pub fn routes(config: &mut web::ServiceConfig) {
    config
        .route("/sites", web::get().to(list_sites))
        .route("/sites", web::post().to(create_site))
        .route("/sites/{id}", web::get().to(get_site))
        .route("/sites/{id}", web::put().to(update_site))
        .route("/sites/{id}", web::delete().to(delete_site));
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SiteInput {
    /// Required on creation; a site never moves to another client.
    #[serde(default)]
    pub client_id: Option<i64>,
    pub name: String,
    #[serde(default)]
    pub address: Option<String>,
    #[serde(default)]
    pub postal_code: Option<String>,
    #[serde(default)]
    pub city: Option<String>,
    #[serde(default)]
    pub contact_name: Option<String>,
    #[serde(default)]
    pub contact_phone: Option<String>,
    #[serde(default)]
    pub contact_email: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SiteView {
    pub id: i64,
    pub client_id: i64,
    pub name: String,
    pub address: Option<String>,
    pub postal_code: Option<String>,
    pub city: Option<String>,
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
    pub contact_email: Option<String>,
}

impl From<SiteRow> for SiteView {
    fn from(row: SiteRow) -> Self {
        Self {
            id: row.id,
            client_id: row.client_id,
            name: row.name,
            address: row.address,
            postal_code: row.postal_code,
            city: row.city,
            contact_name: row.contact_name,
            contact_phone: row.contact_phone,
            contact_email: row.contact_email,
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct SiteQuery {
    pub client_id: Option<i64>,
}

fn site_fields(input: &SiteInput) -> Result<SiteFields, ApiError> {
    let mut check = FieldCheck::default();
    let name = check.label("name", &input.name);
    let address = check.text("address", input.address.as_deref());
    let postal_code = check.text("postal_code", input.postal_code.as_deref());
    let city = check.text("city", input.city.as_deref());
    let contact_name = check.text("contact_name", input.contact_name.as_deref());
    let contact_phone = check.text("contact_phone", input.contact_phone.as_deref());
    let contact_email = check.email("contact_email", input.contact_email.as_deref());
    match (name, address, postal_code, city, contact_name, contact_phone, contact_email) {
        (
            Some(name),
            Some(address),
            Some(postal_code),
            Some(city),
            Some(contact_name),
            Some(contact_phone),
            Some(contact_email),
        ) => Ok(SiteFields {
            name: name.as_str().to_owned(),
            address,
            postal_code,
            city,
            contact_name,
            contact_phone,
            contact_email: contact_email.map(|email| email.as_str().to_owned()),
        }),
        _ => Err(check.into_error()),
    }
}

/// The site if the caller may read it: staff, or a user of its client.
pub async fn visible_site(state: &AppState, actor: &Actor, id: i64) -> Result<SiteRow, ApiError> {
    let site = state.store.site(id).await?.ok_or_else(|| not_found("site"))?;
    actor.may_read(&site.client_reference, "site")?;
    Ok(site)
}

/// Sites by name, of one client when given (a client user: its own).
#[utoipa::path(get, path = "/api/v1/sites", tag = "sites", params(SiteQuery, Pagination),
    responses((status = 200, body = [SiteView], headers(("X-Total-Count" = i64), ("Link" = String))), (status = 422, description = "page or per_page out of range")))]
pub async fn list_sites(
    request: HttpRequest,
    state: web::Data<AppState>,
    actor: Actor,
    query: web::Query<SiteQuery>,
    pagination: web::Query<Pagination>,
) -> Result<HttpResponse, ApiError> {
    let company = actor.list_filter()?;
    let page = pagination.page()?;
    let (rows, total) = state.store.sites(query.client_id, company, page).await?;
    let views: Vec<SiteView> = rows.into_iter().map(SiteView::from).collect();
    Ok(paginated(&request, page, total, &views))
}

#[utoipa::path(post, path = "/api/v1/sites", tag = "sites", request_body = SiteInput,
    responses((status = 201, body = SiteView), (status = 403), (status = 404, description = "no such client"), (status = 422)))]
pub async fn create_site(
    request: HttpRequest,
    state: web::Data<AppState>,
    actor: Actor,
    input: web::Json<SiteInput>,
) -> Result<HttpResponse, ApiError> {
    actor.require_staff()?;
    let Some(client_id) = input.client_id else {
        return Err(invalid("client_id", "is required"));
    };
    let fields = site_fields(&input)?;
    visible_client(&state, &actor, client_id).await?;
    let id = state.store.create_site(client_id, &fields, Change { actor: &actor.name, at: Utc::now() }).await?;
    let site = state.store.site(id).await?.ok_or_else(|| not_found("site"))?;
    Ok(created(&request, id, &SiteView::from(site)))
}

#[utoipa::path(get, path = "/api/v1/sites/{id}", tag = "sites", responses((status = 200, body = SiteView), (status = 404)))]
pub async fn get_site(state: web::Data<AppState>, actor: Actor, id: web::Path<i64>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(SiteView::from(visible_site(&state, &actor, *id).await?)))
}

#[utoipa::path(put, path = "/api/v1/sites/{id}", tag = "sites", request_body = SiteInput,
    responses((status = 200, body = SiteView), (status = 404), (status = 422)))]
pub async fn update_site(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
    input: web::Json<SiteInput>,
) -> Result<HttpResponse, ApiError> {
    actor.require_staff()?;
    let fields = site_fields(&input)?;
    if !state.store.update_site(*id, &fields, Change { actor: &actor.name, at: Utc::now() }).await? {
        return Err(not_found("site"));
    }
    get_site(state, actor, id).await
}

#[utoipa::path(delete, path = "/api/v1/sites/{id}", tag = "sites",
    responses((status = 204), (status = 404), (status = 409, description = "the site still has equipment or interventions")))]
pub async fn delete_site(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    actor.require_staff()?;
    if state.store.delete_site(*id, Change { actor: &actor.name, at: Utc::now() }).await? {
        Ok(HttpResponse::NoContent().finish())
    } else {
        Err(not_found("site"))
    }
}
