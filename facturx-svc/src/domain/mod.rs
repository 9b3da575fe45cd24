pub mod profile;

pub use profile::{Flavor, Profile, Relationship};
