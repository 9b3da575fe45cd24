//! The two standard Type 1 fonts the reports use (Helvetica and
//! Helvetica-Bold, which every PDF reader has), addressed through
//! WinAnsiEncoding so French text (é, à, ç, €, «, ») needs no embedded font.
//!
//! Advance widths are the fonts' published metrics (Adobe Core14 AFM files,
//! in thousandths of the font size), for printable ASCII; accented letters
//! take their base letter's width, as they do in the AFM files.

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

    pub(crate) fn base_font(self) -> &'static str {
        match self {
            Font::Regular => "Helvetica",
            Font::Bold => "Helvetica-Bold",
        }
    }

    /// Width of `text` set in this font at `size` points.
    pub fn width(self, text: &str, size: f32) -> f32 {
        let table = match self {
            Font::Regular => &HELVETICA,
            Font::Bold => &HELVETICA_BOLD,
        };
        let units: u32 = text.chars().map(|c| u32::from(advance(table, c))).sum();
        units as f32 * size / 1000.0
    }
}

/// Widths of characters 32..=126.
const HELVETICA: [u16; 95] = [
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, // space../
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556, // 0..?
    1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778, // @..O
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556, // P.._
    333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556, // `..o
    556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584, // p..~
];

const HELVETICA_BOLD: [u16; 95] = [
    278, 333, 474, 556, 556, 889, 722, 238, 333, 333, 389, 584, 278, 333, 278, 278, // space../
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 333, 333, 584, 584, 584, 611, // 0..?
    975, 722, 722, 722, 722, 667, 611, 778, 722, 278, 556, 722, 611, 833, 722, 778, // @..O
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 333, 278, 333, 584, 556, // P.._
    333, 556, 611, 556, 611, 556, 333, 611, 611, 278, 278, 556, 278, 889, 611, 611, // `..o
    611, 611, 389, 556, 333, 611, 556, 778, 556, 556, 500, 389, 280, 389, 584, // p..~
];

fn advance(table: &[u16; 95], c: char) -> u16 {
    let ascii = match c {
        ' '..='~' => c,
        '€' | '«' | '»' => return 556,
        '°' => return 400,
        '²' | '³' => return 333,
        '\u{a0}' | '\u{202f}' => ' ',
        '–' => return 556,
        '—' => return 1000,
        '’' | '‘' => return 222,
        'î' | 'ï' | 'í' | 'ì' => return 278,
        other => base_letter(other).unwrap_or('?'),
    };
    table[ascii as usize - 32]
}

fn base_letter(c: char) -> Option<char> {
    Some(match c {
        'à' | 'á' | 'â' | 'ä' | 'ã' | 'å' => 'a',
        'À' | 'Á' | 'Â' | 'Ä' | 'Ã' | 'Å' => 'A',
        'é' | 'è' | 'ê' | 'ë' => 'e',
        'É' | 'È' | 'Ê' | 'Ë' => 'E',
        'Î' | 'Ï' | 'Í' | 'Ì' => 'I',
        'ô' | 'ö' | 'ó' | 'ò' | 'õ' => 'o',
        'Ô' | 'Ö' | 'Ó' | 'Ò' | 'Õ' => 'O',
        'ù' | 'û' | 'ü' | 'ú' => 'u',
        'Ù' | 'Û' | 'Ü' | 'Ú' => 'U',
        'ç' => 'c',
        'Ç' => 'C',
        'ñ' => 'n',
        'Ñ' => 'N',
        'ÿ' => 'y',
        _ => return None,
    })
}

/// `text` in WinAnsiEncoding (Windows-1252); what it cannot hold becomes `?`.
pub fn win_ansi(text: &str) -> Vec<u8> {
    text.chars()
        .map(|c| match c {
            ' '..='~' => c as u8,
            '\u{a0}'..='ÿ' => c as u32 as u8,
            '\u{202f}' => 0xa0,
            '€' => 0x80,
            '‘' => 0x91,
            '’' => 0x92,
            '“' => 0x93,
            '”' => 0x94,
            '•' => 0x95,
            '–' => 0x96,
            '—' => 0x97,
            'Œ' => 0x8c,
            'œ' => 0x9c,
            _ => b'?',
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn french_text_is_encoded_in_win_ansi() {
        assert_eq!(win_ansi("é à ç €"), vec![0xe9, b' ', 0xe0, b' ', 0xe7, b' ', 0x80]);
        assert_eq!(win_ansi("日"), vec![b'?']);
    }

    #[test]
    fn widths_follow_the_font_metrics() {
        assert!((Font::Regular.width("Hello", 10.0) - 22.78).abs() < 0.01);
        assert_eq!(Font::Regular.width("é", 10.0), Font::Regular.width("e", 10.0));
        assert!(Font::Bold.width("Total", 10.0) > Font::Regular.width("Total", 10.0));
    }
}
