pub mod docs;
pub mod health;
pub mod proxy;
