//! A check exported as PDF, PNG and Excel: the files open, and hold what
//! the check holds.

use std::io::Read;
use std::process::Command;

use reqwest::Method;
use serde_json::json;

use crate::checks::open_todays_check;
use crate::helpers::{Who, spawn_app};

#[tokio::test]
async fn a_check_exports_to_pdf_png_and_excel() {
    let app = spawn_app().await;
    let (client, check) = open_todays_check(&app).await;
    let id = check["id"].as_i64().unwrap();
    let logo = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/logo.png")).unwrap();
    assert_eq!(app.put_bytes(&format!("/api/clients/{client}/logo"), logo).await.status(), 204);
    let veeam = check["services"][0]["id"].as_i64().unwrap();
    let verdict = json!({"status": "error", "comment": "Job Exchange en échec : espace disque insuffisant", "intervenant": "tech@exploitation.test"});
    app.call(Method::PUT, &format!("/api/checks/{id}/services/{veeam}"), Who::Admin, Some(verdict)).await;

    let date = check["date"].as_str().unwrap().to_owned();
    let download = |format: &'static str| {
        let (app, date) = (&app, &date);
        async move {
            let response = app.call(Method::GET, &format!("/api/checks/{id}/export.{format}"), Who::Admin, None).await;
            assert_eq!(response.status(), 200, "{format}");
            let disposition = response.headers()["content-disposition"].to_str().unwrap().to_owned();
            assert!(disposition.contains(&format!("check-client-acme-{}.{format}", date)), "{disposition}");
            response.bytes().await.unwrap().to_vec()
        }
    };

    let pdf = download("pdf").await;
    assert!(pdf.starts_with(b"%PDF-"));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("check.pdf");
    std::fs::write(&path, &pdf).unwrap();
    let text = Command::new("pdftotext").args(["-layout"]).arg(&path).arg("-").output().unwrap();
    let text = String::from_utf8_lossy(&text.stdout).to_string();
    for expected in [
        "Check du Matin",
        "Client acme",
        "Sauvegardes",
        "Veeam",
        "NAS",
        "KO",
        "Job Exchange en échec",
        "tech@exploitation.test",
    ] {
        assert!(text.contains(expected), "{expected:?} missing from the PDF:\n{text}");
    }
    let images = Command::new("pdfimages").arg("-list").arg(&path).output().unwrap();
    assert!(String::from_utf8_lossy(&images.stdout).lines().count() >= 3, "the logo is in the PDF");
    // Kept for a person to look at.
    std::fs::write(std::env::temp_dir().join("platform-check-export.pdf"), &pdf).unwrap();

    let png = download("png").await;
    let image = image::load_from_memory(&png).expect("a PNG");
    // A4 at 110 dpi.
    assert_eq!(image.width(), 910);
    assert!((1286..=1287).contains(&image.height()), "{}", image.height());
    std::fs::write(std::env::temp_dir().join("platform-check-export.png"), &png).unwrap();

    let xlsx = download("xlsx").await;
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(xlsx)).expect("an xlsx is a zip");
    let mut strings = String::new();
    archive.by_name("xl/sharedStrings.xml").unwrap().read_to_string(&mut strings).unwrap();
    for expected in ["Catégorie", "Sauvegardes", "Veeam", "NAS", "KO", "À vérifier", "espace disque insuffisant"] {
        assert!(strings.contains(expected), "{expected:?} missing from the workbook: {strings}");
    }
    // The check's date is a date cell (a serial number with a date style), not text.
    let mut sheet = String::new();
    archive.by_name("xl/worksheets/sheet1.xml").unwrap().read_to_string(&mut sheet).unwrap();
    let date_cell = sheet.split("<c r=\"B3\"").nth(1).expect("the date cell").split("</c>").next().unwrap().to_owned();
    assert!(date_cell.contains(" s=\"") && !date_cell.contains("t=\"s\""), "{date_cell}");
    let serial: f64 = date_cell.split("<v>").nth(1).unwrap().split("</v>").next().unwrap().parse().expect("a number");
    let days = chrono::NaiveDate::parse_from_str(&date, "%Y-%m-%d").unwrap()
        - chrono::NaiveDate::from_ymd_opt(1899, 12, 30).unwrap();
    assert_eq!(serial, days.num_days() as f64, "Excel's serial of {date}");

    let unknown = app.call(Method::GET, &format!("/api/checks/{id}/export.docx"), Who::Admin, None).await;
    assert_eq!(unknown.status(), 404);
    let hidden =
        app.call(Method::GET, &format!("/api/checks/{id}/export.pdf"), Who::Gestionnaire(&["globex"]), None).await;
    assert_eq!(hidden.status(), 404);
}
