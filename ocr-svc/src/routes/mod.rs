pub mod invoices;
pub mod jobs;
