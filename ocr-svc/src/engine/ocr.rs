//! Tesseract engines kept loaded on their own threads: loading the French
//! model costs far more than reading a page, so each thread loads it once
//! and then takes work from a shared queue, one thread per core. A page is
//! read as the regions that hold ink, spread over the engines.

use std::io::Cursor;
use std::ops::Range;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread;

use futures_util::future::try_join_all;
use image::{GrayImage, ImageDecoder, ImageReader, Limits};
use tesseract::Tesseract;
use tokio::sync::{Semaphore, oneshot};

use super::words::{Word, parse_tsv};

/// Resolution PDF pages are rasterised at, as Tesseract reads best.
pub const RASTER_DPI: i32 = 300;
/// A page too large for `max_page_pixels` at 300 dpi is rasterised at a
/// lower resolution, down to this one; below it the page is refused.
const MIN_RASTER_DPI: i32 = 150;
/// A ceiling no page within `max_page_pixels` reaches.
const MAX_DECODE_ALLOCATION: u64 = 1024 * 1024 * 1024;
/// Rows without ink, as a fraction of the page's height, that separate two
/// regions (about 4 mm on A4).
const GAP_PER_PAGE_HEIGHT: u32 = 80;
/// Regions one page is read as, at most, before the tall ones are cut: each
/// costs a call to the engine.
const MAX_REGIONS: usize = 8;
/// A region taller than this fraction of the page is cut between two lines.
const TALL_REGION_PER_PAGE_HEIGHT: u32 = 10;
/// Rows as clean as paper that make a place to cut between two lines.
const CLEAN_BAND_ROWS: u32 = 8;
/// Ink pixels a row of paper may hold from specks of a scan.
const SPECK_PIXELS: u32 = 3;

#[derive(Debug, thiserror::Error)]
pub enum OcrError {
    #[error("the OCR engine could not start: {0}")]
    Unavailable(String),
    #[error("the image could not be read")]
    UnreadableImage,
    #[error("the OCR engine failed: {0}")]
    Failed(String),
    #[error(transparent)]
    TooLarge(#[from] TooLarge),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TooLarge {
    #[error("{pixels} pixels, more than the {limit} a page may have")]
    Page { pixels: u64, limit: u64 },
    #[error("the pages hold more than the {limit} pixels read per document")]
    Document { limit: u64 },
}

/// How many pixels the engines take, so that a small file (a PNG of one
/// colour, a page of 5000 × 5000 pt) cannot make the service allocate
/// gigabytes.
#[derive(Debug, Clone, Copy)]
pub struct PixelLimits {
    pub max_page_pixels: u64,
    pub max_document_pixels: u64,
    /// Bytes of decoded pages in memory at once, in the whole process: a page
    /// waits for room before it is decoded.
    pub decode_budget_bytes: u64,
}

/// The pixels one document may still have read.
pub struct PixelAllowance {
    remaining: AtomicU64,
    limit: u64,
}

impl PixelAllowance {
    fn take(&self, pixels: u64) -> Result<(), TooLarge> {
        self.remaining
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |remaining| remaining.checked_sub(pixels))
            .map(drop)
            .map_err(|_| TooLarge::Document { limit: self.limit })
    }
}

/// One region of `page`, to be read by one engine.
struct RegionJob {
    page: Arc<GrayImage>,
    region: Region,
    dpi: Option<i32>,
    scale: f32,
    reply: oneshot::Sender<Result<Vec<Word>, OcrError>>,
}

#[derive(Clone)]
pub struct OcrPool {
    jobs: mpsc::Sender<RegionJob>,
    limits: PixelLimits,
    /// `decode_budget_bytes` in KiB permits.
    decode_budget: Arc<Semaphore>,
}

impl OcrPool {
    /// Starts `threads` engines for `language`, and fails if the model is missing.
    pub fn start(threads: usize, language: &str, limits: PixelLimits) -> Result<Self, OcrError> {
        Tesseract::new(None, Some(language)).map_err(|error| OcrError::Unavailable(error.to_string()))?;
        let (sender, receiver) = mpsc::channel::<RegionJob>();
        let receiver = Arc::new(Mutex::new(receiver));
        for index in 0..threads.max(1) {
            let receiver = Arc::clone(&receiver);
            let language = language.to_owned();
            thread::Builder::new()
                .name(format!("ocr-{index}"))
                .spawn(move || serve(&receiver, &language))
                .map_err(|error| OcrError::Unavailable(error.to_string()))?;
        }
        let budget_kib = usize::try_from(limits.decode_budget_bytes / 1024).unwrap_or(Semaphore::MAX_PERMITS);
        Ok(Self {
            jobs: sender,
            limits,
            decode_budget: Arc::new(Semaphore::new(budget_kib.min(Semaphore::MAX_PERMITS))),
        })
    }

    /// What one document may read in all.
    pub fn allowance(&self) -> PixelAllowance {
        let limit = self.limits.max_document_pixels;
        PixelAllowance { remaining: AtomicU64::new(limit), limit }
    }

    /// The resolution a PDF page of `width` × `height` points is rasterised
    /// at: 300 dpi, or less for a page too large for that.
    pub fn raster_dpi(&self, (width, height): (f32, f32)) -> Result<i32, TooLarge> {
        let limit = self.limits.max_page_pixels;
        let pixels_at = |dpi: i32| f64::from(width) * f64::from(height) * f64::from(dpi).powi(2) / (72.0 * 72.0);
        if !(width > 0.0 && height > 0.0 && pixels_at(RASTER_DPI).is_finite()) {
            return Ok(RASTER_DPI);
        }
        if pixels_at(RASTER_DPI) <= limit as f64 {
            return Ok(RASTER_DPI);
        }
        let dpi = (limit as f64 / pixels_at(1)).sqrt().floor() as i32;
        if dpi < MIN_RASTER_DPI {
            return Err(TooLarge::Page { pixels: pixels_at(MIN_RASTER_DPI) as u64, limit });
        }
        Ok(dpi)
    }

    /// Words of one image (PNG, JPEG, PNM, BMP or TIFF bytes). `dpi` is the
    /// rasterisation resolution when known; `scale` converts pixels to the
    /// unit boxes are reported in.
    /// The page's pixels count against `allowance`, and its decoded bytes
    /// wait for room in the process's decode budget.
    pub async fn recognise(
        &self,
        image: Vec<u8>,
        dpi: Option<i32>,
        scale: f32,
        allowance: &PixelAllowance,
    ) -> Result<Vec<Word>, OcrError> {
        let stopped = |_| OcrError::Failed("the image decoder stopped".into());
        let image = Arc::new(image);
        let header = Arc::clone(&image);
        let (pixels, decoded_bytes) =
            tokio::task::spawn_blocking(move || decoded_size(&header)).await.map_err(stopped)??;
        let limit = self.limits.max_page_pixels;
        let budget_kib = self.decode_budget_kib();
        let reserved_kib = decoded_bytes.div_ceil(1024);
        if pixels > limit || reserved_kib > budget_kib {
            return Err(TooLarge::Page { pixels, limit }.into());
        }
        allowance.take(pixels)?;
        let _reservation = self
            .decode_budget
            .acquire_many(u32::try_from(reserved_kib).unwrap_or(u32::MAX))
            .await
            .map_err(|_| OcrError::Unavailable("the decoder has stopped".into()))?;
        let PreparedPage { page, regions } =
            tokio::task::spawn_blocking(move || prepare_page(&image)).await.map_err(stopped)??;
        let page = Arc::new(page);

        let answers = regions.into_iter().map(|region| {
            let (reply, answer) = oneshot::channel();
            let job = RegionJob { page: Arc::clone(&page), region, dpi, scale, reply };
            let sent = self.jobs.send(job).map_err(|_| OcrError::Unavailable("the OCR threads have stopped".into()));
            async move {
                sent?;
                answer.await.map_err(|_| OcrError::Failed("the OCR thread stopped mid-page".into()))?
            }
        });
        let mut words = Vec::new();
        let mut first_block = 0;
        for region in try_join_all(answers).await? {
            // Each call numbers its blocks from 1: keep the regions' lines apart.
            let blocks = region.iter().map(|word| word.tool_line.0 + 1).max().unwrap_or(0);
            words.extend(region.into_iter().map(|mut word| {
                word.tool_line.0 += first_block;
                word
            }));
            first_block += blocks;
        }
        Ok(words)
    }

    fn decode_budget_kib(&self) -> u64 {
        self.limits.decode_budget_bytes / 1024
    }
}

/// The pixels of an image and the bytes decoding it to grey takes at the
/// peak (the decoded picture and its grey copy), from its header alone.
fn decoded_size(bytes: &[u8]) -> Result<(u64, u64), OcrError> {
    let decoder = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|_| OcrError::UnreadableImage)?
        .into_decoder()
        .map_err(|_| OcrError::UnreadableImage)?;
    let (width, height) = decoder.dimensions();
    let pixels = u64::from(width) * u64::from(height);
    Ok((pixels, pixels.saturating_mul(u64::from(decoder.color_type().bytes_per_pixel()) + 1)))
}

/// A page ready for the engines.
pub struct PreparedPage {
    pub page: GrayImage,
    /// The parts of `page` that hold ink, largest first.
    pub regions: Vec<Region>,
}

/// Decodes an image (PNG, JPEG, PNM, BMP or TIFF bytes, as uploaded or
/// rasterised) to grey and finds its inked regions.
pub fn prepare_page(bytes: &[u8]) -> Result<PreparedPage, OcrError> {
    let page = decode_grey(bytes)?;
    let regions = regions(&page);
    Ok(PreparedPage { page, regions })
}

fn decode_grey(bytes: &[u8]) -> Result<GrayImage, OcrError> {
    let mut reader =
        ImageReader::new(Cursor::new(bytes)).with_guessed_format().map_err(|_| OcrError::UnreadableImage)?;
    // The caller has checked the header's size; this holds if the image's
    // data disagrees with it.
    let mut limits = Limits::default();
    limits.max_alloc = Some(MAX_DECODE_ALLOCATION);
    reader.limits(limits);
    let page = reader.decode().map_err(|_| OcrError::UnreadableImage)?.into_luma8();
    // A header may announce no columns or no rows: nothing to read.
    if page.width() == 0 || page.height() == 0 {
        return Err(OcrError::UnreadableImage);
    }
    Ok(page)
}

/// A rectangle of a page, in its pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Region {
    pub left: u32,
    pub top: u32,
    pub width: u32,
    pub height: u32,
}

/// The parts of the page that hold ink, each trimmed to it with a margin:
/// runs of rows separated by blank gaps. The engine's work grows with the
/// pixels it is given, and a bill's page is mostly paper; the regions of a
/// page are read by all the engines at once. An empty page has none.
fn regions(page: &GrayImage) -> Vec<Region> {
    let (width, height) = page.dimensions();
    let ink_level = otsu_level(page);
    let rows: Vec<&[u8]> = page.as_raw().chunks_exact(width.max(1) as usize).collect();
    let row_ink: Vec<u32> =
        rows.iter().map(|row| row.iter().filter(|&&level| level < ink_level).count() as u32).collect();
    let gap = (height / GAP_PER_PAGE_HEIGHT).max(4);
    let mut runs: Vec<Range<u32>> = Vec::new();
    // Specks of a scan put a few dots of ink on many rows.
    for row in (0..height).filter(|&row| row_ink[row as usize] > width / 200) {
        match runs.last_mut() {
            Some(run) if row - run.end < gap => run.end = row + 1,
            _ => runs.push(row..row + 1),
        }
    }
    while runs.len() > MAX_REGIONS {
        let closest = (1..runs.len()).min_by_key(|&index| runs[index].start - runs[index - 1].end).unwrap_or(1);
        let next = runs.remove(closest);
        runs[closest - 1].end = next.end;
    }
    let margin = gap / 2;
    let mut parts: Vec<Range<u32>> =
        runs.into_iter().map(|run| run.start.saturating_sub(margin)..(run.end + margin).min(height)).collect();
    // The engines read a page's regions at once, so the tallest one sets the
    // pace: cut it between two lines of text while it is still tall.
    while parts.len() < MAX_REGIONS + MAX_REGIONS / 2 {
        let Some(tallest) = (0..parts.len()).max_by_key(|&index| parts[index].len()) else { break };
        let part = parts[tallest].clone();
        let Some(cut) = (part.len() as u32 > height / TALL_REGION_PER_PAGE_HEIGHT)
            .then(|| cut_between_lines(&row_ink, &part))
            .flatten()
        else {
            break;
        };
        parts.splice(tallest..=tallest, [part.start..cut, cut..part.end]);
    }
    let mut regions: Vec<Region> =
        parts.into_iter().map(|rows_of| trim_columns(&rows, rows_of, ink_level, margin)).collect();
    regions.sort_by_key(|region| std::cmp::Reverse(u64::from(region.width) * u64::from(region.height)));
    regions
}

/// The middle of the clean band of rows nearest the middle of `part`: a
/// band of rows without a single stroke of ink (a few specks allowed), so
/// no glyph is cut.
fn cut_between_lines(row_ink: &[u32], part: &Range<u32>) -> Option<u32> {
    let clean = |row: u32| row_ink[row as usize] <= SPECK_PIXELS;
    let middle = part.start + part.len() as u32 / 2;
    let quarter = part.len() as u32 / 4;
    ((middle - quarter)..(middle + quarter))
        .filter(|&row| row + CLEAN_BAND_ROWS <= part.end && (row..row + CLEAN_BAND_ROWS).all(clean))
        .min_by_key(|&row| (row + CLEAN_BAND_ROWS / 2).abs_diff(middle))
        .map(|row| row + CLEAN_BAND_ROWS / 2)
}

/// The region of rows `part` narrowed to the columns that hold ink, with a margin.
fn trim_columns(rows: &[&[u8]], part: Range<u32>, ink_level: u8, margin: u32) -> Region {
    let width = rows.first().map_or(0, |row| row.len()) as u32;
    let mut column_ink = vec![0u32; width as usize];
    for row in &rows[part.start as usize..part.end as usize] {
        for (count, &level) in column_ink.iter_mut().zip(row.iter()) {
            *count += u32::from(level < ink_level);
        }
    }
    let inked = |count: &u32| *count > (part.len() as u32 / 100).max(2);
    let first = column_ink.iter().position(inked).unwrap_or(0) as u32;
    let last = column_ink.iter().rposition(inked).map_or(width, |column| column as u32 + 1);
    let left = first.saturating_sub(margin);
    let right = (last + margin).min(width);
    Region { left, top: part.start, width: right.saturating_sub(left).max(1), height: part.len() as u32 }
}

/// The grey level that best separates ink from paper (Otsu's method).
fn otsu_level(page: &GrayImage) -> u8 {
    let mut histogram = [0u64; 256];
    for pixel in page.pixels() {
        histogram[usize::from(pixel.0[0])] += 1;
    }
    let total: u64 = histogram.iter().sum();
    let weighted_total: f64 = histogram.iter().enumerate().map(|(level, &count)| level as f64 * count as f64).sum();
    let (mut below, mut weighted_below, mut best, mut best_variance) = (0u64, 0f64, 128u8, 0f64);
    for (level, &count) in histogram.iter().enumerate() {
        below += count;
        weighted_below += level as f64 * count as f64;
        let above = total - below;
        if below == 0 || above == 0 {
            continue;
        }
        let mean_below = weighted_below / below as f64;
        let mean_above = (weighted_total - weighted_below) / above as f64;
        let variance = below as f64 * above as f64 * (mean_below - mean_above).powi(2);
        if variance > best_variance {
            best_variance = variance;
            best = u8::try_from(level + 1).unwrap_or(u8::MAX);
        }
    }
    best
}

fn serve(receiver: &Mutex<mpsc::Receiver<RegionJob>>, language: &str) {
    let mut engine: Option<Tesseract> = None;
    loop {
        let job = match receiver.lock() {
            Ok(receiver) => receiver.recv(),
            Err(_) => return,
        };
        let Ok(job) = job else { return };
        // The request was dropped (its client left, or another page failed).
        if job.reply.is_closed() {
            continue;
        }
        let loaded = match engine.take() {
            Some(engine) => Ok(engine),
            None => Tesseract::new(None, Some(language)).map_err(|error| OcrError::Unavailable(error.to_string())),
        };
        let result = loaded.and_then(|loaded| read_region(loaded, &job));
        let words = match result {
            Ok((reusable, words)) => {
                engine = Some(reusable);
                Ok(words)
            }
            Err(error) => Err(error),
        };
        let _ = job.reply.send(words);
    }
}

fn read_region(engine: Tesseract, job: &RegionJob) -> Result<(Tesseract, Vec<Word>), OcrError> {
    let failed = |error: &dyn std::fmt::Display| OcrError::Failed(error.to_string());
    let (width, height) = job.page.dimensions();
    let (width, height) =
        (i32::try_from(width).map_err(|e| failed(&e))?, i32::try_from(height).map_err(|e| failed(&e))?);
    let engine = engine.set_frame(job.page.as_raw(), width, height, 1, width).map_err(|_| OcrError::UnreadableImage)?;
    let engine = match job.dpi {
        Some(dpi) => engine.set_source_resolution(dpi),
        None => engine,
    };
    // Boxes stay in the whole page's pixels: Tesseract adds the region's offset.
    let Region { left, top, width, height } = job.region;
    let engine = engine.set_rectangle(left as i32, top as i32, width as i32, height as i32);
    let mut engine = engine.recognize().map_err(|error| failed(&error))?;
    let tsv = engine.get_tsv_text(0).map_err(|error| failed(&error))?;
    // Tesseract numbers the page of a single image 1 in its TSV.
    Ok((engine, parse_tsv(&tsv, 1, job.scale)))
}

#[cfg(test)]
mod tests {
    use image::Luma;

    use super::*;

    /// A white page with black text-like bars on the given row ranges.
    fn page_with_ink(height: u32, inked: &[Range<u32>]) -> GrayImage {
        GrayImage::from_fn(1000, height, |x, y| {
            let ink = x % 7 != 0 && inked.iter().any(|rows| rows.contains(&y));
            Luma([if ink { 0 } else { 255 }])
        })
    }

    #[test]
    fn a_page_is_read_as_its_inked_regions_with_a_margin_largest_first() {
        let page = page_with_ink(2000, &[300..340, 350..380, 1200..1300]);
        let margin = 2000 / GAP_PER_PAGE_HEIGHT / 2;
        assert_eq!(
            regions(&page),
            vec![
                Region { left: 0, top: 1200 - margin, width: 1000, height: 100 + 2 * margin },
                Region { left: 0, top: 300 - margin, width: 1000, height: 80 + 2 * margin },
            ]
        );
    }

    /// Every inked row range lies whole in one region.
    fn assert_no_line_is_cut(regions: &[Region], lines: &[Range<u32>]) {
        for line in lines {
            assert!(
                regions.iter().any(|region| region.top <= line.start && line.end <= region.top + region.height),
                "{line:?} is cut: {regions:?}"
            );
        }
    }

    #[test]
    fn a_tall_region_is_cut_between_its_lines_only() {
        // Lines closer than a gap make one run, 900 rows tall.
        let lines: Vec<Range<u32>> = (0..28).map(|line| 100 + line * 32..100 + line * 32 + 20).collect();
        let regions = regions(&page_with_ink(2000, &lines));
        assert!(regions.len() > 1, "{regions:?}");
        assert!(regions.iter().all(|region| region.height <= 2000 / TALL_REGION_PER_PAGE_HEIGHT), "{regions:?}");
        assert_no_line_is_cut(&regions, &lines);
    }

    #[test]
    fn a_blank_page_has_no_region_and_a_busy_one_a_bounded_number() {
        assert_eq!(regions(&page_with_ink(1000, &[])), vec![]);
        let lines: Vec<Range<u32>> = (0..40).map(|line| line * 50..line * 50 + 20).collect();
        let regions = regions(&page_with_ink(2000, &lines));
        assert_eq!(regions.len(), MAX_REGIONS + MAX_REGIONS / 2);
        assert_no_line_is_cut(&regions, &lines);
    }

    #[test]
    fn columns_without_ink_are_left_out_and_specks_are_not_ink() {
        let mut page = GrayImage::from_fn(1000, 1000, |x, y| {
            Luma([if (400..500).contains(&y) && (200..700).contains(&x) && x % 3 != 0 { 20 } else { 235 }])
        });
        page.put_pixel(900, 100, Luma([0]));
        page.put_pixel(50, 800, Luma([0]));
        let margin = 1000 / GAP_PER_PAGE_HEIGHT / 2;
        assert_eq!(
            regions(&page),
            vec![Region { left: 200 - margin, top: 400 - margin, width: 499 + 2 * margin, height: 100 + 2 * margin }]
        );
    }

    #[test]
    fn regions_of_images_of_any_size_stay_inside_them() {
        // Small uploads make tall regions of a few rows, near the page's edge.
        for height in 1..48 {
            for width in [1, 2, 7, 150] {
                let page = GrayImage::from_fn(width, height, |x, y| Luma([if (x + y) % 5 < 2 { 0 } else { 255 }]));
                for region in regions(&page) {
                    assert!(region.width > 0 && region.height > 0, "{region:?}");
                    assert!(region.left + region.width <= width && region.top + region.height <= height, "{region:?}");
                }
            }
        }
    }

    #[test]
    fn ink_is_told_from_paper_by_the_page_own_levels() {
        let page = GrayImage::from_fn(100, 100, |x, _| Luma([if x < 30 { 150 } else { 230 }]));
        assert!((151..=230).contains(&otsu_level(&page)));
    }

    #[test]
    fn an_image_without_pixels_is_unreadable() {
        // Found by the fuzz target: a PGM announcing 0 columns and 6 rows.
        for header in [&b"P5\n0 6\n255\n"[..], b"P5\n6 0\n255\n"] {
            assert!(matches!(prepare_page(header), Err(OcrError::UnreadableImage)));
        }
    }

    #[test]
    fn an_image_too_large_to_decode_is_unreadable() {
        // A PGM header announcing 40,000 × 40,000 pixels.
        let header = b"P5\n40000 40000\n255\n".to_vec();
        assert!(matches!(decode_grey(&header), Err(OcrError::UnreadableImage)));
    }
}
