//! Stream data decoded with a ceiling: a few kilobytes of deflate can
//! inflate to gigabytes, and the object streams, cross-reference streams
//! and attachments a reader inflates come from untrusted uploads.

use std::io::Read as _;

use flate2::read::ZlibDecoder;
use lopdf::{Dictionary, Object, Stream};

/// What one stream may decode to: no invoice XML, XMP packet or object
/// stream comes near it.
pub const MAX_DECODED_BYTES: u64 = 64 * 1024 * 1024;

/// The stream's data with its filter undone, at most `limit` bytes of it:
/// FlateDecode (with or without a PNG predictor) here; other filters by lopdf.
pub fn stream_data(stream: &Stream, limit: u64) -> Option<Vec<u8>> {
    let filters: Vec<&[u8]> = match stream.dict.get(b"Filter") {
        Err(_) => return Some(stream.content.clone()),
        Ok(Object::Name(name)) => vec![name.as_slice()],
        Ok(Object::Array(names)) => names.iter().filter_map(|name| name.as_name().ok()).collect(),
        Ok(_) => return None,
    };
    match filters.as_slice() {
        [] => Some(stream.content.clone()),
        [b"FlateDecode" | b"Fl"] => {
            let inflated = inflate(&stream.content, limit)?;
            let parameters = match stream.dict.get(b"DecodeParms") {
                Ok(Object::Dictionary(parameters)) => Some(parameters),
                Ok(Object::Array(list)) => list.first().and_then(|parameters| parameters.as_dict().ok()),
                _ => None,
            };
            match parameters {
                Some(parameters) => unpredict(inflated, parameters),
                None => Some(inflated),
            }
        }
        _ => stream.decompressed_content().ok().filter(|data| data.len() as u64 <= limit),
    }
}

fn inflate(data: &[u8], limit: u64) -> Option<Vec<u8>> {
    let mut inflated = Vec::with_capacity(data.len().saturating_mul(4).min(1 << 20));
    let outcome = ZlibDecoder::new(data).take(limit + 1).read_to_end(&mut inflated);
    // Many writers end their deflate data without its checksum: what inflated is kept.
    let readable = outcome.is_ok() || !inflated.is_empty();
    (readable && inflated.len() as u64 <= limit).then_some(inflated)
}

/// Undoes a PNG predictor (ISO 32000-1 §7.4.4.4), as cross-reference
/// streams use; predictor 1 means none.
fn unpredict(data: Vec<u8>, parameters: &Dictionary) -> Option<Vec<u8>> {
    let integer = |key: &[u8], default: i64| parameters.get(key).and_then(Object::as_i64).unwrap_or(default);
    let predictor = integer(b"Predictor", 1);
    if predictor < 10 {
        return (predictor == 1).then_some(data);
    }
    let colors = usize::try_from(integer(b"Colors", 1)).ok().filter(|colors| (1..=32).contains(colors))?;
    let bits = usize::try_from(integer(b"BitsPerComponent", 8)).ok().filter(|bits| [1, 2, 4, 8, 16].contains(bits))?;
    let columns = usize::try_from(integer(b"Columns", 1)).ok().filter(|columns| (1..=1 << 20).contains(columns))?;
    let pixel = (colors * bits).div_ceil(8);
    let row = (colors * bits * columns).div_ceil(8);
    let mut out = Vec::with_capacity(data.len());
    let mut previous = vec![0u8; row];
    for chunk in data.chunks(row + 1) {
        let (kind, encoded) = chunk.split_first()?;
        let mut current = encoded.to_vec();
        current.resize(row, 0);
        for index in 0..row {
            let left = if index >= pixel { current[index - pixel] } else { 0 };
            let up = previous[index];
            let up_left = if index >= pixel { previous[index - pixel] } else { 0 };
            let guess = match kind {
                0 => 0,
                1 => left,
                2 => up,
                3 => ((u16::from(left) + u16::from(up)) / 2) as u8,
                4 => paeth(left, up, up_left),
                _ => return None,
            };
            current[index] = current[index].wrapping_add(guess);
        }
        out.extend_from_slice(&current);
        previous = current;
    }
    Some(out)
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
        assert_eq!(stream_data(&stream, MAX_DECODED_BYTES), Some(vec![1, 2, 3, 2, 3, 4]));
    }

    #[test]
    fn inflating_stops_at_the_ceiling() {
        let bomb = deflated(&[0u8; 100_000]);
        assert!(bomb.len() < 1_000);
        assert_eq!(inflate(&bomb, 99_999), None);
        assert_eq!(inflate(&bomb, 100_000).map(|data| data.len()), Some(100_000));
    }
}
