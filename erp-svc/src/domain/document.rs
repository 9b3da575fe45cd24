//! An uploaded file as it is kept: its type told by its first bytes, and a
//! name safe to show and to offer for download.

use common::file_type::FileType;

const MAX_NAME_CHARACTERS: usize = 120;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredFile {
    /// None for plain text.
    file_type: Option<FileType>,
    file_name: String,
}

impl StoredFile {
    /// The file, if it is an image, a PDF or UTF-8 text; its name keeps
    /// letters, digits, spaces and `.-_` of the base name, with the
    /// extension of what it really is.
    pub fn recognise(bytes: &[u8], offered_name: &str) -> Option<Self> {
        let file_type = FileType::sniff(bytes);
        if file_type.is_none() && !std::str::from_utf8(bytes).is_ok_and(|text| !text.contains('\0')) {
            return None;
        }
        Some(Self { file_type, file_name: safe_name(offered_name, extension_of(file_type)) })
    }

    pub fn media_type(&self) -> &'static str {
        self.file_type.map_or("text/plain; charset=utf-8", FileType::media_type)
    }

    pub fn extension(&self) -> &'static str {
        extension_of(self.file_type)
    }

    /// Whether the report can show it as a photo.
    pub fn is_photo(&self) -> bool {
        matches!(self.file_type, Some(FileType::Jpeg | FileType::Png | FileType::Gif))
    }

    pub fn file_name(&self) -> &str {
        &self.file_name
    }
}

fn extension_of(file_type: Option<FileType>) -> &'static str {
    file_type.map_or("txt", FileType::extension)
}

fn safe_name(offered: &str, extension: &str) -> String {
    let base = offered.rsplit(['/', '\\']).next().unwrap_or_default();
    let stem = match base.rsplit_once('.') {
        Some((stem, _)) if !stem.is_empty() => stem,
        _ => base,
    };
    let cleaned: String =
        stem.chars().map(|c| if c.is_alphanumeric() || matches!(c, ' ' | '-' | '_' | '.') { c } else { '_' }).collect();
    let cleaned = cleaned.trim_matches(|c: char| c == '.' || c == ' ' || c == '_');
    let stem: String =
        if cleaned.is_empty() { "document".to_owned() } else { cleaned.chars().take(MAX_NAME_CHARACTERS).collect() };
    format!("{stem}.{extension}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_come_from_content_not_names() {
        let png = StoredFile::recognise(b"\x89PNG\r\n\x1a\n....", "photo.pdf").expect("a PNG");
        assert_eq!(png.media_type(), "image/png");
        assert_eq!(png.file_name(), "photo.png");
        assert!(png.is_photo());
        let text = StoredFile::recognise("relevé: 12 °C".as_bytes(), "test_upload.txt").expect("text");
        assert_eq!(text.media_type(), "text/plain; charset=utf-8");
        assert!(StoredFile::recognise(b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\xff\xff", "setup.jpg").is_none());
        assert!(StoredFile::recognise(b"text\0with nul", "a.txt").is_none());
        let mut bitmap = b"BM".to_vec();
        bitmap.resize(54, 0);
        let bitmap = StoredFile::recognise(&bitmap, "plan.bmp").expect("a BMP");
        assert_eq!(bitmap.media_type(), "image/bmp");
        assert!(!bitmap.is_photo(), "the report cannot draw it");
        let pdf = StoredFile::recognise(b"\r\n%PDF-1.4\n", "scan").expect("a PDF after a preamble, as readers take it");
        assert_eq!(pdf.file_name(), "scan.pdf");
    }

    #[test]
    fn names_are_safe_to_show_and_download() {
        let name = |offered: &str| StoredFile::recognise(b"%PDF-1.7", offered).expect("pdf").file_name;
        assert_eq!(name("../../etc/passwd"), "passwd.pdf");
        assert_eq!(name("C:\\Users\\x\\Rapport été 2026.PDF"), "Rapport été 2026.pdf");
        assert_eq!(name("<script>alert(1)</script>.pdf"), "script.pdf");
        assert_eq!(name("devis (v2) #3.pdf"), "devis _v2_ _3.pdf");
        assert_eq!(name(""), "document.pdf");
        assert_eq!(name("..."), "document.pdf");
        assert_eq!(name(&"a".repeat(500)).chars().count(), MAX_NAME_CHARACTERS + 4);
    }
}
