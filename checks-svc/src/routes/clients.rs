//! Clients: their check time, mailing lists, logo; their categories and
//! services come with them.

use actix_web::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use actix_web::{HttpResponse, web};
use chrono::Utc;
use common::error::{ApiError, ErrorCode};
use serde::Serialize;
use utoipa::ToSchema;

use super::{not_found, visible_client};
use crate::access::Operator;
use crate::domain::ProbeSpecDocument;
use crate::inputs::{ClientInput, MailingLists, client_fields};
use crate::startup::AppState;
use crate::store::{ClientRow, ServiceRow};

/// Logos are shown in e-mails: small images only.
pub const MAX_LOGO_BYTES: usize = 512 * 1024;

pub fn routes(config: &mut web::ServiceConfig) {
    config
        // Room for a logo over the limit, so it is refused with a clear problem.
        .app_data(web::PayloadConfig::new(2 * MAX_LOGO_BYTES))
        .route("/api/clients", web::get().to(list_clients))
        .route("/api/clients", web::post().to(create_client))
        .route("/api/clients/{id}", web::get().to(get_client))
        .route("/api/clients/{id}", web::put().to(update_client))
        .route("/api/clients/{id}", web::delete().to(delete_client))
        .route("/api/clients/{id}/logo", web::put().to(put_logo))
        .route("/api/clients/{id}/logo", web::get().to(get_logo))
        .route("/api/clients/{id}/status-link", web::post().to(open_status_page))
        .route("/api/clients/{id}/status-link", web::delete().to(close_status_page));
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ClientView {
    pub id: i64,
    pub reference: String,
    pub label: String,
    pub check_time: String,
    pub reminder_time: Option<String>,
    pub sender: Option<String>,
    pub report_template: String,
    pub active: bool,
    /// Where the logo is served, when there is one.
    pub logo_url: Option<String>,
    /// The client's public status page (behind the gateway), when it has one.
    pub status_url: Option<String>,
    pub mailing: MailingLists,
    pub categories: Vec<CategoryView>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CategoryView {
    pub id: i64,
    pub label: String,
    pub position: i32,
    pub services: Vec<ServiceView>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ServiceView {
    pub id: i64,
    pub label: String,
    pub position: i32,
    pub probe: Option<ProbeSpecDocument>,
    /// For heartbeat probes: the URL the job calls (GET or POST).
    pub heartbeat_url: Option<String>,
}

pub fn service_view(state: &AppState, service: &ServiceRow) -> ServiceView {
    ServiceView {
        id: service.id,
        label: service.label.clone(),
        position: service.position,
        probe: service.probe_document(),
        heartbeat_url: service.heartbeat_token.as_ref().map(|token| state.heartbeat_url(token)),
    }
}

pub async fn client_view(state: &AppState, client: ClientRow) -> Result<ClientView, ApiError> {
    let recipients = state.store.recipients(client.id).await?;
    let categories = state.store.categories(client.id).await?;
    let services = state.store.services(client.id).await?;
    let categories = categories
        .into_iter()
        .map(|category| CategoryView {
            id: category.id,
            label: category.label,
            position: category.position,
            services: services
                .iter()
                .filter(|service| service.category_id == category.id)
                .map(|service| service_view(state, service))
                .collect(),
        })
        .collect();
    Ok(ClientView {
        id: client.id,
        logo_url: client.has_logo.then(|| state.link(&format!("/api/clients/{}/logo", client.id))),
        status_url: client.status_token.as_ref().map(|token| state.status_url(token)),
        check_time: client.check_time(),
        reminder_time: client.reminder_time(),
        reference: client.reference,
        label: client.label,
        sender: client.sender,
        report_template: client.report_template,
        active: client.active,
        mailing: MailingLists { to: recipients.to, cc: recipients.cc, reminder: recipients.reminder },
        categories,
    })
}

/// The clients the caller may see.
#[utoipa::path(get, path = "/api/clients", tag = "clients", responses((status = 200, body = [ClientView])))]
pub async fn list_clients(state: web::Data<AppState>, operator: Operator) -> Result<HttpResponse, ApiError> {
    let mut views = Vec::new();
    for client in state.store.clients().await?.into_iter().filter(|client| operator.may_see(&client.reference)) {
        views.push(client_view(&state, client).await?);
    }
    Ok(HttpResponse::Ok().json(views))
}

/// Creates a client (administrators).
#[utoipa::path(post, path = "/api/clients", tag = "clients", request_body = ClientInput,
    responses((status = 201, body = ClientView), (status = 409, description = "reference taken"), (status = 422)))]
pub async fn create_client(
    state: web::Data<AppState>,
    operator: Operator,
    input: web::Json<ClientInput>,
) -> Result<HttpResponse, ApiError> {
    let client = add_client(&state, &operator, &input).await?;
    Ok(HttpResponse::Created().json(client_view(&state, client).await?))
}

/// Creates a client (administrators only); what the API and the pages share.
pub async fn add_client(state: &AppState, operator: &Operator, input: &ClientInput) -> Result<ClientRow, ApiError> {
    operator.require_admin()?;
    let (fields, recipients) = client_fields(input)?;
    let id = state.store.create_client(&fields, Utc::now()).await?;
    state.store.set_recipients(id, &recipients).await?;
    state.store.client(id).await?.ok_or_else(|| not_found("Client introuvable."))
}

/// Replaces a client's settings and mailing lists; only administrators
/// change a reference, which is what gives gestionnaires access.
pub async fn change_client(
    state: &AppState,
    operator: &Operator,
    client: &ClientRow,
    input: &ClientInput,
) -> Result<ClientRow, ApiError> {
    let (fields, recipients) = client_fields(input)?;
    if fields.reference != client.reference {
        operator.require_admin()?;
    }
    state.store.update_client(client.id, &fields).await?;
    state.store.set_recipients(client.id, &recipients).await?;
    state.store.client(client.id).await?.ok_or_else(|| not_found("Client introuvable."))
}

#[utoipa::path(get, path = "/api/clients/{id}", tag = "clients", responses((status = 200, body = ClientView), (status = 404)))]
pub async fn get_client(
    state: web::Data<AppState>,
    operator: Operator,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let client = visible_client(&state, &operator, *id).await?;
    Ok(HttpResponse::Ok().json(client_view(&state, client).await?))
}

/// Replaces a client's settings and mailing lists. A gestionnaire may not
/// change the reference, which is what gives them access.
#[utoipa::path(put, path = "/api/clients/{id}", tag = "clients", request_body = ClientInput,
    responses((status = 200, body = ClientView), (status = 404), (status = 422)))]
pub async fn update_client(
    state: web::Data<AppState>,
    operator: Operator,
    id: web::Path<i64>,
    input: web::Json<ClientInput>,
) -> Result<HttpResponse, ApiError> {
    let client = visible_client(&state, &operator, *id).await?;
    let client = change_client(&state, &operator, &client, &input).await?;
    Ok(HttpResponse::Ok().json(client_view(&state, client).await?))
}

/// Deletes a client with its configuration and history (administrators).
#[utoipa::path(delete, path = "/api/clients/{id}", tag = "clients", responses((status = 204), (status = 404)))]
pub async fn delete_client(
    state: web::Data<AppState>,
    operator: Operator,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    operator.require_admin()?;
    if state.store.delete_client(*id).await? {
        Ok(HttpResponse::NoContent().finish())
    } else {
        Err(not_found("Client introuvable."))
    }
}

/// The image formats accepted as logos, recognised by their first bytes.
pub fn image_type(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        Some("image/gif")
    } else {
        None
    }
}

/// Checks and stores a logo; what the API and the configuration page share.
pub async fn store_logo(state: &AppState, client_id: i64, bytes: &[u8]) -> Result<(), ApiError> {
    if bytes.len() > MAX_LOGO_BYTES {
        return Err(ApiError::new(ErrorCode::PayloadTooLarge, "Un logo fait au plus 512 Kio."));
    }
    let media_type = image_type(bytes)
        .ok_or_else(|| ApiError::new(ErrorCode::UnsupportedMediaType, "Un logo est une image PNG, JPEG ou GIF."))?;
    state.store.set_logo(client_id, bytes, media_type).await?;
    Ok(())
}

/// Uploads the client's logo (the request body is the image).
#[utoipa::path(put, path = "/api/clients/{id}/logo", tag = "clients", request_body(content = Vec<u8>, content_type = "image/png"),
    responses((status = 204), (status = 413), (status = 415)))]
pub async fn put_logo(
    state: web::Data<AppState>,
    operator: Operator,
    id: web::Path<i64>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let client = visible_client(&state, &operator, *id).await?;
    store_logo(&state, client.id, &body).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[utoipa::path(get, path = "/api/clients/{id}/logo", tag = "clients", responses((status = 200), (status = 404)))]
pub async fn get_logo(
    state: web::Data<AppState>,
    operator: Operator,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let client = visible_client(&state, &operator, *id).await?;
    let (bytes, media_type) = state.store.logo(client.id).await?.ok_or_else(|| not_found("Logo introuvable."))?;
    Ok(HttpResponse::Ok()
        .insert_header((CONTENT_TYPE, media_type))
        .insert_header((CACHE_CONTROL, "private, max-age=300"))
        .body(bytes))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StatusLink {
    /// The page anyone with this link reads (behind the gateway's address).
    pub url: String,
}

/// Opens the client's public status page, with a new link: the previous
/// one, if any, stops working.
#[utoipa::path(post, path = "/api/clients/{id}/status-link", tag = "clients",
    responses((status = 201, body = StatusLink), (status = 404)))]
pub async fn open_status_page(
    state: web::Data<AppState>,
    operator: Operator,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let client = visible_client(&state, &operator, *id).await?;
    let token = common::identity::random_token(24);
    state.store.set_status_token(client.id, Some(&token)).await?;
    Ok(HttpResponse::Created().json(StatusLink { url: state.status_url(&token) }))
}

/// Closes the client's public status page: its link answers 404.
#[utoipa::path(delete, path = "/api/clients/{id}/status-link", tag = "clients", responses((status = 204), (status = 404)))]
pub async fn close_status_page(
    state: web::Data<AppState>,
    operator: Operator,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let client = visible_client(&state, &operator, *id).await?;
    state.store.set_status_token(client.id, None).await?;
    Ok(HttpResponse::NoContent().finish())
}
