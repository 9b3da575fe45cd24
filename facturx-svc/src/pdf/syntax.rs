//! PDF object syntax (ISO 32000-1 §7.2–7.3): one object parsed from the
//! bytes where the cross-reference says it starts, so that a reader only
//! parses the objects it asks for.

use std::cell::{Cell, OnceCell};

use lopdf::{Dictionary, Object, ObjectId, Stream, StringFormat};

use super::decode;

/// How deep arrays and dictionaries may nest: invoices' PDFs nest a few
/// levels, and a hostile file must not exhaust the stack.
const MAX_NESTING: usize = 64;

#[derive(Debug, thiserror::Error)]
#[error("{what} at byte {at}")]
pub struct SyntaxError {
    pub what: &'static str,
    pub at: usize,
}

pub fn is_whitespace(byte: u8) -> bool {
    matches!(byte, b'\0' | b'\t' | b'\n' | b'\x0c' | b'\r' | b' ')
}

fn is_delimiter(byte: u8) -> bool {
    matches!(byte, b'(' | b')' | b'<' | b'>' | b'[' | b']' | b'{' | b'}' | b'/' | b'%')
}

fn is_regular(byte: u8) -> bool {
    !is_whitespace(byte) && !is_delimiter(byte)
}

/// The file's bytes and what reading them may still cost. A hostile file
/// can make thousands of streams run over the same bytes, hold thousands
/// of small deflate bombs, or make thousands of objects start strings that
/// close only at its end: the stream data copied and inflated share one
/// allowance, and the bytes parsed another, each a few times the file's
/// size, which an honest file does not come near.
pub struct Source<'a> {
    pub bytes: &'a [u8],
    allowance: Cell<u64>,
    parsing: Cell<u64>,
    endstreams: OnceCell<Vec<usize>>,
}

impl<'a> Source<'a> {
    pub const SPENT: &'static str = "more parsing than the file's size allows";

    pub fn new(bytes: &'a [u8]) -> Self {
        let allowance = decode::MAX_DECODED_BYTES + 4 * bytes.len() as u64;
        let parsing = decode::MAX_DECODED_BYTES + 16 * bytes.len() as u64;
        Self { bytes, allowance: Cell::new(allowance), parsing: Cell::new(parsing), endstreams: OnceCell::new() }
    }

    /// Runs a parse that starts at `at`, charged for the bytes it walked
    /// over (to where it ended or failed); none starts once all are spent.
    pub fn charged<T>(
        &self,
        at: usize,
        parse: impl FnOnce() -> Result<(T, usize), SyntaxError>,
    ) -> Result<T, SyntaxError> {
        if self.parsing.get() == 0 {
            return Err(SyntaxError { what: Self::SPENT, at });
        }
        let outcome = parse();
        let end = match &outcome {
            Ok((_, end)) => *end,
            Err(error) => error.at,
        };
        self.parsing.set(self.parsing.get().saturating_sub(end.saturating_sub(at) as u64));
        outcome.map(|(value, _)| value)
    }

    fn spend(&self, bytes: usize) -> bool {
        let left = self.allowance.get();
        let fits = bytes as u64 <= left;
        if fits {
            self.allowance.set(left - bytes as u64);
        }
        fits
    }

    /// The stream's data with its filters undone, within the allowance.
    /// Every byte the filters produced is charged, whether or not the
    /// stream decoded: failing bombs cost as much work as fitting ones.
    pub fn decode(&self, stream: &Stream) -> Option<Vec<u8>> {
        let left = self.allowance.get();
        let outcome = decode::stream_data(stream, left.min(decode::MAX_DECODED_BYTES));
        let produced = match &outcome {
            Ok((_, produced)) => *produced,
            Err(undecodable) => undecodable.produced,
        };
        self.allowance.set(left.saturating_sub(produced));
        outcome.ok().filter(|_| produced <= left).map(|(data, _)| data)
    }

    /// Where the first `endstream` at or after `at` starts. All are found
    /// in one pass, so that many streams without a usable length do not
    /// each search the rest of the file.
    fn endstream_after(&self, at: usize) -> Option<usize> {
        let all = self.endstreams.get_or_init(|| {
            let mut all = Vec::new();
            let mut from = 0;
            while let Some(found) = find(&self.bytes[from..], b"endstream") {
                all.push(from + found);
                from += found + 9;
            }
            all
        });
        all.get(all.partition_point(|position| *position < at)).copied()
    }
}

pub struct Parser<'a> {
    bytes: &'a [u8],
    pub at: usize,
}

impl<'a> Parser<'a> {
    pub fn new(bytes: &'a [u8], at: usize) -> Self {
        Self { bytes, at: at.min(bytes.len()) }
    }

    fn error(&self, what: &'static str) -> SyntaxError {
        SyntaxError { what, at: self.at }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    pub fn rest(&self) -> &'a [u8] {
        &self.bytes[self.at..]
    }

    pub fn skip_space(&mut self) {
        while let Some(byte) = self.peek() {
            if is_whitespace(byte) {
                self.at += 1;
            } else if byte == b'%' {
                while self.peek().is_some_and(|byte| byte != b'\n' && byte != b'\r') {
                    self.at += 1;
                }
            } else {
                break;
            }
        }
    }

    /// The run of regular characters at the cursor (a keyword or a number).
    pub fn token(&mut self) -> &'a [u8] {
        self.skip_space();
        let start = self.at;
        while self.peek().is_some_and(is_regular) {
            self.at += 1;
        }
        &self.bytes[start..self.at]
    }

    pub fn keyword(&mut self, keyword: &[u8]) -> Result<(), SyntaxError> {
        if self.token() == keyword { Ok(()) } else { Err(self.error("unexpected keyword")) }
    }

    pub fn unsigned(&mut self) -> Result<u64, SyntaxError> {
        let token = self.token();
        if token.is_empty() || token.len() > 19 || !token.iter().all(u8::is_ascii_digit) {
            return Err(self.error("expected an unsigned integer"));
        }
        Ok(token.iter().fold(0, |value, digit| value * 10 + u64::from(digit - b'0')))
    }

    pub fn object(&mut self) -> Result<Object, SyntaxError> {
        self.nested_object(0)
    }

    fn nested_object(&mut self, depth: usize) -> Result<Object, SyntaxError> {
        if depth > MAX_NESTING {
            return Err(self.error("arrays or dictionaries nested too deep"));
        }
        self.skip_space();
        match self.peek().ok_or_else(|| self.error("unexpected end of data"))? {
            b'/' => {
                self.at += 1;
                Ok(Object::Name(self.name()))
            }
            b'(' => {
                self.at += 1;
                self.literal_string().map(|bytes| Object::String(bytes, StringFormat::Literal))
            }
            b'<' if self.bytes.get(self.at + 1) == Some(&b'<') => {
                self.at += 2;
                self.dictionary(depth).map(Object::Dictionary)
            }
            b'<' => {
                self.at += 1;
                self.hex_string().map(|bytes| Object::String(bytes, StringFormat::Hexadecimal))
            }
            b'[' => {
                self.at += 1;
                let mut items = Vec::new();
                loop {
                    self.skip_space();
                    if self.peek() == Some(b']') {
                        self.at += 1;
                        return Ok(Object::Array(items));
                    }
                    items.push(self.nested_object(depth + 1)?);
                }
            }
            _ => self.number_or_keyword(),
        }
    }

    fn dictionary(&mut self, depth: usize) -> Result<Dictionary, SyntaxError> {
        let mut dictionary = Dictionary::new();
        loop {
            self.skip_space();
            match self.peek() {
                Some(b'>') if self.bytes.get(self.at + 1) == Some(&b'>') => {
                    self.at += 2;
                    return Ok(dictionary);
                }
                Some(b'/') => {
                    self.at += 1;
                    let key = self.name();
                    let value = self.nested_object(depth + 1)?;
                    dictionary.set(key, value);
                }
                _ => return Err(self.error("a dictionary key must be a name")),
            }
        }
    }

    fn name(&mut self) -> Vec<u8> {
        let mut name = Vec::new();
        while let Some(byte) = self.peek().filter(|byte| is_regular(*byte)) {
            self.at += 1;
            let escaped = (byte == b'#')
                .then(|| self.bytes.get(self.at..self.at + 2))
                .flatten()
                .and_then(|digits| std::str::from_utf8(digits).ok())
                .and_then(|digits| u8::from_str_radix(digits, 16).ok());
            match escaped {
                Some(decoded) => {
                    name.push(decoded);
                    self.at += 2;
                }
                None => name.push(byte),
            }
        }
        name
    }

    fn literal_string(&mut self) -> Result<Vec<u8>, SyntaxError> {
        let mut bytes = Vec::new();
        let mut open = 1usize;
        loop {
            let byte = self.peek().ok_or_else(|| self.error("unterminated string"))?;
            self.at += 1;
            match byte {
                b'(' => {
                    open += 1;
                    bytes.push(byte);
                }
                b')' => {
                    open -= 1;
                    if open == 0 {
                        return Ok(bytes);
                    }
                    bytes.push(byte);
                }
                b'\r' => {
                    // An end of line in a string reads as a line feed.
                    if self.peek() == Some(b'\n') {
                        self.at += 1;
                    }
                    bytes.push(b'\n');
                }
                b'\\' => self.escape(&mut bytes)?,
                _ => bytes.push(byte),
            }
        }
    }

    fn escape(&mut self, bytes: &mut Vec<u8>) -> Result<(), SyntaxError> {
        let byte = self.peek().ok_or_else(|| self.error("unterminated string"))?;
        self.at += 1;
        match byte {
            b'n' => bytes.push(b'\n'),
            b'r' => bytes.push(b'\r'),
            b't' => bytes.push(b'\t'),
            b'b' => bytes.push(0x08),
            b'f' => bytes.push(0x0c),
            b'0'..=b'7' => {
                let mut value = u32::from(byte - b'0');
                for _ in 0..2 {
                    match self.peek() {
                        Some(digit @ b'0'..=b'7') => {
                            value = value * 8 + u32::from(digit - b'0');
                            self.at += 1;
                        }
                        _ => break,
                    }
                }
                bytes.push((value & 0xff) as u8);
            }
            // A backslash at the end of a line continues the string.
            b'\r' => {
                if self.peek() == Some(b'\n') {
                    self.at += 1;
                }
            }
            b'\n' => {}
            other => bytes.push(other),
        }
        Ok(())
    }

    fn hex_string(&mut self) -> Result<Vec<u8>, SyntaxError> {
        let mut bytes = Vec::new();
        let mut high: Option<u8> = None;
        loop {
            let byte = self.peek().ok_or_else(|| self.error("unterminated hexadecimal string"))?;
            self.at += 1;
            let nibble = match byte {
                b'>' => {
                    bytes.extend(high.map(|high| high << 4));
                    return Ok(bytes);
                }
                b'0'..=b'9' => byte - b'0',
                b'a'..=b'f' => byte - b'a' + 10,
                b'A'..=b'F' => byte - b'A' + 10,
                _ if is_whitespace(byte) => continue,
                _ => return Err(self.error("not a hexadecimal digit")),
            };
            match high.take() {
                Some(high) => bytes.push(high << 4 | nibble),
                None => high = Some(nibble),
            }
        }
    }

    fn number_or_keyword(&mut self) -> Result<Object, SyntaxError> {
        let start = self.at;
        let token = self.token();
        match token {
            b"true" => return Ok(Object::Boolean(true)),
            b"false" => return Ok(Object::Boolean(false)),
            b"null" => return Ok(Object::Null),
            _ => {}
        }
        let text = std::str::from_utf8(token).map_err(|_| self.error("unknown keyword"))?;
        if !text.starts_with(|first: char| first.is_ascii_digit() || "+-.".contains(first)) {
            self.at = start;
            return Err(self.error("unknown keyword"));
        }
        if let Ok(integer) = text.parse::<i64>() {
            if integer >= 0
                && !text.starts_with('+')
                && let Some(reference) = self.reference_after(integer)
            {
                return Ok(Object::Reference(reference));
            }
            return Ok(Object::Integer(integer));
        }
        text.parse::<f32>()
            .ok()
            .filter(|real| real.is_finite())
            .map(Object::Real)
            .ok_or_else(|| self.error("malformed number"))
    }

    /// `n g R` read after its `n`; the cursor stays put when it is not one.
    fn reference_after(&mut self, number: i64) -> Option<ObjectId> {
        let start = self.at;
        let reference = (|| {
            let number = u32::try_from(number).ok()?;
            let generation = u16::try_from(self.unsigned().ok()?).ok()?;
            (self.token() == b"R").then_some((number, generation))
        })();
        if reference.is_none() {
            self.at = start;
        }
        reference
    }
}

/// The number and the object of the indirect object at `at`, for a
/// stream its dictionary alone: what a scan of the file needs.
pub fn object_head<'a>(source: &Source<'a>, at: usize) -> Result<(ObjectId, Object, Parser<'a>), SyntaxError> {
    source.charged(at, || {
        let mut parser = Parser::new(source.bytes, at);
        let number = u32::try_from(parser.unsigned()?).map_err(|_| parser.error("object number out of range"))?;
        let generation = u16::try_from(parser.unsigned()?).map_err(|_| parser.error("generation out of range"))?;
        parser.keyword(b"obj")?;
        let object = parser.object()?;
        let end = parser.at;
        Ok((((number, generation), object, parser), end))
    })
}

/// An indirect object (`n g obj … endobj`) at `at`; a stream's data is
/// `Length` bytes long, the length read through `length_of` when it is
/// itself an indirect object, or runs up to `endstream` when the length
/// is missing or wrong.
pub fn indirect_object(
    source: &Source,
    at: usize,
    length_of: impl FnOnce(ObjectId) -> Option<i64>,
) -> Result<(ObjectId, Object), SyntaxError> {
    let bytes = source.bytes;
    let ((number, generation), object, mut parser) = object_head(source, at)?;
    let Object::Dictionary(dictionary) = object else { return Ok(((number, generation), object)) };
    if parser.token() != b"stream" {
        return Ok(((number, generation), Object::Dictionary(dictionary)));
    }
    match parser.peek() {
        Some(b'\r') if bytes.get(parser.at + 1) == Some(&b'\n') => parser.at += 2,
        Some(b'\r' | b'\n') => parser.at += 1,
        _ => {}
    }
    let start = parser.at;
    let declared = match dictionary.get(b"Length") {
        Ok(Object::Integer(length)) => Some(*length),
        Ok(Object::Reference(id)) => length_of(*id),
        _ => None,
    };
    let declared_end = declared
        .and_then(|length| usize::try_from(length).ok())
        .and_then(|length| start.checked_add(length))
        .filter(|end| {
            let mut after = Parser::new(bytes, *end);
            *end <= bytes.len() && after.token() == b"endstream"
        });
    let end = match declared_end {
        Some(end) => end,
        None => {
            let found = source.endstream_after(start).ok_or_else(|| parser.error("stream without endstream"))?;
            let data = &bytes[start..found];
            let trimmed = data.strip_suffix(b"\r\n").or_else(|| data.strip_suffix(b"\n")).unwrap_or(data);
            start + trimmed.strip_suffix(b"\r").unwrap_or(trimmed).len()
        }
    };
    if !source.spend(end - start) {
        return Err(parser.error("more stream data than the file holds"));
    }
    Ok(((number, generation), Object::Stream(Stream::new(dictionary, bytes[start..end].to_vec()))))
}

pub fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|window| window == needle)
}

pub fn rfind(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).rposition(|window| window == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Object {
        Parser::new(text.as_bytes(), 0).object().expect("parses")
    }

    #[test]
    fn streams_that_fail_to_decode_spend_the_allowance_too() {
        use std::io::Write as _;
        let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
        encoder.write_all(&vec![0u8; 40 << 20]).expect("in memory");
        let mut dictionary = Dictionary::new();
        dictionary.set("Filter", Object::Name(b"FlateDecode".to_vec()));
        let bomb = Stream::new(dictionary, encoder.finish().expect("in memory"));
        let file = vec![b' '; 1_000];
        let source = Source::new(&file);
        assert_eq!(source.decode(&bomb).map(|data| data.len()), Some(40 << 20), "the first fits");
        assert_eq!(source.decode(&bomb), None, "the second is past the 64 MiB left");
        assert_eq!(source.allowance.get(), 0, "what it inflated before failing was charged");
    }

    #[test]
    fn objects_of_every_kind_parse() {
        let Object::Dictionary(dictionary) = parse(
            "<</Type/Catalog /Kids [1 0 R 2 0 R] /N -3 /R .5 /S (a\\(b\\)\\101\\\n c) /H <4142 4> /B true /Z null \
             /Odd#20Name 7 /Nested <</A [[1]]>>>>",
        ) else {
            panic!("a dictionary")
        };
        assert_eq!(dictionary.get(b"Type").and_then(Object::as_name).ok(), Some(b"Catalog".as_slice()));
        assert_eq!(
            dictionary.get(b"Kids").and_then(Object::as_array).ok(),
            Some(&vec![Object::Reference((1, 0)), Object::Reference((2, 0))])
        );
        assert_eq!(dictionary.get(b"N").ok(), Some(&Object::Integer(-3)));
        assert_eq!(dictionary.get(b"R").ok(), Some(&Object::Real(0.5)));
        assert_eq!(dictionary.get(b"S").ok(), Some(&Object::String(b"a(b)A c".to_vec(), StringFormat::Literal)));
        assert_eq!(dictionary.get(b"H").ok(), Some(&Object::String(b"AB@".to_vec(), StringFormat::Hexadecimal)));
        assert_eq!(dictionary.get(b"B").ok(), Some(&Object::Boolean(true)));
        assert_eq!(dictionary.get(b"Z").ok(), Some(&Object::Null));
        assert_eq!(dictionary.get(b"Odd Name").ok(), Some(&Object::Integer(7)));
        assert!(dictionary.get(b"Nested").is_ok());
    }

    #[test]
    fn two_integers_are_not_a_reference_without_r() {
        assert_eq!(parse("[1 2 3]"), Object::Array(vec![Object::Integer(1), Object::Integer(2), Object::Integer(3)]));
    }

    #[test]
    fn malformed_and_hostile_input_is_an_error() {
        for text in ["<</A (unterminated", "<</A <zz>>>", "[1 2", "<<1 2>>", "bogus", &"[".repeat(10_000)] {
            assert!(Parser::new(text.as_bytes(), 0).object().is_err(), "{text:.20}");
        }
    }

    #[test]
    fn stream_data_follows_length_or_runs_to_endstream() {
        let exact = b"4 0 obj\n<</Length 5>>stream\r\nhello\nendstream\nendobj";
        let (id, Object::Stream(stream)) = indirect_object(&Source::new(exact), 0, |_| None).expect("parses") else {
            panic!("a stream")
        };
        assert_eq!((id, stream.content.as_slice()), ((4, 0), b"hello".as_slice()));
        let wrong_length = b"4 0 obj <</Length 9 0 R>>stream\nhello world\nendstream endobj";
        let (_, Object::Stream(stream)) = indirect_object(&Source::new(wrong_length), 0, |_| Some(3)).expect("parses")
        else {
            panic!("a stream")
        };
        assert_eq!(stream.content, b"hello world");
    }
}
