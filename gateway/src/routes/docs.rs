//! One OpenAPI document for the whole platform: the gateway's own
//! endpoints plus each upstream's document with its paths under the
//! upstream's prefix, exactly as clients call them through the gateway.

use std::time::Duration;

use actix_web::{HttpResponse, web};
use futures_util::future::join_all;
use serde_json::{Map, Value, json};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

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

pub async fn merged_openapi(state: web::Data<GatewayState>) -> HttpResponse {
    let mut document =
        serde_json::to_value(GatewayApi::openapi().merge_from(common::service::OperationalApi::openapi()))
            .unwrap_or_else(|_| json!({}));
    let fetches = state.upstreams.iter().map(|(name, upstream)| {
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
}
