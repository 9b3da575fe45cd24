//! One OpenAPI document for the whole platform: the gateway's own
//! endpoints plus each upstream's document with its paths under the
//! upstream's prefix, exactly as clients call them through the gateway.

use std::time::Duration;

use actix_web::http::header;
use actix_web::{HttpResponse, ResponseError, web};
use common::error::{ApiError, ErrorCode};
use common::http::is_public_path;
use common::http::openapi::{add_answers_before_handlers, add_problem_answers};
use futures_util::future::join_all;
use serde_json::{Map, Value, json};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_swagger_ui::{Config, SwaggerUi};

use crate::startup::GatewayState;

const FETCH_TIMEOUT: Duration = Duration::from_secs(3);

#[derive(OpenApi)]
#[openapi(
    info(title = "Platform API", description = "Factur-X, energy-invoice OCR, maintenance ERP and Check du Matin, behind one gateway."),
    paths(
        super::health::health,
        super::auth::login, super::auth::refresh, super::auth::logout, super::auth::me, super::auth::change_password,
        super::users::list, super::users::create, super::users::get, super::users::update, super::users::delete,
        super::users::reset_password,
        super::api_keys::list, super::api_keys::create, super::api_keys::get, super::api_keys::revoke,
        super::stats::stats,
    ),
    modifiers(&Credentials),
    security(("api_key" = []), ("bearer" = [])),
)]
struct GatewayApi;

struct Credentials;

impl Modify for Credentials {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components
            .add_security_scheme("api_key", SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::new("X-API-Key"))));
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).bearer_format("JWT").build()),
        );
    }
}

#[derive(serde::Deserialize)]
pub struct DocumentQuery {
    /// One service's part of the document (its paths under its prefix), as
    /// `/{service}/docs` shows it.
    service: Option<String>,
}

pub async fn merged_openapi(state: web::Data<GatewayState>, query: web::Query<DocumentQuery>) -> HttpResponse {
    let mut document =
        serde_json::to_value(GatewayApi::openapi().merge_from(common::service::OperationalApi::openapi()))
            .unwrap_or_else(|_| json!({}));
    add_answers_before_handlers(&mut document, is_public_path);
    if let Some(service) = &query.service {
        if !state.upstreams.contains_key(service) {
            let detail = format!("No service is named {service}.");
            return ApiError::new(ErrorCode::NotFound, detail).error_response();
        }
        document["paths"] = json!({});
    }
    let wanted = |name: &String| query.service.as_ref().is_none_or(|service| service == name);
    let fetches = state.upstreams.iter().filter(|(name, _)| wanted(name)).map(|(name, upstream)| {
        let client = state.client.clone();
        let url = format!("{}/openapi.json", upstream.url.trim_end_matches('/'));
        async move {
            let fetched = async { client.get(url).timeout(FETCH_TIMEOUT).send().await?.json::<Value>().await };
            (name.clone(), fetched.await.ok())
        }
    });
    for (service, upstream_document) in join_all(fetches).await {
        match upstream_document {
            Some(upstream_document) => merge_service(&mut document, &service, upstream_document),
            None => tracing::warn!(service, "upstream OpenAPI document unavailable; left out of /openapi.json"),
        }
    }
    HttpResponse::Ok().json(document)
}

/// Adds `service`'s paths under `/{service}` (its operational endpoints
/// excepted: they are not routed) and its schemas under `{service}_` names.
fn merge_service(document: &mut Value, service: &str, upstream: Value) {
    let schema_prefix = format!("{service}_");
    let rewritten =
        upstream.to_string().replace("#/components/schemas/", &format!("#/components/schemas/{schema_prefix}"));
    let Ok(upstream) = serde_json::from_str::<Value>(&rewritten) else {
        return;
    };
    if let Some(paths) = upstream.get("paths").and_then(Value::as_object) {
        let target = object_at(document, "paths");
        for (path, item) in paths {
            if matches!(path.as_str(), "/health" | "/ready" | "/metrics") {
                continue;
            }
            let mut item = item.clone();
            tag_operations(&mut item, service);
            add_gateway_answers(&mut item);
            target.insert(format!("/{service}{path}"), item);
        }
    }
    if let Some(schemas) = upstream.pointer("/components/schemas").and_then(Value::as_object) {
        let components = object_at(document, "components");
        let target = components.entry("schemas").or_insert_with(|| Value::Object(Map::new()));
        if let Some(target) = target.as_object_mut() {
            for (name, schema) in schemas {
                target.insert(format!("{schema_prefix}{name}"), schema.clone());
            }
        }
    }
}

fn object_at<'a>(document: &'a mut Value, key: &str) -> &'a mut Map<String, Value> {
    if !document[key].is_object() {
        document[key] = Value::Object(Map::new());
    }
    document[key].as_object_mut().expect("just made an object")
}

fn tag_operations(item: &mut Value, service: &str) {
    if let Some(operations) = item.as_object_mut() {
        for operation in operations.values_mut().filter(|op| op.is_object()) {
            if operation.get("tags").is_none() {
                operation["tags"] = json!([service]);
            }
        }
    }
}

/// What the gateway itself may answer for any proxied operation, before or
/// instead of the service (RFC 9457 problems).
const GATEWAY_ANSWERS: [(&str, &str); 6] = [
    ("401", "No credentials, or invalid ones (`missing_credentials`, `invalid_credentials`)"),
    ("403", "The credentials may not call this service (`insufficient_scope`, `password_change_required`)"),
    ("429", "Over the credential's rate (`rate_limited`), with Retry-After"),
    ("502", "The service gave an invalid answer (`bad_gateway`)"),
    ("503", "The service is unavailable (`upstream_unavailable`)"),
    ("504", "The service did not answer in time (`upstream_timeout`)"),
];

/// What the gateway may answer for an operation with a request body.
const GATEWAY_BODY_ANSWERS: [(&str, &str); 2] = [
    ("408", "The body arrived more slowly than `uploads.min_bytes_per_sec` (`request_timeout`)"),
    ("413", "The body is over the service's `max_body_bytes` (`payload_too_large`)"),
];

/// Adds the gateway's own answers to each operation of a proxied path,
/// where the service's document does not already describe that status.
fn add_gateway_answers(item: &mut Value) {
    let Some(operations) = item.as_object_mut() else { return };
    for operation in operations.values_mut().filter(|operation| operation.is_object()) {
        add_problem_answers(operation, &GATEWAY_ANSWERS);
        if operation.get("requestBody").is_some() {
            add_problem_answers(operation, &GATEWAY_BODY_ANSWERS);
        }
    }
}

/// `/docs/` (the whole platform) and `/{service}/docs/` (that service's
/// part), the Swagger UI served from the binary; without the final slash
/// they redirect. The seeds' `/redoc` leads to `/docs/`: ReDoc's bundle
/// is not part of the binary (it would have to be committed or fetched
/// from npm while building, and the pages must work offline).
pub fn routes(config: &mut web::ServiceConfig, services: &[String]) {
    config
        .route("/openapi.json", web::get().to(merged_openapi))
        .route("/redoc", web::get().to(|| std::future::ready(found("/docs/"))));
    let documents = std::iter::once(("/docs".to_owned(), "/openapi.json".to_owned()))
        .chain(services.iter().map(|name| (format!("/{name}/docs"), format!("/openapi.json?service={name}"))));
    for (page, document) in documents {
        let slashed = format!("{page}/");
        config
            .route(&page, web::get().to(move || std::future::ready(found(&slashed))))
            .service(SwaggerUi::new(format!("{page}/{{_:.*}}")).config(Config::new([document])));
    }
}

fn found(location: &str) -> HttpResponse {
    HttpResponse::Found().insert_header((header::LOCATION, location)).finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upstream_paths_land_under_their_prefix_with_their_schemas_renamed() {
        let mut document = json!({"paths": {"/health": {}}});
        let upstream = json!({
            "paths": {
                "/v1/convert": {"post": {"responses": {"200": {"content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/Invoice"}}}}}}},
                "/health": {"get": {}},
            },
            "components": {"schemas": {"Invoice": {"type": "object"}}},
        });
        merge_service(&mut document, "facturx", upstream);
        let convert = &document["paths"]["/facturx/v1/convert"]["post"];
        assert_eq!(convert["tags"], json!(["facturx"]));
        assert_eq!(
            convert["responses"]["200"]["content"]["application/json"]["schema"]["$ref"],
            "#/components/schemas/facturx_Invoice"
        );
        assert!(document["components"]["schemas"]["facturx_Invoice"].is_object());
        assert!(document["paths"].get("/facturx/health").is_none());
    }

    #[test]
    fn every_proxied_operation_lists_what_the_gateway_itself_answers() {
        let mut document = json!({"paths": {}});
        let upstream = json!({"paths": {
            "/v1/validate": {"post": {"requestBody": {}, "responses": {"200": {}, "503": {"description": "own"}}}},
            "/v1/profiles": {"get": {"responses": {"200": {}}}},
        }});
        merge_service(&mut document, "facturx", upstream);
        let validate = &document["paths"]["/facturx/v1/validate"]["post"]["responses"];
        for status in ["401", "403", "408", "413", "429", "502", "504"] {
            assert!(validate[status]["description"].is_string(), "{status}: {validate}");
        }
        assert_eq!(validate["503"]["description"], "own", "the service's own description stays");
        let profiles = &document["paths"]["/facturx/v1/profiles"]["get"]["responses"];
        assert!(profiles["429"].is_object() && profiles.get("413").is_none(), "{profiles}");
    }
}
