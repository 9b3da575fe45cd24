//! Subset fonts (made by `common::pdf::fonts`) written as lopdf objects
//! for generated invoices, embedded as PDF/A requires.

use common::pdf::fonts::UsedFont;
use lopdf::{Dictionary, Document, Object, ObjectId, Stream};

/// Writes the Type0 font and its parts into the document.
pub fn write(font: UsedFont, document: &mut Document) -> Result<ObjectId, String> {
    let font = font.embed()?;
    let base_font = Object::Name(font.base_font.into_bytes());

    let mut file_dict = Dictionary::new();
    file_dict.set("Length1", Object::Integer(font.program_length as i64));
    file_dict.set("Filter", Object::Name(b"FlateDecode".to_vec()));
    let font_file = document.add_object(Stream::new(file_dict, font.program));

    let mut descriptor = Dictionary::new();
    descriptor.set("Type", Object::Name(b"FontDescriptor".to_vec()));
    descriptor.set("FontName", base_font.clone());
    descriptor.set("Flags", Object::Integer(32)); // non-symbolic
    descriptor.set("FontBBox", Object::Array(font.bbox.map(Object::Integer).to_vec()));
    descriptor.set("ItalicAngle", Object::Integer(font.italic_angle));
    descriptor.set("Ascent", Object::Integer(font.ascent));
    descriptor.set("Descent", Object::Integer(font.descent));
    descriptor.set("CapHeight", Object::Integer(font.cap_height));
    descriptor.set("StemV", Object::Integer(80));
    descriptor.set("FontFile2", Object::Reference(font_file));
    let descriptor = document.add_object(descriptor);

    let widths: Vec<Object> = font.widths.into_iter().map(Object::Integer).collect();
    let mut system_info = Dictionary::new();
    system_info.set("Registry", Object::string_literal("Adobe"));
    system_info.set("Ordering", Object::string_literal("Identity"));
    system_info.set("Supplement", Object::Integer(0));
    let mut cid_font = Dictionary::new();
    cid_font.set("Type", Object::Name(b"Font".to_vec()));
    cid_font.set("Subtype", Object::Name(b"CIDFontType2".to_vec()));
    cid_font.set("BaseFont", base_font.clone());
    cid_font.set("CIDSystemInfo", Object::Dictionary(system_info));
    cid_font.set("FontDescriptor", Object::Reference(descriptor));
    cid_font.set("W", Object::Array(vec![Object::Integer(0), Object::Array(widths)]));
    cid_font.set("CIDToGIDMap", Object::Name(b"Identity".to_vec()));
    let cid_font = document.add_object(cid_font);

    let mut to_unicode_dict = Dictionary::new();
    to_unicode_dict.set("Filter", Object::Name(b"FlateDecode".to_vec()));
    let to_unicode = document.add_object(Stream::new(to_unicode_dict, font.to_unicode));

    let mut type0 = Dictionary::new();
    type0.set("Type", Object::Name(b"Font".to_vec()));
    type0.set("Subtype", Object::Name(b"Type0".to_vec()));
    type0.set("BaseFont", base_font);
    type0.set("Encoding", Object::Name(b"Identity-H".to_vec()));
    type0.set("DescendantFonts", Object::Array(vec![Object::Reference(cid_font)]));
    type0.set("ToUnicode", Object::Reference(to_unicode));
    Ok(document.add_object(type0))
}
