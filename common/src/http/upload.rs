//! Uploads: multipart forms read within a size limit, and a memory budget
//! shared by the requests a service handles at once.
//!
//! Without the budget, 32 clients sending 10 MB each make the service hold
//! 320 MB of bodies (and more while parsing them). With it, a request with
//! a body waits, before any of its body is read, until its declared length
//! fits in what the requests in progress leave; the bytes it has not read
//! yet stay in the client's and the kernel's buffers.

use std::sync::Arc;
use std::time::Duration;

use actix_multipart::Multipart;
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderMap};
use actix_web::middleware::Next;
use actix_web::{Error, HttpRequest, ResponseError, web};
use futures_util::StreamExt as _;
use tokio::sync::Semaphore;

use crate::error::{ApiError, ErrorCode};

/// The body length a request declares in Content-Length, if any.
pub fn declared_length(headers: &HeaderMap) -> Option<u64> {
    headers.get(header::CONTENT_LENGTH).and_then(|value| value.to_str().ok()?.parse::<u64>().ok())
}

/// Whether a request carries a body: a non-zero declared length, or chunks.
pub fn has_body(headers: &HeaderMap) -> bool {
    declared_length(headers).is_some_and(|length| length > 0) || headers.contains_key(header::TRANSFER_ENCODING)
}

/// Bytes of request bodies a service works on at once. The budget counts
/// in KiB so that a budget of gigabytes still fits the semaphore.
#[derive(Debug, Clone)]
pub struct UploadBudget {
    kibibytes: Arc<Semaphore>,
    capacity: u32,
    /// How long a request may wait for room before it is turned away.
    patience: Duration,
}

impl UploadBudget {
    pub fn new(bytes: u64, patience: Duration) -> Self {
        let capacity = u32::try_from(bytes.div_ceil(1024)).unwrap_or(u32::MAX).max(1);
        Self { kibibytes: Arc::new(Semaphore::new(capacity as usize)), capacity, patience }
    }

    /// What a request with these headers reserves: its declared length, or
    /// the whole budget when it does not declare one (chunked); at most the
    /// whole budget, so that one upload larger than it still runs, alone.
    fn weight(&self, headers: &HeaderMap) -> Option<u32> {
        has_body(headers).then(|| {
            declared_length(headers).map_or(self.capacity, |bytes| {
                u32::try_from(bytes.div_ceil(1024)).unwrap_or(u32::MAX).min(self.capacity)
            })
        })
    }
}

/// Holds a request with a body until the service's [`UploadBudget`] has
/// room for it, and keeps its share until the response is built; 503
/// `service_unavailable` with Retry-After when no room comes within the
/// budget's patience.
pub async fn reserve_upload_budget<B: MessageBody + 'static>(
    request: ServiceRequest,
    next: Next<B>,
) -> Result<ServiceResponse<EitherBody<B>>, Error> {
    let budget = request.app_data::<web::Data<UploadBudget>>().cloned();
    let Some((budget, weight)) =
        budget.and_then(|budget| budget.weight(request.headers()).map(|weight| (budget, weight)))
    else {
        return Ok(next.call(request).await?.map_into_left_body());
    };
    let reservation = tokio::time::timeout(budget.patience, budget.kibibytes.clone().acquire_many_owned(weight)).await;
    let Ok(Ok(_reservation)) = reservation else {
        let error = ApiError::new(ErrorCode::ServiceUnavailable, "Too many uploads in progress; retry shortly.")
            .with_retry_after(1);
        let (request, _) = request.into_parts();
        return Ok(ServiceResponse::new(request, error.error_response()).map_into_right_body());
    };
    Ok(next.call(request).await?.map_into_left_body())
}

/// Parts of one form, at most: no route takes more than a few files and
/// fields, and each part costs a header parse and an allocation.
pub const MAX_PARTS: usize = 64;

/// One field of a multipart form.
pub struct Part {
    pub name: String,
    /// The file name the client gave, for file fields.
    pub file_name: Option<String>,
    pub bytes: Vec<u8>,
}

/// Reads a whole multipart form, refused with 413 as soon as it is larger
/// than `max_bytes`: from its declared length before reading any of it,
/// and while streaming otherwise. `setting` names the limit in the message.
pub async fn read_multipart(
    request: &HttpRequest,
    mut payload: Multipart,
    max_bytes: u64,
    setting: &str,
) -> Result<Vec<Part>, ApiError> {
    let too_large = || {
        ApiError::new(ErrorCode::PayloadTooLarge, format!("The upload is larger than {setting} ({max_bytes} bytes)."))
    };
    let declared = declared_length(request.headers());
    if declared.is_some_and(|length| length > max_bytes) {
        return Err(too_large());
    }
    let malformed = |error: actix_multipart::MultipartError| {
        ApiError::new(ErrorCode::BadRequest, format!("Malformed form: {error}"))
    };
    let mut parts = Vec::new();
    let mut received = 0u64;
    while let Some(field) = payload.next().await {
        if parts.len() == MAX_PARTS {
            return Err(ApiError::new(ErrorCode::BadRequest, format!("The form has more than {MAX_PARTS} parts.")));
        }
        let mut field = field.map_err(malformed)?;
        let name = field.name().unwrap_or_default().to_owned();
        let file_name =
            field.content_disposition().and_then(|disposition| disposition.get_filename()).map(str::to_owned);
        // A file takes what is left of the declared body: sized once, it is
        // not copied over and over as it grows (a 10 MB file would peak at
        // 24 MB doubling its buffer).
        let expected = declared.filter(|_| file_name.is_some()).map_or(0, |length| length.saturating_sub(received));
        let mut bytes = Vec::with_capacity(expected as usize);
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(malformed)?;
            received += chunk.len() as u64;
            if received > max_bytes {
                return Err(too_large());
            }
            bytes.extend_from_slice(&chunk);
        }
        parts.push(Part { name, file_name, bytes });
    }
    Ok(parts)
}
