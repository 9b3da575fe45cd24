//! Words with their boxes, from either source, grouped into visual lines.
//!
//! Poppler's `pdftotext -tsv` and Tesseract's TSV renderer write the same
//! columns (level, page, paragraph, block, line, word, left, top, width,
//! height, confidence, text), so one parser reads both.

use serde::Serialize;

/// A rectangle in points (1/72 inch) from the page's top-left corner.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, utoipa::ToSchema)]
pub struct BoundingBox {
    pub x: f32,
    pub y: f32,
    pub width: f32,
    pub height: f32,
}

impl BoundingBox {
    fn right(&self) -> f32 {
        self.x + self.width
    }

    fn bottom(&self) -> f32 {
        self.y + self.height
    }

    pub fn union(&self, other: &BoundingBox) -> BoundingBox {
        let x = self.x.min(other.x);
        let y = self.y.min(other.y);
        BoundingBox { x, y, width: self.right().max(other.right()) - x, height: self.bottom().max(other.bottom()) - y }
    }

    fn vertical_centre(&self) -> f32 {
        self.y + self.height / 2.0
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Word {
    pub text: String,
    pub bbox: BoundingBox,
    /// 0..=1; text-layer words are certain.
    pub confidence: f32,
    /// The tool's own line (block, paragraph, line), which follows a skewed line.
    pub tool_line: (u32, u32, u32),
}

/// Words of one page from a TSV export; `scale` converts its units to
/// points (1 for Poppler, 72/dpi for Tesseract).
pub fn parse_tsv(tsv: &str, page: usize, scale: f32) -> Vec<Word> {
    tsv.lines()
        .filter_map(|row| {
            let columns: Vec<&str> = row.split('\t').collect();
            if columns.len() < 12 || columns[0] != "5" || columns[1].parse::<usize>().ok()? != page {
                return None;
            }
            let number = |index: usize| columns[index].trim().parse::<f32>().ok();
            let text = columns[11..].join("\t").trim().to_owned();
            if text.is_empty() {
                return None;
            }
            Some(Word {
                text,
                bbox: BoundingBox {
                    x: number(6)? * scale,
                    y: number(7)? * scale,
                    width: number(8)? * scale,
                    height: number(9)? * scale,
                },
                confidence: (number(10)? / 100.0).clamp(0.0, 1.0),
                tool_line: (columns[3].parse().ok()?, columns[2].parse().ok()?, columns[4].parse().ok()?),
            })
        })
        .collect()
}

/// Straightens the boxes of a page scanned at an angle, so that a table
/// row's label and amount, far apart, still share a line. The angle is the
/// median slope of the tool's own lines that span some width.
pub fn deskew(words: &mut [Word]) {
    let mut lines: std::collections::BTreeMap<(u32, u32, u32), Vec<&Word>> = std::collections::BTreeMap::new();
    for word in words.iter() {
        lines.entry(word.tool_line).or_default().push(word);
    }
    let mut slopes: Vec<f32> = lines
        .values()
        .filter_map(|line| {
            let first = line.iter().min_by(|a, b| a.bbox.x.total_cmp(&b.bbox.x))?;
            let last = line.iter().max_by(|a, b| a.bbox.x.total_cmp(&b.bbox.x))?;
            let run = last.bbox.x - first.bbox.x;
            (line.len() >= 3 && run > first.bbox.height * 8.0).then(|| (last.bbox.bottom() - first.bbox.bottom()) / run)
        })
        .collect();
    if slopes.len() < 3 {
        return;
    }
    slopes.sort_by(f32::total_cmp);
    let slope = slopes[slopes.len() / 2];
    if slope.abs() < 0.002 {
        return;
    }
    for word in words {
        word.bbox.y -= slope * word.bbox.x;
    }
}

/// The pages numbers a Poppler TSV export lists, with or without words.
pub fn tsv_page_count(tsv: &str) -> usize {
    tsv.lines()
        .filter(|row| row.starts_with("1\t"))
        .filter_map(|row| row.split('\t').nth(1)?.parse::<usize>().ok())
        .max()
        .unwrap_or(0)
}

/// A page's width and height in points, as a Poppler TSV export gives them.
pub fn tsv_page_size(tsv: &str, page: usize) -> Option<(f32, f32)> {
    tsv.lines().find_map(|row| {
        let columns: Vec<&str> = row.split('\t').collect();
        if columns.len() < 10 || columns[0] != "1" || columns[1].parse::<usize>().ok()? != page {
            return None;
        }
        Some((columns[8].trim().parse().ok()?, columns[9].trim().parse().ok()?))
    })
}

/// Words that sit on the same visual line, left to right.
#[derive(Debug, Clone)]
pub struct Line {
    pub words: Vec<Word>,
}

impl Line {
    pub fn text(&self) -> String {
        self.words.iter().map(|word| word.text.as_str()).collect::<Vec<_>>().join(" ")
    }

    pub fn bbox(&self) -> BoundingBox {
        self.words.iter().skip(1).fold(self.words[0].bbox, |acc, word| acc.union(&word.bbox))
    }

    pub fn confidence(&self) -> f32 {
        self.words.iter().map(|word| word.confidence).fold(1.0, f32::min)
    }
}

/// Groups words whose vertical centres fall within half a word height of a
/// line's, so a table row split into columns reads as one line, as it does
/// for a person, whichever tool produced the words.
pub fn group_lines(mut words: Vec<Word>) -> Vec<Line> {
    words.sort_by(|a, b| a.bbox.vertical_centre().total_cmp(&b.bbox.vertical_centre()));
    let mut lines: Vec<Line> = Vec::new();
    for word in words {
        let centre = word.bbox.vertical_centre();
        match lines.last_mut() {
            Some(line) if (line_centre(line) - centre).abs() <= word.bbox.height.max(4.0) * 0.6 => {
                line.words.push(word)
            }
            _ => lines.push(Line { words: vec![word] }),
        }
    }
    for line in &mut lines {
        line.words.sort_by(|a, b| a.bbox.x.total_cmp(&b.bbox.x));
    }
    lines
}

fn line_centre(line: &Line) -> f32 {
    line.words.iter().map(|word| word.bbox.vertical_centre()).sum::<f32>() / line.words.len() as f32
}

#[cfg(test)]
mod tests {
    use super::*;

    const TSV: &str = "level\tpage_num\tpar_num\tblock_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext
1\t1\t0\t0\t0\t0\t0\t0\t595\t842\t-1\t###PAGE###
5\t1\t0\t0\t0\t0\t300.0\t100.0\t40.0\t10.0\t100\t12,50
5\t1\t0\t1\t0\t0\t50.0\t101.0\t60.0\t10.0\t100\tAbonnement
5\t1\t0\t2\t0\t0\t50.0\t130.0\t60.0\t10.0\t96\tTotal
1\t2\t0\t0\t0\t0\t0\t0\t595\t842\t-1\t###PAGE###
";

    #[test]
    fn words_of_a_row_split_in_blocks_make_one_line() {
        let words = parse_tsv(TSV, 1, 1.0);
        assert_eq!(words.len(), 3);
        let lines = group_lines(words);
        assert_eq!(lines.iter().map(Line::text).collect::<Vec<_>>(), ["Abonnement 12,50", "Total"]);
        assert!((lines[1].confidence() - 0.96).abs() < 1e-6);
        assert_eq!(tsv_page_count(TSV), 2);
        assert_eq!(tsv_page_size(TSV, 2), Some((595.0, 842.0)));
        assert_eq!(tsv_page_size(TSV, 3), None);
    }

    #[test]
    fn ocr_pixels_are_scaled_to_points() {
        let words = parse_tsv(TSV, 1, 0.24);
        assert!((words[0].bbox.x - 72.0).abs() < 1e-4);
    }
}
