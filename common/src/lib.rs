//! What every service of the platform shares. Nothing service-specific
//! lives here.

pub mod backup;
pub mod configuration;
pub mod database;
pub mod destination;
pub mod error;
pub mod file_type;
pub mod http;
pub mod identity;
pub mod mail;
pub mod object_storage;
pub mod pdf;
pub mod queue;
pub mod service;
pub mod telemetry;
pub mod text;
pub mod webhook;

#[cfg(feature = "testing")]
pub mod testing;
