mod api_key;
mod scopes;

pub use api_key::{ApiKeyToken, GeneratedApiKey};
pub use scopes::Scopes;
