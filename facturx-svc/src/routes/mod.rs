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
        let code = match &error {
            InvoiceError::Invalid(report) => {
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
            InvoiceError::Render(_) => return ApiError::internal(error),
            InvoiceError::Xml(_) => ErrorCode::MalformedXml,
            InvoiceError::Pdf(_) => ErrorCode::UnreadableDocument,
            InvoiceError::NoEmbeddedInvoice => ErrorCode::NoEmbeddedInvoice,
            InvoiceError::UnknownFormat => ErrorCode::UnsupportedFile,
            InvoiceError::UnknownProfile => ErrorCode::ValidationFailed,
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
