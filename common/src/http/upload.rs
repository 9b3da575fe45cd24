//! Uploads: multipart forms read within a size limit, and a memory budget
//! shared by the requests a service handles at once.
//!
//! Without the budget, 32 clients sending 10 MB each make the service hold
//! 320 MB of bodies (and more while parsing them). With it, a request with
//! a body waits, before any of its body is read, until its declared length
//! fits in what the requests in progress leave; the bytes it has not read
//! yet stay in the client's and the kernel's buffers.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use actix_multipart::Multipart;
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::error::PayloadError;
use actix_web::http::header::{self, HeaderMap};
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage as _, HttpRequest, ResponseError, web};
use futures_util::StreamExt as _;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

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

    fn kibibytes_of(&self, bytes: u64) -> u32 {
        u32::try_from(bytes.div_ceil(1024)).unwrap_or(u32::MAX).min(self.capacity)
    }

    async fn take(&self, kibibytes: u32) -> Option<OwnedSemaphorePermit> {
        let taken = tokio::time::timeout(self.patience, self.kibibytes.clone().acquire_many_owned(kibibytes)).await;
        taken.ok()?.ok()
    }
}

fn no_room() -> ApiError {
    ApiError::new(ErrorCode::ServiceUnavailable, "Too many uploads in progress; retry shortly.").with_retry_after(1)
}

/// Holds a request with a body until the service's [`UploadBudget`] has
/// room for it, and keeps its share until the response is built; 503
/// `service_unavailable` with Retry-After when no room comes within the
/// budget's patience. A declared length is reserved before any of the body
/// is read (at most the whole budget, so that one upload larger than it
/// still runs, alone); a chunked body reserves as its bytes arrive, so a
/// slow one holds only what it has sent.
pub async fn reserve_upload_budget<B: MessageBody + 'static>(
    mut request: ServiceRequest,
    next: Next<B>,
) -> Result<ServiceResponse<EitherBody<B>>, Error> {
    let budget = request.app_data::<web::Data<UploadBudget>>().cloned();
    let Some(budget) = budget.filter(|_| has_body(request.headers())) else {
        return Ok(next.call(request).await?.map_into_left_body());
    };
    if let Some(length) = declared_length(request.headers()) {
        let Some(_reservation) = budget.take(budget.kibibytes_of(length)).await else {
            let (request, _) = request.into_parts();
            return Ok(ServiceResponse::new(request, no_room().error_response()).map_into_right_body());
        };
        return Ok(next.call(request).await?.map_into_left_body());
    }
    let arriving = Arc::new(Arriving::default());
    let payload = request.take_payload();
    request.set_payload(Payload::from(reserving_as_it_arrives(payload, budget, Arc::clone(&arriving))));
    let response = next.call(request).await?;
    if arriving.ran_out.load(Ordering::Relaxed) {
        let request = response.request().clone();
        return Ok(ServiceResponse::new(request, no_room().error_response()).map_into_right_body());
    }
    Ok(response.map_into_left_body())
}

/// What a chunked body has reserved so far, kept until its response is
/// built, and whether it ran out of room on the way.
#[derive(Default)]
struct Arriving {
    reserved: Mutex<Option<OwnedSemaphorePermit>>,
    ran_out: AtomicBool,
}

fn reserving_as_it_arrives(
    payload: Payload,
    budget: web::Data<UploadBudget>,
    arriving: Arc<Arriving>,
) -> std::pin::Pin<Box<dyn futures_util::Stream<Item = Result<web::Bytes, PayloadError>>>> {
    let state = (payload, 0u64, 0u32);
    Box::pin(
        futures_util::stream::unfold(Some(state), move |state| {
            let (budget, arriving) = (budget.clone(), Arc::clone(&arriving));
            async move {
                let (mut payload, mut received, mut held) = state?;
                let chunk = match payload.next().await? {
                    Ok(chunk) => chunk,
                    Err(error) => return Some((Err(error), None)),
                };
                received += chunk.len() as u64;
                let needed = budget.kibibytes_of(received).saturating_sub(held);
                if needed > 0 {
                    let Some(more) = budget.take(needed).await else {
                        arriving.ran_out.store(true, Ordering::Relaxed);
                        let error = std::io::Error::other("no room left in the upload budget");
                        return Some((Err(PayloadError::Io(error)), None));
                    };
                    let mut reserved = arriving.reserved.lock().unwrap_or_else(PoisonError::into_inner);
                    match reserved.as_mut() {
                        Some(reserved) => reserved.merge(more),
                        None => *reserved = Some(more),
                    }
                    held += needed;
                }
                Some((Ok(chunk), Some((payload, received, held))))
            }
        })
        // Readers may poll again after the end.
        .fuse(),
    )
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
