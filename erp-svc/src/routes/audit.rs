//! The audit trail: who changed what, when.

use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{DateTime, Utc};
use common::error::ApiError;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::interventions::visible_intervention;
use super::{Pagination, forbidden_unless, paginated};
use crate::access::Actor;
use crate::startup::AppState;
use crate::store::AuditRow;

pub fn routes(config: &mut web::ServiceConfig) {
    config
        .route("/audit", web::get().to(audit_trail))
        .route("/interventions/{id}/history", web::get().to(intervention_history));
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEntry {
    pub id: i64,
    pub at: DateTime<Utc>,
    /// The user's e-mail address, or `key:<id>` for an API key.
    pub actor: String,
    /// client, site, equipment, intervention, maintenance_plan.
    pub entity: String,
    pub entity_id: i64,
    /// created, updated, deleted, status_changed, line_added, signed...
    pub action: String,
    /// The fields written.
    #[schema(value_type = Object)]
    pub changes: serde_json::Value,
}

impl From<AuditRow> for AuditEntry {
    fn from(row: AuditRow) -> Self {
        Self {
            id: row.id,
            at: row.at,
            actor: row.actor,
            entity: row.entity,
            entity_id: row.entity_id,
            action: row.action,
            changes: serde_json::from_str(&row.changes).unwrap_or(serde_json::Value::Null),
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct AuditQuery {
    pub entity: Option<String>,
    pub entity_id: Option<i64>,
}

/// Every change, newest first (administrators and responsables).
#[utoipa::path(get, path = "/api/v1/audit", tag = "audit", params(AuditQuery, Pagination),
    responses((status = 200, body = [AuditEntry], headers(("X-Total-Count" = i64), ("Link" = String))), (status = 403), (status = 422, description = "page or per_page out of range")))]
pub async fn audit_trail(
    request: HttpRequest,
    state: web::Data<AppState>,
    actor: Actor,
    query: web::Query<AuditQuery>,
    pagination: web::Query<Pagination>,
) -> Result<HttpResponse, ApiError> {
    actor.require_staff()?;
    let page = pagination.page()?;
    let entity = query.entity.as_deref().zip(query.entity_id);
    let (rows, total) = state.store.audit_trail(entity, page).await?;
    let entries: Vec<AuditEntry> = rows.into_iter().map(AuditEntry::from).collect();
    Ok(paginated(&request, page, total, &entries))
}

/// An intervention's changes, newest first (staff and its technicians).
#[utoipa::path(get, path = "/api/v1/interventions/{id}/history", tag = "audit", params(Pagination),
    responses((status = 200, body = [AuditEntry]), (status = 403), (status = 404), (status = 422, description = "page or per_page out of range")))]
pub async fn intervention_history(
    request: HttpRequest,
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
    pagination: web::Query<Pagination>,
) -> Result<HttpResponse, ApiError> {
    let (row, technicians) = visible_intervention(&state, &actor, *id).await?;
    forbidden_unless(actor.may_work_on(&technicians), "Only staff and its technicians read its history.")?;
    let page = pagination.page()?;
    let (rows, total) = state.store.audit_trail(Some(("intervention", row.id)), page).await?;
    let entries: Vec<AuditEntry> = rows.into_iter().map(AuditEntry::from).collect();
    Ok(paginated(&request, page, total, &entries))
}
