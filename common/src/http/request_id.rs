//! `X-Request-Id`: taken from the caller when it is sane, generated otherwise,
//! stored in the request extensions and echoed on every response.

use std::fmt;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage};

pub const REQUEST_ID_HEADER: HeaderName = HeaderName::from_static("x-request-id");

/// A request id a caller may choose: 1 to 128 characters among
/// `A-Z a-z 0-9 - _ . :`, so it is safe to log and to echo in a header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestId(String);

impl RequestId {
    pub fn parse(raw: &str) -> Option<Self> {
        let valid = (1..=128).contains(&raw.len())
            && raw.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'));
        valid.then(|| Self(raw.to_owned()))
    }

    pub fn generate() -> Self {
        Self(uuid::Uuid::new_v4().to_string())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for RequestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The request id of a request that went through [`propagate_request_id`].
pub fn request_id_of(request: &impl HttpMessage) -> Option<RequestId> {
    request.extensions().get::<RequestId>().cloned()
}

/// Middleware; wrap it outermost. Inner middleware answers refusals with a
/// response (see [`super::refuse`]) rather than an error, so they carry the
/// id too.
pub async fn propagate_request_id(
    request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let id = request
        .headers()
        .get(&REQUEST_ID_HEADER)
        .and_then(|v| v.to_str().ok())
        .and_then(RequestId::parse)
        .unwrap_or_else(RequestId::generate);
    request.extensions_mut().insert(id.clone());
    let mut response = next.call(request).await?;
    if let Ok(value) = HeaderValue::from_str(id.as_str()) {
        response.headers_mut().insert(REQUEST_ID_HEADER, value);
    }
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sane_ids_are_kept_and_others_refused() {
        assert!(RequestId::parse("abc-123_x.y:z").is_some());
        assert!(RequestId::parse("").is_none());
        assert!(RequestId::parse(&"a".repeat(129)).is_none());
        assert!(RequestId::parse("with space").is_none());
        assert!(RequestId::parse("line\nbreak").is_none());
        assert!(RequestId::parse("é").is_none());
        assert_ne!(RequestId::generate(), RequestId::generate());
    }
}
