//! The API as clients call it: multipart uploads, problem+json errors.

use reqwest::multipart::Form;
use serde_json::Value;

use crate::helpers::{EN16931_PDF, corpus_file, file_part, sample_invoice, spawn_app, spawn_app_with};

const INVALID_XML: &str = "xml/xml-rechnung-cii/EN16931_ElektronischeAdresse.cii.xml";

#[tokio::test]
async fn validate_reports_the_verdict_with_rule_ids_locations_and_both_languages() {
    let app = spawn_app().await;
    let response = app.validate_corpus_pdf().await;
    assert_eq!(response.status(), 200);
    let report: Value = response.json().await.expect("json");
    assert_eq!(
        (report["valid"].as_bool(), report["profile"].as_str(), report["flavor"].as_str()),
        (Some(true), Some("EN 16931"), Some("factur-x"))
    );

    let response =
        app.post_form("/v1/validate", Form::new().part("file", file_part("f.xml", corpus_file(INVALID_XML)))).await;
    let report: Value = response.json().await.expect("json");
    assert_eq!(report["valid"], false);
    let finding = &report["errors"][0];
    assert_eq!(finding["rule"], "FX-SCH-A-000571");
    assert!(
        finding["location"]
            .as_str()
            .expect("present")
            .ends_with("ram:BuyerTradeParty[1]/ram:URIUniversalCommunication[1]/ram:URIID[1]")
    );
    assert!(finding["message_fr"].as_str().expect("present").contains("n'est pas dans la liste"));
    assert!(finding["message_en"].as_str().expect("present").contains("not allowed"));
}

#[tokio::test]
async fn hostile_or_broken_input_gets_a_problem_never_a_panic() {
    let app = spawn_app().await;
    let laughs = br#"<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><l>&b;</l>"#;
    let external = br#"<?xml version="1.0"?><!DOCTYPE l [<!ENTITY x SYSTEM "file:///etc/passwd">]><l>&x;</l>"#;
    // An invoice whose note nests 50,000 elements deep (its rules once took minutes).
    let sample = String::from_utf8(corpus_file(INVALID_XML)).expect("UTF-8");
    let (head, tail) = sample.split_once("</rsm:ExchangedDocument>").expect("an ExchangedDocument");
    let nested = format!(
        "{head}{}x{}</rsm:ExchangedDocument>{tail}",
        "<ram:IncludedNote>".repeat(50_000),
        "</ram:IncludedNote>".repeat(50_000)
    );
    for (body, status, code) in [
        (nested.into_bytes(), 400, "malformed_xml"),
        (laughs.to_vec(), 400, "malformed_xml"),
        (external.to_vec(), 400, "malformed_xml"),
        (b"<unclosed".to_vec(), 400, "malformed_xml"),
        (b"MZ\x90\x00 not a document".to_vec(), 400, "unsupported_file"),
        (b"%PDF-1.7\n garbage without objects".to_vec(), 422, "unreadable_document"),
    ] {
        let response = app.post_form("/v1/validate", Form::new().part("file", file_part("x", body))).await;
        assert_eq!(response.status(), status);
        assert_eq!(response.headers()["content-type"], "application/problem+json");
        let problem: Value = response.json().await.expect("json");
        assert_eq!(problem["code"], code);
    }
    let response = app.post_form("/v1/validate", Form::new().text("other", "x")).await;
    assert_eq!(response.status(), 400);
}

/// Every repeated element breaks the same rules: each rule's findings are
/// listed up to 100 times and the rest counted, so the answer (and the
/// work of locating each finding) stays bounded.
#[tokio::test]
async fn a_rule_broken_80_000_times_is_listed_100_times_and_the_rest_counted() {
    let app = spawn_app().await;
    let sample = String::from_utf8(corpus_file(INVALID_XML)).expect("UTF-8");
    let (head, tail) = sample.split_once("</ram:IssueDateTime>").expect("an IssueDateTime");
    let repeated = r#"<udt:DateTimeString format="999">x</udt:DateTimeString>"#.repeat(80_000);
    let body = format!("{head}{repeated}</ram:IssueDateTime>{tail}");
    let response = app.post_form("/v1/validate", Form::new().part("file", file_part("f.xml", body.into_bytes()))).await;
    assert_eq!(response.status(), 200);
    let report: Value = response.json().await.expect("json");
    let mut listed = std::collections::HashMap::<String, usize>::new();
    for finding in report["errors"].as_array().into_iter().chain(report["warnings"].as_array()).flatten() {
        *listed.entry(finding["rule"].as_str().expect("a rule").to_owned()).or_default() += 1;
    }
    assert!(listed.values().all(|&count| count <= 100), "{listed:?}");
    let omitted = report["omitted"].as_array().expect("omitted");
    assert!(!omitted.is_empty(), "{}", report["omitted"]);
    for rule in omitted {
        let name = rule["rule"].as_str().expect("a rule");
        assert_eq!(listed.get(name), Some(&100), "{name}");
        assert!(rule["count"].as_u64().is_some_and(|count| count >= 79_900), "{rule}");
    }
}

#[tokio::test]
async fn uploads_over_the_limit_are_refused_before_being_read() {
    let app = spawn_app_with(&[("MAX_UPLOAD_SIZE_MB", "1")]).await;
    let response =
        app.post_form("/v1/validate", Form::new().part("file", file_part("big.pdf", vec![b'%'; 1_100_000]))).await;
    assert_eq!(response.status(), 413);
    let problem: Value = response.json().await.expect("json");
    assert_eq!(problem["code"], "payload_too_large");
}

#[tokio::test]
async fn extract_gives_the_embedded_xml_as_json_or_as_is_and_422_without_one() {
    let app = spawn_app().await;
    let pdf = corpus_file(EN16931_PDF);
    let response = app.post_form("/v1/extract", Form::new().part("file", file_part("f.pdf", pdf.clone()))).await;
    let body: Value = response.json().await.expect("json");
    assert_eq!((body["file_name"].as_str(), body["profile"].as_str()), (Some("factur-x.xml"), Some("EN 16931")));
    assert!(body["xml"].as_str().expect("present").contains("F20260024"));

    let form = Form::new().part("file", file_part("f.pdf", pdf)).text("format", "xml");
    let response = app.post_form("/v1/extract", form).await;
    assert_eq!(response.headers()["content-type"], "application/xml");
    assert_eq!(response.bytes().await.expect("present").as_ref(), body["xml"].as_str().expect("present").as_bytes());

    let plain = corpus_file("pdf/Custom/2023-6013_facture.pdf");
    let response = app.post_form("/v1/extract", Form::new().part("file", file_part("f.pdf", plain))).await;
    assert_eq!(response.status(), 422);
    let problem: Value = response.json().await.expect("json");
    assert_eq!(problem["code"], "no_embedded_invoice");
}

#[tokio::test]
async fn convert_appends_the_invoice_and_says_what_would_break_pdfa() {
    let app = spawn_app().await;
    let plain = corpus_file("pdf/Custom/2023-6013_facture.pdf");
    let xml = corpus_file("xml/xml-rechnung-cii/EN16931_Einfach.cii.xml");
    let form = Form::new().part("pdf", file_part("f.pdf", plain.clone())).part("xml", file_part("f.xml", xml.clone()));
    let response = app.post_form("/v1/convert", form).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["x-facturx-profile"], "EN 16931");
    let preflight = response.headers()["x-pdfa-preflight"].to_str().expect("present").to_owned();
    let converted = response.bytes().await.expect("pdf").to_vec();
    assert!(converted.starts_with(&plain));

    let response = app.post_form("/v1/preflight", Form::new().part("file", file_part("f.pdf", plain))).await;
    let report: Value = response.json().await.expect("json");
    let codes: Vec<&str> = report["issues"]
        .as_array()
        .expect("present")
        .iter()
        .map(|issue| issue["code"].as_str().expect("present"))
        .collect();
    assert_eq!(codes.join(","), preflight);
    assert_eq!(report["pdfa_ready"], codes.is_empty());

    let response = app
        .post_form("/v1/extract", Form::new().part("file", file_part("f.pdf", converted)).text("format", "xml"))
        .await;
    assert_eq!(response.bytes().await.expect("present").as_ref(), xml.as_slice());

    let form = Form::new()
        .part("pdf", file_part("f.pdf", corpus_file(EN16931_PDF)))
        .part("xml", file_part("f.xml", b"<a/>".to_vec()));
    let response = app.post_form("/v1/convert", form).await;
    assert_eq!(response.status(), 422, "an XML naming no profile cannot be embedded");

    // A given XML is validated first, unless the caller says not to.
    let broken = || {
        Form::new()
            .part("pdf", file_part("f.pdf", corpus_file("pdf/Custom/2023-6013_facture.pdf")))
            .part("xml", file_part("f.xml", corpus_file(INVALID_XML)))
    };
    let refused = app.post_form("/v1/convert", broken()).await;
    assert_eq!(refused.status(), 422, "an invalid XML is not embedded without a word");
    let problem: Value = refused.json().await.expect("json");
    assert_eq!(problem["code"], "validation_failed");
    assert!(!problem["errors"].as_array().expect("errors").is_empty(), "{problem}");
    assert_eq!(app.post_form("/v1/convert", broken().text("check", "false")).await.status(), 200);
}

#[tokio::test]
async fn health_and_diagnostics_answer_as_the_original_did() {
    let app = spawn_app().await;
    let health: Value =
        app.client.get(format!("{}/health", app.address)).send().await.expect("up").json().await.expect("json");
    assert_eq!(health["status"], "healthy", "the original's answer: {health}");
    let body: Value = app
        .client
        .get(format!("{}/diagnostics", app.address))
        .header("X-API-Key", crate::helpers::API_KEY)
        .send()
        .await
        .expect("present")
        .json()
        .await
        .expect("present");
    assert_eq!(body["version"], env!("CARGO_PKG_VERSION"));
    assert!(body["features_enabled"].as_array().expect("present").iter().any(|feature| feature == "convert"));
    assert!(body["memory_status"]["rss_bytes"].as_u64().expect("present") > 1_000_000);
}

fn metadata(invoice: &Value) -> reqwest::multipart::Part {
    reqwest::multipart::Part::text(invoice.to_string()).mime_str("application/json").expect("mime")
}

#[tokio::test]
async fn convert_takes_the_invoice_as_json_and_extract_gives_it_back() {
    let app = spawn_app().await;
    let plain = corpus_file("pdf/Custom/2023-6013_facture.pdf");
    let form = Form::new()
        .part("pdf", file_part("facture.pdf", plain.clone()))
        .part("metadata", metadata(&sample_invoice()))
        .text("profile", "basic")
        .text("output_intent", "true");
    let response = app.post_form("/v1/convert", form).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["x-facturx-profile"], "BASIC");
    assert!(!response.headers()["x-pdfa-preflight"].to_str().expect("ascii").contains("no_output_intent"));
    let converted = response.bytes().await.expect("body").to_vec();
    assert!(converted.starts_with(&plain));

    let response = app.post_form("/v1/extract", Form::new().part("file", file_part("f.pdf", converted))).await;
    let extracted: Value = response.json().await.expect("json");
    assert_eq!(extracted["profile"], "BASIC");
    let invoice = &extracted["invoice"];
    assert_eq!(invoice["number"], "FA-2026-00042");
    assert_eq!(invoice["seller"]["vat_id"], "FR32123456782");
    assert_eq!(invoice["lines"].as_array().map(Vec::len), Some(4));
    // Computed from the lines: 396.80 - 25.00 allowance = 371.80, VAT 67.96 + 1.76.
    assert_eq!(invoice["totals"]["tax_basis_total"], "371.80");
    assert_eq!(invoice["totals"]["grand_total"], "441.52");
    let rates: Vec<&str> =
        invoice["vat_breakdown"].as_array().expect("present").iter().filter_map(|vat| vat["rate"].as_str()).collect();
    assert_eq!(rates, ["20", "5.5"]);
}

#[tokio::test]
async fn invoice_data_breaking_the_rules_is_refused_with_each_rule() {
    let app = spawn_app().await;
    let mut invoice = sample_invoice();
    invoice["lines"][0]["vat_rate"] = Value::Null; // BR-S-05: a standard-rated line needs its rate
    invoice["totals"] = serde_json::json!({"grand_total": "1.00"}); // BR-CO-15
    let response = app.post_form("/v1/generate", Form::new().part("metadata", metadata(&invoice))).await;
    assert_eq!(response.status(), 422);
    let problem: Value = response.json().await.expect("json");
    assert_eq!(problem["code"], "validation_failed");
    let messages: Vec<&str> =
        problem["errors"].as_array().expect("present").iter().filter_map(|error| error["message"].as_str()).collect();
    assert!(messages.iter().any(|message| message.starts_with("BR-CO-15")), "{messages:?}");
    assert!(messages.iter().any(|message| message.starts_with("BR-S-05")), "{messages:?}");

    for (form, field) in [
        (Form::new().text("metadata", "{not json"), "metadata"),
        (Form::new().part("metadata", metadata(&serde_json::json!({"number": "1", "unknown": true}))), "metadata"),
        (Form::new().part("metadata", metadata(&sample_invoice())).text("profile", "comfort"), "profile"),
    ] {
        let response = app.post_form("/v1/generate", form).await;
        assert_eq!(response.status(), 400);
        let problem: Value = response.json().await.expect("json");
        assert!(problem["detail"].as_str().expect("present").contains(field), "{problem}");
    }
}

#[tokio::test]
async fn generate_typesets_long_invoices_on_several_pages_with_fonts_embedded() {
    let app = spawn_app().await;
    let mut invoice = sample_invoice();
    let line = invoice["lines"][0].clone();
    invoice["lines"] = Value::Array((0..60).map(|_| line.clone()).collect());
    let response = app
        .post_form("/v1/generate", Form::new().part("invoice", metadata(&invoice)).text("profile", "EXTENDED"))
        .await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["x-facturx-profile"], "EXTENDED");
    let pdf = response.bytes().await.expect("body").to_vec();
    let document = lopdf::Document::load_mem(&pdf).expect("a PDF");
    assert!(document.get_pages().len() >= 3, "60 lines need several pages");
    let catalog = document.catalog().expect("catalog");
    assert!(catalog.get(b"OutputIntents").is_ok());
    for font in document.objects.values().filter_map(|object| object.as_dict().ok()) {
        if font.get(b"Type").and_then(|kind| kind.as_name()).is_ok_and(|name| name == b"FontDescriptor") {
            assert!(font.get(b"FontFile2").is_ok(), "every font is embedded");
        }
    }

    let response = app
        .client
        .get(format!("{}/diagnostics", app.address))
        .header("X-API-Key", crate::helpers::API_KEY)
        .send()
        .await
        .expect("request");
    let diagnostics: Value = response.json().await.expect("json");
    assert!(diagnostics["features_enabled"].as_array().expect("present").contains(&Value::from("generate")));
}

#[tokio::test]
async fn without_fonts_generate_says_so_and_the_rest_works() {
    let app = spawn_app_with(&[("FACTURX__GENERATE__REGULAR_FONT", "/nonexistent.ttf")]).await;
    let response = app.post_form("/v1/generate", Form::new().part("metadata", metadata(&sample_invoice()))).await;
    assert_eq!(response.status(), 503);
    let problem: Value = response.json().await.expect("json");
    assert_eq!(problem["code"], "service_unavailable");
    let response = app.validate_corpus_pdf().await;
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn a_multipart_body_that_would_panic_the_parser_is_refused_and_the_service_lives_on() {
    let app = spawn_app().await;
    // Found by fuzzing: a 3-character boundary and a line `--`.
    let response = app
        .client
        .post(format!("{}/v1/validate", app.address))
        .header("X-API-Key", crate::helpers::API_KEY)
        .header("Content-Type", "multipart/form-data; boundary=XyZ")
        .body(&b"-----\x00\n<\x9a\n\x06\xca\n--\n\n\n\n\n"[..])
        .send()
        .await
        .expect("an answer, not a dropped connection");
    assert_eq!(response.status(), 400);
    let problem: Value = response.json().await.expect("json");
    assert_eq!(problem["code"], "bad_request");
    let response = app.validate_corpus_pdf().await;
    assert_eq!(response.status(), 200);
}

async fn app_with_a_64_kib_upload_budget() -> crate::helpers::TestApp {
    spawn_app_with(&[("FACTURX__SERVER__UPLOAD_BUDGET_BYTES", "65536"), ("FACTURX__SERVER__UPLOAD_WAIT_SECONDS", "1")])
        .await
}

/// A multipart body with one file field, written by hand for raw requests.
fn form_with_file(boundary: &str, content: &[u8]) -> Vec<u8> {
    let mut body = format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"f.xml\"\r\n\r\n")
        .into_bytes();
    body.extend_from_slice(content);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    body
}

#[tokio::test]
async fn uploads_wait_for_room_in_the_memory_budget_and_are_turned_away_after_the_wait() {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

    let app = app_with_a_64_kib_upload_budget().await;
    let xml = corpus_file(INVALID_XML);
    let boundary = "budget-test-boundary";
    let body = form_with_file(boundary, &xml);
    // A slow client declares a body as large as the whole budget and sends half of it.
    let padding = 65536 - body.len();
    let declared = body.len() + padding;
    let head = format!(
        "POST /v1/validate HTTP/1.1\r\nHost: localhost\r\nX-API-Key: {}\r\nConnection: close\r\n\
         Content-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: {declared}\r\n\r\n",
        crate::helpers::API_KEY
    );
    let address = app.address.trim_start_matches("http://").to_owned();
    let mut slow = tokio::net::TcpStream::connect(&address).await.expect("connect");
    slow.write_all(head.as_bytes()).await.expect("head");
    // Multipart readers skip the lines before the first boundary.
    let mut whole = vec![b' '; padding - 2];
    whole.extend_from_slice(b"\r\n");
    whole.extend_from_slice(&body);
    slow.write_all(&whole[..whole.len() / 2]).await.expect("half the body");
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;

    let waiting = app.post_form("/v1/validate", Form::new().part("file", file_part("f.xml", xml.clone()))).await;
    assert_eq!(waiting.status(), 503, "no room while the slow upload holds the budget");
    assert_eq!(waiting.headers()["retry-after"], "1");
    let problem: Value = waiting.json().await.expect("json");
    assert_eq!(problem["code"], "service_unavailable");

    slow.write_all(&whole[whole.len() / 2..]).await.expect("the rest");
    let mut answer = String::new();
    slow.read_to_string(&mut answer).await.expect("answer");
    assert!(answer.starts_with("HTTP/1.1 200"), "the slow upload is served: {}", &answer[..answer.len().min(200)]);
    assert!(answer.contains("\"valid\":false"), "and validated");

    // With the budget free again, uploads are served at once.
    let (first, second) = tokio::join!(
        app.post_form("/v1/validate", Form::new().part("file", file_part("f.xml", xml.clone()))),
        app.post_form("/v1/validate", Form::new().part("file", file_part("f.xml", xml.clone()))),
    );
    assert_eq!((first.status().as_u16(), second.status().as_u16()), (200, 200));
    // An upload larger than the whole budget still runs, alone.
    let large = app.validate_corpus_pdf().await;
    assert_eq!(large.status(), 200);
}

/// A chunked body (no Content-Length, as behind a proxy that re-chunks)
/// holds only the budget for what it has sent so far.
#[tokio::test]
async fn a_slow_chunked_upload_holds_only_what_it_has_sent() {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

    let app = app_with_a_64_kib_upload_budget().await;
    let xml = corpus_file(INVALID_XML);
    let boundary = "chunked-budget-boundary";
    let body = form_with_file(boundary, &xml);
    let head = format!(
        "POST /v1/validate HTTP/1.1\r\nHost: localhost\r\nX-API-Key: {}\r\nConnection: close\r\n\
         Content-Type: multipart/form-data; boundary={boundary}\r\nTransfer-Encoding: chunked\r\n\r\n",
        crate::helpers::API_KEY
    );
    let chunk =
        |bytes: &[u8]| [format!("{:x}\r\n", bytes.len()).into_bytes(), bytes.to_vec(), b"\r\n".to_vec()].concat();
    let address = app.address.trim_start_matches("http://").to_owned();
    let mut slow = tokio::net::TcpStream::connect(&address).await.expect("connect");
    slow.write_all(head.as_bytes()).await.expect("head");
    let (first, rest) = body.split_at(body.len() / 4);
    slow.write_all(&chunk(first)).await.expect("a first chunk");
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;

    // Reserving the whole budget for the chunked body would turn these away.
    for _ in 0..3 {
        let other = app.post_form("/v1/validate", Form::new().part("file", file_part("f.xml", xml.clone()))).await;
        assert_eq!(other.status(), 200, "uploads go on beside the slow chunked one");
    }

    slow.write_all(&[chunk(rest), b"0\r\n\r\n".to_vec()].concat()).await.expect("the rest");
    let mut answer = String::new();
    slow.read_to_string(&mut answer).await.expect("answer");
    assert!(answer.starts_with("HTTP/1.1 200"), "the slow upload is served: {}", &answer[..answer.len().min(200)]);
    assert!(answer.contains("\"valid\":false"), "and validated");
}

/// Swagger's "Try it out" needs each form field, files as binary strings.
#[tokio::test]
async fn the_openapi_document_describes_every_form_field() {
    let app = spawn_app().await;
    let document: Value =
        app.client.get(format!("{}/openapi.json", app.address)).send().await.expect("up").json().await.expect("json");
    let expected = [
        ("/v1/validate", vec!["file", "rules"], "file"),
        ("/v1/extract", vec!["file", "format"], "file"),
        ("/v1/preflight", vec!["file"], "file"),
        ("/v1/convert", vec!["pdf", "metadata", "profile", "xml", "relationship", "output_intent", "check"], "pdf"),
        ("/v1/generate", vec!["metadata", "profile"], "metadata"),
    ];
    for (path, fields, required) in expected {
        let body = &document["paths"][path]["post"]["requestBody"]["content"]["multipart/form-data"]["schema"];
        let schema = match body["$ref"].as_str() {
            Some(reference) => &document["components"]["schemas"][reference.rsplit('/').next().expect("a name")],
            None => body,
        };
        for field in &fields {
            assert!(schema["properties"][field].is_object(), "{path}: no `{field}` in {schema}");
        }
        assert!(
            schema["required"].as_array().is_some_and(|names| names.iter().any(|name| name == required)),
            "{path}: `{required}` required in {schema}"
        );
    }
    let file = &document["components"]["schemas"]["ValidateForm"]["properties"]["file"];
    assert_eq!(file["format"], "binary", "{file}");
}
