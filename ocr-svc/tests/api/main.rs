mod accuracy;
mod backup;
mod helpers;
mod invoices;
mod jobs;
mod limits;
mod standalone;
