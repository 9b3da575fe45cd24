//! From an uploaded document to the words on its pages: the PDF's text layer
//! where it has one, Tesseract on what is only a picture (a scanned page, an
//! uploaded photo).

pub mod ocr;
mod scanned_page;
pub mod words;

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use futures_util::future::try_join_all;
use serde::Serialize;
use tokio::process::Command;

pub use self::ocr::{OcrError, OcrPool};
use self::words::{BoundingBox, Line, deskew, group_lines, parse_tsv, tsv_page_count, tsv_page_size};

/// Resolution scanned pages are rasterised at, as Tesseract reads best.
const RASTER_DPI: i32 = 300;
/// Fewer words than this on a page means its text layer is missing or
/// decorative (a scan with a printed header), so the page is read by OCR.
const MIN_TEXT_LAYER_WORDS: usize = 15;
const TOOL_TIMEOUT: Duration = Duration::from_secs(120);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TextSource {
    TextLayer,
    Ocr,
}

/// Where a value was read.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Location {
    pub kind: TextSource,
    /// 1-based page (or image) number.
    pub page: usize,
    pub bbox: BoundingBox,
    /// `pt` for PDF pages, `px` for uploaded images.
    pub unit: &'static str,
}

#[derive(Debug, Clone)]
pub struct PageText {
    pub number: usize,
    pub source: TextSource,
    pub unit: &'static str,
    pub lines: Vec<Line>,
}

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error("the PDF could not be read (damaged, encrypted or not a PDF)")]
    UnreadablePdf,
    #[error("image {0} could not be read")]
    UnreadableImage(usize),
    #[error("the document has no pages")]
    Empty,
    #[error(transparent)]
    Ocr(#[from] OcrError),
    #[error("{tool} failed: {reason}")]
    Tool { tool: &'static str, reason: String },
}

/// Pages read so far out of the document's, for callers showing progress.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PagesRead {
    pub done: usize,
    pub total: usize,
}

pub type PageProgress = tokio::sync::watch::Sender<PagesRead>;

fn report(progress: Option<&PageProgress>, change: impl FnOnce(&mut PagesRead)) {
    if let Some(progress) = progress {
        progress.send_modify(change);
    }
}

#[derive(Clone)]
pub struct Engine {
    ocr: OcrPool,
}

impl Engine {
    pub fn new(ocr: OcrPool) -> Self {
        Self { ocr }
    }

    /// Every page of `pdf`, from its text layer or, for pages without one, by OCR.
    pub async fn read_pdf(&self, pdf: &[u8], progress: Option<&PageProgress>) -> Result<Vec<PageText>, EngineError> {
        let directory = tempfile::tempdir().map_err(tool_error("tempdir"))?;
        let path = directory.path().join("input.pdf");
        tokio::fs::write(&path, pdf).await.map_err(tool_error("tempfile"))?;
        let tsv = run("pdftotext", &["-tsv", "-enc", "UTF-8"], &path, &["-"]).await.map_err(|error| match error {
            EngineError::Tool { tool: "pdftotext", .. } => EngineError::UnreadablePdf,
            other => other,
        })?;
        let tsv = String::from_utf8_lossy(&tsv);
        let page_count = tsv_page_count(&tsv);
        if page_count == 0 {
            return Err(EngineError::Empty);
        }
        report(progress, |read| read.total = page_count);
        let pages = (1..=page_count).map(|number| {
            let words = parse_tsv(&tsv, number, 1.0);
            let size = tsv_page_size(&tsv, number);
            let path = path.clone();
            async move {
                let page = if words.len() >= MIN_TEXT_LAYER_WORDS {
                    PageText { number, source: TextSource::TextLayer, unit: "pt", lines: group_lines(words) }
                } else {
                    let scanned = match size {
                        Some(size) => scanned_page::extract(&path, number, size).await?,
                        None => None,
                    };
                    let (image, dpi) = match scanned {
                        Some(scan) => (scan.jpeg, scan.ppi),
                        None => (rasterise(&path, number).await?, RASTER_DPI),
                    };
                    let mut words = self.ocr.recognise(image, Some(dpi), 72.0 / dpi as f32).await?;
                    deskew(&mut words);
                    PageText { number, source: TextSource::Ocr, unit: "pt", lines: group_lines(words) }
                };
                report(progress, |read| read.done += 1);
                Ok(page)
            }
        });
        try_join_all(pages).await
    }

    /// Every image read by OCR, in order.
    pub async fn read_images(
        &self,
        images: &[&[u8]],
        progress: Option<&PageProgress>,
    ) -> Result<Vec<PageText>, EngineError> {
        report(progress, |read| read.total = images.len());
        let pages = images.iter().enumerate().map(|(index, image)| async move {
            let mut words = self.ocr.recognise(image.to_vec(), None, 1.0).await.map_err(|error| match error {
                OcrError::UnreadableImage => EngineError::UnreadableImage(index + 1),
                other => EngineError::Ocr(other),
            })?;
            deskew(&mut words);
            report(progress, |read| read.done += 1);
            Ok(PageText { number: index + 1, source: TextSource::Ocr, unit: "px", lines: group_lines(words) })
        });
        try_join_all(pages).await
    }
}

async fn rasterise(pdf: &Path, page: usize) -> Result<Vec<u8>, EngineError> {
    let page = page.to_string();
    let dpi = RASTER_DPI.to_string();
    run("pdftoppm", &["-r", &dpi, "-gray", "-f", &page, "-l", &page], pdf, &[]).await
}

/// Runs a Poppler tool on `input` and returns what it wrote to stdout.
async fn run(tool: &'static str, before: &[&str], input: &Path, after: &[&str]) -> Result<Vec<u8>, EngineError> {
    let child = Command::new(tool)
        .args(before)
        .arg(input)
        .args(after)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(tool_error(tool))?;
    let output = tokio::time::timeout(TOOL_TIMEOUT, child.wait_with_output())
        .await
        .map_err(|_| EngineError::Tool { tool, reason: "timed out".into() })?
        .map_err(tool_error(tool))?;
    if !output.status.success() {
        return Err(EngineError::Tool { tool, reason: format!("exit status {}", output.status) });
    }
    Ok(output.stdout)
}

fn tool_error(tool: &'static str) -> impl Fn(std::io::Error) -> EngineError {
    move |error| EngineError::Tool { tool, reason: error.to_string() }
}
