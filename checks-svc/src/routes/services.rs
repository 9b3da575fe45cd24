//! Categories and services of a client, their probes, maintenance windows
//! and heartbeats.

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use common::error::{ApiError, FieldError};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{not_found, visible_client};
use crate::access::Operator;
use crate::inputs::{CategoryInput, ServiceInput, category_label, check_probe_destination, service_fields};
use crate::startup::AppState;
use crate::store::{CategoryRow, ServiceRow};

pub fn routes(config: &mut web::ServiceConfig) {
    config
        .route("/api/clients/{id}/categories", web::post().to(create_category))
        .route("/api/categories/{id}", web::put().to(update_category))
        .route("/api/categories/{id}", web::delete().to(delete_category))
        .route("/api/categories/{id}/services", web::post().to(create_service))
        .route("/api/services/{id}", web::put().to(update_service))
        .route("/api/services/{id}", web::delete().to(delete_service))
        .route("/api/services/{id}/maintenance", web::post().to(add_maintenance))
        .route("/api/services/{id}/probe", web::post().to(probe_now))
        .route("/api/heartbeat/{token}", web::get().to(heartbeat))
        .route("/api/heartbeat/{token}", web::post().to(heartbeat));
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MaintenanceInput {
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    #[serde(default)]
    pub reason: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Created {
    pub id: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProbeResult {
    /// `success`, `warning` or `error`; absent during a maintenance window.
    pub status: Option<String>,
    pub latency_ms: Option<f64>,
    pub detail: String,
}

pub async fn visible_category(state: &AppState, operator: &Operator, id: i64) -> Result<CategoryRow, ApiError> {
    let category = state.store.category(id).await?.ok_or_else(|| not_found("Catégorie introuvable."))?;
    visible_client(state, operator, category.client_id).await.map_err(|_| not_found("Catégorie introuvable."))?;
    Ok(category)
}

pub async fn visible_service(state: &AppState, operator: &Operator, id: i64) -> Result<ServiceRow, ApiError> {
    let service = state.store.service(id).await?.ok_or_else(|| not_found("Service introuvable."))?;
    visible_client(state, operator, service.client_id).await.map_err(|_| not_found("Service introuvable."))?;
    Ok(service)
}

#[utoipa::path(post, path = "/api/clients/{id}/categories", tag = "configuration", request_body = CategoryInput,
    responses((status = 201, body = Created), (status = 404), (status = 422)))]
pub async fn create_category(
    state: web::Data<AppState>,
    operator: Operator,
    id: web::Path<i64>,
    input: web::Json<CategoryInput>,
) -> Result<HttpResponse, ApiError> {
    let client = visible_client(&state, &operator, *id).await?;
    let id = add_category(&state, client.id, &input).await?;
    Ok(HttpResponse::Created().json(Created { id }))
}

pub async fn add_category(state: &AppState, client_id: i64, input: &CategoryInput) -> Result<i64, ApiError> {
    state.store.create_category(client_id, &category_label(input)?, input.position).await
}

#[utoipa::path(put, path = "/api/categories/{id}", tag = "configuration", request_body = CategoryInput,
    responses((status = 204), (status = 404), (status = 422)))]
pub async fn update_category(
    state: web::Data<AppState>,
    operator: Operator,
    id: web::Path<i64>,
    input: web::Json<CategoryInput>,
) -> Result<HttpResponse, ApiError> {
    let category = visible_category(&state, &operator, *id).await?;
    state.store.update_category(category.id, &category_label(&input)?, input.position).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[utoipa::path(delete, path = "/api/categories/{id}", tag = "configuration", responses((status = 204), (status = 404)))]
pub async fn delete_category(
    state: web::Data<AppState>,
    operator: Operator,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let category = visible_category(&state, &operator, *id).await?;
    state.store.delete_category(category.id).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[utoipa::path(post, path = "/api/categories/{id}/services", tag = "configuration", request_body = ServiceInput,
    responses((status = 201, body = Created), (status = 404), (status = 422)))]
pub async fn create_service(
    state: web::Data<AppState>,
    operator: Operator,
    id: web::Path<i64>,
    input: web::Json<ServiceInput>,
) -> Result<HttpResponse, ApiError> {
    let category = visible_category(&state, &operator, *id).await?;
    let id = add_service(&state, &operator, &category, &input).await?;
    Ok(HttpResponse::Created().json(Created { id }))
}

pub async fn add_service(
    state: &AppState,
    operator: &Operator,
    category: &CategoryRow,
    input: &ServiceInput,
) -> Result<i64, ApiError> {
    let fields = service_fields(operator, input, None)?;
    check_probe_destination(state.prober.destinations(), operator, input).await?;
    state.store.create_service(category.id, &fields).await
}

#[utoipa::path(put, path = "/api/services/{id}", tag = "configuration", request_body = ServiceInput,
    responses((status = 204), (status = 404), (status = 422)))]
pub async fn update_service(
    state: web::Data<AppState>,
    operator: Operator,
    id: web::Path<i64>,
    input: web::Json<ServiceInput>,
) -> Result<HttpResponse, ApiError> {
    let service = visible_service(&state, &operator, *id).await?;
    change_service(&state, &operator, &service, &input).await?;
    Ok(HttpResponse::NoContent().finish())
}

pub async fn change_service(
    state: &AppState,
    operator: &Operator,
    service: &ServiceRow,
    input: &ServiceInput,
) -> Result<(), ApiError> {
    let fields = service_fields(operator, input, Some(service))?;
    check_probe_destination(state.prober.destinations(), operator, input).await?;
    state.store.update_service(service.id, &fields).await?;
    Ok(())
}

#[utoipa::path(delete, path = "/api/services/{id}", tag = "configuration", responses((status = 204), (status = 404)))]
pub async fn delete_service(
    state: web::Data<AppState>,
    operator: Operator,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let service = visible_service(&state, &operator, *id).await?;
    state.store.delete_service(service.id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Declares a maintenance window: the probe does not run during it.
#[utoipa::path(post, path = "/api/services/{id}/maintenance", tag = "configuration", request_body = MaintenanceInput,
    responses((status = 201, body = Created), (status = 404), (status = 422)))]
pub async fn add_maintenance(
    state: web::Data<AppState>,
    operator: Operator,
    id: web::Path<i64>,
    input: web::Json<MaintenanceInput>,
) -> Result<HttpResponse, ApiError> {
    let service = visible_service(&state, &operator, *id).await?;
    if input.ends_at <= input.starts_at {
        return Err(ApiError::validation(vec![FieldError::new("ends_at", "suit starts_at")]));
    }
    let id = state.store.add_maintenance(service.id, input.starts_at, input.ends_at, input.reason.as_deref()).await?;
    Ok(HttpResponse::Created().json(Created { id }))
}

/// Runs the service's probe now and records the result, as the scheduled
/// run would.
#[utoipa::path(post, path = "/api/services/{id}/probe", tag = "configuration",
    responses((status = 200, body = ProbeResult), (status = 404, description = "no such service, or no probe")))]
pub async fn probe_now(
    state: web::Data<AppState>,
    operator: Operator,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let service = visible_service(&state, &operator, *id).await?;
    if service.probe.is_none() {
        return Err(not_found("Ce service n'a pas de sonde."));
    }
    let outcome = state.prober.probe_service(service.id, Utc::now()).await.map_err(ApiError::internal)?;
    Ok(HttpResponse::Ok().json(match outcome {
        Some(outcome) => ProbeResult {
            status: Some(outcome.status.as_str().to_owned()),
            latency_ms: outcome.latency_ms,
            detail: outcome.detail,
        },
        None => ProbeResult { status: None, latency_ms: None, detail: "en fenêtre de maintenance".to_owned() },
    }))
}

/// A job reporting in (a backup, a batch): call it when it succeeds.
#[utoipa::path(post, path = "/api/heartbeat/{token}", tag = "probes", responses((status = 204), (status = 404)))]
pub async fn heartbeat(state: web::Data<AppState>, token: web::Path<String>) -> Result<HttpResponse, ApiError> {
    match state.store.heartbeat(&token, Utc::now()).await? {
        Some(_) => Ok(HttpResponse::NoContent().finish()),
        None => Err(not_found("Battement introuvable.")),
    }
}
