//! The service deployed on its own, as the seed was: its `API_KEY` list,
//! CORS, hosts, HTTPS and security headers, with no gateway in front.

use reqwest::multipart::Form;
use serde_json::Value;

use crate::helpers::{TestApp, file, spawn_app_with};

async fn standalone_app(extra: &[(&str, &str)]) -> TestApp {
    let mut settings = vec![("OCR__STANDALONE__ENABLED", "true"), ("API_KEY", "first-key, second-key")];
    settings.extend_from_slice(extra);
    spawn_app_with(&settings).await
}

/// A form the route refuses after authentication: proof the caller got in.
fn not_a_bill() -> Form {
    Form::new().part("file", file("notes.pdf", b"plain text".to_vec(), "application/pdf"))
}

async fn post_with_key(app: &TestApp, key: Option<&str>) -> reqwest::Response {
    let mut request = app.client.post(format!("{}/v1/invoices/pdf", app.address)).multipart(not_a_bill());
    if let Some(key) = key {
        request = request.header("X-API-Key", key);
    }
    request.send().await.expect("request")
}

async fn code(response: reqwest::Response) -> String {
    let body: Value = response.json().await.expect("problem+json");
    body["code"].as_str().expect("code").to_owned()
}

#[tokio::test]
async fn any_configured_key_is_accepted_and_others_refused() {
    let app = standalone_app(&[]).await;
    let missing = post_with_key(&app, None).await;
    assert_eq!(missing.status(), 401);
    assert_eq!(code(missing).await, "missing_credentials");
    let wrong = post_with_key(&app, Some("first-ke")).await;
    assert_eq!(wrong.status(), 401);
    assert_eq!(code(wrong).await, "invalid_credentials");
    for key in ["first-key", "second-key"] {
        let accepted = post_with_key(&app, Some(key)).await;
        assert_eq!(accepted.status(), 400, "{key} reaches the route");
        assert_eq!(accepted.headers()["x-content-type-options"], "nosniff");
        assert_eq!(accepted.headers()["cache-control"], "no-store");
        assert_eq!(code(accepted).await, "unsupported_file");
    }
    assert_eq!(app.client.get(format!("{}/health", app.address)).send().await.expect("health").status(), 200);
}

#[tokio::test]
async fn behind_the_gateway_the_legacy_keys_open_nothing() {
    let app = spawn_app_with(&[("API_KEY", "first-key")]).await;
    let response = post_with_key(&app, Some("first-key")).await;
    assert_eq!(response.status(), 401);
    assert_eq!(code(response).await, "missing_identity");
}

#[tokio::test]
async fn cors_answers_the_listed_origins_only() {
    let app = standalone_app(&[("ALLOWED_ORIGINS", "https://app.exemple.com")]).await;
    let preflight = |origin: &'static str| {
        app.client
            .request(reqwest::Method::OPTIONS, format!("{}/v1/invoices/pdf", app.address))
            .header("Origin", origin)
            .header("Access-Control-Request-Method", "POST")
            .header("Access-Control-Request-Headers", "x-api-key")
            .send()
    };
    let allowed = preflight("https://app.exemple.com").await.expect("preflight");
    assert_eq!(allowed.status(), 200);
    assert_eq!(allowed.headers()["access-control-allow-origin"], "https://app.exemple.com");
    let other = preflight("https://evil.example").await.expect("preflight");
    assert!(other.headers().get("access-control-allow-origin").is_none());
}

#[tokio::test]
async fn hosts_and_https_are_enforced_with_hsts() {
    let app = standalone_app(&[("ALLOWED_HOSTS", "api.exemple.com"), ("FORCE_HTTPS", "true")]).await;
    let url = format!("{}/v1/invoices/pdf", app.address);
    let wrong_host = app.client.post(&url).header("Host", "evil.example").send().await.expect("request");
    assert_eq!(wrong_host.status(), 400);
    assert_eq!(code(wrong_host).await, "invalid_host");

    let no_redirects = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
    let plain = no_redirects.post(&url).header("Host", "api.exemple.com").send().await.expect("request");
    assert_eq!(plain.status(), 308);
    assert_eq!(plain.headers()["location"], "https://api.exemple.com/v1/invoices/pdf");

    let behind_tls = app
        .client
        .post(&url)
        .header("Host", "api.exemple.com")
        .header("X-Forwarded-Proto", "https")
        .header("X-API-Key", "second-key")
        .multipart(not_a_bill())
        .send()
        .await
        .expect("request");
    assert_eq!(behind_tls.status(), 400);
    assert!(behind_tls.headers()["strict-transport-security"].to_str().expect("ascii").starts_with("max-age="));
    let probe = app.client.get(format!("{}/health", app.address)).send().await.expect("health");
    assert_eq!(probe.status(), 200, "probes are exempt");
}
