//! Untrusted invoice data (JSON) written as CII for every profile: the
//! writer must produce well-formed XML whatever the strings hold.
#![no_main]

use facturx_svc::domain::{Invoice, Profile};
use facturx_svc::invoice::{self, InvoiceError};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(invoice) = serde_json::from_slice::<Invoice>(data) else { return };
    for profile in Profile::ALL {
        match invoice::xml_from_data(invoice.clone(), profile) {
            Ok(_) | Err(InvoiceError::Invalid(_)) => {}
            Err(error) => panic!("{profile:?}: we wrote XML we cannot read: {error}"),
        }
    }
});
