pub mod convert;
pub mod diagnostics;
pub mod extract;
pub mod form;
pub mod generate;
pub mod validate;

use std::sync::LazyLock;

use actix_web::web;
use common::error::{ApiError, ErrorCode, FieldError};
use tokio::sync::Semaphore;

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
            InvoiceError::UnknownProfile | InvoiceError::NotWritten(_) => ErrorCode::ValidationFailed,
        };
        ApiError::new(code, format!("{}.", capitalised(&error.to_string())))
    }
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map(|first| first.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

/// Two CPU-bound jobs per core at a time (one runs while the next is handed
/// over): more would only share the cores while holding more documents in
/// memory, each on a thread (and in a malloc arena) of its own. Measured
/// with 32 clients converting: same throughput, 46 MB resident instead of 72.
static CORES: LazyLock<Semaphore> =
    LazyLock::new(|| Semaphore::new(2 * std::thread::available_parallelism().map_or(2, usize::from)));

/// Runs CPU-bound work off the async threads, once one of the `CORES` slots is free.
pub(crate) async fn blocking<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> Result<T, ApiError> {
    let _core = CORES.acquire().await.map_err(ApiError::internal)?;
    web::block(work).await.map_err(ApiError::internal)
}
