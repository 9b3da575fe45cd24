//! TrueType fonts, embedded in every PDF the services write: subset to the
//! glyphs drawn, as CID fonts (Identity-H) with their widths and a ToUnicode
//! map so the text can be copied and searched. A PDF that names a standard
//! font without embedding it is drawn with whatever the reader's machine
//! substitutes (Liberation Sans here, Nimbus Sans where `fonts-urw-base35`
//! is installed): its pages, and what OCR reads of them, differ from one
//! machine to the next.
//!
//! The built-in typeface, DejaVu Sans (Latin, Greek, Cyrillic, arrows,
//! mathematical signs…), is compiled into the binary from the files of
//! Debian's `fonts-dejavu-core` (see `build.rs`), so reports look the same
//! wherever they are made.
//!
//! Right-to-left text is laid out as a reader expects it: the Unicode
//! bidirectional algorithm orders the runs of a line (`unicode-bidi`), and
//! each run of Arabic or Hebrew is shaped (`rustybuzz`), so that Arabic
//! letters join in their initial, medial and final forms. Other text keeps
//! one glyph per character, its widths straight from the font's metrics.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;
use std::sync::{Arc, LazyLock};

use subsetter::GlyphRemapper;
use ttf_parser::{Face, GlyphId};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Font {
    Regular,
    Bold,
}

impl Font {
    pub(crate) fn resource_name(self) -> &'static str {
        match self {
            Font::Regular => "F1",
            Font::Bold => "F2",
        }
    }

    /// Width of `text` set in this font of the built-in typeface at `size`
    /// points.
    pub fn width(self, text: &str, size: f32) -> f32 {
        Typeface::builtin().width(self, text, size)
    }
}

/// A TrueType font file, checked to parse when it is read.
#[derive(Clone)]
pub struct FontFile {
    data: Cow<'static, [u8]>,
    name: String,
}

impl std::fmt::Debug for FontFile {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.debug_struct("FontFile").field("name", &self.name).field("bytes", &self.data.len()).finish()
    }
}

impl FontFile {
    pub fn load(path: &Path) -> Result<Self, String> {
        let data = std::fs::read(path).map_err(|error| format!("{}: {error}", path.display()))?;
        Self::from_bytes(data).map_err(|error| format!("{}: {error}", path.display()))
    }

    /// The font, once it parses and can be subset whole (so that any
    /// subset of it can be made when a document is finished).
    pub fn from_bytes(data: impl Into<Cow<'static, [u8]>>) -> Result<Self, String> {
        let data = data.into();
        let face = Face::parse(&data, 0).map_err(|error| error.to_string())?;
        let name = face
            .names()
            .into_iter()
            .filter(|name| name.name_id == ttf_parser::name_id::POST_SCRIPT_NAME)
            .find_map(|name| name.to_string())
            .unwrap_or_else(|| "Font".into());
        let mut whole = GlyphRemapper::new();
        for glyph in 0..face.number_of_glyphs() {
            whole.remap(glyph);
        }
        subsetter::subset(&data, 0, &whole).map_err(|error| format!("cannot be subset: {error:?}"))?;
        Ok(Self { data, name })
    }

    /// The PostScript name, as the font calls itself.
    pub fn name(&self) -> &str {
        &self.name
    }

    pub(crate) fn face(&self) -> Face<'_> {
        Face::parse(&self.data, 0).expect("checked when loaded")
    }
}

/// Width of `text` in `face`, as [`glyphs`] draws it.
pub(crate) fn text_width(face: &Face, text: &str, size: f32) -> f32 {
    let units: u32 =
        glyphs(face, text).iter().map(|(glyph, _)| u32::from(face.glyph_hor_advance(*glyph).unwrap_or_default())).sum();
    units as f32 * size / f32::from(face.units_per_em())
}

/// A character's glyph; characters the font lacks are drawn as `?`
/// (PDF/A forbids drawing .notdef).
fn glyph(face: &Face, c: char) -> GlyphId {
    face.glyph_index(c).or_else(|| face.glyph_index('?')).unwrap_or(GlyphId(0))
}

/// Whether `text` has right-to-left letters (Hebrew, Arabic, Syriac,
/// Thaana, N'Ko and their presentation forms), which need reordering and
/// shaping.
fn has_right_to_left(text: &str) -> bool {
    text.chars().any(|c| matches!(c, '\u{0590}'..='\u{08FF}' | '\u{FB1D}'..='\u{FDFF}' | '\u{FE70}'..='\u{FEFF}'))
}

/// The glyphs that draw `text`, left to right, each with the characters it
/// stands for (empty for the second glyph of one character).
fn glyphs(face: &Face, text: &str) -> Vec<(GlyphId, String)> {
    if !has_right_to_left(text) {
        return text
            .chars()
            .map(|c| (glyph(face, c), if face.glyph_index(c).is_some() { c } else { '?' }.to_string()))
            .collect();
    }
    let shaper = rustybuzz::Face::from_face(face.clone());
    let question_mark = glyph(face, '?');
    // The platform's documents are French: a line is left to right, with
    // its Arabic or Hebrew runs right to left inside it.
    let bidi = unicode_bidi::BidiInfo::new(text, Some(unicode_bidi::Level::ltr()));
    let mut drawn = Vec::new();
    for paragraph in &bidi.paragraphs {
        let (levels, runs) = bidi.visual_runs(paragraph, paragraph.range.clone());
        for run in runs {
            let piece = &text[run.clone()];
            let mut buffer = rustybuzz::UnicodeBuffer::new();
            buffer.push_str(piece);
            buffer.set_direction(if levels[run.start].is_rtl() {
                rustybuzz::Direction::RightToLeft
            } else {
                rustybuzz::Direction::LeftToRight
            });
            buffer.guess_segment_properties();
            let shaped = rustybuzz::shape(&shaper, &[], buffer);
            let mut starts: Vec<usize> = shaped.glyph_infos().iter().map(|info| info.cluster as usize).collect();
            starts.sort_unstable();
            starts.dedup();
            let mut named = std::collections::HashSet::new();
            for info in shaped.glyph_infos() {
                let start = info.cluster as usize;
                let end = starts.iter().copied().find(|&next| next > start).unwrap_or(piece.len());
                let characters = if named.insert(start) { piece.get(start..end).unwrap_or("?") } else { "" };
                // A glyph id from the font's own tables fits its 16 bits.
                match u16::try_from(info.glyph_id).ok().filter(|&id| id != 0) {
                    Some(id) => drawn.push((GlyphId(id), characters.to_owned())),
                    None => drawn.push((question_mark, "?".to_owned())),
                }
            }
        }
    }
    drawn
}

/// The regular and bold faces a document is set in.
#[derive(Debug, Clone)]
pub struct Typeface {
    pub regular: FontFile,
    pub bold: FontFile,
}

static BUILTIN: LazyLock<Arc<Typeface>> = LazyLock::new(|| {
    let font = |bytes: &'static [u8]| FontFile::from_bytes(bytes).expect("build.rs embeds a TrueType file");
    Arc::new(Typeface {
        regular: font(include_bytes!(env!("PLATFORM_PDF_REGULAR_FONT"))),
        bold: font(include_bytes!(env!("PLATFORM_PDF_BOLD_FONT"))),
    })
});

impl Typeface {
    /// DejaVu Sans, compiled in.
    pub fn builtin() -> &'static Arc<Typeface> {
        &BUILTIN
    }

    pub fn load(regular: &Path, bold: &Path) -> Result<Self, String> {
        Ok(Self { regular: FontFile::load(regular)?, bold: FontFile::load(bold)? })
    }

    pub fn file(&self, font: Font) -> &FontFile {
        match font {
            Font::Regular => &self.regular,
            Font::Bold => &self.bold,
        }
    }

    /// Width of `text` set in `font` at `size` points.
    pub fn width(&self, font: Font, text: &str, size: f32) -> f32 {
        text_width(&self.file(font).face(), text, size)
    }
}

/// A font being used on the pages of one document: the glyphs drawn so
/// far, renumbered for the subset.
pub struct UsedFont<'a> {
    face: Face<'a>,
    file: &'a FontFile,
    remapper: GlyphRemapper,
    /// New glyph id → the text it stands for (for ToUnicode).
    text_of: BTreeMap<u16, String>,
}

/// What a PDF writer needs to embed a subset font, whatever its object
/// model: the parts of a Type0 font over a CIDFontType2.
pub struct EmbeddedFont {
    /// The subset's tag and the font's name (`ABCDEF+DejaVuSans`).
    pub base_font: String,
    /// The subset TrueType program, deflated (`FontFile2`).
    pub program: Vec<u8>,
    /// Its length before deflating (`Length1`).
    pub program_length: usize,
    /// `FontBBox`, in thousandths of text space.
    pub bbox: [i64; 4],
    pub italic_angle: i64,
    pub ascent: i64,
    pub descent: i64,
    pub cap_height: i64,
    /// The advance of each subset glyph from 0, in thousandths (`W`).
    pub widths: Vec<i64>,
    /// The ToUnicode CMap, deflated.
    pub to_unicode: Vec<u8>,
}

impl<'a> UsedFont<'a> {
    pub fn new(file: &'a FontFile) -> Self {
        Self { face: file.face(), file, remapper: GlyphRemapper::new(), text_of: BTreeMap::new() }
    }

    /// Whether any text was encoded with it.
    pub fn is_used(&self) -> bool {
        !self.text_of.is_empty()
    }

    /// Width of the text at a size, in points.
    pub fn width(&self, text: &str, size: f32) -> f32 {
        text_width(&self.face, text, size)
    }

    /// The text as a hex string of subset glyph ids, for `Tj`.
    pub fn encode(&mut self, text: &str) -> String {
        let mut encoded = String::with_capacity(text.len() * 4 + 2);
        encoded.push('<');
        for (glyph, characters) in glyphs(&self.face, text) {
            let new = self.remapper.remap(glyph.0);
            if !characters.is_empty() {
                self.text_of.entry(new).or_insert(characters);
            }
            let _ = write!(encoded, "{new:04X}");
        }
        encoded.push('>');
        encoded
    }

    /// Font units to the thousandths of text space PDF font metrics use.
    fn scaled(&self, units: impl Into<f32>) -> i64 {
        (units.into() * 1000.0 / f32::from(self.face.units_per_em())).round() as i64
    }

    /// The subset and its metrics. Fails only for a font that cannot be
    /// subset (a damaged file).
    pub fn embed(self) -> Result<EmbeddedFont, String> {
        let subset = subsetter::subset(&self.file.data, 0, &self.remapper).map_err(|error| format!("{error:?}"))?;
        // The subset's tag: six capitals drawn from the glyphs it holds.
        let mut seed =
            self.remapper.remapped_gids().fold(0u64, |hash, gid| hash.wrapping_mul(31).wrapping_add(u64::from(gid)));
        let tag: String = (0..6)
            .map(|_| {
                let letter = (b'A' + (seed % 26) as u8) as char;
                seed /= 26;
                letter
            })
            .collect();
        let bbox = self.face.global_bounding_box();
        let widths = self
            .remapper
            .remapped_gids()
            .map(|old| self.scaled(self.face.glyph_hor_advance(GlyphId(old)).unwrap_or_default()))
            .collect();
        Ok(EmbeddedFont {
            base_font: format!("{tag}+{}", self.file.name),
            program: super::deflate(&subset),
            program_length: subset.len(),
            bbox: [bbox.x_min, bbox.y_min, bbox.x_max, bbox.y_max].map(|value| self.scaled(value)),
            italic_angle: self.face.italic_angle().round() as i64,
            ascent: self.scaled(self.face.ascender()),
            descent: self.scaled(self.face.descender()),
            cap_height: self.scaled(self.face.capital_height().unwrap_or(self.face.ascender())),
            widths,
            to_unicode: super::deflate(self.to_unicode().as_bytes()),
        })
    }

    fn to_unicode(&self) -> String {
        let mut cmap = String::from(
            "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n\
             /CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n\
             /CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n\
             1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n",
        );
        let entries: Vec<(&u16, &String)> = self.text_of.iter().collect();
        for chunk in entries.chunks(100) {
            let _ = writeln!(cmap, "{} beginbfchar", chunk.len());
            for (glyph, characters) in chunk {
                let hex: String = characters.encode_utf16().map(|unit| format!("{unit:04X}")).collect();
                let _ = writeln!(cmap, "<{glyph:04X}> <{hex}>");
            }
            cmap.push_str("endbfchar\n");
        }
        cmap.push_str("endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n");
        cmap
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widths_follow_the_font_metrics() {
        // DejaVu Sans' advances (hmtx): H 1540, e 1260, l 569, o 1253 units of 2048.
        let expected = (1540.0 + 1260.0 + 569.0 + 569.0 + 1253.0) * 10.0 / 2048.0;
        assert!((Font::Regular.width("Hello", 10.0) - expected).abs() < 0.01);
        assert!(Font::Bold.width("Total", 10.0) > Font::Regular.width("Total", 10.0));
    }

    #[test]
    fn characters_the_font_lacks_take_the_question_marks_place() {
        let builtin = Typeface::builtin();
        let mut used = UsedFont::new(&builtin.regular);
        assert_eq!(used.width("\u{e000}", 10.0), used.width("?", 10.0));
        assert_eq!(used.encode("\u{e000}"), used.encode("?"));
    }

    #[test]
    fn a_subset_holds_only_the_glyphs_drawn() {
        let builtin = Typeface::builtin();
        let mut used = UsedFont::new(&builtin.regular);
        assert!(!used.is_used());
        assert_eq!(used.encode("ŁódźŁ"), "<00010002000300040001>");
        let embedded = used.embed().expect("subset");
        // .notdef and four glyphs, from a font of several thousand.
        assert_eq!(embedded.widths.len(), 5);
        assert!(embedded.program_length < 20_000, "{}", embedded.program_length);
        assert!(embedded.base_font.ends_with("+DejaVuSans"), "{}", embedded.base_font);
    }

    #[test]
    fn arabic_is_joined_and_drawn_right_to_left_within_a_left_to_right_line() {
        let face = Typeface::builtin().regular.face();
        // "Mohammed": meem, hah, meem, dal, in logical order.
        let name = "\u{0645}\u{062D}\u{0645}\u{062F}";
        let drawn = glyphs(&face, name);
        let characters: Vec<&str> = drawn.iter().map(|(_, characters)| characters.as_str()).collect();
        assert_eq!(characters, ["\u{062F}", "\u{0645}", "\u{062D}", "\u{0645}"], "the last letter is drawn leftmost");
        let isolated = |c: char| face.glyph_index(c).expect("DejaVu Sans has Arabic");
        assert_ne!(drawn[3].0, isolated('\u{0645}'), "the first meem takes its initial form");
        assert_ne!(drawn[2].0, isolated('\u{062D}'), "hah takes its medial form");

        let drawn =
            |line: &str| -> String { glyphs(&face, line).into_iter().map(|(_, characters)| characters).collect() };
        assert_eq!(drawn(&format!("Client {name} (Lyon)")), "Client \u{062F}\u{0645}\u{062D}\u{0645} (Lyon)");
        assert_eq!(
            drawn(&format!("{name} (Lyon)")),
            "\u{062F}\u{0645}\u{062D}\u{0645} (Lyon)",
            "a line starting in Arabic"
        );
        // A number after Arabic letters belongs to their run (rule W2), as a browser shows it.
        assert_eq!(drawn(&format!("Client {name} 42")), "Client 42 \u{062F}\u{0645}\u{062D}\u{0645}");
    }
}
