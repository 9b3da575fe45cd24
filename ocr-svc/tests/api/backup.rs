use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use common::configuration::ObjectStoreSettings;
use common::object_storage::ObjectStorage;
use common::testing::S3Server;
use ocr_svc::domain::energy::EnergyType;
use ocr_svc::synthetic::BillSpec;
use ocr_svc::synthetic::scan::scan_pages;
use reqwest::multipart::Form;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::helpers::{bill_pdf, file, spawn_app, spawn_app_with};

/// The run folder once its manifest (written last) is there.
async fn wait_for_run(root: &Path) -> PathBuf {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(manifest) = find(root, "manifest.json") {
            return manifest.parent().expect("run folder").to_path_buf();
        }
        assert!(Instant::now() < deadline, "no backup under {}", root.display());
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn find(directory: &Path, name: &str) -> Option<PathBuf> {
    for entry in std::fs::read_dir(directory).ok()?.flatten() {
        let path = entry.path();
        if path.file_name().is_some_and(|file_name| file_name == name) {
            return Some(path);
        }
        if path.is_dir()
            && let Some(found) = find(&path, name)
        {
            return Some(found);
        }
    }
    None
}

fn names(folder: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(folder)
        .expect("run folder")
        .flatten()
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .filter(|name| !name.starts_with('.'))
        .collect();
    names.sort();
    names
}

#[tokio::test]
async fn an_analysed_pdf_is_backed_up_to_s3_as_the_seed_laid_it_out() {
    let s3 = S3Server::start();
    let endpoint = s3.settings.endpoint.clone().expect("endpoint");
    let app = spawn_app_with(&[
        ("ENV", "prod"),
        ("DO_SPACES_KEY", &s3.settings.access_key),
        ("DO_SPACES_SECRET", "test-secret"),
        ("DO_SPACES_ENDPOINT", &endpoint),
        ("DO_SPACES_BUCKET", &s3.settings.bucket),
        ("PLATFORM__OBJECT_STORE__S3__ALLOW_HTTP", "true"),
    ])
    .await;
    let spec = BillSpec::generate(21, EnergyType::Electricite, 1);
    let original = bill_pdf(&spec);
    let form = Form::new()
        .part("file", file("facture.pdf", original.clone(), "application/pdf"))
        .text("user_id", "123")
        .text("invoice_id", "456")
        .text("external_ref", "FAC-2025-001")
        .text("customer_name", "Boulangerie Éclair");
    let response = app.post_form("/v1/invoices/pdf", form).await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.expect("json");

    let run = wait_for_run(&s3.bucket_dir()).await;
    let relative = run.strip_prefix(s3.bucket_dir()).expect("inside the bucket");
    let parts: Vec<String> = relative.iter().map(|part| part.to_string_lossy().into_owned()).collect();
    assert_eq!(parts[..3], ["prod", "user-123__boulangerie-eclair", "invoice-456"]);
    let run_id = &parts[3];
    assert_eq!(
        names(&run),
        ["manifest.json", "original_electricite.pdf", "report_anon_electricite.pdf", "report_full_electricite.pdf"]
    );
    assert_eq!(std::fs::read(run.join("original_electricite.pdf")).expect("original"), original);
    let full = STANDARD.decode(body["non_anonymous_report_base64"].as_str().expect("report")).expect("base64");
    assert_eq!(std::fs::read(run.join("report_full_electricite.pdf")).expect("report"), full);

    let manifest: Value =
        serde_json::from_slice(&std::fs::read(run.join("manifest.json")).expect("manifest")).expect("manifest is JSON");
    assert_eq!(manifest["env"], "prod");
    assert_eq!(&manifest["run_id"], run_id.as_str());
    assert_eq!(manifest["user_id"], 123);
    assert_eq!(manifest["invoice_id"], 456);
    assert_eq!(manifest["external_ref"], "FAC-2025-001");
    assert_eq!(manifest["customer_name"], "Boulangerie Éclair");
    assert_eq!(manifest["energy_type"], "electricite");
    assert_eq!(manifest["highlights"], body["highlights"]);
    assert_eq!(manifest["original_pages"], serde_json::json!([]));
    let full_entry = manifest["files"]
        .as_array()
        .expect("files")
        .iter()
        .find(|entry| entry["name"] == "report_full_electricite.pdf")
        .expect("the full report is listed");
    assert_eq!(full_entry["sha256"], hex::encode(Sha256::digest(&full)));

    let storage = ObjectStorage::from_settings(
        &ObjectStoreSettings { local_dir: "unused".into(), s3: Some(s3.settings.clone()) },
        "prod",
    )
    .expect("storage");
    let key = format!("{}/{}/{run_id}/report_anon_electricite.pdf", parts[1], parts[2]);
    let info = storage.describe(&key).await.expect("describe");
    assert_eq!(info.content_type.as_deref(), Some("application/pdf"));
    let metadata: std::collections::HashMap<_, _> = info.metadata.into_iter().collect();
    assert_eq!(metadata["user-id"], "123");
    assert_eq!(metadata["invoice-id"], "456");
    assert_eq!(metadata["external-ref"], "FAC-2025-001");
    assert_eq!(metadata["source-kind"], "pdf");
    assert_eq!(metadata["energy-type"], "electricite");
    assert_eq!(&metadata["run-id"], run_id);
}

#[tokio::test]
async fn uploaded_page_images_are_kept_as_sent_when_backup_is_on_locally() {
    let app = spawn_app_with(&[("OCR__ANALYSIS__BACKUP", "true")]).await;
    let spec = BillSpec::generate(8, EnergyType::Gaz, 0);
    let pages: Vec<Vec<u8>> =
        scan_pages(&bill_pdf(&spec), 8).expect("scan").into_iter().map(|page| page.data).collect();
    let mut form = Form::new().text("external_ref", "Réf 2025/07");
    for (index, page) in pages.iter().enumerate() {
        form = form.part("files", file(&format!("page{index}.jpg"), page.clone(), "image/jpeg"));
    }
    let response = app.post_form("/v1/invoices/images", form).await;
    assert_eq!(response.status(), 200);

    let run = wait_for_run(&app.data_dir().join("objects")).await;
    assert!(run.to_string_lossy().contains("user-anonymous__unknown/invoice-ref-2025-07/"), "{}", run.display());
    let expected_pages: Vec<String> = (1..=pages.len()).map(|page| format!("page-{page:03}.jpg")).collect();
    for (name, page) in expected_pages.iter().zip(&pages) {
        assert_eq!(&std::fs::read(run.join(name)).expect("page"), page, "{name} kept as sent");
    }
    let manifest: Value =
        serde_json::from_slice(&std::fs::read(run.join("manifest.json")).expect("manifest")).expect("json");
    assert_eq!(manifest["source_kind"], "images");
    assert_eq!(manifest["original_pages"], serde_json::json!(expected_pages));
}

#[tokio::test]
async fn nothing_is_kept_when_no_bucket_is_configured() {
    let app = spawn_app().await;
    let spec = BillSpec::generate(23, EnergyType::Electricite, 0);
    let form = Form::new().part("file", file("facture.pdf", bill_pdf(&spec), "application/pdf"));
    assert_eq!(app.post_form("/v1/invoices/pdf", form).await.status(), 200);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(find(&app.data_dir().join("objects"), "manifest.json"), None);
}
