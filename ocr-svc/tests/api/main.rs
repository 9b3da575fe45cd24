mod helpers;
mod invoices;
