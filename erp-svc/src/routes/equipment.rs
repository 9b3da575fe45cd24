//! Equipment on a site: what is maintained, with its warranty.

use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{NaiveDate, Utc};
use common::error::ApiError;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::sites::visible_site;
use super::{Pagination, created, invalid, not_found, paginated};
use crate::access::Actor;
use crate::domain::FieldCheck;
use crate::startup::AppState;
use crate::store::{Change, EquipmentFields, EquipmentRow};

pub fn routes(config: &mut web::ServiceConfig) {
    config
        .route("/equipment", web::get().to(list_equipment))
        .route("/equipment", web::post().to(create_equipment))
        .route("/equipment/{id}", web::get().to(get_equipment))
        .route("/equipment/{id}", web::put().to(update_equipment))
        .route("/equipment/{id}", web::delete().to(delete_equipment));
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EquipmentInput {
    /// Required on creation.
    #[serde(default)]
    pub site_id: Option<i64>,
    /// What it is: `chaudière`, `climatisation`, `groupe électrogène`.
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub brand: Option<String>,
    #[serde(default)]
    pub model: Option<String>,
    #[serde(default)]
    pub serial_number: Option<String>,
    /// `YYYY-MM-DD`.
    #[serde(default)]
    pub installed_on: Option<NaiveDate>,
    #[serde(default)]
    pub warranty_end: Option<NaiveDate>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EquipmentView {
    pub id: i64,
    pub site_id: i64,
    pub client_id: i64,
    #[serde(rename = "type")]
    pub kind: String,
    pub brand: Option<String>,
    pub model: Option<String>,
    pub serial_number: Option<String>,
    pub installed_on: Option<NaiveDate>,
    pub warranty_end: Option<NaiveDate>,
    /// Whether the warranty still runs today.
    pub under_warranty: bool,
}

impl From<EquipmentRow> for EquipmentView {
    fn from(row: EquipmentRow) -> Self {
        let today = Utc::now().date_naive();
        Self {
            id: row.id,
            site_id: row.site_id,
            client_id: row.client_id,
            kind: row.kind,
            brand: row.brand,
            model: row.model,
            serial_number: row.serial_number,
            installed_on: row.installed_on,
            under_warranty: row.warranty_end.is_some_and(|end| end >= today),
            warranty_end: row.warranty_end,
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct EquipmentQuery {
    pub site_id: Option<i64>,
    pub client_id: Option<i64>,
}

fn equipment_fields(input: &EquipmentInput) -> Result<EquipmentFields, ApiError> {
    let mut check = FieldCheck::default();
    let kind = check.label("type", &input.kind);
    let brand = check.text("brand", input.brand.as_deref());
    let model = check.text("model", input.model.as_deref());
    let serial_number = check.text("serial_number", input.serial_number.as_deref());
    if let (Some(installed), Some(warranty_end)) = (input.installed_on, input.warranty_end)
        && warranty_end < installed
    {
        check.fail("warranty_end", "must not be before installed_on");
    }
    match (kind, brand, model, serial_number) {
        (Some(kind), Some(brand), Some(model), Some(serial_number)) if check.is_clean() => Ok(EquipmentFields {
            kind: kind.as_str().to_owned(),
            brand,
            model,
            serial_number,
            installed_on: input.installed_on,
            warranty_end: input.warranty_end,
        }),
        _ => Err(check.into_error()),
    }
}

pub async fn visible_equipment(state: &AppState, actor: &Actor, id: i64) -> Result<EquipmentRow, ApiError> {
    let equipment = state.store.equipment(id).await?.ok_or_else(|| not_found("equipment"))?;
    actor.may_read(&equipment.client_reference, "equipment")?;
    Ok(equipment)
}

/// Equipment of a site or a client (a client user: its own).
#[utoipa::path(get, path = "/api/v1/equipment", tag = "equipment", params(EquipmentQuery, Pagination),
    responses((status = 200, body = [EquipmentView], headers(("X-Total-Count" = i64), ("Link" = String))), (status = 422, description = "page or per_page out of range")))]
pub async fn list_equipment(
    request: HttpRequest,
    state: web::Data<AppState>,
    actor: Actor,
    query: web::Query<EquipmentQuery>,
    pagination: web::Query<Pagination>,
) -> Result<HttpResponse, ApiError> {
    let company = actor.list_filter()?;
    let page = pagination.page()?;
    let (rows, total) = state.store.equipment_list(query.site_id, query.client_id, company, page).await?;
    let views: Vec<EquipmentView> = rows.into_iter().map(EquipmentView::from).collect();
    Ok(paginated(&request, page, total, &views))
}

#[utoipa::path(post, path = "/api/v1/equipment", tag = "equipment", request_body = EquipmentInput,
    responses((status = 201, body = EquipmentView), (status = 403), (status = 404, description = "no such site"), (status = 422)))]
pub async fn create_equipment(
    request: HttpRequest,
    state: web::Data<AppState>,
    actor: Actor,
    input: web::Json<EquipmentInput>,
) -> Result<HttpResponse, ApiError> {
    actor.require_staff()?;
    let Some(site_id) = input.site_id else {
        return Err(invalid("site_id", "is required"));
    };
    let fields = equipment_fields(&input)?;
    visible_site(&state, &actor, site_id).await?;
    let id = state.store.create_equipment(site_id, &fields, Change { actor: &actor.name, at: Utc::now() }).await?;
    let equipment = state.store.equipment(id).await?.ok_or_else(|| not_found("equipment"))?;
    Ok(created(&request, id, &EquipmentView::from(equipment)))
}

#[utoipa::path(get, path = "/api/v1/equipment/{id}", tag = "equipment",
    responses((status = 200, body = EquipmentView), (status = 404)))]
pub async fn get_equipment(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(EquipmentView::from(visible_equipment(&state, &actor, *id).await?)))
}

#[utoipa::path(put, path = "/api/v1/equipment/{id}", tag = "equipment", request_body = EquipmentInput,
    responses((status = 200, body = EquipmentView), (status = 404), (status = 422)))]
pub async fn update_equipment(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
    input: web::Json<EquipmentInput>,
) -> Result<HttpResponse, ApiError> {
    actor.require_staff()?;
    let fields = equipment_fields(&input)?;
    if !state.store.update_equipment(*id, &fields, Change { actor: &actor.name, at: Utc::now() }).await? {
        return Err(not_found("equipment"));
    }
    get_equipment(state, actor, id).await
}

#[utoipa::path(delete, path = "/api/v1/equipment/{id}", tag = "equipment",
    responses((status = 204), (status = 404), (status = 409, description = "the equipment still has interventions or plans")))]
pub async fn delete_equipment(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    actor.require_staff()?;
    if state.store.delete_equipment(*id, Change { actor: &actor.name, at: Utc::now() }).await? {
        Ok(HttpResponse::NoContent().finish())
    } else {
        Err(not_found("equipment"))
    }
}
