use std::cell::{OnceCell, RefCell};
use std::collections::HashMap;

use common::file_type::pdf_header_offset;
use lopdf::{Dictionary, Object, ObjectId};

use super::syntax::{Source, indirect_object};
use super::xmp::{self, FacturxXmp};
use super::xref::{CrossReference, Location, ObjectStream};

#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    #[error("the file is not a readable PDF: {0}")]
    Unreadable(String),
    #[error("the PDF is encrypted")]
    Encrypted,
}

/// A file embedded in the PDF.
#[derive(Debug, Clone)]
pub struct Attachment {
    pub name: String,
    pub data: Vec<u8>,
    pub relationship: Option<String>,
    pub subtype: Option<String>,
    /// Listed in the catalog's /AF array (PDF/A-3 associated file).
    pub associated: bool,
}

/// A PDF read lazily: an object is parsed the first time it is asked
/// for, so embedding an invoice or reading one parses the dozen objects
/// on the way from the catalog to the attachment, not the whole file.
pub struct Pdf<'a> {
    source: Source<'a>,
    trailer: Dictionary,
    /// Its cross-reference was broken and rebuilt by scanning the file.
    pub repaired: bool,
    slots: HashMap<u32, Slot>,
    /// The objects being parsed, innermost last: a reference back into
    /// one of them (a stream whose length is itself) reads as missing.
    loading: RefCell<Vec<u32>>,
}

struct Slot {
    location: Location,
    object: OnceCell<Option<Object>>,
    /// Filled when the object is an object stream others live in.
    members: OnceCell<Option<ObjectStream>>,
}

/// How deep a name tree may go before it is taken as a loop.
const MAX_TREE_DEPTH: usize = 16;
/// How many objects one lookup may parse on its way (lengths, containers).
const MAX_LOADING_DEPTH: usize = 32;
/// References to references followed before giving up.
const MAX_INDIRECTIONS: usize = 8;

impl<'a> Pdf<'a> {
    pub fn parse(bytes: &'a [u8]) -> Result<Self, PdfError> {
        let header = pdf_header_offset(bytes).ok_or_else(|| PdfError::Unreadable("no %PDF- header".into()))?;
        // Offsets count from the header when something precedes it.
        let source = Source::new(&bytes[header..]);
        let xref = CrossReference::read(&source);
        let repaired = xref.rebuilt;
        let slots = xref
            .locations
            .into_iter()
            .map(|(number, location)| (number, Slot { location, object: OnceCell::new(), members: OnceCell::new() }))
            .collect();
        let pdf = Self { source, trailer: xref.trailer, repaired, slots, loading: RefCell::new(Vec::new()) };
        pdf.catalog()?;
        Ok(pdf)
    }

    pub fn trailer(&self) -> &Dictionary {
        &self.trailer
    }

    /// The first object number an update may use.
    pub fn next_object_number(&self) -> u32 {
        let after_last = self.slots.keys().max().map_or(1, |last| last + 1);
        let declared =
            self.trailer.get(b"Size").and_then(Object::as_i64).ok().and_then(|size| u32::try_from(size).ok());
        declared.filter(|size| *size <= 8_388_607).map_or(after_last, |size| size.max(after_last))
    }

    pub fn is_encrypted(&self) -> bool {
        self.trailer.get(b"Encrypt").is_ok()
    }

    pub fn catalog(&self) -> Result<&Dictionary, PdfError> {
        self.trailer
            .get(b"Root")
            .ok()
            .and_then(|root| self.dictionary(root))
            .ok_or_else(|| PdfError::Unreadable("no document catalog".into()))
    }

    pub fn catalog_id(&self) -> Result<ObjectId, PdfError> {
        self.trailer
            .get(b"Root")
            .and_then(Object::as_reference)
            .map_err(|_| PdfError::Unreadable("the trailer's Root is not a reference".into()))
    }

    /// The object numbered `id`, parsed on first use.
    pub fn object(&self, id: ObjectId) -> Option<&Object> {
        let slot = self.slots.get(&id.0)?;
        if slot.object.get().is_none() {
            let loading = self.loading.borrow();
            if loading.contains(&id.0) || loading.len() >= MAX_LOADING_DEPTH {
                return None;
            }
        }
        slot.object
            .get_or_init(|| {
                self.loading.borrow_mut().push(id.0);
                let object = self.load(id.0, slot.location);
                self.loading.borrow_mut().pop();
                object
            })
            .as_ref()
    }

    fn load(&self, number: u32, location: Location) -> Option<Object> {
        match location {
            Location::InFile { offset } => {
                let length_of = |length: ObjectId| self.object(length).and_then(|length| length.as_i64().ok());
                let (id, object) = indirect_object(&self.source, offset, length_of).ok()?;
                (id.0 == number).then_some(object)
            }
            Location::InStream { container, index } => {
                let slot = self.slots.get(&container)?;
                if slot.members.get().is_none() && self.loading.borrow().contains(&container) {
                    return None;
                }
                let members = slot.members.get_or_init(|| match self.object((container, 0))? {
                    Object::Stream(stream) => ObjectStream::decode(&self.source, stream),
                    _ => None,
                });
                members.as_ref()?.object(&self.source, number, index)
            }
        }
    }

    /// Follows references to the object they point at.
    pub fn resolve<'s>(&'s self, object: &'s Object) -> Option<&'s Object> {
        let mut object = object;
        for _ in 0..MAX_INDIRECTIONS {
            match object {
                Object::Reference(id) => object = self.object(*id)?,
                _ => return Some(object),
            }
        }
        None
    }

    pub fn dictionary<'s>(&'s self, object: &'s Object) -> Option<&'s Dictionary> {
        self.resolve(object).and_then(|object| match object {
            Object::Dictionary(dictionary) => Some(dictionary),
            Object::Stream(stream) => Some(&stream.dict),
            _ => None,
        })
    }

    fn stream_content(&self, object: &Object) -> Option<Vec<u8>> {
        match self.resolve(object)? {
            Object::Stream(stream) => self.source.decode(stream),
            _ => None,
        }
    }

    /// Every embedded file, from the EmbeddedFiles name tree and /AF.
    pub fn attachments(&self) -> Vec<Attachment> {
        let Ok(catalog) = self.catalog() else { return Vec::new() };
        let associated: Vec<&Object> = catalog
            .get(b"AF")
            .ok()
            .and_then(|af| self.resolve(af))
            .and_then(|af| af.as_array().ok())
            .map(|array| array.iter().collect())
            .unwrap_or_default();
        let mut specs = self.embedded_files();
        for spec in &associated {
            if !specs.iter().any(|(_, known)| same(known, spec)) {
                specs.push((None, spec));
            }
        }
        specs
            .into_iter()
            .filter_map(|(key, spec)| {
                let dictionary = self.dictionary(spec)?;
                let name = self.spec_names(spec).next().or(key)?;
                let file = dictionary.get(b"EF").ok().and_then(|ef| self.dictionary(ef))?;
                let stream = file.get(b"F").or_else(|_| file.get(b"UF")).ok()?;
                let subtype = self
                    .dictionary(stream)
                    .and_then(|stream| stream.get(b"Subtype").ok())
                    .and_then(|subtype| subtype.as_name().ok())
                    .map(|name| String::from_utf8_lossy(name).into_owned());
                Some(Attachment {
                    name,
                    data: self.stream_content(stream)?,
                    relationship: dictionary
                        .get(b"AFRelationship")
                        .ok()
                        .and_then(|relationship| relationship.as_name().ok())
                        .map(|name| String::from_utf8_lossy(name).into_owned()),
                    subtype,
                    associated: associated.iter().any(|known| same(known, spec)),
                })
            })
            .collect()
    }

    /// The leaves of the catalog's EmbeddedFiles name tree: each file
    /// specification with its key (`None` when the key is not text).
    pub fn embedded_files(&self) -> Vec<(Option<String>, &Object)> {
        let mut specs = Vec::new();
        if let Some(tree) = self
            .catalog()
            .ok()
            .and_then(|catalog| catalog.get(b"Names").ok())
            .and_then(|names| self.dictionary(names))
            .and_then(|names| names.get(b"EmbeddedFiles").ok())
        {
            self.name_tree(tree, 0, &mut specs);
        }
        specs
    }

    /// The names a file specification gives its file: /UF, then /F.
    pub fn spec_names<'s>(&'s self, spec: &'s Object) -> impl Iterator<Item = String> + 's {
        let dictionary = self.dictionary(spec);
        ["UF", "F"]
            .into_iter()
            .filter_map(move |key| dictionary?.get(key.as_bytes()).ok().and_then(|name| self.text(name)))
    }

    fn name_tree<'s>(&'s self, node: &'s Object, depth: usize, specs: &mut Vec<(Option<String>, &'s Object)>) {
        let Some(node) = self.dictionary(node).filter(|_| depth < MAX_TREE_DEPTH) else { return };
        if let Ok(Object::Array(names)) = node.get(b"Names").map(|names| self.resolve(names).unwrap_or(names)) {
            for pair in names.chunks(2) {
                if let [key, spec] = pair {
                    specs.push((self.text(key), spec));
                }
            }
        }
        if let Ok(Object::Array(kids)) = node.get(b"Kids").map(|kids| self.resolve(kids).unwrap_or(kids)) {
            for kid in kids {
                self.name_tree(kid, depth + 1, specs);
            }
        }
    }

    /// A PDF text string (PDFDocEncoding or UTF-16BE with BOM).
    pub fn text(&self, object: &Object) -> Option<String> {
        match self.resolve(object)? {
            Object::String(bytes, _) => Some(decode_text(bytes)),
            Object::Name(bytes) => Some(String::from_utf8_lossy(bytes).into_owned()),
            _ => None,
        }
    }

    /// The catalog's XMP packet.
    pub fn metadata(&self) -> Option<Vec<u8>> {
        let catalog = self.catalog().ok()?;
        self.stream_content(catalog.get(b"Metadata").ok()?)
    }

    /// The Factur-X properties of the XMP, when there is one.
    /// The invoice's XMP properties in the extension schema `namespace`.
    pub fn facturx_xmp(&self, namespace: &str) -> Option<FacturxXmp> {
        xmp::read_facturx(&self.metadata()?, namespace)
    }

    pub fn info(&self) -> Option<&Dictionary> {
        self.trailer.get(b"Info").ok().and_then(|info| self.dictionary(info))
    }
}

fn same(a: &Object, b: &Object) -> bool {
    match (a, b) {
        (Object::Reference(a), Object::Reference(b)) => a == b,
        _ => false,
    }
}

pub fn decode_text(bytes: &[u8]) -> String {
    if let Some(utf16) = bytes.strip_prefix(&[0xfe, 0xff]) {
        let units: Vec<u16> = utf16.chunks_exact(2).map(|pair| u16::from_be_bytes([pair[0], pair[1]])).collect();
        String::from_utf16_lossy(&units)
    } else {
        // PDFDocEncoding agrees with Latin-1 on the letters invoices use.
        bytes.iter().map(|&byte| char::from(byte)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_overlapping_the_same_bytes_stop_at_the_allowance() {
        // Each stream has no usable length, so each runs to the one
        // `endstream` at the end: read in full, they would copy the file
        // thousands of times over.
        let count = 5_000;
        let mut file = b"%PDF-1.7\n1 0 obj <</Type/Catalog/Streams [".to_vec();
        file.extend((2..count).flat_map(|number| format!("{number} 0 R ").into_bytes()));
        file.extend(b"]>> endobj\n");
        for number in 2..count {
            file.extend(format!("{number} 0 obj <</Length 999999999>>stream\n{}\n", "x".repeat(100)).bytes());
        }
        file.extend(b"endstream endobj\ntrailer <</Root 1 0 R>>\n%%EOF");
        let pdf = Pdf::parse(&file).expect("readable");
        assert!(super::super::preflight(&pdf).iter().all(|issue| issue.code != "font_not_embedded"));
        let readable = (2..count).filter(|number| matches!(pdf.object((*number, 0)), Some(Object::Stream(_)))).count();
        assert!(readable > 0, "the first streams read");
        // All of them would copy 1.4 GB; the allowance is 64 MiB and four times the file.
        assert!(readable < count as usize / 2, "{readable} streams read before the allowance was spent");
    }

    #[test]
    fn strings_that_never_close_stop_at_the_parsing_allowance() {
        // Each object opens a string that runs to the end of the file:
        // parsed in full, 20,000 of them would read 4 GB.
        let mut file = b"%PDF-1.7\n1 0 obj <</Type/Catalog>> endobj\n".to_vec();
        for number in 2..20_000 {
            file.extend(format!("{number} 0 obj <</S (\n").bytes());
        }
        file.extend(b"trailer <</Root 1 0 R>>\n%%EOF");
        let outcome = Pdf::parse(&file);
        assert!(matches!(outcome, Err(PdfError::Unreadable(_))), "the allowance is spent before the catalog is read");
    }
}
