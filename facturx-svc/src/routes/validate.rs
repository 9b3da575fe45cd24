use actix_multipart::Multipart;
use actix_web::{HttpRequest, HttpResponse, post, web};
use common::error::ApiError;

use super::{blocking, form::Form};
use crate::configuration::Limits;
use crate::invoice;
use crate::rules::{Report, RuleSet};

/// The form of `/v1/validate`.
#[derive(utoipa::ToSchema)]
pub struct ValidateForm {
    /// A Factur-X PDF or a CII XML.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
    /// `en16931` (EN 16931 and Factur-X only), `fr` (also the French BR-FR
    /// rules) or `fr-warning` (the BR-FR rules in their official "warning"
    /// version, where all but the billing frames' rules only warn); by
    /// default `fr` when the seller (BT-40) or the buyer (BT-55) is in
    /// France or the profile is EXTENDED-CTC-FR.
    rules: Option<RuleSet>,
}

impl ValidateForm {
    fn read(mut form: Form) -> Result<Self, ApiError> {
        let file = form.require(&["file"])?;
        let rules = match form.text("rules").as_deref() {
            None | Some("") => None,
            Some("en16931") => Some(RuleSet::En16931),
            Some("fr") => Some(RuleSet::Fr),
            Some("fr-warning") => Some(RuleSet::FrWarning),
            Some(other) => {
                return Err(ApiError::validation(vec![common::error::FieldError::new(
                    "rules",
                    format!("is en16931, fr or fr-warning, not {other:?}"),
                )]));
            }
        };
        Ok(Self { file, rules })
    }
}

/// Validates a Factur-X PDF or a CII XML: the profile's structure and
/// usage, the EN 16931 business rules, the French rules (BR-FR) when asked
/// or when the seller or the buyer is in France, and the PDF around the XML.
#[utoipa::path(
    post,
    path = "/v1/validate",
    tag = "facturx",
    request_body(content = ValidateForm, content_type = "multipart/form-data"),
    responses(
        (status = 200, body = Report, description = "The verdict, with every finding"),
        (status = 400, description = "Neither PDF nor XML, or malformed XML (DTDs refused)"),
        (status = 413, description = "Over MAX_UPLOAD_SIZE_MB"),
        (status = 422, description = "Unreadable PDF, or `rules` not en16931, fr or fr-warning"),
    )
)]
#[post("/v1/validate")]
pub async fn validate(
    request: HttpRequest,
    payload: Multipart,
    limits: web::Data<Limits>,
) -> Result<HttpResponse, ApiError> {
    let ValidateForm { file, rules } = ValidateForm::read(Form::read(&request, payload, &limits).await?)?;
    let report = blocking(move || invoice::validate(&file, rules)).await??;
    Ok(HttpResponse::Ok().json(report))
}
