//! A check exported as PDF, PNG or Excel, from the API and the check page.

use actix_web::http::header::{CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_TYPE};
use actix_web::{HttpResponse, web};
use common::error::{ApiError, ErrorCode};

use super::checks::visible_check;
use crate::access::Operator;
use crate::report::Report;
use crate::startup::AppState;

pub fn routes(config: &mut web::ServiceConfig) {
    config.route("/api/checks/{id}/export.{format}", web::get().to(export));
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
        "xlsx" => (
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            report.xlsx().map_err(ApiError::internal)?,
        ),
        _ => return Err(ApiError::new(ErrorCode::NotFound, "Les exports sont pdf, png ou xlsx.")),
    };
    Ok(HttpResponse::Ok()
        .insert_header((CONTENT_TYPE, media_type))
        .insert_header((CONTENT_DISPOSITION, format!("attachment; filename=\"{}\"", report.file_name(&format))))
        .insert_header((CACHE_CONTROL, "no-store"))
        .body(body))
}
