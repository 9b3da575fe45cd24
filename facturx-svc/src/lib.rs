//! Factur-X conversion, validation and extraction: CII invoices checked
//! against their profile's structure, usage and the EN 16931 business
//! rules, embedded into PDFs as incremental updates, and read back.

pub mod cii;
pub mod configuration;
pub mod domain;
pub mod invoice;
pub mod pdf;
pub mod routes;
pub mod rules;
pub mod startup;
