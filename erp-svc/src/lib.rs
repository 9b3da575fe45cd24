//! Maintenance ERP: clients, sites, equipment, interventions, documents.
//!
//!

pub mod configuration;
pub mod startup;
