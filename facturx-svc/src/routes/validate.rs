use actix_multipart::Multipart;
use actix_web::{HttpRequest, HttpResponse, post, web};
use common::error::ApiError;

use super::{blocking, form::Form};
use crate::configuration::Limits;
use crate::invoice;
use crate::rules::Report;

/// Validates a Factur-X PDF or a CII XML: the profile's structure and
/// usage, the EN 16931 business rules, and the PDF around the XML.
#[utoipa::path(
    post,
    path = "/v1/validate",
    tag = "facturx",
    request_body(content_type = "multipart/form-data", description = "file: a Factur-X PDF or a CII XML"),
    responses(
        (status = 200, body = Report, description = "The verdict, with every finding"),
        (status = 400, description = "Neither PDF nor XML, or malformed XML (DTDs refused)"),
        (status = 413, description = "Over MAX_UPLOAD_SIZE_MB"),
        (status = 422, description = "Unreadable PDF"),
    )
)]
#[post("/v1/validate")]
pub async fn validate(
    request: HttpRequest,
    payload: Multipart,
    limits: web::Data<Limits>,
) -> Result<HttpResponse, ApiError> {
    let bytes = Form::read(&request, payload, &limits).await?.require(&["file"])?;
    let report = blocking(move || invoice::validate(&bytes)).await??;
    Ok(HttpResponse::Ok().json(report))
}
