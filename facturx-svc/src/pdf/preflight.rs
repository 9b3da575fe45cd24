//! What in the input PDF would break PDF/A-3 conformance, told before
//! converting (a preflight, not a full PDF/A validator).

use std::collections::{BTreeSet, HashSet};

use lopdf::{Dictionary, Object, ObjectId};
use serde::Serialize;

use super::Pdf;

/// One thing in the input that PDF/A-3 forbids or requires otherwise.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Issue {
    /// `encrypted`, `javascript`, `no_output_intent`, `font_not_embedded`, `transparency`.
    pub code: &'static str,
    pub message_fr: String,
    pub message_en: String,
}

fn issue(code: &'static str, fr: String, en: String) -> Issue {
    Issue { code, message_fr: fr, message_en: en }
}

pub fn preflight(pdf: &Pdf) -> Vec<Issue> {
    let mut issues = Vec::new();
    if pdf.is_encrypted() {
        issues.push(issue(
            "encrypted",
            "Le PDF est chiffré (interdit en PDF/A).".into(),
            "The PDF is encrypted (PDF/A forbids it).".into(),
        ));
    }
    let Ok(catalog) = pdf.catalog() else { return issues };
    if catalog.get(b"OutputIntents").is_err() {
        issues.push(issue(
            "no_output_intent",
            "Le PDF n'a pas d'OutputIntent (profil de couleur) : l'option output_intent en ajoute un sRGB.".into(),
            "The PDF has no OutputIntent (colour profile): the output_intent option adds an sRGB one.".into(),
        ));
    }
    let mut fonts = BTreeSet::new();
    let (mut javascript, mut transparency) = (false, false);
    for (id, dictionary) in reachable_dictionaries(pdf) {
        javascript |= is_name(dictionary, b"S", b"JavaScript") || dictionary.get(b"JS").is_ok();
        transparency |= is_name(dictionary, b"S", b"Transparency")
            || dictionary.get(b"SMask").is_ok_and(|mask| !matches!(mask, Object::Name(name) if name == b"None"));
        if is_name(dictionary, b"Type", b"Font") && !font_embedded(pdf, dictionary) {
            fonts.insert(font_name(dictionary, id));
        }
    }
    if javascript {
        issues.push(issue(
            "javascript",
            "Le PDF contient du JavaScript (interdit en PDF/A).".into(),
            "The PDF holds JavaScript (PDF/A forbids it).".into(),
        ));
    }
    if transparency {
        issues.push(issue(
            "transparency",
            "Le PDF utilise la transparence : elle exige un OutputIntent et un espace de couleur de fusion en PDF/A."
                .into(),
            "The PDF uses transparency: PDF/A then requires an OutputIntent and a blending colour space.".into(),
        ));
    }
    for font in fonts {
        issues.push(issue(
            "font_not_embedded",
            format!("La police {font} n'est pas incorporée (PDF/A exige toutes les polices incorporées)."),
            format!("Font {font} is not embedded (PDF/A requires every font embedded)."),
        ));
    }
    issues
}

/// Entries that lead to nothing the preflight looks at: back links, the
/// logical structure, page contents, font programs, attached files. Not
/// following them spares parsing most of a large file.
const UNVISITED: [&[u8]; 12] = [
    b"Parent",
    b"P",
    b"StructTreeRoot",
    b"ParentTree",
    b"Contents",
    b"Metadata",
    b"FontFile",
    b"FontFile2",
    b"FontFile3",
    b"Thumb",
    b"PieceInfo",
    b"EF",
];

/// Every dictionary (and stream dictionary) reachable from the catalog
/// but through `UNVISITED` entries, the catalog first, each with the
/// reference it was reached by; visited without recursion, so a long
/// chain cannot exhaust the stack.
fn reachable_dictionaries<'s>(pdf: &'s Pdf) -> Vec<(Option<ObjectId>, &'s Dictionary)> {
    let mut seen = HashSet::new();
    let mut found = Vec::new();
    let mut pending: Vec<(Option<ObjectId>, &Object)> =
        pdf.trailer().get(b"Root").map(|root| (None, root)).into_iter().collect();
    while let Some((via, object)) = pending.pop() {
        let dictionary = match object {
            Object::Reference(id) if seen.insert(*id) => {
                pending.extend(pdf.object(*id).map(|object| (Some(*id), object)));
                continue;
            }
            Object::Array(items) => {
                pending.extend(items.iter().map(|item| (None, item)));
                continue;
            }
            Object::Dictionary(dictionary) => dictionary,
            Object::Stream(stream) => &stream.dict,
            _ => continue,
        };
        found.push((via, dictionary));
        pending.extend(
            dictionary.iter().filter(|(key, _)| !UNVISITED.contains(&key.as_slice())).map(|(_, value)| (None, value)),
        );
    }
    found
}

fn is_name(dictionary: &Dictionary, key: &[u8], value: &[u8]) -> bool {
    dictionary.get(key).and_then(Object::as_name).is_ok_and(|name| name == value)
}

fn font_name(dictionary: &Dictionary, id: Option<ObjectId>) -> String {
    match (dictionary.get(b"BaseFont").and_then(Object::as_name), id) {
        (Ok(name), _) => String::from_utf8_lossy(name).into_owned(),
        (Err(_), Some((number, generation))) => format!("{number} {generation} R"),
        (Err(_), None) => "(unnamed)".to_owned(),
    }
}

/// A font is embedded when its descriptor (or its descendant's, for
/// Type 0) holds a font file; Type 3 fonts are drawn, so always embedded.
fn font_embedded(pdf: &Pdf, font: &Dictionary) -> bool {
    if is_name(font, b"Subtype", b"Type3") {
        return true;
    }
    if is_name(font, b"Subtype", b"Type0") {
        return font
            .get(b"DescendantFonts")
            .ok()
            .and_then(|fonts| pdf.resolve(fonts))
            .and_then(|fonts| fonts.as_array().ok())
            .and_then(|fonts| fonts.first())
            .and_then(|descendant| pdf.dictionary(descendant))
            .is_some_and(|descendant| font_embedded(pdf, descendant));
    }
    font.get(b"FontDescriptor").ok().and_then(|descriptor| pdf.dictionary(descriptor)).is_some_and(|descriptor| {
        [b"FontFile".as_slice(), b"FontFile2", b"FontFile3"].iter().any(|key| descriptor.get(key).is_ok())
    })
}

#[cfg(test)]
mod tests {
    use lopdf::{Document, Stream, dictionary};

    use super::*;

    /// A one-page PDF: `build` adds the objects it needs and gives the
    /// page's resources and the catalog's extra entries.
    fn pdf_with(build: impl FnOnce(&mut Document) -> (Dictionary, Dictionary)) -> Vec<u8> {
        let mut document = Document::with_version("1.7");
        let (resources, extra) = build(&mut document);
        let pages_id = document.new_object_id();
        let page_id = document.add_object(dictionary! {
            "Type" => "Page", "Parent" => pages_id, "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
            "Resources" => resources,
        });
        document.objects.insert(
            pages_id,
            Object::Dictionary(dictionary! { "Type" => "Pages", "Kids" => vec![page_id.into()], "Count" => 1 }),
        );
        let mut catalog = dictionary! { "Type" => "Catalog", "Pages" => pages_id };
        catalog.extend(&extra);
        let catalog_id = document.add_object(catalog);
        document.trailer.set("Root", catalog_id);
        let mut bytes = Vec::new();
        document.save_to(&mut bytes).expect("in memory");
        bytes
    }

    fn codes(bytes: &[u8]) -> Vec<&'static str> {
        preflight(&Pdf::parse(bytes).expect("readable")).iter().map(|issue| issue.code).collect()
    }

    #[test]
    fn what_pdf_a_forbids_is_found_on_the_pages_and_the_catalog() {
        let bytes = pdf_with(|document| {
            let mask =
                document.add_object(Stream::new(dictionary! { "Type" => "XObject", "Subtype" => "Image" }, vec![0]));
            let image = dictionary! { "Type" => "XObject", "Subtype" => "Image", "SMask" => mask };
            let font = dictionary! { "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Helvetica" };
            let resources = dictionary! {
                "Font" => dictionary! { "F1" => document.add_object(font) },
                "XObject" => dictionary! { "Im1" => document.add_object(Stream::new(image, vec![0])) },
            };
            let javascript = dictionary! { "S" => "JavaScript", "JS" => Object::string_literal("app.alert(1)") };
            (resources, dictionary! { "OpenAction" => javascript })
        });
        let issues = preflight(&Pdf::parse(&bytes).expect("readable"));
        let codes: Vec<&str> = issues.iter().map(|issue| issue.code).collect();
        assert_eq!(codes, ["no_output_intent", "javascript", "transparency", "font_not_embedded"]);
        assert!(issues[3].message_en.contains("Helvetica"));
    }

    #[test]
    fn an_embedded_font_and_an_output_intent_leave_nothing_to_report() {
        let bytes = pdf_with(|document| {
            let program = document.add_object(Stream::new(Dictionary::new(), vec![0]));
            let descriptor = dictionary! { "Type" => "FontDescriptor", "FontFile2" => program };
            let font = dictionary! {
                "Type" => "Font", "Subtype" => "TrueType", "BaseFont" => "DejaVuSans", "FontDescriptor" => descriptor,
            };
            let intents =
                dictionary! { "OutputIntents" => vec![Object::Dictionary(dictionary! { "S" => "GTS_PDFA1" })] };
            (dictionary! { "Font" => dictionary! { "F1" => font } }, intents)
        });
        assert!(codes(&bytes).is_empty());
    }

    #[test]
    fn a_page_tree_a_hundred_thousand_levels_deep_is_walked_without_recursion() {
        let mut file = b"%PDF-1.7\n".to_vec();
        let depth = 100_000u32;
        for number in 2..depth {
            file.extend(format!("{number} 0 obj <</Type/Pages/Kids[{} 0 R]>> endobj\n", number + 1).bytes());
        }
        file.extend(format!("{depth} 0 obj <</Type/Font/BaseFont/Deep>> endobj\n").bytes());
        file.extend(b"1 0 obj <</Type/Catalog/Pages 2 0 R>> endobj\ntrailer <</Root 1 0 R>>\n%%EOF");
        assert_eq!(codes(&file), ["no_output_intent", "font_not_embedded"]);
    }
}
