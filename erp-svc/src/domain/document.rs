//! An uploaded file as it is kept: its type told by its first bytes, and a
//! name safe to show and to offer for download.

const MAX_NAME_CHARACTERS: usize = 120;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FileType {
    Jpeg,
    Png,
    Gif,
    Webp,
    Pdf,
    Text,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredFile {
    file_type: FileType,
    file_name: String,
}

impl StoredFile {
    /// The file, if it is an image, a PDF or UTF-8 text; its name keeps
    /// letters, digits, spaces and `.-_` of the base name, with the
    /// extension of what it really is.
    pub fn recognise(bytes: &[u8], offered_name: &str) -> Option<Self> {
        let file_type = match bytes {
            [0xff, 0xd8, 0xff, ..] => FileType::Jpeg,
            [0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a, ..] => FileType::Png,
            [b'G', b'I', b'F', b'8', b'7' | b'9', b'a', ..] => FileType::Gif,
            [b'R', b'I', b'F', b'F', _, _, _, _, b'W', b'E', b'B', b'P', ..] => FileType::Webp,
            [b'%', b'P', b'D', b'F', b'-', ..] => FileType::Pdf,
            _ if std::str::from_utf8(bytes).is_ok_and(|text| !text.contains('\0')) => FileType::Text,
            _ => return None,
        };
        Some(Self { file_type, file_name: safe_name(offered_name, file_type) })
    }

    pub fn media_type(&self) -> &'static str {
        match self.file_type {
            FileType::Jpeg => "image/jpeg",
            FileType::Png => "image/png",
            FileType::Gif => "image/gif",
            FileType::Webp => "image/webp",
            FileType::Pdf => "application/pdf",
            FileType::Text => "text/plain; charset=utf-8",
        }
    }

    pub fn extension(&self) -> &'static str {
        extension(self.file_type)
    }

    pub fn is_image(&self) -> bool {
        matches!(self.file_type, FileType::Jpeg | FileType::Png | FileType::Gif | FileType::Webp)
    }

    pub fn file_name(&self) -> &str {
        &self.file_name
    }
}

fn extension(file_type: FileType) -> &'static str {
    match file_type {
        FileType::Jpeg => "jpg",
        FileType::Png => "png",
        FileType::Gif => "gif",
        FileType::Webp => "webp",
        FileType::Pdf => "pdf",
        FileType::Text => "txt",
    }
}

fn safe_name(offered: &str, file_type: FileType) -> String {
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
    format!("{stem}.{}", extension(file_type))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_come_from_content_not_names() {
        let png = StoredFile::recognise(b"\x89PNG\r\n\x1a\n....", "photo.pdf").expect("a PNG");
        assert_eq!(png.media_type(), "image/png");
        assert_eq!(png.file_name(), "photo.png");
        assert!(png.is_image());
        let text = StoredFile::recognise("relevé: 12 °C".as_bytes(), "test_upload.txt").expect("text");
        assert_eq!(text.media_type(), "text/plain; charset=utf-8");
        assert!(StoredFile::recognise(b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\xff\xff", "setup.jpg").is_none());
        assert!(StoredFile::recognise(b"text\0with nul", "a.txt").is_none());
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
