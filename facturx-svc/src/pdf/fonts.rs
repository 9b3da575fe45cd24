//! TrueType fonts for generated invoices, embedded as PDF/A requires:
//! subset to the glyphs used, written as CID fonts (Identity-H) with
//! their widths and a ToUnicode map so the text can be copied.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use lopdf::{Dictionary, Document, Object, ObjectId, Stream};
use subsetter::GlyphRemapper;
use ttf_parser::{Face, GlyphId};

use super::serialize::deflate;

/// A font file read once at start, parsed again (cheaply) for each use.
#[derive(Debug, Clone)]
pub struct FontFile {
    data: Vec<u8>,
    name: String,
}

impl FontFile {
    pub fn load(path: &Path) -> Result<Self, String> {
        let data = std::fs::read(path).map_err(|error| format!("{}: {error}", path.display()))?;
        let face = Face::parse(&data, 0).map_err(|error| format!("{}: {error}", path.display()))?;
        let name = face
            .names()
            .into_iter()
            .filter(|name| name.name_id == ttf_parser::name_id::POST_SCRIPT_NAME)
            .find_map(|name| name.to_string())
            .unwrap_or_else(|| "Font".into());
        Ok(Self { data, name })
    }
}

/// A font being used on the pages of one document: the glyphs drawn so
/// far, renumbered for the subset.
pub struct UsedFont<'a> {
    face: Face<'a>,
    file: &'a FontFile,
    remapper: GlyphRemapper,
    /// New glyph id → the text it stands for (for ToUnicode).
    text_of: BTreeMap<u16, char>,
}

impl<'a> UsedFont<'a> {
    pub fn new(file: &'a FontFile) -> Self {
        let face = Face::parse(&file.data, 0).expect("checked when loaded");
        Self { face, file, remapper: GlyphRemapper::new(), text_of: BTreeMap::new() }
    }

    /// A character's glyph; characters the font lacks are drawn as `?`
    /// (PDF/A forbids drawing .notdef).
    fn glyph(&self, c: char) -> GlyphId {
        self.face.glyph_index(c).or_else(|| self.face.glyph_index('?')).unwrap_or(GlyphId(0))
    }

    /// Width of the text at a size, in points.
    pub fn width(&self, text: &str, size: f32) -> f32 {
        let units: u32 =
            text.chars().map(|c| u32::from(self.face.glyph_hor_advance(self.glyph(c)).unwrap_or_default())).sum();
        units as f32 * size / f32::from(self.face.units_per_em())
    }

    /// The text as a hex string of subset glyph ids, for `Tj`.
    pub fn encode(&mut self, text: &str) -> String {
        let mut encoded = String::with_capacity(text.len() * 4 + 2);
        encoded.push('<');
        for c in text.chars() {
            let glyph = self.glyph(c);
            let new = self.remapper.remap(glyph.0);
            self.text_of.entry(new).or_insert(if glyph.0 == 0 { '?' } else { c });
            let _ = write!(encoded, "{new:04X}");
        }
        encoded.push('>');
        encoded
    }

    /// Font units to the thousandths of text space PDF font metrics use.
    fn scaled(&self, units: impl Into<f32>) -> i64 {
        (units.into() * 1000.0 / f32::from(self.face.units_per_em())).round() as i64
    }

    /// Writes the Type0 font and its parts into the document.
    pub fn write(self, document: &mut Document) -> Result<ObjectId, String> {
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
        let base_font = Object::Name(format!("{tag}+{}", self.file.name).into_bytes());

        let mut file_dict = Dictionary::new();
        file_dict.set("Length1", Object::Integer(subset.len() as i64));
        file_dict.set("Filter", Object::Name(b"FlateDecode".to_vec()));
        let font_file = document.add_object(Stream::new(file_dict, deflate(&subset)));

        let bbox = self.face.global_bounding_box();
        let mut descriptor = Dictionary::new();
        descriptor.set("Type", Object::Name(b"FontDescriptor".to_vec()));
        descriptor.set("FontName", base_font.clone());
        descriptor.set("Flags", Object::Integer(32)); // non-symbolic
        descriptor.set(
            "FontBBox",
            Object::Array(
                [bbox.x_min, bbox.y_min, bbox.x_max, bbox.y_max]
                    .map(|value| Object::Integer(self.scaled(value)))
                    .to_vec(),
            ),
        );
        descriptor.set("ItalicAngle", Object::Integer(self.face.italic_angle().round() as i64));
        descriptor.set("Ascent", Object::Integer(self.scaled(self.face.ascender())));
        descriptor.set("Descent", Object::Integer(self.scaled(self.face.descender())));
        descriptor
            .set("CapHeight", Object::Integer(self.scaled(self.face.capital_height().unwrap_or(self.face.ascender()))));
        descriptor.set("StemV", Object::Integer(80));
        descriptor.set("FontFile2", Object::Reference(font_file));
        let descriptor = document.add_object(descriptor);

        let widths: Vec<Object> = self
            .remapper
            .remapped_gids()
            .map(|old| {
                let advance = self.face.glyph_hor_advance(GlyphId(old)).unwrap_or_default();
                Object::Integer(self.scaled(advance))
            })
            .collect();
        let mut system_info = Dictionary::new();
        system_info.set("Registry", Object::string_literal("Adobe"));
        system_info.set("Ordering", Object::string_literal("Identity"));
        system_info.set("Supplement", Object::Integer(0));
        let mut cid_font = Dictionary::new();
        cid_font.set("Type", Object::Name(b"Font".to_vec()));
        cid_font.set("Subtype", Object::Name(b"CIDFontType2".to_vec()));
        cid_font.set("BaseFont", base_font.clone());
        cid_font.set("CIDSystemInfo", Object::Dictionary(system_info));
        cid_font.set("FontDescriptor", Object::Reference(descriptor));
        cid_font.set("W", Object::Array(vec![Object::Integer(0), Object::Array(widths)]));
        cid_font.set("CIDToGIDMap", Object::Name(b"Identity".to_vec()));
        let cid_font = document.add_object(cid_font);

        let mut to_unicode_dict = Dictionary::new();
        to_unicode_dict.set("Filter", Object::Name(b"FlateDecode".to_vec()));
        let to_unicode = document.add_object(Stream::new(to_unicode_dict, deflate(self.to_unicode().as_bytes())));

        let mut font = Dictionary::new();
        font.set("Type", Object::Name(b"Font".to_vec()));
        font.set("Subtype", Object::Name(b"Type0".to_vec()));
        font.set("BaseFont", base_font);
        font.set("Encoding", Object::Name(b"Identity-H".to_vec()));
        font.set("DescendantFonts", Object::Array(vec![Object::Reference(cid_font)]));
        font.set("ToUnicode", Object::Reference(to_unicode));
        Ok(document.add_object(font))
    }

    fn to_unicode(&self) -> String {
        let mut cmap = String::from(
            "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n\
             /CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n\
             /CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n\
             1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n",
        );
        let entries: Vec<(&u16, &char)> = self.text_of.iter().collect();
        for chunk in entries.chunks(100) {
            let _ = writeln!(cmap, "{} beginbfchar", chunk.len());
            for (glyph, c) in chunk {
                let mut units = [0u16; 2];
                let hex: String = c.encode_utf16(&mut units).iter().map(|unit| format!("{unit:04X}")).collect();
                let _ = writeln!(cmap, "<{glyph:04X}> <{hex}>");
            }
            cmap.push_str("endbfchar\n");
        }
        cmap.push_str("endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n");
        cmap
    }
}
