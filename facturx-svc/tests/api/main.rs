mod france;
mod helpers;
mod http;
mod oracle;
mod reader;
