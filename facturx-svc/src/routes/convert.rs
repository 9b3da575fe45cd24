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
    request_body(content = ConvertForm, content_type = "multipart/form-data"),
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
    let ConvertForm { pdf, metadata, profile, xml, relationship, output_intent, check } =
        ConvertForm::read(Form::read(&request, payload, &limits).await?)?;
    let (xml, derived) = match (xml, metadata) {
        (Some(xml), _) => {
            if check {
                let checked_xml = xml.clone();
                let report = blocking(move || invoice::validate(&checked_xml, Some(RuleSet::En16931))).await??;
                if !report.valid {
                    return Err(InvoiceError::Invalid(Box::new(report)).into());
                }
            }
            (xml, Vec::new())
        }
        (None, Some(data)) => {
            blocking(move || invoice::xml_from_data(data, profile.unwrap_or(Profile::En16931))).await??
        }
        (None, None) => {
            return Err(ApiError::new(
                ErrorCode::BadRequest,
                "The form has no `metadata` (invoice data as JSON) nor `xml` field.",
            ));
        }
    };
    let converted =
        blocking(move || invoice::convert(pdf, &xml, &ConvertOptions { relationship, output_intent }, PRODUCER))
            .await??;
    Ok(pdf_response(Converted { derived, ..converted }))
}

/// The form of `/v1/convert`: a PDF and either the invoice data
/// (`metadata`, with `profile`) or a ready CII XML (`xml`).
#[derive(utoipa::ToSchema)]
pub struct ConvertForm {
    /// The visible invoice (also accepted as `file`).
    #[schema(value_type = String, format = Binary)]
    pdf: Vec<u8>,
    /// The invoice data as JSON, schema `Invoice` (also accepted as `invoice`).
    #[schema(value_type = Option<String>)]
    metadata: Option<Invoice>,
    /// The profile the data is written for: MINIMUM, BASIC WL, BASIC, EN 16931 (default), EXTENDED or XRECHNUNG.
    profile: Option<Profile>,
    /// A ready CII XML, instead of `metadata`; its BT-24 names the profile.
    #[schema(value_type = Option<String>, format = Binary)]
    xml: Option<Vec<u8>>,
    /// `Data`, `Alternative` or `Source`; by default the profile's.
    relationship: Option<Relationship>,
    /// Adds an sRGB OutputIntent when the PDF has none (default: false).
    #[schema(required = false)]
    output_intent: bool,
    /// Whether `xml` is validated (structure, profile usage, EN 16931)
    /// before it is embedded; `false` embeds it as it is. Default: true.
    #[schema(required = false)]
    check: bool,
}

impl ConvertForm {
    fn read(mut form: Form) -> Result<Self, ApiError> {
        let pdf = form.require(&["pdf", "file"])?;
        let xml = form.take("xml");
        let metadata = if xml.is_some() { None } else { invoice_json(&mut form)? };
        let profile = profile_field(&mut form)?;
        let relationship = match form.text("relationship").as_deref() {
            None | Some("") => None,
            Some("Data" | "data") => Some(Relationship::Data),
            Some("Alternative" | "alternative") => Some(Relationship::Alternative),
            Some("Source" | "source") => Some(Relationship::Source),
            Some(_) => {
                return Err(ApiError::new(ErrorCode::BadRequest, "`relationship` is Data, Alternative or Source."));
            }
        };
        let output_intent = form.flag("output_intent")?;
        let check = match form.text("check").as_deref() {
            None | Some("" | "true" | "1") => true,
            Some("false" | "0") => false,
            Some(_) => return Err(ApiError::new(ErrorCode::BadRequest, "`check` is true or false.")),
        };
        Ok(Self { pdf, metadata, profile, xml, relationship, output_intent, check })
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

/// The invoice data (`metadata` or `invoice`, JSON), if given.
pub(super) fn invoice_json(form: &mut Form) -> Result<Option<Invoice>, ApiError> {
    let Some(json) = ["metadata", "invoice"].iter().find_map(|name| form.take(name)) else { return Ok(None) };
    serde_json::from_slice(&json)
        .map(Some)
        .map_err(|error| ApiError::new(ErrorCode::BadRequest, format!("`metadata` is not an invoice: {error}.")))
}

/// The `profile` field, if given: a profile the service writes.
pub(super) fn profile_field(form: &mut Form) -> Result<Option<Profile>, ApiError> {
    form.text("profile")
        .map(|name| {
            Profile::from_name(&name).filter(|profile| profile.is_written()).ok_or_else(|| {
                ApiError::new(
                    ErrorCode::BadRequest,
                    "`profile` is MINIMUM, BASIC WL, BASIC, EN 16931, EXTENDED, EXTENDED-CTC-FR or XRECHNUNG \
                     (ZUGFeRD 1.0 is read, not written: Factur-X replaces it).",
                )
            })
        })
        .transpose()
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct PreflightResponse {
    /// No issue found.
    pub pdfa_ready: bool,
    pub issues: Vec<Issue>,
}

/// The form of `/v1/preflight`.
#[derive(utoipa::ToSchema)]
pub struct PreflightForm {
    /// The PDF (also accepted as `pdf`).
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
}

impl PreflightForm {
    fn read(mut form: Form) -> Result<Self, ApiError> {
        Ok(Self { file: form.require(&["file", "pdf"])? })
    }
}

/// What in a PDF would break PDF/A-3 conformance once converted.
#[utoipa::path(
    post,
    path = "/v1/preflight",
    tag = "facturx",
    request_body(content = PreflightForm, content_type = "multipart/form-data"),
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
    let PreflightForm { file: bytes } = PreflightForm::read(Form::read(&request, payload, &limits).await?)?;
    if !invoice::is_pdf(&bytes) {
        return Err(ApiError::new(ErrorCode::UnsupportedFile, "The file is not a PDF."));
    }
    let issues = blocking(move || Pdf::parse(&bytes).map(|pdf| pdf::preflight(&pdf)))
        .await?
        .map_err(invoice::InvoiceError::from)?;
    Ok(HttpResponse::Ok().json(PreflightResponse { pdfa_ready: issues.is_empty(), issues }))
}
