mod helpers;
mod http;
mod oracle;
