use actix_multipart::Multipart;
use actix_web::{HttpRequest, HttpResponse, post, web};
use common::error::{ApiError, ErrorCode};

use super::convert::{PRODUCER, invoice_json, pdf_response, profile_field};
use super::{blocking, form::Form};
use crate::configuration::Limits;
use crate::domain::{Invoice, Profile};
use crate::invoice;
use crate::pdf::Typeface;

/// The form of `/v1/generate`.
#[derive(utoipa::ToSchema)]
pub struct GenerateForm {
    /// The invoice data as JSON, schema `Invoice` (also accepted as `invoice`).
    #[schema(value_type = String)]
    metadata: Invoice,
    /// MINIMUM, BASIC WL, BASIC, EN 16931 (default), EXTENDED or XRECHNUNG.
    profile: Option<Profile>,
}

impl GenerateForm {
    fn read(mut form: Form) -> Result<Self, ApiError> {
        let metadata = invoice_json(&mut form)?.ok_or_else(|| {
            ApiError::new(ErrorCode::BadRequest, "The form has no `metadata` field (the invoice data as JSON).")
        })?;
        Ok(Self { metadata, profile: profile_field(&mut form)? })
    }
}

/// A Factur-X PDF from the invoice data alone: the visible invoice is
/// typeset in French as PDF/A-3b (embedded fonts, sRGB OutputIntent) and
/// the CII XML for `profile` embedded in it.
#[utoipa::path(
    post,
    path = "/v1/generate",
    tag = "facturx",
    request_body(content = GenerateForm, content_type = "multipart/form-data"),
    responses(
        (status = 200, content_type = "application/pdf", description = "The Factur-X PDF; X-Facturx-Profile names the profile, X-Facturx-Derived the business terms added for the French rules when a party is French \
            (the PMT, PMD and AAB notes, BT-23 from the lines' units, BT-34/BT-49 as `0225` + SIREN)"),
        (status = 400, description = "Missing field, malformed JSON or unknown profile"),
        (status = 413, description = "Over MAX_UPLOAD_SIZE_MB"),
        (status = 422, description = "Invoice data breaking the profile's rules or, with a French party in EN 16931 or EXTENDED, the French rules BR-FR it cannot derive (`validation_failed`, one entry per broken rule)"),
        (status = 503, description = "No fonts installed (`service_unavailable`)"),
    )
)]
#[post("/v1/generate")]
pub async fn generate(
    request: HttpRequest,
    payload: Multipart,
    limits: web::Data<Limits>,
    fonts: Option<web::Data<Typeface>>,
) -> Result<HttpResponse, ApiError> {
    let Some(fonts) = fonts else {
        return Err(ApiError::new(
            ErrorCode::ServiceUnavailable,
            "Generation is off: the fonts configured under FACTURX__GENERATE__* are missing.",
        ));
    };
    let GenerateForm { metadata, profile } = GenerateForm::read(Form::read(&request, payload, &limits).await?)?;
    let profile = profile.unwrap_or(Profile::En16931);
    let generated = blocking(move || invoice::generate(metadata, profile, &fonts, PRODUCER)).await??;
    Ok(pdf_response(generated))
}
