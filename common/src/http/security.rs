//! What the legacy apps did at their edge, for whichever process is the
//! edge: the gateway always, a service when it is reached directly
//! (standalone). Host allow-list (`ALLOWED_HOSTS`), HTTPS redirect and HSTS
//! (`FORCE_HTTPS`), CORS (`ALLOWED_ORIGINS`) and security headers.

use actix_cors::Cors;
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderMap, HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{Error, HttpResponse, web};

use crate::configuration::HttpSettings;
use crate::error::{ApiError, ErrorCode};
use crate::http::request_id::REQUEST_ID_HEADER;
use crate::http::{is_public_path, refuse};

pub const API_KEY_HEADER: HeaderName = HeaderName::from_static("x-api-key");
const HSTS: &str = "max-age=63072000; includeSubDomains";

/// Refuses hosts outside `ALLOWED_HOSTS` and, with `FORCE_HTTPS`, redirects
/// plain HTTP to HTTPS. Probes (`/health`, `/ready`, `/metrics`) are exempt:
/// orchestrators call them by pod address over plain HTTP.
pub async fn guard_host_and_scheme<B: MessageBody + 'static>(
    request: ServiceRequest,
    next: Next<B>,
) -> Result<ServiceResponse<EitherBody<B>>, Error> {
    let Some(settings) = request.app_data::<web::Data<HttpSettings>>().cloned() else {
        let error = ApiError::internal(anyhow::anyhow!("HttpSettings missing from app data"));
        return Ok(refuse(request, &error));
    };
    if is_public_path(request.path()) && !request.path().starts_with("/docs") {
        return Ok(next.call(request).await?.map_into_left_body());
    }
    let (host, scheme) = {
        let info = request.connection_info();
        (info.host().to_owned(), info.scheme().to_owned())
    };
    if !settings.allowed_hosts.is_empty() {
        let bare_host = host.rsplit_once(':').map_or(host.as_str(), |(name, _)| name);
        if !settings.allowed_hosts.iter().any(|allowed| allowed.eq_ignore_ascii_case(bare_host)) {
            let error = ApiError::new(ErrorCode::InvalidHost, "This host is not served here.");
            return Ok(refuse(request, &error));
        }
    }
    if settings.force_https && scheme != "https" {
        let target = format!("https://{host}{}", request.uri().path_and_query().map_or("/", |pq| pq.as_str()));
        let response = HttpResponse::PermanentRedirect().insert_header((header::LOCATION, target)).finish();
        return Ok(request.into_response(response).map_into_right_body());
    }
    Ok(next.call(request).await?.map_into_left_body())
}

/// actix-multipart 0.7 panics on a body line shorter than four bytes that
/// starts with `--` when the boundary is shorter than four characters
/// (found by fuzzing facturx-svc's form reader); such boundaries, which no
/// real client uses, are refused before any handler reads the body.
pub async fn refuse_short_multipart_boundaries<B: MessageBody + 'static>(
    request: ServiceRequest,
    next: Next<B>,
) -> Result<ServiceResponse<EitherBody<B>>, Error> {
    const SHORTEST_BOUNDARY: usize = 4;
    let content_type = request.headers().get(header::CONTENT_TYPE).and_then(|value| value.to_str().ok());
    let boundary =
        content_type.filter(|value| value.to_ascii_lowercase().starts_with("multipart/")).and_then(|value| {
            value.split(';').find_map(|parameter| {
                let (name, boundary) = parameter.split_once('=')?;
                name.trim().eq_ignore_ascii_case("boundary").then(|| boundary.trim().trim_matches('"').len())
            })
        });
    if boundary.is_some_and(|length| length < SHORTEST_BOUNDARY) {
        let error = ApiError::new(ErrorCode::BadRequest, "The multipart boundary is shorter than 4 characters.");
        return Ok(refuse(request, &error));
    }
    Ok(next.call(request).await?.map_into_left_body())
}

/// The headers every response gets unless its handler set them itself.
pub fn add_default_security_headers(headers: &mut HeaderMap, force_https: bool) {
    let mut default = |name: HeaderName, value: &'static str| {
        if !headers.contains_key(&name) {
            headers.insert(name, HeaderValue::from_static(value));
        }
    };
    default(header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    default(header::X_FRAME_OPTIONS, "DENY");
    default(header::REFERRER_POLICY, "no-referrer");
    if force_https {
        default(header::STRICT_TRANSPORT_SECURITY, HSTS);
    }
}

/// A service's security headers: the defaults, and no caching of anything
/// but the probes, since its answers carry business data.
pub async fn service_security_headers(
    request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let force_https = request.app_data::<web::Data<HttpSettings>>().is_some_and(|settings| settings.force_https);
    let private = !is_public_path(request.path());
    let mut response = next.call(request).await?;
    let headers = response.headers_mut();
    add_default_security_headers(headers, force_https);
    if private && !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    Ok(response)
}

/// CORS for the browser front ends listed in `ALLOWED_ORIGINS`, exactly.
pub fn cors(allowed_origins: &[String]) -> Cors {
    let allowed: Vec<String> = allowed_origins.to_vec();
    Cors::default()
        .allowed_origin_fn(move |origin, _| {
            origin.to_str().is_ok_and(|origin| allowed.iter().any(|allowed| allowed == origin))
        })
        .allow_any_method()
        .allowed_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::ACCEPT,
            API_KEY_HEADER,
            REQUEST_ID_HEADER,
        ])
        .expose_headers([REQUEST_ID_HEADER])
        .max_age(3600)
}
