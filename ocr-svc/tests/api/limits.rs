//! What one document may make the service do: pages read, pixels decoded.
//! A small file can announce a great deal of work; each limit is refused
//! with a problem before that work starts.

use common::pdf::{Document, Info};
use image::{GrayImage, ImageFormat, Luma};
use reqwest::multipart::Form;

use crate::helpers::{file, spawn_app, spawn_app_with};
use crate::invoices::problem;

/// A PDF of `pages` blank pages of `width` × `height` points.
fn blank_pdf(pages: usize, width: f32, height: f32) -> Vec<u8> {
    let mut document = Document::new();
    for _ in 0..pages {
        document.add_page(width, height);
    }
    document.finish(&Info::default(), "D:20261202000000Z")
}

fn png(width: u32, height: u32) -> Vec<u8> {
    let mut png = Vec::new();
    GrayImage::from_pixel(width, height, Luma([255]))
        .write_to(&mut std::io::Cursor::new(&mut png), ImageFormat::Png)
        .expect("png");
    png
}

fn pdf_form(pdf: Vec<u8>) -> Form {
    Form::new().part("file", file("f.pdf", pdf, "application/pdf"))
}

#[tokio::test]
async fn a_pdf_longer_than_max_pages_is_refused_before_a_page_is_read() {
    let app = spawn_app_with(&[("OCR__ANALYSIS__MAX_PAGES", "3")]).await;
    let body =
        problem(app.post_form("/v1/invoices/pdf", pdf_form(blank_pdf(4, 595.0, 842.0))).await, 422, "too_many_pages")
            .await;
    assert_eq!(body["detail"], "The PDF has 4 pages; at most 3 are read. Send the bill's pages only.");
    // Up to the limit, pages are read (blank ones hold no bill).
    let read = app.post_form("/v1/invoices/pdf", pdf_form(blank_pdf(3, 595.0, 842.0))).await;
    problem(read, 422, "unreadable_document").await;

    // 200 blank pages are 20 KB: the default limit refuses them too.
    let app = spawn_app().await;
    let body =
        problem(app.post_form("/v1/invoices/pdf", pdf_form(blank_pdf(200, 595.0, 842.0))).await, 422, "too_many_pages")
            .await;
    assert!(body["detail"].as_str().is_some_and(|detail| detail.starts_with("The PDF has 200 pages")), "{body}");
}

#[tokio::test]
async fn a_large_page_is_rasterised_at_a_lower_resolution_and_a_huge_one_refused() {
    let app = spawn_app().await;
    // A1 at 300 dpi would be 70 million pixels, over the default 40 million.
    let a1 = app.post_form("/v1/invoices/pdf", pdf_form(blank_pdf(1, 1684.0, 2384.0))).await;
    problem(a1, 422, "unreadable_document").await;
    let huge = app.post_form("/v1/invoices/pdf", pdf_form(blank_pdf(1, 5000.0, 5000.0))).await;
    let body = problem(huge, 422, "image_too_large").await;
    assert!(body["detail"].as_str().is_some_and(|detail| detail.starts_with("Page 1 is too large")), "{body}");
}

#[tokio::test]
async fn images_over_the_pixel_limits_are_refused() {
    let app = spawn_app_with(&[("OCR__ANALYSIS__MAX_PAGE_PIXELS", "1000000")]).await;
    let over = Form::new().part("files", file("big.png", png(1001, 1000), "image/png"));
    let body = problem(app.post_form("/v1/invoices/images", over).await, 422, "image_too_large").await;
    assert!(body["detail"].as_str().is_some_and(|detail| detail.contains("1001000 pixels")), "{body}");

    let app = spawn_app_with(&[("OCR__ANALYSIS__MAX_DOCUMENT_PIXELS", "1000000")]).await;
    let two = Form::new()
        .part("files", file("1.png", png(800, 800), "image/png"))
        .part("files", file("2.png", png(800, 800), "image/png"));
    let body = problem(app.post_form("/v1/invoices/images", two).await, 422, "image_too_large").await;
    assert!(body["detail"].as_str().is_some_and(|detail| detail.contains("per document")), "{body}");
}
