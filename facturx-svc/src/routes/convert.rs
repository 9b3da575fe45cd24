use std::convert::Infallible;

use actix_multipart::Multipart;
use actix_web::body::SizedStream;
use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse, post, web};
use common::error::{ApiError, ErrorCode};
use futures_util::stream;
use serde::Serialize;

use super::{blocking, form::Form};
use crate::configuration::Limits;
use crate::domain::{Invoice, Profile, Relationship};
use crate::invoice::{self, ConvertOptions, Converted, InvoiceError};
use crate::pdf::{self, Issue, Pdf};
use crate::rules::RuleSet;

pub(super) const PRODUCER: &str = concat!("platform facturx-svc ", env!("CARGO_PKG_VERSION"));

/// Embeds an invoice into a PDF: the Factur-X PDF comes back, the
/// original bytes unchanged at its start. The invoice is either a ready
/// CII XML (its BT-24 names the profile) or the invoice data as JSON
/// (schema `Invoice`), written as CII for `profile` and validated first.
#[utoipa::path(
    post,
    path = "/v1/convert",
    tag = "facturx",
    request_body(content_type = "multipart/form-data", description = "pdf (or file): the visible invoice; \
        metadata (or invoice): the invoice data as JSON, schema `Invoice`; or xml: a ready CII XML, \
        validated first (structure, profile usage, EN 16931) unless check=false; \
        profile: MINIMUM, BASIC WL, BASIC, EN 16931 (default), EXTENDED or XRECHNUNG, for JSON data; \
        relationship: Data, Alternative or Source (default by profile); \
        output_intent: true to add an sRGB OutputIntent when the PDF has none"),
    responses(
        (status = 200, content_type = "application/pdf", description = "The Factur-X PDF; X-Facturx-Profile names the profile, X-Pdfa-Preflight lists what would break PDF/A-3 in the input, \
            X-Facturx-Derived the business terms added for the French rules (`BT-22 PMT`, `BT-23`, `BT-34`…) when a party is French"),
        (status = 400, description = "Missing field, not a PDF, malformed XML or JSON"),
        (status = 413, description = "Over MAX_UPLOAD_SIZE_MB"),
        (status = 422, description = "Unreadable or encrypted PDF, XML naming no known profile, a given XML or invoice data breaking the profile's rules or, with a French party in EN 16931 or EXTENDED, the French rules BR-FR (`validation_failed`, one entry per broken rule)"),
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
    let (xml, derived) = match form.take("xml") {
        Some(xml) => {
            if checked(&mut form)? {
                let given = xml.clone();
                let report = blocking(move || invoice::validate(&given, Some(RuleSet::En16931))).await??;
                if !report.valid {
                    return Err(InvoiceError::Invalid(Box::new(report)).into());
                }
            }
            (xml, Vec::new())
        }
        None => {
            let (invoice, profile) = invoice_data(&mut form)?;
            blocking(move || invoice::xml_from_data(invoice, profile)).await??
        }
    };
    let output_intent = form.flag("output_intent")?;
    let relationship = match form.text("relationship").as_deref() {
        None | Some("") => None,
        Some("Data" | "data") => Some(Relationship::Data),
        Some("Alternative" | "alternative") => Some(Relationship::Alternative),
        Some("Source" | "source") => Some(Relationship::Source),
        Some(_) => return Err(ApiError::new(ErrorCode::BadRequest, "`relationship` is Data, Alternative or Source.")),
    };
    let converted =
        blocking(move || invoice::convert(pdf_bytes, &xml, &ConvertOptions { relationship, output_intent }, PRODUCER))
            .await??;
    Ok(pdf_response(Converted { derived, ..converted }))
}

/// `check`: whether a given XML is validated before it is embedded (by
/// default; `false` embeds it as it is).
fn checked(form: &mut Form) -> Result<bool, ApiError> {
    match form.text("check").as_deref() {
        None | Some("" | "true" | "1") => Ok(true),
        Some("false" | "0") => Ok(false),
        Some(_) => Err(ApiError::new(ErrorCode::BadRequest, "`check` is true or false.")),
    }
}

/// The Factur-X PDF, its profile and what the preflight found in the input.
/// The original's bytes go out as they came in, the update after them.
pub(super) fn pdf_response(converted: Converted) -> HttpResponse {
    let issue_codes: Vec<&str> = converted.preflight.iter().map(|issue| issue.code).collect();
    let length = (converted.original.len() + converted.update.len()) as u64;
    let parts = [Bytes::from(converted.original), Bytes::from(converted.update)];
    let body = SizedStream::new(length, stream::iter(parts.map(Ok::<_, Infallible>)));
    HttpResponse::Ok()
        .content_type("application/pdf")
        .insert_header(("X-Facturx-Profile", converted.profile.name()))
        .insert_header(("X-Pdfa-Preflight", issue_codes.join(",")))
        .insert_header(("X-Facturx-Derived", converted.derived.join(",")))
        .insert_header(("Content-Disposition", "attachment; filename=\"factur-x.pdf\""))
        .body(body)
}

/// The invoice data (`metadata` or `invoice`, JSON) and the profile to write it for.
pub(super) fn invoice_data(form: &mut Form) -> Result<(Invoice, Profile), ApiError> {
    let json = form.require(&["metadata", "invoice"]).map_err(|_| {
        ApiError::new(ErrorCode::BadRequest, "The form has no `metadata` (invoice data as JSON) nor `xml` field.")
    })?;
    let invoice = serde_json::from_slice(&json)
        .map_err(|error| ApiError::new(ErrorCode::BadRequest, format!("`metadata` is not an invoice: {error}.")))?;
    let profile = match form.text("profile") {
        None => Profile::En16931,
        Some(name) => Profile::from_name(&name).ok_or_else(|| {
            ApiError::new(
                ErrorCode::BadRequest,
                "`profile` is MINIMUM, BASIC WL, BASIC, EN 16931, EXTENDED or XRECHNUNG.",
            )
        })?,
    };
    Ok((invoice, profile))
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
