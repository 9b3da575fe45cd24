use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{Who, spawn_app};

#[tokio::test]
async fn an_admin_configures_a_client_with_categories_services_and_mailing_lists() {
    let app = spawn_app().await;
    let id = app.create_client("acme", "08:30").await;

    let client = app.get_json(&format!("/api/clients/{id}"), Who::Admin).await;
    assert_eq!(client["reference"], "acme");
    assert_eq!(client["check_time"], "08:30");
    assert_eq!(client["mailing"]["to"], json!(["dsi@acme.test"]));
    assert_eq!(client["mailing"]["cc"], json!(["astreinte@exploitation.test"]));
    let services: Vec<&str> =
        client["categories"][0]["services"].as_array().unwrap().iter().map(|s| s["label"].as_str().unwrap()).collect();
    assert_eq!(services, ["Veeam", "NAS"]);
}

#[tokio::test]
async fn invalid_clients_are_refused_field_by_field() {
    let app = spawn_app().await;
    let response = app
        .call(
            Method::POST,
            "/api/clients",
            Who::Admin,
            Some(json!({"reference": "ACME corp", "label": " ", "check_time": "25:00", "mailing": {"to": ["nope"]}})),
        )
        .await;
    assert_eq!(response.status(), 422);
    assert_eq!(response.headers()["content-type"], "application/problem+json");
    let problem: Value = response.json().await.unwrap();
    let fields: Vec<&str> =
        problem["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["reference", "label", "check_time", "mailing.to"]);

    app.create_client("acme", "08:30").await;
    let duplicate = app
        .call(
            Method::POST,
            "/api/clients",
            Who::Admin,
            Some(json!({"reference": "acme", "label": "Bis", "check_time": "09:00"})),
        )
        .await;
    assert_eq!(duplicate.status(), 409);
    assert_eq!(duplicate.json::<Value>().await.unwrap()["code"], "conflict");

    let unknown_field = app
        .call(
            Method::POST,
            "/api/clients",
            Who::Admin,
            Some(json!({"reference": "x", "label": "X", "check_time": "09:00", "colour": 1})),
        )
        .await;
    assert_eq!(unknown_field.status(), 422);
}

#[tokio::test]
async fn a_gestionnaire_sees_and_configures_only_the_clients_they_manage() {
    let app = spawn_app().await;
    let acme = app.create_client("acme", "08:30").await;
    let globex = app.create_client("globex", "09:00").await;
    let gestionnaire = Who::Gestionnaire(&["acme"]);

    let visible = app.get_json("/api/clients", gestionnaire).await;
    let references: Vec<&str> = visible.as_array().unwrap().iter().map(|c| c["reference"].as_str().unwrap()).collect();
    assert_eq!(references, ["acme"]);
    assert_eq!(app.call(Method::GET, &format!("/api/clients/{globex}"), gestionnaire, None).await.status(), 404);
    assert_eq!(
        app.call(
            Method::POST,
            &format!("/api/clients/{globex}/categories"),
            gestionnaire,
            Some(json!({"label": "Réseau"}))
        )
        .await
        .status(),
        404
    );
    assert_eq!(
        app.call(
            Method::POST,
            &format!("/api/clients/{acme}/categories"),
            gestionnaire,
            Some(json!({"label": "Réseau"}))
        )
        .await
        .status(),
        201
    );

    // Creating clients, deleting them and renaming their reference is for admins.
    let create = app
        .call(
            Method::POST,
            "/api/clients",
            gestionnaire,
            Some(json!({"reference": "initech", "label": "I", "check_time": "08:00"})),
        )
        .await;
    assert_eq!(create.status(), 403);
    assert_eq!(create.json::<Value>().await.unwrap()["code"], "forbidden");
    assert_eq!(app.call(Method::DELETE, &format!("/api/clients/{acme}"), gestionnaire, None).await.status(), 403);
    let rename = app
        .call(
            Method::PUT,
            &format!("/api/clients/{acme}"),
            gestionnaire,
            Some(json!({"reference": "acme2", "label": "Acme", "check_time": "07:45"})),
        )
        .await;
    assert_eq!(rename.status(), 403);
    let retime = app
        .call(
            Method::PUT,
            &format!("/api/clients/{acme}"),
            gestionnaire,
            Some(json!({"reference": "acme", "label": "Acme", "check_time": "07:45", "reminder_time": "10:00"})),
        )
        .await;
    assert_eq!(retime.status(), 200);
    assert_eq!(retime.json::<Value>().await.unwrap()["check_time"], "07:45");

    let stranger = app.call(Method::GET, "/api/clients", Who::Stranger, None).await;
    assert_eq!(stranger.status(), 403);
}

#[tokio::test]
async fn logos_must_be_small_images_recognised_by_their_bytes() {
    let app = spawn_app().await;
    let id = app.create_client("acme", "08:30").await;
    let png = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/logo.png")).expect("test logo");

    assert_eq!(
        app.put_bytes(&format!("/api/clients/{id}/logo"), b"<svg onload=alert(1)>".to_vec()).await.status(),
        415
    );
    assert_eq!(app.put_bytes(&format!("/api/clients/{id}/logo"), vec![0x89; 600 * 1024]).await.status(), 413);
    assert_eq!(app.put_bytes(&format!("/api/clients/{id}/logo"), png.clone()).await.status(), 204);

    let logo = app.call(Method::GET, &format!("/api/clients/{id}/logo"), Who::Admin, None).await;
    assert_eq!(logo.headers()["content-type"], "image/png");
    assert_eq!(logo.bytes().await.unwrap().to_vec(), png);
    let client = app.get_json(&format!("/api/clients/{id}"), Who::Admin).await;
    assert_eq!(client["logo_url"], format!("/checks/api/clients/{id}/logo"));
}
