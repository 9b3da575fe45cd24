//! `POST /v1/invoices/pdf` and `POST /v1/invoices/images`: the seed's
//! synchronous analysis, same form fields, same response, plus the fields.

use actix_multipart::Multipart;
use actix_web::{HttpRequest, HttpResponse, web};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use common::error::{ApiError, ErrorCode, FieldError};
use common::http::upload::{Part, read_multipart};
use serde::Serialize;

use crate::analysis::Analysis;
use crate::backup::{Backup, Owner, Run};
use crate::domain::energy::{ConfidenceMin, RequestedType};
use crate::domain::upload::FileKind;
use crate::engine::{Engine, EngineError};
use crate::extraction::fields::Fields;
use crate::pipeline::{Document, Expectations, Outcome, ReadingSummary, Refusal, process};
use crate::startup::Limits;

const MAX_IMAGES: usize = 8;

/// The seed's response, then what this service adds.
#[derive(Serialize, utoipa::ToSchema)]
pub struct AnalysisResponse {
    /// The complete report, PDF in base64.
    pub non_anonymous_report_base64: String,
    /// The report with supplier, delivery points and customer masked.
    pub anonymous_report_base64: String,
    /// 3 or 4 short French lines for a user interface.
    pub highlights: Vec<String>,
    pub user_id: Option<i64>,
    pub invoice_id: Option<i64>,
    pub external_ref: Option<String>,
    pub energy_type: String,
    /// Every field read, keyed `name` or `energy.name`, with value, confidence and source.
    #[schema(value_type = Object)]
    pub fields: Fields,
    pub reading: ReadingSummary,
    pub analysis: Analysis,
}

impl AnalysisResponse {
    pub fn new(outcome: &Outcome, owner: &Owner) -> Self {
        Self {
            non_anonymous_report_base64: STANDARD.encode(&outcome.reports.full),
            anonymous_report_base64: STANDARD.encode(&outcome.reports.anonymous),
            highlights: outcome.highlights.clone(),
            user_id: owner.user_id,
            invoice_id: owner.invoice_id,
            external_ref: owner.external_ref.clone(),
            energy_type: outcome.extraction.energy_type.to_string(),
            fields: outcome.extraction.fields.clone(),
            reading: outcome.summary(),
            analysis: outcome.analysis.clone(),
        }
    }
}

/// The form fields besides the files.
#[derive(Default)]
pub(crate) struct Form {
    pub expectations: Expectations,
    pub owner: Owner,
    /// Jobs only: where the result is posted.
    pub webhook_url: Option<String>,
    files: Vec<(String, FileKind, Vec<u8>)>,
}

#[utoipa::path(
    post,
    path = "/v1/invoices/pdf",
    tag = "invoices",
    request_body(content = super::forms::PdfForm, content_type = "multipart/form-data"),
    responses(
        (status = 200, body = AnalysisResponse),
        (status = 400, description = "not a PDF, bad extension or bad type"),
        (status = 413, description = "over MAX_CONTENT_LENGTH"),
        (status = 422, description = "energy type mismatch or confidence below confidence_min (strict), unreadable document (`unreadable_document`), more pages than `analysis.max_pages` (`too_many_pages`), a page too large to rasterise (`image_too_large`)"),
    )
)]
pub async fn analyse_pdf(
    request: HttpRequest,
    payload: Multipart,
    engine: web::Data<Engine>,
    limits: web::Data<Limits>,
    backup: web::Data<Option<Backup>>,
) -> Result<HttpResponse, ApiError> {
    let mut form = read_form(&request, payload, &limits, "file").await?;
    let document = pdf_document(&mut form)?;
    respond(&engine, backup.as_ref().as_ref(), document, form).await
}

#[utoipa::path(
    post,
    path = "/v1/invoices/images",
    tag = "invoices",
    request_body(content = super::forms::ImagesForm, content_type = "multipart/form-data"),
    responses(
        (status = 200, body = AnalysisResponse),
        (status = 400, description = "not an image, bad extension, no image or more than 8, or bad type"),
        (status = 413, description = "over MAX_CONTENT_LENGTH"),
        (status = 422, description = "energy type mismatch or confidence below confidence_min (strict), unreadable image (`unreadable_document`), an image of more pixels than `analysis.max_page_pixels` (`image_too_large`)"),
    )
)]
pub async fn analyse_images(
    request: HttpRequest,
    payload: Multipart,
    engine: web::Data<Engine>,
    limits: web::Data<Limits>,
    backup: web::Data<Option<Backup>>,
) -> Result<HttpResponse, ApiError> {
    let mut form = read_form(&request, payload, &limits, "files").await?;
    let document = image_document(&mut form)?;
    respond(&engine, backup.as_ref().as_ref(), document, form).await
}

/// The one PDF of a `/pdf` form.
pub(crate) fn pdf_document(form: &mut Form) -> Result<Document, ApiError> {
    let (_, kind, bytes) = match form.files.len() {
        1 => form.files.remove(0),
        0 => return Err(ApiError::new(ErrorCode::UnsupportedFile, "Send the bill as a PDF in the `file` field.")),
        _ => return Err(ApiError::new(ErrorCode::UnsupportedFile, "Send exactly one PDF in the `file` field.")),
    };
    if kind != FileKind::Pdf {
        return Err(ApiError::new(ErrorCode::UnsupportedFile, "The `file` field must hold a PDF."));
    }
    Ok(Document::Pdf(bytes))
}

/// The 1 to 8 page images of an `/images` form.
pub(crate) fn image_document(form: &mut Form) -> Result<Document, ApiError> {
    if form.files.is_empty() || form.files.len() > MAX_IMAGES {
        return Err(ApiError::new(ErrorCode::UnsupportedFile, "Send between 1 and 8 images in the `files` field."));
    }
    let mut images = Vec::new();
    for (name, kind, bytes) in std::mem::take(&mut form.files) {
        if kind == FileKind::Pdf {
            return Err(ApiError::new(
                ErrorCode::UnsupportedFile,
                format!("`{name}` is a PDF: send it to /pdf, not /images."),
            ));
        }
        images.push((kind, bytes));
    }
    Ok(Document::Images(images))
}

async fn respond(
    engine: &Engine,
    backup: Option<&Backup>,
    document: Document,
    form: Form,
) -> Result<HttpResponse, ApiError> {
    let outcome = process(engine, &document, form.expectations, None).await.map_err(refusal)?;
    let response = AnalysisResponse::new(&outcome, &form.owner);
    tracing::info!(
        source_kind = document.source_kind(),
        energy_type = %outcome.extraction.energy_type,
        pages = response.reading.pages,
        ocr_pages = response.reading.ocr_pages,
        fields = outcome.extraction.fields.len(),
        defects = outcome.analysis.defects.len(),
        "invoice analysed"
    );
    if let Some(backup) = backup {
        backup.spawn(Run::new(form.owner, document, outcome));
    }
    Ok(HttpResponse::Ok().json(response))
}

/// The problem a refused analysis answers with (sync) or fails with (jobs).
pub fn refusal(refusal: Refusal) -> ApiError {
    match refusal {
        Refusal::Engine(EngineError::UnreadablePdf) => ApiError::new(
            ErrorCode::UnreadableDocument,
            "The PDF could not be read: it is damaged, encrypted or not a PDF.",
        ),
        Refusal::Engine(EngineError::UnreadableImage(index)) => {
            ApiError::new(ErrorCode::UnreadableDocument, format!("Image {index} could not be decoded."))
        }
        Refusal::Engine(EngineError::TooManyPages { pages, limit }) => ApiError::new(
            ErrorCode::TooManyPages,
            format!("The PDF has {pages} pages; at most {limit} are read. Send the bill's pages only."),
        ),
        Refusal::Engine(EngineError::PageTooLarge { page, reason }) => {
            ApiError::new(ErrorCode::ImageTooLarge, format!("Page {page} is too large to be read: {reason}."))
        }
        Refusal::Engine(EngineError::TooSlow { .. }) => ApiError::new(
            ErrorCode::UnreadableDocument,
            "The document takes too long to read: is it a bill as a PDF printer or a scanner makes it?",
        ),
        Refusal::Engine(EngineError::Empty) | Refusal::NothingRead => {
            ApiError::new(ErrorCode::UnreadableDocument, "No bill could be read in this document.")
        }
        Refusal::EnergyMismatch { requested, detected } => ApiError::new(
            ErrorCode::EnergyTypeMismatch,
            format!(
                "The bill looks like a {detected} bill, not {requested}. Send type=auto, or strict=false to force it."
            ),
        ),
        Refusal::LowConfidence { confidence, minimum } => ApiError::new(
            ErrorCode::LowConfidence,
            format!("The reading's confidence ({confidence:.2}) is below confidence_min ({minimum:.2})."),
        ),
        Refusal::Engine(other) => ApiError::internal(other),
    }
}

/// Reads the multipart form (refused as soon as it passes the size limit):
/// the files in `file_field`, recognised from their content, and the
/// seed's fields.
pub(crate) async fn read_form(
    request: &HttpRequest,
    payload: Multipart,
    limits: &Limits,
    file_field: &str,
) -> Result<Form, ApiError> {
    let parts = read_multipart(request, payload, limits.max_content_length, "MAX_CONTENT_LENGTH").await?;
    let mut form = Form { expectations: Expectations { strict: true, ..Expectations::default() }, ..Form::default() };
    let mut errors = Vec::new();
    for Part { name, file_name, bytes } in parts {
        if name == file_field {
            let file_name = file_name.unwrap_or_default();
            let kind = FileKind::sniff(&bytes).ok_or_else(|| {
                ApiError::new(ErrorCode::UnsupportedFile, format!("`{file_name}` is not a PDF or a supported image."))
            })?;
            if !kind.name_agrees(&file_name) {
                return Err(ApiError::new(
                    ErrorCode::UnsupportedFile,
                    format!("`{file_name}`: the extension does not match its content ({}).", kind.extension()),
                ));
            }
            form.files.push((file_name, kind, bytes));
            continue;
        }
        let text = String::from_utf8(bytes).unwrap_or_default();
        let text = text.trim();
        match name.as_str() {
            "type" => {
                form.expectations.requested =
                    RequestedType::parse(text).map_err(|message| ApiError::new(ErrorCode::BadRequest, message))?;
            }
            "confidence_min" => match ConfidenceMin::parse(text) {
                Ok(minimum) => form.expectations.confidence_min = minimum,
                Err(message) => errors.push(FieldError { field: name.clone(), message }),
            },
            "strict" => match text.to_ascii_lowercase().as_str() {
                "true" | "1" | "yes" | "on" => form.expectations.strict = true,
                "false" | "0" | "no" | "off" => form.expectations.strict = false,
                _ => errors.push(FieldError { field: name.clone(), message: "strict must be true or false".into() }),
            },
            "user_id" | "invoice_id" if !text.is_empty() => match text.parse::<i64>() {
                Ok(id) if name == "user_id" => form.owner.user_id = Some(id),
                Ok(id) => form.owner.invoice_id = Some(id),
                Err(_) => {
                    errors.push(FieldError { field: name.clone(), message: format!("{name} must be an integer") })
                }
            },
            "external_ref" if !text.is_empty() => form.owner.external_ref = Some(text.chars().take(200).collect()),
            "webhook_url" if !text.is_empty() => form.webhook_url = Some(text.to_owned()),
            "customer_name" if !text.is_empty() => form.owner.customer_name = Some(text.chars().take(200).collect()),
            _ => {}
        }
    }
    if errors.is_empty() { Ok(form) } else { Err(ApiError::validation(errors)) }
}
