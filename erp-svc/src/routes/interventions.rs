//! Interventions: created by staff (or requested by a client), planned on
//! technicians without clashes, moved along their status flow.

use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{DateTime, Datelike, NaiveDate, SubsecRound, Utc};
use common::error::{ApiError, ErrorCode};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::equipment::visible_equipment;
use super::sites::visible_site;
use super::work::{DocumentView, LineView, PartView, SignatureView};
use super::{Pagination, created, invalid, not_found, paginated};
use crate::access::{Actor, Role};
use crate::domain::{FieldCheck, InterventionKind, Priority, SignerRole, Status, is_step, transition_allowed};
use crate::startup::AppState;
use crate::store::{
    Change, InterventionFields, InterventionFilter, InterventionRecord, InterventionRow, NewIntervention, Slot,
};

pub fn routes(config: &mut web::ServiceConfig) {
    config
        .route("/interventions", web::get().to(list_interventions))
        .route("/interventions", web::post().to(create_intervention))
        .route("/interventions/{id}", web::get().to(get_intervention))
        .route("/interventions/{id}", web::put().to(update_intervention))
        .route("/interventions/{id}/transitions", web::post().to(transition));
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InterventionInput {
    /// Required on creation; an intervention never moves to another site.
    #[serde(default)]
    pub site_id: Option<i64>,
    #[serde(default)]
    pub equipment_id: Option<i64>,
    /// corrective (default), preventive, installation, inspection.
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    /// low, normal (default), high, urgent.
    #[serde(default)]
    pub priority: Option<String>,
    pub title: String,
    #[serde(default)]
    pub description: Option<String>,
    /// RFC 3339; both or neither.
    #[serde(default)]
    pub planned_start: Option<DateTime<Utc>>,
    #[serde(default)]
    pub planned_end: Option<DateTime<Utc>>,
    /// The assigned technicians' e-mail addresses.
    #[serde(default)]
    pub technicians: Vec<String>,
    /// Assign despite clashes with the technicians' other interventions
    /// (administrators and responsables).
    #[serde(default)]
    pub force: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct InterventionSummary {
    pub id: i64,
    /// `INT-2026-00042`.
    pub number: String,
    pub client_id: i64,
    pub client_name: String,
    pub site_id: i64,
    pub site_name: String,
    pub equipment_id: Option<i64>,
    #[serde(rename = "type")]
    pub kind: String,
    pub priority: String,
    pub status: String,
    pub title: String,
    pub planned_start: Option<DateTime<Utc>>,
    pub planned_end: Option<DateTime<Utc>>,
    pub technicians: Vec<String>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl InterventionSummary {
    pub fn new(row: InterventionRow, technicians: Vec<String>) -> Self {
        Self {
            id: row.id,
            number: row.number,
            client_id: row.client_id,
            client_name: row.client_name,
            site_id: row.site_id,
            site_name: row.site_name,
            equipment_id: row.equipment_id,
            kind: row.kind,
            priority: row.priority,
            status: row.status,
            title: row.title,
            planned_start: row.planned_start,
            planned_end: row.planned_end,
            technicians,
            created_by: row.created_by,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct InterventionView {
    #[serde(flatten)]
    pub summary: InterventionSummary,
    pub description: Option<String>,
    pub lines: Vec<LineView>,
    pub parts: Vec<PartView>,
    pub documents: Vec<DocumentView>,
    pub signatures: Vec<SignatureView>,
    pub status_history: Vec<StatusChangeView>,
    /// Time worked, in minutes, and travel, in km, over all lines.
    pub total_minutes: i64,
    pub total_travel_km: f64,
    /// The statuses the caller may move it to now.
    pub next_statuses: Vec<Status>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StatusChangeView {
    pub from: Option<String>,
    pub to: String,
    pub by: String,
    pub comment: Option<String>,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct InterventionQuery {
    pub status: Option<String>,
    pub client_id: Option<i64>,
    pub site_id: Option<i64>,
    pub equipment_id: Option<i64>,
    /// An assigned technician's e-mail address.
    pub technician: Option<String>,
    #[serde(rename = "type")]
    #[param(rename = "type")]
    pub kind: Option<String>,
    pub priority: Option<String>,
    /// Planned to start on or after this day (`YYYY-MM-DD`, UTC).
    pub from: Option<NaiveDate>,
    /// Planned to start on or before this day.
    pub to: Option<NaiveDate>,
    /// Part of the number or the title.
    pub q: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransitionInput {
    pub status: String,
    #[serde(default)]
    pub comment: Option<String>,
    /// Plan despite clashes (administrators and responsables).
    #[serde(default)]
    pub force: bool,
}

impl InterventionQuery {
    fn filter(&self, actor: &Actor) -> Result<InterventionFilter, ApiError> {
        let mut check = FieldCheck::default();
        let status = self.status.as_deref().and_then(|status| check.check("status", Status::parse(status)));
        let kind = self.kind.as_deref().and_then(|kind| check.check("type", InterventionKind::parse(kind)));
        let priority = self.priority.as_deref().and_then(|priority| check.check("priority", Priority::parse(priority)));
        check.finish()?;
        let day_start = |day: NaiveDate| day.and_hms_opt(0, 0, 0).map(|time| time.and_utc());
        Ok(InterventionFilter {
            status,
            client_id: self.client_id,
            site_id: self.site_id,
            equipment_id: self.equipment_id,
            technician: self.technician.as_deref().map(|email| email.trim().to_lowercase()),
            kind: kind.map(|kind| kind.as_str().to_owned()),
            priority: priority.map(|priority| priority.as_str().to_owned()),
            from: self.from.and_then(day_start),
            to: self.to.and_then(|day| day.succ_opt()).and_then(day_start),
            search: self.q.as_deref().map(str::trim).filter(|q| !q.is_empty()).map(str::to_owned),
            company: actor.company().map(str::to_owned),
            assigned_to: actor.technician().map(str::to_owned),
        })
    }
}

/// Reads the input as a responsable's full description of the
/// intervention on site `site_id`.
async fn intervention_fields(
    state: &AppState,
    actor: &Actor,
    site_id: i64,
    input: &InterventionInput,
) -> Result<InterventionFields, ApiError> {
    let mut check = FieldCheck::default();
    let kind = check.check("type", InterventionKind::parse(input.kind.as_deref().unwrap_or("corrective")));
    let priority = check.check("priority", Priority::parse(input.priority.as_deref().unwrap_or("normal")));
    let title = check.label("title", &input.title);
    let description = check.text("description", input.description.as_deref());
    match (input.planned_start, input.planned_end) {
        (Some(start), Some(end)) if end <= start => check.fail("planned_end", "must be after planned_start"),
        (Some(_), None) => check.fail("planned_end", "is required with planned_start"),
        (None, Some(_)) => check.fail("planned_start", "is required with planned_end"),
        _ => {}
    }
    let mut technicians = Vec::new();
    for (index, technician) in input.technicians.iter().enumerate() {
        if let Some(Some(email)) = check.email(&format!("technicians[{index}]"), Some(technician)) {
            let email = email.as_str().to_owned();
            if !technicians.contains(&email) {
                technicians.push(email);
            }
        }
    }
    if let Some(equipment_id) = input.equipment_id {
        match visible_equipment(state, actor, equipment_id).await {
            Ok(equipment) if equipment.site_id == site_id => {}
            Ok(_) => check.fail("equipment_id", "is not on this site"),
            Err(_) => check.fail("equipment_id", "does not exist"),
        }
    }
    match (kind, priority, title, description) {
        (Some(kind), Some(priority), Some(title), Some(description)) if check.is_clean() => Ok(InterventionFields {
            equipment_id: input.equipment_id,
            kind: kind.as_str().to_owned(),
            priority: priority.as_str().to_owned(),
            title: title.as_str().to_owned(),
            description,
            planned_start: input.planned_start,
            planned_end: input.planned_end,
            technicians,
        }),
        _ => Err(check.into_error()),
    }
}

/// The planning a write must keep free of overlaps with the technicians'
/// other interventions: none when it has no dates, or staff force it.
fn slot_to_keep<'a>(
    actor: &Actor,
    fields: &'a InterventionFields,
    except: Option<i64>,
    force: bool,
) -> Option<Slot<'a>> {
    let (Some(start), Some(end)) = (fields.planned_start, fields.planned_end) else {
        return None;
    };
    (!(force && actor.is_staff())).then_some(Slot { technicians: &fields.technicians, start, end, except })
}

/// The stored status (the database's CHECK keeps it one of them).
pub fn status_of(row: &InterventionRow) -> Result<Status, ApiError> {
    Status::parse(&row.status).map_err(|message| ApiError::internal(anyhow::Error::msg(message)))
}

/// The intervention if the caller may see it; otherwise it is missing.
pub async fn visible_intervention(
    state: &AppState,
    actor: &Actor,
    id: i64,
) -> Result<(InterventionRow, Vec<String>), ApiError> {
    match state.store.intervention(id).await? {
        Some((row, technicians)) if actor.may_see(&row.client_reference, &technicians) => Ok((row, technicians)),
        _ => Err(not_found("intervention")),
    }
}

/// The intervention if the caller may record work on it and it is still
/// open: 404 if they may not see it, 403 if they may only look, 409 once
/// it is validated, closed or cancelled.
pub async fn workable_intervention(
    state: &AppState,
    actor: &Actor,
    id: i64,
) -> Result<(InterventionRow, Vec<String>), ApiError> {
    let (row, technicians) = visible_intervention(state, actor, id).await?;
    if !actor.may_work_on(&technicians) {
        return Err(ApiError::new(ErrorCode::Forbidden, "You may only read this intervention."));
    }
    let status = status_of(&row)?;
    if !status.is_open() {
        return Err(ApiError::new(
            ErrorCode::InvalidTransition,
            format!("{} is {}: its record can no longer change.", row.number, status.as_str()),
        ));
    }
    Ok((row, technicians))
}

pub async fn intervention_view(
    state: &AppState,
    actor: &Actor,
    row: InterventionRow,
    technicians: Vec<String>,
) -> Result<InterventionView, ApiError> {
    let record = state.store.record(row.id).await?;
    view_of(state, actor, row, technicians, record)
}

fn view_of(
    state: &AppState,
    actor: &Actor,
    row: InterventionRow,
    technicians: Vec<String>,
    InterventionRecord { lines, parts, documents, signatures, history }: InterventionRecord,
) -> Result<InterventionView, ApiError> {
    let status = status_of(&row)?;
    let next_statuses = Status::ALL
        .iter()
        .copied()
        .filter(|to| transition_allowed(status, *to, &actor.role) && actor.may_work_on(&technicians))
        .collect();
    Ok(InterventionView {
        description: row.description.clone(),
        total_minutes: lines.iter().map(|line| i64::from(line.minutes)).sum(),
        total_travel_km: lines.iter().map(|line| line.travel_km).sum(),
        lines: lines.into_iter().map(LineView::from).collect(),
        parts: parts.into_iter().map(PartView::from).collect(),
        documents: documents.into_iter().map(|document| DocumentView::new(document, state)).collect(),
        signatures: signatures.into_iter().map(|signature| SignatureView::new(signature, row.id, state)).collect(),
        status_history: history
            .into_iter()
            .map(|change| StatusChangeView {
                from: change.from_status,
                to: change.to_status,
                by: change.actor,
                comment: change.comment,
                at: change.at,
            })
            .collect(),
        next_statuses,
        summary: InterventionSummary::new(row, technicians),
    })
}

/// Interventions, filtered and paginated, by planned start (newest
/// first); technicians see theirs, client users their company's.
#[utoipa::path(get, path = "/api/v1/interventions", tag = "interventions", params(InterventionQuery, Pagination),
    responses((status = 200, body = [InterventionSummary], headers(("X-Total-Count" = i64), ("Link" = String))), (status = 422)))]
pub async fn list_interventions(
    request: HttpRequest,
    state: web::Data<AppState>,
    actor: Actor,
    query: web::Query<InterventionQuery>,
    pagination: web::Query<Pagination>,
) -> Result<HttpResponse, ApiError> {
    let filter = query.filter(&actor)?;
    let page = pagination.page()?;
    let (rows, total) = state.store.interventions(&filter, page).await?;
    let summaries: Vec<InterventionSummary> =
        rows.into_iter().map(|(row, technicians)| InterventionSummary::new(row, technicians)).collect();
    Ok(paginated(&request, page, total, &summaries))
}

/// Creates an intervention as a draft, numbered `INT-<year>-<sequence>`.
/// A client user's request names its site, a title and a description
/// only; staff may also plan and assign it.
#[utoipa::path(post, path = "/api/v1/interventions", tag = "interventions", request_body = InterventionInput,
    responses((status = 201, body = InterventionView), (status = 403), (status = 404, description = "no such site (or not one the caller sees)"), (status = 409, description = "planning clash"), (status = 422)))]
pub async fn create_intervention(
    request: HttpRequest,
    state: web::Data<AppState>,
    actor: Actor,
    input: web::Json<InterventionInput>,
) -> Result<HttpResponse, ApiError> {
    if actor.technician().is_some() {
        return Err(ApiError::new(ErrorCode::Forbidden, "Technicians do not create interventions."));
    }
    let Some(site_id) = input.site_id else {
        return Err(invalid("site_id", "is required"));
    };
    let site = visible_site(&state, &actor, site_id).await?;
    let mut fields = intervention_fields(&state, &actor, site.id, &input).await?;
    if let Role::Client { .. } = actor.role {
        // A request: the office decides its kind, dates and technicians.
        fields.kind = InterventionKind::Corrective.as_str().to_owned();
        fields.planned_start = None;
        fields.planned_end = None;
        fields.technicians.clear();
    }
    let now = Utc::now();
    let new = NewIntervention { client_id: site.client_id, site_id, status: Status::Draft, fields, plan: None };
    let slot = slot_to_keep(&actor, &new.fields, None, input.force);
    let (id, _) = state
        .store
        .create_intervention(&new, now.year(), Change { actor: &actor.name, at: now }, slot)
        .await?
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("an intervention without a plan was not created")))?;
    let (row, technicians) = visible_intervention(&state, &actor, id).await?;
    state.notifier.assigned(id, new.fields.technicians.clone());
    let view = intervention_view(&state, &actor, row, technicians).await?;
    Ok(created(&request, id, &view))
}

#[utoipa::path(get, path = "/api/v1/interventions/{id}", tag = "interventions",
    responses((status = 200, body = InterventionView), (status = 404)))]
pub async fn get_intervention(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let (row, technicians) = visible_intervention(&state, &actor, *id).await?;
    Ok(HttpResponse::Ok().json(intervention_view(&state, &actor, row, technicians).await?))
}

/// Replaces what staff set: kind, priority, title, description, dates,
/// equipment, technicians (newly assigned ones are notified).
#[utoipa::path(put, path = "/api/v1/interventions/{id}", tag = "interventions", request_body = InterventionInput,
    responses((status = 200, body = InterventionView), (status = 403), (status = 404), (status = 409, description = "planning clash, or the intervention is closed"), (status = 422)))]
pub async fn update_intervention(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
    input: web::Json<InterventionInput>,
) -> Result<HttpResponse, ApiError> {
    let (row, _) = workable_intervention(&state, &actor, *id).await?;
    actor.require_staff()?;
    if input.site_id.is_some_and(|site_id| site_id != row.site_id) {
        return Err(invalid("site_id", "an intervention never moves to another site"));
    }
    let fields = intervention_fields(&state, &actor, row.site_id, &input).await?;
    let status = status_of(&row)?;
    if status != Status::Draft && (fields.planned_start.is_none() || fields.technicians.is_empty()) {
        return Err(ApiError::new(
            ErrorCode::InvalidTransition,
            format!("{} is {}: it keeps its dates and at least one technician.", row.number, status.as_str()),
        ));
    }
    let slot = slot_to_keep(&actor, &fields, Some(row.id), input.force);
    // Microseconds, as PostgreSQL keeps them: the answer shows what is stored.
    let at = Utc::now().trunc_subsecs(6);
    let (added, record) = state
        .store
        .update_intervention(row.id, status, &fields, Change { actor: &actor.name, at }, slot)
        .await?
        .ok_or_else(|| {
            ApiError::new(
                ErrorCode::InvalidTransition,
                format!("{} changed while you edited it: read it again.", row.number),
            )
        })?;
    state.notifier.assigned(row.id, added);
    // The row as just written, not read back; its record was read in the
    // update's own transaction.
    let (row, technicians) = row.updated(&fields, at);
    Ok(HttpResponse::Ok().json(view_of(&state, &actor, row, technicians, record)?))
}

/// Moves the intervention along its flow: draft → planned → in_progress →
/// done → validated → closed, or cancelled. Planning needs dates and a
/// technician; validation both signatures, and sends the report to the
/// client.
#[utoipa::path(post, path = "/api/v1/interventions/{id}/transitions", tag = "interventions", request_body = TransitionInput,
    responses((status = 200, body = InterventionView), (status = 403, description = "not for your role"), (status = 404),
        (status = 409, description = "not a step of the flow, or its conditions are not met"), (status = 422)))]
pub async fn transition(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
    input: web::Json<TransitionInput>,
) -> Result<HttpResponse, ApiError> {
    let to = Status::parse(&input.status).map_err(|message| invalid("status", message))?;
    let comment = crate::domain::free_text(input.comment.as_deref().unwrap_or_default(), 2000)
        .map_err(|message| invalid("comment", message))?;
    let (row, technicians) = visible_intervention(&state, &actor, *id).await?;
    let from = status_of(&row)?;
    if !actor.may_work_on(&technicians) {
        return Err(ApiError::new(ErrorCode::Forbidden, "You may only read this intervention."));
    }
    if !is_step(from, to) {
        return Err(ApiError::new(
            ErrorCode::InvalidTransition,
            format!("{} cannot go from {} to {}.", row.number, from.as_str(), to.as_str()),
        ));
    }
    if !transition_allowed(from, to, &actor.role) {
        return Err(ApiError::new(
            ErrorCode::Forbidden,
            format!("Your role may not move an intervention from {} to {}.", from.as_str(), to.as_str()),
        ));
    }
    let mut slot = None;
    match to {
        Status::Planned => {
            let (Some(start), Some(end)) = (row.planned_start, row.planned_end) else {
                return Err(ApiError::new(ErrorCode::InvalidTransition, "Set planned_start and planned_end first."));
            };
            if technicians.is_empty() {
                return Err(ApiError::new(ErrorCode::InvalidTransition, "Assign at least one technician first."));
            }
            slot = (!input.force).then_some(Slot { technicians: &technicians, start, end, except: Some(row.id) });
        }
        Status::Validated => {
            let signed: Vec<String> =
                state.store.signatures(row.id).await?.into_iter().map(|signature| signature.signer_role).collect();
            let missing: Vec<&str> = SignerRole::ALL
                .iter()
                .map(|role| role.as_str())
                .filter(|role| !signed.iter().any(|signed| signed == role))
                .collect();
            if !missing.is_empty() {
                return Err(ApiError::new(
                    ErrorCode::InvalidTransition,
                    format!("{} needs the {} signature before validation.", row.number, missing.join(" and ")),
                ));
            }
        }
        _ => {}
    }
    let change = Change { actor: &actor.name, at: Utc::now() };
    if !state.store.transition(row.id, from, to, comment.as_deref(), change, slot).await? {
        return Err(ApiError::new(ErrorCode::Conflict, "The intervention changed meanwhile; read it again."));
    }
    if to == Status::Validated {
        state.notifier.validated(row.id);
    }
    get_intervention(state, actor, id).await
}
