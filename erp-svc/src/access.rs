//! Who may do what. admin: everything. responsable: clients, sites,
//! equipment, planning and every intervention. technicien: the
//! interventions assigned to them. client: its own company's sites and
//! interventions, read-only, plus intervention requests. API keys act as
//! admin (their scope already limits them to the ERP).

use std::future::{Ready, ready};

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest};
use common::error::{ApiError, ErrorCode};
use common::identity::{Caller, CallerKind};

const SERVICE: &str = "erp";

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Role {
    Admin,
    Responsable,
    /// Known by their e-mail address, as assignments name them.
    Technicien {
        email: String,
    },
    /// A user of a client company: the `reference` of one ERP client.
    Client {
        company: String,
    },
}

#[derive(Debug, Clone)]
pub struct Actor {
    /// Who is recorded in the audit trail: a user's e-mail address, a
    /// key's id.
    pub name: String,
    pub role: Role,
}

impl Actor {
    pub fn from_caller(caller: &Caller) -> Result<Self, ApiError> {
        let name = caller.email.clone().unwrap_or_else(|| format!("key:{}", caller.subject));
        let roles = caller.roles.get(SERVICE).map(Vec::as_slice).unwrap_or_default();
        let has = |wanted: &str| roles.iter().any(|role| role == wanted);
        let role = match caller.kind {
            CallerKind::ApiKey => Role::Admin,
            CallerKind::User if has("admin") => Role::Admin,
            CallerKind::User if has("responsable") => Role::Responsable,
            CallerKind::User if has("technicien") => Role::Technicien { email: name.to_lowercase() },
            CallerKind::User if has("client") => {
                let company = caller.limited_to.get(SERVICE).and_then(|companies| companies.first()).cloned();
                Role::Client {
                    company: company.ok_or_else(|| {
                        ApiError::new(ErrorCode::Forbidden, "Your client account names no client company.")
                    })?,
                }
            }
            CallerKind::User => return Err(ApiError::new(ErrorCode::Forbidden, "Your account has no ERP role.")),
            CallerKind::Anonymous => {
                return Err(ApiError::new(ErrorCode::MissingCredentials, "Sign in or send an API key."));
            }
        };
        Ok(Self { name, role })
    }

    /// admin or responsable: the office that runs the maintenance.
    pub fn is_staff(&self) -> bool {
        matches!(self.role, Role::Admin | Role::Responsable)
    }

    pub fn require_staff(&self) -> Result<(), ApiError> {
        if self.is_staff() {
            Ok(())
        } else {
            Err(ApiError::new(ErrorCode::Forbidden, "Only administrators and responsables may do this."))
        }
    }

    pub fn require_admin(&self) -> Result<(), ApiError> {
        if self.role == Role::Admin {
            Ok(())
        } else {
            Err(ApiError::new(ErrorCode::Forbidden, "Only administrators may do this."))
        }
    }

    /// The client company a client user is confined to.
    pub fn company(&self) -> Option<&str> {
        match &self.role {
            Role::Client { company } => Some(company),
            _ => None,
        }
    }

    /// The technician a technicien user is.
    pub fn technician(&self) -> Option<&str> {
        match &self.role {
            Role::Technicien { email } => Some(email),
            _ => None,
        }
    }

    /// Whether the caller may read a client's records (the client, its
    /// sites and equipment): staff, or the client's own users. Another
    /// client's records answer 404, so their existence does not leak.
    pub fn may_read(&self, client_reference: &str, what: &str) -> Result<(), ApiError> {
        match &self.role {
            Role::Admin | Role::Responsable => Ok(()),
            Role::Client { company } if company == client_reference => Ok(()),
            Role::Client { .. } => Err(ApiError::new(ErrorCode::NotFound, format!("No such {what}."))),
            Role::Technicien { .. } => self.require_staff(),
        }
    }

    /// Lists of client records: staff see all, a client user its own
    /// company's (the filter returned), technicians none.
    pub fn list_filter(&self) -> Result<Option<&str>, ApiError> {
        match &self.role {
            Role::Technicien { .. } => self.require_staff().map(|()| None),
            _ => Ok(self.company()),
        }
    }

    /// Whether the caller may see an intervention of `client_reference`
    /// assigned to `technicians`.
    pub fn may_see(&self, client_reference: &str, technicians: &[String]) -> bool {
        match &self.role {
            Role::Admin | Role::Responsable => true,
            Role::Technicien { email } => technicians.iter().any(|assigned| assigned == email),
            Role::Client { company } => company == client_reference,
        }
    }

    /// Whether the caller may record work on it: lines, parts, documents,
    /// signatures, status changes.
    pub fn may_work_on(&self, technicians: &[String]) -> bool {
        match &self.role {
            Role::Admin | Role::Responsable => true,
            Role::Technicien { email } => technicians.iter().any(|assigned| assigned == email),
            Role::Client { .. } => false,
        }
    }
}

impl FromRequest for Actor {
    type Error = ApiError;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(request: &HttpRequest, payload: &mut Payload) -> Self::Future {
        ready(Caller::from_request(request, payload).into_inner().and_then(|caller| Self::from_caller(&caller)))
    }
}
