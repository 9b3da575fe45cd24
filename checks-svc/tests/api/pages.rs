//! The operator pages over HTTP, as the gateway forwards a signed-in
//! browser's requests: what they show, what their forms change, what they
//! refuse. The same pages in a real browser: `tests/checks_pages.rs` at
//! the workspace root.

use reqwest::Method;
use serde_json::{Value, json};

use crate::checks::open_todays_check;
use crate::helpers::{Who, spawn_app};

#[tokio::test]
async fn the_dashboard_shows_the_days_checks_to_do_first_with_their_colours() {
    let app = spawn_app().await;
    let (_, check) = open_todays_check(&app).await;
    let date = check["date"].as_str().unwrap().to_owned();
    let other = app.create_client("globex", "00:00").await;
    app.components().await.scheduler.tick(crate::helpers::paris_noon(&date)).await.unwrap();
    let globex = app.checks_of(&date).await.into_iter().find(|c| c["client_id"] == other).unwrap();
    // Globex finished KO: it comes after Acme, still to do.
    let globex_check = app.get_json(&format!("/api/checks/{}", globex["id"]), Who::Admin).await;
    for service in globex_check["services"].as_array().unwrap() {
        let path = format!("/api/checks/{}/services/{}", globex["id"], service["id"]);
        app.call(Method::PUT, &path, Who::Admin, Some(json!({"status": "error", "comment": "Disque plein"}))).await;
    }
    let finished = app.call(Method::POST, &format!("/api/checks/{}/finish", globex["id"]), Who::Admin, None).await;
    assert_eq!(finished.status(), 200);

    let response = app.call(Method::GET, &format!("/ui/?date={date}"), Who::Admin, None).await;
    assert_eq!(response.status(), 200);
    let policy = response.headers()["content-security-policy"].to_str().unwrap().to_owned();
    assert!(policy.contains("default-src 'none'") && policy.contains("style-src 'sha256-"), "{policy}");
    let html = response.text().await.unwrap();
    let acme = html.find("Client acme").expect("acme listed");
    let globex_at = html.find("Client globex").expect("globex listed");
    assert!(acme < globex_at, "open checks come first");
    assert!(html.contains(r#"<tr class="row-error">"#) && html.contains(r#"<tr class="row-pending">"#), "{html}");
    assert!(html.contains("0 OK · 0 attention · 2 KO · 0 à vérifier"), "{html}");

    // A gestionnaire of Acme sees Acme only; a stranger is refused.
    let theirs = app.page(&format!("/ui/?date={date}"), Who::Gestionnaire(&["acme"]), 200).await;
    assert!(theirs.contains("Client acme") && !theirs.contains("Client globex"));
    let refused = app.page("/ui/", Who::Stranger, 403).await;
    assert!(refused.contains("Action impossible"), "{refused}");
}

#[tokio::test]
async fn the_check_page_saves_every_verdict_at_once_and_finishes_the_check() {
    let app = spawn_app().await;
    let (_, check) = open_todays_check(&app).await;
    let id = check["id"].as_i64().unwrap();
    let (veeam, nas) = (check["services"][0]["id"].to_string(), check["services"][1]["id"].to_string());
    let page = app.page(&format!("/ui/checks/{id}"), Who::Gestionnaire(&["acme"]), 200).await;
    assert!(page.contains(&format!(r#"name="status-{veeam}""#)) && page.contains("Raccourcis"), "{page}");

    // One wrong address: nothing is saved, what was typed is shown again.
    let status_veeam = format!("status-{veeam}");
    let comment_veeam = format!("comment-{veeam}");
    let intervenant_nas = format!("intervenant-{nas}");
    let status_nas = format!("status-{nas}");
    let refused = app
        .post_form(
            &format!("/ui/checks/{id}"),
            Who::Gestionnaire(&["acme"]),
            &[
                (&status_veeam, "success"),
                (&comment_veeam, "Jobs OK"),
                (&status_nas, "warning"),
                (&intervenant_nas, "not an address"),
                ("action", "save"),
            ],
        )
        .await;
    assert_eq!(refused.status(), 422);
    let shown = refused.text().await.unwrap();
    assert!(shown.contains("NAS, intervenant") && shown.contains(r#"value="Jobs OK""#), "{shown}");
    let unchanged = app.get_json(&format!("/api/checks/{id}"), Who::Admin).await;
    assert_eq!(unchanged["services"][0]["status"], "pending");

    let saved = app
        .post_form(
            &format!("/ui/checks/{id}"),
            Who::Gestionnaire(&["acme"]),
            &[
                (&status_veeam, "success"),
                (&comment_veeam, "Jobs OK"),
                (&status_nas, "warning"),
                (&intervenant_nas, "tech@exploitation.test"),
                ("notes", "RAS hors NAS"),
                ("action", "finish"),
            ],
        )
        .await;
    assert_eq!(saved.status(), 303);
    assert!(saved.headers()["location"].to_str().unwrap().ends_with(&format!("/checks/ui/checks/{id}?saved=finished")));
    let finished = app.get_json(&format!("/api/checks/{id}"), Who::Admin).await;
    assert_eq!(finished["status"], "warning");
    assert_eq!(finished["notes"], "RAS hors NAS");
    assert_eq!(finished["services"][0]["comment"], "Jobs OK");
    assert_eq!(finished["services"][1]["intervenant"], "tech@exploitation.test");
    // The intervenant's notice and the morning report.
    let mails = app.smtp.wait_for(2).await;
    assert!(mails.iter().any(|mail| mail.recipients.contains(&"dsi@acme.test".to_owned())), "{mails:?}");

    let read_only = app.page(&format!("/ui/checks/{id}?saved=finished"), Who::Admin, 200).await;
    assert!(read_only.contains("Check terminé") && !read_only.contains("<form id=\"check\""), "{read_only}");
}

#[tokio::test]
async fn finishing_with_services_still_pending_names_them_and_keeps_the_check_open() {
    let app = spawn_app().await;
    let (_, check) = open_todays_check(&app).await;
    let id = check["id"].as_i64().unwrap();
    let veeam = format!("status-{}", check["services"][0]["id"]);
    let response =
        app.post_form(&format!("/ui/checks/{id}"), Who::Admin, &[(&veeam, "success"), ("action", "finish")]).await;
    assert_eq!(response.status(), 409);
    assert!(response.text().await.unwrap().contains("reste à vérifier : NAS"));
    let after = app.get_json(&format!("/api/checks/{id}"), Who::Admin).await;
    assert_eq!(
        (after["status"].as_str(), after["services"][0]["status"].as_str()),
        (Some("in_progress"), Some("success"))
    );
}

#[tokio::test]
async fn clients_are_configured_from_their_pages() {
    let app = spawn_app().await;
    let created = app
        .post_form(
            "/ui/clients",
            Who::Admin,
            &[
                ("label", "Initech"),
                ("reference", "initech"),
                ("check_time", "08:30"),
                ("active", "on"),
                ("to", "dsi@initech.test\nrssi@initech.test"),
            ],
        )
        .await;
    assert_eq!(created.status(), 303);
    let location = created.headers()["location"].to_str().unwrap().to_owned();
    let id: i64 = location.trim_start_matches("/checks/ui/clients/").split('?').next().unwrap().parse().unwrap();

    assert_eq!(
        app.post_form(&format!("/ui/clients/{id}/categories"), Who::Admin, &[("label", "Réseau")]).await.status(),
        303
    );
    let client = app.get_json(&format!("/api/clients/{id}"), Who::Admin).await;
    assert_eq!(client["mailing"]["to"], json!(["dsi@initech.test", "rssi@initech.test"]));
    let category = client["categories"][0]["id"].as_i64().unwrap();
    let added = app
        .post_form(
            &format!("/ui/categories/{category}/services"),
            Who::Gestionnaire(&["initech"]),
            &[
                ("label", "Portail"),
                ("kind", "tls"),
                ("host", "portail.initech.test"),
                ("warn_days", "21"),
                ("untrusted_ok", "on"),
            ],
        )
        .await;
    assert_eq!(added.status(), 303);
    let client = app.get_json(&format!("/api/clients/{id}"), Who::Admin).await;
    assert_eq!(
        client["categories"][0]["services"][0]["probe"],
        json!({"kind": "tls", "host": "portail.initech.test", "port": 443, "warn_days": 21, "verify_chain": false})
    );

    // A bad number is reported by field, with the form as typed.
    let service = client["categories"][0]["services"][0]["id"].as_i64().unwrap();
    let refused = app
        .post_form(
            &format!("/ui/services/{service}"),
            Who::Admin,
            &[("label", "Portail"), ("kind", "tcp"), ("host", "x"), ("port", "https")],
        )
        .await;
    assert_eq!(refused.status(), 422);
    let html = refused.text().await.unwrap();
    assert!(html.contains("port : doit être un nombre entier") && html.contains(r#"value="https""#), "{html}");

    // The logo, from the page's file field.
    let logo = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/logo.png")).unwrap();
    let form = reqwest::multipart::Form::new()
        .part("logo", reqwest::multipart::Part::bytes(logo.clone()).file_name("logo.png"));
    let uploaded = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .post(format!("{}/ui/clients/{id}/logo", app.address))
        .header("X-Platform-Identity", app.identity(Who::Admin))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(uploaded.status(), 303);
    let served = app.call(Method::GET, &format!("/ui/clients/{id}/logo"), Who::Admin, None).await;
    assert_eq!(served.bytes().await.unwrap().as_ref(), logo.as_slice());
    let page = app.page(&format!("/ui/clients/{id}?saved=1"), Who::Admin, 200).await;
    assert!(
        page.contains("Enregistré.") && page.contains("Certificat TLS") && page.contains("img class=\"logo\""),
        "{page}"
    );

    // A gestionnaire neither changes the reference nor deletes the client.
    let renamed = app
        .post_form(
            &format!("/ui/clients/{id}"),
            Who::Gestionnaire(&["initech"]),
            &[("label", "Initech"), ("reference", "other"), ("check_time", "08:30")],
        )
        .await;
    assert_eq!(renamed.status(), 403);
    let deleted =
        app.post_form(&format!("/ui/clients/{id}/delete"), Who::Gestionnaire(&["initech"]), &[("confirm", "on")]).await;
    assert_eq!(deleted.status(), 403);
    assert_eq!(
        app.post_form(&format!("/ui/clients/{id}/delete"), Who::Admin, &[("confirm", "on")]).await.status(),
        303
    );
    assert_eq!(app.call(Method::GET, &format!("/api/clients/{id}"), Who::Admin, None).await.status(), 404);
}

#[tokio::test]
async fn history_draws_the_days_and_the_probe_latency() {
    let app = spawn_app().await;
    let (client, check) = open_todays_check(&app).await;
    let services: Value = app.get_json(&format!("/api/clients/{client}"), Who::Admin).await;
    let category = services["categories"][0]["id"].as_i64().unwrap();
    let probed = app
        .create(
            &format!("/api/categories/{category}/services"),
            json!({"label": "Base", "probe": {"kind": "tcp", "host": "127.0.0.1", "port": app.address.rsplit(':').next().unwrap().parse::<u16>().unwrap()}}),
        )
        .await;
    let prober = app.components().await.prober;
    prober.probe_service(probed, chrono::Utc::now()).await.unwrap();
    let date = check["date"].as_str().unwrap();
    let html = app.page(&format!("/ui/clients/{client}/history?to={date}"), Who::Admin, 200).await;
    assert!(html.contains(r#"<span class="pending""#) || html.contains(r#"<span class="in_progress""#), "{html}");
    assert!(html.contains("<h2>Base</h2>") && html.contains("<polyline class=\"avg\" points=\""), "{html}");
    assert!(html.contains("1 mesures, 0 échec(s)"), "{html}");
}

/// English words that no French sentence of these pages or mails uses.
const ENGLISH: [&str; 16] = [
    " the ", " and ", " not ", " no ", " with ", " within ", " is ", " of ", "failed", "received", "refused",
    "resolves", "accepts", "answer", "must ", "slow",
];

/// What a reader sees of a page: its text, without markup, styles or scripts.
pub(crate) fn visible_text(html: &str) -> String {
    let mut html = html.to_owned();
    for element in ["style", "script"] {
        while let Some(start) = html.find(&format!("<{element}")) {
            let end =
                html[start..].find(&format!("</{element}>")).map_or(html.len(), |end| start + end + element.len() + 3);
            html.replace_range(start..end, " ");
        }
    }
    let mut text = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                text.push(' ');
            }
            _ if !in_tag => text.push(c),
            _ => {}
        }
    }
    text
}

pub(crate) fn english_in(text: &str) -> Vec<&'static str> {
    let text = format!(" {} ", text.to_lowercase().split_whitespace().collect::<Vec<_>>().join(" "));
    ENGLISH.into_iter().filter(|word| text.contains(word)).collect()
}

#[tokio::test]
async fn the_check_page_and_the_report_speak_french_even_for_what_probes_saw() {
    let app = spawn_app().await;
    let (client, check) = open_todays_check(&app).await;
    let check_id = check["id"].as_i64().unwrap();
    let category = app.create(&format!("/api/clients/{client}/categories"), json!({"label": "Sondes"})).await;
    let closed = common::testing::free_port();
    let probes = [
        json!({"kind": "tcp", "host": "127.0.0.1", "port": closed}),
        json!({"kind": "http", "url": format!("http://127.0.0.1:{closed}/sante")}),
        json!({"kind": "tls", "host": "localhost", "port": closed}),
        json!({"kind": "dns", "name": "inconnu.invalid"}),
        json!({"kind": "heartbeat", "period_secs": 3600}),
    ];
    let mut services = Vec::new();
    for (index, probe) in probes.into_iter().enumerate() {
        let path = format!("/api/categories/{category}/services");
        services.push(app.create(&path, json!({"label": format!("Sonde {index}"), "probe": probe})).await);
    }
    let date = check["date"].as_str().unwrap().to_owned();
    app.components().await.scheduler.tick(crate::helpers::paris_noon(&date)).await.unwrap();
    for service in &services {
        let result = app.call(Method::POST, &format!("/api/services/{service}/probe"), Who::Admin, None).await;
        let result: Value = result.json().await.unwrap();
        let detail = result["detail"].as_str().unwrap();
        assert!(english_in(detail).is_empty(), "English in a probe's detail: {detail}");
    }
    let page = app.page(&format!("/ui/checks/{check_id}"), Who::Admin, 200).await;
    assert!(page.contains("Sonde : "), "{page}");
    let shown = visible_text(&page);
    assert!(english_in(&shown).is_empty(), "English on the check page: {:?}\n{shown}", english_in(&shown));

    let open = app.get_json(&format!("/api/checks/{check_id}"), Who::Admin).await;
    for service in open["services"].as_array().unwrap() {
        let path = format!("/api/checks/{check_id}/services/{}", service["id"]);
        app.call(Method::PUT, &path, Who::Admin, Some(json!({"status": "error", "comment": "Relancé"}))).await;
    }
    let finished = app.call(Method::POST, &format!("/api/checks/{check_id}/finish"), Who::Admin, None).await;
    assert_eq!(finished.status(), 200);
    let page = visible_text(&app.page(&format!("/ui/checks/{check_id}"), Who::Admin, 200).await);
    assert!(english_in(&page).is_empty(), "English on the finished check: {:?}\n{page}", english_in(&page));
    let mails = app.smtp.wait_for(1).await;
    let report = mailparse::parse_mail(&mails[0].raw).unwrap();
    for part in
        std::iter::once(&report).chain(report.subparts.iter()).chain(report.subparts.iter().flat_map(|p| &p.subparts))
    {
        if part.ctype.mimetype.starts_with("text/") {
            let text = visible_text(&part.get_body().unwrap());
            assert!(english_in(&text).is_empty(), "English in the report: {:?}\n{text}", english_in(&text));
        }
    }
}
