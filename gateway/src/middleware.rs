//! The gateway's own security headers: the common defaults, plus no caching
//! of identity answers and content policies for its pages.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{Error, web};
use common::configuration::HttpSettings;
use common::http::security::add_default_security_headers;

/// The gateway's own pages (Swagger UI) load only their own scripts.
const PAGE_CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
                        img-src 'self' data:; connect-src 'self'; font-src 'self'; \
                        frame-ancestors 'none'; base-uri 'none'; form-action 'none'";
/// The admin page: no script at all, its one stylesheet, forms posting
/// back to itself only.
const ADMIN_CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self'; \
                         frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

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
    add_default_security_headers(headers, force_https);
    if private && !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    if let Some(policy) = page_policy {
        headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(policy));
    }
    Ok(response)
}
