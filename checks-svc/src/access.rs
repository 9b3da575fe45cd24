//! Who may do what. Admins (and API keys scoped to the service) see and
//! configure every client; a gestionnaire sees and works on the clients
//! their roles list, by reference, and configures their categories,
//! services and mailing lists, but neither creates nor deletes clients; a
//! client's own person (`client`) reads that client's status page only.

use std::collections::BTreeSet;
use std::future::{Ready, ready};

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest};
use common::error::{ApiError, ErrorCode};
use common::identity::{Caller, CallerKind};

const SERVICE: &str = "checks";

#[derive(Debug, Clone)]
pub struct Operator {
    /// Who is recorded as having done something, as people read it: a
    /// user's name, a key's label (an e-mail address or id without them).
    pub name: String,
    pub scope: Scope,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    Admin,
    Clients(BTreeSet<String>),
}

impl Operator {
    pub fn from_caller(caller: &Caller) -> Result<Self, ApiError> {
        let name = caller.name.clone().or_else(|| caller.email.clone()).unwrap_or_else(|| caller.subject.clone());
        let roles = caller.roles.get(SERVICE).map(Vec::as_slice).unwrap_or_default();
        let scope = match caller.kind {
            CallerKind::ApiKey => Scope::Admin,
            CallerKind::User if caller.is_platform_admin() || roles.iter().any(|role| role == "admin") => Scope::Admin,
            CallerKind::User if roles.iter().any(|role| role == "gestionnaire") => {
                Scope::Clients(caller.limited_to.get(SERVICE).into_iter().flatten().cloned().collect())
            }
            CallerKind::User if roles.iter().any(|role| role == "client") => {
                return Err(ApiError::new(
                    ErrorCode::Forbidden,
                    "Votre compte ouvre la page d'état de votre client : /checks/ui/status.",
                ));
            }
            CallerKind::User => {
                return Err(ApiError::new(ErrorCode::Forbidden, "Votre compte n'a aucun rôle dans Check du Matin."));
            }
            CallerKind::Anonymous => {
                return Err(ApiError::new(ErrorCode::MissingCredentials, "Connectez-vous ou envoyez une clé d'API."));
            }
        };
        Ok(Self { name, scope })
    }

    pub fn may_see(&self, client_reference: &str) -> bool {
        match &self.scope {
            Scope::Admin => true,
            Scope::Clients(references) => references.contains(client_reference),
        }
    }

    pub fn is_admin(&self) -> bool {
        self.scope == Scope::Admin
    }

    pub fn require_admin(&self) -> Result<(), ApiError> {
        if self.is_admin() {
            Ok(())
        } else {
            Err(ApiError::new(ErrorCode::Forbidden, "Seuls les administrateurs de Check du Matin peuvent le faire."))
        }
    }
}

/// One of a client's own people (the `client` role): they read that
/// client's status page, and nothing else.
#[derive(Debug, Clone)]
pub struct ClientReader {
    pub reference: String,
}

impl ClientReader {
    pub fn from_caller(caller: &Caller) -> Result<Self, ApiError> {
        let roles = caller.roles.get(SERVICE).map(Vec::as_slice).unwrap_or_default();
        let reference = caller.limited_to.get(SERVICE).and_then(|clients| clients.first());
        match (caller.kind, reference) {
            (CallerKind::User, Some(reference)) if roles.iter().any(|role| role == "client") => {
                Ok(Self { reference: reference.clone() })
            }
            (CallerKind::Anonymous, _) => {
                Err(ApiError::new(ErrorCode::MissingCredentials, "Connectez-vous ou envoyez une clé d'API."))
            }
            _ => Err(ApiError::new(ErrorCode::Forbidden, "Cette page est celle des comptes des clients.")),
        }
    }
}

impl FromRequest for ClientReader {
    type Error = ApiError;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(request: &HttpRequest, payload: &mut Payload) -> Self::Future {
        ready(Caller::from_request(request, payload).into_inner().and_then(|caller| Self::from_caller(&caller)))
    }
}

impl FromRequest for Operator {
    type Error = ApiError;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(request: &HttpRequest, payload: &mut Payload) -> Self::Future {
        ready(Caller::from_request(request, payload).into_inner().and_then(|caller| Self::from_caller(&caller)))
    }
}
