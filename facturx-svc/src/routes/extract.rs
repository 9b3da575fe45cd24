use actix_multipart::Multipart;
use actix_web::{HttpRequest, HttpResponse, post, web};
use common::error::{ApiError, ErrorCode};
use serde::Serialize;

use super::{blocking, form::Form};
use crate::configuration::Limits;
use crate::domain::{Invoice, Profile};
use crate::invoice;

#[derive(Serialize, utoipa::ToSchema)]
pub struct ExtractResponse {
    /// The embedded file's name (`factur-x.xml`, `xrechnung.xml`, ...).
    pub file_name: String,
    pub profile: Option<Profile>,
    /// The XML as embedded.
    pub xml: String,
    /// The invoice read from a CII XML: the EN 16931 semantic model, as
    /// `convert` and `generate` take it.
    pub invoice: Option<Invoice>,
}

/// The form of `/v1/extract`.
#[derive(utoipa::ToSchema)]
pub struct ExtractForm {
    /// A Factur-X PDF.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
    /// `json` (default) or `xml`.
    format: Option<ExtractFormat>,
}

#[derive(Clone, Copy, PartialEq, Eq, utoipa::ToSchema)]
#[schema(rename_all = "lowercase")]
pub enum ExtractFormat {
    Json,
    Xml,
}

impl ExtractForm {
    fn read(mut form: Form) -> Result<Self, ApiError> {
        let file = form.require(&["file"])?;
        let format = match form.text("format").as_deref() {
            None | Some("") => None,
            Some("json") => Some(ExtractFormat::Json),
            Some("xml") => Some(ExtractFormat::Xml),
            Some(_) => return Err(ApiError::new(ErrorCode::BadRequest, "`format` is json or xml.")),
        };
        Ok(Self { file, format })
    }
}

/// The invoice embedded in a PDF: as JSON (default: the XML and the
/// invoice data read from it) or, with `format=xml`, the XML itself,
/// byte for byte.
#[utoipa::path(
    post,
    path = "/v1/extract",
    tag = "facturx",
    request_body(content = ExtractForm, content_type = "multipart/form-data"),
    responses(
        (status = 200, body = ExtractResponse),
        (status = 400, description = "Not a PDF"),
        (status = 413, description = "Over MAX_UPLOAD_SIZE_MB"),
        (status = 422, description = "Unreadable PDF, or no embedded invoice (`no_embedded_invoice`)"),
    )
)]
#[post("/v1/extract")]
pub async fn extract(
    request: HttpRequest,
    payload: Multipart,
    limits: web::Data<Limits>,
) -> Result<HttpResponse, ApiError> {
    let ExtractForm { file, format } = ExtractForm::read(Form::read(&request, payload, &limits).await?)?;
    let extracted = blocking(move || invoice::extract(&file)).await??;
    if format == Some(ExtractFormat::Xml) {
        return Ok(HttpResponse::Ok()
            .content_type("application/xml")
            .insert_header(("Content-Disposition", format!("attachment; filename=\"{}\"", extracted.file_name)))
            .body(extracted.xml));
    }
    let xml = String::from_utf8(extracted.xml)
        .map_err(|_| ApiError::new(ErrorCode::MalformedXml, "The embedded XML is not UTF-8: ask for format=xml."))?;
    Ok(HttpResponse::Ok().json(ExtractResponse {
        file_name: extracted.file_name,
        profile: extracted.profile,
        xml,
        invoice: extracted.invoice,
    }))
}
