use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use common::pdf::{A4_HEIGHT, A4_WIDTH, Document, Info};
use ocr_svc::domain::energy::EnergyType;
use ocr_svc::synthetic::scan::{image_pdf, scan_pages};
use ocr_svc::synthetic::{BillSpec, BillTypeface};
use reqwest::multipart::Form;
use serde_json::Value;

use crate::helpers::{bill_pdf, file, spawn_app, spawn_app_with};

fn pdf_text(pdf: &[u8]) -> String {
    let directory = tempfile::tempdir().expect("tempdir");
    let path = directory.path().join("report.pdf");
    std::fs::write(&path, pdf).expect("write");
    let output = std::process::Command::new("pdftotext").arg(&path).arg("-").output().expect("pdftotext");
    assert!(output.status.success(), "the report is a readable PDF");
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn decoded(body: &Value, field: &str) -> Vec<u8> {
    STANDARD.decode(body[field].as_str().expect("base64 string")).expect("valid base64")
}

#[tokio::test]
async fn a_digital_bill_gets_the_seed_response_fields_and_two_reports() {
    let app = spawn_app().await;
    let spec = BillSpec::generate(11, EnergyType::Electricite, 0);
    let form = Form::new()
        .part("file", file("facture.pdf", bill_pdf(&spec), "application/pdf"))
        .text("type", "auto")
        .text("user_id", "123")
        .text("invoice_id", "456")
        .text("external_ref", "ABC-2025-09");
    let response = app.post_form("/v1/invoices/pdf", form).await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["user_id"], 123);
    assert_eq!(body["invoice_id"], 456);
    assert_eq!(body["external_ref"], "ABC-2025-09");
    assert_eq!(body["energy_type"], "electricite");
    let highlights = body["highlights"].as_array().expect("highlights");
    assert!((3..=4).contains(&highlights.len()), "{highlights:?}");

    let fields = &body["fields"];
    assert_eq!(fields["electricite.delivery_point"]["value"], spec.parts[0].delivery_point.as_str());
    assert_eq!(fields["electricite.delivery_point"]["source"]["kind"], "text_layer");
    assert_eq!(fields["invoice_number"]["value"], spec.invoice_number.as_str());
    let total = fields["total_incl_vat"]["value"].as_f64().expect("total");
    assert!((total - spec.total_incl_vat()).abs() < 0.005);
    assert!(fields["total_incl_vat"]["confidence"].as_f64().expect("confidence") >= 0.98, "totals add up");

    let full = pdf_text(&decoded(&body, "non_anonymous_report_base64"));
    let anonymous = pdf_text(&decoded(&body, "anonymous_report_base64"));
    let customer_last_name = spec.customer_name.rsplit(' ').next().expect("name");
    assert!(full.contains(customer_last_name), "the full report names the customer");
    assert!(full.contains(spec.supplier));
    for secret in [customer_last_name, spec.parts[0].delivery_point.as_str(), spec.invoice_number.as_str()] {
        assert!(!anonymous.contains(secret), "the anonymous report leaks {secret}");
    }
    assert!(anonymous.contains("Anomalies détectées"));
}

#[tokio::test]
async fn a_scanned_dual_bill_is_read_by_ocr_and_split_by_energy() {
    let app = spawn_app().await;
    let spec = BillSpec::generate(5, EnergyType::Dual, 1);
    let scan = image_pdf(scan_pages(&bill_pdf(&spec), 5).expect("scan"));
    let form = Form::new().part("file", file("scan.pdf", scan, "application/pdf")).text("type", "dual");
    let response = app.post_form("/v1/invoices/pdf", form).await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["energy_type"], "dual");
    assert_eq!(body["reading"]["ocr_pages"], 1);
    let fields = &body["fields"];
    assert_eq!(fields["electricite.delivery_point"]["source"]["kind"], "ocr");
    assert_eq!(fields["gaz.delivery_point"]["value"], spec.parts[1].delivery_point.as_str());
    assert_eq!(fields["electricite.delivery_point"]["value"], spec.parts[0].delivery_point.as_str());
    assert_eq!(body["analysis"]["parts"].as_array().map(Vec::len), Some(2));
}

#[tokio::test]
async fn a_scanner_page_and_the_same_scan_pasted_on_a_taller_page_read_alike() {
    // The scanner's page is read from its JPEG as written, the other one is
    // rasterised by Poppler: the same fields, at the same place on the page.
    let app = spawn_app().await;
    let spec = BillSpec::generate(9, EnergyType::Electricite, 0);
    let pages = scan_pages(&bill_pdf(&spec), 9).expect("scan");
    let mut pasted = Document::new();
    for page in pages.clone() {
        pasted.add_page(A4_WIDTH, A4_HEIGHT + 60.0).image(page, 0.0, 0.0, A4_WIDTH, A4_HEIGHT);
    }
    let pasted = pasted.finish(&Info::default(), "D:20260101000000Z");
    let mut sources = Vec::new();
    for pdf in [image_pdf(pages), pasted] {
        let form = Form::new().part("file", file("scan.pdf", pdf, "application/pdf"));
        let response = app.post_form("/v1/invoices/pdf", form).await;
        assert_eq!(response.status(), 200);
        let body: Value = response.json().await.expect("json");
        assert_eq!(body["reading"]["ocr_pages"], 2);
        let total = &body["fields"]["total_incl_vat"];
        assert!((total["value"].as_f64().expect("total") - spec.total_incl_vat()).abs() < 0.005, "{total}");
        let point = &body["fields"]["electricite.delivery_point"];
        assert_eq!(point["value"], spec.parts[0].delivery_point.as_str());
        sources.push(point["source"].clone());
    }
    assert_eq!(sources[0]["page"], sources[1]["page"]);
    for coordinate in ["x", "y", "width", "height"] {
        let (scanner, pasted) = (sources[0]["bbox"][coordinate].as_f64(), sources[1]["bbox"][coordinate].as_f64());
        assert!((scanner.expect("scanner") - pasted.expect("pasted")).abs() < 3.0, "{coordinate}: {sources:?}");
    }
}

/// Each field's source names the page it was printed on. The amount due is
/// printed on both pages of this layout (page 1's "Montant à payer", page
/// 2's "Total TTC"), and either reading is right: which one is the more
/// confident depends on the typeface, so the pages are told apart by
/// fields that only one of them holds.
#[tokio::test]
async fn page_images_are_read_in_order() {
    // Scanned before the service is asked anything: a pause longer than its
    // keep-alive between two requests would have the client reuse a closed
    // connection.
    let scans: Vec<_> = BillTypeface::ALL
        .into_iter()
        .map(|typeface| {
            let spec = BillSpec::generate(8, EnergyType::Gaz, 0).printed_in(typeface);
            let pages = scan_pages(&bill_pdf(&spec), 8).expect("scan");
            (typeface, spec, pages)
        })
        .collect();
    let app = spawn_app().await;
    for (typeface, spec, pages) in scans {
        assert_eq!(pages.len(), 2);
        let mut form = Form::new();
        for (index, page) in pages.into_iter().enumerate() {
            form = form.part("files", file(&format!("page-{}.jpg", index + 1), page.data, "image/jpeg"));
        }
        let response = app.post_form("/v1/invoices/images", form).await;
        assert_eq!(response.status(), 200);
        let body: Value = response.json().await.expect("json");
        let fields = &body["fields"];
        assert_eq!(body["energy_type"], "gaz", "{typeface}");
        assert_eq!(fields["gaz.delivery_point"]["source"]["unit"], "px", "{typeface}");
        assert_eq!(fields["gaz.delivery_point"]["value"], spec.parts[0].delivery_point.as_str(), "{typeface}");
        assert_eq!(fields["gaz.delivery_point"]["source"]["page"], 1, "{typeface}");
        let amount = |name: &str| fields[name]["value"].as_f64().unwrap_or_else(|| panic!("{typeface}: {name}"));
        assert!((amount("total_incl_vat") - spec.total_incl_vat()).abs() < 0.005, "{typeface}");
        assert!((amount("total_excl_vat") - spec.total_excl_vat()).abs() < 0.005, "{typeface}");
        assert_eq!(fields["total_excl_vat"]["source"]["page"], 2, "{typeface}");
        assert!((amount("gaz.excise") - spec.parts[0].excise).abs() < 0.005, "{typeface}");
        assert_eq!(fields["gaz.excise"]["source"]["page"], 2, "{typeface}");
    }
}

pub async fn problem(response: reqwest::Response, status: u16, code: &str) -> Value {
    assert_eq!(response.status(), status);
    assert_eq!(response.headers().get("content-type").and_then(|v| v.to_str().ok()), Some("application/problem+json"));
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["code"], code, "{body}");
    body
}

#[tokio::test]
async fn file_types_are_told_by_content_not_by_name() {
    let app = spawn_app().await;
    let spec = BillSpec::generate(2, EnergyType::Electricite, 2);
    let renamed = Form::new().part("file", file("facture.jpg", bill_pdf(&spec), "image/jpeg"));
    problem(app.post_form("/v1/invoices/pdf", renamed).await, 400, "unsupported_file").await;
    let executable = Form::new().part("file", file("facture.pdf", b"MZ\x90\x00binary".to_vec(), "application/pdf"));
    problem(app.post_form("/v1/invoices/pdf", executable).await, 400, "unsupported_file").await;
    let pdf_as_image = Form::new().part("files", file("page.pdf", bill_pdf(&spec), "application/pdf"));
    problem(app.post_form("/v1/invoices/images", pdf_as_image).await, 400, "unsupported_file").await;
    let bad_type = Form::new().part("file", file("f.pdf", bill_pdf(&spec), "application/pdf")).text("type", "fioul");
    problem(app.post_form("/v1/invoices/pdf", bad_type).await, 400, "bad_request").await;
    let bad_confidence =
        Form::new().part("file", file("f.pdf", bill_pdf(&spec), "application/pdf")).text("confidence_min", "2");
    let body = problem(app.post_form("/v1/invoices/pdf", bad_confidence).await, 422, "validation_failed").await;
    assert_eq!(body["errors"][0]["field"], "confidence_min");
    let truncated = Form::new().part("file", file("f.pdf", b"%PDF-1.7\n1 0 obj".to_vec(), "application/pdf"));
    problem(app.post_form("/v1/invoices/pdf", truncated).await, 422, "unreadable_document").await;
    let nine: Form = (0..9).fold(Form::new(), |form, index| {
        form.part("files", file(&format!("{index}.png"), b"\x89PNG\r\n\x1a\n....".to_vec(), "image/png"))
    });
    problem(app.post_form("/v1/invoices/images", nine).await, 400, "unsupported_file").await;
}

#[tokio::test]
async fn a_picture_one_pixel_wide_is_refused_with_a_problem() {
    // Its rows of ink make one region as tall as the picture, which the
    // search for a place to cut it once read past.
    let app = spawn_app().await;
    let stripes = image::GrayImage::from_fn(1, 12, |_, y| image::Luma([if y % 5 < 2 { 0 } else { 255 }]));
    let mut png = Vec::new();
    stripes.write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png).expect("png");
    let form = Form::new().part("files", file("stripes.png", png, "image/png"));
    let response = app.post_form("/v1/invoices/images", form).await;
    let body = problem(response, 422, "unreadable_document").await;
    assert_eq!(body["detail"], "No bill could be read in this document.");
}

#[tokio::test]
async fn strict_mode_refuses_the_wrong_energy_and_a_low_confidence() {
    let app = spawn_app().await;
    let spec = BillSpec::generate(3, EnergyType::Gaz, 1);
    let pdf = bill_pdf(&spec);
    let wrong = Form::new().part("file", file("f.pdf", pdf.clone(), "application/pdf")).text("type", "electricite");
    let body = problem(app.post_form("/v1/invoices/pdf", wrong).await, 422, "energy_type_mismatch").await;
    assert!(body["detail"].as_str().expect("detail").contains("gaz"));

    let forced = Form::new()
        .part("file", file("f.pdf", pdf.clone(), "application/pdf"))
        .text("type", "electricite")
        .text("strict", "false");
    assert_eq!(app.post_form("/v1/invoices/pdf", forced).await.status(), 200);

    let scan = image_pdf(scan_pages(&pdf, 3).expect("scan"));
    let demanding = Form::new().part("file", file("s.pdf", scan, "application/pdf")).text("confidence_min", "0.999");
    problem(app.post_form("/v1/invoices/pdf", demanding).await, 422, "low_confidence").await;
}

#[tokio::test]
async fn uploads_over_max_content_length_are_refused_with_413() {
    let app = spawn_app_with(&[("MAX_CONTENT_LENGTH", "4096")]).await;
    let spec = BillSpec::generate(4, EnergyType::Electricite, 0);
    let mut big = bill_pdf(&spec);
    big.resize(64 * 1024, b' ');
    let form = Form::new().part("file", file("f.pdf", big, "application/pdf"));
    problem(app.post_form("/v1/invoices/pdf", form).await, 413, "payload_too_large").await;
}
