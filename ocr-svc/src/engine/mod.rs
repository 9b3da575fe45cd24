//! From an uploaded document to the words on its pages: the PDF's text layer
//! where it has one, Tesseract on what is only a picture (a scanned page, an
//! uploaded photo).

pub mod ocr;
mod scanned_page;
pub mod words;

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use std::sync::{Arc, Mutex, PoisonError};

use futures_util::{StreamExt, TryStreamExt, stream};
use serde::Serialize;
use tokio::process::Command;
use tokio::sync::Semaphore;

pub use self::ocr::{OcrError, OcrPool, PixelLimits, TooLarge};
use self::words::{BoundingBox, Line, deskew, group_lines, parse_tsv, tsv_page_count, tsv_page_size};

/// Fewer words than this on a page means its text layer is missing or
/// decorative (a scan with a printed header), so the page is read by OCR.
const MIN_TEXT_LAYER_WORDS: usize = 15;
/// Poppler's time for one document, in all: this much, and as much again
/// per page. A bill's page takes well under a second; a file built to keep
/// Poppler busy (a content stream inflating to gigabytes, parsed again by
/// each tool) is cut.
const TOOL_TIME_BASE: Duration = Duration::from_secs(6);
const TOOL_TIME_PER_PAGE: Duration = Duration::from_millis(1500);

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
    #[error("the document has {pages} pages, more than the {limit} read")]
    TooManyPages { pages: usize, limit: usize },
    #[error("page {page} is too large to be read ({reason})")]
    PageTooLarge { page: usize, reason: TooLarge },
    #[error(transparent)]
    Ocr(#[from] OcrError),
    #[error("{tool} failed: {reason}")]
    Tool { tool: &'static str, reason: String },
    #[error("{tool} used up the time Poppler has for this document")]
    TooSlow { tool: &'static str },
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

/// What one document may make the service do.
#[derive(Debug, Clone, Copy)]
pub struct ReadingLimits {
    /// Pages of a PDF read at most; a longer one is refused before any is.
    pub max_pages: usize,
    /// Tool processes (Poppler) running at once in the whole process, and
    /// pages of one document in progress at once.
    pub tool_processes: usize,
}

#[derive(Clone)]
pub struct Engine {
    ocr: OcrPool,
    tools: Tools,
    limits: ReadingLimits,
}

impl Engine {
    pub fn new(ocr: OcrPool, limits: ReadingLimits) -> Self {
        let tools = Tools { slots: Arc::new(Semaphore::new(limits.tool_processes.max(1))) };
        Self { ocr, tools, limits }
    }

    /// Every page of `pdf`, from its text layer or, for pages without one,
    /// by OCR; at most `tool_processes` pages in progress at once, so the
    /// pages' images in memory stay few whatever the page count.
    pub async fn read_pdf(&self, pdf: &[u8], progress: Option<&PageProgress>) -> Result<Vec<PageText>, EngineError> {
        let directory = tempfile::tempdir().map_err(tool_error("tempdir"))?;
        let path = directory.path().join("input.pdf");
        tokio::fs::write(&path, pdf).await.map_err(tool_error("tempfile"))?;
        let unreadable = |error| match error {
            EngineError::Tool { tool: "pdfinfo" | "pdftotext", .. } => EngineError::UnreadablePdf,
            other => other,
        };
        // The page count from the page tree, before a page is read: a small
        // file may announce 100,000 pages.
        let tools = self.tools.for_document();
        let info = tools.run("pdfinfo", &[], &path, &[]).await.map_err(unreadable)?;
        let pages = page_count(&String::from_utf8_lossy(&info)).ok_or(EngineError::UnreadablePdf)?;
        if pages == 0 {
            return Err(EngineError::Empty);
        }
        if pages > self.limits.max_pages {
            return Err(EngineError::TooManyPages { pages, limit: self.limits.max_pages });
        }
        tools.grant(TOOL_TIME_PER_PAGE * u32::try_from(pages).unwrap_or(u32::MAX));
        let last = pages.to_string();
        let tsv =
            tools.run("pdftotext", &["-tsv", "-enc", "UTF-8", "-l", &last], &path, &["-"]).await.map_err(unreadable)?;
        let tsv = String::from_utf8_lossy(&tsv);
        let page_count = tsv_page_count(&tsv);
        if page_count == 0 {
            return Err(EngineError::Empty);
        }
        report(progress, |read| read.total = page_count);
        let allowance = self.ocr.allowance();
        let pages = (1..=page_count).map(|number| {
            let words = parse_tsv(&tsv, number, 1.0);
            let size = tsv_page_size(&tsv, number);
            let (path, allowance, tools) = (&path, &allowance, &tools);
            async move {
                let page = if words.len() >= MIN_TEXT_LAYER_WORDS {
                    PageText { number, source: TextSource::TextLayer, unit: "pt", lines: group_lines(words) }
                } else {
                    let size = size.ok_or(EngineError::UnreadablePdf)?;
                    let (image, dpi) = match scanned_page::extract(tools, path, number, size).await? {
                        Some(scan) => (scan.jpeg, scan.ppi),
                        None => {
                            let dpi = self
                                .ocr
                                .raster_dpi(size)
                                .map_err(|reason| EngineError::PageTooLarge { page: number, reason })?;
                            (rasterise(tools, path, number, dpi).await?, dpi)
                        }
                    };
                    let mut words = self
                        .ocr
                        .recognise(image, Some(dpi), 72.0 / dpi as f32, allowance)
                        .await
                        .map_err(|error| page_error(error, number))?;
                    deskew(&mut words);
                    PageText { number, source: TextSource::Ocr, unit: "pt", lines: group_lines(words) }
                };
                report(progress, |read| read.done += 1);
                Ok(page)
            }
        });
        in_order(pages.collect(), self.limits.tool_processes).await
    }

    /// Every image read by OCR, in order, a few at a time.
    pub async fn read_images(
        &self,
        images: &[&[u8]],
        progress: Option<&PageProgress>,
    ) -> Result<Vec<PageText>, EngineError> {
        report(progress, |read| read.total = images.len());
        let allowance = self.ocr.allowance();
        let pages = images.iter().enumerate().map(|(index, image)| {
            let allowance = &allowance;
            async move {
                let mut words =
                    self.ocr.recognise(image.to_vec(), None, 1.0, allowance).await.map_err(|error| match error {
                        OcrError::UnreadableImage => EngineError::UnreadableImage(index + 1),
                        other => page_error(other, index + 1),
                    })?;
                deskew(&mut words);
                report(progress, |read| read.done += 1);
                Ok(PageText { number: index + 1, source: TextSource::Ocr, unit: "px", lines: group_lines(words) })
            }
        });
        in_order(pages.collect(), self.limits.tool_processes).await
    }
}

async fn rasterise(tools: &DocumentTools, pdf: &Path, page: usize, dpi: i32) -> Result<Vec<u8>, EngineError> {
    let page = page.to_string();
    let dpi = dpi.to_string();
    tools.run("pdftoppm", &["-r", &dpi, "-gray", "-f", &page, "-l", &page], pdf, &[]).await
}

/// The pages' results in order, at most `at_once` in progress: the first
/// failure drops those in progress (their tools are killed).
async fn in_order<Page: Future<Output = Result<PageText, EngineError>>>(
    pages: Vec<Page>,
    at_once: usize,
) -> Result<Vec<PageText>, EngineError> {
    stream::iter(pages).buffered(at_once.max(1)).try_collect().await
}

fn page_error(error: OcrError, page: usize) -> EngineError {
    match error {
        OcrError::TooLarge(reason) => EngineError::PageTooLarge { page, reason },
        other => EngineError::Ocr(other),
    }
}

/// `Pages:` of `pdfinfo`'s report.
fn page_count(info: &str) -> Option<usize> {
    info.lines().find_map(|line| line.strip_prefix("Pages:")?.trim().parse().ok())
}

/// The Poppler tools, run a bounded number at a time across every request:
/// each holds a page's worth of memory and a core.
#[derive(Clone)]
pub(crate) struct Tools {
    slots: Arc<Semaphore>,
}

impl Tools {
    fn for_document(&self) -> DocumentTools {
        DocumentTools { slots: Arc::clone(&self.slots), time_left: Mutex::new(TOOL_TIME_BASE) }
    }
}

/// The tools as one document uses them: the process's slots, and the
/// Poppler time the document has left (waiting for a slot does not count).
pub(crate) struct DocumentTools {
    slots: Arc<Semaphore>,
    time_left: Mutex<Duration>,
}

impl DocumentTools {
    fn grant(&self, more: Duration) {
        let mut left = self.time_left.lock().unwrap_or_else(PoisonError::into_inner);
        *left = left.saturating_add(more);
    }

    /// Runs `tool` on `input` and returns what it wrote to stdout; the
    /// process is killed if the request is dropped (its client left), or
    /// when the document's Poppler time runs out.
    pub(crate) async fn run(
        &self,
        tool: &'static str,
        before: &[&str],
        input: &Path,
        after: &[&str],
    ) -> Result<Vec<u8>, EngineError> {
        let _slot = self.slots.acquire().await.map_err(|_| EngineError::Tool { tool, reason: "shut down".into() })?;
        let child = Command::new(tool)
            .args(before)
            .arg(input)
            .args(after)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .map_err(tool_error(tool))?;
        let started = std::time::Instant::now();
        let time_left = *self.time_left.lock().unwrap_or_else(PoisonError::into_inner);
        let output = tokio::time::timeout(time_left, child.wait_with_output()).await;
        {
            let mut left = self.time_left.lock().unwrap_or_else(PoisonError::into_inner);
            *left = left.saturating_sub(started.elapsed());
        }
        let output = output.map_err(|_| EngineError::TooSlow { tool })?.map_err(tool_error(tool))?;
        if !output.status.success() {
            return Err(EngineError::Tool { tool, reason: format!("exit status {}", output.status) });
        }
        Ok(output.stdout)
    }
}

fn tool_error(tool: &'static str) -> impl Fn(std::io::Error) -> EngineError {
    move |error| EngineError::Tool { tool, reason: error.to_string() }
}
