//! A client's public status page, read by its own people through a link.

use reqwest::Method;
use serde_json::{Value, json};

use crate::checks::open_todays_check;
use crate::helpers::{Who, spawn_app};
use crate::pages::{english_in, visible_text};

#[tokio::test]
async fn a_client_reads_its_status_page_through_a_link_the_report_gives_and_an_operator_can_close() {
    let app = spawn_app().await;
    let (client, check) = open_todays_check(&app).await;
    let check_id = check["id"].as_i64().unwrap();
    assert_eq!(app.call(Method::GET, "/public/status/nothing-here", Who::Anonymous, None).await.status(), 404);

    // A probed service, measured twice.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let category = app.create(&format!("/api/clients/{client}/categories"), json!({"label": "Réseau"})).await;
    let probe = json!({"label": "Base de données", "probe": {"kind": "tcp", "host": "127.0.0.1", "port": port}});
    let database = app.create(&format!("/api/categories/{category}/services"), probe).await;
    for _ in 0..2 {
        app.call(Method::POST, &format!("/api/services/{database}/probe"), Who::Admin, None).await;
    }

    let other = app
        .call(Method::POST, &format!("/api/clients/{client}/status-link"), Who::Gestionnaire(&["globex"]), None)
        .await;
    assert_eq!(other.status(), 404, "another client's gestionnaire cannot");
    let opened =
        app.call(Method::POST, &format!("/api/clients/{client}/status-link"), Who::Gestionnaire(&["acme"]), None).await;
    assert_eq!(opened.status(), 201);
    let url = opened.json::<Value>().await.unwrap()["url"].as_str().unwrap().to_owned();
    let path = url.strip_prefix("/checks").expect("behind the gateway's prefix").to_owned();
    assert!(path.starts_with("/public/status/"), "{path}");
    let configured = app.get_json(&format!("/api/clients/{client}"), Who::Admin).await;
    assert_eq!(configured["status_url"], url);

    let waiting = app.call(Method::GET, &path, Who::Anonymous, None).await.text().await.unwrap();
    assert!(waiting.contains("Aucun check terminé"), "an open check is not shown: {waiting}");

    for (service, verdict) in check["services"]
        .as_array()
        .unwrap()
        .iter()
        .zip([json!({"status": "success", "comment": "RAS"}), json!({"status": "warning", "comment": "Disque à 85 %"})])
    {
        let path = format!("/api/checks/{check_id}/services/{}", service["id"]);
        app.call(Method::PUT, &path, Who::Admin, Some(verdict)).await;
    }
    assert_eq!(app.call(Method::POST, &format!("/api/checks/{check_id}/finish"), Who::Admin, None).await.status(), 200);

    let page = app.call(Method::GET, &path, Who::Anonymous, None).await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    let shown = visible_text(&html);
    for expected in ["Client acme", "Attention", "Disque à 85 %", "Base de données", "100,0 %"] {
        assert!(shown.contains(expected), "{expected:?} missing from the status page: {shown}");
    }
    assert!(english_in(&shown).is_empty(), "English on the status page: {:?}", english_in(&shown));

    // The morning report leads its recipients there.
    let mails = app.smtp.wait_for(1).await;
    let report = mailparse::parse_mail(&mails[0].raw).unwrap();
    let html = html_of(&report).expect("an HTML part");
    assert!(html.contains(&format!("https://checking.example.fr{url}")), "the report links the status page: {html}");

    assert_eq!(
        app.call(Method::DELETE, &format!("/api/clients/{client}/status-link"), Who::Admin, None).await.status(),
        204
    );
    assert_eq!(app.call(Method::GET, &path, Who::Anonymous, None).await.status(), 404, "a closed link leads nowhere");
    drop(listener);
}

fn html_of(part: &mailparse::ParsedMail<'_>) -> Option<String> {
    if part.ctype.mimetype == "text/html" {
        return part.get_body().ok();
    }
    part.subparts.iter().find_map(html_of)
}

#[tokio::test]
async fn a_clients_own_person_signed_in_reads_that_status_page_and_nothing_else() {
    let app = spawn_app().await;
    let (_, check) = open_todays_check(&app).await;
    let check_id = check["id"].as_i64().unwrap();
    for service in check["services"].as_array().unwrap() {
        let path = format!("/api/checks/{check_id}/services/{}", service["id"]);
        app.call(Method::PUT, &path, Who::Admin, Some(json!({"status": "success", "comment": "Sauvegarde vérifiée"})))
            .await;
    }
    app.call(Method::POST, &format!("/api/checks/{check_id}/finish"), Who::Admin, None).await;

    let page = app.page("/ui/status", Who::ClientOf("acme"), 200).await;
    let shown = visible_text(&page);
    assert!(shown.contains("Client acme") && shown.contains("Sauvegarde vérifiée"), "{shown}");
    assert!(english_in(&shown).is_empty(), "{:?}", english_in(&shown));
    app.page("/ui/status", Who::ClientOf("inconnu"), 404).await;
    for (path, expected) in
        [("/api/clients", 403), ("/api/export", 403), (&format!("/api/checks/{check_id}") as &str, 403)]
    {
        let refused = app.call(Method::GET, path, Who::ClientOf("acme"), None).await;
        assert_eq!(refused.status(), expected, "{path}");
    }
    let dashboard = app.page("/ui/", Who::ClientOf("acme"), 403).await;
    assert!(dashboard.contains("/checks/ui/status"), "the refusal says where to go: {dashboard}");
    app.page("/ui/status", Who::Admin, 403).await;
}
