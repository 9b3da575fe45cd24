//! Energy-invoice analysis: text layer and OCR, field extraction, market
//! comparison against reference tariffs, two PDF reports, S3 backup.

pub mod analysis;
pub mod backup;
pub mod configuration;
pub mod domain;
pub mod engine;
pub mod extraction;
pub mod jobs;
pub mod pipeline;
pub mod reference;
pub mod report;
pub mod routes;
pub mod startup;
pub mod synthetic;
