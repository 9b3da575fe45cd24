//! Hostile input, black box: the `platform` binary in a child process,
//! fed files made to hurt (page bombs, pixel bombs, compression bombs,
//! deep nesting, entity expansion, slow and endless uploads, thousands of
//! parts, path traversal in file names). Every answer must be a 2xx or a
//! 4xx (problem+json), in bounded time and memory, and the process must
//! still be alive afterwards.
//!
//! Written from the README, the OpenAPI document the platform serves and
//! the legacy applications' documents only, never from the services' code.
//! Run one test at a time: `cargo test -p platform --test hostile -- --test-threads=1`.

mod contract;
mod generate;
mod harness;
mod limits;
mod raw;

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use generate::{Bomb, Encoded, Multipart};
use harness::{Accept, Bounds, Failures, Platform, check_bounded, check_problem_json};
use limits::*;
use serde_json::{Value, json};

const OCR_PDF: &str = "/ocr/v1/invoices/pdf";
const OCR_IMAGES: &str = "/ocr/v1/invoices/images";
const OCR_JOBS_PDF: &str = "/ocr/v1/jobs/pdf";
const OCR_JOBS_IMAGES: &str = "/ocr/v1/jobs/images";
const FACTURX_EXTRACT: &str = "/facturx/v1/extract";
const FACTURX_VALIDATE: &str = "/facturx/v1/validate";
const ERP_UPLOAD: &str = "/erp/api/v1/documents/upload";

fn bounds(within: Duration, max_growth_mb: f64, accept: Accept) -> Bounds {
    Bounds { within, max_growth_mb, accept }
}

/// The usual bounds: 2xx or 4xx within 15 s and 256 MB.
fn bounded() -> Bounds {
    bounds(ANSWER_WITHIN, MAX_GROWTH_MB, Accept::SuccessOrClientError)
}

fn pdf_form(field: &str, file_name: &str, pdf: &[u8]) -> (String, Vec<u8>) {
    Multipart::new().file(field, file_name.as_bytes(), "application/pdf", pdf).finish()
}

fn xml_form(xml: &[u8]) -> (String, Vec<u8>) {
    Multipart::new().file("file", b"factur-x.xml", "text/xml", xml).finish()
}

/// Fails with a clear message if the OpenAPI document lacks a route a test relies on.
async fn require_routes(platform: &Platform, routes: &[(&str, &str)]) {
    let document: Value = platform
        .client
        .get(platform.url("/openapi.json"))
        .send()
        .await
        .expect("GET /openapi.json")
        .json()
        .await
        .expect("the OpenAPI document is JSON");
    for (method, path) in routes {
        assert!(
            document["paths"][path][method].is_object(),
            "the OpenAPI document (/openapi.json) has no `{} {path}`, which this test sends hostile input to",
            method.to_uppercase()
        );
    }
}

/// An ERP intervention to attach documents to (client → site → intervention).
async fn erp_intervention(platform: &Platform) -> i64 {
    let client = platform
        .api(reqwest::Method::POST, "/erp/api/v1/clients", json!({"reference": "HOSTILE", "name": "Hostile SA"}))
        .await;
    let site = platform
        .api(reqwest::Method::POST, "/erp/api/v1/sites", json!({"client_id": client["id"], "name": "Siège"}))
        .await;
    let intervention = platform
        .api(
            reqwest::Method::POST,
            "/erp/api/v1/interventions",
            json!({"site_id": site["id"], "title": "Chaudière en panne"}),
        )
        .await;
    intervention["id"].as_i64().unwrap_or_else(|| panic!("no intervention id in {intervention}"))
}

// ---------------------------------------------------------------------------
// OCR
// ---------------------------------------------------------------------------

/// Case 1: 200 blank pages (~20 KB) must be refused (413 or 422) before
/// anything is rasterised: fast and small.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ocr_pdf_of_200_blank_pages_is_refused_before_rasterising() {
    let platform = Platform::start().await;
    let pdf = generate::blank_pages_pdf(200);
    assert!(pdf.len() < 30_000, "the generator keeps it small: {} bytes", pdf.len());
    let measured = platform
        .measure(format!("{OCR_PDF} with 200 blank pages ({} KB)", pdf.len() / 1024), {
            platform.post_multipart(OCR_PDF, pdf_form("file", "facture.pdf", &pdf))
        })
        .await;
    harness::assert_bounded(&platform, &measured, bounds(QUICKLY, SMALL_GROWTH_MB, Accept::OneOf(&[413, 422]))).await;
}

/// Case 2: a page tree announcing 100,000 pages in a few KB (a
/// balanced tree of 100 nodes of 1,000 kids in a compressed object stream,
/// with a cross-reference stream of 100,016 entries, which Poppler reads as
/// 100,000 pages; and 5 levels of 10 shared kids) → a 4xx within 15 s;
/// meanwhile a normal small upload from another client is not answered 503.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ocr_pdf_announcing_100000_pages_is_refused_and_others_are_still_served() {
    let platform = Platform::start().await;
    let mut failures = Failures::default();
    let trees = [
        ("100 nodes of 1,000 kids in an object stream", generate::object_stream_page_tree_pdf(100, 1000)),
        ("5 levels of 10 shared kids", generate::huge_page_tree_pdf(10, 5)),
    ];
    for (what, pdf) in trees {
        let hostile = platform.measure(
            format!("{OCR_PDF} with a page tree of 100,000 pages: {what} ({} bytes)", pdf.len()),
            platform.post_multipart(OCR_PDF, pdf_form("file", "facture.pdf", &pdf)),
        );
        let normal = async {
            tokio::time::sleep(Duration::from_millis(300)).await;
            let other = reqwest::Client::builder().timeout(CLIENT_GIVES_UP).build().expect("client");
            let started = Instant::now();
            let (content_type, body) = small_pdf_upload();
            let answer = other
                .post(platform.url(OCR_PDF))
                .header("X-API-Key", &platform.key)
                .header("content-type", content_type)
                .body(body)
                .send()
                .await;
            let answer = match answer {
                Ok(response) => Ok((response.status().as_u16(), response.text().await.unwrap_or_default())),
                Err(error) => Err(error.to_string()),
            };
            (answer, started.elapsed())
        };
        let (hostile, (normal, normal_elapsed)) = tokio::join!(hostile, normal);
        failures
            .note(check_bounded(&platform, &hostile, bounds(ANSWER_WITHIN, MAX_GROWTH_MB, Accept::ClientError)).await);
        let meanwhile = format!("a normal small upload sent while the {what} tree was handled");
        match normal {
            Ok((status, body)) if status >= 500 => failures.push(format!(
                "{meanwhile} was answered {status} after {:.1} s: {}",
                normal_elapsed.as_secs_f64(),
                body.chars().take(300).collect::<String>()
            )),
            Ok(_) if normal_elapsed > ANSWER_WITHIN => {
                failures.push(format!("{meanwhile} took {:.1} s", normal_elapsed.as_secs_f64()));
            }
            Ok(_) => {}
            Err(error) => failures.push(format!("{meanwhile} got no answer: {error}")),
        }
        if platform.exited().is_some() {
            break;
        }
    }
    failures.assert_none("a 100,000-page PDF");
}

/// Case 3: one page of 5000 × 5000 pt (20,833 px square at 300 dpi),
/// blank or with one line of text → 422, not 500.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ocr_pdf_page_of_5000_points_square_is_refused() {
    let platform = Platform::start().await;
    let mut failures = Failures::default();
    for (what, with_text) in [("blank", false), ("with one line of text", true)] {
        let pdf = generate::huge_page_pdf(5000, with_text);
        let measured = platform
            .measure(
                format!("{OCR_PDF} with one 5000 x 5000 pt page, {what}"),
                platform.post_multipart(OCR_PDF, pdf_form("file", "facture.pdf", &pdf)),
            )
            .await;
        failures.note(
            check_bounded(&platform, &measured, bounds(ANSWER_WITHIN, MAX_GROWTH_MB, Accept::OneOf(&[422]))).await,
        );
    }
    failures.assert_none("a 5000 pt page");
}

/// Case 4: eight valid 9000 × 9000 RGB PNGs (black: ~235 KB each, 243 MB
/// each once decoded) in one request → 2xx or 4xx, memory growth ≤ 256 MB.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ocr_eight_9000_pixel_pngs_stay_within_memory() {
    let platform = Platform::start().await;
    let png = generate::black_png(9000);
    let mut form = Multipart::new();
    for page in 1..=8 {
        form = form.file("files", format!("page-{page}.png").as_bytes(), "image/png", &png);
    }
    let (content_type, body) = form.finish();
    let measured = platform
        .measure(
            format!("{OCR_IMAGES} with eight 9000 x 9000 PNGs ({} KB in all)", body.len() / 1024),
            platform.post_multipart(OCR_IMAGES, (content_type, body)),
        )
        .await;
    harness::assert_bounded(&platform, &measured, bounded()).await;
}

/// Case 5: image headers announcing huge dimensions with a few bytes of
/// data (PNG 60000², JPEG 65000², BMP 60000², TIFF 60000²) → 4xx quickly.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ocr_images_announcing_huge_dimensions_are_refused_quickly() {
    let platform = Platform::start().await;
    let images: [(&str, &str, &str, Vec<u8>); 4] = [
        ("PNG 60000 x 60000", "page.png", "image/png", generate::png_announcing(60_000)),
        ("JPEG 65000 x 65000", "page.jpg", "image/jpeg", generate::jpeg_announcing(65_000, 65_000)),
        ("BMP 60000 x 60000", "page.bmp", "image/bmp", generate::bmp_announcing(60_000, 60_000)),
        ("TIFF 60000 x 60000", "page.tiff", "image/tiff", generate::tiff_announcing(60_000, 60_000)),
    ];
    let mut failures = Failures::default();
    for (what, name, media_type, data) in images {
        let form = Multipart::new().file("files", name.as_bytes(), media_type, &data).finish();
        let measured = platform
            .measure(
                format!("{OCR_IMAGES} with a {what} header ({} bytes)", data.len()),
                platform.post_multipart(OCR_IMAGES, form),
            )
            .await;
        failures.note(check_bounded(&platform, &measured, bounds(QUICKLY, SMALL_GROWTH_MB, Accept::ClientError)).await);
    }
    failures.assert_none("images announcing huge dimensions");
}

// ---------------------------------------------------------------------------
// Factur-X
// ---------------------------------------------------------------------------

fn bombs() -> Vec<(Bomb, Encoded)> {
    Bomb::ALL.iter().map(|&bomb| (bomb, bomb.encode(BOMB_BYTES, RUN_LENGTH_WIRE_BYTES))).collect()
}

/// Sends `pdf` to each of `paths` and checks each answer is bounded.
async fn send_pdf_everywhere(
    platform: &Platform,
    failures: &mut Failures,
    what: &str,
    pdf: &[u8],
    paths: &[&str],
    accept: Accept,
) {
    for path in paths {
        let measured = platform
            .measure(
                format!("{path} with {what} ({} KB)", pdf.len() / 1024),
                platform.post_multipart(path, pdf_form("file", "facture.pdf", pdf)),
            )
            .await;
        failures.note(check_bounded(platform, &measured, bounds(ANSWER_WITHIN, MAX_GROWTH_MB, accept)).await);
        if platform.exited().is_some() {
            return;
        }
    }
}

/// Case 6: compression bombs (1 GiB of zeros) as the `factur-x.xml`
/// attachment, through every filter chain, on extract and validate.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn facturx_attachment_compression_bombs_are_bounded() {
    let platform = Platform::start().await;
    let mut failures = Failures::default();
    for (bomb, encoded) in bombs() {
        let pdf = generate::facturx_pdf(
            &encoded,
            &Encoded::plain(generate::facturx_xmp()),
            &Encoded::plain(generate::invoice_page_content()),
        );
        let what = format!("a {bomb:?} bomb as factur-x.xml ({})", encoded.filter);
        send_pdf_everywhere(
            &platform,
            &mut failures,
            &what,
            &pdf,
            &[FACTURX_EXTRACT, FACTURX_VALIDATE],
            Accept::SuccessOrClientError,
        )
        .await;
    }
    failures.assert_none("compression bombs in the Factur-X attachment");
}

/// Case 7: the same bombs as the catalog's XMP `/Metadata` (extract,
/// validate) and as the page's content stream (extract, validate, and the
/// OCR, which reads the text layer).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn facturx_bombs_in_metadata_and_page_content_are_bounded() {
    let platform = Platform::start().await;
    let invoice = Encoded::plain(generate::cii_invoice("", ""));
    let mut failures = Failures::default();
    for (bomb, encoded) in bombs() {
        let in_metadata = generate::facturx_pdf(&invoice, &encoded, &Encoded::plain(generate::invoice_page_content()));
        let what = format!("a {bomb:?} bomb as the XMP metadata ({})", encoded.filter);
        send_pdf_everywhere(
            &platform,
            &mut failures,
            &what,
            &in_metadata,
            &[FACTURX_EXTRACT, FACTURX_VALIDATE],
            Accept::SuccessOrClientError,
        )
        .await;
        let in_content = generate::facturx_pdf(&invoice, &Encoded::plain(generate::facturx_xmp()), &encoded);
        let what = format!("a {bomb:?} bomb as the page content ({})", encoded.filter);
        send_pdf_everywhere(
            &platform,
            &mut failures,
            &what,
            &in_content,
            &[FACTURX_EXTRACT, FACTURX_VALIDATE, OCR_PDF],
            Accept::SuccessOrClientError,
        )
        .await;
        if platform.exited().is_some() {
            break;
        }
    }
    failures.assert_none("compression bombs in metadata and content streams");
}

/// Case 8: a valid CII whose `ram:IssueDateTime` (then whose
/// `rsm:ExchangedDocument`) holds 80,000 unexpected children (~720 KB),
/// to validate → answered within 15 s with fewer than 1,000 findings listed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn facturx_xml_with_80000_unexpected_children_gets_a_bounded_report() {
    let platform = Platform::start().await;
    let mut failures = Failures::default();

    // The control: the same invoice without them is valid under EN 16931
    // (the generator's invoice does not carry the French mentions).
    let control_form = Multipart::new()
        .file("file", b"factur-x.xml", "text/xml", &generate::cii_invoice("", ""))
        .text("rules", "en16931")
        .finish();
    let control =
        platform.measure("the control invoice", platform.post_multipart(FACTURX_VALIDATE, control_form)).await;
    match control.answer() {
        Some(answer) if answer.status == 200 && answer.json()["valid"] == true => {}
        _ => failures.push(format!("the generator's control invoice is not reported valid: {:?}", control.outcome)),
    }

    let cases = [
        ("in ram:IssueDateTime", generate::cii_with_unexpected_children_in_issue_date(UNEXPECTED_CHILDREN)),
        ("in rsm:ExchangedDocument", generate::cii_with_unexpected_children_in_document(UNEXPECTED_CHILDREN)),
    ];
    for (where_, xml) in cases {
        let measured = platform
            .measure(
                format!(
                    "{FACTURX_VALIDATE} with {UNEXPECTED_CHILDREN} unexpected children {where_} ({} KB)",
                    xml.len() / 1024
                ),
                platform.post_multipart(FACTURX_VALIDATE, xml_form(&xml)),
            )
            .await;
        failures.note(check_bounded(&platform, &measured, bounded()).await);
        if let Some(answer) = measured.answer().filter(|answer| answer.status == 200) {
            let report = answer.json();
            let listed =
                report["errors"].as_array().map_or(0, Vec::len) + report["warnings"].as_array().map_or(0, Vec::len);
            if listed >= MAX_FINDINGS {
                failures.push(format!(
                    "{}: the report lists {listed} findings ({} KB of JSON); at most {MAX_FINDINGS} expected, the rest counted",
                    measured.label,
                    answer.body.len() / 1024
                ));
            }
        }
    }
    failures.assert_none("a CII with 80,000 unexpected children");
}

/// Case 8b: an invoice of 7,000 lines and 7,000 VAT breakdowns, each of
/// its own rate (~8.7 MB, under the upload limit), in the profiles whose rules
/// add up lines per breakdown (EN 16931, EXTENDED, EXTENDED-CTC-FR), to
/// validate with the French rules → answered within 15 s and 256 MB.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn facturx_xml_with_7000_lines_and_7000_vat_breakdowns_gets_a_bounded_report() {
    const COUNT: usize = 7_000;
    let platform = Platform::start().await;
    let mut failures = Failures::default();
    for guideline in [
        "urn:cen.eu:en16931:2017",
        "urn:cen.eu:en16931:2017#conformant#urn:factur-x.eu:1p0:extended",
        "urn:cen.eu:en16931:2017#conformant#urn.cpro.gouv.fr:1p0:extended-ctc-fr",
    ] {
        let xml = generate::cii_with_lines_and_breakdowns(COUNT, guideline);
        assert!((xml.len() as u64) < FACTURX_UPLOAD_LIMIT, "{} bytes: over the upload limit", xml.len());
        let form = Multipart::new().file("file", b"factur-x.xml", "text/xml", &xml).text("rules", "fr").finish();
        let measured = platform
            .measure(
                format!("{FACTURX_VALIDATE} with {COUNT} lines and breakdowns, {guideline} ({} KB)", xml.len() / 1024),
                platform.post_multipart(FACTURX_VALIDATE, form),
            )
            .await;
        failures.note(check_bounded(&platform, &measured, bounded()).await);
    }
    failures.assert_none("an invoice of 7,000 lines and 7,000 VAT breakdowns");
}

/// Case 9: nesting 100,000 deep: XML elements (raw, and as a PDF's
/// attachment), a PDF array `[[[…]]]`, a PDF dictionary chain
/// `<< /A << /A … >> >>`, and a chain of 20,000 indirect references → a
/// 4xx (the reference chain may be read: 2xx too), and no crash (a stack
/// overflow kills the whole process: each answer is followed by /health).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deep_nesting_in_xml_and_pdf_is_refused_without_a_crash() {
    let platform = Platform::start().await;
    let mut failures = Failures::default();

    let deep_xml = generate::cii_nested(DEEP);
    let measured = platform
        .measure(
            format!("{FACTURX_VALIDATE} with XML nested {DEEP} deep ({} KB)", deep_xml.len() / 1024),
            platform.post_multipart(FACTURX_VALIDATE, xml_form(&deep_xml)),
        )
        .await;
    failures.note(check_bounded(&platform, &measured, bounds(ANSWER_WITHIN, MAX_GROWTH_MB, Accept::ClientError)).await);

    let cases: [(String, Vec<u8>, &[&str], Accept); 4] = [
        // Embedded, the XML may be handed back as it is (extract) or
        // reported unreadable in a 200 (validate): checked below.
        (
            format!("XML nested {DEEP} deep as factur-x.xml"),
            generate::facturx_pdf_with_xml(&deep_xml),
            &[FACTURX_EXTRACT, FACTURX_VALIDATE],
            Accept::SuccessOrClientError,
        ),
        (
            format!("an array nested {DEEP} deep in the catalog"),
            generate::pdf_with_catalog_entry(&generate::deep_array(DEEP)),
            &[FACTURX_EXTRACT, FACTURX_VALIDATE, OCR_PDF],
            Accept::ClientError,
        ),
        (
            format!("a dictionary chain {DEEP} deep in the catalog"),
            generate::pdf_with_catalog_entry(&generate::deep_dictionary(DEEP)),
            &[FACTURX_EXTRACT, FACTURX_VALIDATE, OCR_PDF],
            Accept::ClientError,
        ),
        (
            format!("a chain of {REFERENCE_CHAIN} indirect references to the attachment"),
            generate::reference_chain_pdf(REFERENCE_CHAIN),
            &[FACTURX_EXTRACT, FACTURX_VALIDATE, OCR_PDF],
            Accept::SuccessOrClientError,
        ),
    ];
    for (what, pdf, paths, accept) in cases {
        if platform.exited().is_some() {
            break;
        }
        // The OCR reads such a file with its own tools: no crash, any 2xx/4xx.
        for path in paths {
            let accept = if *path == OCR_PDF { Accept::SuccessOrClientError } else { accept };
            send_pdf_everywhere(&platform, &mut failures, &what, &pdf, &[path], accept).await;
        }
    }
    // A 200 from validate on the embedded deep XML must not call it valid.
    let embedded = generate::facturx_pdf_with_xml(&deep_xml);
    let measured = platform
        .measure(
            format!("{FACTURX_VALIDATE} with XML nested {DEEP} deep as factur-x.xml (verdict)"),
            platform.post_multipart(FACTURX_VALIDATE, pdf_form("file", "facture.pdf", &embedded)),
        )
        .await;
    if let Some(answer) = measured.answer().filter(|answer| answer.status == 200)
        && answer.json()["valid"] != false
    {
        failures.push(format!("{}: reported valid: {}", measured.label, answer.excerpt()));
    }
    failures.assert_none("deep nesting");
}

/// Case 10: billion laughs and an external entity naming /etc/passwd, as
/// raw XML, as the PDF's attachment, and (the external entity) in the XMP
/// → refused or not expanded: bounded, and no answer holds a passwd line.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn xml_entities_are_never_expanded() {
    let platform = Platform::start().await;
    let mut failures = Failures::default();
    let laughs = generate::billion_laughs();
    let xxe = generate::external_entity();
    let xmp_xxe = generate::facturx_pdf(
        &Encoded::plain(generate::cii_invoice("", "")),
        &Encoded::plain(generate::external_entity_xmp()),
        &Encoded::plain(generate::invoice_page_content()),
    );
    let requests: Vec<(String, reqwest::RequestBuilder)> = vec![
        (
            format!("{FACTURX_VALIDATE} with billion laughs XML"),
            platform.post_multipart(FACTURX_VALIDATE, xml_form(&laughs)),
        ),
        (
            format!("{FACTURX_VALIDATE} with an external entity XML"),
            platform.post_multipart(FACTURX_VALIDATE, xml_form(&xxe)),
        ),
        (
            format!("{FACTURX_VALIDATE} with billion laughs as factur-x.xml"),
            platform
                .post_multipart(FACTURX_VALIDATE, pdf_form("file", "f.pdf", &generate::facturx_pdf_with_xml(&laughs))),
        ),
        (
            format!("{FACTURX_EXTRACT} with billion laughs as factur-x.xml"),
            platform
                .post_multipart(FACTURX_EXTRACT, pdf_form("file", "f.pdf", &generate::facturx_pdf_with_xml(&laughs))),
        ),
        (
            format!("{FACTURX_VALIDATE} with an external entity as factur-x.xml"),
            platform.post_multipart(FACTURX_VALIDATE, pdf_form("file", "f.pdf", &generate::facturx_pdf_with_xml(&xxe))),
        ),
        (
            format!("{FACTURX_EXTRACT} with an external entity as factur-x.xml"),
            platform.post_multipart(FACTURX_EXTRACT, pdf_form("file", "f.pdf", &generate::facturx_pdf_with_xml(&xxe))),
        ),
        (
            format!("{FACTURX_EXTRACT} (format=xml) with an external entity as factur-x.xml"),
            platform.post_multipart(
                FACTURX_EXTRACT,
                Multipart::new()
                    .file("file", b"f.pdf", "application/pdf", &generate::facturx_pdf_with_xml(&xxe))
                    .text("format", "xml")
                    .finish(),
            ),
        ),
        (
            format!("{FACTURX_VALIDATE} with an external entity in the XMP"),
            platform.post_multipart(FACTURX_VALIDATE, pdf_form("file", "f.pdf", &xmp_xxe)),
        ),
        (
            format!("{FACTURX_EXTRACT} with an external entity in the XMP"),
            platform.post_multipart(FACTURX_EXTRACT, pdf_form("file", "f.pdf", &xmp_xxe)),
        ),
    ];
    for (label, request) in requests {
        let measured = platform.measure(label, request).await;
        failures.note(check_bounded(&platform, &measured, bounded()).await);
        if let Some(answer) = measured.answer() {
            if generate::leaks_passwd(&answer.body) {
                failures.push(format!(
                    "{}: the answer holds a line of /etc/passwd: {}",
                    measured.label,
                    answer.excerpt()
                ));
            }
            if answer.body.windows(12).any(|window| window == b"lollollollol") {
                failures.push(format!("{}: the answer holds expanded entities: {}", measured.label, answer.excerpt()));
            }
        }
        if platform.exited().is_some() {
            break;
        }
    }
    failures.assert_none("XML entities");
}

// ---------------------------------------------------------------------------
// Uploads through the gateway
// ---------------------------------------------------------------------------

/// One slow upload trickling to `path` at 4 KB/s while five small uploads
/// from other connections go to the same route.
async fn slow_client_scenario(
    platform: &Platform,
    failures: &mut Failures,
    path: &str,
    small: fn() -> (String, Vec<u8>),
) {
    // The control: without the slow client, the five small uploads pass.
    for (index, status, elapsed) in five_small_uploads(platform, path, small).await {
        if !matches!(status, Ok(status) if status < 500) || elapsed > OTHERS_WITHIN {
            failures.push(format!(
                "{path}: small upload #{} WITHOUT any slow client: status {status:?} after {:.1} s (the control)",
                index + 1,
                elapsed.as_secs_f64()
            ));
        }
    }
    let address = platform.base.trim_start_matches("http://").to_owned();
    let form = Multipart::new();
    let prefix = [form.file_part_head("file", "lent.pdf", "application/pdf"), b"%PDF-1.7\n".to_vec()].concat();
    let suffix = form.closing();
    let filler: u64 = 1024 * 1024;
    let length = prefix.len() as u64 + filler + suffix.len() as u64;
    let head = raw::request_head(
        &address,
        path,
        &[
            ("X-API-Key", platform.key.clone()),
            ("Content-Type", form.content_type()),
            ("Content-Length", length.to_string()),
        ],
    );
    let slow = raw::Connection::open(&address, head, move |writer, sent, stop| {
        raw::trickle(writer, sent, stop, prefix, filler, suffix, SLOW_BYTES_PER_SEC)
    })
    .await;
    tokio::time::sleep(SLOW_HEAD_START).await;

    for (index, status, elapsed) in five_small_uploads(platform, path, small).await {
        let problem = match &status {
            Ok(503) => Some("answered 503".to_owned()),
            Ok(status) if *status >= 500 => Some(format!("answered {status}")),
            Ok(_) if elapsed > OTHERS_WITHIN => Some("answered too late".to_owned()),
            Ok(_) => None,
            Err(error) => Some(format!("got no answer: {error}")),
        };
        if let Some(problem) = problem {
            failures.push(format!(
                "{path}: small upload #{} sent while a slow upload trickles at {} B/s {problem} (status {status:?}, after {:.1} s; limit {:.0} s)",
                index + 1,
                SLOW_BYTES_PER_SEC,
                elapsed.as_secs_f64(),
                OTHERS_WITHIN.as_secs_f64()
            ));
        }
    }
    slow.stop.store(true, Ordering::Relaxed);
    slow.answer.abort();
    let written = slow.writer.await.ok();
    eprintln!(
        "{path}: the slow upload had sent {} bytes in {:.1} s; {}",
        slow.sent.load(Ordering::Relaxed),
        slow.started.elapsed().as_secs_f64(),
        match written.and_then(|written| written.cut) {
            Some(cut) => format!("the platform cut it ({cut})"),
            None => "it was still open".to_owned(),
        }
    );
    if let Err(dead) = platform.alive().await {
        failures.push(format!("{path}, after a slow upload: {dead}"));
    }
}

/// Five small uploads to `path` at once, each from a client (a
/// connection) of its own: (index, status or error, time taken).
async fn five_small_uploads(
    platform: &Platform,
    path: &str,
    small: fn() -> (String, Vec<u8>),
) -> Vec<(usize, Result<u16, String>, Duration)> {
    let uploads = (0..5).map(|index| {
        let url = platform.url(path);
        let key = platform.key.clone();
        async move {
            // A client of its own: a connection of its own.
            let client = reqwest::Client::builder().timeout(CLIENT_GIVES_UP).build().expect("client");
            let (content_type, body) = small();
            let started = Instant::now();
            let answer =
                client.post(url).header("X-API-Key", key).header("content-type", content_type).body(body).send().await;
            let status = match answer {
                Ok(response) => {
                    let status = response.status().as_u16();
                    let _ = response.bytes().await;
                    Ok(status)
                }
                Err(error) => Err(error.to_string()),
            };
            (index, status, started.elapsed())
        }
    });
    futures_util::future::join_all(uploads).await
}

fn small_xml_upload() -> (String, Vec<u8>) {
    xml_form(&generate::cii_invoice("", ""))
}

fn small_pdf_upload() -> (String, Vec<u8>) {
    pdf_form("file", "facture.pdf", &generate::small_pdf())
}

/// Case 11: a slow client (4 KB/s) does not hold up five small uploads
/// from other connections (each answered, not 503, in < 5 s), on Factur-X
/// validation and on the OCR; the server stays alive.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_upload_does_not_block_other_uploads() {
    let platform = Platform::start().await;
    let mut failures = Failures::default();
    slow_client_scenario(&platform, &mut failures, FACTURX_VALIDATE, small_xml_upload).await;
    slow_client_scenario(&platform, &mut failures, OCR_PDF, small_pdf_upload).await;
    failures.assert_none("a slow client");
}

/// Case 12: a chunked upload (no Content-Length) that never ends, to the
/// OCR (16 MiB limit) and to Factur-X (10 MiB) → 413 (problem+json) within
/// 15 s, once past the limit, and the gateway stops reading (the client
/// cannot push 96 MiB).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chunked_upload_over_the_limit_is_cut_with_413() {
    let platform = Platform::start().await;
    let address = platform.base.trim_start_matches("http://").to_owned();
    let mut failures = Failures::default();
    for (path, limit) in [(OCR_PDF, OCR_UPLOAD_LIMIT), (FACTURX_VALIDATE, FACTURX_UPLOAD_LIMIT)] {
        let form = Multipart::new();
        let prefix = [form.file_part_head("file", "facture.pdf", "application/pdf"), b"%PDF-1.7\n".to_vec()].concat();
        let head = raw::request_head(
            &address,
            path,
            &[
                ("X-API-Key", platform.key.clone()),
                ("Content-Type", form.content_type()),
                ("Transfer-Encoding", "chunked".to_owned()),
            ],
        );
        let connection = raw::Connection::open(&address, head, move |writer, sent, stop| {
            raw::endless_chunks(writer, sent, stop, prefix, CHUNKED_CAP)
        })
        .await;
        let label = format!("{path} with an endless chunked upload (limit {} MiB)", limit >> 20);
        let answer = tokio::time::timeout(ANSWER_WITHIN, connection.answer).await;
        match answer {
            Err(_) => failures.push(format!(
                "{label}: no answer within {:.0} s ({} MiB sent by then)",
                ANSWER_WITHIN.as_secs_f64(),
                connection.sent.load(Ordering::Relaxed) >> 20
            )),
            Ok(Err(join)) => failures.push(format!("{label}: the reader failed: {join}")),
            Ok(Ok(Err(error))) => failures.push(format!("{label}: {error}")),
            Ok(Ok(Ok(answer))) => {
                let content_type = answer.content_type().unwrap_or_default();
                if answer.status != 413 {
                    failures.push(format!(
                        "{label}: answered {} after {:.1} s, not 413",
                        answer.status,
                        answer.after.as_secs_f64()
                    ));
                } else if !content_type.starts_with("application/problem+json") {
                    failures.push(format!("{label}: the 413 came as {content_type:?}, not application/problem+json"));
                }
                if answer.sent_by_then > limit + CHUNKED_SLACK {
                    failures.push(format!(
                        "{label}: the answer came only after {} MiB had been sent (limit {} MiB)",
                        answer.sent_by_then >> 20,
                        limit >> 20
                    ));
                }
            }
        }
        // After the 413, actix-web reads and discards the rest of a body the
        // handler dropped, to keep the connection usable (RFC 9112 §9.3
        // allows either that or closing): the client may push everything,
        // but the platform keeps none of it and goes on answering.
        tokio::time::sleep(Duration::from_secs(3)).await;
        connection.stop.store(true, Ordering::Relaxed);
        connection.writer.abort();
        if let Err(dead) = platform.alive().await {
            failures.push(format!("{label}: {dead}"));
            break;
        }
    }
    failures.assert_none("an endless chunked upload");
}

/// Case 13: a multipart body of 10,000 tiny parts, to the OCR images
/// route (1 to 8 images), Factur-X validation and the ERP's documents →
/// a 4xx quickly.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_multipart_body_of_10000_parts_is_refused_quickly() {
    let platform = Platform::start().await;
    require_routes(&platform, &[("post", ERP_UPLOAD)]).await;
    let intervention = erp_intervention(&platform).await;
    let png = generate::tiny_png();
    let erp = format!("{ERP_UPLOAD}?intervention_id={intervention}");
    let cases = [
        (OCR_IMAGES.to_owned(), generate::many_parts("files", MANY_PARTS, "page.png", "image/png", &png)),
        (FACTURX_VALIDATE.to_owned(), generate::many_parts("file", MANY_PARTS, "factur-x.xml", "text/xml", b"<a/>")),
        (erp, generate::many_parts("file", MANY_PARTS, "photo.png", "image/png", &png)),
    ];
    let mut failures = Failures::default();
    for (path, form) in cases {
        let measured = platform
            .measure(
                format!("{path} with {MANY_PARTS} parts ({} KB)", form.1.len() / 1024),
                platform.post_multipart(&path, form),
            )
            .await;
        failures.note(check_bounded(&platform, &measured, bounds(QUICKLY, MAX_GROWTH_MB, Accept::ClientError)).await);
        if platform.exited().is_some() {
            break;
        }
    }
    failures.assert_none("10,000 multipart parts");
}

/// What a kept file name must not hold.
fn unsafe_name(name: &str) -> Option<&'static str> {
    if name.contains('/') {
        Some("a slash")
    } else if name.contains('\\') {
        Some("a backslash")
    } else if name.contains('\0') {
        Some("a NUL byte")
    } else if name.contains("..") {
        Some("`..`")
    } else if name.len() > 255 {
        Some("more than 255 bytes")
    } else {
        None
    }
}

/// Case 14: hostile file names (`../../../../etc/passwd`, `..\..\win.ini`,
/// `/etc/passwd`, a NUL byte, 5,000 characters; each bare and with the
/// route's extension) on every upload route that keeps files: the ERP's
/// documents, the OCR jobs (kept in the object store until analysed) and
/// the synchronous OCR routes with the backup on → a 2xx with a sanitised
/// name or a 4xx, and nothing named `passwd` or `win.ini` appears outside
/// the data directory (its parent, the test's temporary tree, /tmp, /etc).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn traversal_in_upload_file_names_writes_nothing_outside_the_data_dir() {
    let platform = Platform::start_with(&[("OCR__ANALYSIS__BACKUP", "true")]).await;
    require_routes(
        &platform,
        &[
            ("post", ERP_UPLOAD),
            ("post", OCR_JOBS_PDF),
            ("post", OCR_JOBS_IMAGES),
            ("post", OCR_PDF),
            ("post", OCR_IMAGES),
        ],
    )
    .await;
    let tmp_before = harness::tmp_entries();
    let etc_before = etc_passwd_like();
    let passwd_before = std::fs::metadata("/etc/passwd").ok().map(|meta| (meta.len(), meta.modified().ok()));
    let intervention = erp_intervention(&platform).await;
    let png = generate::tiny_png();
    let pdf = generate::small_pdf();
    let routes: [(String, &str, &str, &str, &[u8]); 5] = [
        (format!("{ERP_UPLOAD}?intervention_id={intervention}"), "file", "png", "image/png", &png),
        (OCR_JOBS_PDF.to_owned(), "file", "pdf", "application/pdf", &pdf),
        (OCR_JOBS_IMAGES.to_owned(), "files", "png", "image/png", &png),
        (OCR_PDF.to_owned(), "file", "pdf", "application/pdf", &pdf),
        (OCR_IMAGES.to_owned(), "files", "png", "image/png", &png),
    ];
    let mut failures = Failures::default();
    let mut kept = 0;
    for (path, field, extension, media_type, data) in &routes {
        for (what, name) in generate::traversal_names(extension) {
            let form = Multipart::new().file(field, &name, media_type, data).finish();
            let measured = platform
                .measure(format!("{path} with a file named by {what}"), platform.post_multipart(path, form))
                .await;
            // Memory is not this test's subject, and the OCR jobs it submits
            // are analysed in the background meanwhile (their tools would be
            // counted against whichever request is in flight).
            failures.note(
                check_bounded(&platform, &measured, bounds(ANSWER_WITHIN, f64::INFINITY, Accept::SuccessOrClientError))
                    .await,
            );
            if let Some(answer) = measured.answer().filter(|answer| (200..300).contains(&answer.status)) {
                kept += 1;
                if let Some(name) = answer.json()["file_name"].as_str()
                    && let Some(problem) = unsafe_name(name)
                {
                    failures.push(format!("{}: the file was kept as {name:?}, which holds {problem}", measured.label));
                }
            }
            if platform.exited().is_some() {
                break;
            }
        }
    }
    // Jobs are analysed in the background, and backups written after the answer.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let needles = ["passwd", "win.ini"];
    for path in platform.files_outside_data_named(&needles, &tmp_before) {
        failures.push(format!(
            "a file appeared outside the data directory {}: {}",
            platform.data_dir.display(),
            path.display()
        ));
    }
    for path in etc_passwd_like().difference(&etc_before) {
        failures.push(format!("a file appeared in /etc: {}", path.display()));
    }
    let passwd_after = std::fs::metadata("/etc/passwd").ok().map(|meta| (meta.len(), meta.modified().ok()));
    if passwd_after != passwd_before {
        failures.push("/etc/passwd changed".to_owned());
    }
    // The uploads that were taken in landed inside the data directory.
    if kept > 0 && !platform.data_dir.join("objects").exists() {
        failures
            .push(format!("{kept} uploads were taken in but nothing is in {}/objects", platform.data_dir.display()));
    }
    failures.assert_none("path traversal in file names");
}

fn etc_passwd_like() -> HashSet<PathBuf> {
    std::fs::read_dir("/etc")
        .into_iter()
        .flatten()
        .flatten()
        .map(|entry| entry.path())
        .filter(|path| {
            let name = path.file_name().map(|name| name.to_string_lossy().to_lowercase()).unwrap_or_default();
            name.starts_with("passwd") || name.contains("win.ini")
        })
        .collect()
}

#[test]
fn problem_json_is_recognised() {
    let good = harness::Answer {
        status: 422,
        content_type: Some("application/problem+json".to_owned()),
        body: br#"{"type":"https://errors/x","title":"Unprocessable","status":422,"code":"too_many_pages"}"#.to_vec(),
    };
    assert!(check_problem_json(&good).is_ok());
    let bad = harness::Answer { content_type: Some("application/json".to_owned()), ..good.clone() };
    assert!(check_problem_json(&bad).is_err());
}
