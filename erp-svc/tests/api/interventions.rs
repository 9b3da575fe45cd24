//! Interventions from creation to closing: numbering, planning clashes,
//! the status flow by role, work, signatures, the report and its e-mail.

use std::process::Command;

use mailparse::MailHeaderMap;
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, Who, spawn_app};

const TECH: &str = "julie.tech@erp.test";
const OTHER_TECH: &str = "marc.tech@erp.test";

fn year() -> i32 {
    use chrono::Datelike;
    chrono::Utc::now().year()
}

/// The parsed message sent to `recipient` among `mails`.
fn mail_to<'a>(mails: &'a [common::testing::ReceivedMail], recipient: &str) -> mailparse::ParsedMail<'a> {
    let mail = mails
        .iter()
        .find(|mail| mail.recipients.iter().any(|r| r == recipient))
        .unwrap_or_else(|| panic!("no mail to {recipient}"));
    mailparse::parse_mail(&mail.raw).expect("a message")
}

fn parts<'a>(mail: &'a mailparse::ParsedMail<'a>) -> Vec<&'a mailparse::ParsedMail<'a>> {
    let mut all = vec![mail];
    for part in &mail.subparts {
        all.extend(parts(part));
    }
    all
}

fn photo(red: u8) -> Vec<u8> {
    let image = image::RgbImage::from_fn(640, 480, |x, y| image::Rgb([red, (x / 3) as u8, (y / 2) as u8]));
    let mut bytes = std::io::Cursor::new(Vec::new());
    image.write_to(&mut bytes, image::ImageFormat::Jpeg).expect("jpeg");
    bytes.into_inner()
}

#[tokio::test]
async fn an_intervention_goes_from_request_to_closing_with_its_report_mailed_to_the_client() {
    let app = spawn_app().await;
    let place = app.place("ACME").await;

    // A client's request: numbered, a draft, no planning.
    let request = app
        .call(
            Method::POST,
            "/api/v1/interventions",
            Who::Client("ACME"),
            Some(json!({"site_id": place.site, "equipment_id": place.equipment, "title": "Chaudière en panne", "description": "Plus d'eau chaude.\nLe voyant rouge clignote.", "priority": "urgent", "planned_start": "2030-01-01T08:00:00Z", "planned_end": "2030-01-01T09:00:00Z", "technicians": ["x@erp.test"]})),
        )
        .await;
    assert_eq!(request.status(), 201);
    assert!(request.headers()["location"].to_str().expect("location").starts_with("/api/v1/interventions/"));
    let request: Value = request.json().await.expect("json");
    let id = request["id"].as_i64().expect("id");
    assert_eq!(request["number"], format!("INT-{}-00001", year()));
    assert_eq!((request["status"].as_str(), request["type"].as_str()), (Some("draft"), Some("corrective")));
    assert_eq!(request["planned_start"], Value::Null, "the office plans requests");
    assert_eq!(request["technicians"], json!([]));

    // Planning needs dates and a technician.
    let refused = app.move_to(id, "planned", Who::Responsable, 409).await;
    assert_eq!(refused["code"], "invalid_transition");
    let planned = app
        .call(
            Method::PUT,
            &format!("/api/v1/interventions/{id}"),
            Who::Responsable,
            Some(json!({"equipment_id": place.equipment, "priority": "urgent", "title": "Chaudière en panne", "description": "Plus d'eau chaude.\nLe voyant rouge clignote.", "planned_start": "2030-01-07T08:00:00Z", "planned_end": "2030-01-07T12:00:00Z", "technicians": [TECH]})),
        )
        .await;
    assert_eq!(planned.status(), 200);
    let view = app.move_to(id, "planned", Who::Responsable, 200).await;
    assert_eq!(view["next_statuses"], json!(["in_progress", "cancelled"]));
    let mails = app.smtp.wait_for(1).await;
    let assignment = mail_to(&mails, TECH);
    assert_eq!(assignment.headers.get_first_value("X-Template").as_deref(), Some("notification_information"));
    assert!(assignment.headers.get_first_value("Subject").expect("subject").contains(&format!("INT-{}-00001", year())));
    let html = parts(&assignment)
        .into_iter()
        .find(|part| part.ctype.mimetype == "text/html")
        .expect("html")
        .get_body()
        .expect("body");
    assert!(html.contains("Siège, 12 rue de la Paix, Paris"), "{html}");
    assert!(html.contains("07/01/2030 09:00"), "planned start in Paris time: {html}");

    // The technician works: starts, records time, travel and parts, photos.
    let technician = Who::Technicien(TECH);
    let skipped = app.move_to(id, "validated", technician, 409).await;
    assert_eq!(skipped["code"], "invalid_transition");
    app.move_to(id, "in_progress", technician, 200).await;
    app.create(&format!("/api/v1/interventions/{id}/lines"), technician, json!({"date": "2030-01-07", "duration_minutes": 150, "description": "Remplacement de la carte électronique et purge du circuit", "travel_km": 23.5})).await;
    app.create(&format!("/api/v1/interventions/{id}/lines"), Who::Responsable, json!({"date": "2030-01-07", "technician": OTHER_TECH, "duration_minutes": 45, "description": "Contrôle de combustion"})).await;
    let refused = app
        .call(
            Method::POST,
            &format!("/api/v1/interventions/{id}/lines"),
            technician,
            Some(json!({"date": "2030-01-07", "technician": OTHER_TECH, "duration_minutes": 10, "description": "x"})),
        )
        .await;
    assert_eq!(refused.status(), 422, "a technician records only their own time");
    app.create(
        &format!("/api/v1/interventions/{id}/parts"),
        technician,
        json!({"reference": "VIT-7828745", "label": "Carte électronique HMU", "quantity": 1}),
    )
    .await;
    let part = app
        .create(
            &format!("/api/v1/interventions/{id}/parts"),
            technician,
            json!({"reference": "JNT-12", "label": "Joint", "quantity": 3}),
        )
        .await;
    let removed = app.call(Method::DELETE, &format!("/api/v1/interventions/{id}/parts/{part}"), technician, None).await;
    assert_eq!(removed.status(), 204);
    assert_eq!(
        app.upload(&format!("intervention_id={id}&kind=photo_before"), "avant.jpg", photo(200), technician)
            .await
            .status(),
        201
    );
    assert_eq!(
        app.upload(&format!("intervention_id={id}&kind=photo_after"), "après.jpg", photo(20), technician)
            .await
            .status(),
        201
    );
    app.move_to(id, "done", technician, 200).await;

    // Validation needs both signatures, and only staff validate.
    let refused = app.move_to(id, "validated", Who::Responsable, 409).await;
    assert!(refused["detail"].as_str().expect("detail").contains("client and technician signature"), "{refused}");
    for (role, name) in [("technician", "Julie Technicienne"), ("client", "M. Martin")] {
        let signed = app
            .call(
                Method::PUT,
                &format!("/api/v1/interventions/{id}/signatures/{role}"),
                technician,
                Some(json!({"signer_name": name, "image": format!("data:image/png;base64,{}", app.signature())})),
            )
            .await;
        assert_eq!(signed.status(), 200, "{role}");
    }
    let bad_signature = app
        .call(
            Method::PUT,
            &format!("/api/v1/interventions/{id}/signatures/client"),
            technician,
            Some(json!({"signer_name": "M. Martin", "image": "bm90IGFuIGltYWdl"})),
        )
        .await;
    assert_eq!(bad_signature.status(), 422);
    let drawn = app
        .call(Method::GET, &format!("/api/v1/interventions/{id}/signatures/client"), Who::Client("ACME"), None)
        .await;
    assert_eq!(drawn.status(), 200);
    assert_eq!(drawn.headers()["content-type"], "image/png");
    assert!(image::load_from_memory(&drawn.bytes().await.expect("png")).is_ok());
    app.move_to(id, "validated", technician, 403).await;
    let validated = app.move_to(id, "validated", Who::Responsable, 200).await;
    assert_eq!(validated["total_minutes"], 195);
    assert_eq!(validated["total_travel_km"], 23.5);
    assert_eq!(validated["parts"].as_array().expect("parts").len(), 1);
    assert_eq!(validated["documents"].as_array().expect("documents").len(), 2);
    let history: Vec<&str> = validated["status_history"]
        .as_array()
        .expect("history")
        .iter()
        .map(|change| change["to"].as_str().expect("to"))
        .collect();
    assert_eq!(history, ["draft", "planned", "in_progress", "done", "validated"]);

    // The client receives the report.
    let mails = app.smtp.wait_for(2).await;
    let report_mail = mail_to(&mails, "facturation@acme.test");
    assert_eq!(report_mail.headers.get_first_value("X-Template").as_deref(), Some("notification_information"));
    let attachment = parts(&report_mail)
        .into_iter()
        .find(|part| part.ctype.mimetype == "application/pdf")
        .expect("the report is attached");
    let pdf = attachment.get_body_raw().expect("pdf");
    assert!(pdf.starts_with(b"%PDF-"));

    // The same report from the API, looked at page by page.
    let response =
        app.call(Method::GET, &format!("/api/v1/interventions/{id}/report.pdf"), Who::Client("ACME"), None).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/pdf");
    let served = response.bytes().await.expect("pdf");
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("bon.pdf");
    std::fs::write(&path, &served).expect("write");
    let text = Command::new("pdftotext").args(["-layout"]).arg(&path).arg("-").output().expect("pdftotext");
    let text = String::from_utf8_lossy(&text.stdout);
    for expected in [
        "BON D'INTERVENTION",
        &format!("INT-{}-00001", year()),
        "ACME SA",
        "Remplacement de la carte",
        "VIT-7828745",
        "2h30",
        "3h15",
        "23,5",
        "Avant",
        "Après",
        "M. Martin",
        "Julie Technicienne",
        "Validée",
        "Viessmann Vitodens 200",
    ] {
        assert!(text.contains(expected), "{expected:?} missing from the report:\n{text}");
    }
    if let Ok(dir) = std::env::var("ERP_REPORT_PNG_DIR") {
        let rendered = Command::new("pdftoppm")
            .args(["-png", "-r", "60"])
            .arg(&path)
            .arg(format!("{dir}/bon"))
            .status()
            .expect("pdftoppm");
        assert!(rendered.success());
    }

    // Closed: nothing changes any more.
    app.move_to(id, "closed", Who::Responsable, 200).await;
    let late = app
        .call(
            Method::POST,
            &format!("/api/v1/interventions/{id}/lines"),
            technician,
            Some(json!({"date": "2030-01-08", "duration_minutes": 10, "description": "Oubli"})),
        )
        .await;
    assert_eq!(late.status(), 409);
    app.move_to(id, "cancelled", Who::Admin, 409).await;

    // Every change is in the audit trail, with who did it.
    let audit = app.get_json(&format!("/api/v1/interventions/{id}/history?per_page=200"), Who::Responsable).await;
    let actions: Vec<(&str, &str)> = audit
        .as_array()
        .expect("audit")
        .iter()
        .map(|entry| (entry["action"].as_str().expect("action"), entry["actor"].as_str().expect("actor")))
        .collect();
    for expected in [
        ("created", "contact@acme.test"),
        ("updated", "responsable@erp.test"),
        ("line_added", TECH),
        ("part_removed", TECH),
        ("document_added", TECH),
        ("signed", TECH),
        ("status_changed", "responsable@erp.test"),
    ] {
        assert!(actions.contains(&expected), "{expected:?} not in {actions:?}");
    }
}

#[tokio::test]
async fn overlapping_assignments_clash_unless_a_responsable_forces_them() {
    let app = spawn_app().await;
    let place = app.place("ACME").await;
    let first = app.planned(place, &[TECH], "2030-03-04T08:00:00Z").await;
    let overlapping = json!({"site_id": place.site, "title": "Contrôle annuel", "planned_start": "2030-03-04T09:00:00Z", "planned_end": "2030-03-04T10:00:00Z", "technicians": [OTHER_TECH, TECH]});

    let refused = app.call(Method::POST, "/api/v1/interventions", Who::Responsable, Some(overlapping.clone())).await;
    assert_eq!(refused.status(), 409);
    assert_eq!(refused.headers()["content-type"], "application/problem+json");
    let problem: Value = refused.json().await.expect("json");
    assert_eq!(problem["code"], "scheduling_conflict");
    assert!(
        problem["detail"].as_str().expect("detail").contains(&format!("{TECH} is on INT-{}-00001", year())),
        "{problem}"
    );

    // Back to back is not a clash.
    let after = app.create("/api/v1/interventions", Who::Responsable, json!({"site_id": place.site, "title": "Suite", "planned_start": "2030-03-04T10:00:00Z", "planned_end": "2030-03-04T11:00:00Z", "technicians": [TECH]})).await;
    let mut forced = overlapping.clone();
    forced["force"] = json!(true);
    let second = app.create("/api/v1/interventions", Who::Responsable, forced).await;
    // Planning the forced one asks again.
    app.move_to(second, "planned", Who::Responsable, 409).await;
    let planned = app
        .call(
            Method::POST,
            &format!("/api/v1/interventions/{second}/transitions"),
            Who::Responsable,
            Some(json!({"status": "planned", "force": true})),
        )
        .await;
    assert_eq!(planned.status(), 200);

    let planning = app.get_json("/api/v1/planning?week=2030-W10", Who::Responsable).await;
    let week = planning["technicians"].as_array().expect("technicians");
    let julie = week.iter().find(|t| t["technician"] == TECH).expect("julie's week");
    assert_eq!(julie["interventions"].as_array().expect("list").len(), 3);
    assert_eq!(julie["planned_minutes"], 120 + 60 + 60);
    assert_eq!(julie["clashes"].as_array().expect("clashes").len(), 1, "{julie}");
    let marc = week.iter().find(|t| t["technician"] == OTHER_TECH).expect("marc's week");
    assert_eq!(marc["clashes"], json!([]));
    assert!(first < after);
}

#[tokio::test]
async fn bad_input_is_refused_field_by_field() {
    let app = spawn_app().await;
    let place = app.place("ACME").await;
    let response = app
        .call(
            Method::POST,
            "/api/v1/interventions",
            Who::Responsable,
            Some(json!({"site_id": place.site, "equipment_id": 99999, "type": "repair", "priority": "asap", "title": " ", "planned_start": "2030-01-01T10:00:00Z", "planned_end": "2030-01-01T09:00:00Z", "technicians": ["not-an-address"]})),
        )
        .await;
    assert_eq!(response.status(), 422);
    let problem: Value = response.json().await.expect("json");
    let mut fields: Vec<&str> =
        problem["errors"].as_array().expect("errors").iter().map(|e| e["field"].as_str().expect("field")).collect();
    fields.sort();
    assert_eq!(fields, ["equipment_id", "planned_end", "priority", "technicians[0]", "title", "type"], "{problem}");

    let unknown_field = app
        .call(Method::POST, "/api/v1/clients", Who::Admin, Some(json!({"reference": "X", "name": "X", "siret": "1"})))
        .await;
    // An unknown field is a body of the wrong shape: 422, as the FastAPI original answered.
    assert_eq!(unknown_field.status(), 422);
    assert_eq!(unknown_field.headers()["content-type"], "application/problem+json");
    let not_json = app
        .request(Method::POST, "/api/v1/clients", Who::Admin)
        .header("content-type", "application/json")
        .body("{")
        .send()
        .await
        .expect("request");
    assert_eq!(not_json.status(), 400);
    let problem: Value = not_json.json().await.expect("problem+json, not text");
    assert_eq!(problem["code"], "bad_request");
    let bad_status = app
        .call(Method::POST, "/api/v1/interventions/1/transitions", Who::Admin, Some(json!({"status": "finished"})))
        .await;
    assert_eq!(bad_status.status(), 422);
    let missing = app.call(Method::GET, "/api/v1/interventions/424242", Who::Admin, None).await;
    assert_eq!(missing.status(), 404);
    let page = app.call(Method::GET, "/api/v1/interventions?per_page=1000", Who::Admin, None).await;
    assert_eq!(page.status(), 422);
    let duplicate = app
        .call(Method::POST, "/api/v1/clients", Who::Admin, Some(json!({"reference": "ACME", "name": "Autre"})))
        .await;
    assert_eq!(duplicate.status(), 409);
}

#[tokio::test]
async fn lists_filter_and_paginate_with_totals_and_links_and_the_root_paths_still_answer() {
    let app = spawn_app().await;
    let acme = app.place("ACME").await;
    let globex = app.place("GLOBEX").await;
    for day in 1..=5 {
        app.planned(acme, &[TECH], &format!("2030-02-0{day}T08:00:00Z")).await;
    }
    app.planned(globex, &[OTHER_TECH], "2030-02-03T08:00:00Z").await;

    let response = app
        .call(
            Method::GET,
            &format!("/api/v1/interventions?client_id={}&per_page=2&page=2", acme.client),
            Who::Responsable,
            None,
        )
        .await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["x-total-count"], "5");
    let link = response.headers()["link"].to_str().expect("link").to_owned();
    assert!(link.contains("page=1>; rel=\"prev\"") && link.contains("page=3>; rel=\"next\""), "{link}");
    assert!(link.contains(&format!("client_id={}", acme.client)), "{link}");
    let page: Value = response.json().await.expect("json");
    let starts: Vec<&str> =
        page.as_array().expect("page").iter().map(|i| i["planned_start"].as_str().expect("start")).collect();
    assert_eq!(starts, ["2030-02-03T08:00:00Z", "2030-02-02T08:00:00Z"], "newest first");

    let count = |query: &str| {
        let app = &app;
        let query = query.to_owned();
        async move {
            let response = app.call(Method::GET, &format!("/api/v1/interventions?{query}"), Who::Admin, None).await;
            assert_eq!(response.status(), 200, "{query}");
            response.headers()["x-total-count"].to_str().expect("count").parse::<u32>().expect("number")
        }
    };
    assert_eq!(count("from=2030-02-02&to=2030-02-03").await, 3);
    assert_eq!(count(&format!("technician={OTHER_TECH}")).await, 1);
    assert_eq!(count("status=planned&priority=high&type=corrective").await, 6);
    assert_eq!(count("status=draft").await, 0);
    assert_eq!(count(&format!("q=int-{}-0000", year())).await, 6);
    assert_eq!(count(&format!("site_id={}", globex.site)).await, 1);

    // The original also served its routes at the root.
    let root = app.get_json("/interventions?per_page=1", Who::Admin).await;
    assert_eq!(root.as_array().expect("array").len(), 1);
    let clients = app.get_json("/clients", Who::Admin).await;
    assert_eq!(clients.as_array().expect("array").len(), 2);

    // The activity export: time, travel and parts, per day and client.
    let first = root[0]["id"].as_i64().expect("id");
    app.move_to(first, "in_progress", Who::Technicien(TECH), 200).await;
    app.create(&format!("/api/v1/interventions/{first}/lines"), Who::Technicien(TECH), json!({"date": "2030-02-05", "duration_minutes": 90, "description": "Détartrage; \"complet\"", "travel_km": 12})).await;
    app.create(
        &format!("/api/v1/interventions/{first}/parts"),
        Who::Technicien(TECH),
        json!({"reference": "=1+1", "label": "Anode", "quantity": 2}),
    )
    .await;
    let response = app
        .call(Method::GET, "/api/v1/exports/activity.csv?from=2030-02-01&to=2030-02-28", Who::Responsable, None)
        .await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "text/csv; charset=utf-8");
    let csv = response.text().await.expect("csv");
    let lines: Vec<&str> = csv.trim_start_matches('\u{feff}').lines().collect();
    assert_eq!(lines[0], "date;client;intervention;technicien;minutes;heures;km;reference_piece;designation;quantite");
    assert_eq!(lines.len(), 3, "{csv}");
    assert!(
        lines[1].starts_with(&format!("2030-02-05;ACME SA;INT-{}-", year()))
            && lines[1].ends_with(&format!("{TECH};90;1,50;12,00;;;")),
        "{csv}"
    );
    assert!(lines[2].ends_with(";;;;'=1+1;Anode;2,00"), "{csv}");
}

/// Responsables booking the same technician at the same time: one booking
/// wins, the others are told of the clash, on both engines.
async fn concurrent_bookings_of_one_technician_leave_one(app: &TestApp) {
    let place = app.place("ACME").await;
    for day in 1..=4 {
        let booking = |minute: u32| {
            json!({"site_id": place.site, "title": format!("Dépannage {minute}"), "technicians": [TECH],
                "planned_start": format!("2030-05-{day:02}T09:{minute:02}:00Z"),
                "planned_end": format!("2030-05-{day:02}T11:00:00Z")})
        };
        let attempts = (0..16)
            .map(|minute| app.call(Method::POST, "/api/v1/interventions", Who::Responsable, Some(booking(minute))));
        let statuses: Vec<u16> =
            futures_util::future::join_all(attempts).await.iter().map(|response| response.status().as_u16()).collect();
        assert_eq!(statuses.iter().filter(|status| **status == 201).count(), 1, "day {day}: {statuses:?}");
        assert_eq!(statuses.iter().filter(|status| **status == 409).count(), 15, "day {day}: {statuses:?}");
    }
}

#[tokio::test]
async fn concurrent_bookings_of_one_technician_leave_one_on_postgres() {
    concurrent_bookings_of_one_technician_leave_one(&spawn_app().await).await;
}

#[tokio::test]
async fn concurrent_bookings_of_one_technician_leave_one_on_sqlite() {
    let dir = tempfile::tempdir().expect("a directory");
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("erp.db").display());
    concurrent_bookings_of_one_technician_leave_one(&crate::helpers::spawn_app_with(&url, &[]).await).await;
}

/// The update answers with what it wrote (no read back), exactly as a later
/// read shows it; and once the intervention is cancelled, no update racing
/// the cancellation lands.
#[tokio::test]
async fn an_update_answers_what_it_wrote_and_never_lands_after_a_cancellation() {
    let app = spawn_app().await;
    let place = app.place("ACME").await;
    let id = app
        .create(
            "/api/v1/interventions",
            Who::Responsable,
            json!({"site_id": place.site, "title": "Fuite", "technicians": [TECH]}),
        )
        .await;
    let change = json!({"title": "Fuite chaufferie", "priority": "urgent", "type": "inspection", "description": "Voir la vanne.",
        "equipment_id": place.equipment, "planned_start": "2030-06-03T08:00:00Z", "planned_end": "2030-06-03T10:30:00Z",
        "technicians": [TECH, OTHER_TECH]});
    let updated = app.call(Method::PUT, &format!("/api/v1/interventions/{id}"), Who::Responsable, Some(change)).await;
    assert_eq!(updated.status(), 200);
    let answered: Value = updated.json().await.expect("json");
    assert_eq!(answered, app.get_json(&format!("/api/v1/interventions/{id}"), Who::Responsable).await);
    assert_eq!(answered["title"], "Fuite chaufferie");
    let mut technicians = vec![TECH, OTHER_TECH];
    technicians.sort();
    assert_eq!(answered["technicians"], json!(technicians));

    let path = format!("/api/v1/interventions/{id}");
    let transitions = format!("{path}/transitions");
    let edits = (0..12).map(|n| {
        app.call(
            Method::PUT,
            &path,
            Who::Responsable,
            Some(json!({"title": format!("Course {n}"), "technicians": [TECH]})),
        )
    });
    let cancel = app.call(Method::POST, &transitions, Who::Responsable, Some(json!({"status": "cancelled"})));
    let (edits, cancelled) = tokio::join!(futures_util::future::join_all(edits), cancel);
    assert_eq!(cancelled.status(), 200);
    for edit in &edits {
        assert!([200, 409].contains(&edit.status().as_u16()), "{}", edit.status());
    }
    let history = app.get_json(&format!("/api/v1/interventions/{id}/history?per_page=100"), Who::Responsable).await;
    let mut entries: Vec<(i64, String)> = history
        .as_array()
        .expect("entries")
        .iter()
        .map(|entry| (entry["id"].as_i64().expect("id"), entry["action"].as_str().expect("action").to_owned()))
        .collect();
    entries.sort();
    let cancellation = entries.iter().position(|(_, action)| action == "status_changed").expect("the cancellation");
    assert!(entries[cancellation + 1..].is_empty(), "{entries:?}");
    let updates = entries.iter().filter(|(_, action)| action == "updated").count();
    let accepted = edits.iter().filter(|edit| edit.status() == 200).count();
    assert_eq!(updates, accepted + 1, "{entries:?}");
}
