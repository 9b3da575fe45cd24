//! What an uploaded file really is, told by its first bytes, not its name.

use common::file_type::FileType;

/// The formats the seed accepted, and the service reads.
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
        match FileType::sniff(bytes)? {
            FileType::Pdf => Some(FileKind::Pdf),
            FileType::Jpeg => Some(FileKind::Jpeg),
            FileType::Png => Some(FileKind::Png),
            FileType::Bmp => Some(FileKind::Bmp),
            FileType::Tiff => Some(FileKind::Tiff),
            FileType::Gif | FileType::Webp => None,
        }
    }

    fn file_type(self) -> FileType {
        match self {
            FileKind::Pdf => FileType::Pdf,
            FileKind::Jpeg => FileType::Jpeg,
            FileKind::Png => FileType::Png,
            FileKind::Bmp => FileType::Bmp,
            FileKind::Tiff => FileType::Tiff,
        }
    }

    pub fn extension(self) -> &'static str {
        self.file_type().extension()
    }

    pub fn content_type(self) -> &'static str {
        self.file_type().media_type()
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
    fn only_the_seeds_formats_are_read() {
        assert_eq!(FileKind::sniff(b"%PDF-1.7\n..."), Some(FileKind::Pdf));
        assert_eq!(FileKind::sniff(&[0xff, 0xd8, 0xff, 0xe0]), Some(FileKind::Jpeg));
        assert_eq!(FileKind::sniff(b"GIF89a"), None);
        assert_eq!(FileKind::sniff(b"MZ\x90\x00"), None);
        assert_eq!(FileKind::Tiff.extension(), "tif");
    }

    #[test]
    fn names_must_agree_with_content() {
        assert!(FileKind::Jpeg.name_agrees("scan.JPEG"));
        assert!(!FileKind::Png.name_agrees("scan.jpg"));
        assert!(!FileKind::Pdf.name_agrees("facture"));
    }
}
