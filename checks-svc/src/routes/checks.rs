//! The day's checks: list, detail, the operator's verdict per service,
//! notes, finishing (which sends the morning report), history.

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use common::error::{ApiError, ErrorCode, FieldError};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{not_found, visible_client};
use crate::access::Operator;
use crate::domain::{CheckStatus, EmailAddress, ServiceStatus};
use crate::startup::AppState;
use crate::store::{CheckRow, CheckSummaryRow, ProbeDay, ServiceCheckRow, ServiceCheckUpdate};

const MAX_COMMENT_CHARACTERS: usize = 2000;
const MAX_HISTORY_DAYS: i64 = 400;

pub fn routes(config: &mut web::ServiceConfig) {
    config
        .route("/api/checks", web::get().to(list_checks))
        .route("/api/checks/{id}", web::get().to(get_check))
        .route("/api/checks/{id}/notes", web::put().to(put_notes))
        .route("/api/checks/{id}/services/{service_check_id}", web::put().to(put_service_check))
        .route("/api/checks/{id}/finish", web::post().to(finish_check))
        .route("/api/checks/{id}/report", web::post().to(send_report_again))
        .route("/api/clients/{id}/history", web::get().to(history));
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct DayQuery {
    /// `YYYY-MM-DD`; today (Europe/Paris) by default.
    pub date: Option<NaiveDate>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CheckSummary {
    pub id: i64,
    pub client_id: i64,
    pub client_reference: String,
    pub client_label: String,
    pub date: NaiveDate,
    pub status: CheckStatus,
    pub finished_at: Option<DateTime<Utc>>,
    pub email_sent_at: Option<DateTime<Utc>>,
    pub counts: StatusCounts,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StatusCounts {
    pub pending: i64,
    pub success: i64,
    pub warning: i64,
    pub error: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CheckView {
    pub id: i64,
    pub client_id: i64,
    pub client_label: String,
    pub date: NaiveDate,
    pub status: CheckStatus,
    pub notes: Option<String>,
    pub created_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    pub finished_by: Option<String>,
    pub email_sent_at: Option<DateTime<Utc>>,
    /// Why the last sending of the report failed (`POST …/report` sends it again).
    pub email_error: Option<String>,
    pub services: Vec<ServiceCheckView>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ServiceCheckView {
    /// The id to update this service's verdict with.
    pub id: i64,
    /// None for a service deleted since this check finished.
    pub service_id: Option<i64>,
    pub service_label: String,
    pub category_id: i64,
    pub category_label: String,
    pub status: ServiceStatus,
    /// `probe` while only a probe set the status; else who set it.
    pub status_source: Option<String>,
    pub comment: Option<String>,
    pub intervenant: Option<String>,
    pub probe_detail: Option<String>,
    pub updated_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ServiceCheckInput {
    pub status: ServiceStatus,
    #[serde(default)]
    pub comment: Option<String>,
    /// E-mail address of who must act; told by e-mail when it changes.
    #[serde(default)]
    pub intervenant: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NotesInput {
    pub notes: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct HistoryQuery {
    /// First day, `YYYY-MM-DD` (default: 30 days before `to`).
    pub from: Option<NaiveDate>,
    /// Last day (default: today).
    pub to: Option<NaiveDate>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct History {
    pub days: Vec<DayView>,
    pub services: Vec<ServiceHistory>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DayView {
    pub date: NaiveDate,
    pub status: CheckStatus,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ServiceHistory {
    pub service_id: i64,
    pub label: String,
    pub days: Vec<ProbeDayView>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProbeDayView {
    pub date: NaiveDate,
    pub runs: i64,
    pub failures: i64,
    pub warnings: i64,
    pub latency_avg_ms: Option<f64>,
    pub latency_max_ms: Option<f64>,
}

impl From<CheckSummaryRow> for CheckSummary {
    fn from(row: CheckSummaryRow) -> Self {
        Self {
            id: row.id,
            client_id: row.client_id,
            client_reference: row.client_reference,
            client_label: row.client_label,
            date: row.check_date,
            status: row.status,
            finished_at: row.finished_at,
            email_sent_at: row.email_sent_at,
            counts: StatusCounts { pending: row.pending, success: row.success, warning: row.warning, error: row.error },
        }
    }
}

impl From<ServiceCheckRow> for ServiceCheckView {
    fn from(row: ServiceCheckRow) -> Self {
        Self {
            id: row.id,
            service_id: row.service_id,
            service_label: row.service_label,
            category_id: row.category_id,
            category_label: row.category_label,
            status: row.status,
            status_source: row.status_source,
            comment: row.comment,
            intervenant: row.intervenant,
            probe_detail: row.probe_detail,
            updated_at: row.updated_at,
        }
    }
}

impl From<ProbeDay> for ProbeDayView {
    fn from(day: ProbeDay) -> Self {
        Self {
            date: day.day,
            runs: day.runs,
            failures: day.failures,
            warnings: day.warnings,
            latency_avg_ms: day.latency_avg_ms,
            latency_max_ms: day.latency_max_ms,
        }
    }
}

/// The day's checks the operator may see.
pub async fn visible_summaries(
    state: &AppState,
    operator: &Operator,
    day: NaiveDate,
) -> Result<Vec<CheckSummary>, ApiError> {
    Ok(state
        .store
        .check_summaries(day)
        .await?
        .into_iter()
        .filter(|row| operator.may_see(&row.client_reference))
        .map(CheckSummary::from)
        .collect())
}

pub async fn visible_check(state: &AppState, operator: &Operator, id: i64) -> Result<CheckRow, ApiError> {
    state
        .store
        .check(id)
        .await?
        .filter(|check| operator.may_see(&check.client_reference))
        .ok_or_else(|| not_found("Check introuvable."))
}

pub async fn check_view(state: &AppState, check: CheckRow) -> Result<CheckView, ApiError> {
    let services = state.store.service_checks(check.id).await?;
    Ok(CheckView {
        id: check.id,
        client_id: check.client_id,
        client_label: check.client_label,
        date: check.check_date,
        status: check.status,
        notes: check.notes,
        created_at: check.created_at,
        finished_at: check.finished_at,
        finished_by: check.finished_by,
        email_sent_at: check.email_sent_at,
        email_error: check.email_error,
        services: services.into_iter().map(ServiceCheckView::from).collect(),
    })
}

#[utoipa::path(get, path = "/api/checks", tag = "checks", params(DayQuery), responses((status = 200, body = [CheckSummary])))]
pub async fn list_checks(
    state: web::Data<AppState>,
    operator: Operator,
    query: web::Query<DayQuery>,
) -> Result<HttpResponse, ApiError> {
    let day = query.date.unwrap_or_else(|| state.scheduler.today(Utc::now()));
    Ok(HttpResponse::Ok().json(visible_summaries(&state, &operator, day).await?))
}

#[utoipa::path(get, path = "/api/checks/{id}", tag = "checks", responses((status = 200, body = CheckView), (status = 404)))]
pub async fn get_check(
    state: web::Data<AppState>,
    operator: Operator,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let check = visible_check(&state, &operator, *id).await?;
    Ok(HttpResponse::Ok().json(check_view(&state, check).await?))
}

/// Checks an operator's verdict; what the API and the check page share.
pub fn service_check_update(input: &ServiceCheckInput) -> Result<ServiceCheckUpdate, ApiError> {
    let mut errors = Vec::new();
    let comment = input.comment.as_deref().map(str::trim).filter(|comment| !comment.is_empty());
    if comment.is_some_and(|comment| comment.chars().count() > MAX_COMMENT_CHARACTERS) {
        errors.push(FieldError::new("comment", "fait au plus 2000 caractères"));
    }
    let intervenant = input
        .intervenant
        .as_deref()
        .filter(|address| !address.trim().is_empty())
        .map(EmailAddress::parse)
        .transpose()
        .unwrap_or_else(|message| {
            errors.push(FieldError::new("intervenant", message));
            None
        });
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    Ok(ServiceCheckUpdate {
        status: input.status,
        comment: comment.map(str::to_owned),
        intervenant: intervenant.map(|address| address.as_str().to_owned()),
    })
}

/// Records the verdict and, when the intervenant changed, tells them.
pub async fn save_service_check(
    state: &AppState,
    operator: &Operator,
    check: &CheckRow,
    service_check_id: i64,
    update: &ServiceCheckUpdate,
) -> Result<(), ApiError> {
    let previous =
        state.store.update_service_check(check.id, service_check_id, update, &operator.name, Utc::now()).await?;
    if let Some(intervenant) = &update.intervenant
        && previous.as_ref() != Some(intervenant)
    {
        let services = state.store.service_checks(check.id).await?;
        if let Some(service) = services.into_iter().find(|service| service.id == service_check_id) {
            state.notifier.assignment(intervenant.clone(), check.clone(), service);
        }
    }
    Ok(())
}

#[utoipa::path(put, path = "/api/checks/{id}/services/{service_check_id}", tag = "checks", request_body = ServiceCheckInput,
    responses((status = 200, body = CheckView), (status = 404), (status = 409, description = "the check is finished"), (status = 422)))]
pub async fn put_service_check(
    state: web::Data<AppState>,
    operator: Operator,
    path: web::Path<(i64, i64)>,
    input: web::Json<ServiceCheckInput>,
) -> Result<HttpResponse, ApiError> {
    let (check_id, service_check_id) = path.into_inner();
    let check = visible_check(&state, &operator, check_id).await?;
    let update = service_check_update(&input)?;
    save_service_check(&state, &operator, &check, service_check_id, &update).await?;
    let check = visible_check(&state, &operator, check_id).await?;
    Ok(HttpResponse::Ok().json(check_view(&state, check).await?))
}

#[utoipa::path(put, path = "/api/checks/{id}/notes", tag = "checks", request_body = NotesInput,
    responses((status = 204), (status = 404), (status = 422)))]
pub async fn put_notes(
    state: web::Data<AppState>,
    operator: Operator,
    id: web::Path<i64>,
    input: web::Json<NotesInput>,
) -> Result<HttpResponse, ApiError> {
    let check = visible_check(&state, &operator, *id).await?;
    state.store.set_notes(check.id, checked_notes(input.notes.as_deref())?).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// A check's notes, trimmed, `None` when blank; what the API and the check
/// page share.
pub fn checked_notes(notes: Option<&str>) -> Result<Option<&str>, ApiError> {
    let notes = notes.map(str::trim).filter(|notes| !notes.is_empty());
    if notes.is_some_and(|notes| notes.chars().count() > MAX_COMMENT_CHARACTERS * 5) {
        return Err(ApiError::validation(vec![FieldError::new("notes", "fait au plus 10000 caractères")]));
    }
    Ok(notes)
}

/// Finishes an open check whose services all have a verdict, then sends
/// the morning report; what the API and the check page share.
pub async fn finish(state: &AppState, operator: &Operator, check: &CheckRow) -> Result<CheckRow, ApiError> {
    let services = state.store.service_checks(check.id).await?;
    let outcome = CheckStatus::outcome(services.iter().map(|service| service.status));
    let Some(outcome) = outcome else {
        let pending: Vec<&str> = services
            .iter()
            .filter(|service| service.status == ServiceStatus::Pending)
            .map(|service| service.service_label.as_str())
            .collect();
        return Err(ApiError::new(
            ErrorCode::Conflict,
            format!("Donnez un état à chaque service avant de terminer ; reste à vérifier : {}.", pending.join(", ")),
        ));
    };
    if !state.store.finish(check.id, outcome, &operator.name, Utc::now()).await? {
        return Err(ApiError::new(ErrorCode::Conflict, "Ce check est déjà terminé."));
    }
    let finished = state.store.check(check.id).await?.ok_or_else(|| not_found("Check introuvable."))?;
    state.notifier.send_report(finished.clone());
    Ok(finished)
}

#[utoipa::path(post, path = "/api/checks/{id}/finish", tag = "checks",
    responses((status = 200, body = CheckView), (status = 404), (status = 409, description = "services still pending, or already finished")))]
pub async fn finish_check(
    state: web::Data<AppState>,
    operator: Operator,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let check = visible_check(&state, &operator, *id).await?;
    let finished = finish(&state, &operator, &check).await?;
    Ok(HttpResponse::Ok().json(check_view(&state, finished).await?))
}

/// Sends a finished check's report again (after a failure, or to a list
/// corrected since); its sending state is then in `email_sent_at` and
/// `email_error`.
pub fn resend(state: &AppState, check: &CheckRow) -> Result<(), ApiError> {
    if !check.status.is_finished() {
        return Err(ApiError::new(
            ErrorCode::Conflict,
            "Ce check n'est pas terminé : son rapport part quand il l'est.",
        ));
    }
    state.notifier.send_report(check.clone());
    Ok(())
}

#[utoipa::path(post, path = "/api/checks/{id}/report", tag = "checks",
    responses((status = 202, body = CheckView, description = "the report is on its way"), (status = 404),
        (status = 409, description = "the check is not finished")))]
pub async fn send_report_again(
    state: web::Data<AppState>,
    operator: Operator,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let check = visible_check(&state, &operator, *id).await?;
    resend(&state, &check)?;
    Ok(HttpResponse::Accepted().json(check_view(&state, check).await?))
}

/// The client's checks per day and its probes' daily results.
pub async fn client_history(
    state: &AppState,
    client_id: i64,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<History, ApiError> {
    let days = state
        .store
        .client_checks(client_id, from, to)
        .await?
        .into_iter()
        .map(|day| DayView { date: day.check_date, status: day.status })
        .collect();
    let mut services = Vec::new();
    for service in state.store.services(client_id).await?.into_iter().filter(|service| service.probe.is_some()) {
        let days = state.store.probe_days(service.id, from, to).await?;
        services.push(ServiceHistory {
            service_id: service.id,
            label: service.label,
            days: days.into_iter().map(ProbeDayView::from).collect(),
        });
    }
    Ok(History { days, services })
}

/// The history range asked for, checked.
pub fn history_range(state: &AppState, query: &HistoryQuery) -> Result<(NaiveDate, NaiveDate), ApiError> {
    let to = query.to.unwrap_or_else(|| state.scheduler.today(Utc::now()));
    let from = query.from.unwrap_or(to - Duration::days(30));
    if from > to || (to - from).num_days() > MAX_HISTORY_DAYS {
        return Err(ApiError::validation(vec![FieldError::new("from", "précède `to`, de 400 jours au plus")]));
    }
    Ok((from, to))
}

#[utoipa::path(get, path = "/api/clients/{id}/history", tag = "checks", params(HistoryQuery),
    responses((status = 200, body = History), (status = 404), (status = 422)))]
pub async fn history(
    state: web::Data<AppState>,
    operator: Operator,
    id: web::Path<i64>,
    query: web::Query<HistoryQuery>,
) -> Result<HttpResponse, ApiError> {
    let client = visible_client(&state, &operator, *id).await?;
    let (from, to) = history_range(&state, &query)?;
    Ok(HttpResponse::Ok().json(client_history(&state, client.id, from, to).await?))
}
