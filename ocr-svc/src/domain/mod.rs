pub mod energy;
pub mod upload;
pub mod webhook_url;
