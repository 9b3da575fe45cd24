//! Host allow-list, HTTPS enforcement and security headers.

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{Error, HttpResponse, web};
use common::configuration::HttpSettings;
use common::error::{ApiError, ErrorCode};
use common::http::{is_public_path, refuse};

/// The gateway's own pages (Swagger UI) load only their own scripts.
const PAGE_CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
                        img-src 'self' data:; connect-src 'self'; font-src 'self'; \
                        frame-ancestors 'none'; base-uri 'none'; form-action 'none'";
/// The admin page: no script at all, its one stylesheet, forms posting
/// back to itself only.
const ADMIN_CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self'; \
                         frame-ancestors 'none'; base-uri 'none'; form-action 'self'";
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

/// Adds the security headers an upstream did not set itself.
pub async fn security_headers(
    request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let force_https = request.app_data::<web::Data<HttpSettings>>().is_some_and(|settings| settings.force_https);
    // Tokens, passwords shown once, user data: nothing a cache should keep.
    let private = ["/auth/", "/api/users", "/api/keys", "/api/stats", "/erp/api/v1/auth/"]
        .iter()
        .any(|prefix| request.path().starts_with(prefix));
    let page_policy = if request.path().starts_with("/docs") {
        Some(PAGE_CSP)
    } else if request.path().starts_with("/admin") {
        Some(ADMIN_CSP)
    } else {
        None
    };
    let mut response = next.call(request).await?;
    let headers = response.headers_mut();
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
    if private {
        default(header::CACHE_CONTROL, "no-store");
    }
    if let Some(policy) = page_policy {
        headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(policy));
    }
    Ok(response)
}
