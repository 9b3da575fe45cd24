//! Values that parse: a check, a client or a probe can only be built from
//! valid ones.

mod client;
mod probe;
mod status;

pub use client::ClientReference;
pub use common::text::{EmailAddress, Label, LocalTime};
pub use probe::{DEFAULT_TLS_WARN_DAYS, ProbeSpec, ProbeSpecDocument};
pub use status::{CheckStatus, ServiceStatus};
