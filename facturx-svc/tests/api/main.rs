mod extremes;
mod france;
mod helpers;
mod http;
mod model;
mod oracle;
mod reader;
