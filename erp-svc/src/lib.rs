//! Maintenance ERP: clients, sites, equipment, interventions with their
//! technicians, work, parts, documents and signatures; preventive plans,
//! planning, notifications, reports, audit.

pub mod access;
pub mod cli;
pub mod configuration;
pub mod domain;
pub mod notifications;
pub mod report;
pub mod routes;
pub mod scheduler;
pub mod seed;
pub mod startup;
pub mod store;
