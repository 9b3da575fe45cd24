//! Documents and photos: type from content, safe names, size limit,
//! downloads only for those who may see the intervention.

use reqwest::Method;
use secrecy::ExposeSecret;
use serde_json::Value;

use crate::helpers::{Who, spawn_app, spawn_app_with};

const TECH: &str = "tech@erp.test";

#[tokio::test]
async fn documents_are_typed_by_content_named_safely_and_served_only_to_who_may_see_them() {
    let app = spawn_app().await;
    let acme = app.place("ACME").await;
    let globex = app.place("GLOBEX").await;
    let id = app.planned(acme, &[TECH], "2030-01-07T08:00:00Z").await;
    app.planned(globex, &["other@erp.test"], "2030-01-07T08:00:00Z").await;

    // The original's test upload: a text file.
    let response = app
        .upload(
            &format!("intervention_id={id}"),
            "../test_upload.txt",
            b"releve compteur: 1234".to_vec(),
            Who::Technicien(TECH),
        )
        .await;
    assert_eq!(response.status(), 201);
    let document: Value = response.json().await.expect("json");
    assert_eq!(document["file_name"], "test_upload.txt");
    assert_eq!(document["media_type"], "text/plain; charset=utf-8");
    assert_eq!(document["kind"], "document");
    assert_eq!(document["size_bytes"], 21);
    let url = document["url"].as_str().expect("url").to_owned();
    assert_eq!(url, format!("/erp/api/v1/documents/file/{}", document["id"]));

    // A PDF named as an image is stored as the PDF it is.
    let response = app
        .upload(&format!("intervention_id={id}"), "rapport.png", b"%PDF-1.7\n%\xe2\xe3\n".to_vec(), Who::Responsable)
        .await;
    let pdf: Value = response.json().await.expect("json");
    assert_eq!((pdf["file_name"].as_str(), pdf["media_type"].as_str()), (Some("rapport.pdf"), Some("application/pdf")));
    // Programs are refused, and photos must be images.
    let response = app
        .upload(
            &format!("intervention_id={id}"),
            "photo.jpg",
            b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff".to_vec(),
            Who::Technicien(TECH),
        )
        .await;
    assert_eq!(response.status(), 415);
    let response = app
        .upload(
            &format!("intervention_id={id}&kind=photo_after"),
            "notes.txt",
            b"texte".to_vec(),
            Who::Technicien(TECH),
        )
        .await;
    assert_eq!(response.status(), 422);
    let response = app
        .upload(&format!("intervention_id={id}&kind=selfie"), "notes.txt", b"texte".to_vec(), Who::Technicien(TECH))
        .await;
    assert_eq!(response.status(), 422);
    // Only those who work on it upload.
    let response = app.upload(&format!("intervention_id={id}"), "a.txt", b"x".to_vec(), Who::Client("ACME")).await;
    assert_eq!(response.status(), 403);
    let response =
        app.upload(&format!("intervention_id={id}"), "a.txt", b"x".to_vec(), Who::Technicien("other@erp.test")).await;
    assert_eq!(response.status(), 404);

    // Downloads: the bytes as uploaded, as an attachment, to those who may see it.
    let path = url.trim_start_matches("/erp");
    let response = app.call(Method::GET, path, Who::Client("ACME"), None).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "text/plain; charset=utf-8");
    assert_eq!(response.headers()["content-disposition"], "attachment; filename*=UTF-8''test_upload.txt");
    assert_eq!(response.bytes().await.expect("bytes").as_ref(), b"releve compteur: 1234");
    for who in [Who::Client("GLOBEX"), Who::Technicien("other@erp.test")] {
        assert_eq!(app.call(Method::GET, path, who, None).await.status(), 404, "{who:?}");
    }

    let listed = app.get_json(&format!("/api/v1/documents/{id}"), Who::Client("ACME")).await;
    assert_eq!(listed.as_array().expect("array").len(), 2);
    let all = app.get_json("/api/v1/documents/", Who::Client("GLOBEX")).await;
    assert_eq!(all, serde_json::json!([]));
    let all = app.call(Method::GET, "/api/v1/documents/", Who::Admin, None).await;
    assert_eq!(all.headers()["x-total-count"], "2");
}

#[tokio::test]
async fn an_upload_over_the_limit_is_refused_with_413() {
    let database = common::testing::fresh_postgres("erp").await;
    let app = spawn_app_with(database.url.expose_secret(), &[("ERP__DOCUMENTS__MAX_UPLOAD_BYTES", "100000")]).await;
    let acme = app.place("ACME").await;
    let id = app.planned(acme, &[TECH], "2030-01-07T08:00:00Z").await;
    let response =
        app.upload(&format!("intervention_id={id}"), "big.txt", vec![b'a'; 100_001], Who::Technicien(TECH)).await;
    assert_eq!(response.status(), 413);
    let problem: Value = response.json().await.expect("json");
    assert_eq!(problem["code"], "payload_too_large");
    let response =
        app.upload(&format!("intervention_id={id}"), "fits.txt", vec![b'a'; 100_000], Who::Technicien(TECH)).await;
    assert_eq!(response.status(), 201);
}
