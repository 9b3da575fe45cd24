pub mod admin;
pub mod api_keys;
pub mod auth;
pub mod docs;
pub mod health;
pub mod proxy;
pub mod stats;
pub mod users;
