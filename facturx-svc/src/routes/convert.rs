use actix_multipart::Multipart;
use actix_web::{HttpRequest, HttpResponse, post, web};
use common::error::{ApiError, ErrorCode};
use serde::Serialize;

use super::{blocking, form::Form};
use crate::configuration::Limits;
use crate::domain::Relationship;
use crate::invoice::{self, ConvertOptions};
use crate::pdf::{self, Issue, Pdf};

const PRODUCER: &str = concat!("platform facturx-svc ", env!("CARGO_PKG_VERSION"));

/// Embeds a CII XML invoice into a PDF: the Factur-X PDF comes back, the
/// original bytes unchanged at its start. The XML's BT-24 names the profile.
#[utoipa::path(
    post,
    path = "/v1/convert",
    tag = "facturx",
    request_body(content_type = "multipart/form-data", description = "pdf (or file): the visible invoice; xml: the CII XML; relationship: Data, Alternative or Source (default by profile)"),
    responses(
        (status = 200, content_type = "application/pdf", description = "The Factur-X PDF; X-Facturx-Profile names the profile, X-Pdfa-Preflight lists what would break PDF/A-3 in the input"),
        (status = 400, description = "Missing field, not a PDF, malformed XML"),
        (status = 413, description = "Over MAX_UPLOAD_SIZE_MB"),
        (status = 422, description = "Unreadable or encrypted PDF, or XML naming no known profile"),
    )
)]
#[post("/v1/convert")]
pub async fn convert(
    request: HttpRequest,
    payload: Multipart,
    limits: web::Data<Limits>,
) -> Result<HttpResponse, ApiError> {
    let mut form = Form::read(&request, payload, &limits).await?;
    let pdf_bytes = form.require(&["pdf", "file"])?;
    let xml = form.require(&["xml"])?;
    let relationship = match form.text("relationship").as_deref() {
        None | Some("") => None,
        Some("Data" | "data") => Some(Relationship::Data),
        Some("Alternative" | "alternative") => Some(Relationship::Alternative),
        Some("Source" | "source") => Some(Relationship::Source),
        Some(_) => return Err(ApiError::new(ErrorCode::BadRequest, "`relationship` is Data, Alternative or Source.")),
    };
    let converted =
        blocking(move || invoice::convert(&pdf_bytes, &xml, &ConvertOptions { relationship }, PRODUCER)).await??;
    let issue_codes: Vec<&str> = converted.preflight.iter().map(|issue| issue.code).collect();
    Ok(HttpResponse::Ok()
        .content_type("application/pdf")
        .insert_header(("X-Facturx-Profile", converted.profile.name()))
        .insert_header(("X-Pdfa-Preflight", issue_codes.join(",")))
        .insert_header(("Content-Disposition", "attachment; filename=\"factur-x.pdf\""))
        .body(converted.pdf))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct PreflightResponse {
    /// No issue found.
    pub pdfa_ready: bool,
    pub issues: Vec<Issue>,
}

/// What in a PDF would break PDF/A-3 conformance once converted.
#[utoipa::path(
    post,
    path = "/v1/preflight",
    tag = "facturx",
    request_body(content_type = "multipart/form-data", description = "file: the PDF"),
    responses(
        (status = 200, body = PreflightResponse),
        (status = 400, description = "Not a PDF"),
        (status = 413, description = "Over MAX_UPLOAD_SIZE_MB"),
        (status = 422, description = "Unreadable PDF"),
    )
)]
#[post("/v1/preflight")]
pub async fn preflight(
    request: HttpRequest,
    payload: Multipart,
    limits: web::Data<Limits>,
) -> Result<HttpResponse, ApiError> {
    let bytes = Form::read(&request, payload, &limits).await?.require(&["file", "pdf"])?;
    if !invoice::is_pdf(&bytes) {
        return Err(ApiError::new(ErrorCode::UnsupportedFile, "The file is not a PDF."));
    }
    let issues = blocking(move || Pdf::parse(&bytes).map(|pdf| pdf::preflight(&pdf)))
        .await?
        .map_err(invoice::InvoiceError::from)?;
    Ok(HttpResponse::Ok().json(PreflightResponse { pdfa_ready: issues.is_empty(), issues }))
}
