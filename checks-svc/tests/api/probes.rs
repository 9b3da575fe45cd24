use actix_web::{App, HttpResponse, HttpServer, web};
use reqwest::Method;
use serde_json::{Value, json};

use secrecy::ExposeSecret;

use crate::helpers::{TestApp, Who, spawn_app, spawn_app_on_with, spawn_app_with};

/// A client's system as probes see it: a health endpoint, a failing one, a
/// slow one.
fn start_target() -> u16 {
    let server = HttpServer::new(|| {
        App::new()
            .route(
                "/health",
                web::get().to(|| async { HttpResponse::Ok().json(json!({"status": "up", "version": "2.4"})) }),
            )
            .route("/down", web::get().to(|| async { HttpResponse::ServiceUnavailable().body("maintenance") }))
            .route(
                "/slow",
                web::get().to(|| async {
                    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
                    HttpResponse::Ok().body("ok")
                }),
            )
    })
    .workers(1)
    .bind(("127.0.0.1", 0))
    .expect("bind");
    let port = server.addrs()[0].port();
    tokio::spawn(server.run());
    port
}

async fn service_with_probe(app: &TestApp, category: i64, label: &str, probe: Value) -> i64 {
    app.create(&format!("/api/categories/{category}/services"), json!({"label": label, "probe": probe})).await
}

async fn probe(app: &TestApp, service: i64) -> Value {
    app.call(Method::POST, &format!("/api/services/{service}/probe"), Who::Admin, None).await.json().await.unwrap()
}

#[tokio::test]
async fn http_tcp_and_dns_probes_report_what_they_see() {
    let app = spawn_app().await;
    let port = start_target();
    let client = app.create_client("acme", "08:00").await;
    let category = app.create(&format!("/api/clients/{client}/categories"), json!({"label": "Supervision"})).await;
    let base = format!("http://127.0.0.1:{port}");
    let cases = [
        (
            json!({"kind": "http", "url": format!("{base}/health"), "json_pointer": "/status", "json_equals": "up"}),
            "success",
            "HTTP 200",
        ),
        (
            json!({"kind": "http", "url": format!("{base}/health"), "keyword": "\"version\":\"2.4\""}),
            "success",
            "HTTP 200",
        ),
        (
            json!({"kind": "http", "url": format!("{base}/health"), "json_pointer": "/status", "json_equals": "down"}),
            "error",
            "/status vaut \"up\"",
        ),
        (json!({"kind": "http", "url": format!("{base}/down")}), "error", "HTTP 503"),
        (
            json!({"kind": "http", "url": format!("{base}/down"), "expected_status": [503], "keyword": "maintenance"}),
            "success",
            "HTTP 503",
        ),
        (json!({"kind": "http", "url": format!("{base}/slow"), "warn_latency_ms": 100}), "warning", "lent"),
        (json!({"kind": "tcp", "host": "127.0.0.1", "port": port}), "success", "accepte les connexions"),
        (
            json!({"kind": "tcp", "host": "127.0.0.1", "port": common::testing::free_port()}),
            "error",
            "connexion refusée",
        ),
        (
            json!({"kind": "dns", "name": "localhost", "expected_address": "127.0.0.1"}),
            "success",
            "se résout en 127.0.0.1",
        ),
        (json!({"kind": "dns", "name": "does-not-exist.invalid"}), "error", "ne se résout pas"),
    ];
    for (index, (spec, status, detail)) in cases.into_iter().enumerate() {
        let service = service_with_probe(&app, category, &format!("probe {index}"), spec.clone()).await;
        let result = probe(&app, service).await;
        assert_eq!(result["status"], status, "{spec}: {result}");
        assert!(result["detail"].as_str().unwrap().contains(detail), "{spec}: {result}");
    }
    let metrics = app.client.get(format!("{}/metrics", app.address)).send().await.unwrap().text().await.unwrap();
    assert!(metrics.contains("checks_probe_results_total{kind=\"http\",status=\"success\"} 3"), "{metrics}");
    assert!(metrics.contains("checks_probe_results_total{kind=\"tcp\",status=\"error\"} 1"), "{metrics}");
}

#[tokio::test]
async fn probes_prefill_the_days_check_until_an_operator_decides() {
    let app = spawn_app().await;
    let port = start_target();
    let client = app.create_client("acme", "00:00").await;
    let category = app.create(&format!("/api/clients/{client}/categories"), json!({"label": "Web"})).await;
    let site = service_with_probe(
        &app,
        category,
        "Site",
        json!({"kind": "http", "url": format!("http://127.0.0.1:{port}/down")}),
    )
    .await;
    let components = app.components().await;
    // A weekday's check, whatever day the test runs, probed at 23:30 UTC:
    // already the check's day in Paris, and the next day's date in UTC.
    let mut now = chrono::Utc::now().date_naive().and_hms_opt(23, 30, 0).unwrap().and_utc();
    while !components.scheduler.is_working_day(components.scheduler.today(now)).await.unwrap() {
        now += chrono::Duration::days(1);
    }
    components.scheduler.tick(now).await.unwrap();
    let date = components.scheduler.today(now).format("%Y-%m-%d").to_string();
    let check_id = app.checks_of(&date).await[0]["id"].as_i64().unwrap();

    components.prober.probe_service(site, now).await.unwrap();
    let check = app.get_json(&format!("/api/checks/{check_id}"), Who::Admin).await;
    let prefilled = check["services"].as_array().unwrap().iter().find(|s| s["service_id"] == site).unwrap().clone();
    assert_eq!(prefilled["status"], "error");
    assert_eq!(prefilled["status_source"], "probe");
    assert_eq!(prefilled["probe_detail"], "HTTP 503");

    // The operator confirms it works after all; later probes leave their verdict alone.
    let id = prefilled["id"].as_i64().unwrap();
    let confirm = app
        .call(
            Method::PUT,
            &format!("/api/checks/{check_id}/services/{id}"),
            Who::Admin,
            Some(json!({"status": "success", "comment": "faux positif"})),
        )
        .await;
    assert_eq!(confirm.status(), 200);
    components.prober.probe_service(site, now).await.unwrap();
    let check = app.get_json(&format!("/api/checks/{check_id}"), Who::Admin).await;
    let kept = check["services"].as_array().unwrap().iter().find(|s| s["service_id"] == site).unwrap().clone();
    assert_eq!(kept["status"], "success");

    // The probe's results are in the client's history, on the check's day,
    // raw and then once folded into the daily aggregates.
    let history_url = format!("/api/clients/{client}/history?from={date}&to={date}");
    let history = app.get_json(&history_url, Who::Admin).await;
    assert_eq!(history["services"][0]["days"][0]["date"], date.as_str(), "{history}");
    assert_eq!(history["services"][0]["days"][0]["runs"], 2, "{history}");
    assert_eq!(history["services"][0]["days"][0]["failures"], 2, "{history}");
    components.scheduler.purge(now + chrono::Duration::days(30), 400).await.unwrap();
    assert_eq!(app.get_json(&history_url, Who::Admin).await, history);
}

#[tokio::test]
async fn heartbeats_say_whether_last_nights_backup_reported_in() {
    let app = spawn_app().await;
    let client = app.create_client("acme", "08:00").await;
    let category = app.create(&format!("/api/clients/{client}/categories"), json!({"label": "Sauvegardes"})).await;
    let backup = service_with_probe(
        &app,
        category,
        "Backup nuit",
        json!({"kind": "heartbeat", "period_secs": 86400, "grace_secs": 3600}),
    )
    .await;
    let view = app.get_json(&format!("/api/clients/{client}"), Who::Admin).await;
    let url = view["categories"][1]["services"][0]["heartbeat_url"].as_str().unwrap().to_owned();
    let path = url.strip_prefix("/checks").expect("behind the gateway's prefix");

    assert_eq!(probe(&app, backup).await["status"], "error");
    // The backup job holds no key: its token is the credential.
    assert_eq!(app.call(Method::POST, path, Who::Anonymous, None).await.status(), 204);
    let result = probe(&app, backup).await;
    assert_eq!(result["status"], "success", "{result}");
    assert_eq!(app.call(Method::GET, path, Who::Anonymous, None).await.status(), 204);
    assert_eq!(app.call(Method::POST, "/api/heartbeat/not-a-token", Who::Anonymous, None).await.status(), 404);
    // Nothing else opens without credentials.
    let refused = app.call(Method::GET, &format!("/api/clients/{client}"), Who::Anonymous, None).await;
    assert_eq!(refused.status(), 401);
}

#[tokio::test]
async fn maintenance_windows_silence_probes_and_bad_probes_are_refused() {
    let app = spawn_app().await;
    let client = app.create_client("acme", "08:00").await;
    let category = app.create(&format!("/api/clients/{client}/categories"), json!({"label": "Réseau"})).await;
    let router = service_with_probe(
        &app,
        category,
        "Routeur",
        json!({"kind": "tcp", "host": "127.0.0.1", "port": common::testing::free_port()}),
    )
    .await;
    let now = chrono::Utc::now();
    app.create(
        &format!("/api/services/{router}/maintenance"),
        json!({"starts_at": now - chrono::Duration::minutes(5), "ends_at": now + chrono::Duration::hours(1), "reason": "migration"}),
    )
    .await;
    let result = probe(&app, router).await;
    assert_eq!(result["status"], Value::Null, "{result}");
    assert_eq!(result["detail"], "en fenêtre de maintenance");

    let bad = app
        .call(
            Method::POST,
            &format!("/api/categories/{category}/services"),
            Who::Admin,
            Some(json!({"label": "X", "probe": {"kind": "http", "url": "file:///etc/passwd"}})),
        )
        .await;
    assert_eq!(bad.status(), 422);
    let problem: Value = bad.json().await.unwrap();
    assert_eq!(problem["errors"][0]["field"], "probe");
}

/// A TLS server on loopback whose self-signed certificate for
/// `localhost` is valid from `from_days` to `to_days` from now.
async fn start_tls_server(from_days: i64, to_days: i64) -> u16 {
    use std::sync::Arc;
    let mut params = rcgen::CertificateParams::new(vec!["localhost".to_owned()]).unwrap();
    let now = time::OffsetDateTime::now_utc();
    params.not_before = now + time::Duration::days(from_days);
    params.not_after = now + time::Duration::days(to_days);
    let key = rcgen::KeyPair::generate().unwrap();
    let certificate = params.self_signed(&key).unwrap();
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::aws_lc_rs::default_provider()))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(
            vec![certificate.der().clone()],
            rustls::pki_types::PrivateKeyDer::Pkcs8(key.serialize_der().into()),
        )
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let _ = acceptor.accept(stream).await;
            });
        }
    });
    port
}

#[tokio::test]
async fn tls_probes_count_the_days_left_on_the_certificate() {
    let app = spawn_app().await;
    let client = app.create_client("acme", "08:00").await;
    let category = app.create(&format!("/api/clients/{client}/categories"), json!({"label": "Certificats"})).await;
    let renew_soon = start_tls_server(-80, 5).await;
    let fine = start_tls_server(-10, 60).await;
    let expired = start_tls_server(-90, -2).await;
    let tls =
        |port: u16, verify: bool| json!({"kind": "tls", "host": "localhost", "port": port, "verify_chain": verify});
    let cases = [
        (tls(fine, false), "success", "jours)"),
        (tls(renew_soon, false), "warning", "à renouveler"),
        (tls(expired, false), "error", "certificat expiré le"),
        // A self-signed certificate is not trusted unless told so.
        (tls(fine, true), "error", "certificat non reconnu : émetteur inconnu"),
        (tls(common::testing::free_port(), false), "error", "échec de la négociation TLS (connexion refusée)"),
    ];
    for (spec, status, detail) in cases {
        let service = service_with_probe(&app, category, "Portail", spec.clone()).await;
        let result = probe(&app, service).await;
        assert_eq!(result["status"], status, "{spec}: {result}");
        assert!(result["detail"].as_str().unwrap().contains(detail), "{spec}: {result}");
    }
    let days = probe(&app, service_with_probe(&app, category, "Portail", tls(fine, false)).await).await;
    assert!(days["detail"].as_str().unwrap().contains("(encore 59 jours)"), "{days}");
}

/// Internal addresses are refused whatever form they take, when a probe is
/// saved and again when it connects; an allowed network is open to admins
/// only; a compared value is never echoed beyond a short scalar.
#[tokio::test]
async fn probes_reach_internal_addresses_only_where_an_admin_allowed_them() {
    let database = common::testing::fresh_postgres("checks").await;
    let url = database.url.expose_secret();
    // The same clients, served with 127.0.0.1 allowed and with nothing allowed.
    let open = spawn_app_on_with(url, &[]).await;
    let closed = spawn_app_on_with(url, &[("CHECKS__PROBES__ALLOWED_NETWORKS", "")]).await;
    let port = start_target();
    let client = open.create_client("acme", "08:00").await;
    let category = open.create(&format!("/api/clients/{client}/categories"), json!({"label": "Supervision"})).await;
    let path = format!("/api/categories/{category}/services");
    for spec in [
        json!({"kind": "http", "url": format!("http://127.0.0.1:{port}/health")}),
        json!({"kind": "http", "url": format!("http://2130706433:{port}/health")}),
        json!({"kind": "http", "url": format!("http://[::ffff:127.0.0.1]:{port}/health")}),
        json!({"kind": "http", "url": format!("http://localhost:{port}/health")}),
        json!({"kind": "tcp", "host": "127.0.0.1", "port": port}),
        json!({"kind": "tls", "host": "localhost", "port": port}),
    ] {
        let body = json!({"label": "interne", "probe": spec});
        let refused = closed.call(Method::POST, &path, Who::Admin, Some(body.clone())).await;
        assert_eq!(refused.status(), 422, "saved with nothing allowed: {spec}");
        let service = open.create(&path, body).await;
        let result = probe(&closed, service).await;
        assert_eq!(result["status"], "error", "{spec}: {result}");
        assert!(result["detail"].as_str().unwrap().contains("boucle locale"), "{spec}: {result}");
        let reached = probe(&open, service).await;
        assert!(!reached["detail"].as_str().unwrap().contains("boucle locale"), "{spec}: {reached}");
    }

    let local = json!({"label": "LAN", "probe": {"kind": "tcp", "host": "127.0.0.1", "port": port}});
    let refused = open.call(Method::POST, &path, Who::Gestionnaire(&["acme"]), Some(local)).await;
    assert_eq!(refused.status(), 422);
    let problem: Value = refused.json().await.unwrap();
    assert_eq!(problem["errors"][0]["field"], "probe", "{problem}");
    assert!(problem["errors"][0]["message"].as_str().unwrap().contains("seul un administrateur"), "{problem}");
    let metadata = json!({"label": "M", "probe": {"kind": "http", "url": "http://169.254.169.254/"}});
    assert_eq!(open.call(Method::POST, &path, Who::Admin, Some(metadata)).await.status(), 422);

    // An allowed network is reached only by a probe an admin saved: one that
    // got there otherwise (a name resolving elsewhere when it was saved, a
    // probe older than this rule) is refused when it connects.
    let lan = json!({"label": "LAN", "probe": {"kind": "tcp", "host": "127.0.0.1", "port": port}});
    let service = open.create(&path, lan).await;
    assert_eq!(probe(&open, service).await["status"], "success");
    let database = sqlx::PgPool::connect(url).await.expect("database");
    sqlx::query("UPDATE checks.services SET probe_reaches_allowed_networks = FALSE WHERE id = $1")
        .bind(service)
        .execute(&database)
        .await
        .expect("update");
    let refused = probe(&open, service).await;
    assert!(refused["detail"].as_str().unwrap().contains("boucle locale"), "{refused}");
    // The scheduled loop loads every probed service with what it may reach.
    let targets = open.components().await.store.probe_targets().await.expect("the prober's targets");
    let target = targets.iter().find(|target| target.id == service).expect("the LAN service is probed");
    assert!(!target.probe_reaches_allowed_networks);

    // The whole body, compared through the empty pointer, is not echoed.
    let whole =
        json!({"kind": "http", "url": format!("http://127.0.0.1:{port}/health"), "json_pointer": "", "json_equals": 1});
    let result = probe(&open, service_with_probe(&open, category, "tout", whole).await).await;
    assert_eq!(result["status"], "error", "{result}");
    let detail = result["detail"].as_str().unwrap();
    assert!(detail.contains("un objet") && !detail.contains("2.4"), "{detail}");
}

/// When the probes of one service ran, in order.
async fn probe_times(app: &TestApp, service: i64) -> Vec<chrono::DateTime<chrono::Utc>> {
    let database = common::database::Database::connect(&app.settings.database).await.expect("database");
    common::on_database!(&database, pool => sqlx::query_scalar::<_, chrono::DateTime<chrono::Utc>>(
        "SELECT at FROM probe_results WHERE service_id = $1 ORDER BY at",
    )
    .bind(service)
    .fetch_all(pool)
    .await)
    .expect("probe results")
}

#[tokio::test]
async fn a_service_added_while_probes_run_is_probed_once_per_interval_never_in_a_burst() {
    let app = spawn_app_with(&[("CHECKS__PROBES__INTERVAL_SECS", "1")]).await;
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("address").port();
    let client = app.create_client("acme", "08:00").await;
    let category = app.create(&format!("/api/clients/{client}/categories"), json!({"label": "Réseau"})).await;
    let stop = tokio_util::sync::CancellationToken::new();
    tokio::spawn(std::sync::Arc::clone(&app.components().await.prober).run(stop.clone()));
    // The prober has run for several intervals when the service appears:
    // its first run must not make up for them.
    tokio::time::sleep(std::time::Duration::from_secs(4)).await;
    let service =
        service_with_probe(&app, category, "Base", json!({"kind": "tcp", "host": "127.0.0.1", "port": port})).await;
    tokio::time::sleep(std::time::Duration::from_millis(4_500)).await;
    stop.cancel();
    let times = probe_times(&app, service).await;
    assert!((3..=6).contains(&times.len()), "about one run per second: {times:?}");
    for pair in times.windows(2) {
        let gap = (pair[1] - pair[0]).num_milliseconds();
        assert!((500..=1_500).contains(&gap), "runs {gap} ms apart: {times:?}");
    }
    drop(listener);
}
