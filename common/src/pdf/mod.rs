//! A small PDF writer: pages of text, filled shapes, lines and images,
//! enough for the services' reports (energy-bill analyses, morning
//! checks, bons d'intervention) and the OCR service's synthetic test
//! bills. Text is set in embedded subset fonts (see [`fonts`]: any
//! character the typeface has, the same pages on every machine); content
//! streams are compressed.
//!
//! Coordinates are in points from the page's top-left corner, as a layout
//! is written; the writer flips them to PDF's bottom-left origin.

pub mod fonts;

use std::fmt::Write as _;
use std::io::Write as _;
use std::sync::Arc;

use flate2::Compression;
use flate2::write::ZlibEncoder;

pub use fonts::{Font, FontFile, Typeface};
use fonts::{EmbeddedFont, UsedFont};

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

/// A page's content stream as drawn: text is kept as text until the
/// document is finished, when the glyphs of every page make the subsets.
enum Piece {
    Operators(String),
    Text { font: Font, before: String, text: String },
}

pub struct Page {
    height: f32,
    width: f32,
    typeface: Arc<Typeface>,
    /// Everything drawn before the last text, in order.
    drawn: Vec<Piece>,
    /// Operators drawn since.
    operators: String,
    images: Vec<Image>,
}

impl Page {
    fn y(&self, top: f32) -> f32 {
        self.height - top
    }

    /// The content so far, in order.
    fn pieces(&mut self) -> impl Iterator<Item = Piece> {
        let last = Piece::Operators(std::mem::take(&mut self.operators));
        std::mem::take(&mut self.drawn).into_iter().chain(std::iter::once(last))
    }

    /// Width of `text` in this page's typeface.
    pub fn text_width(&self, font: Font, text: &str, size: f32) -> f32 {
        self.typeface.width(font, text, size)
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
        let before = format!("BT /{} {size:.2} Tf {} rg {x:.2} {y:.2} Td ", font.resource_name(), color.operands());
        let operators = Piece::Operators(std::mem::take(&mut self.operators));
        self.drawn.extend([operators, Piece::Text { font, before, text: text.to_owned() }]);
    }

    /// `text` ending at `right`.
    pub fn text_right(&mut self, right: f32, baseline: f32, font: Font, size: f32, color: Rgb, text: &str) {
        let x = right - self.text_width(font, text, size);
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
        for line in wrap_in(&self.typeface.clone(), text, font, size, max_width) {
            self.text(x, y, font, size, color, &line);
            y += leading;
        }
        y
    }

    pub fn fill_rect(&mut self, x: f32, top: f32, width: f32, height: f32, color: Rgb) {
        let y = self.y(top + height);
        let _ = writeln!(self.operators, "{} rg {x:.2} {y:.2} {width:.2} {height:.2} re f", color.operands());
    }

    pub fn stroke_rect(&mut self, x: f32, top: f32, width: f32, height: f32, line_width: f32, color: Rgb) {
        let y = self.y(top + height);
        let _ = writeln!(
            self.operators,
            "{} RG {line_width:.2} w {x:.2} {y:.2} {width:.2} {height:.2} re S",
            color.operands()
        );
    }

    pub fn line(&mut self, from: (f32, f32), to: (f32, f32), line_width: f32, color: Rgb) {
        let _ = writeln!(
            self.operators,
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
            self.operators,
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
        let _ = writeln!(self.operators, "q {width:.2} 0 0 {height:.2} {x:.2} {y:.2} cm /{name} Do Q");
        self.images.push(image.into());
    }
}

/// Splits `text` into lines no wider than `max_width` in the built-in
/// typeface, at spaces.
pub fn wrap(text: &str, font: Font, size: f32, max_width: f32) -> Vec<String> {
    wrap_in(Typeface::builtin(), text, font, size, max_width)
}

fn wrap_in(typeface: &Typeface, text: &str, font: Font, size: f32, max_width: f32) -> Vec<String> {
    let face = typeface.file(font).face();
    let mut lines = Vec::new();
    let mut current = String::new();
    for word in text.split_whitespace() {
        let candidate = if current.is_empty() { word.to_owned() } else { format!("{current} {word}") };
        if fonts::text_width(&face, &candidate, size) > max_width && !current.is_empty() {
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

/// A PDF text string: `(literal)` for printable ASCII, else UTF-16BE
/// with its byte-order mark.
fn text_string(text: &str) -> String {
    if text.chars().all(|c| (' '..='~').contains(&c)) {
        let mut literal = String::with_capacity(text.len() + 2);
        literal.push('(');
        for c in text.chars() {
            if matches!(c, '(' | ')' | '\\') {
                literal.push('\\');
            }
            literal.push(c);
        }
        literal.push(')');
        return literal;
    }
    let mut hex = String::from("<FEFF");
    for unit in text.encode_utf16() {
        let _ = write!(hex, "{unit:04X}");
    }
    hex.push('>');
    hex
}

/// Metadata written to the document information dictionary.
#[derive(Debug, Clone, Default)]
pub struct Info {
    pub title: String,
    pub author: String,
    pub subject: String,
}

pub struct Document {
    typeface: Arc<Typeface>,
    pages: Vec<Page>,
}

impl Default for Document {
    fn default() -> Self {
        Self::new()
    }
}

impl Document {
    /// A document set in the built-in typeface.
    pub fn new() -> Self {
        Self::in_typeface(Typeface::builtin().clone())
    }

    pub fn in_typeface(typeface: Arc<Typeface>) -> Self {
        Self { typeface, pages: Vec::new() }
    }

    pub fn add_page(&mut self, width: f32, height: f32) -> &mut Page {
        let typeface = self.typeface.clone();
        self.pages.push(Page { width, height, typeface, drawn: Vec::new(), operators: String::new(), images: Vec::new() });
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
    pub fn finish(mut self, info: &Info, created: &str) -> Vec<u8> {
        let mut writer = Writer::default();
        // Objects 1..=4 are fixed: catalog, page tree, the pages' font
        // resources (known once every page is encoded), info.
        let mut next_id = 5;
        let mut allocate = || {
            next_id += 1;
            next_id - 1
        };
        let typeface = self.typeface.clone();
        let mut regular = UsedFont::new(&typeface.regular);
        let mut bold = UsedFont::new(&typeface.bold);
        let mut page_ids = Vec::new();
        let mut bodies: Vec<(usize, Vec<u8>)> = Vec::new();
        for page in &mut self.pages {
            let (page_id, content_id) = (allocate(), allocate());
            let mut xobjects = String::new();
            for (index, image) in page.images.iter().enumerate() {
                let image_id = allocate();
                let _ = write!(xobjects, "/Im{} {image_id} 0 R ", index + 1);
                bodies.push((image_id, image.xobject()));
            }
            let resources = format!("<< /Font 3 0 R /XObject << {xobjects}>> >>");
            bodies.push((
                page_id,
                format!(
                    "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {:.2} {:.2}] /Resources {resources} /Contents {content_id} 0 R >>",
                    page.width, page.height
                )
                .into_bytes(),
            ));
            let mut content = String::new();
            for piece in page.pieces() {
                match piece {
                    Piece::Operators(operators) => content.push_str(&operators),
                    Piece::Text { font, before, text } => {
                        let used = if font == Font::Regular { &mut regular } else { &mut bold };
                        let _ = writeln!(content, "{before}{} Tj ET", used.encode(&text));
                    }
                }
            }
            bodies.push((content_id, compressed_stream(content.as_bytes())));
            page_ids.push(page_id);
        }
        let mut font_resources = String::from("<<");
        for (font, used) in [(Font::Regular, regular), (Font::Bold, bold)] {
            if used.is_used() {
                let embedded = used.embed().expect("the font was subset whole when it was loaded");
                let font_id = allocate();
                let _ = write!(font_resources, " /{} {font_id} 0 R", font.resource_name());
                let ids = [font_id, allocate(), allocate(), allocate(), allocate()];
                bodies.extend(font_objects(&embedded, ids));
            }
        }
        font_resources.push_str(" >>");
        let kids: Vec<String> = page_ids.iter().map(|id| format!("{id} 0 R")).collect();
        writer.object(1, b"<< /Type /Catalog /Pages 2 0 R /Lang (fr-FR) >>");
        writer.object(2, format!("<< /Type /Pages /Kids [{}] /Count {} >>", kids.join(" "), page_ids.len()).as_bytes());
        writer.object(3, font_resources.as_bytes());
        writer.object(
            4,
            format!(
                "<< /Title {} /Author {} /Subject {} /Producer (platform) /CreationDate ({created}) >>",
                text_string(&info.title),
                text_string(&info.author),
                text_string(&info.subject),
            )
            .as_bytes(),
        );
        bodies.sort_by_key(|(id, _)| *id);
        for (id, body) in bodies {
            writer.object(id, &body);
        }
        writer.finish(next_id, 4)
    }
}

/// A subset font's five objects: the Type0 font, its CIDFontType2, the
/// descriptor, the TrueType program and the ToUnicode map.
fn font_objects(font: &EmbeddedFont, [id, cid_font, descriptor, program, to_unicode]: [usize; 5]) -> [(usize, Vec<u8>); 5] {
    let [x_min, y_min, x_max, y_max] = font.bbox;
    let widths: Vec<String> = font.widths.iter().map(i64::to_string).collect();
    let stream = |dictionary: String, data: &[u8]| {
        let mut body = format!("<< {dictionary} /Filter /FlateDecode /Length {} >>\nstream\n", data.len()).into_bytes();
        body.extend_from_slice(data);
        body.extend_from_slice(b"\nendstream");
        body
    };
    let name = &font.base_font;
    [
        (
            id,
            format!(
                "<< /Type /Font /Subtype /Type0 /BaseFont /{name} /Encoding /Identity-H \
                 /DescendantFonts [{cid_font} 0 R] /ToUnicode {to_unicode} 0 R >>"
            )
            .into_bytes(),
        ),
        (
            cid_font,
            format!(
                "<< /Type /Font /Subtype /CIDFontType2 /BaseFont /{name} \
                 /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> \
                 /FontDescriptor {descriptor} 0 R /W [0 [{}]] /CIDToGIDMap /Identity >>",
                widths.join(" ")
            )
            .into_bytes(),
        ),
        (
            descriptor,
            format!(
                "<< /Type /FontDescriptor /FontName /{name} /Flags 32 /FontBBox [{x_min} {y_min} {x_max} {y_max}] \
                 /ItalicAngle {} /Ascent {} /Descent {} /CapHeight {} /StemV 80 /FontFile2 {program} 0 R >>",
                font.italic_angle, font.ascent, font.descent, font.cap_height
            )
            .into_bytes(),
        ),
        (program, stream(format!("/Length1 {}", font.program_length), &font.program)),
        (to_unicode, stream(String::new(), &font.to_unicode)),
    ]
}

pub(crate) fn deflate(content: &[u8]) -> Vec<u8> {
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
    fn text_strings_are_literal_in_ascii_and_utf16_beyond() {
        assert_eq!(text_string("(a) \\ b"), "(\\(a\\) \\\\ b)");
        assert_eq!(text_string("é→"), "<FEFF00E92192>");
    }

    fn poppler(tool: &str, pdf: &[u8]) -> String {
        let directory = tempfile::tempdir().expect("tempdir");
        let path = directory.path().join("document.pdf");
        std::fs::write(&path, pdf).expect("write");
        let mut command = std::process::Command::new(tool);
        command.arg(&path);
        if tool == "pdftotext" {
            command.arg("-");
        }
        let output = command.output().expect("scripts/setup installs Poppler");
        assert!(output.status.success(), "{tool}: {}", String::from_utf8_lossy(&output.stderr));
        String::from_utf8(output.stdout).expect("UTF-8")
    }

    #[test]
    fn any_character_of_the_typeface_is_drawn_embedded_and_read_back() {
        let mut document = Document::new();
        let page = document.add_page(A4_WIDTH, A4_HEIGHT);
        page.text(50.0, 100.0, Font::Regular, 12.0, Rgb::BLACK, "Écart ≥ 10 % → Łódź, Ελλάδα, «été»");
        page.fill_rect(50.0, 110.0, 100.0, 5.0, Rgb(200, 0, 0));
        page.text_right(545.0, 130.0, Font::Bold, 12.0, Rgb::BLACK, "Total (TTC) : 1 234,56 €");
        let info = Info { title: "Relevé → Łódź".into(), author: "Ōtake (été)".into(), subject: String::new() };
        let pdf = document.finish(&info, "D:20260101000000Z");
        let text = poppler("pdftotext", &pdf);
        assert!(text.contains("Écart ≥ 10 % → Łódź, Ελλάδα, «été»"), "{text}");
        assert!(text.contains("Total (TTC) : 1 234,56 €"), "{text}");
        let fonts = poppler("pdffonts", &pdf);
        let embedded: Vec<&str> = fonts.lines().filter(|line| line.contains("CID TrueType")).collect();
        assert_eq!(embedded.len(), 2, "{fonts}");
        // Embedded, subset, with a ToUnicode map (the columns before the object's id).
        let flags = |line: &str| line.split_whitespace().rev().skip(2).take(3).all(|flag| flag == "yes");
        assert!(embedded.iter().all(|line| flags(line)), "{fonts}");
        let info = poppler("pdfinfo", &pdf);
        assert!(info.contains("Relevé → Łódź") && info.contains("Ōtake (été)"), "{info}");
    }

    #[test]
    fn only_the_faces_drawn_are_embedded() {
        let mut document = Document::new();
        document.add_page(A4_WIDTH, A4_HEIGHT).text(50.0, 100.0, Font::Bold, 12.0, Rgb::BLACK, "Gras");
        document.add_page(A4_WIDTH, A4_HEIGHT).line((0.0, 0.0), (10.0, 10.0), 1.0, Rgb::BLACK);
        let pdf = document.finish(&Info::default(), "D:20260101000000Z");
        let fonts = poppler("pdffonts", &pdf);
        assert_eq!(fonts.lines().filter(|line| line.contains("CID TrueType")).count(), 1, "{fonts}");
        assert!(fonts.contains("+DejaVuSans-Bold"), "{fonts}");
        assert!(poppler("pdftotext", &pdf).contains("Gras"));
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
