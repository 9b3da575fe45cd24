//! What in the input PDF would break PDF/A-3 conformance, told before
//! converting (a preflight, not a full PDF/A validator).

use std::collections::HashSet;

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
    let mut fonts = HashSet::new();
    let mut javascript = catalog
        .get(b"Names")
        .ok()
        .and_then(|names| pdf.dictionary(names))
        .is_some_and(|names| names.get(b"JavaScript").is_ok());
    let mut transparency = false;
    for (id, object) in &pdf.document.objects {
        let dictionary = match object {
            Object::Dictionary(dictionary) => dictionary,
            Object::Stream(stream) => &stream.dict,
            _ => continue,
        };
        javascript |= is_name(dictionary, b"S", b"JavaScript") || dictionary.get(b"JS").is_ok();
        transparency |= is_name(dictionary, b"S", b"Transparency")
            || dictionary.get(b"SMask").is_ok_and(|mask| !matches!(mask, Object::Name(name) if name == b"None"));
        if is_name(dictionary, b"Type", b"Font") && !font_embedded(pdf, dictionary) {
            fonts.insert(font_name(dictionary, *id));
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
    let mut fonts: Vec<String> = fonts.into_iter().collect();
    fonts.sort();
    for font in fonts {
        issues.push(issue(
            "font_not_embedded",
            format!("La police {font} n'est pas incorporée (PDF/A exige toutes les polices incorporées)."),
            format!("Font {font} is not embedded (PDF/A requires every font embedded)."),
        ));
    }
    issues
}

fn is_name(dictionary: &Dictionary, key: &[u8], value: &[u8]) -> bool {
    dictionary.get(key).and_then(Object::as_name).is_ok_and(|name| name == value)
}

fn font_name(dictionary: &Dictionary, id: ObjectId) -> String {
    dictionary
        .get(b"BaseFont")
        .and_then(Object::as_name)
        .map(|name| String::from_utf8_lossy(name).into_owned())
        .unwrap_or_else(|_| format!("{} {} R", id.0, id.1))
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
