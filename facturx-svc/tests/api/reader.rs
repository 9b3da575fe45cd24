//! The lazy PDF reader against lopdf's whole-file reader, on the corpus.

use facturx_svc::invoice::{self, ConvertOptions, InvoiceError};
use facturx_svc::pdf::{Pdf, PdfError};
use facturx_svc::rules::RuleSet;
use lopdf::{Document, Object};

use crate::helpers::{EN16931_PDF, corpus_file, corpus_files};

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

#[test]
fn a_broken_cross_reference_is_rebuilt_for_reading_but_not_updated() {
    let mut bytes = corpus_file(EN16931_PDF);
    let startxref = bytes.windows(9).rposition(|window| window == b"startxref").expect("present");
    // The offset after the last startxref now points nowhere useful.
    for byte in bytes[startxref + 9..].iter_mut().filter(|byte| byte.is_ascii_digit()) {
        *byte = b'1';
    }
    let extracted = invoice::extract(&bytes).expect("read from the rebuilt cross-reference");
    assert_eq!(extracted.file_name, "factur-x.xml");
    // Readable, and never silently valid: other readers refuse such a file.
    let report = invoice::validate(&bytes, Some(RuleSet::En16931)).expect("validated");
    assert!(report.warnings.iter().any(|finding| finding.rule == "PDF-REPAIRED"), "{:?}", report.warnings);
    let options = ConvertOptions { relationship: None, output_intent: false };
    assert!(matches!(
        invoice::convert(bytes.clone(), &extracted.xml, &options, "test"),
        Err(InvoiceError::Pdf(PdfError::Unreadable(_)))
    ));
}

#[test]
fn an_encrypted_pdf_is_refused_as_such() {
    let mut document = Document::load_mem(&corpus_file(EN16931_PDF)).expect("readable");
    let encrypt = document.add_object(lopdf::dictionary! { "Filter" => "Standard", "V" => 2, "R" => 3 });
    document.trailer.set("Encrypt", encrypt);
    let mut bytes = Vec::new();
    document.save_to(&mut bytes).expect("in memory");
    assert!(matches!(invoice::extract(&bytes), Err(InvoiceError::Pdf(PdfError::Encrypted))));
    assert!(matches!(invoice::validate(&bytes, Some(RuleSet::En16931)), Err(InvoiceError::Pdf(PdfError::Encrypted))));
}

/// The catalog's /AF array and the relationship a profile allows (Factur-X
/// 1.0 §6.2.2), each checked on a corpus file changed in place.
#[test]
fn an_invoice_missing_from_af_or_minimum_as_alternative_is_refused() {
    let mut document = Document::load_mem(&corpus_file(EN16931_PDF)).expect("readable");
    let catalog = document.trailer.get(b"Root").and_then(Object::as_reference).expect("a catalog");
    document.get_object_mut(catalog).and_then(Object::as_dict_mut).expect("a dictionary").remove(b"AF");
    let mut without_af = Vec::new();
    document.save_to(&mut without_af).expect("in memory");
    let report = invoice::validate(&without_af, Some(RuleSet::En16931)).expect("validated");
    assert!(!report.valid && report.errors.iter().any(|finding| finding.rule == "FX-PDF-08"), "{:?}", report.errors);

    let minimum = corpus_file("pdf/Minimum/Facture_F20260023-LE_FOURNISSEUR-POUR-LE_CLIENT_MINIMUM.pdf");
    let xml = invoice::extract(&minimum).expect("the sample's XML").xml;
    let plain = corpus_file("pdf/Custom/2023-6013_facture.pdf");
    let options =
        ConvertOptions { relationship: Some(facturx_svc::domain::Relationship::Alternative), output_intent: true };
    let alternative = invoice::convert(plain, &xml, &options, "test").expect("converted").pdf();
    let report = invoice::validate(&alternative, Some(RuleSet::En16931)).expect("validated");
    assert!(!report.valid && report.errors.iter().any(|finding| finding.rule == "FX-PDF-09"), "{:?}", report.errors);
}

/// BT-83 without payment means (BG-16) is read, and written back as it came.
#[test]
fn a_payment_reference_without_payment_means_is_kept() {
    let sample = corpus_file("pdf/EN16931/Facture_F20260023-LE_FOURNISSEUR-POUR-LE_CLIENT_EN_16931.pdf");
    let mut xml = String::from_utf8(invoice::extract(&sample).expect("the sample's XML").xml).expect("utf-8");
    let (open, close) = ("<ram:SpecifiedTradeSettlementPaymentMeans>", "</ram:SpecifiedTradeSettlementPaymentMeans>");
    while let (Some(start), Some(end)) = (xml.find(open), xml.find(close)) {
        xml.replace_range(start..end + close.len(), "");
    }
    let document = roxmltree::Document::parse(&xml).expect("xml");
    let data = facturx_svc::cii::read(document.root_element());
    let payment = data.payment.as_ref().expect("payment instructions with BT-83 alone");
    assert_eq!(payment.remittance_information.as_deref(), Some("F20260023BUYER"));
    let written = facturx_svc::cii::write(&data, facturx_svc::domain::Profile::En16931);
    assert!(written.contains("<ram:PaymentReference>F20260023BUYER</ram:PaymentReference>"), "{written}");
    assert!(!written.contains(open), "no payment means made up");
}

/// The XMP names the XRechnung version of the embedded XML, not always 3.0.
#[test]
fn the_xmp_says_which_xrechnung_version_is_embedded() {
    let plain = corpus_file("pdf/Custom/2023-6013_facture.pdf");
    let options = ConvertOptions { relationship: None, output_intent: true };
    let version_3 = corpus_file("xml/xml-rechnung-cii/XRECHNUNG_Elektron.cii.xml");
    let text = String::from_utf8(version_3.clone()).expect("utf-8");
    assert!(text.contains("xrechnung_3.0"), "the sample is XRechnung 3.0");
    let version_2 = text.replace("xrechnung_3.0", "xrechnung_2.3").into_bytes();
    for (xml, version) in [(version_3, "3.0"), (version_2, "2.3")] {
        let converted = invoice::convert(plain.clone(), &xml, &options, "test").expect("converted").pdf();
        let pdf = Pdf::parse(&converted).expect("readable");
        assert_eq!(
            pdf.facturx_xmp(facturx_svc::pdf::FACTURX_XMP).and_then(|xmp| xmp.version).as_deref(),
            Some(version)
        );
    }
}
