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
        let path = format!("/api/checks/{check_id}/services/{}", service["service_id"]);
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
