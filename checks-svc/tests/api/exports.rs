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

/// What `pdftotext` and `pdfinfo` read of a PDF.
fn read_pdf(pdf: &[u8]) -> (String, usize) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("export.pdf");
    std::fs::write(&path, pdf).unwrap();
    let text = Command::new("pdftotext").args(["-layout"]).arg(&path).arg("-").output().unwrap();
    let info = String::from_utf8_lossy(&Command::new("pdfinfo").arg(&path).output().unwrap().stdout).to_string();
    let pages = info.lines().find_map(|line| line.strip_prefix("Pages:")).unwrap().trim().parse().unwrap();
    (String::from_utf8_lossy(&text.stdout).to_string(), pages)
}

#[tokio::test]
async fn a_check_of_several_pages_exports_to_one_tall_png() {
    let app = spawn_app().await;
    let (client, check) = open_todays_check(&app).await;
    let category = app.create(&format!("/api/clients/{client}/categories"), json!({"label": "Serveurs"})).await;
    for number in 0..70 {
        app.create(&format!("/api/categories/{category}/services"), json!({"label": format!("Serveur {number:02}")}))
            .await;
    }
    // The day's check, still untouched, gets the new services on the next tick.
    let date = check["date"].as_str().unwrap().to_owned();
    app.components().await.scheduler.tick(crate::helpers::paris_noon(&date)).await.unwrap();
    let check = check["id"].as_i64().unwrap();
    let pdf = app.call(Method::GET, &format!("/api/checks/{check}/export.pdf"), Who::Admin, None).await;
    let (_, pages) = read_pdf(&pdf.bytes().await.unwrap());
    assert!(pages >= 2, "{pages} pages");
    let png = app.call(Method::GET, &format!("/api/checks/{check}/export.png"), Who::Admin, None).await;
    let image = image::load_from_memory(&png.bytes().await.unwrap()).expect("a PNG");
    assert_eq!(image.width(), 910);
    let expected = 1287 * pages as u32;
    assert!(image.height().abs_diff(expected) <= pages as u32, "{} px for {pages} pages", image.height());
}

#[tokio::test]
async fn a_month_of_checks_exports_to_one_pdf_and_one_workbook() {
    let app = spawn_app().await;
    let client = app.create_client("acme", "08:00").await;
    app.backdate_clients(90).await;
    let scheduler = app.components().await.scheduler;
    // Monday 2 to Wednesday 4 November 2026; the 4th stays open.
    for day in ["2026-11-02", "2026-11-03", "2026-11-04"] {
        scheduler.tick(crate::helpers::paris_noon(day)).await.unwrap();
    }
    let history =
        app.get_json(&format!("/api/clients/{client}/history?from=2026-11-01&to=2026-11-30"), Who::Admin).await;
    let days: Vec<String> =
        history["days"].as_array().unwrap().iter().map(|d| d["date"].as_str().unwrap().to_owned()).collect();
    assert_eq!(days, ["2026-11-02", "2026-11-03", "2026-11-04"], "{history}");
    for date in ["2026-11-02", "2026-11-03"] {
        let check = app.checks_of(date).await[0]["id"].as_i64().unwrap();
        let services = app.get_json(&format!("/api/checks/{check}"), Who::Admin).await["services"].clone();
        for service in services.as_array().unwrap() {
            let path = format!("/api/checks/{check}/services/{}", service["id"]);
            app.call(
                Method::PUT,
                &path,
                Who::Admin,
                Some(json!({"status": "success", "comment": format!("RAS le {date}")})),
            )
            .await;
        }
        assert_eq!(
            app.call(Method::POST, &format!("/api/checks/{check}/finish"), Who::Admin, None).await.status(),
            200
        );
    }

    let pdf = app.call(Method::GET, &format!("/api/clients/{client}/months/2026-11.pdf"), Who::Admin, None).await;
    assert_eq!(pdf.status(), 200);
    let disposition = pdf.headers()["content-disposition"].to_str().unwrap().to_owned();
    assert!(disposition.contains("checks-client-acme-2026-11.pdf"), "{disposition}");
    let pdf = pdf.bytes().await.unwrap();
    // Kept for a person to look at.
    std::fs::write(std::env::temp_dir().join("platform-month-export.pdf"), &pdf).unwrap();
    let (text, pages) = read_pdf(&pdf);
    assert_eq!(pages, 4, "a summary, then each of the 3 checks");
    for expected in [
        "novembre 2026",
        "lundi 2 novembre 2026",
        "mardi 3 novembre 2026",
        "mercredi 4 novembre 2026",
        "RAS le 2026-11-03",
        "À faire",
    ] {
        assert!(text.contains(expected), "{expected:?} missing:\n{text}");
    }

    let xlsx = app.call(Method::GET, &format!("/api/clients/{client}/months/2026-11.xlsx"), Who::Admin, None).await;
    assert_eq!(xlsx.status(), 200);
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(xlsx.bytes().await.unwrap())).expect("a workbook");
    let mut services = String::new();
    archive.by_name("xl/worksheets/sheet2.xml").unwrap().read_to_string(&mut services).unwrap();
    assert_eq!(services.matches("<row ").count(), 1 + 3 * 2, "a heading, then 2 services on each of 3 days");

    let bad = app.call(Method::GET, &format!("/api/clients/{client}/months/2026-13.pdf"), Who::Admin, None).await;
    assert_eq!(bad.status(), 422);
    let hidden = app
        .call(Method::GET, &format!("/api/clients/{client}/months/2026-11.pdf"), Who::Gestionnaire(&["globex"]), None)
        .await;
    assert_eq!(hidden.status(), 404);
    let page = app.page(&format!("/ui/clients/{client}/history"), Who::Admin, 200).await;
    assert!(page.contains("/months/") && page.contains(" en Excel"), "the history page links the monthly exports");
}
