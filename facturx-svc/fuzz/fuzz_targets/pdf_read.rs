//! Untrusted PDFs through validate, extract, preflight and convert.
#![no_main]

use facturx_svc::invoice::{self, ConvertOptions};
use libfuzzer_sys::fuzz_target;

const MINIMUM_XML: &[u8] = br#"<?xml version="1.0" encoding="UTF-8"?>
<rsm:CrossIndustryInvoice xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100" xmlns:ram="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"><rsm:ExchangedDocumentContext><ram:GuidelineSpecifiedDocumentContextParameter><ram:ID>urn:factur-x.eu:1p0:minimum</ram:ID></ram:GuidelineSpecifiedDocumentContextParameter></rsm:ExchangedDocumentContext></rsm:CrossIndustryInvoice>"#;

fuzz_target!(|data: &[u8]| {
    let _ = invoice::validate(data, None);
    let _ = invoice::extract(data);
    let options = ConvertOptions { relationship: None, output_intent: true };
    if let Ok(converted) = invoice::convert(data.to_vec(), MINIMUM_XML, &options, "fuzz") {
        // What we write must read back.
        invoice::extract(&converted.pdf()).expect("our own output is readable");
    }
});
