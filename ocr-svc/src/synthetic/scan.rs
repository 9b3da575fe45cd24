//! Making a digital bill look scanned: rasterised at a scanner's resolution,
//! turned by a small angle, with sensor noise and dust, saved as JPEG.

use std::io::Cursor;

use image::codecs::jpeg::JpegEncoder;
use image::{GrayImage, Luma};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use common::pdf::{A4_HEIGHT, A4_WIDTH, Document, Info, Jpeg};

pub const SCAN_DPI: u32 = 200;

/// Each page of `pdf` as a scanned-looking JPEG.
pub fn scan_pages(pdf: &[u8], seed: u64) -> anyhow::Result<Vec<Jpeg>> {
    let directory = tempfile::tempdir()?;
    let input = directory.path().join("bill.pdf");
    std::fs::write(&input, pdf)?;
    let prefix = directory.path().join("page");
    let status = std::process::Command::new("pdftoppm")
        .args(["-r", &SCAN_DPI.to_string(), "-gray", "-png"])
        .arg(&input)
        .arg(&prefix)
        .status()?;
    anyhow::ensure!(status.success(), "pdftoppm failed: {status}");
    let mut pages: Vec<_> = std::fs::read_dir(directory.path())?
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|extension| extension == "png"))
        .collect();
    pages.sort();
    let mut rng = StdRng::seed_from_u64(seed);
    pages
        .iter()
        .map(|path| {
            let page = image::open(path)?.into_luma8();
            let angle = rng.random_range(-1.2_f32..1.2).to_radians();
            let scanned = add_noise(&rotate(&page, angle), &mut rng);
            let mut data = Vec::new();
            JpegEncoder::new_with_quality(&mut Cursor::new(&mut data), 72).encode_image(&scanned)?;
            Ok(Jpeg { data, width_px: scanned.width(), height_px: scanned.height(), grayscale: true })
        })
        .collect()
}

/// A PDF whose pages are only these images, as a scanner writes it.
pub fn image_pdf(pages: Vec<Jpeg>) -> Vec<u8> {
    let mut document = Document::new();
    for page in pages {
        document.add_page(A4_WIDTH, A4_HEIGHT).image(page, 0.0, 0.0, A4_WIDTH, A4_HEIGHT);
    }
    document.finish(&Info { title: "Numérisation".into(), ..Info::default() }, "D:20260101000000Z")
}

fn rotate(image: &GrayImage, angle: f32) -> GrayImage {
    let (width, height) = image.dimensions();
    let (centre_x, centre_y) = (width as f32 / 2.0, height as f32 / 2.0);
    let (sin, cos) = angle.sin_cos();
    GrayImage::from_fn(width, height, |x, y| {
        let dx = x as f32 - centre_x;
        let dy = y as f32 - centre_y;
        let source_x = cos * dx + sin * dy + centre_x;
        let source_y = -sin * dx + cos * dy + centre_y;
        Luma([bilinear(image, source_x, source_y)])
    })
}

fn bilinear(image: &GrayImage, x: f32, y: f32) -> u8 {
    let (width, height) = image.dimensions();
    if x < 0.0 || y < 0.0 || x >= (width - 1) as f32 || y >= (height - 1) as f32 {
        return 255;
    }
    let (x0, y0) = (x.floor() as u32, y.floor() as u32);
    let (fx, fy) = (x - x0 as f32, y - y0 as f32);
    let at = |x: u32, y: u32| f32::from(image.get_pixel(x, y)[0]);
    let top = at(x0, y0) * (1.0 - fx) + at(x0 + 1, y0) * fx;
    let bottom = at(x0, y0 + 1) * (1.0 - fx) + at(x0 + 1, y0 + 1) * fx;
    (top * (1.0 - fy) + bottom * fy).round().clamp(0.0, 255.0) as u8
}

fn add_noise(image: &GrayImage, rng: &mut StdRng) -> GrayImage {
    let mut noisy = image.clone();
    // A slightly grey paper, sensor noise, then dust specks.
    for pixel in noisy.pixels_mut() {
        let value = f32::from(pixel[0]) * 0.93 + 8.0 + rng.random_range(-22.0..22.0);
        pixel[0] = value.round().clamp(0.0, 255.0) as u8;
    }
    let (width, height) = noisy.dimensions();
    for _ in 0..(width * height / 4000) {
        let (x, y) = (rng.random_range(0..width), rng.random_range(0..height));
        noisy.put_pixel(x, y, Luma([rng.random_range(0..90)]));
    }
    noisy
}
