use lopdf::{Dictionary, Document, Object, ObjectId};

use super::xmp::{self, FacturxXmp};

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

pub struct Pdf {
    pub document: Document,
}

/// How deep a name tree may go before it is taken as a loop.
const MAX_TREE_DEPTH: usize = 16;

impl Pdf {
    pub fn parse(bytes: &[u8]) -> Result<Self, PdfError> {
        let document = Document::load_mem(bytes).map_err(|error| PdfError::Unreadable(error.to_string()))?;
        Ok(Self { document })
    }

    pub fn is_encrypted(&self) -> bool {
        self.document.trailer.get(b"Encrypt").is_ok()
    }

    pub fn catalog(&self) -> Result<&Dictionary, PdfError> {
        self.document.catalog().map_err(|error| PdfError::Unreadable(error.to_string()))
    }

    pub fn catalog_id(&self) -> Result<ObjectId, PdfError> {
        self.document
            .trailer
            .get(b"Root")
            .and_then(Object::as_reference)
            .map_err(|error| PdfError::Unreadable(error.to_string()))
    }

    /// Follows references to the object they point at.
    pub fn resolve<'a>(&'a self, object: &'a Object) -> Option<&'a Object> {
        self.document.dereference(object).ok().map(|(_, object)| object)
    }

    pub fn dictionary<'a>(&'a self, object: &'a Object) -> Option<&'a Dictionary> {
        self.resolve(object).and_then(|object| match object {
            Object::Dictionary(dictionary) => Some(dictionary),
            Object::Stream(stream) => Some(&stream.dict),
            _ => None,
        })
    }

    fn stream_content(&self, object: &Object) -> Option<Vec<u8>> {
        match self.resolve(object)? {
            Object::Stream(stream) => {
                if stream.dict.get(b"Filter").is_ok() {
                    stream.decompressed_content().ok()
                } else {
                    Some(stream.content.clone())
                }
            }
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
    pub fn spec_names<'a>(&'a self, spec: &'a Object) -> impl Iterator<Item = String> + 'a {
        let dictionary = self.dictionary(spec);
        ["UF", "F"]
            .into_iter()
            .filter_map(move |key| dictionary?.get(key.as_bytes()).ok().and_then(|name| self.text(name)))
    }

    fn name_tree<'a>(&'a self, node: &'a Object, depth: usize, specs: &mut Vec<(Option<String>, &'a Object)>) {
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
    pub fn facturx_xmp(&self) -> Option<FacturxXmp> {
        xmp::read_facturx(&self.metadata()?)
    }

    pub fn info(&self) -> Option<&Dictionary> {
        self.document.trailer.get(b"Info").ok().and_then(|info| self.dictionary(info))
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
