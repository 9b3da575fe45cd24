pub mod convert;
pub mod diagnostics;
pub mod extract;
pub mod form;
pub mod generate;
pub mod validate;

use actix_web::web;
use common::error::{ApiError, ErrorCode, FieldError};

use crate::invoice::InvoiceError;

pub fn configure(config: &mut web::ServiceConfig) {
    config
        .service(validate::validate)
        .service(extract::extract)
        .service(convert::convert)
        .service(convert::preflight)
        .service(generate::generate)
        .service(diagnostics::diagnostics);
}

impl From<InvoiceError> for ApiError {
    fn from(error: InvoiceError) -> Self {
        if let InvoiceError::Invalid(report) = &error {
            return ApiError::validation(
                report
                    .errors
                    .iter()
                    .map(|finding| {
                        FieldError::new(&finding.location, format!("{}: {}", finding.rule, finding.message_en))
                    })
                    .collect(),
            );
        }
        if let InvoiceError::Render(_) = &error {
            return ApiError::internal(error);
        }
        let code = match &error {
            InvoiceError::Xml(_) => ErrorCode::MalformedXml,
            InvoiceError::Pdf(_) => ErrorCode::UnreadableDocument,
            InvoiceError::NoEmbeddedInvoice => ErrorCode::NoEmbeddedInvoice,
            InvoiceError::UnknownFormat => ErrorCode::UnsupportedFile,
            InvoiceError::UnknownProfile | InvoiceError::Invalid(_) => ErrorCode::ValidationFailed,
            InvoiceError::Render(_) => ErrorCode::Internal,
        };
        ApiError::new(code, format!("{}.", capitalised(&error.to_string())))
    }
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map(|first| first.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

/// Runs CPU-bound work off the async threads.
pub(crate) async fn blocking<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> Result<T, ApiError> {
    web::block(work).await.map_err(ApiError::internal)
}
