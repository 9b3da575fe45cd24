//! `/{service}/{path}` → `{upstream}/{path}`, unchanged but for the
//! credentials, which are replaced by a signed identity for the upstream.
//! Bodies stream through in both directions.
//!
//! A service's pages (`/{service}/ui/...`) are also reached by browsers
//! with the session of the admin page's sign-in: without it they are sent
//! to sign in first, and since a browser attaches cookies to whatever a
//! page of another site makes it send, only requests the browser marks as
//! same-origin may change anything.

use std::io;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use actix_web::body::{BodyStream, SizedStream};
use actix_web::http::ConnectionType;
use actix_web::http::header::{AUTHORIZATION, HeaderMap, HeaderName, HeaderValue, LOCATION};
use actix_web::http::{Method, StatusCode};
use actix_web::{HttpRequest, HttpResponse, ResponseError, web};
use bytes::Bytes;
use common::error::{ApiError, ErrorCode};
use common::http::request_id::{REQUEST_ID_HEADER, request_id_of};
use common::http::upload::{declared_length, has_body};
use common::identity::IDENTITY_HEADER;
use common::telemetry;
use futures_util::{StreamExt, TryStreamExt};
use tokio::sync::mpsc;

use crate::auth::{API_KEY_HEADER, Authenticated};
use crate::configuration::UploadSettings;
use crate::routes::admin;
use crate::startup::GatewayState;

/// Headers that describe one hop, not the message (RFC 9110 §7.6.1), plus
/// the ones the gateway sets itself.
fn is_not_forwarded(name: &str) -> bool {
    matches!(
        name,
        "connection"
            | "keep-alive"
            | "proxy-authenticate"
            | "proxy-authorization"
            | "proxy-connection"
            | "te"
            | "trailer"
            | "transfer-encoding"
            | "upgrade"
            | "host"
            | "content-length"
            | "authorization"
            | "x-api-key"
            // The gateway's session cookies are credentials too.
            | "cookie"
            | "x-platform-identity"
            | "x-request-id"
            | "traceparent"
            | "tracestate"
            | "forwarded"
            | "x-forwarded-for"
            | "x-forwarded-host"
            | "x-forwarded-proto"
    )
}

/// The upstream a route leads to.
struct RoutedService(String);

/// One resource per upstream, so metrics and traces name the service.
pub fn routes(config: &mut web::ServiceConfig, upstreams: &[String]) {
    for name in upstreams {
        config.service(
            web::resource([format!("/{name}/{{tail:.*}}"), format!("/{name}")])
                .app_data(web::Data::new(RoutedService(name.clone())))
                .to(forward),
        );
    }
}

async fn forward(
    request: HttpRequest,
    payload: web::Payload,
    state: web::Data<GatewayState>,
    routed: web::Data<RoutedService>,
) -> Result<HttpResponse, ApiError> {
    let service = routed.0.as_str();
    let upstream = state
        .upstreams
        .get(service)
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("route to {service} without an upstream")))?;
    let browser_page = is_page(&request, service) && !carries_credentials(request.headers());
    let public = !carries_credentials(request.headers()) && upstream.is_public(service_path(&request, service));
    let (authenticated, renewed) = if public {
        (Authenticated::anonymous(&state.identity.throttle.client_address(&request)), None)
    } else if browser_page {
        let Some(visit) = admin::visit(&request, &state).await else {
            return Ok(sign_in_first(&request));
        };
        // A temporary password is changed on the sign-in pages, which then
        // come back here.
        if visit.caller.claims().is_some_and(|claims| claims.password_change_required) {
            return Ok(sign_in_first(&request));
        }
        if !is_safe(request.method()) && !same_origin(&request) {
            return Err(ApiError::new(ErrorCode::Forbidden, "This form was not sent from this site's own pages."));
        }
        (visit.caller, visit.renewed)
    } else {
        (state.authenticator.authenticate(request.headers()).await?, None)
    };
    if !public {
        authenticated.authorize(service)?;
    }
    state.rate_limiter.check(&authenticated.rate_limit_key)?;

    let limit = upstream.max_body_bytes;
    let declared = declared_length(request.headers());
    if declared.is_some_and(|length| length > limit) {
        return Ok(closing(&too_large(limit)));
    }

    let identity = state.internal_key.sign(&authenticated.caller, service)?;
    let url = upstream_url(&upstream.url, &request, service);
    let method = reqwest::Method::from_bytes(request.method().as_str().as_bytes())
        .map_err(|_| ApiError::new(ErrorCode::MethodNotAllowed, "Unsupported method."))?;
    let mut headers = forwarded_headers(request.headers());
    add_gateway_headers(&mut headers, &request, &identity);
    // The service reserves its upload budget by the declared length: without
    // it, every body would reserve the whole budget and uploads would queue.
    if let Some(length) = declared.filter(|_| has_body(request.headers())) {
        headers.insert(reqwest::header::CONTENT_LENGTH, length.into());
    }

    let body = Arc::new(Mutex::new(BodyState::Reading));
    let mut outgoing = state.client.request(method, url).headers(headers).timeout(upstream.timeout());
    if has_body(request.headers()) {
        outgoing = outgoing.body(stream_body(payload, limit, state.uploads, Arc::clone(&body)));
    }
    let body_state = || *body.lock().unwrap_or_else(PoisonError::into_inner);

    let response = match outgoing.send().await {
        Ok(response) => response,
        Err(error) => {
            return match body_state() {
                BodyState::Cut(BodyCut::TooLarge) => Ok(closing(&too_large(limit))),
                BodyState::Cut(BodyCut::TooSlow) => Ok(closing(&too_slow(state.uploads))),
                _ => Err(upstream_error(service, &error)),
            };
        }
    };
    // A service refusing a body before its end (413): the rest of it is not
    // read, the connection is closed.
    let unread = has_body(request.headers()) && body_state() != BodyState::Finished;
    let refused = response.status().is_client_error() || response.status().is_server_error();
    let mut relayed = relay_response(response);
    if unread && refused {
        *body.lock().unwrap_or_else(PoisonError::into_inner) = BodyState::Abandoned;
        relayed.head_mut().set_connection_type(ConnectionType::Close);
    }
    if let Some(pair) = &renewed {
        admin::store_tokens(&request, &mut relayed, pair);
    }
    Ok(relayed)
}

/// The path after `/{service}`.
fn service_path<'a>(request: &'a HttpRequest, service: &str) -> &'a str {
    request.uri().path().get(1 + service.len()..).unwrap_or_default()
}

fn is_page(request: &HttpRequest, service: &str) -> bool {
    let rest = service_path(request, service);
    rest == "/ui" || rest.starts_with("/ui/")
}

fn carries_credentials(headers: &HeaderMap) -> bool {
    headers.contains_key(&API_KEY_HEADER) || headers.contains_key(AUTHORIZATION)
}

fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Browsers say where a request comes from: `Sec-Fetch-Site`, or for older
/// ones `Origin`, which must then name this gateway.
fn same_origin(request: &HttpRequest) -> bool {
    let header = |name: &str| request.headers().get(name).and_then(|value| value.to_str().ok());
    if let Some(site) = header("sec-fetch-site") {
        return site == "same-origin";
    }
    let info = request.connection_info();
    header("origin").is_some_and(|origin| origin == format!("{}://{}", info.scheme(), info.host()))
}

/// A page asked for without a usable session: the sign-in form (or the
/// choice of a new password), then back here.
fn sign_in_first(request: &HttpRequest) -> HttpResponse {
    let here = match request.uri().query() {
        Some(query) => format!("{}?{query}", request.uri().path()),
        None => request.uri().path().to_owned(),
    };
    let location = match serde_urlencoded::to_string([("next", here.as_str())]) {
        Ok(query) if is_safe(request.method()) => format!("/admin/?{query}"),
        _ => "/admin/".to_owned(),
    };
    HttpResponse::SeeOther().insert_header((LOCATION, location)).finish()
}

fn too_large(limit: u64) -> ApiError {
    ApiError::new(
        ErrorCode::PayloadTooLarge,
        format!("The request body exceeds the {limit} bytes this service accepts."),
    )
}

/// The answer to a body refused before its end, closing the connection:
/// otherwise the rest of the body would still be read, to the last byte.
fn closing(error: &ApiError) -> HttpResponse {
    let mut response = error.error_response();
    response.head_mut().set_connection_type(ConnectionType::Close);
    response
}

fn too_slow(uploads: UploadSettings) -> ApiError {
    ApiError::new(
        ErrorCode::RequestTimeout,
        format!("The request body arrived more slowly than {} bytes per second.", uploads.min_bytes_per_sec),
    )
}

fn upstream_error(service: &str, error: &reqwest::Error) -> ApiError {
    tracing::warn!(service, error = %error, "upstream request failed");
    if error.is_timeout() {
        ApiError::new(ErrorCode::UpstreamTimeout, format!("{service} did not answer in time."))
    } else if error.is_connect() {
        ApiError::new(ErrorCode::UpstreamUnavailable, format!("{service} is unavailable."))
    } else {
        ApiError::new(ErrorCode::BadGateway, format!("{service} gave an invalid answer."))
    }
}

/// The raw path after `/{service}`, so percent-encoding reaches the upstream
/// exactly as the client sent it.
fn upstream_url(base: &str, request: &HttpRequest, service: &str) -> String {
    let rest = Some(service_path(request, service)).filter(|rest| !rest.is_empty()).unwrap_or("/");
    match request.uri().query() {
        Some(query) => format!("{}{rest}?{query}", base.trim_end_matches('/')),
        None => format!("{}{rest}", base.trim_end_matches('/')),
    }
}

fn forwarded_headers(incoming: &HeaderMap) -> reqwest::header::HeaderMap {
    let mut outgoing = reqwest::header::HeaderMap::with_capacity(incoming.len() + 6);
    for (name, value) in incoming {
        if is_not_forwarded(name.as_str()) {
            continue;
        }
        if let (Ok(name), Ok(value)) = (
            reqwest::header::HeaderName::from_bytes(name.as_str().as_bytes()),
            reqwest::header::HeaderValue::from_bytes(value.as_bytes()),
        ) {
            outgoing.append(name, value);
        }
    }
    outgoing
}

fn add_gateway_headers(headers: &mut reqwest::header::HeaderMap, request: &HttpRequest, identity: &str) {
    let info = request.connection_info();
    let mut set = |name: &str, value: &str| {
        if let (Ok(name), Ok(value)) =
            (reqwest::header::HeaderName::from_bytes(name.as_bytes()), reqwest::header::HeaderValue::from_str(value))
        {
            headers.insert(name, value);
        }
    };
    set(IDENTITY_HEADER.as_str(), identity);
    if let Some(id) = request_id_of(request) {
        set(REQUEST_ID_HEADER.as_str(), id.as_str());
    }
    if let Some(peer) = info.peer_addr() {
        set("x-forwarded-for", peer);
    }
    set("x-forwarded-proto", info.scheme());
    set("x-forwarded-host", info.host());
    drop(info);
    telemetry::inject_http(headers);
}

/// How far the client's body has been read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BodyState {
    Reading,
    Finished,
    Cut(BodyCut),
    /// The service answered without the rest: stop reading it.
    Abandoned,
}

/// Why a client's body was cut off before its end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BodyCut {
    TooLarge,
    TooSlow,
}

/// Pipes the client's body to the upstream chunk by chunk, counting bytes:
/// a body that turns out larger than `limit` (chunked, or lying about its
/// length) is cut off and reported as 413; one that arrives more slowly
/// than `uploads` allows, as 408.
fn stream_body(
    mut payload: web::Payload,
    limit: u64,
    uploads: UploadSettings,
    state: Arc<Mutex<BodyState>>,
) -> reqwest::Body {
    let (sender, mut receiver) = mpsc::channel::<io::Result<Bytes>>(4);
    let started = tokio::time::Instant::now();
    let grace = Duration::from_secs_f64(uploads.grace_secs.max(0.0));
    let rate = uploads.min_bytes_per_sec.max(1) as f64;
    // The payload belongs to this worker's thread; the upstream client may
    // poll the body from anywhere, hence the channel in between.
    actix_web::rt::spawn(async move {
        let mut received: u64 = 0;
        // Time spent waiting for the service to take a chunk is the
        // service's, not the client's: it does not count against the rate.
        let mut held_by_service = Duration::ZERO;
        let stop_with = |reason: BodyCut, message: &str| {
            *state.lock().unwrap_or_else(PoisonError::into_inner) = BodyState::Cut(reason);
            Err(io::Error::other(message.to_owned()))
        };
        loop {
            // The next byte is due when the average would fall below the rate.
            let due = started + held_by_service + grace.max(Duration::from_secs_f64((received + 1) as f64 / rate));
            let chunk = match tokio::time::timeout_at(due, payload.next()).await {
                _ if *state.lock().unwrap_or_else(PoisonError::into_inner) == BodyState::Abandoned => return,
                Ok(Some(chunk)) => chunk,
                Ok(None) => {
                    *state.lock().unwrap_or_else(PoisonError::into_inner) = BodyState::Finished;
                    return;
                }
                Err(_) => {
                    let _ = sender.send(stop_with(BodyCut::TooSlow, "request body too slow")).await;
                    return;
                }
            };
            let message = match chunk {
                Ok(bytes) => {
                    received += bytes.len() as u64;
                    if received > limit { stop_with(BodyCut::TooLarge, "request body too large") } else { Ok(bytes) }
                }
                Err(error) => Err(io::Error::other(error.to_string())),
            };
            let stop = message.is_err();
            let handed_at = tokio::time::Instant::now();
            if sender.send(message).await.is_err() || stop {
                return;
            }
            held_by_service += handed_at.elapsed();
        }
    });
    reqwest::Body::wrap_stream(futures_util::stream::poll_fn(move |context| receiver.poll_recv(context)))
}

fn relay_response(response: reqwest::Response) -> HttpResponse {
    let status = StatusCode::from_u16(response.status().as_u16()).unwrap_or(StatusCode::BAD_GATEWAY);
    let mut relayed = HttpResponse::build(status);
    for (name, value) in response.headers() {
        if is_not_forwarded(name.as_str()) {
            continue;
        }
        if let (Ok(name), Ok(value)) =
            (HeaderName::from_bytes(name.as_str().as_bytes()), HeaderValue::from_bytes(value.as_bytes()))
        {
            relayed.append_header((name, value));
        }
    }
    let length = response.content_length();
    let body = response.bytes_stream().map_err(io::Error::other);
    match length {
        Some(length) => relayed.body(SizedStream::new(length, body)),
        None => relayed.body(BodyStream::new(body)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    #[test]
    fn the_path_after_the_prefix_reaches_the_upstream_unchanged() {
        let request = TestRequest::with_uri("/erp/api/v1/documents/?page=2&q=a%20b").to_http_request();
        assert_eq!(
            upstream_url("http://erp:8003/", &request, "erp"),
            "http://erp:8003/api/v1/documents/?page=2&q=a%20b"
        );
        let bare = TestRequest::with_uri("/erp").to_http_request();
        assert_eq!(upstream_url("http://erp:8003", &bare, "erp"), "http://erp:8003/");
    }

    #[test]
    fn credentials_and_hop_headers_are_not_forwarded() {
        let request = TestRequest::default()
            .insert_header(("x-api-key", "secret"))
            .insert_header(("authorization", "Bearer t"))
            .insert_header(("x-platform-identity", "forged"))
            .insert_header(("connection", "close"))
            .insert_header(("accept", "application/json"))
            .to_http_request();
        let forwarded = forwarded_headers(request.headers());
        assert_eq!(forwarded.len(), 1);
        assert_eq!(forwarded.get("accept").and_then(|v| v.to_str().ok()), Some("application/json"));
    }
}
