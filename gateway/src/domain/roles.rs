//! What a user may do, per service. The ERP's roles come from its seed
//! (admin, responsable, technicien, client); an ERP client belongs to one
//! client company. The Check du Matin has admins and gestionnaires; a
//! gestionnaire sees only the clients they manage; a client's own person
//! (`client`) reads that one client's status page.

use std::collections::{BTreeMap, BTreeSet};

use common::error::FieldError;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

const MAX_REFERENCE_CHARACTERS: usize = 100;
const MAX_MANAGED_CLIENTS: usize = 1000;

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Roles {
    pub platform_admin: bool,
    pub erp: Option<ErpRole>,
    pub checks: Option<ChecksRole>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ErpRole {
    Admin,
    Responsable,
    Technicien,
    Client { company: String },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChecksRole {
    Admin,
    Gestionnaire { clients: BTreeSet<String> },
    Client { client: String },
}

/// Roles as the API reads and writes them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"platform_admin": false, "erp": {"role": "client", "client_company": "ACME"}, "checks": {"role": "gestionnaire", "clients": ["acme", "globex"]}}))]
pub struct RolesDocument {
    /// Manages users and API keys, and may call every service.
    #[serde(default)]
    pub platform_admin: bool,
    #[serde(default)]
    pub erp: Option<ErpRoleDocument>,
    #[serde(default)]
    pub checks: Option<ChecksRoleDocument>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ErpRoleDocument {
    /// `admin`, `responsable`, `technicien` or `client`.
    pub role: String,
    /// The client company of a `client`; only for that role.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_company: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ChecksRoleDocument {
    /// `admin`, `gestionnaire` or `client`.
    pub role: String,
    /// The clients a `gestionnaire` manages, or the one of a `client`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub clients: Vec<String>,
}

fn reference(raw: &str) -> Result<String, &'static str> {
    let value = raw.trim();
    if value.is_empty() {
        Err("must not be empty")
    } else if value.chars().count() > MAX_REFERENCE_CHARACTERS || value.chars().any(char::is_control) {
        Err("must be at most 100 characters, without control characters")
    } else {
        Ok(value.to_owned())
    }
}

impl RolesDocument {
    /// The roles it describes, or every field that is wrong.
    pub fn parse(&self) -> Result<Roles, Vec<FieldError>> {
        let mut errors = Vec::new();
        let erp = self.erp.as_ref().and_then(|erp| match parse_erp(erp) {
            Ok(role) => Some(role),
            Err(error) => {
                errors.push(error);
                None
            }
        });
        let checks = self.checks.as_ref().and_then(|checks| match parse_checks(checks) {
            Ok(role) => Some(role),
            Err(error) => {
                errors.push(error);
                None
            }
        });
        if errors.is_empty() { Ok(Roles { platform_admin: self.platform_admin, erp, checks }) } else { Err(errors) }
    }
}

fn parse_erp(document: &ErpRoleDocument) -> Result<ErpRole, FieldError> {
    let company = document.client_company.as_deref();
    let staff = |role| match company {
        None => Ok(role),
        Some(_) => Err(FieldError::new("roles.erp.client_company", "only a client belongs to a client company")),
    };
    match document.role.as_str() {
        "admin" => staff(ErpRole::Admin),
        "responsable" => staff(ErpRole::Responsable),
        "technicien" => staff(ErpRole::Technicien),
        "client" => {
            let company =
                company.ok_or_else(|| FieldError::new("roles.erp.client_company", "is required for a client"))?;
            let company = reference(company).map_err(|message| FieldError::new("roles.erp.client_company", message))?;
            Ok(ErpRole::Client { company })
        }
        _ => Err(FieldError::new("roles.erp.role", "must be one of admin, responsable, technicien, client")),
    }
}

fn parse_checks(document: &ChecksRoleDocument) -> Result<ChecksRole, FieldError> {
    match document.role.as_str() {
        "admin" if document.clients.is_empty() => Ok(ChecksRole::Admin),
        "admin" => Err(FieldError::new(
            "roles.checks.clients",
            "an admin sees every client; clients are only for a gestionnaire",
        )),
        "gestionnaire" => {
            if document.clients.len() > MAX_MANAGED_CLIENTS {
                return Err(FieldError::new("roles.checks.clients", "at most 1000 clients"));
            }
            let clients = document
                .clients
                .iter()
                .enumerate()
                .map(|(index, client)| {
                    reference(client)
                        .map_err(|message| FieldError::new(&format!("roles.checks.clients[{index}]"), message))
                })
                .collect::<Result<_, _>>()?;
            Ok(ChecksRole::Gestionnaire { clients })
        }
        "client" => match document.clients.as_slice() {
            [client] => reference(client)
                .map(|client| ChecksRole::Client { client })
                .map_err(|message| FieldError::new("roles.checks.clients[0]", message)),
            _ => Err(FieldError::new("roles.checks.clients", "a client belongs to exactly one client")),
        },
        _ => Err(FieldError::new("roles.checks.role", "must be one of admin, gestionnaire, client")),
    }
}

impl ErpRole {
    pub fn name(&self) -> &'static str {
        match self {
            Self::Admin => "admin",
            Self::Responsable => "responsable",
            Self::Technicien => "technicien",
            Self::Client { .. } => "client",
        }
    }
}

impl ChecksRole {
    pub fn name(&self) -> &'static str {
        match self {
            Self::Admin => "admin",
            Self::Gestionnaire { .. } => "gestionnaire",
            Self::Client { .. } => "client",
        }
    }
}

impl Roles {
    pub fn document(&self) -> RolesDocument {
        RolesDocument {
            platform_admin: self.platform_admin,
            erp: self.erp.as_ref().map(|erp| ErpRoleDocument {
                role: erp.name().to_owned(),
                client_company: match erp {
                    ErpRole::Client { company } => Some(company.clone()),
                    _ => None,
                },
            }),
            checks: self.checks.as_ref().map(|checks| ChecksRoleDocument {
                role: checks.name().to_owned(),
                clients: match checks {
                    ChecksRole::Gestionnaire { clients } => clients.iter().cloned().collect(),
                    ChecksRole::Client { client } => vec![client.clone()],
                    ChecksRole::Admin => Vec::new(),
                },
            }),
        }
    }

    /// Roles per service, as access tokens and forwarded identities carry
    /// them: `{"erp": ["technicien"], "checks": ["gestionnaire"]}`.
    pub fn by_service(&self) -> BTreeMap<String, Vec<String>> {
        let mut roles = BTreeMap::new();
        if let Some(erp) = &self.erp {
            roles.insert("erp".to_owned(), vec![erp.name().to_owned()]);
        }
        if let Some(checks) = &self.checks {
            roles.insert("checks".to_owned(), vec![checks.name().to_owned()]);
        }
        roles
    }

    /// The records each service must confine this user to.
    pub fn limited_to(&self) -> BTreeMap<String, Vec<String>> {
        let mut limits = BTreeMap::new();
        if let Some(ErpRole::Client { company }) = &self.erp {
            limits.insert("erp".to_owned(), vec![company.clone()]);
        }
        match &self.checks {
            Some(ChecksRole::Gestionnaire { clients }) => {
                limits.insert("checks".to_owned(), clients.iter().cloned().collect());
            }
            Some(ChecksRole::Client { client }) => {
                limits.insert("checks".to_owned(), vec![client.clone()]);
            }
            _ => {}
        }
        limits
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn document(json: serde_json::Value) -> RolesDocument {
        serde_json::from_value(json).expect("document")
    }

    #[test]
    fn every_role_round_trips_through_its_document() {
        let roles = document(serde_json::json!({
            "platform_admin": true,
            "erp": {"role": "client", "client_company": " ACME "},
            "checks": {"role": "gestionnaire", "clients": ["globex", "acme"]}
        }))
        .parse()
        .expect("valid");
        assert_eq!(roles.erp, Some(ErpRole::Client { company: "ACME".into() }));
        assert_eq!(roles.document().parse(), Ok(roles.clone()));
        assert_eq!(
            roles.by_service(),
            BTreeMap::from([("checks".into(), vec!["gestionnaire".into()]), ("erp".into(), vec!["client".into()])])
        );
        assert_eq!(roles.limited_to()["checks"], vec!["acme".to_owned(), "globex".to_owned()]);
        for staff in ["admin", "responsable", "technicien"] {
            let parsed = document(serde_json::json!({"erp": {"role": staff}})).parse().expect("staff");
            assert_eq!(parsed.erp.as_ref().expect("erp").name(), staff);
            assert!(parsed.limited_to().is_empty());
        }
    }

    #[test]
    fn a_checks_client_reads_exactly_one_client() {
        let roles =
            document(serde_json::json!({"checks": {"role": "client", "clients": [" acme "]}})).parse().expect("valid");
        assert_eq!(roles.checks, Some(ChecksRole::Client { client: "acme".into() }));
        assert_eq!(roles.limited_to()["checks"], vec!["acme".to_owned()]);
        assert_eq!(roles.by_service()["checks"], vec!["client".to_owned()]);
        assert_eq!(roles.document().parse(), Ok(roles.clone()));
        for clients in [serde_json::json!([]), serde_json::json!(["acme", "globex"])] {
            let refused = document(serde_json::json!({"checks": {"role": "client", "clients": clients}})).parse();
            assert_eq!(refused.expect_err("refused")[0].field, "roles.checks.clients");
        }
    }

    #[test]
    fn inconsistent_roles_name_the_wrong_field() {
        let fields = |json| {
            document(json).parse().expect_err("invalid").into_iter().map(|error| error.field).collect::<Vec<_>>()
        };
        assert_eq!(fields(serde_json::json!({"erp": {"role": "client"}})), ["roles.erp.client_company"]);
        assert_eq!(
            fields(serde_json::json!({"erp": {"role": "technicien", "client_company": "ACME"}})),
            ["roles.erp.client_company"]
        );
        assert_eq!(
            fields(serde_json::json!({"erp": {"role": "boss"}, "checks": {"role": "viewer"}})),
            ["roles.erp.role", "roles.checks.role"]
        );
        assert_eq!(
            fields(serde_json::json!({"checks": {"role": "admin", "clients": ["acme"]}})),
            ["roles.checks.clients"]
        );
        assert_eq!(
            fields(serde_json::json!({"checks": {"role": "gestionnaire", "clients": ["ok", " "]}})),
            ["roles.checks.clients[1]"]
        );
    }
}
