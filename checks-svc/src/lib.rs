//! Check du Matin: daily client checklists, probes and morning reports.
//!
//!

pub mod configuration;
pub mod startup;
