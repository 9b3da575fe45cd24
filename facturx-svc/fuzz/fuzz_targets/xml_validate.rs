//! Untrusted XML through the whole validation: parsing without DTDs,
//! structure, usage and business rules. A panic is a finding.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = facturx_svc::rules::validate_xml(data, None);
});
