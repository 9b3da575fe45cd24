//! Factur-X conversion, generation, validation and extraction.
//!
//!

pub mod configuration;
pub mod startup;
