use futures_util::stream;

use crate::helpers::{Options, TestApp, UPSTREAM_BODY_LIMIT, problem, spawn_app, spawn_app_with};

/// A chunked upload (no Content-Length), as a client streaming a file.
async fn upload_in_chunks(app: &TestApp, key: &str, chunks: usize, chunk_size: usize) -> reqwest::Response {
    let chunks = (0..chunks).map(move |_| Ok::<_, std::io::Error>(vec![b'x'; chunk_size]));
    app.client
        .post(app.url("/echo/upload"))
        .header("X-API-Key", key)
        .body(reqwest::Body::wrap_stream(stream::iter(chunks)))
        .send()
        .await
        .expect("request")
}

#[tokio::test]
async fn a_credential_past_its_rate_gets_429_with_retry_after_and_others_do_not() {
    let app = spawn_app_with(Options { per_second: 1, burst: 3, ..Options::default() }).await;
    let busy = app.key("echo").await;
    let quiet = app.key("echo").await;
    for _ in 0..3 {
        assert_eq!(app.get_with_key("/echo/x", &busy).await.status(), 200);
    }
    let limited = app.get_with_key("/echo/x", &busy).await;
    assert_eq!(limited.status(), 429);
    let retry_after: u64 = limited.headers()["retry-after"].to_str().expect("ascii").parse().expect("seconds");
    assert!((1..=2).contains(&retry_after), "{retry_after}");
    assert_eq!(problem(limited).await["code"], "rate_limited");
    assert_eq!(app.get_with_key("/echo/x", &quiet).await.status(), 200);
}

#[tokio::test]
async fn a_body_within_the_limit_streams_through() {
    let app = spawn_app().await;
    let key = app.key("echo").await;
    let response = upload_in_chunks(&app, &key, 2, 500).await;
    assert_eq!(response.status(), 200);
    let body: serde_json::Value = response.json().await.expect("json");
    assert_eq!(body["received"], 1000);
}

#[tokio::test]
async fn a_declared_body_over_the_limit_is_refused_before_it_is_read() {
    let app = spawn_app().await;
    let key = app.key("echo").await;
    let response = app
        .client
        .post(app.url("/echo/upload"))
        .header("X-API-Key", &key)
        .body(vec![0_u8; usize::try_from(UPSTREAM_BODY_LIMIT).expect("small") + 1])
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 413);
    assert_eq!(problem(response).await["code"], "payload_too_large");
}

/// The service reserves its upload budget by the declared length, so the
/// gateway passes it on instead of re-chunking the body.
#[tokio::test]
async fn a_declared_length_reaches_the_service() {
    let app = spawn_app().await;
    let key = app.key("echo").await;
    let response = app
        .client
        .post(app.url("/echo/x"))
        .header("X-API-Key", &key)
        .body(vec![b'x'; 1000])
        .send()
        .await
        .expect("sent");
    let echoed: serde_json::Value = response.json().await.expect("json");
    assert_eq!(echoed["headers"]["content-length"], "1000", "{echoed}");
    assert!(echoed["headers"].get("transfer-encoding").is_none(), "{echoed}");
}

#[tokio::test]
async fn a_body_sent_more_slowly_than_the_minimum_rate_is_cut_with_408() {
    let app = spawn_app_with(Options { uploads: Some((16_384, 0.3)), ..Options::default() }).await;
    let key = app.key("echo").await;
    // 10 bytes every 200 ms: 50 bytes/s, for 10 s if nobody stops it.
    let trickle = stream::unfold(0, |sent| async move {
        (sent < 50).then_some(())?;
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        Some((Ok::<_, std::io::Error>(vec![b'x'; 10]), sent + 1))
    });
    let started = std::time::Instant::now();
    let response = app
        .client
        .post(app.url("/echo/upload"))
        .header("X-API-Key", &key)
        .body(reqwest::Body::wrap_stream(trickle))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 408);
    assert!(started.elapsed() < std::time::Duration::from_secs(5), "{:?}", started.elapsed());
    assert_eq!(problem(response).await["code"], "request_timeout");
    // A body at speed is not affected.
    assert_eq!(upload_in_chunks(&app, &key, 2, 500).await.status(), 200);
}

#[tokio::test]
async fn a_chunked_body_growing_over_the_limit_is_cut_off_with_413() {
    let app = spawn_app().await;
    let key = app.key("echo").await;
    let response = upload_in_chunks(&app, &key, 8, 400).await;
    assert_eq!(response.status(), 413);
}
