//! A scanner's PDF page is one JPEG drawn over the whole page. Its picture
//! is read as the scanner wrote it, at the scan's own resolution: having
//! Poppler rasterise the page again costs a fifth to a third of a second
//! (decoding the JPEG and scaling it to 300 dpi), and Tesseract then works
//! on twice the pixels of the scan for no detail the scan did not have.
//! Any other page (several images, a mask, vector drawing, a rotated or
//! partial image, an unusual resolution) is rasterised.

use std::path::Path;

use super::{DocumentTools, EngineError, tool_error};

/// Scans below this are rasterised at 300 dpi instead: Tesseract reads
/// small print poorly under 200 dpi.
const MIN_PPI: f32 = 199.0;
const MAX_PPI: f32 = 601.0;
/// How far the image's drawn size may be from the page's, as a fraction:
/// `pdfimages` rounds the resolution it reports.
const SIZE_TOLERANCE: f32 = 0.01;

/// The JPEG of a scanned page and its resolution.
pub struct ScannedPage {
    pub jpeg: Vec<u8>,
    pub ppi: i32,
}

/// Page `page` of `pdf` as its scanner wrote it, when it is one full-page
/// JPEG; `page_size` is its size in points.
pub async fn extract(
    tools: &DocumentTools,
    pdf: &Path,
    page: usize,
    page_size: (f32, f32),
) -> Result<Option<ScannedPage>, EngineError> {
    let number = page.to_string();
    let listing = tools.run("pdfimages", &["-list", "-f", &number, "-l", &number], pdf, &[]).await?;
    let Some(ppi) = full_page_jpeg(&String::from_utf8_lossy(&listing), page_size) else {
        return Ok(None);
    };
    let directory = tempfile::tempdir().map_err(tool_error("tempdir"))?;
    let prefix = directory.path().join("page");
    let prefix = prefix.to_string_lossy();
    tools.run("pdfimages", &["-j", "-f", &number, "-l", &number], pdf, &[&prefix]).await?;
    let mut written = std::fs::read_dir(directory.path())
        .map_err(tool_error("pdfimages"))?
        .filter_map(Result::ok)
        .map(|entry| entry.path());
    let (Some(path), None) = (written.next(), written.next()) else { return Ok(None) };
    if path.extension().is_none_or(|extension| extension != "jpg") {
        return Ok(None);
    }
    let jpeg = tokio::fs::read(&path).await.map_err(tool_error("pdfimages"))?;
    Ok(Some(ScannedPage { jpeg, ppi }))
}

/// The resolution of the page's only image, from `pdfimages -list`, when
/// that image is a grey or colour JPEG drawn upright over the whole page.
fn full_page_jpeg(listing: &str, (page_width, page_height): (f32, f32)) -> Option<i32> {
    let mut images = listing.lines().skip(2).map(str::split_whitespace);
    let (Some(mut image), None) = (images.next(), images.next()) else { return None };
    let mut column = || image.next();
    let (_page, _number, kind) = (column()?, column()?, column()?);
    let width: f32 = column()?.parse().ok()?;
    let height: f32 = column()?.parse().ok()?;
    let (colour, _components, _bits, encoding) = (column()?, column()?, column()?, column()?);
    let (_interpolate, _object, _generation) = (column()?, column()?, column()?);
    let x_ppi: f32 = column()?.parse().ok()?;
    let y_ppi: f32 = column()?.parse().ok()?;
    let close = |drawn: f32, page: f32| (drawn - page).abs() <= page * SIZE_TOLERANCE;
    let usable = kind == "image"
        && encoding == "jpeg"
        && matches!(colour, "gray" | "rgb")
        && (MIN_PPI..=MAX_PPI).contains(&x_ppi)
        && (x_ppi - y_ppi).abs() <= 1.0
        && close(width * 72.0 / x_ppi, page_width)
        && close(height * 72.0 / y_ppi, page_height);
    usable.then(|| x_ppi.round() as i32)
}

#[cfg(test)]
mod tests {
    use super::*;

    const A4: (f32, f32) = (595.276, 841.89);
    const HEADER: &str = "page   num  type   width height color comp bpc  enc interp  object ID x-ppi y-ppi size ratio\n\
        --------------------------------------------------------------------------------------------\n";

    fn listing(rows: &[&str]) -> String {
        format!("{HEADER}{}\n", rows.join("\n"))
    }

    #[test]
    fn a_full_page_jpeg_is_read_at_its_own_resolution() {
        let scan =
            listing(&["   1     0 image    1654  2339  gray    1   8  jpeg   no         6  0   200   200  312K 8.3%"]);
        assert_eq!(full_page_jpeg(&scan, A4), Some(200));
        let colour =
            listing(&["   1     0 image    2480  3508  rgb     3   8  jpeg   no         6  0   300   300  1.2M 4.6%"]);
        assert_eq!(full_page_jpeg(&colour, A4), Some(300));
    }

    #[test]
    fn any_other_page_is_rasterised() {
        let row = |width: u32, resolution: u32, encoding: &str| {
            format!(
                "   1     0 image    {width}  2339  gray    1   8  {encoding}   no         6  0   {resolution}   200  312K 8.3%"
            )
        };
        let cases = [
            ("no image", listing(&[])),
            ("two images", listing(&[&row(1654, 200, "jpeg"), &row(1654, 200, "jpeg")])),
            ("not a JPEG", listing(&[&row(1654, 200, "image")])),
            ("half the page wide", listing(&[&row(827, 200, "jpeg")])),
            ("stretched", listing(&[&row(1654, 210, "jpeg")])),
            (
                "too coarse",
                listing(&[
                    "   1     0 image     827  1170  gray    1   8  jpeg   no         6  0   100   100  90K 8.3%",
                ]),
            ),
            (
                "with a mask",
                listing(&[
                    &row(1654, 200, "jpeg"),
                    "   1     1 smask    1654  2339  gray    1   8  image  no         7  0   200   200  10K 0.3%",
                ]),
            ),
            (
                "CMYK",
                listing(&[
                    "   1     0 image    1654  2339  cmyk    4   8  jpeg   no         6  0   200   200  312K 8.3%",
                ]),
            ),
            ("truncated", listing(&["   1     0 image    1654  2339"])),
        ];
        for (case, scan) in cases {
            assert_eq!(full_page_jpeg(&scan, A4), None, "{case}");
        }
    }
}
