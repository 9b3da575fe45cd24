mod accuracy;
mod backup;
mod helpers;
mod invoices;
mod jobs;
mod standalone;
