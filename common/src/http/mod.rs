//! HTTP building blocks every service mounts the same way.

pub mod health;
pub mod observability;
pub mod openapi;
pub mod request_id;
pub mod security;
pub mod upload;

use actix_web::ResponseError;
use actix_web::body::EitherBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::error::{JsonPayloadError, PathError, QueryPayloadError};
use actix_web::{HttpRequest, web};

use crate::error::{ApiError, ErrorCode};

/// Paths any caller may reach without credentials, on the gateway and on
/// every service.
pub fn is_public_path(path: &str) -> bool {
    matches!(path, "/health" | "/ready" | "/metrics" | "/openapi.json") || path == "/docs" || path.starts_with("/docs/")
}

/// Turns actix's own extractor failures into problem+json, so that a
/// malformed body or query never gets a plain-text answer.
pub fn configure_extractors(config: &mut web::ServiceConfig) {
    config
        .app_data(json_bodies(DEFAULT_JSON_LIMIT))
        .app_data(web::QueryConfig::default().error_handler(query_error))
        .app_data(web::PathConfig::default().error_handler(path_error));
}

/// What a JSON body may weigh unless a service says otherwise (actix's own default).
const DEFAULT_JSON_LIMIT: usize = 2 * 1024 * 1024;

/// JSON bodies of at most `limit` bytes, refused as problem+json: a
/// service with another limit mounts this, never a bare `JsonConfig`,
/// whose refusals are plain text.
pub fn json_bodies(limit: usize) -> web::JsonConfig {
    web::JsonConfig::default().limit(limit).error_handler(json_error)
}

fn json_error(error: JsonPayloadError, _: &HttpRequest) -> actix_web::Error {
    let api_error = match &error {
        JsonPayloadError::OverflowKnownLength { .. } | JsonPayloadError::Overflow { .. } => {
            ApiError::new(ErrorCode::PayloadTooLarge, "The JSON body is too large.")
        }
        JsonPayloadError::ContentType => {
            ApiError::new(ErrorCode::UnsupportedMediaType, "Expected a body of type application/json.")
        }
        JsonPayloadError::Deserialize(cause) if cause.is_data() => {
            ApiError::new(ErrorCode::ValidationFailed, format!("Invalid JSON body: {cause}"))
        }
        _ => ApiError::new(ErrorCode::BadRequest, format!("Malformed JSON body: {error}")),
    };
    api_error.into()
}

fn query_error(error: QueryPayloadError, _: &HttpRequest) -> actix_web::Error {
    ApiError::new(ErrorCode::BadRequest, format!("Invalid query string: {error}")).into()
}

fn path_error(error: PathError, _: &HttpRequest) -> actix_web::Error {
    ApiError::new(ErrorCode::NotFound, format!("Invalid path parameter: {error}")).into()
}

/// The answer for any path no route matches.
pub async fn not_found(request: HttpRequest) -> Result<actix_web::HttpResponse, ApiError> {
    Err(ApiError::new(ErrorCode::NotFound, format!("No resource at {}.", request.path())))
}

/// Answers a request from middleware with a problem, as a response rather
/// than an error, so outer middleware (request id, metrics) still sees it.
pub fn refuse<B>(request: ServiceRequest, error: &ApiError) -> ServiceResponse<EitherBody<B>> {
    request.into_response(error.error_response()).map_into_right_body()
}
