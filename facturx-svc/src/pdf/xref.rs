//! The cross-reference (ISO 32000-1 §7.5.4–7.5.8): where each object
//! lives, read from the tables and streams the trailer chain names, or
//! rebuilt by scanning the file when they are broken.

use std::collections::{HashMap, HashSet};

use lopdf::{Dictionary, Object, Stream};

use super::syntax::{Parser, Source, SyntaxError, find, indirect_object, is_whitespace, object_head, rfind};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Location {
    InFile { offset: usize },
    InStream { container: u32, index: usize },
}

pub struct CrossReference {
    pub locations: HashMap<u32, Location>,
    /// The newest trailer (for a cross-reference stream, its dictionary).
    pub trailer: Dictionary,
    /// Rebuilt by scanning: the file's own cross-reference is broken.
    pub rebuilt: bool,
}

/// More sections than any real file chains: the rest is taken as a loop.
const MAX_SECTIONS: usize = 4096;

fn broken(what: &'static str, at: usize) -> SyntaxError {
    SyntaxError { what, at }
}

impl CrossReference {
    /// The source's bytes start at the `%PDF-` header, where offsets count from.
    pub fn read(source: &Source) -> Self {
        match Self::from_sections(source) {
            Ok(xref) if xref.trailer.get(b"Root").is_ok() => xref,
            _ => Self::rebuild(source),
        }
    }

    fn from_sections(source: &Source) -> Result<Self, SyntaxError> {
        let bytes = source.bytes;
        let start = last_startxref(bytes).ok_or_else(|| broken("no startxref", bytes.len()))?;
        let mut locations = HashMap::new();
        let mut trailer = None;
        let mut seen = HashSet::new();
        let mut next = Some(start);
        while let Some(offset) = next.filter(|offset| seen.len() < MAX_SECTIONS && seen.insert(*offset)) {
            let (entries, section_trailer) = section(source, offset)?;
            // Newer sections come first and win.
            for (number, location) in entries {
                locations.entry(number).or_insert(location);
            }
            if let Some(hybrid) = offset_entry(&section_trailer, b"XRefStm") {
                for (number, location) in section(source, hybrid)?.0 {
                    locations.entry(number).or_insert(location);
                }
            }
            next = offset_entry(&section_trailer, b"Prev");
            trailer.get_or_insert(section_trailer);
        }
        Ok(Self { locations, trailer: trailer.unwrap_or_default(), rebuilt: false })
    }

    /// Every `n g obj` in the file, the last of a number winning as an
    /// update would, and the objects of the object streams found.
    fn rebuild(source: &Source) -> Self {
        let bytes = source.bytes;
        let mut locations = HashMap::new();
        let mut searched = 0;
        while let Some(found) = find(&bytes[searched..], b"obj") {
            let keyword = searched + found;
            searched = keyword + 3;
            if let Some((number, offset)) = object_header_before(bytes, keyword) {
                locations.insert(number, Location::InFile { offset });
            }
        }
        let mut trailer = trailers(source).find(|trailer| trailer.get(b"Root").is_ok());
        let mut in_streams = Vec::new();
        let mut offsets: Vec<(u32, usize)> = locations
            .iter()
            .filter_map(|(number, location)| match location {
                Location::InFile { offset } => Some((*number, *offset)),
                Location::InStream { .. } => None,
            })
            .collect();
        offsets.sort_by_key(|(_, offset)| *offset);
        for (number, offset) in offsets {
            // Dictionaries only: stream data is read for object streams alone.
            let Ok((_, Object::Dictionary(dictionary), _)) = object_head(source, offset) else { continue };
            match dictionary.get(b"Type").and_then(Object::as_name) {
                Ok(b"ObjStm") => {
                    if let Ok((_, Object::Stream(stream))) = indirect_object(source, offset, |_| None) {
                        let members =
                            ObjectStream::decode(source, &stream).map(|decoded| decoded.members).unwrap_or_default();
                        in_streams.extend(
                            members
                                .into_iter()
                                .enumerate()
                                .map(|(index, (member, _))| (member, Location::InStream { container: number, index })),
                        );
                    }
                }
                Ok(b"XRef") if dictionary.get(b"Root").is_ok() => trailer = Some(dictionary),
                Ok(b"Catalog") if trailer.is_none() => {
                    let mut made = Dictionary::new();
                    made.set("Root", Object::Reference((number, 0)));
                    trailer = Some(made);
                }
                _ => {}
            }
        }
        for (number, location) in in_streams {
            locations.entry(number).or_insert(location);
        }
        Self { locations, trailer: trailer.unwrap_or_default(), rebuilt: true }
    }
}

/// The offset `startxref` gives, near the end of the file.
pub fn last_startxref(bytes: &[u8]) -> Option<usize> {
    let tail_start = bytes.len().saturating_sub(4096);
    let at = rfind(&bytes[tail_start..], b"startxref")?;
    let offset = Parser::new(bytes, tail_start + at + 9).unsigned().ok()?;
    usize::try_from(offset).ok().filter(|offset| *offset < bytes.len())
}

fn offset_entry(dictionary: &Dictionary, key: &[u8]) -> Option<usize> {
    dictionary.get(key).and_then(Object::as_i64).ok().and_then(|offset| usize::try_from(offset).ok())
}

/// One cross-reference section at `offset`: a table with its trailer, or a stream.
/// A section's entries and its trailer (a stream's dictionary).
type Section = (Vec<(u32, Location)>, Dictionary);

fn section(source: &Source, offset: usize) -> Result<Section, SyntaxError> {
    let mut parser = Parser::new(source.bytes, offset);
    parser.skip_space();
    if parser.rest().starts_with(b"xref") {
        source.charged(parser.at, || table(parser))
    } else {
        let (_, object) = indirect_object(source, parser.at, |_| None)?;
        match object {
            Object::Stream(stream) => stream_section(source, stream),
            _ => Err(broken("no cross-reference at the offset given", offset)),
        }
    }
}

/// The table's entries and trailer, and where the trailer ends.
fn table(mut parser: Parser) -> Result<(Section, usize), SyntaxError> {
    parser.keyword(b"xref")?;
    let mut entries = Vec::new();
    loop {
        let before = parser.at;
        if parser.token() == b"trailer" {
            break;
        }
        parser.at = before;
        let first = parser.unsigned()?;
        let count = parser.unsigned()?;
        for number in first..first.saturating_add(count) {
            let offset = parser.unsigned()?;
            let _generation = parser.unsigned()?;
            match parser.token() {
                b"n" => {
                    let number = u32::try_from(number).map_err(|_| broken("object number out of range", parser.at))?;
                    let offset = usize::try_from(offset).map_err(|_| broken("offset out of range", parser.at))?;
                    entries.push((number, Location::InFile { offset }));
                }
                b"f" => {}
                _ => return Err(broken("a cross-reference entry is n or f", parser.at)),
            }
        }
    }
    match parser.object()? {
        Object::Dictionary(trailer) => Ok(((entries, trailer), parser.at)),
        _ => Err(broken("the trailer is not a dictionary", parser.at)),
    }
}

fn stream_section(source: &Source, stream: Stream) -> Result<Section, SyntaxError> {
    let invalid = |what| broken(what, 0);
    let data = source.decode(&stream).ok_or_else(|| invalid("undecodable cross-reference stream"))?;
    let widths: Vec<usize> = stream
        .dict
        .get(b"W")
        .and_then(Object::as_array)
        .map_err(|_| invalid("cross-reference stream without W"))?
        .iter()
        .map(|width| width.as_i64().ok().and_then(|width| usize::try_from(width).ok()).filter(|width| *width <= 8))
        .collect::<Option<_>>()
        .ok_or_else(|| invalid("cross-reference widths out of range"))?;
    let [type_width, second_width, _] = widths[..] else { return Err(invalid("W has three widths")) };
    let row = widths.iter().sum::<usize>();
    if row == 0 {
        return Err(invalid("W has three widths"));
    }
    let size = stream.dict.get(b"Size").and_then(Object::as_i64).unwrap_or(0);
    let index: Vec<i64> = match stream.dict.get(b"Index").and_then(Object::as_array) {
        Ok(index) => index.iter().filter_map(|number| number.as_i64().ok()).collect(),
        Err(_) => vec![0, size],
    };
    let mut rows = data.chunks_exact(row);
    let mut entries = Vec::new();
    for pair in index.chunks_exact(2) {
        let (Ok(first), Ok(count)) = (u32::try_from(pair[0]), u32::try_from(pair[1])) else { continue };
        for number in (first..first.saturating_add(count)).map_while(|number| rows.next().map(|row| (number, row))) {
            let (number, row) = number;
            let field = |from: usize, width: usize| {
                row[from..from + width].iter().fold(0u64, |value, byte| value << 8 | u64::from(*byte))
            };
            let kind = if type_width == 0 { 1 } else { field(0, type_width) };
            let second = usize::try_from(field(type_width, second_width)).unwrap_or(usize::MAX);
            let third = usize::try_from(field(type_width + second_width, widths[2])).unwrap_or(usize::MAX);
            match kind {
                1 => entries.push((number, Location::InFile { offset: second })),
                2 => {
                    if let Ok(container) = u32::try_from(second) {
                        entries.push((number, Location::InStream { container, index: third }));
                    }
                }
                _ => {}
            }
        }
    }
    Ok((entries, stream.dict))
}

/// The object number and the header's offset when `obj` at `keyword`
/// closes an `n g obj` header.
fn object_header_before(bytes: &[u8], keyword: usize) -> Option<(u32, usize)> {
    if bytes.get(keyword + 3).is_some_and(|byte| byte.is_ascii_alphanumeric()) {
        return None;
    }
    let skip_back = |mut at: usize, accept: fn(u8) -> bool| {
        let end = at;
        while at > 0 && accept(bytes[at - 1]) {
            at -= 1;
        }
        (at < end).then_some(at)
    };
    let generation = skip_back(skip_back(keyword, is_whitespace)?, |byte| byte.is_ascii_digit())?;
    let number_end = skip_back(generation, is_whitespace)?;
    let number_start = skip_back(number_end, |byte| byte.is_ascii_digit())?;
    if number_start > 0 && bytes[number_start - 1].is_ascii_alphanumeric() {
        return None;
    }
    let number = std::str::from_utf8(&bytes[number_start..number_end]).ok()?.parse().ok()?;
    Some((number, number_start))
}

/// The dictionaries after each `trailer` keyword, last first.
fn trailers<'s>(source: &'s Source) -> impl Iterator<Item = Dictionary> + 's {
    let mut end = source.bytes.len();
    std::iter::from_fn(move || {
        loop {
            let at = rfind(&source.bytes[..end], b"trailer")?;
            end = at;
            let parsed = source.charged(at + 7, || {
                let mut parser = Parser::new(source.bytes, at + 7);
                let object = parser.object()?;
                Ok((object, parser.at))
            });
            match parsed {
                Ok(Object::Dictionary(trailer)) => return Some(trailer),
                Err(error) if error.what == Source::SPENT => return None,
                _ => {}
            }
        }
    })
}

/// An object stream's decoded data and where each of its objects starts.
pub struct ObjectStream {
    data: Vec<u8>,
    members: Vec<(u32, usize)>,
}

impl ObjectStream {
    pub fn decode(source: &Source, stream: &Stream) -> Option<Self> {
        let count = stream.dict.get(b"N").and_then(Object::as_i64).ok()?;
        let first = usize::try_from(stream.dict.get(b"First").and_then(Object::as_i64).ok()?).ok()?;
        let data = source.decode(stream)?;
        let mut header = Parser::new(&data, 0);
        let mut members = Vec::new();
        for _ in 0..count.clamp(0, data.len() as i64) {
            let (Ok(number), Ok(offset)) = (header.unsigned(), header.unsigned()) else { break };
            let (Ok(number), Some(offset)) = (u32::try_from(number), usize::try_from(offset).ok()) else { break };
            members.push((number, first.saturating_add(offset)));
        }
        Some(Self { data, members })
    }

    /// Object `number`, which the cross-reference puts at `index`.
    pub fn object(&self, source: &Source, number: u32, index: usize) -> Option<Object> {
        let (_, offset) = self
            .members
            .get(index)
            .filter(|(member, _)| *member == number)
            .or_else(|| self.members.iter().find(|(member, _)| *member == number))?;
        source
            .charged(*offset, || {
                let mut parser = Parser::new(&self.data, *offset);
                let object = parser.object()?;
                Ok((object, parser.at))
            })
            .ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_broken_table_is_rebuilt_from_the_objects() {
        let file = b"%PDF-1.4\n1 0 obj <</Type/Catalog/Pages 2 0 R>> endobj\n2 0 obj <</Type/Pages/Count 0>> endobj\n\
            xref\n0 3\ngarbage\ntrailer <</Root 1 0 R/Size 3>>\nstartxref\n9999\n%%EOF";
        let xref = CrossReference::read(&Source::new(file));
        assert!(xref.rebuilt);
        assert_eq!(xref.trailer.get(b"Root").ok(), Some(&Object::Reference((1, 0))));
        let offset = find(file, b"2 0 obj").expect("present");
        assert_eq!(xref.locations.get(&2), Some(&Location::InFile { offset }));
    }

    #[test]
    fn a_cross_reference_loop_ends() {
        let file = b"%PDF-1.4\n1 0 obj <</Type/Catalog>> endobj\nxref\n0 2\n0000000000 65535 f \n0000000009 00000 n \n\
            trailer <</Root 1 0 R/Size 2/Prev 42>>\nstartxref\n42\n%%EOF";
        assert_eq!(&file[42..46], b"xref");
        let xref = CrossReference::read(&Source::new(file));
        assert!(!xref.rebuilt);
        assert_eq!(xref.locations.get(&1), Some(&Location::InFile { offset: 9 }));
    }
}
