pub mod energy;
pub mod upload;
