//! Appends the invoice to the PDF as an incremental update (ISO 32000-1
//! §7.5.6): the original bytes stay an unchanged prefix, the new objects,
//! the updated catalog and a cross-reference section follow.

use std::io::Write as _;

use chrono::{DateTime, Utc};
use lopdf::{Dictionary, Object, ObjectId, Stream, StringFormat};
use sha2::{Digest, Sha256};

use super::icc;
use super::serialize::{self, deflate, text};
use super::xmp::{self, FacturxXmp, InfoMirror};
use super::xref;
use super::{Pdf, PdfError};
use crate::domain::{Profile, Relationship};

pub struct Embedding<'a> {
    pub xml: &'a [u8],
    pub profile: Profile,
    /// The specification's version, for the XMP (`fx:Version`).
    pub version: String,
    pub relationship: Relationship,
    /// Adds an sRGB OutputIntent when the PDF has none.
    pub output_intent: bool,
    pub at: DateTime<Utc>,
    pub producer: &'a str,
}

pub(super) fn pdf_date(at: DateTime<Utc>) -> String {
    at.format("D:%Y%m%d%H%M%S+00'00'").to_string()
}

/// `D:20260101120000+01'00'` → `2026-01-01T12:00:00+01:00`, as XMP wants.
fn xmp_date(pdf_date: &str) -> Option<String> {
    let digits = pdf_date.strip_prefix("D:").unwrap_or(pdf_date);
    let part =
        |range: std::ops::Range<usize>| digits.get(range).filter(|part| part.bytes().all(|byte| byte.is_ascii_digit()));
    let (year, month, day) = (part(0..4)?, part(4..6).unwrap_or("01"), part(6..8).unwrap_or("01"));
    let (hour, minute, second) =
        (part(8..10).unwrap_or("00"), part(10..12).unwrap_or("00"), part(12..14).unwrap_or("00"));
    let zone = match digits.get(14..).unwrap_or("") {
        zone if zone.starts_with(['+', '-']) && zone.len() >= 3 => {
            let minutes = zone.get(4..6).unwrap_or("00");
            format!("{}:{minutes}", &zone[..3])
        }
        _ => "Z".to_owned(),
    };
    Some(format!("{year}-{month}-{day}T{hour}:{minute}:{second}{zone}"))
}

/// The incremental update that, appended to `original`, adds the invoice.
pub fn embed(original: &[u8], pdf: &Pdf, embedding: &Embedding) -> Result<Vec<u8>, PdfError> {
    if pdf.is_encrypted() {
        return Err(PdfError::Encrypted);
    }
    if pdf.repaired {
        // An update chained to a broken cross-reference would stay broken.
        return Err(PdfError::Unreadable("its cross-reference table is broken".into()));
    }
    let previous_xref = xref::last_startxref(original).ok_or_else(|| PdfError::Unreadable("no startxref".into()))?;
    let catalog_id = pdf.catalog_id()?;
    let mut catalog = pdf.catalog()?.clone();
    let name = embedding.profile.attachment_name();
    let mut next_id = pdf.next_object_number();
    let mut allocate = || {
        let id = (next_id, 0);
        next_id += 1;
        id
    };
    let (file_id, spec_id, metadata_id, info_id) = (allocate(), allocate(), allocate(), allocate());
    let mut added: Vec<(ObjectId, Object)> = Vec::new();
    if embedding.output_intent && catalog.get(b"OutputIntents").is_err() {
        let profile_id = allocate();
        let (profile, intent) = icc::output_intent(profile_id);
        added.push((profile_id, profile));
        catalog.set("OutputIntents", Object::Array(vec![intent]));
    }
    let modified = pdf_date(embedding.at);

    let compressed = deflate(embedding.xml);
    let mut params = Dictionary::new();
    params.set("ModDate", text(&modified));
    params.set("Size", Object::Integer(embedding.xml.len() as i64));
    let mut file_dict = Dictionary::new();
    file_dict.set("Type", Object::Name(b"EmbeddedFile".to_vec()));
    file_dict.set("Subtype", Object::Name(b"text/xml".to_vec()));
    file_dict.set("Params", Object::Dictionary(params));
    file_dict.set("Filter", Object::Name(b"FlateDecode".to_vec()));
    let file = Object::Stream(Stream::new(file_dict, compressed));

    let mut ef = Dictionary::new();
    ef.set("F", Object::Reference(file_id));
    ef.set("UF", Object::Reference(file_id));
    let mut spec = Dictionary::new();
    spec.set("Type", Object::Name(b"Filespec".to_vec()));
    spec.set("F", text(name));
    spec.set("UF", text(name));
    spec.set(
        "Desc",
        text(if embedding.profile == Profile::XRechnung { "XRechnung invoice" } else { "Factur-X invoice" }),
    );
    spec.set("AFRelationship", Object::Name(embedding.relationship.pdf_name().as_bytes().to_vec()));
    spec.set("EF", Object::Dictionary(ef));

    // Other attachments stay; a previous invoice of the same name is replaced.
    let mut entries: Vec<(String, Object)> = pdf
        .embedded_files()
        .into_iter()
        .filter_map(|(key, spec)| Some((key?, spec.clone())))
        .filter(|(key, _)| key != name)
        .collect();
    let mut associated = vec![Object::Reference(spec_id)];
    if let Some(Object::Array(af)) = catalog.get(b"AF").ok().and_then(|af| pdf.resolve(af)) {
        associated.extend(af.iter().filter(|spec| !pdf.spec_names(spec).any(|file| file == name)).cloned());
    }
    entries.push((name.to_owned(), Object::Reference(spec_id)));
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    let mut names = catalog.get(b"Names").ok().and_then(|names| pdf.dictionary(names)).cloned().unwrap_or_default();
    let mut tree = Dictionary::new();
    tree.set("Names", Object::Array(entries.into_iter().flat_map(|(key, spec)| [text(&key), spec]).collect()));
    names.set("EmbeddedFiles", Object::Dictionary(tree));
    catalog.set("Names", Object::Dictionary(names));
    catalog.set("AF", Object::Array(associated));
    catalog.set("Metadata", Object::Reference(metadata_id));

    let mut info = pdf.info().cloned().unwrap_or_default();
    info.set("Producer", text(embedding.producer));
    info.set("ModDate", text(&modified));
    let info_text = |key: &[u8]| info.get(key).ok().and_then(|value| pdf.text(value));
    let mirror = InfoMirror {
        title: info_text(b"Title"),
        author: info_text(b"Author"),
        subject: info_text(b"Subject"),
        keywords: info_text(b"Keywords"),
        creator: info_text(b"Creator"),
        producer: embedding.producer.to_owned(),
        create_date: info_text(b"CreationDate").and_then(|date| xmp_date(&date)),
        modify_date: embedding.at.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
    };
    let facturx = FacturxXmp {
        document_type: Some("INVOICE".into()),
        document_file_name: Some(name.into()),
        version: Some(embedding.version.clone()),
        conformance_level: Some(embedding.profile.conformance_level().into()),
        pdfa_part: Some("3".into()),
        pdfa_conformance: Some("B".into()),
    };
    let packet = xmp::merge(pdf.metadata().as_deref(), &facturx, &mirror);
    let mut metadata_dict = Dictionary::new();
    metadata_dict.set("Type", Object::Name(b"Metadata".to_vec()));
    metadata_dict.set("Subtype", Object::Name(b"XML".to_vec()));
    let metadata = Object::Stream(Stream::new(metadata_dict, packet));

    // Offsets in the update count from the start of the original.
    let base = original.len();
    let mut out = Vec::with_capacity(embedding.xml.len() + 8192);
    if !original.ends_with(b"\n") {
        out.push(b'\n');
    }
    let mut offsets: Vec<(ObjectId, usize)> = Vec::new();
    added.extend([
        (file_id, file),
        (spec_id, Object::Dictionary(spec)),
        (metadata_id, metadata),
        (info_id, Object::Dictionary(info)),
        (catalog_id, Object::Dictionary(catalog)),
    ]);
    for (id, object) in added {
        offsets.push((id, base + out.len()));
        let _ = writeln!(out, "{} {} obj", id.0, id.1);
        serialize::object(&object, &mut out);
        out.extend_from_slice(b"\nendobj\n");
    }
    let mut trailer = Dictionary::new();
    trailer.set("Size", Object::Integer(i64::from(next_id)));
    trailer.set("Root", Object::Reference(catalog_id));
    trailer.set("Info", Object::Reference(info_id));
    trailer.set("Prev", Object::Integer(previous_xref as i64));
    trailer.set("ID", file_ids(pdf, base, &out));
    let uses_xref_stream = !original.get(previous_xref..).is_some_and(|rest| rest.starts_with(b"xref"));
    let xref_offset = base + out.len();
    if uses_xref_stream {
        write_xref_stream(&mut out, xref_offset, trailer, &offsets, next_id);
    } else {
        write_xref_table(&mut out, &trailer, &offsets);
    }
    let _ = write!(out, "startxref\n{xref_offset}\n%%EOF\n");
    Ok(out)
}

/// The original's first identifier (the file's identity) and a new second
/// one, from what this update appends (its date, the XML) and the size of
/// what it appends to: hashing the whole file would cost more than the
/// rest of the conversion.
fn file_ids(pdf: &Pdf, original_length: usize, appended: &[u8]) -> Object {
    let digest = Sha256::new().chain_update(original_length.to_be_bytes()).chain_update(appended).finalize();
    let fresh = Object::String(digest[..16].to_vec(), StringFormat::Hexadecimal);
    let first = match pdf.trailer().get(b"ID") {
        Ok(Object::Array(ids)) if !ids.is_empty() => ids[0].clone(),
        _ => fresh.clone(),
    };
    Object::Array(vec![first, fresh])
}

/// Contiguous runs of object numbers, as xref subsections want them.
fn runs(offsets: &[(ObjectId, usize)]) -> Vec<Vec<(ObjectId, usize)>> {
    let mut sorted = offsets.to_vec();
    sorted.sort_by_key(|(id, _)| id.0);
    let mut runs: Vec<Vec<(ObjectId, usize)>> = Vec::new();
    for entry in sorted {
        match runs.last_mut() {
            Some(run) if run.last().is_some_and(|(id, _)| id.0 + 1 == entry.0.0) => run.push(entry),
            _ => runs.push(vec![entry]),
        }
    }
    runs
}

fn write_xref_table(out: &mut Vec<u8>, trailer: &Dictionary, offsets: &[(ObjectId, usize)]) {
    out.extend_from_slice(b"xref\n");
    for run in runs(offsets) {
        let _ = writeln!(out, "{} {}", run[0].0.0, run.len());
        for ((_, generation), offset) in run {
            let _ = write!(out, "{offset:010} {generation:05} n\r\n");
        }
    }
    out.extend_from_slice(b"trailer\n");
    serialize::object(&Object::Dictionary(trailer.clone()), out);
    out.push(b'\n');
}

fn write_xref_stream(
    out: &mut Vec<u8>,
    stream_offset: usize,
    mut trailer: Dictionary,
    offsets: &[(ObjectId, usize)],
    stream_number: u32,
) {
    let mut all = offsets.to_vec();
    all.push(((stream_number, 0), stream_offset));
    let mut index = Vec::new();
    let mut rows = Vec::new();
    for run in runs(&all) {
        index.extend([Object::Integer(i64::from(run[0].0.0)), Object::Integer(run.len() as i64)]);
        for ((_, generation), offset) in run {
            rows.push(1u8);
            rows.extend_from_slice(&(offset as u32).to_be_bytes());
            rows.extend_from_slice(&generation.to_be_bytes());
        }
    }
    trailer.set("Type", Object::Name(b"XRef".to_vec()));
    trailer.set("Size", Object::Integer(i64::from(stream_number) + 1));
    trailer.set("W", Object::Array(vec![Object::Integer(1), Object::Integer(4), Object::Integer(2)]));
    trailer.set("Index", Object::Array(index));
    let _ = writeln!(out, "{stream_number} 0 obj");
    serialize::object(&Object::Stream(Stream::new(trailer, rows)), out);
    out.extend_from_slice(b"\nendobj\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pdf_dates_become_xmp_dates() {
        assert_eq!(xmp_date("D:20260101120000+01'00'").as_deref(), Some("2026-01-01T12:00:00+01:00"));
        assert_eq!(xmp_date("D:2026").as_deref(), Some("2026-01-01T00:00:00Z"));
        assert_eq!(xmp_date("yesterday"), None);
    }
}
