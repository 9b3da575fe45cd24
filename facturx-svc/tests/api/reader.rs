//! The lazy PDF reader against lopdf's whole-file reader, on the corpus.

use facturx_svc::pdf::Pdf;
use lopdf::{Document, Object};

use crate::helpers::corpus_files;

/// Streams compare by dictionary (bar the Length, resolved or not) and data.
fn comparable(object: &Object) -> Object {
    match object {
        Object::Stream(stream) => {
            let mut dictionary = stream.dict.clone();
            dictionary.remove(b"Length");
            Object::Array(vec![Object::Dictionary(dictionary), Object::string_literal(stream.content.clone())])
        }
        other => other.clone(),
    }
}

#[test]
fn every_object_of_every_corpus_pdf_reads_as_lopdf_reads_it() {
    let mut compared = 0;
    for path in corpus_files().into_iter().filter(|path| path.extension().is_some_and(|extension| extension == "pdf")) {
        let bytes = std::fs::read(&path).expect("readable");
        let whole = Document::load_mem(&bytes).expect("lopdf reads the corpus");
        let lazy = Pdf::parse(&bytes).expect("the lazy reader reads the corpus");
        assert!(!lazy.repaired, "{}: its cross-reference reads as is", path.display());
        for (id, object) in &whole.objects {
            // lopdf inflates the object streams it unpacks in place.
            if object.as_stream().is_ok_and(|stream| stream.dict.has_type(b"ObjStm")) {
                continue;
            }
            let ours = lazy.object(*id).unwrap_or_else(|| panic!("{}: object {id:?} missing", path.display()));
            assert_eq!(comparable(ours), comparable(object), "{}: object {id:?}", path.display());
            compared += 1;
        }
    }
    assert!(compared > 1_000, "{compared} objects compared");
}
