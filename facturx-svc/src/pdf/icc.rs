//! The sRGB colour profile of a PDF/A OutputIntent, built here rather
//! than shipped as a file: an ICC v2 display profile (ICC.1:2001-04) with
//! the sRGB primaries adapted to D50 and the sRGB tone curve
//! (IEC 61966-2-1) sampled at 1,024 points.

use std::sync::LazyLock;

use lopdf::{Dictionary, Object, ObjectId, Stream};

use super::serialize::text;

pub const SRGB_IDENTIFIER: &str = "sRGB IEC61966-2.1";

/// D50, the profile connection space's illuminant.
const D50: [f64; 3] = [0.9642, 1.0, 0.8249];
/// The sRGB primaries under D50 (Bradford adaptation), as the sRGB
/// specification's ICC profiles give them.
const RED: [f64; 3] = [0.436_074_7, 0.222_504_5, 0.013_932_2];
const GREEN: [f64; 3] = [0.385_064_9, 0.716_878_6, 0.097_104_5];
const BLUE: [f64; 3] = [0.143_080_4, 0.060_616_9, 0.714_173_3];
const CURVE_POINTS: u32 = 1024;

fn s15_fixed16(value: f64) -> [u8; 4] {
    ((value * 65536.0).round() as i32).to_be_bytes()
}

fn xyz(values: [f64; 3]) -> Vec<u8> {
    let mut tag = b"XYZ \0\0\0\0".to_vec();
    for value in values {
        tag.extend_from_slice(&s15_fixed16(value));
    }
    tag
}

/// The sRGB transfer function: linear near black, a 2.4 power above.
fn srgb_curve() -> Vec<u8> {
    let mut tag = b"curv\0\0\0\0".to_vec();
    tag.extend_from_slice(&CURVE_POINTS.to_be_bytes());
    for index in 0..CURVE_POINTS {
        let encoded = f64::from(index) / f64::from(CURVE_POINTS - 1);
        let linear = if encoded <= 0.04045 { encoded / 12.92 } else { ((encoded + 0.055) / 1.055).powf(2.4) };
        tag.extend_from_slice(&((linear * 65535.0).round() as u16).to_be_bytes());
    }
    tag
}

fn description(text: &str) -> Vec<u8> {
    let mut tag = b"desc\0\0\0\0".to_vec();
    tag.extend_from_slice(&(text.len() as u32 + 1).to_be_bytes());
    tag.extend_from_slice(text.as_bytes());
    tag.push(0);
    // No Unicode nor ScriptCode description: their counts are zero, the
    // ScriptCode field keeps its fixed 67 bytes.
    tag.extend_from_slice(&[0; 4 + 4 + 2 + 1 + 67]);
    tag
}

fn copyright(text: &str) -> Vec<u8> {
    let mut tag = b"text\0\0\0\0".to_vec();
    tag.extend_from_slice(text.as_bytes());
    tag.push(0);
    tag
}

fn srgb_profile() -> Vec<u8> {
    let curve = srgb_curve();
    let tags: [(&[u8; 4], Vec<u8>); 9] = [
        (b"desc", description(SRGB_IDENTIFIER)),
        (b"cprt", copyright("No copyright, use freely")),
        (b"wtpt", xyz(D50)),
        (b"rXYZ", xyz(RED)),
        (b"gXYZ", xyz(GREEN)),
        (b"bXYZ", xyz(BLUE)),
        (b"rTRC", curve.clone()),
        (b"gTRC", curve.clone()),
        (b"bTRC", curve),
    ];
    let table_end = 128 + 4 + 12 * tags.len();
    let mut data = Vec::new();
    let mut entries = Vec::new();
    for (signature, tag) in &tags {
        let offset = table_end + data.len();
        entries.push((signature, offset as u32, tag.len() as u32));
        data.extend_from_slice(tag);
        while data.len() % 4 != 0 {
            data.push(0);
        }
    }
    let size = (table_end + data.len()) as u32;
    let mut profile = Vec::with_capacity(size as usize);
    profile.extend_from_slice(&size.to_be_bytes());
    profile.extend_from_slice(&[0; 4]); // preferred CMM: none
    profile.extend_from_slice(&[2, 0x10, 0, 0]); // version 2.1
    profile.extend_from_slice(b"mntrRGB XYZ ");
    profile.extend_from_slice(&[0x07, 0xd0, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0]); // 2000-01-01 00:00:00
    profile.extend_from_slice(b"acsp");
    profile.extend_from_slice(&[0; 24]); // platform, flags, manufacturer, model, attributes
    profile.extend_from_slice(&0u32.to_be_bytes()); // perceptual intent
    for value in D50 {
        profile.extend_from_slice(&s15_fixed16(value));
    }
    profile.resize(128, 0); // creator and reserved bytes
    profile.extend_from_slice(&(tags.len() as u32).to_be_bytes());
    for (signature, offset, length) in entries {
        profile.extend_from_slice(*signature);
        profile.extend_from_slice(&offset.to_be_bytes());
        profile.extend_from_slice(&length.to_be_bytes());
    }
    profile.extend_from_slice(&data);
    profile
}

/// Built once: every generated invoice and every `output_intent` conversion embeds it.
static SRGB_PROFILE: LazyLock<Vec<u8>> = LazyLock::new(srgb_profile);

/// The ICC stream and the OutputIntent dictionary that names it.
pub fn output_intent(profile_id: ObjectId) -> (Object, Object) {
    let mut stream = Dictionary::new();
    stream.set("N", Object::Integer(3));
    let profile = Object::Stream(Stream::new(stream, SRGB_PROFILE.clone()));
    let mut intent = Dictionary::new();
    intent.set("Type", Object::Name(b"OutputIntent".to_vec()));
    intent.set("S", Object::Name(b"GTS_PDFA1".to_vec()));
    intent.set("OutputConditionIdentifier", text(SRGB_IDENTIFIER));
    intent.set("Info", text(SRGB_IDENTIFIER));
    intent.set("DestOutputProfile", Object::Reference(profile_id));
    (profile, Object::Dictionary(intent))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_profile_is_a_well_formed_icc_display_profile() {
        let profile = srgb_profile();
        let word = |at: usize| u32::from_be_bytes(profile[at..at + 4].try_into().expect("four bytes"));
        assert_eq!(word(0) as usize, profile.len());
        assert_eq!(&profile[36..40], b"acsp");
        assert_eq!(&profile[12..24], b"mntrRGB XYZ ");
        let count = word(128) as usize;
        assert_eq!(count, 9);
        for entry in 0..count {
            let (offset, length) = (word(132 + 12 * entry + 4) as usize, word(132 + 12 * entry + 8) as usize);
            assert_eq!(offset % 4, 0);
            assert!(offset + length <= profile.len());
        }
        // The tone curve ends at full scale and is monotonic.
        let curve = srgb_curve();
        let points: Vec<u16> = curve[12..].chunks(2).map(|pair| u16::from_be_bytes([pair[0], pair[1]])).collect();
        assert_eq!(points.last(), Some(&65535));
        assert!(points.windows(2).all(|pair| pair[0] <= pair[1]));
    }
}
