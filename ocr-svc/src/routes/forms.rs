//! The multipart forms of the analysis and job endpoints, as the OpenAPI
//! document shows them: every field with its type, so that "Try it out"
//! sends a file. `invoices::read_form` is what reads them.

use utoipa::ToSchema;

/// What the caller says the bill is.
#[derive(ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum RequestedTypeField {
    /// Detected from the bill (the default).
    Auto,
    Electricite,
    Gaz,
    Dual,
}

/// The fields of an analysis besides its file.
#[derive(ToSchema)]
pub struct AnalysisFields {
    #[serde(rename = "type")]
    pub requested: Option<RequestedTypeField>,
    /// Below this mean confidence (0 to 1, 0.5 by default) a strict analysis is refused.
    #[schema(minimum = 0.0, maximum = 1.0, default = 0.5)]
    pub confidence_min: Option<f32>,
    /// Refuse (422) a bill of another energy than `type`, or read with too little confidence.
    #[schema(default = true)]
    pub strict: Option<bool>,
    /// Echoed back, as the seed's clients expect.
    pub user_id: Option<i64>,
    pub invoice_id: Option<i64>,
    #[schema(max_length = 200)]
    pub external_ref: Option<String>,
    /// The customer's name, when the bill does not print it legibly.
    #[schema(max_length = 200)]
    pub customer_name: Option<String>,
}

/// `/v1/invoices/pdf`.
#[derive(ToSchema)]
pub struct PdfForm {
    /// The bill, a PDF.
    #[schema(value_type = String, format = Binary)]
    pub file: Vec<u8>,
    #[serde(flatten)]
    pub fields: AnalysisFields,
}

/// `/v1/invoices/images`.
#[derive(ToSchema)]
pub struct ImagesForm {
    /// 1 to 8 pages: jpg, jpeg, png, bmp, tif or tiff.
    #[schema(value_type = Vec<String>, format = Binary)]
    pub files: Vec<Vec<u8>>,
    #[serde(flatten)]
    pub fields: AnalysisFields,
}

/// What a job adds to its analysis.
#[derive(ToSchema)]
pub struct JobFields {
    /// Where the result is posted (Standard Webhooks signature), a public https:// URL.
    pub webhook_url: Option<String>,
    #[serde(flatten)]
    pub fields: AnalysisFields,
}

/// `/v1/jobs/pdf`.
#[derive(ToSchema)]
pub struct PdfJobForm {
    /// The bill, a PDF.
    #[schema(value_type = String, format = Binary)]
    pub file: Vec<u8>,
    #[serde(flatten)]
    pub job: JobFields,
}

/// `/v1/jobs/images`.
#[derive(ToSchema)]
pub struct ImagesJobForm {
    /// 1 to 8 pages: jpg, jpeg, png, bmp, tif or tiff.
    #[schema(value_type = Vec<String>, format = Binary)]
    pub files: Vec<Vec<u8>>,
    #[serde(flatten)]
    pub job: JobFields,
}
