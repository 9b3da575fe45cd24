//! Untrusted images (uploaded pages, a PDF's embedded scans) through the
//! decoder and the search for inked regions, before any engine sees them.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ocr_svc::engine::ocr::prepare_page;

fuzz_target!(|data: &[u8]| {
    if let Ok(prepared) = prepare_page(data) {
        let (width, height) = prepared.page.dimensions();
        for region in &prepared.regions {
            assert!(region.width > 0 && region.height > 0, "{region:?}");
            assert!(region.left + region.width <= width && region.top + region.height <= height, "{region:?}");
        }
    }
});
