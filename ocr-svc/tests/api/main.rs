mod accuracy;
mod helpers;
mod invoices;
