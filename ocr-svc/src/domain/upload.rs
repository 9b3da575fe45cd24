//! What an uploaded file really is, told by its first bytes, not its name.

/// The formats the service reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FileKind {
    Pdf,
    Jpeg,
    Png,
    Bmp,
    Tiff,
}

impl FileKind {
    pub fn sniff(bytes: &[u8]) -> Option<Self> {
        // A PDF may have a few bytes of garbage before its header; readers accept 1 KiB.
        let head = &bytes[..bytes.len().min(1024)];
        if head.windows(5).any(|window| window == b"%PDF-") {
            return Some(FileKind::Pdf);
        }
        match bytes {
            [0xff, 0xd8, 0xff, ..] => Some(FileKind::Jpeg),
            [0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a, ..] => Some(FileKind::Png),
            [b'B', b'M', ..] if bytes.len() > 26 => Some(FileKind::Bmp),
            [b'I', b'I', 0x2a, 0x00, ..] | [b'M', b'M', 0x00, 0x2a, ..] => Some(FileKind::Tiff),
            _ => None,
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            FileKind::Pdf => "pdf",
            FileKind::Jpeg => "jpg",
            FileKind::Png => "png",
            FileKind::Bmp => "bmp",
            FileKind::Tiff => "tif",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            FileKind::Pdf => "application/pdf",
            FileKind::Jpeg => "image/jpeg",
            FileKind::Png => "image/png",
            FileKind::Bmp => "image/bmp",
            FileKind::Tiff => "image/tiff",
        }
    }

    /// Whether a file name's extension is one the seed accepted for this kind.
    pub fn name_agrees(self, file_name: &str) -> bool {
        let extension = file_name.rsplit_once('.').map(|(_, extension)| extension.to_ascii_lowercase());
        let allowed: &[&str] = match self {
            FileKind::Pdf => &["pdf"],
            FileKind::Jpeg => &["jpg", "jpeg"],
            FileKind::Png => &["png"],
            FileKind::Bmp => &["bmp"],
            FileKind::Tiff => &["tif", "tiff"],
        };
        extension.is_some_and(|extension| allowed.contains(&extension.as_str()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_are_told_by_content() {
        assert_eq!(FileKind::sniff(b"%PDF-1.7\n..."), Some(FileKind::Pdf));
        assert_eq!(FileKind::sniff(&[0xff, 0xd8, 0xff, 0xe0]), Some(FileKind::Jpeg));
        assert_eq!(FileKind::sniff(b"MZ\x90\x00"), None);
        assert_eq!(FileKind::sniff(b""), None);
    }

    #[test]
    fn names_must_agree_with_content() {
        assert!(FileKind::Jpeg.name_agrees("scan.JPEG"));
        assert!(!FileKind::Png.name_agrees("scan.jpg"));
        assert!(!FileKind::Pdf.name_agrees("facture"));
    }
}
