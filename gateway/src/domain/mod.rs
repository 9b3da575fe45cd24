mod api_key;
mod email;
mod password;
mod person_name;
mod roles;
mod scopes;

pub use api_key::{ApiKeyToken, GeneratedApiKey, hash_secret};
pub use email::EmailAddress;
pub use password::{MIN_CHARACTERS as MIN_PASSWORD_CHARACTERS, NewPassword};
pub use person_name::PersonName;
pub use roles::{ChecksRole, ChecksRoleDocument, ErpRole, ErpRoleDocument, Roles, RolesDocument};
pub use scopes::Scopes;
