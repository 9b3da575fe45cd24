//! Preventive maintenance plans: per equipment, a periodicity the
//! scheduler turns into planned interventions ahead of time.

use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{NaiveDate, Utc};
use common::error::ApiError;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::equipment::visible_equipment;
use super::{created, invalid, not_found};
use crate::access::Actor;
use crate::domain::{FieldCheck, LocalTime, Period, PeriodUnit};
use crate::startup::AppState;
use crate::store::{Change, PlanFields, PlanRow};

pub fn routes(config: &mut web::ServiceConfig) {
    config
        .route("/maintenance-plans", web::get().to(list_plans))
        .route("/maintenance-plans", web::post().to(create_plan))
        .route("/maintenance-plans/{id}", web::get().to(get_plan))
        .route("/maintenance-plans/{id}", web::put().to(update_plan));
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanInput {
    /// Required on creation.
    #[serde(default)]
    pub equipment_id: Option<i64>,
    pub title: String,
    #[serde(default)]
    pub description: Option<String>,
    /// Every `every` `unit`s: 3 months, 1 year.
    pub every: i64,
    /// day, week, month or year.
    pub unit: String,
    /// The date of the next intervention to plan.
    pub next_due: NaiveDate,
    /// When it starts that day, Europe/Paris: `08:30`.
    #[serde(default = "default_start")]
    pub start_time: String,
    #[serde(default = "default_duration")]
    pub duration_minutes: i64,
    /// Who it is assigned to (left to plan by hand when absent).
    #[serde(default)]
    pub technician: Option<String>,
    #[serde(default = "active_by_default")]
    pub active: bool,
}

fn default_start() -> String {
    "08:00".to_owned()
}

fn default_duration() -> i64 {
    120
}

fn active_by_default() -> bool {
    true
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PlanView {
    pub id: i64,
    pub equipment_id: i64,
    pub site_id: i64,
    pub client_id: i64,
    pub title: String,
    pub description: Option<String>,
    pub every: i32,
    pub unit: String,
    pub next_due: NaiveDate,
    pub start_time: String,
    pub duration_minutes: i32,
    pub technician: Option<String>,
    pub active: bool,
}

impl From<PlanRow> for PlanView {
    fn from(row: PlanRow) -> Self {
        Self {
            id: row.id,
            equipment_id: row.equipment_id,
            site_id: row.site_id,
            client_id: row.client_id,
            title: row.title,
            description: row.description,
            every: row.every,
            unit: row.unit,
            next_due: row.next_due,
            start_time: LocalTime::from_minutes(i64::from(row.start_minute))
                .map(|time| time.to_string())
                .unwrap_or_default(),
            duration_minutes: row.duration_minutes,
            technician: row.technician,
            active: row.active,
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct PlanQuery {
    pub equipment_id: Option<i64>,
}

fn plan_fields(input: &PlanInput) -> Result<PlanFields, ApiError> {
    let mut check = FieldCheck::default();
    let title = check.label("title", &input.title);
    let description = check.text("description", input.description.as_deref());
    let period = check
        .check("unit", PeriodUnit::parse(&input.unit))
        .and_then(|unit| check.check("every", Period::new(input.every, unit)));
    let start = check.check("start_time", LocalTime::parse(&input.start_time));
    let duration = i32::try_from(input.duration_minutes).ok().filter(|minutes| (1..=7 * 24 * 60).contains(minutes));
    if duration.is_none() {
        check.fail("duration_minutes", "must be between 1 minute and 7 days");
    }
    let technician = check.email("technician", input.technician.as_deref());
    match (title, description, period, start, duration, technician) {
        (Some(title), Some(description), Some(period), Some(start), Some(duration), Some(technician)) => {
            Ok(PlanFields {
                title: title.as_str().to_owned(),
                description,
                every: i32::try_from(period.every()).unwrap_or(i32::MAX),
                unit: period.unit().as_str().to_owned(),
                next_due: input.next_due,
                start_minute: start.minutes(),
                duration_minutes: duration,
                technician: technician.map(|email| email.as_str().to_owned()),
                active: input.active,
            })
        }
        _ => Err(check.into_error()),
    }
}

#[utoipa::path(get, path = "/api/v1/maintenance-plans", tag = "maintenance plans", params(PlanQuery),
    responses((status = 200, body = [PlanView]), (status = 403)))]
pub async fn list_plans(
    state: web::Data<AppState>,
    actor: Actor,
    query: web::Query<PlanQuery>,
) -> Result<HttpResponse, ApiError> {
    actor.require_staff()?;
    let views: Vec<PlanView> = state.store.plans(query.equipment_id).await?.into_iter().map(PlanView::from).collect();
    Ok(HttpResponse::Ok().json(views))
}

#[utoipa::path(post, path = "/api/v1/maintenance-plans", tag = "maintenance plans", request_body = PlanInput,
    responses((status = 201, body = PlanView), (status = 403), (status = 404, description = "no such equipment"), (status = 422)))]
pub async fn create_plan(
    request: HttpRequest,
    state: web::Data<AppState>,
    actor: Actor,
    input: web::Json<PlanInput>,
) -> Result<HttpResponse, ApiError> {
    actor.require_staff()?;
    let Some(equipment_id) = input.equipment_id else {
        return Err(invalid("equipment_id", "is required"));
    };
    let fields = plan_fields(&input)?;
    visible_equipment(&state, &actor, equipment_id).await?;
    let id = state.store.create_plan(equipment_id, &fields, Change { actor: &actor.name, at: Utc::now() }).await?;
    let plan = state.store.plan(id).await?.ok_or_else(|| not_found("maintenance plan"))?;
    Ok(created(&request, id, &PlanView::from(plan)))
}

#[utoipa::path(get, path = "/api/v1/maintenance-plans/{id}", tag = "maintenance plans",
    responses((status = 200, body = PlanView), (status = 403), (status = 404)))]
pub async fn get_plan(state: web::Data<AppState>, actor: Actor, id: web::Path<i64>) -> Result<HttpResponse, ApiError> {
    actor.require_staff()?;
    let plan = state.store.plan(*id).await?.ok_or_else(|| not_found("maintenance plan"))?;
    Ok(HttpResponse::Ok().json(PlanView::from(plan)))
}

#[utoipa::path(put, path = "/api/v1/maintenance-plans/{id}", tag = "maintenance plans", request_body = PlanInput,
    responses((status = 200, body = PlanView), (status = 403), (status = 404), (status = 422)))]
pub async fn update_plan(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
    input: web::Json<PlanInput>,
) -> Result<HttpResponse, ApiError> {
    actor.require_staff()?;
    let fields = plan_fields(&input)?;
    if !state.store.update_plan(*id, &fields, Change { actor: &actor.name, at: Utc::now() }).await? {
        return Err(not_found("maintenance plan"));
    }
    get_plan(state, actor, id).await
}
