//! Energy-invoice analysis: text layer and OCR, field extraction, reports, async jobs.
//!
//!

pub mod configuration;
pub mod startup;
