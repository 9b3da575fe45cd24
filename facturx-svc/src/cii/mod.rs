//! The invoice model (`domain::Invoice`) to and from CII XML. `write`
//! builds every element the model fills; the profile's structure and
//! usage tables then keep only what the profile allows, in its order.

mod read;
mod write;

pub use read::read;
pub use write::write;

use std::fmt::Write as _;

/// An XML element under construction, named with its CII prefix.
#[derive(Debug, Clone, PartialEq)]
pub struct Element {
    pub name: &'static str,
    pub attributes: Vec<(&'static str, String)>,
    pub text: Option<String>,
    pub children: Vec<Element>,
}

impl Element {
    pub fn new(name: &'static str) -> Self {
        Self { name, attributes: Vec::new(), text: None, children: Vec::new() }
    }

    pub fn local_name(&self) -> &'static str {
        self.name.split_once(':').map_or(self.name, |(_, local)| local)
    }

    fn serialize(&self, out: &mut String) {
        let _ = write!(out, "<{}", self.name);
        for (name, value) in &self.attributes {
            let _ = write!(out, " {name}=\"{}\"", escape(value));
        }
        match (&self.text, self.children.is_empty()) {
            (None, true) => out.push_str("/>"),
            (text, _) => {
                out.push('>');
                if let Some(text) = text {
                    out.push_str(&escape(text));
                }
                for child in &self.children {
                    child.serialize(out);
                }
                let _ = write!(out, "</{}>", self.name);
            }
        }
    }
}

const NAMESPACES: &str = concat!(
    " xmlns:rsm=\"urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100\"",
    " xmlns:qdt=\"urn:un:unece:uncefact:data:standard:QualifiedDataType:100\"",
    " xmlns:ram=\"urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100\"",
    " xmlns:udt=\"urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100\"",
);

/// The document: an XML declaration, the namespaces on the root element.
pub fn to_xml(root: &Element) -> String {
    let mut body = String::new();
    root.serialize(&mut body);
    let open = format!("<{}", root.name);
    format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n{open}{NAMESPACES}{}", &body[open.len()..])
}

fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            // Control characters are not XML 1.0 text.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => {}
            c => escaped.push(c),
        }
    }
    escaped
}
