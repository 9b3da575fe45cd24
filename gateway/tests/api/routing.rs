use crate::helpers::{problem, spawn_app};
use serde_json::Value;

#[tokio::test]
async fn health_is_public_and_reports_each_upstream() {
    let app = spawn_app().await;
    let response = app.client.get(app.url("/health")).send().await.expect("request");
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["status"], "degraded");
    assert_eq!(body["upstreams"]["echo"]["status"], "up");
    assert_eq!(body["upstreams"]["down"]["status"], "down");
    for public in ["/ready", "/metrics", "/openapi.json", "/api/health", "/api/stats"] {
        let response = app.client.get(app.url(public)).send().await.expect("request");
        assert_eq!(response.status(), 200, "{public}");
    }
    // The users server's fields.
    let legacy: Value =
        app.client.get(app.url("/api/health")).send().await.expect("request").json().await.expect("json");
    assert!(chrono::DateTime::parse_from_rfc3339(legacy["timestamp"].as_str().expect("timestamp")).is_ok(), "{legacy}");
    assert!(legacy["service"].is_string() && legacy["status"].is_string(), "{legacy}");
}

#[tokio::test]
async fn the_path_and_query_after_the_prefix_reach_the_upstream_unchanged() {
    let app = spawn_app().await;
    let key = app.key("echo").await;
    let response = app.get_with_key("/echo/api/v1/documents/?page=2&q=caf%C3%A9%20noir", &key).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers().get("x-upstream").map(|v| v.as_bytes()), Some(&b"echo"[..]));
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["uri"], "/api/v1/documents/?page=2&q=caf%C3%A9%20noir");
}

#[tokio::test]
async fn the_upstream_receives_a_verifiable_identity_and_no_credentials() {
    let app = spawn_app().await;
    let key = app.key("echo").await;
    let response = app
        .client
        .post(app.url("/echo/anything"))
        .header("X-API-Key", &key)
        .header("X-Platform-Identity", "forged-by-the-client")
        .header("Authorization", "Basic c2VjcmV0")
        .send()
        .await
        .expect("request");
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["method"], "POST");
    assert_eq!(body["caller"]["kind"], "api_key");
    assert_eq!(body["caller"]["scopes"], serde_json::json!(["echo"]));
    let headers = &body["headers"];
    assert!(headers.get("x-api-key").is_none());
    assert!(headers.get("authorization").is_none());
    assert_ne!(headers["x-platform-identity"], "forged-by-the-client");
    assert_eq!(headers["x-forwarded-proto"], "http");
}

/// A heartbeat's token is its credential: the path is forwarded without
/// credentials, as an anonymous caller; no other path is.
#[tokio::test]
async fn public_paths_are_forwarded_without_credentials_as_an_anonymous_caller() {
    let app = spawn_app().await;
    let response = app.client.post(app.url("/checks/api/heartbeat/a1b2c3")).send().await.expect("request");
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["caller"]["kind"], "anonymous", "{body}");
    assert_eq!(body["uri"], "/api/heartbeat/a1b2c3");
    for path in ["/checks/api/heartbeat/", "/checks/api/heartbeat/a/b", "/checks/api/clients", "/erp/api/heartbeat/a1"]
    {
        let response = app.client.get(app.url(path)).send().await.expect("request");
        assert_eq!(response.status(), 401, "{path}");
    }
    let key = app.key("checks").await;
    let keyed = app.client.get(app.url("/checks/api/heartbeat/a1b2c3")).header("X-API-Key", &key).send().await;
    let body: Value = keyed.expect("request").json().await.expect("json");
    assert_eq!(body["caller"]["kind"], "api_key", "credentials, when sent, are used");
}

#[tokio::test]
async fn request_ids_are_generated_or_propagated_and_echoed() {
    let app = spawn_app().await;
    let key = app.key("*").await;
    let response = app
        .client
        .get(app.url("/echo/x"))
        .header("X-API-Key", &key)
        .header("X-Request-Id", "client-chosen-42")
        .header("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
        .send()
        .await
        .expect("request");
    assert_eq!(response.headers()["x-request-id"], "client-chosen-42");
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["headers"]["x-request-id"], "client-chosen-42");
    let traceparent = body["headers"]["traceparent"].as_str().expect("trace context forwarded");
    assert!(traceparent.contains("4bf92f3577b34da6a3ce929d0e0e4736"), "{traceparent}");

    let refused =
        app.client.get(app.url("/echo/x")).header("X-Request-Id", "bad id\twith tab").send().await.expect("request");
    let generated = refused.headers()["x-request-id"].to_str().expect("ascii").to_owned();
    assert_eq!(generated.len(), 36, "{generated}");
    assert_eq!(refused.status(), 401);
}

#[tokio::test]
async fn an_unknown_prefix_is_a_404_problem() {
    let app = spawn_app().await;
    let response = app.client.get(app.url("/nowhere/x")).send().await.expect("request");
    assert_eq!(response.status(), 404);
    assert_eq!(problem(response).await["code"], "not_found");
}

#[tokio::test]
async fn an_upstream_that_is_down_is_a_503_and_a_slow_one_a_504() {
    let app = spawn_app().await;
    let key = app.key("*").await;
    let down = app.get_with_key("/down/anything", &key).await;
    assert_eq!(down.status(), 503);
    assert_eq!(problem(down).await["code"], "upstream_unavailable");

    let slow = app.get_with_key("/echo/slow", &key).await;
    assert_eq!(slow.status(), 504);
    let body = problem(slow).await;
    assert_eq!(body["code"], "upstream_timeout");
    assert_eq!(body["status"], 504);
}

#[tokio::test]
async fn one_openapi_document_covers_the_gateway_and_its_upstreams_and_swagger_ui_is_served_offline() {
    let app = spawn_app().await;
    let document: Value =
        app.client.get(app.url("/openapi.json")).send().await.expect("request").json().await.expect("json");
    assert!(document["paths"]["/health"].is_object());
    assert!(document["paths"]["/echo/upload"]["post"].is_object());
    assert!(document["components"]["securitySchemes"]["api_key"].is_object());
    for (path, method) in [
        ("/auth/login", "post"),
        ("/api/users", "get"),
        ("/api/users/{id}", "patch"),
        ("/api/keys", "post"),
        ("/api/stats", "get"),
    ] {
        assert!(document["paths"][path][method].is_object(), "{method} {path}");
    }
    for schema in ["User", "UserCreation", "RolesDocument", "TokenPair", "CreatedKey", "Stats"] {
        assert!(document["components"]["schemas"][schema].is_object(), "{schema}");
    }

    let page = app.client.get(app.url("/docs/")).send().await.expect("request");
    assert_eq!(page.status(), 200);
    let csp = page.headers()["content-security-policy"].to_str().expect("ascii").to_owned();
    assert!(csp.contains("default-src 'none'"), "{csp}");
    let html = page.text().await.expect("html");
    assert!(html.contains("swagger-ui"), "{html}");
    let script = app.client.get(app.url("/docs/swagger-ui-bundle.js")).send().await.expect("request");
    assert_eq!(script.status(), 200);

    // The seeds' paths: /docs, and each service's own page, without a key.
    let no_redirects = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
    for (path, target) in [("/docs", "/docs/"), ("/echo/docs", "/echo/docs/"), ("/redoc", "/docs/")] {
        let moved = no_redirects.get(app.url(path)).send().await.expect("request");
        assert_eq!(moved.status(), 302, "{path}");
        assert_eq!(moved.headers()["location"], target, "{path}");
    }
    let page = app.client.get(app.url("/echo/docs/")).send().await.expect("request");
    assert_eq!(page.status(), 200);
    let initializer = app
        .client
        .get(app.url("/echo/docs/swagger-initializer.js"))
        .send()
        .await
        .expect("request")
        .text()
        .await
        .expect("js");
    assert!(initializer.contains("/openapi.json?service=echo"), "{initializer}");
    let one: Value = app
        .client
        .get(app.url("/openapi.json?service=echo"))
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json");
    let paths: Vec<&String> = one["paths"].as_object().expect("paths").keys().collect();
    assert!(!paths.is_empty() && paths.iter().all(|path| path.starts_with("/echo/")), "{paths:?}");
    let unknown = app.client.get(app.url("/openapi.json?service=nope")).send().await.expect("request");
    assert_eq!(unknown.status(), 404);
}

#[tokio::test]
async fn metrics_count_requests_per_route_and_status() {
    let app = spawn_app().await;
    let key = app.key("echo").await;
    app.get_with_key("/echo/a", &key).await;
    app.get_with_key("/echo/b", &key).await;
    let metrics = app.client.get(app.url("/metrics")).send().await.expect("request").text().await.expect("text");
    assert!(
        metrics
            .contains(r#"http_requests_total{method="GET",route="/echo/{tail:.*}",service="gateway",status="200"} 2"#),
        "{metrics}"
    );
    assert!(metrics.contains("http_request_duration_seconds_bucket"));
}
