use crate::helpers::{Options, problem, spawn_app, spawn_app_with};

#[tokio::test]
async fn responses_carry_security_headers() {
    let app = spawn_app().await;
    let key = app.key("echo").await;
    let response = app.get_with_key("/echo/x", &key).await;
    assert_eq!(response.headers()["x-content-type-options"], "nosniff");
    assert_eq!(response.headers()["x-frame-options"], "DENY");
    assert_eq!(response.headers()["referrer-policy"], "no-referrer");
    assert!(!response.headers().contains_key("strict-transport-security"));
}

#[tokio::test]
async fn cors_answers_allowed_origins_only() {
    let app = spawn_app_with(Options { allowed_origins: vec!["https://app.exemple.com"], ..Options::default() }).await;
    let preflight = |origin: &'static str| {
        app.client
            .request(reqwest::Method::OPTIONS, app.url("/echo/x"))
            .header("Origin", origin)
            .header("Access-Control-Request-Method", "POST")
            .header("Access-Control-Request-Headers", "x-api-key")
            .send()
    };
    let allowed = preflight("https://app.exemple.com").await.expect("request");
    assert_eq!(allowed.status(), 200);
    assert_eq!(allowed.headers()["access-control-allow-origin"], "https://app.exemple.com");
    let refused = preflight("https://evil.example").await.expect("request");
    assert!(!refused.headers().contains_key("access-control-allow-origin"));
}

#[tokio::test]
async fn forced_https_redirects_plain_requests_and_sets_hsts() {
    let app = spawn_app_with(Options { force_https: true, ..Options::default() }).await;
    let plain = app.client.get(app.url("/echo/x?a=1")).send().await.expect("request");
    assert_eq!(plain.status(), 308);
    assert!(plain.headers()["location"].to_str().expect("ascii").starts_with("https://"));
    assert!(plain.headers()["location"].to_str().expect("ascii").ends_with("/echo/x?a=1"));
    assert!(plain.headers().contains_key("strict-transport-security"));

    let key = app.key("echo").await;
    let proxied = app
        .client
        .get(app.url("/echo/x"))
        .header("X-API-Key", key)
        .header("X-Forwarded-Proto", "https")
        .send()
        .await
        .expect("request");
    assert_eq!(proxied.status(), 200);
    // Probes keep working over plain HTTP.
    assert_eq!(app.client.get(app.url("/health")).send().await.expect("request").status(), 200);
}

#[tokio::test]
async fn hosts_outside_the_allow_list_are_refused() {
    let app = spawn_app_with(Options { allowed_hosts: vec!["api.exemple.com"], ..Options::default() }).await;
    let wrong = app.client.get(app.url("/echo/x")).send().await.expect("request");
    assert_eq!(wrong.status(), 400);
    assert_eq!(problem(wrong).await["code"], "invalid_host");
    let right = app.client.get(app.url("/echo/x")).header("Host", "api.exemple.com").send().await.expect("request");
    assert_eq!(right.status(), 401);
}
