//! Check du Matin: daily client checklists, probes that pre-fill them,
//! morning reports, retention.

pub mod access;
pub mod calendar;
pub mod cli;
pub mod configuration;
pub mod domain;
pub mod inputs;
pub mod notifications;
pub mod prober;
pub mod report;
pub mod routes;
pub mod scheduler;
pub mod startup;
pub mod store;
pub mod transfer;
