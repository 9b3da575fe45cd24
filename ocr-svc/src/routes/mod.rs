pub mod invoices;
