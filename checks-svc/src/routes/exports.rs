//! A check exported as PDF, PNG or Excel, from the API and the check page;
//! a client's month of checks as PDF or Excel.

use actix_web::http::header::{CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_TYPE};
use actix_web::{HttpResponse, web};
use chrono::{Datelike, NaiveDate};
use common::error::{ApiError, ErrorCode, FieldError};

use super::checks::visible_check;
use super::visible_client;
use crate::access::Operator;
use crate::report::{MonthReport, Report};
use crate::startup::AppState;
use crate::store::{CheckRow, ServiceCheckRow};

pub fn routes(config: &mut web::ServiceConfig) {
    config
        .route("/api/checks/{id}/export.{format}", web::get().to(export))
        .route("/api/clients/{id}/months/{month}.{format}", web::get().to(month_export));
}

fn attachment(media_type: &str, file_name: &str, body: Vec<u8>) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((CONTENT_TYPE, media_type))
        .insert_header((CONTENT_DISPOSITION, format!("attachment; filename=\"{file_name}\"")))
        .insert_header((CACHE_CONTROL, "no-store"))
        .body(body)
}

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// Every check of a client in one month (`YYYY-MM`), as `pdf` (a summary,
/// then each check's report) or `xlsx` (a row per check, a row per service).
#[utoipa::path(get, path = "/api/clients/{id}/months/{month}.{format}", tag = "checks",
    params(("id" = i64, Path), ("month" = String, Path, description = "`2026-12`"),
        ("format" = String, Path, description = "`pdf` or `xlsx`")),
    responses((status = 200, description = "the month as a file"), (status = 404), (status = 422, description = "not a month")))]
pub async fn month_export(
    state: web::Data<AppState>,
    operator: Operator,
    path: web::Path<(i64, String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (id, month, format) = path.into_inner();
    let client = visible_client(&state, &operator, id).await?;
    let first = NaiveDate::parse_from_str(&format!("{month}-01"), "%Y-%m-%d")
        .ok()
        .filter(|first| (2000..=2100).contains(&first.year()))
        .ok_or_else(|| ApiError::validation(vec![FieldError::new("month", "est un mois, AAAA-MM (2026-12)")]))?;
    let last = first.checked_add_months(chrono::Months::new(1)).and_then(|next| next.pred_opt()).unwrap_or(first);
    let checks = state.store.client_checks(client.id, first, last).await?;
    let mut services: Vec<(CheckRow, Vec<ServiceCheckRow>)> = Vec::with_capacity(checks.len());
    for check in checks {
        let rows = state.store.service_checks(check.id).await?;
        services.push((check, rows));
    }
    let logo = state.store.logo(client.id).await?;
    let reports: Vec<Report<'_>> = services
        .iter()
        .map(|(check, rows)| Report {
            client_label: &client.label,
            check,
            services: rows,
            logo: logo.as_ref().map(|(bytes, _)| bytes.as_slice()),
            zone: state.scheduler.zone(),
        })
        .collect();
    let month =
        MonthReport { client_label: &client.label, month: first, checks: &reports, zone: state.scheduler.zone() };
    match format.as_str() {
        "pdf" => Ok(attachment("application/pdf", &month.file_name("pdf"), month.pdf())),
        "xlsx" => Ok(attachment(XLSX, &month.file_name("xlsx"), month.xlsx().map_err(ApiError::internal)?)),
        _ => Err(ApiError::new(ErrorCode::NotFound, "Les exports d'un mois sont pdf ou xlsx.")),
    }
}

/// `pdf`, `png` or `xlsx`.
#[utoipa::path(get, path = "/api/checks/{id}/export.{format}", tag = "checks",
    params(("id" = i64, Path), ("format" = String, Path, description = "`pdf`, `png` or `xlsx`")),
    responses((status = 200, description = "the report as a file"), (status = 404)))]
pub async fn export(
    state: web::Data<AppState>,
    operator: Operator,
    path: web::Path<(i64, String)>,
) -> Result<HttpResponse, ApiError> {
    let (id, format) = path.into_inner();
    let check = visible_check(&state, &operator, id).await?;
    let services = state.store.service_checks(check.id).await?;
    let logo = state.store.logo(check.client_id).await?;
    let report = Report {
        client_label: &check.client_label,
        check: &check,
        services: &services,
        logo: logo.as_ref().map(|(bytes, _)| bytes.as_slice()),
        zone: state.scheduler.zone(),
    };
    let (media_type, body) = match format.as_str() {
        "pdf" => ("application/pdf", report.pdf()),
        "png" => ("image/png", report.png().await.map_err(ApiError::internal)?),
        "xlsx" => (XLSX, report.xlsx().map_err(ApiError::internal)?),
        _ => return Err(ApiError::new(ErrorCode::NotFound, "Les exports sont pdf, png ou xlsx.")),
    };
    Ok(attachment(media_type, &report.file_name(&format), body))
}
