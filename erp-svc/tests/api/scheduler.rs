//! The scheduler: preventive plans become interventions ahead of time,
//! once, whatever the number of schedulers; tomorrow's interventions are
//! reminded and overdue ones raise an alert, once each.

use chrono::{Datelike, Duration, Utc};
use mailparse::MailHeaderMap;
use serde_json::{Value, json};

use crate::helpers::{Who, spawn_app, spawn_app_with};

const TECH: &str = "tech@erp.test";

#[tokio::test]
async fn preventive_plans_become_planned_interventions_once() {
    let app = spawn_app().await;
    let acme = app.place("ACME").await;
    let paris_today = Utc::now().with_timezone(&chrono_tz::Europe::Paris).date_naive();
    let due = paris_today + Duration::days(5);
    let plan = app
        .create(
            "/api/v1/maintenance-plans",
            Who::Responsable,
            json!({"equipment_id": acme.equipment, "title": "Entretien annuel chaudière", "every": 1, "unit": "month", "next_due": due, "start_time": "08:30", "duration_minutes": 90, "technician": TECH}),
        )
        .await;
    let refused = app
        .call(reqwest::Method::POST, "/api/v1/maintenance-plans", Who::Responsable, Some(json!({"equipment_id": acme.equipment, "title": "x", "every": 0, "unit": "fortnight", "next_due": due, "start_time": "25:00"})))
        .await;
    assert_eq!(refused.status(), 422);

    // Two schedulers tick at once: one intervention.
    let (first, second) = (app.components().await, app.components().await);
    let now = Utc::now();
    let (a, b) = tokio::join!(first.scheduler.tick(now), second.scheduler.tick(now));
    let planned: Vec<String> = a.expect("tick").planned.into_iter().chain(b.expect("tick").planned).collect();
    assert_eq!(planned.len(), 1, "{planned:?}");
    assert!(first.scheduler.tick(now).await.expect("tick").planned.is_empty());

    let list = app.get_json(&format!("/api/v1/interventions?equipment_id={}", acme.equipment), Who::Responsable).await;
    let intervention = &list[0];
    assert_eq!(intervention["number"], planned[0]);
    assert_eq!((intervention["type"].as_str(), intervention["status"].as_str()), (Some("preventive"), Some("planned")));
    assert_eq!(intervention["technicians"], json!([TECH]));
    let start: chrono::DateTime<Utc> = intervention["planned_start"].as_str().expect("start").parse().expect("instant");
    let local = start.with_timezone(&chrono_tz::Europe::Paris);
    assert_eq!((local.date_naive(), local.format("%H:%M").to_string()), (due, "08:30".to_owned()));
    let end: chrono::DateTime<Utc> = intervention["planned_end"].as_str().expect("end").parse().expect("instant");
    assert_eq!(end - start, Duration::minutes(90));

    let plan = app.get_json(&format!("/api/v1/maintenance-plans/{plan}"), Who::Responsable).await;
    let next: chrono::NaiveDate = plan["next_due"].as_str().expect("date").parse().expect("date");
    assert_eq!((next.month0() + 12 - due.month0()) % 12, 1, "a month later: {next}");
    let mails = app.smtp.wait_for(1).await;
    assert!(mails.iter().any(|mail| mail.recipients == [TECH]), "the technician is told of the assignment");
}

#[tokio::test]
async fn tomorrow_is_reminded_and_overdue_work_alerts_once() {
    let app = spawn_app().await;
    let acme = app.place("ACME").await;
    let paris = chrono_tz::Europe::Paris;
    let tomorrow = Utc::now().with_timezone(&paris).date_naive() + Duration::days(1);
    let tomorrow_nine = tomorrow
        .and_hms_opt(9, 0, 0)
        .expect("time")
        .and_local_timezone(paris)
        .earliest()
        .expect("instant")
        .with_timezone(&Utc);
    let soon = app.planned(acme, &[TECH], &tomorrow_nine.to_rfc3339()).await;
    let late = app.planned(acme, &["late@erp.test"], &(Utc::now() - Duration::days(2)).to_rfc3339()).await;
    // Work under way but past its end is overdue too; done work is not.
    let finished = app.planned(acme, &["done@erp.test"], &(Utc::now() - Duration::days(3)).to_rfc3339()).await;
    app.move_to(finished, "in_progress", Who::Responsable, 200).await;
    app.move_to(finished, "done", Who::Responsable, 200).await;
    let assignments = app.smtp.wait_for(3).await.len();

    let components = app.components().await;
    let report = components.scheduler.tick(Utc::now()).await.expect("tick");
    assert_eq!((report.reminded, report.alerted), (1, 1));
    let again = components.scheduler.tick(Utc::now()).await.expect("tick");
    assert_eq!((again.reminded, again.alerted), (0, 0));

    let mails = app.smtp.wait_for(assignments + 2).await;
    let parsed: Vec<_> = mails[assignments..]
        .iter()
        .map(|mail| (mail.recipients.clone(), mailparse::parse_mail(&mail.raw).expect("mail")))
        .collect();
    let reminder = parsed
        .iter()
        .find(|(_, mail)| mail.headers.get_first_value("Subject").is_some_and(|s| s.contains("demain")))
        .expect("a reminder");
    assert_eq!(reminder.0, [TECH]);
    assert_eq!(reminder.1.headers.get_first_value("X-Template").as_deref(), Some("notification_information"));
    let alert = parsed
        .iter()
        .find(|(_, mail)| mail.headers.get_first_value("X-Template").as_deref() == Some("notification_alerte"))
        .expect("an alert");
    let mut recipients = alert.0.clone();
    recipients.sort();
    assert_eq!(recipients, ["late@erp.test", "planning@erp.test"]);
    assert!(alert.1.headers.get_first_value("Subject").expect("subject").contains("en retard"));
    assert!(soon != late);
}

#[tokio::test]
async fn the_embedded_sqlite_database_runs_the_same_flow() {
    let dir = tempfile::tempdir().expect("dir");
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("erp.db").display());
    let app = spawn_app_with(&url, &[]).await;
    let acme = app.place("ACME").await;
    let first = app.planned(acme, &[TECH], "2030-01-07T08:00:00Z").await;
    let clash = app
        .call(reqwest::Method::POST, "/api/v1/interventions", Who::Responsable, Some(json!({"site_id": acme.site, "title": "x", "planned_start": "2030-01-07T09:00:00Z", "planned_end": "2030-01-07T09:30:00Z", "technicians": [TECH]})))
        .await;
    assert_eq!(clash.status(), 409);
    app.move_to(first, "in_progress", Who::Technicien(TECH), 200).await;
    app.create(
        &format!("/api/v1/interventions/{first}/lines"),
        Who::Technicien(TECH),
        json!({"date": "2030-01-07", "duration_minutes": 60, "description": "Réglage", "travel_km": 12.5}),
    )
    .await;
    app.create(
        &format!("/api/v1/interventions/{first}/parts"),
        Who::Technicien(TECH),
        json!({"reference": "JNT-12", "quantity": 2}),
    )
    .await;
    let uploaded = app
        .upload(&format!("intervention_id={first}"), "relevé.txt", b"index 1234".to_vec(), Who::Technicien(TECH))
        .await;
    assert_eq!(uploaded.status(), 201);
    let signed = app
        .call(
            reqwest::Method::PUT,
            &format!("/api/v1/interventions/{first}/signatures/client"),
            Who::Technicien(TECH),
            Some(json!({"signer_name": "M. Martin", "image": format!("data:image/png;base64,{}", app.signature())})),
        )
        .await;
    assert_eq!(signed.status(), 200);
    // The record comes back from SQLite's JSON functions as from PostgreSQL's.
    let record = app.get_json(&format!("/api/v1/interventions/{first}"), Who::Technicien(TECH)).await;
    let line = &record["lines"][0];
    assert_eq!(
        (&line["date"], &line["duration_minutes"], &line["travel_km"]),
        (&json!("2030-01-07"), &json!(60), &json!(12.5))
    );
    assert_eq!((&record["parts"][0]["reference"], &record["parts"][0]["quantity"]), (&json!("JNT-12"), &json!(2.0)));
    assert_eq!(record["documents"][0]["file_name"], "relevé.txt");
    assert_eq!(record["signatures"][0]["signer_name"], "M. Martin");
    let history: Vec<&Value> =
        record["status_history"].as_array().expect("history").iter().map(|change| &change["to"]).collect();
    assert_eq!(history, [&json!("draft"), &json!("planned"), &json!("in_progress")]);
    let list = app
        .call(
            reqwest::Method::GET,
            "/api/v1/interventions?from=2030-01-07&to=2030-01-07&q=INT",
            Who::Technicien(TECH),
            None,
        )
        .await;
    assert_eq!(list.headers()["x-total-count"], "1");
    let csv = app
        .call(reqwest::Method::GET, "/api/v1/exports/activity.csv?from=2030-01-01&to=2030-01-31", Who::Admin, None)
        .await
        .text()
        .await
        .expect("csv");
    // The header, the time line and the part.
    assert_eq!(csv.lines().count(), 3, "{csv}");
    assert!(csv.contains(";tech@erp.test;60;1,00;12,50;") && csv.contains(";JNT-12;;2,00"), "{csv}");
    let planning = app.get_json("/api/v1/planning?week=2030-W02", Who::Responsable).await;
    assert_eq!(planning["technicians"][0]["planned_minutes"], 120);
}

#[tokio::test]
async fn the_seed_command_fills_an_empty_database_once() {
    let app = spawn_app().await;
    let components = app.components().await;
    let seeded = erp_svc::seed::seed(&components.store, Utc::now()).await.expect("seed");
    assert_eq!(seeded, (2, 6));
    assert_eq!(erp_svc::seed::seed(&components.store, Utc::now()).await.expect("seed again"), (0, 0));
    let clients = app.get_json("/api/v1/clients", Who::Admin).await;
    assert_eq!(clients.as_array().expect("array").len(), 2);
    let plans = app.get_json("/api/v1/maintenance-plans", Who::Admin).await;
    assert_eq!(plans.as_array().expect("array").len(), 2);
}
