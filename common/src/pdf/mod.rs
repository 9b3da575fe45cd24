//! A small PDF writer: pages of text, filled shapes, lines and images,
//! enough for the services' reports (energy-bill analyses, morning
//! checks) and the OCR service's synthetic test bills. Text uses
//! the standard Helvetica fonts (see [`fonts`]), so files stay small and
//! every reader shows them the same way; content streams are compressed.
//!
//! Coordinates are in points from the page's top-left corner, as a layout
//! is written; the writer flips them to PDF's bottom-left origin.

pub mod fonts;

use std::fmt::Write as _;
use std::io::Write as _;

use flate2::Compression;
use flate2::write::ZlibEncoder;

pub use fonts::Font;

pub const A4_WIDTH: f32 = 595.28;
pub const A4_HEIGHT: f32 = 841.89;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rgb(pub u8, pub u8, pub u8);

impl Rgb {
    pub const BLACK: Rgb = Rgb(0, 0, 0);
    pub const WHITE: Rgb = Rgb(255, 255, 255);

    fn operands(self) -> String {
        let channel = |value: u8| f32::from(value) / 255.0;
        format!("{:.3} {:.3} {:.3}", channel(self.0), channel(self.1), channel(self.2))
    }
}

/// A JPEG placed on a page, kept as is (DCTDecode).
#[derive(Debug, Clone)]
pub struct Jpeg {
    pub data: Vec<u8>,
    pub width_px: u32,
    pub height_px: u32,
    pub grayscale: bool,
}

/// An image to place on a page: a JPEG as is, or 8-bit RGB pixels (row by
/// row, three bytes each) that the writer compresses (FlateDecode).
#[derive(Debug, Clone)]
pub enum Image {
    Jpeg(Jpeg),
    Rgb { pixels: Vec<u8>, width_px: u32, height_px: u32 },
}

impl From<Jpeg> for Image {
    fn from(jpeg: Jpeg) -> Self {
        Self::Jpeg(jpeg)
    }
}

impl Image {
    /// A PNG, JPEG or GIF as RGB pixels over white (transparency
    /// flattened), shrunk to fit `max_side` pixels; nothing when the bytes
    /// do not decode.
    pub fn decode(bytes: &[u8], max_side: u32) -> Option<Self> {
        let decoded = image::load_from_memory(bytes).ok()?;
        let decoded = if decoded.width() > max_side || decoded.height() > max_side {
            decoded.thumbnail(max_side, max_side)
        } else {
            decoded
        };
        let decoded = decoded.to_rgba8();
        let (width_px, height_px) = decoded.dimensions();
        let pixels = decoded
            .pixels()
            .flat_map(|pixel| {
                let [r, g, b, a] = pixel.0;
                let over_white =
                    |channel: u8| ((u16::from(channel) * u16::from(a) + 255 * (255 - u16::from(a))) / 255) as u8;
                [over_white(r), over_white(g), over_white(b)]
            })
            .collect();
        Some(Self::Rgb { pixels, width_px, height_px })
    }

    /// Width and height in pixels.
    pub fn size_px(&self) -> (u32, u32) {
        match self {
            Self::Jpeg(jpeg) => (jpeg.width_px, jpeg.height_px),
            Self::Rgb { width_px, height_px, .. } => (*width_px, *height_px),
        }
    }

    /// The image's XObject: dictionary entries and stream data.
    fn xobject(&self) -> Vec<u8> {
        let (width, height, color_space, filter, data) = match self {
            Self::Jpeg(jpeg) => (
                jpeg.width_px,
                jpeg.height_px,
                if jpeg.grayscale { "DeviceGray" } else { "DeviceRGB" },
                "DCTDecode",
                std::borrow::Cow::Borrowed(jpeg.data.as_slice()),
            ),
            Self::Rgb { pixels, width_px, height_px } => {
                (*width_px, *height_px, "DeviceRGB", "FlateDecode", std::borrow::Cow::Owned(deflate(pixels)))
            }
        };
        let mut body = format!(
            "<< /Type /XObject /Subtype /Image /Width {width} /Height {height} /ColorSpace /{color_space} \
             /BitsPerComponent 8 /Filter /{filter} /Length {} >>\nstream\n",
            data.len()
        )
        .into_bytes();
        body.extend_from_slice(&data);
        body.extend_from_slice(b"\nendstream");
        body
    }
}

pub struct Page {
    height: f32,
    width: f32,
    content: String,
    images: Vec<Image>,
}

impl Page {
    fn y(&self, top: f32) -> f32 {
        self.height - top
    }

    pub fn width(&self) -> f32 {
        self.width
    }

    pub fn height(&self) -> f32 {
        self.height
    }

    /// `text` with its baseline at (`x`, `baseline`).
    pub fn text(&mut self, x: f32, baseline: f32, font: Font, size: f32, color: Rgb, text: &str) {
        let y = self.y(baseline);
        let _ = writeln!(
            self.content,
            "BT /{} {size:.2} Tf {} rg {x:.2} {y:.2} Td ({}) Tj ET",
            font.resource_name(),
            color.operands(),
            escape(&fonts::win_ansi(text))
        );
    }

    /// `text` ending at `right`.
    pub fn text_right(&mut self, right: f32, baseline: f32, font: Font, size: f32, color: Rgb, text: &str) {
        let x = right - font.width(text, size);
        self.text(x, baseline, font, size, color, text);
    }

    /// `text` wrapped to `max_width`; returns the baseline after the last line.
    #[allow(clippy::too_many_arguments)]
    pub fn paragraph(
        &mut self,
        x: f32,
        baseline: f32,
        max_width: f32,
        font: Font,
        size: f32,
        color: Rgb,
        text: &str,
    ) -> f32 {
        let leading = size * 1.35;
        let mut y = baseline;
        for line in wrap(text, font, size, max_width) {
            self.text(x, y, font, size, color, &line);
            y += leading;
        }
        y
    }

    pub fn fill_rect(&mut self, x: f32, top: f32, width: f32, height: f32, color: Rgb) {
        let y = self.y(top + height);
        let _ = writeln!(self.content, "{} rg {x:.2} {y:.2} {width:.2} {height:.2} re f", color.operands());
    }

    pub fn stroke_rect(&mut self, x: f32, top: f32, width: f32, height: f32, line_width: f32, color: Rgb) {
        let y = self.y(top + height);
        let _ = writeln!(
            self.content,
            "{} RG {line_width:.2} w {x:.2} {y:.2} {width:.2} {height:.2} re S",
            color.operands()
        );
    }

    pub fn line(&mut self, from: (f32, f32), to: (f32, f32), line_width: f32, color: Rgb) {
        let _ = writeln!(
            self.content,
            "{} RG {line_width:.2} w {:.2} {:.2} m {:.2} {:.2} l S",
            color.operands(),
            from.0,
            self.y(from.1),
            to.0,
            self.y(to.1)
        );
    }

    /// A disc centred on (`x`, `top`), drawn with four Bézier arcs.
    pub fn disc(&mut self, x: f32, top: f32, radius: f32, color: Rgb) {
        let y = self.y(top);
        let k = radius * 0.552_284_8;
        let r = radius;
        let _ = writeln!(
            self.content,
            "{} rg {:.2} {y:.2} m {:.2} {:.2} {:.2} {:.2} {x:.2} {:.2} c {:.2} {:.2} {:.2} {:.2} {:.2} {y:.2} c \
             {:.2} {:.2} {:.2} {:.2} {x:.2} {:.2} c {:.2} {:.2} {:.2} {:.2} {:.2} {y:.2} c f",
            color.operands(),
            x + r,
            x + r,
            y + k,
            x + k,
            y + r,
            y + r,
            x - k,
            y + r,
            x - r,
            y + k,
            x - r,
            x - r,
            y - k,
            x - k,
            y - r,
            y - r,
            x + k,
            y - r,
            x + r,
            y - k,
            x + r,
        );
    }

    /// `image` scaled into the box at (`x`, `top`).
    pub fn image(&mut self, image: impl Into<Image>, x: f32, top: f32, width: f32, height: f32) {
        let y = self.y(top + height);
        let name = format!("Im{}", self.images.len() + 1);
        let _ = writeln!(self.content, "q {width:.2} 0 0 {height:.2} {x:.2} {y:.2} cm /{name} Do Q");
        self.images.push(image.into());
    }
}

/// Splits `text` into lines no wider than `max_width`, at spaces.
pub fn wrap(text: &str, font: Font, size: f32, max_width: f32) -> Vec<String> {
    let mut lines = Vec::new();
    let mut current = String::new();
    for word in text.split_whitespace() {
        let candidate = if current.is_empty() { word.to_owned() } else { format!("{current} {word}") };
        if font.width(&candidate, size) > max_width && !current.is_empty() {
            lines.push(std::mem::replace(&mut current, word.to_owned()));
        } else {
            current = candidate;
        }
    }
    if !current.is_empty() {
        lines.push(current);
    }
    lines
}

fn escape(bytes: &[u8]) -> String {
    let mut escaped = String::with_capacity(bytes.len());
    for &byte in bytes {
        match byte {
            b'(' | b')' | b'\\' => {
                escaped.push('\\');
                escaped.push(byte as char);
            }
            0x20..=0x7e => escaped.push(byte as char),
            _ => {
                let _ = write!(escaped, "\\{byte:03o}");
            }
        }
    }
    escaped
}

/// Metadata written to the document information dictionary.
#[derive(Debug, Clone, Default)]
pub struct Info {
    pub title: String,
    pub author: String,
    pub subject: String,
}

#[derive(Default)]
pub struct Document {
    pages: Vec<Page>,
}

impl Document {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn add_page(&mut self, width: f32, height: f32) -> &mut Page {
        self.pages.push(Page { width, height, content: String::new(), images: Vec::new() });
        let last = self.pages.len() - 1;
        &mut self.pages[last]
    }

    pub fn page_count(&self) -> usize {
        self.pages.len()
    }

    pub fn page_mut(&mut self, index: usize) -> Option<&mut Page> {
        self.pages.get_mut(index)
    }

    /// The finished file. `created` is a PDF date (`D:20251001120000Z`).
    pub fn finish(self, info: &Info, created: &str) -> Vec<u8> {
        let mut writer = Writer::default();
        // Objects 1..=4 are fixed: catalog, page tree, the two fonts, info.
        let mut next_id = 6;
        let mut page_ids = Vec::new();
        let mut bodies: Vec<(usize, Vec<u8>)> = Vec::new();
        for page in &self.pages {
            let page_id = next_id;
            let content_id = next_id + 1;
            next_id += 2;
            let mut xobjects = String::new();
            for (index, image) in page.images.iter().enumerate() {
                let image_id = next_id;
                next_id += 1;
                let _ = write!(xobjects, "/Im{} {image_id} 0 R ", index + 1);
                bodies.push((image_id, image.xobject()));
            }
            let resources = format!("<< /Font << /F1 3 0 R /F2 4 0 R >> /XObject << {xobjects}>> >>");
            bodies.push((
                page_id,
                format!(
                    "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {:.2} {:.2}] /Resources {resources} /Contents {content_id} 0 R >>",
                    page.width, page.height
                )
                .into_bytes(),
            ));
            bodies.push((content_id, compressed_stream(page.content.as_bytes())));
            page_ids.push(page_id);
        }
        let kids: Vec<String> = page_ids.iter().map(|id| format!("{id} 0 R")).collect();
        writer.object(1, b"<< /Type /Catalog /Pages 2 0 R >>");
        writer.object(2, format!("<< /Type /Pages /Kids [{}] /Count {} >>", kids.join(" "), page_ids.len()).as_bytes());
        for font in [Font::Regular, Font::Bold] {
            let id = if font == Font::Regular { 3 } else { 4 };
            writer.object(
                id,
                format!("<< /Type /Font /Subtype /Type1 /BaseFont /{} /Encoding /WinAnsiEncoding >>", font.base_font())
                    .as_bytes(),
            );
        }
        writer.object(
            5,
            format!(
                "<< /Title ({}) /Author ({}) /Subject ({}) /Producer (platform) /CreationDate ({created}) >>",
                escape(&fonts::win_ansi(&info.title)),
                escape(&fonts::win_ansi(&info.author)),
                escape(&fonts::win_ansi(&info.subject)),
            )
            .as_bytes(),
        );
        bodies.sort_by_key(|(id, _)| *id);
        for (id, body) in bodies {
            writer.object(id, &body);
        }
        writer.finish(next_id, 5)
    }
}

fn deflate(content: &[u8]) -> Vec<u8> {
    let mut encoder = ZlibEncoder::new(Vec::new(), Compression::default());
    // Writing into a Vec cannot fail.
    encoder.write_all(content).and_then(|()| encoder.finish()).unwrap_or_default()
}

fn compressed_stream(content: &[u8]) -> Vec<u8> {
    let compressed = deflate(content);
    let mut body = format!("<< /Length {} /Filter /FlateDecode >>\nstream\n", compressed.len()).into_bytes();
    body.extend_from_slice(&compressed);
    body.extend_from_slice(b"\nendstream");
    body
}

#[derive(Default)]
struct Writer {
    bytes: Vec<u8>,
    offsets: Vec<(usize, usize)>,
}

impl Writer {
    fn object(&mut self, id: usize, body: &[u8]) {
        if self.bytes.is_empty() {
            self.bytes.extend_from_slice(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n");
        }
        self.offsets.push((id, self.bytes.len()));
        self.bytes.extend_from_slice(format!("{id} 0 obj\n").as_bytes());
        self.bytes.extend_from_slice(body);
        self.bytes.extend_from_slice(b"\nendobj\n");
    }

    fn finish(mut self, size: usize, info_id: usize) -> Vec<u8> {
        self.offsets.sort_unstable();
        let xref_at = self.bytes.len();
        let mut xref = format!("xref\n0 {size}\n0000000000 65535 f \n");
        for (_, offset) in &self.offsets {
            let _ = writeln!(xref, "{offset:010} 00000 n ");
        }
        let _ =
            write!(xref, "trailer\n<< /Size {size} /Root 1 0 R /Info {info_id} 0 R >>\nstartxref\n{xref_at}\n%%EOF\n");
        self.bytes.extend_from_slice(xref.as_bytes());
        self.bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_and_encoded() {
        assert_eq!(escape(&fonts::win_ansi("(a) \\ é")), "\\(a\\) \\\\ \\351");
    }

    #[test]
    fn wrapping_keeps_lines_within_the_width() {
        let text = "Le tarif réglementé de vente est plus bas que le prix payé sur cette facture";
        let lines = wrap(text, Font::Regular, 10.0, 150.0);
        assert!(lines.len() > 1);
        assert!(lines.iter().all(|line| Font::Regular.width(line, 10.0) <= 150.0));
        assert_eq!(lines.join(" "), text);
    }
}
