//! The gateway: routes `/{service}/...` to the services, authenticates every
//! request and forwards the caller's identity, signed, to the service.

pub mod admin_cli;
pub mod auth;
pub mod configuration;
pub mod domain;
pub mod identity;
pub mod middleware;
pub mod rate_limit;
pub mod routes;
pub mod startup;
