//! Untrusted XML in, a tree out: no DTD (so no external entities and no
//! entity expansion), UTF-8 only, a bounded number of nodes and depth.

use roxmltree::{Document, Node, ParsingOptions};

pub const RSM: &str = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100";
pub const RAM: &str = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100";
pub const QDT: &str = "urn:un:unece:uncefact:data:standard:QualifiedDataType:100";
pub const UDT: &str = "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100";

/// ZUGFeRD 1.0's namespaces: its own root, and older CEFACT libraries.
pub const ZUGFERD1_RSM: &str = "urn:ferd:CrossIndustryDocument:invoice:1p0";
pub const ZUGFERD1_RAM: &str = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:12";
pub const ZUGFERD1_QDT: &str = "urn:un:unece:uncefact:data:standard:QualifiedDataType:12";
pub const ZUGFERD1_UDT: &str = "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:15";

/// Far above any real invoice (a 10 MB EXTENDED file has ~400,000 nodes).
const MAX_NODES: u32 = 2_000_000;

/// CII nests about 12 elements deep. Deeper documents are refused: the rules
/// walk paths from the root, so depth would multiply their work (50,000
/// nested elements took 110 s before this limit).
pub const MAX_DEPTH: usize = 64;

#[derive(Debug, thiserror::Error)]
pub enum XmlError {
    #[error("the XML is not UTF-8 text")]
    NotUtf8,
    #[error("the XML is not well-formed or holds a DTD: {0}")]
    Malformed(#[from] roxmltree::Error),
    #[error("the XML nests elements more than {MAX_DEPTH} deep")]
    TooDeep,
}

pub fn text_of(bytes: &[u8]) -> Result<&str, XmlError> {
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    std::str::from_utf8(bytes).map_err(|_| XmlError::NotUtf8)
}

pub fn parse(text: &str) -> Result<Document<'_>, XmlError> {
    let options = ParsingOptions { allow_dtd: false, nodes_limit: MAX_NODES, ..ParsingOptions::default() };
    let document = Document::parse_with_options(text, options)?;
    // Nodes come in document order, parents first: each depth is its parent's plus one.
    let mut depths = vec![0usize; document.descendants().count() + 1];
    for node in document.descendants().filter(Node::is_element) {
        let depth = node.parent().map_or(0, |parent| depths[parent.id().get_usize()]) + 1;
        if depth > MAX_DEPTH {
            return Err(XmlError::TooDeep);
        }
        depths[node.id().get_usize()] = depth;
    }
    Ok(document)
}

pub fn prefix_of(namespace: Option<&str>) -> &'static str {
    match namespace {
        Some(RSM | ZUGFERD1_RSM) => "rsm",
        Some(RAM | ZUGFERD1_RAM) => "ram",
        Some(QDT | ZUGFERD1_QDT) => "qdt",
        Some(UDT | ZUGFERD1_UDT) => "udt",
        _ => "*",
    }
}

/// The element's XPath, `/rsm:CrossIndustryInvoice/.../ram:X[2]`, with
/// its position among same-named siblings.
pub fn path_of(node: Node) -> String {
    let mut steps = Vec::new();
    for element in node.ancestors().filter(Node::is_element) {
        let name = element.tag_name();
        let position = element
            .prev_siblings()
            .skip(1) // the iterator starts at the element itself
            .filter(|sibling| sibling.is_element() && sibling.tag_name() == name)
            .count();
        let step = format!("{}:{}", prefix_of(name.namespace()), name.name());
        steps.push(if element.parent().is_some_and(|parent| parent.is_root()) {
            step
        } else {
            format!("{step}[{}]", position + 1)
        });
    }
    steps.reverse();
    format!("/{}", steps.join("/"))
}

/// The first child element with this local name.
pub fn child<'a, 'input>(node: Node<'a, 'input>, name: &str) -> Option<Node<'a, 'input>> {
    node.children().find(|child| child.is_element() && child.tag_name().name() == name)
}

pub fn children<'a, 'input: 'a>(node: Node<'a, 'input>, name: &'a str) -> impl Iterator<Item = Node<'a, 'input>> + 'a {
    node.children().filter(move |child| child.is_element() && child.tag_name().name() == name)
}

/// The node at the end of a path of local names.
pub fn descend<'a, 'input>(node: Node<'a, 'input>, path: &[&str]) -> Option<Node<'a, 'input>> {
    path.iter().try_fold(node, |node, name| child(node, name))
}

/// The trimmed text of an element, `None` when absent or empty.
pub fn text<'a>(node: Option<Node<'a, '_>>) -> Option<&'a str> {
    node.and_then(|node| node.text()).map(str::trim).filter(|text| !text.is_empty())
}

/// BT-24 and where it is, in a CII invoice or a ZUGFeRD 1.0 one.
pub fn guideline(root: Node) -> Option<(String, String)> {
    let context = match (root.tag_name().name(), root.tag_name().namespace()) {
        ("CrossIndustryInvoice", Some(RSM)) => "ExchangedDocumentContext",
        ("CrossIndustryDocument", Some(ZUGFERD1_RSM)) => "SpecifiedExchangedDocumentContext",
        _ => return None,
    };
    let id = descend(root, &[context, "GuidelineSpecifiedDocumentContextParameter", "ID"])?;
    Some((text(Some(id)).unwrap_or_default().to_owned(), path_of(id)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entities_and_dtds_are_refused() {
        let laughs = r#"<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]><a>&lol2;</a>"#;
        assert!(matches!(parse(laughs), Err(XmlError::Malformed(_))));
        let external = r#"<?xml version="1.0"?><!DOCTYPE a [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><a>&xxe;</a>"#;
        assert!(matches!(parse(external), Err(XmlError::Malformed(_))));
        assert!(matches!(text_of(b"<a>\xff</a>"), Err(XmlError::NotUtf8)));
    }

    #[test]
    fn documents_nested_deeper_than_any_invoice_are_refused() {
        let nested = |depth: usize| format!("{}x{}", "<a>".repeat(depth), "</a>".repeat(depth));
        assert!(parse(&nested(MAX_DEPTH)).is_ok());
        assert!(matches!(parse(&nested(MAX_DEPTH + 1)), Err(XmlError::TooDeep)));
    }

    #[test]
    fn paths_name_positions_among_same_named_siblings() {
        let text = format!(
            r#"<rsm:CrossIndustryInvoice xmlns:rsm="{RSM}" xmlns:ram="{RAM}"><ram:A/><ram:B/><ram:A><ram:C/></ram:A></rsm:CrossIndustryInvoice>"#
        );
        let document = parse(&text).expect("present");
        let c = document.descendants().find(|node| node.tag_name().name() == "C").expect("present");
        assert_eq!(path_of(c), "/rsm:CrossIndustryInvoice/ram:A[2]/ram:C[1]");
    }
}
