//! The one error type of the platform, rendered as RFC 9457
//! `application/problem+json` with a stable snake_case `code`.
//!
//! Clients match on `code`, never on `detail`: codes are part of the API and
//! only ever get added. A 5xx answer says nothing about its cause; the cause
//! goes to the log, tied to the answer by the request id.

use std::fmt;

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;

pub const PROBLEM_JSON: &str = "application/problem+json";

/// Stable error codes and the HTTP status each maps to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    BadRequest,
    InvalidHost,
    ValidationFailed,
    MissingCredentials,
    InvalidCredentials,
    MissingIdentity,
    InvalidIdentity,
    InsufficientScope,
    Forbidden,
    PasswordChangeRequired,
    NotFound,
    MethodNotAllowed,
    Conflict,
    PayloadTooLarge,
    UnsupportedMediaType,
    RateLimited,
    Internal,
    BadGateway,
    UpstreamUnavailable,
    ServiceUnavailable,
    UpstreamTimeout,
    UnsupportedFile,
    UnreadableDocument,
    EnergyTypeMismatch,
    LowConfidence,
    InvalidTransition,
    SchedulingConflict,
    MalformedXml,
    NoEmbeddedInvoice,
    TooManyPages,
    ImageTooLarge,
    RequestTimeout,
}

impl ErrorCode {
    pub fn status(self) -> StatusCode {
        match self {
            Self::BadRequest | Self::InvalidHost => StatusCode::BAD_REQUEST,
            Self::ValidationFailed => StatusCode::UNPROCESSABLE_ENTITY,
            Self::MissingCredentials | Self::InvalidCredentials | Self::MissingIdentity | Self::InvalidIdentity => {
                StatusCode::UNAUTHORIZED
            }
            Self::InsufficientScope | Self::Forbidden | Self::PasswordChangeRequired => StatusCode::FORBIDDEN,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Self::Conflict | Self::InvalidTransition | Self::SchedulingConflict => StatusCode::CONFLICT,
            Self::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::RequestTimeout => StatusCode::REQUEST_TIMEOUT,
            Self::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::RateLimited => StatusCode::TOO_MANY_REQUESTS,
            Self::Internal => StatusCode::INTERNAL_SERVER_ERROR,
            Self::BadGateway => StatusCode::BAD_GATEWAY,
            Self::UpstreamUnavailable | Self::ServiceUnavailable => StatusCode::SERVICE_UNAVAILABLE,
            Self::UpstreamTimeout => StatusCode::GATEWAY_TIMEOUT,
            Self::UnsupportedFile | Self::MalformedXml => StatusCode::BAD_REQUEST,
            Self::UnreadableDocument
            | Self::EnergyTypeMismatch
            | Self::LowConfidence
            | Self::NoEmbeddedInvoice
            | Self::TooManyPages
            | Self::ImageTooLarge => StatusCode::UNPROCESSABLE_ENTITY,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::BadRequest => "bad_request",
            Self::InvalidHost => "invalid_host",
            Self::ValidationFailed => "validation_failed",
            Self::MissingCredentials => "missing_credentials",
            Self::InvalidCredentials => "invalid_credentials",
            Self::MissingIdentity => "missing_identity",
            Self::InvalidIdentity => "invalid_identity",
            Self::InsufficientScope => "insufficient_scope",
            Self::Forbidden => "forbidden",
            Self::PasswordChangeRequired => "password_change_required",
            Self::NotFound => "not_found",
            Self::MethodNotAllowed => "method_not_allowed",
            Self::Conflict => "conflict",
            Self::PayloadTooLarge => "payload_too_large",
            Self::UnsupportedMediaType => "unsupported_media_type",
            Self::RateLimited => "rate_limited",
            Self::Internal => "internal",
            Self::BadGateway => "bad_gateway",
            Self::UpstreamUnavailable => "upstream_unavailable",
            Self::ServiceUnavailable => "service_unavailable",
            Self::UpstreamTimeout => "upstream_timeout",
            Self::UnsupportedFile => "unsupported_file",
            Self::UnreadableDocument => "unreadable_document",
            Self::EnergyTypeMismatch => "energy_type_mismatch",
            Self::LowConfidence => "low_confidence",
            Self::InvalidTransition => "invalid_transition",
            Self::SchedulingConflict => "scheduling_conflict",
            Self::MalformedXml => "malformed_xml",
            Self::NoEmbeddedInvoice => "no_embedded_invoice",
            Self::TooManyPages => "too_many_pages",
            Self::ImageTooLarge => "image_too_large",
            Self::RequestTimeout => "request_timeout",
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One invalid field of a request, reported with a 422.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: &str, message: impl Into<String>) -> Self {
        Self { field: field.to_owned(), message: message.into() }
    }
}

#[derive(Debug)]
pub struct ApiError {
    code: ErrorCode,
    detail: String,
    field_errors: Vec<FieldError>,
    retry_after_secs: Option<u64>,
    source: Option<anyhow::Error>,
}

impl ApiError {
    pub fn new(code: ErrorCode, detail: impl Into<String>) -> Self {
        Self { code, detail: detail.into(), field_errors: Vec::new(), retry_after_secs: None, source: None }
    }

    /// A failure whose cause is logged but never shown to the client.
    pub fn internal(source: impl Into<anyhow::Error>) -> Self {
        Self::new(ErrorCode::Internal, "").with_source(source)
    }

    pub fn validation(field_errors: Vec<FieldError>) -> Self {
        Self { field_errors, ..Self::new(ErrorCode::ValidationFailed, "The request has invalid fields.") }
    }

    pub fn with_source(mut self, source: impl Into<anyhow::Error>) -> Self {
        self.source = Some(source.into());
        self
    }

    pub fn with_retry_after(mut self, seconds: u64) -> Self {
        self.retry_after_secs = Some(seconds);
        self
    }

    pub fn code(&self) -> ErrorCode {
        self.code
    }

    pub fn field_errors(&self) -> &[FieldError] {
        &self.field_errors
    }

    /// The detail the client sees (never the cause of an internal error).
    pub fn public_detail(&self) -> &str {
        if self.code == ErrorCode::Internal {
            "An internal error occurred. Quote the request id when reporting it."
        } else {
            &self.detail
        }
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.detail)?;
        if let Some(source) = &self.source {
            write!(f, " ({source:#})")?;
        }
        Ok(())
    }
}

impl std::error::Error for ApiError {}

/// The RFC 9457 body. `code` is our extension member.
#[derive(Debug, Serialize)]
struct Problem<'a> {
    #[serde(rename = "type")]
    problem_type: String,
    title: &'a str,
    status: u16,
    detail: &'a str,
    code: ErrorCode,
    #[serde(skip_serializing_if = "<[FieldError]>::is_empty")]
    errors: &'a [FieldError],
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.code.status()
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        if status.is_server_error() {
            tracing::error!(code = %self.code, error = %self, "request failed");
        }
        let problem = Problem {
            problem_type: format!("https://errors.platform.local/{}", self.code),
            title: status.canonical_reason().unwrap_or("Error"),
            status: status.as_u16(),
            detail: self.public_detail(),
            code: self.code,
            errors: &self.field_errors,
        };
        let mut response = HttpResponse::build(status);
        response.insert_header((header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON)));
        if let Some(seconds) = self.retry_after_secs {
            response.insert_header((header::RETRY_AFTER, seconds.to_string()));
        }
        match serde_json::to_vec(&problem) {
            Ok(body) => response.body(body),
            Err(_) => response.finish(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::body::to_bytes;

    async fn render(error: ApiError) -> (StatusCode, String, serde_json::Value) {
        let response = error.error_response();
        let status = response.status();
        let content_type =
            response.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
        let body = to_bytes(response.into_body()).await.expect("body");
        (status, content_type, serde_json::from_slice(&body).expect("json"))
    }

    #[actix_web::test]
    async fn client_errors_carry_their_detail_and_code() {
        let (status, content_type, body) =
            render(ApiError::new(ErrorCode::InsufficientScope, "Key not valid for ocr.")).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        assert_eq!(content_type, PROBLEM_JSON);
        assert_eq!(body["code"], "insufficient_scope");
        assert_eq!(body["status"], 403);
        assert_eq!(body["title"], "Forbidden");
        assert_eq!(body["detail"], "Key not valid for ocr.");
        assert_eq!(body["type"], "https://errors.platform.local/insufficient_scope");
    }

    #[actix_web::test]
    async fn internal_errors_reveal_nothing() {
        let cause = anyhow::anyhow!("connection to postgres://admin:pw@db failed");
        let (status, _, body) = render(ApiError::internal(cause)).await;
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(body["code"], "internal");
        assert!(!body.to_string().contains("postgres"), "{body}");
    }

    #[actix_web::test]
    async fn validation_errors_list_fields_and_rate_limits_say_when_to_retry() {
        let (status, _, body) = render(ApiError::validation(vec![FieldError {
            field: "email".into(),
            message: "not an e-mail address".into(),
        }]))
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(body["errors"][0]["field"], "email");

        let response = ApiError::new(ErrorCode::RateLimited, "Slow down.").with_retry_after(3).error_response();
        assert_eq!(response.headers().get(header::RETRY_AFTER).map(|v| v.as_bytes()), Some(&b"3"[..]));
    }

    #[test]
    fn every_code_maps_to_an_error_status() {
        for code in [
            ErrorCode::BadRequest,
            ErrorCode::MissingCredentials,
            ErrorCode::PayloadTooLarge,
            ErrorCode::UpstreamTimeout,
            ErrorCode::UpstreamUnavailable,
        ] {
            assert!(code.status().is_client_error() || code.status().is_server_error());
            assert_eq!(serde_json::to_value(code).expect("code"), code.as_str());
        }
    }
}
