use mailparse::{MailHeaderMap, ParsedMail};
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, Who, paris, spawn_app};

/// Opens today's check of a fresh client and returns (client id, check).
pub async fn open_todays_check(app: &TestApp) -> (i64, Value) {
    let client = app.create_client("acme", "00:00").await;
    let scheduler = app.components().await.scheduler;
    // Weekends and holidays have no check: the next working day's then.
    let mut now = chrono::Utc::now();
    let check_id = loop {
        scheduler.tick(now).await.unwrap();
        let date = scheduler.today(now).format("%Y-%m-%d").to_string();
        if let Some(check) = app.checks_of(&date).await.first() {
            break check["id"].as_i64().unwrap();
        }
        now += chrono::Duration::days(1);
    };
    (client, app.get_json(&format!("/api/checks/{check_id}"), Who::Admin).await)
}

fn part_with_content_id<'a>(part: &'a ParsedMail<'a>, id: &str) -> Option<&'a ParsedMail<'a>> {
    if part.headers.get_first_value("Content-ID").is_some_and(|value| value.trim_matches(['<', '>']) == id) {
        return Some(part);
    }
    part.subparts.iter().find_map(|sub| part_with_content_id(sub, id))
}

fn body_of_type(part: &ParsedMail<'_>, mime: &str) -> Option<String> {
    if part.ctype.mimetype == mime {
        return part.get_body().ok();
    }
    part.subparts.iter().find_map(|sub| body_of_type(sub, mime))
}

#[tokio::test]
async fn an_operator_fills_the_check_and_finishing_it_mails_the_report_with_the_logo() {
    let app = spawn_app().await;
    let (client, check) = open_todays_check(&app).await;
    let check_id = check["id"].as_i64().unwrap();
    let logo = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/logo.png")).unwrap();
    assert_eq!(app.put_bytes(&format!("/api/clients/{client}/logo"), logo.clone()).await.status(), 204);
    let services = check["services"].as_array().unwrap();
    let (veeam, nas) = (services[0]["id"].as_i64().unwrap(), services[1]["id"].as_i64().unwrap());

    let first = app
        .call(
            Method::PUT,
            &format!("/api/checks/{check_id}/services/{veeam}"),
            Who::Gestionnaire(&["acme"]),
            Some(json!({"status": "success", "comment": "Jobs de la nuit OK"})),
        )
        .await;
    assert_eq!(first.status(), 200);
    let after_first: Value = first.json().await.unwrap();
    assert_eq!(after_first["status"], "in_progress");
    assert_eq!(after_first["services"][0]["status_source"], "gestionnaire@exploitation.test");

    // Not finished while a service is still to check.
    let early = app.call(Method::POST, &format!("/api/checks/{check_id}/finish"), Who::Admin, None).await;
    assert_eq!(early.status(), 409);
    assert!(early.json::<Value>().await.unwrap()["detail"].as_str().unwrap().contains("NAS"));

    let assign = app
        .call(
            Method::PUT,
            &format!("/api/checks/{check_id}/services/{nas}"),
            Who::Admin,
            Some(json!({"status": "warning", "comment": "Disque 3 dégradé", "intervenant": "Tech@Exploitation.test"})),
        )
        .await;
    assert_eq!(assign.status(), 200);
    assert_eq!(
        app.call(
            Method::PUT,
            &format!("/api/checks/{check_id}/notes"),
            Who::Admin,
            Some(json!({"notes": "RAS hors NAS"}))
        )
        .await
        .status(),
        204
    );
    let finished = app.call(Method::POST, &format!("/api/checks/{check_id}/finish"), Who::Admin, None).await;
    assert_eq!(finished.status(), 200);
    let finished: Value = finished.json().await.unwrap();
    assert_eq!(finished["status"], "warning");
    assert_eq!(finished["finished_by"], "admin@exploitation.test");

    // The intervenant's notice, then the morning report.
    let messages = app.smtp.wait_for(2).await;
    assert_eq!(messages.len(), 2, "{messages:?}");
    let notice =
        messages.iter().find(|m| m.recipients == ["tech@exploitation.test"]).expect("the intervenant's notice");
    let notice = mailparse::parse_mail(&notice.raw).unwrap();
    assert!(notice.headers.get_first_value("Subject").unwrap().contains("NAS"));
    let notice_body = notice.get_body().unwrap();
    assert!(notice_body.contains("Disque 3 dégradé"), "{notice_body}");

    let report = messages.iter().find(|m| m.recipients.contains(&"dsi@acme.test".to_owned())).expect("the report");
    assert!(report.recipients.contains(&"astreinte@exploitation.test".to_owned()));
    let report = mailparse::parse_mail(&report.raw).unwrap();
    assert!(report.headers.get_first_value("Subject").unwrap().contains("Attention"));
    assert_eq!(report.headers.get_first_value("Cc").unwrap(), "astreinte@exploitation.test");
    for mail in [&report, &notice] {
        let id = mail.headers.get_first_value("Message-ID").expect("a Message-ID, as spam filters expect");
        assert!(id.starts_with('<') && id.ends_with("@exploitation.test>"), "in the sender's domain: {id}");
        assert!(mailparse::dateparse(&mail.headers.get_first_value("Date").expect("a Date")).is_ok());
    }
    assert_ne!(report.headers.get_first_value("Message-ID"), notice.headers.get_first_value("Message-ID"));
    let html = body_of_type(&report, "text/html").expect("an HTML part");
    assert!(html.contains("cid:logo"));
    assert!(html.contains("Disque 3 dégradé") && html.contains("#e37400"), "amber for the warning");
    let text = body_of_type(&report, "text/plain").expect("a text part");
    assert!(text.contains("Sauvegardes — Attention") && text.contains("RAS hors NAS"), "{text}");
    let inline_logo = part_with_content_id(&report, "logo").expect("the logo inline");
    assert_eq!(inline_logo.ctype.mimetype, "image/png");
    assert_eq!(inline_logo.get_body_raw().unwrap(), logo);

    // The check records when the report went, and is now read-only.
    let mut sent = Value::Null;
    for _ in 0..50 {
        sent = app.get_json(&format!("/api/checks/{check_id}"), Who::Admin).await["email_sent_at"].clone();
        if !sent.is_null() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(sent.is_string());
    let late = app
        .call(
            Method::PUT,
            &format!("/api/checks/{check_id}/services/{nas}"),
            Who::Admin,
            Some(json!({"status": "success"})),
        )
        .await;
    assert_eq!(late.status(), 409);
    let again = app.call(Method::POST, &format!("/api/checks/{check_id}/finish"), Who::Admin, None).await;
    assert_eq!(again.status(), 409);
}

#[tokio::test]
async fn a_gestionnaire_cannot_see_or_touch_other_clients_checks() {
    let app = spawn_app().await;
    let (_, check) = open_todays_check(&app).await;
    let check_id = check["id"].as_i64().unwrap();
    let other = Who::Gestionnaire(&["globex"]);
    assert_eq!(app.call(Method::GET, &format!("/api/checks/{check_id}"), other, None).await.status(), 404);
    let date = check["date"].as_str().unwrap();
    assert_eq!(app.get_json(&format!("/api/checks?date={date}"), other).await, json!([]));
    let service = check["services"][0]["id"].as_i64().unwrap();
    let write = app
        .call(
            Method::PUT,
            &format!("/api/checks/{check_id}/services/{service}"),
            other,
            Some(json!({"status": "error"})),
        )
        .await;
    assert_eq!(write.status(), 404);
    let bad_status = app
        .call(
            Method::PUT,
            &format!("/api/checks/{check_id}/services/{service}"),
            Who::Admin,
            Some(json!({"status": "done"})),
        )
        .await;
    assert_eq!(bad_status.status(), 422);
}

#[tokio::test]
async fn a_check_still_open_at_the_reminder_time_reminds_once() {
    let app = spawn_app().await;
    let client = app.create_client("acme", "08:00").await;
    let update = app
        .call(
            Method::PUT,
            &format!("/api/clients/{client}"),
            Who::Admin,
            Some(json!({
                "reference": "acme", "label": "Acme", "check_time": "08:00", "reminder_time": "10:00",
                "mailing": {"to": ["dsi@acme.test"], "reminder": ["chef@exploitation.test"]}
            })),
        )
        .await;
    assert_eq!(update.status(), 200);
    app.backdate_clients(365).await;
    let scheduler = app.components().await.scheduler;
    scheduler.tick(paris(2026, 11, 20, 9, 55)).await.unwrap();
    assert!(app.smtp.messages().is_empty());
    scheduler.tick(paris(2026, 11, 20, 10, 0)).await.unwrap();
    scheduler.tick(paris(2026, 11, 20, 10, 5)).await.unwrap();
    let messages = app.smtp.wait_for(1).await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(app.smtp.messages().len(), 1, "one reminder");
    assert_eq!(messages[0].recipients, ["chef@exploitation.test"]);
    let reminder = mailparse::parse_mail(&messages[0].raw).unwrap();
    assert!(reminder.headers.get_first_value("Subject").unwrap().starts_with("Rappel"));
    assert!(reminder.get_body().unwrap().contains("https://checking.example.fr/checks/ui/checks/"));
}

#[tokio::test]
async fn the_platform_administrator_runs_checks_and_is_named_by_their_name() {
    let app = spawn_app().await;
    let created = app
        .call(
            Method::POST,
            "/api/clients",
            Who::PlatformAdmin,
            Some(json!({"reference": "globex", "label": "Globex", "check_time": "08:00"})),
        )
        .await;
    assert_eq!(created.status(), 201, "a platform administrator administers Check du Matin");
    let (_, check) = open_todays_check(&app).await;
    let check_id = check["id"].as_i64().unwrap();
    for service in check["services"].as_array().unwrap() {
        let path = format!("/api/checks/{check_id}/services/{}", service["id"]);
        let set = app.call(Method::PUT, &path, Who::PlatformAdmin, Some(json!({"status": "success"}))).await;
        assert_eq!(set.status(), 200, "{path}");
    }
    let finished = app.call(Method::POST, &format!("/api/checks/{check_id}/finish"), Who::PlatformAdmin, None).await;
    let finished: Value = finished.json().await.unwrap();
    assert_eq!(finished["finished_by"], "Alice Martin", "{finished}");

    let refused = app.call(Method::GET, "/api/clients", Who::Stranger, None).await;
    assert_eq!(refused.status(), 403);
    let problem: Value = refused.json().await.unwrap();
    assert_eq!(problem["detail"], "Votre compte n'a aucun rôle dans Check du Matin.");
}

/// Sets every service of a check to OK and finishes it.
async fn finish_all_ok(app: &TestApp, check: &Value) -> Value {
    let check_id = check["id"].as_i64().unwrap();
    for service in check["services"].as_array().unwrap() {
        let path = format!("/api/checks/{check_id}/services/{}", service["id"]);
        let set = app.call(Method::PUT, &path, Who::Admin, Some(json!({"status": "success", "comment": "RAS"}))).await;
        assert_eq!(set.status(), 200, "{path}");
    }
    let finished = app.call(Method::POST, &format!("/api/checks/{check_id}/finish"), Who::Admin, None).await;
    assert_eq!(finished.status(), 200);
    finished.json().await.unwrap()
}

fn service_labels(check: &Value) -> Vec<(String, String, String)> {
    check["services"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            let text = |key: &str| s[key].as_str().unwrap_or_default().to_owned();
            (text("category_label"), text("service_label"), text("status"))
        })
        .collect()
}

#[tokio::test]
async fn a_finished_check_stays_as_it_was_mailed_whatever_the_configuration_becomes() {
    let app = spawn_app().await;
    let (client, check) = open_todays_check(&app).await;
    let finished = finish_all_ok(&app, &check).await;
    let check_id = finished["id"].as_i64().unwrap();
    let mailed = service_labels(&finished);
    assert_eq!(mailed.len(), 2, "{finished}");
    app.smtp.wait_for(1).await;

    // The configuration moves on: a category renamed, a service renamed,
    // the other deleted, a new one added.
    let configured = app.get_json(&format!("/api/clients/{client}"), Who::Admin).await;
    let category = configured["categories"][0]["id"].as_i64().unwrap();
    let services = configured["categories"][0]["services"].as_array().unwrap().clone();
    let renamed = app
        .call(
            Method::PUT,
            &format!("/api/categories/{category}"),
            Who::Admin,
            Some(json!({"label": "Sauvegarde externalisée"})),
        )
        .await;
    assert_eq!(renamed.status(), 204);
    let first = services[0]["id"].as_i64().unwrap();
    let renamed =
        app.call(Method::PUT, &format!("/api/services/{first}"), Who::Admin, Some(json!({"label": "Veeam 12"}))).await;
    assert_eq!(renamed.status(), 204);
    let second = services[1]["id"].as_i64().unwrap();
    assert_eq!(app.call(Method::DELETE, &format!("/api/services/{second}"), Who::Admin, None).await.status(), 204);
    app.create(&format!("/api/categories/{category}/services"), json!({"label": "Bandes"})).await;

    let now = app.get_json(&format!("/api/checks/{check_id}"), Who::Admin).await;
    assert_eq!(service_labels(&now), mailed, "the check reads as it was mailed");
    assert!(now["services"][1]["service_id"].is_null(), "the deleted service's row stays, unlinked");
    let summary = app.checks_of(finished["date"].as_str().unwrap()).await;
    assert_eq!(summary[0]["counts"]["success"], 2, "{summary:?}");
    let export = app.call(Method::GET, &format!("/api/checks/{check_id}/export.xlsx"), Who::Admin, None).await;
    assert_eq!(export.status(), 200);

    // Deleting the whole category leaves it too.
    assert_eq!(app.call(Method::DELETE, &format!("/api/categories/{category}"), Who::Admin, None).await.status(), 204);
    let now = app.get_json(&format!("/api/checks/{check_id}"), Who::Admin).await;
    assert_eq!(service_labels(&now), mailed);
}

#[tokio::test]
async fn an_open_check_follows_the_configuration_and_loses_a_deleted_service() {
    let app = spawn_app().await;
    let (client, check) = open_todays_check(&app).await;
    let check_id = check["id"].as_i64().unwrap();
    let configured = app.get_json(&format!("/api/clients/{client}"), Who::Admin).await;
    let nas = configured["categories"][0]["services"][1]["id"].as_i64().unwrap();
    assert_eq!(app.call(Method::DELETE, &format!("/api/services/{nas}"), Who::Admin, None).await.status(), 204);
    let open = app.get_json(&format!("/api/checks/{check_id}"), Who::Admin).await;
    let labels: Vec<String> = service_labels(&open).into_iter().map(|(_, service, _)| service).collect();
    assert_eq!(labels, ["Veeam"]);
    let finished = finish_all_ok(&app, &open).await;
    assert_eq!(finished["status"], "success");
}

#[tokio::test]
async fn a_report_that_could_not_go_says_why_and_is_sent_again_on_request() {
    let app = spawn_app().await;
    let (client, check) = open_todays_check(&app).await;
    let check_id = check["id"].as_i64().unwrap();
    let too_early = app.call(Method::POST, &format!("/api/checks/{check_id}/report"), Who::Admin, None).await;
    assert_eq!(too_early.status(), 409, "an open check has no report yet");
    // Nobody to send it to.
    let emptied = app
        .call(
            Method::PUT,
            &format!("/api/clients/{client}"),
            Who::Admin,
            Some(json!({"reference": "acme", "label": "Client acme", "check_time": "00:00", "mailing": {"to": []}})),
        )
        .await;
    assert_eq!(emptied.status(), 200);
    finish_all_ok(&app, &check).await;
    let mut state = Value::Null;
    for _ in 0..100 {
        state = app.get_json(&format!("/api/checks/{check_id}"), Who::Admin).await;
        if !state["email_error"].is_null() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(state["email_error"], "Aucun destinataire : la liste « À » du client est vide.", "{state}");
    let page = app.page(&format!("/ui/checks/{check_id}"), Who::Admin, 200).await;
    assert!(page.contains("Rapport non envoyé") && page.contains("Renvoyer le rapport"), "{page}");

    // The list corrected, the report goes.
    let corrected = app
        .call(
            Method::PUT,
            &format!("/api/clients/{client}"),
            Who::Admin,
            Some(json!({"reference": "acme", "label": "Client acme", "check_time": "00:00", "mailing": {"to": ["dsi@acme.test"]}})),
        )
        .await;
    assert_eq!(corrected.status(), 200);
    let again = app.post_form(&format!("/ui/checks/{check_id}"), Who::Admin, &[("action", "resend")]).await;
    assert_eq!(again.status(), 303);
    let mails = app.smtp.wait_for(1).await;
    assert_eq!(mails[0].recipients, ["dsi@acme.test"]);
    for _ in 0..100 {
        state = app.get_json(&format!("/api/checks/{check_id}"), Who::Admin).await;
        if !state["email_sent_at"].is_null() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(state["email_sent_at"].is_string() && state["email_error"].is_null(), "{state}");
    let sent_again = app.call(Method::POST, &format!("/api/checks/{check_id}/report"), Who::Admin, None).await;
    assert_eq!(sent_again.status(), 202);
    assert_eq!(app.smtp.wait_for(2).await.len(), 2, "sent once more on request");
    let other =
        app.call(Method::POST, &format!("/api/checks/{check_id}/report"), Who::Gestionnaire(&["globex"]), None).await;
    assert_eq!(other.status(), 404, "another client's gestionnaire cannot");
}
