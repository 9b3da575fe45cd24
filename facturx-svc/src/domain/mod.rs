mod france;
pub mod invoice;
pub mod profile;

pub use invoice::Invoice;
pub use profile::{Flavor, Profile, Relationship};
