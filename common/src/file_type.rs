//! What a file really is, told by its first bytes and never by its name. Every
//! service checks uploads with this one function, so that a file one service
//! takes for a PDF is a PDF for the others too.

/// The formats some service reads or keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileType {
    Pdf,
    Jpeg,
    Png,
    Gif,
    Webp,
    Bmp,
    Tiff,
}

impl FileType {
    pub fn sniff(bytes: &[u8]) -> Option<Self> {
        let by_signature = match bytes {
            [0xff, 0xd8, 0xff, ..] => Some(Self::Jpeg),
            [0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a, ..] => Some(Self::Png),
            [b'G', b'I', b'F', b'8', b'7' | b'9', b'a', ..] => Some(Self::Gif),
            [b'R', b'I', b'F', b'F', _, _, _, _, b'W', b'E', b'B', b'P', ..] => Some(Self::Webp),
            // A file header (14 bytes) and the smallest bitmap header (12).
            [b'B', b'M', ..] if bytes.len() > 26 => Some(Self::Bmp),
            [b'I', b'I', 0x2a, 0x00, ..] | [b'M', b'M', 0x00, 0x2a, ..] => Some(Self::Tiff),
            _ => None,
        };
        // An image's signature wins over a `%PDF-` in its first kilobyte.
        by_signature.or_else(|| pdf_header_offset(bytes).map(|_| Self::Pdf))
    }

    pub fn extension(self) -> &'static str {
        match self {
            Self::Pdf => "pdf",
            Self::Jpeg => "jpg",
            Self::Png => "png",
            Self::Gif => "gif",
            Self::Webp => "webp",
            Self::Bmp => "bmp",
            Self::Tiff => "tif",
        }
    }

    pub fn media_type(self) -> &'static str {
        match self {
            Self::Pdf => "application/pdf",
            Self::Jpeg => "image/jpeg",
            Self::Png => "image/png",
            Self::Gif => "image/gif",
            Self::Webp => "image/webp",
            Self::Bmp => "image/bmp",
            Self::Tiff => "image/tiff",
        }
    }
}

/// Where a PDF's `%PDF-` header starts: readers accept up to a kilobyte of
/// anything before it, and so do we.
pub fn pdf_header_offset(bytes: &[u8]) -> Option<usize> {
    bytes[..bytes.len().min(1024)].windows(5).position(|window| window == b"%PDF-")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_are_told_by_their_first_bytes() {
        let cases: [(&[u8], Option<FileType>); 11] = [
            (b"%PDF-1.7\n", Some(FileType::Pdf)),
            (b"\r\n\xef\xbb\xbfjunk%PDF-2.0\n", Some(FileType::Pdf)),
            (&[0xff, 0xd8, 0xff, 0xe0], Some(FileType::Jpeg)),
            (b"\x89PNG\r\n\x1a\n%PDF-1.7", Some(FileType::Png)),
            (b"GIF89a", Some(FileType::Gif)),
            (b"RIFF\x10\x00\x00\x00WEBPVP8 ", Some(FileType::Webp)),
            (b"II\x2a\x00\x08\x00", Some(FileType::Tiff)),
            (b"BM too short", None),
            (b"MZ\x90\x00\x03\x00", None),
            (b"%PDF", None),
            (b"", None),
        ];
        for (bytes, expected) in cases {
            assert_eq!(FileType::sniff(bytes), expected, "{:?}", String::from_utf8_lossy(bytes));
        }
        let mut bitmap = b"BM".to_vec();
        bitmap.resize(54, 0);
        assert_eq!(FileType::sniff(&bitmap), Some(FileType::Bmp));
    }

    #[test]
    fn a_pdf_header_is_looked_for_in_the_first_kilobyte_only() {
        let mut late = vec![b' '; 1019];
        late.extend_from_slice(b"%PDF-1.4");
        assert_eq!(pdf_header_offset(&late), Some(1019));
        late.insert(0, b' ');
        assert_eq!(pdf_header_offset(&late), None);
    }
}
