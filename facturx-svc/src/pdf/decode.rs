//! Stream data decoded with a ceiling: a few kilobytes of deflate can
//! inflate to gigabytes, and the object streams, cross-reference streams
//! and attachments a reader inflates come from untrusted uploads.

use std::io::Read as _;

use flate2::read::ZlibDecoder;
use lopdf::{Dictionary, Object, Stream};

/// What one stream may decode to: no invoice XML, XMP packet or object
/// stream comes near it.
pub const MAX_DECODED_BYTES: u64 = 64 * 1024 * 1024;

/// A stream that could not be decoded, and what trying it cost: the bytes
/// its filters produced before they failed or reached the ceiling, which
/// the caller charges as it would a success (a thousand streams that each
/// inflate to just past the ceiling cost as much work as if they fit).
#[derive(Debug, PartialEq, Eq)]
pub struct Undecodable {
    pub produced: u64,
}

/// The bytes a filter decoded, or how many it produced before it gave up.
type Filtered = Result<Vec<u8>, u64>;

/// The stream's data with its filters undone, in order, at most `limit`
/// bytes after each: FlateDecode and LZWDecode (with their predictors),
/// ASCIIHexDecode, ASCII85Decode, RunLengthDecode. Image filters (DCT,
/// CCITT, JBIG2, JPX) and Crypt are undecodable: nothing this service
/// reads is an image. On success, `produced` is every filter's output.
pub fn stream_data(stream: &Stream, limit: u64) -> Result<(Vec<u8>, u64), Undecodable> {
    let unreadable = |produced| Undecodable { produced };
    let filters: Vec<&[u8]> = match stream.dict.get(b"Filter") {
        Err(_) => {
            let size = stream.content.len() as u64;
            return if size <= limit { Ok((stream.content.clone(), size)) } else { Err(unreadable(0)) };
        }
        Ok(Object::Name(name)) => vec![name.as_slice()],
        Ok(Object::Array(names)) => {
            names.iter().map(|name| name.as_name().ok()).collect::<Option<_>>().ok_or(unreadable(0))?
        }
        Ok(_) => return Err(unreadable(0)),
    };
    let parameters = |index: usize| match stream.dict.get(b"DecodeParms") {
        Ok(Object::Dictionary(parameters)) if index == 0 => Some(parameters),
        Ok(Object::Array(list)) => list.get(index).and_then(|parameters| parameters.as_dict().ok()),
        _ => None,
    };
    let mut produced = 0u64;
    let mut data = std::borrow::Cow::Borrowed(stream.content.as_slice());
    for (index, filter) in filters.into_iter().enumerate() {
        let decoded = match filter {
            b"FlateDecode" | b"Fl" => inflate(&data, limit),
            b"LZWDecode" | b"LZW" => {
                let early_change = parameters(index).and_then(|p| p.get(b"EarlyChange").ok()?.as_i64().ok());
                unlzw(&data, early_change != Some(0), limit)
            }
            b"ASCIIHexDecode" | b"AHx" => Ok(unhex(&data)),
            b"ASCII85Decode" | b"A85" => un85(&data).ok_or(0),
            b"RunLengthDecode" | b"RL" => unrun(&data, limit),
            _ => Err(0),
        };
        let decoded = decoded.and_then(|decoded| match (filter, parameters(index)) {
            (b"FlateDecode" | b"Fl" | b"LZWDecode" | b"LZW", Some(parameters)) => {
                let size = decoded.len() as u64;
                unpredict(decoded, parameters, limit).map_err(|predicted| size + predicted)
            }
            _ => Ok(decoded),
        });
        let decoded = decoded.map_err(|spent| unreadable(produced + spent))?;
        produced += decoded.len() as u64;
        if decoded.len() as u64 > limit {
            return Err(unreadable(produced));
        }
        data = std::borrow::Cow::Owned(decoded);
    }
    Ok((data.into_owned(), produced))
}

fn inflate(data: &[u8], limit: u64) -> Filtered {
    let mut inflated = Vec::with_capacity(data.len().saturating_mul(4).min(1 << 20));
    let outcome = ZlibDecoder::new(data).take(limit + 1).read_to_end(&mut inflated);
    // Many writers end their deflate data without its checksum: what inflated is kept.
    let readable = outcome.is_ok() || !inflated.is_empty();
    if readable && inflated.len() as u64 <= limit { Ok(inflated) } else { Err(inflated.len() as u64) }
}

/// LZW as PDF writes it (ISO 32000-1 §7.4.4): codes most significant bit
/// first, 9 to 12 bits, the code size growing one code early unless
/// `EarlyChange` is 0.
fn unlzw(data: &[u8], early_change: bool, limit: u64) -> Filtered {
    use weezl::{BitOrder, LzwStatus, decode::Decoder};
    let mut decoder =
        if early_change { Decoder::with_tiff_size_switch(BitOrder::Msb, 8) } else { Decoder::new(BitOrder::Msb, 8) };
    let mut out = Vec::new();
    let mut buffer = vec![0u8; 64 * 1024];
    let mut input = data;
    loop {
        let result = decoder.decode_bytes(input, &mut buffer);
        out.extend_from_slice(&buffer[..result.consumed_out]);
        input = &input[result.consumed_in..];
        if out.len() as u64 > limit {
            return Err(out.len() as u64);
        }
        match result.status {
            Ok(LzwStatus::Done) => return Ok(out),
            Ok(LzwStatus::NoProgress) if input.is_empty() || result.consumed_out == 0 => return Ok(out),
            Ok(_) => {}
            // Data cut short after good codes is kept, as for deflate.
            Err(_) => return if out.is_empty() { Err(0) } else { Ok(out) },
        }
    }
}

/// Pairs of hexadecimal digits, blanks ignored, up to `>`; an odd last digit
/// is followed by 0.
fn unhex(data: &[u8]) -> Vec<u8> {
    let digits: Vec<u8> = data
        .iter()
        .take_while(|&&byte| byte != b'>')
        .filter_map(|&byte| char::from(byte).to_digit(16))
        .map(|digit| digit as u8)
        .collect();
    digits.chunks(2).map(|pair| pair[0] << 4 | pair.get(1).copied().unwrap_or(0)).collect()
}

/// Base-85 groups of five characters (`!` to `u`), `z` for four zero bytes,
/// up to `~>`; a short last group gives its bytes less one per missing character.
fn un85(data: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(data.len() * 4 / 5 + 4);
    let mut group = [0u8; 5];
    let mut filled = 0;
    for &byte in data {
        match byte {
            b'~' => break,
            b'z' if filled == 0 => out.extend_from_slice(&[0; 4]),
            b'!'..=b'u' => {
                group[filled] = byte - b'!';
                filled += 1;
                if filled == 5 {
                    out.extend_from_slice(&base85_value(&group)?.to_be_bytes());
                    filled = 0;
                }
            }
            byte if byte.is_ascii_whitespace() || byte == 0 => {}
            _ => return None,
        }
    }
    if filled > 0 {
        group[filled..].fill(b'u' - b'!');
        out.extend_from_slice(&base85_value(&group)?.to_be_bytes()[..filled - 1]);
    }
    Some(out)
}

fn base85_value(group: &[u8; 5]) -> Option<u32> {
    let value = group.iter().fold(0u64, |value, &digit| value * 85 + u64::from(digit));
    u32::try_from(value).ok()
}

/// Run-length data: a length byte below 128 copies that many plus one
/// bytes, above 128 repeats the next byte 257 minus it times, 128 ends.
fn unrun(data: &[u8], limit: u64) -> Filtered {
    let mut out = Vec::new();
    let mut rest = data;
    while let Some((&length, after)) = rest.split_first() {
        match length {
            128 => break,
            0..128 => {
                let count = usize::from(length) + 1;
                out.extend_from_slice(after.get(..count).ok_or(out.len() as u64)?);
                rest = &after[count..];
            }
            _ => {
                let (&byte, after) = after.split_first().ok_or(out.len() as u64)?;
                out.resize(out.len() + 257 - usize::from(length), byte);
                rest = after;
            }
        }
        if out.len() as u64 > limit {
            return Err(out.len() as u64);
        }
    }
    Ok(out)
}

/// Undoes a PNG predictor (ISO 32000-1 §7.4.4.4), as cross-reference
/// streams use; predictor 1 means none. A short last row stays short, as
/// other readers leave it: padding it to the declared width would let a
/// few bytes claim a row of 64 MiB.
fn unpredict(data: Vec<u8>, parameters: &Dictionary, limit: u64) -> Filtered {
    let integer = |key: &[u8], default: i64| parameters.get(key).and_then(Object::as_i64).unwrap_or(default);
    let predictor = integer(b"Predictor", 1);
    if predictor < 10 {
        return if predictor == 1 { Ok(data) } else { Err(0) };
    }
    let in_range = |key: &[u8], default: i64, range: std::ops::RangeInclusive<usize>| {
        usize::try_from(integer(key, default)).ok().filter(|value| range.contains(value)).ok_or(0u64)
    };
    let colors = in_range(b"Colors", 1, 1..=32)?;
    let bits = in_range(b"BitsPerComponent", 8, 1..=16)?;
    if ![1, 2, 4, 8, 16].contains(&bits) {
        return Err(0);
    }
    let columns = in_range(b"Columns", 1, 1..=1 << 20)?;
    let pixel = (colors * bits).div_ceil(8);
    let row = (colors * bits * columns).div_ceil(8);
    let mut out: Vec<u8> = Vec::with_capacity(data.len());
    for chunk in data.chunks(row + 1) {
        let (&kind, encoded) = chunk.split_first().ok_or(out.len() as u64)?;
        let start = out.len();
        // The row above, as far as it reached (none above the first).
        let above = start.checked_sub(row);
        for (index, &byte) in encoded.iter().enumerate() {
            let left = if index >= pixel { out[start + index - pixel] } else { 0 };
            let up = above.map_or(0, |above| out[above + index]);
            let up_left = match above {
                Some(above) if index >= pixel => out[above + index - pixel],
                _ => 0,
            };
            let guess = match kind {
                0 => 0,
                1 => left,
                2 => up,
                3 => ((u16::from(left) + u16::from(up)) / 2) as u8,
                4 => paeth(left, up, up_left),
                _ => return Err(out.len() as u64),
            };
            out.push(byte.wrapping_add(guess));
        }
        if out.len() as u64 > limit {
            return Err(out.len() as u64);
        }
    }
    Ok(out)
}

fn paeth(left: u8, up: u8, up_left: u8) -> u8 {
    let estimate = i16::from(left) + i16::from(up) - i16::from(up_left);
    let (to_left, to_up, to_up_left) =
        ((estimate - i16::from(left)).abs(), (estimate - i16::from(up)).abs(), (estimate - i16::from(up_left)).abs());
    if to_left <= to_up && to_left <= to_up_left {
        left
    } else if to_up <= to_up_left {
        up
    } else {
        up_left
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write as _;

    use flate2::Compression;
    use flate2::write::ZlibEncoder;

    use super::*;

    fn decoded(stream: &Stream, limit: u64) -> Option<Vec<u8>> {
        stream_data(stream, limit).ok().map(|(data, _)| data)
    }

    fn deflated(data: &[u8]) -> Vec<u8> {
        let mut encoder = ZlibEncoder::new(Vec::new(), Compression::best());
        encoder.write_all(data).expect("in memory");
        encoder.finish().expect("in memory")
    }

    #[test]
    fn png_up_predictor_is_undone() {
        // Two rows of three columns, each predicted from the row above.
        let encoded = [2u8, 1, 2, 3, 2, 1, 1, 1];
        let mut parameters = Dictionary::new();
        parameters.set("Predictor", 12);
        parameters.set("Columns", 3);
        let mut dictionary = Dictionary::new();
        dictionary.set("Filter", Object::Name(b"FlateDecode".to_vec()));
        dictionary.set("DecodeParms", parameters);
        let stream = Stream::new(dictionary, deflated(&encoded));
        assert_eq!(decoded(&stream, MAX_DECODED_BYTES), Some(vec![1, 2, 3, 2, 3, 4]));
    }

    fn stream(filters: &[&str], content: Vec<u8>) -> Stream {
        let mut dictionary = Dictionary::new();
        let names = filters.iter().map(|filter| Object::Name(filter.as_bytes().to_vec())).collect();
        dictionary.set("Filter", Object::Array(names));
        Stream::new(dictionary, content)
    }

    #[test]
    fn every_filter_of_a_chain_is_undone_in_order() {
        let text = b"<rsm:CrossIndustryInvoice/>".to_vec();
        let hex: Vec<u8> = deflated(&text).iter().flat_map(|byte| format!("{byte:02X} ").into_bytes()).collect();
        let chained = stream(&["ASCIIHexDecode", "FlateDecode"], [hex, b">".to_vec()].concat());
        assert_eq!(decoded(&chained, MAX_DECODED_BYTES), Some(text.clone()));
        // "Man " is "9jqo^" (the Adobe reference), "z" four zeros, a short group its bytes.
        assert_eq!(un85(b"9jqo^z/c~>"), Some(b"Man \0\0\0\0.".to_vec()));
        assert_eq!(unrun(&[2, b'a', b'b', b'c', 254, b'x', 128, b'?'], 100), Ok(b"abcxxx".to_vec()));
        let mut encoder = weezl::encode::Encoder::with_tiff_size_switch(weezl::BitOrder::Msb, 8);
        let lzw = encoder.encode(&text.repeat(50)).expect("in memory");
        assert_eq!(decoded(&stream(&["LZWDecode"], lzw), MAX_DECODED_BYTES), Some(text.repeat(50)));
    }

    #[test]
    fn the_ceiling_holds_after_every_filter() {
        // Deflated twice, 20 MB of zeros are a few hundred bytes (a gigabyte, a few kilobytes).
        let twice = deflated(&deflated(&vec![0u8; 20_000_000]));
        assert!(twice.len() < 1_000, "{}", twice.len());
        assert_eq!(decoded(&stream(&["FlateDecode", "FlateDecode"], twice.clone()), 1_000_000), None);
        assert_eq!(
            decoded(&stream(&["FlateDecode", "FlateDecode"], twice), 20_000_000).map(|data| data.len()),
            Some(20_000_000)
        );
        // Run-length repeats a byte 128 times per two bytes.
        let runs = [257u16 - 128, 0].map(|byte| byte as u8).repeat(1_000_000);
        assert_eq!(decoded(&stream(&["RunLengthDecode"], runs), 1_000_000), None);
        let mut encoder = weezl::encode::Encoder::with_tiff_size_switch(weezl::BitOrder::Msb, 8);
        let lzw = encoder.encode(&vec![0u8; 10_000_000]).expect("in memory");
        assert_eq!(decoded(&stream(&["LZWDecode"], lzw), 1_000_000), None);
        assert_eq!(decoded(&stream(&["DCTDecode"], vec![0xff, 0xd8]), MAX_DECODED_BYTES), None);
    }

    #[test]
    fn inflating_stops_at_the_ceiling() {
        let bomb = deflated(&[0u8; 100_000]);
        assert!(bomb.len() < 1_000);
        assert_eq!(inflate(&bomb, 99_999), Err(100_000));
        assert_eq!(inflate(&bomb, 100_000).map(|data| data.len()), Ok(100_000));
    }

    #[test]
    fn what_a_failed_decode_produced_is_reported_for_charging() {
        let twice = deflated(&deflated(&vec![0u8; 2_000_000]));
        let outcome = stream_data(&stream(&["FlateDecode", "FlateDecode"], twice.clone()), 1_000_000);
        let Err(Undecodable { produced }) = outcome else { panic!("over the ceiling: {outcome:?}") };
        assert!(produced > 1_000_000, "{produced}");
        let (data, produced) = stream_data(&stream(&["FlateDecode", "FlateDecode"], twice), 2_000_000).expect("fits");
        assert_eq!(data.len(), 2_000_000);
        assert!(produced > 2_000_000, "the first inflate counts too: {produced}");
    }

    #[test]
    fn a_predictor_row_wider_than_the_data_costs_only_the_data() {
        let mut parameters = Dictionary::new();
        parameters.set("Predictor", 12);
        parameters.set("Colors", 32);
        parameters.set("BitsPerComponent", 16);
        parameters.set("Columns", 1 << 20);
        assert_eq!(unpredict(vec![2, 7, 8, 9], &parameters, MAX_DECODED_BYTES), Ok(vec![7, 8, 9]));
    }
}
