pub mod forms;
pub mod invoices;
pub mod jobs;
