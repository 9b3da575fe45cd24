//! Untrusted configuration imports, as JSON and as each CSV table: reading
//! them into a draft never panics, and every problem names a place.
#![no_main]

use checks_svc::transfer::tables::{self, Table};
use checks_svc::transfer::{Draft, read_document};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(document) = read_document(data) {
        let _ = Draft::of_document(document);
    }
    let files: Vec<(Table, &[u8])> = Table::ALL.iter().map(|table| (*table, data)).collect();
    let draft = tables::read(&files);
    assert!(draft.problems.iter().all(|problem| !problem.field.is_empty()), "{:?}", draft.problems);
    for table in Table::ALL {
        let _ = tables::read(&[(table, data)]);
    }
});
