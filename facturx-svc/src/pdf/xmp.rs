//! The XMP packet: reading the Factur-X properties, and merging ours into
//! whatever the producer wrote (their properties stay, ours replace the
//! same-named ones).

use roxmltree::{Document, Node, ParsingOptions};

const RDF: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#";
pub const FX: &str = "urn:factur-x:pdfa:CrossIndustryDocument:invoice:1p0#";
/// ZUGFeRD 1.0's extension schema, where its PDFs describe their invoice.
pub const ZUGFERD1: &str = "urn:ferd:pdfa:CrossIndustryDocument:invoice:1p0#";
const PDFAID: &str = "http://www.aiim.org/pdfa/ns/id/";
const PDFA_EXTENSION: &str = "http://www.aiim.org/pdfa/ns/extension/";
const DC: &str = "http://purl.org/dc/elements/1.1/";
const XMP: &str = "http://ns.adobe.com/xap/1.0/";
const PDF: &str = "http://ns.adobe.com/pdf/1.3/";

/// The Factur-X properties (Factur-X 1.0 §6.2.3) and the PDF/A id.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FacturxXmp {
    pub document_type: Option<String>,
    pub document_file_name: Option<String>,
    pub version: Option<String>,
    pub conformance_level: Option<String>,
    pub pdfa_part: Option<String>,
    pub pdfa_conformance: Option<String>,
}

fn parse(bytes: &[u8]) -> Option<Document<'_>> {
    let text = std::str::from_utf8(bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes)).ok()?;
    Document::parse_with_options(
        text,
        ParsingOptions { allow_dtd: false, nodes_limit: 100_000, ..ParsingOptions::default() },
    )
    .ok()
}

/// A simple property's value, as an attribute or a child element of any
/// rdf:Description.
fn property(document: &Document, namespace: &str, name: &str) -> Option<String> {
    document.descendants().filter(|node| is(*node, RDF, "Description")).find_map(|description| {
        description.attribute((namespace, name)).map(str::to_owned).or_else(|| {
            description
                .children()
                .find(|child| is(*child, namespace, name))
                .and_then(|child| child.text())
                .map(|text| text.trim().to_owned())
        })
    })
}

fn is(node: Node, namespace: &str, name: &str) -> bool {
    node.is_element() && node.tag_name().namespace() == Some(namespace) && node.tag_name().name() == name
}

/// The invoice's XMP properties, in the extension schema `namespace`
/// (Factur-X's, or ZUGFeRD 1.0's).
pub fn read_facturx(bytes: &[u8], namespace: &str) -> Option<FacturxXmp> {
    let text = String::from_utf8_lossy(bytes);
    let document = parse(text.as_bytes())?;
    Some(FacturxXmp {
        document_type: property(&document, namespace, "DocumentType"),
        document_file_name: property(&document, namespace, "DocumentFileName"),
        version: property(&document, namespace, "Version"),
        conformance_level: property(&document, namespace, "ConformanceLevel"),
        pdfa_part: property(&document, PDFAID, "part"),
        pdfa_conformance: property(&document, PDFAID, "conformance"),
    })
}

/// What /Info says, mirrored in the XMP so that both agree.
#[derive(Debug, Default)]
pub struct InfoMirror {
    pub title: Option<String>,
    pub author: Option<String>,
    pub subject: Option<String>,
    pub keywords: Option<String>,
    pub creator: Option<String>,
    pub producer: String,
    pub create_date: Option<String>,
    pub modify_date: String,
}

/// Properties ours replace: theirs are dropped from the merged packet.
fn replaced(namespace: &str, name: &str) -> bool {
    matches!(namespace, FX | PDFAID)
        || (namespace == PDFA_EXTENSION && name == "schemas")
        || (namespace == DC && matches!(name, "title" | "creator" | "description"))
        || (namespace == XMP && matches!(name, "CreatorTool" | "CreateDate" | "ModifyDate" | "MetadataDate"))
        || (namespace == PDF && matches!(name, "Producer" | "Keywords"))
}

pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// A new packet with the producer's other properties and ours.
pub fn merge(existing: Option<&[u8]>, facturx: &FacturxXmp, info: &InfoMirror) -> Vec<u8> {
    let mut kept = String::new();
    if let Some(document) = existing.and_then(parse) {
        for description in document.descendants().filter(|node| is(*node, RDF, "Description")) {
            let declarations: String = description
                .namespaces()
                .filter(|namespace| namespace.name().is_some_and(|prefix| prefix != "xml"))
                .map(|namespace| {
                    format!(" xmlns:{}=\"{}\"", namespace.name().unwrap_or_default(), escape(namespace.uri()))
                })
                .collect();
            let mut properties = String::new();
            for attribute in description.attributes() {
                let Some(namespace) = attribute.namespace() else { continue };
                if namespace == RDF || replaced(namespace, attribute.name()) {
                    continue;
                }
                let prefix = description.lookup_prefix(namespace).unwrap_or_default();
                let name = attribute.name();
                properties.push_str(&format!("<{prefix}:{name}>{}</{prefix}:{name}>", escape(attribute.value())));
            }
            for child in description.children().filter(Node::is_element) {
                let namespace = child.tag_name().namespace().unwrap_or_default();
                if !replaced(namespace, child.tag_name().name()) {
                    properties.push_str(&document.input_text()[child.range()]);
                }
            }
            if !properties.is_empty() {
                kept.push_str(&format!(
                    "<rdf:Description rdf:about=\"\"{declarations}>{properties}</rdf:Description>\n"
                ));
            }
        }
    }
    let optional = |tag: &str, value: &Option<String>| {
        value.as_ref().map(|value| format!("<{tag}>{}</{tag}>", escape(value))).unwrap_or_default()
    };
    let language_alternative = |tag: &str, value: &Option<String>| {
        value
            .as_ref()
            .map(|value| {
                format!("<{tag}><rdf:Alt><rdf:li xml:lang=\"x-default\">{}</rdf:li></rdf:Alt></{tag}>", escape(value))
            })
            .unwrap_or_default()
    };
    let fx_value = |value: &Option<String>| escape(value.as_deref().unwrap_or_default());
    format!(
        r#"<?xpacket begin="{bom}" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
<rdf:RDF xmlns:rdf="{RDF}">
{kept}<rdf:Description rdf:about="" xmlns:pdfaid="{PDFAID}"><pdfaid:part>{part}</pdfaid:part><pdfaid:conformance>{conformance}</pdfaid:conformance></rdf:Description>
<rdf:Description rdf:about="" xmlns:dc="{DC}" xmlns:xmp="{XMP}" xmlns:pdf="{PDF}">{title}{creator}{description}{creator_tool}{create_date}<xmp:ModifyDate>{modify}</xmp:ModifyDate><xmp:MetadataDate>{modify}</xmp:MetadataDate><pdf:Producer>{producer}</pdf:Producer>{keywords}</rdf:Description>
<rdf:Description rdf:about="" xmlns:fx="{FX}"><fx:DocumentType>{document_type}</fx:DocumentType><fx:DocumentFileName>{file_name}</fx:DocumentFileName><fx:Version>{version}</fx:Version><fx:ConformanceLevel>{level}</fx:ConformanceLevel></rdf:Description>
<rdf:Description rdf:about="" xmlns:pdfaExtension="{PDFA_EXTENSION}" xmlns:pdfaSchema="http://www.aiim.org/pdfa/ns/schema#" xmlns:pdfaProperty="http://www.aiim.org/pdfa/ns/property#">
<pdfaExtension:schemas><rdf:Bag><rdf:li rdf:parseType="Resource">
<pdfaSchema:schema>Factur-X PDFA Extension Schema</pdfaSchema:schema>
<pdfaSchema:namespaceURI>{FX}</pdfaSchema:namespaceURI>
<pdfaSchema:prefix>fx</pdfaSchema:prefix>
<pdfaSchema:property><rdf:Seq>{fx_properties}</rdf:Seq></pdfaSchema:property>
</rdf:li></rdf:Bag></pdfaExtension:schemas>
</rdf:Description>
</rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>"#,
        bom = '\u{feff}',
        part = fx_value(&facturx.pdfa_part),
        conformance = fx_value(&facturx.pdfa_conformance),
        title = language_alternative("dc:title", &info.title),
        creator = info.author.as_ref().map(|author| format!("<dc:creator><rdf:Seq><rdf:li>{}</rdf:li></rdf:Seq></dc:creator>", escape(author))).unwrap_or_default(),
        description = language_alternative("dc:description", &info.subject),
        creator_tool = optional("xmp:CreatorTool", &info.creator),
        create_date = optional("xmp:CreateDate", &info.create_date),
        modify = escape(&info.modify_date),
        producer = escape(&info.producer),
        keywords = optional("pdf:Keywords", &info.keywords),
        document_type = fx_value(&facturx.document_type),
        file_name = fx_value(&facturx.document_file_name),
        version = fx_value(&facturx.version),
        level = fx_value(&facturx.conformance_level),
        fx_properties = [
            ("DocumentFileName", "The name of the embedded XML document"),
            ("DocumentType", "The type of the hybrid document in capital letters, e.g. INVOICE or ORDER"),
            ("Version", "The actual version of the standard applying to the embedded XML document"),
            ("ConformanceLevel", "The conformance level of the embedded XML document"),
        ]
        .iter()
        .map(|(name, description)| format!(
            "<rdf:li rdf:parseType=\"Resource\"><pdfaProperty:name>{name}</pdfaProperty:name><pdfaProperty:valueType>Text</pdfaProperty:valueType><pdfaProperty:category>external</pdfaProperty:category><pdfaProperty:description>{description}</pdfaProperty:description></rdf:li>"
        ))
        .collect::<String>(),
    )
    .into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merging_keeps_their_properties_and_replaces_ours() {
        let theirs = format!(
            r#"<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="{RDF}"><rdf:Description rdf:about="" xmlns:pdfaid="{PDFAID}" xmlns:photoshop="http://ns.adobe.com/photoshop/1.0/" pdfaid:part="1" photoshop:City="Lyon"><photoshop:Country>France</photoshop:Country></rdf:Description></rdf:RDF></x:xmpmeta>"#
        );
        let ours = FacturxXmp {
            document_type: Some("INVOICE".into()),
            document_file_name: Some("factur-x.xml".into()),
            version: Some("1.0".into()),
            conformance_level: Some("EN 16931".into()),
            pdfa_part: Some("3".into()),
            pdfa_conformance: Some("B".into()),
        };
        let info = InfoMirror {
            producer: "platform".into(),
            modify_date: "2026-11-21T10:00:00Z".into(),
            ..InfoMirror::default()
        };
        let merged = merge(Some(theirs.as_bytes()), &ours, &info);
        assert_eq!(read_facturx(&merged, FX), Some(ours));
        let text = String::from_utf8(merged).expect("present");
        assert!(
            text.contains("<photoshop:City>Lyon</photoshop:City>")
                && text.contains("<photoshop:Country>France</photoshop:Country>")
        );
        assert_eq!(text.matches("pdfaid:part").count(), 2, "one pdfaid:part element, theirs dropped");
    }
}
