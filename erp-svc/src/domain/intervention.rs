//! An intervention's kind, priority and status, and which role may move it
//! from one status to the next.

use crate::access::Role;

/// An enum stored and sent as snake_case text, parsed with a message that
/// lists the accepted values.
macro_rules! text_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, ::serde::Serialize, ::serde::Deserialize, ::utoipa::ToSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            pub fn parse(raw: &str) -> Result<Self, String> {
                match raw.trim() {
                    $($text => Ok($name::$variant),)+
                    _ => Err(format!(
                        "must be one of {}",
                        [$($text),+].join(", ")
                    )),
                }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

pub(crate) use text_enum;

text_enum!(
    /// What the intervention is for.
    InterventionKind {
        Corrective => "corrective",
        Preventive => "preventive",
        Installation => "installation",
        Inspection => "inspection",
    }
);

text_enum!(Priority { Low => "low", Normal => "normal", High => "high", Urgent => "urgent" });

text_enum!(
    /// draft → planned → in_progress → done → validated → closed, or
    /// cancelled before the work is done.
    Status {
        Draft => "draft",
        Planned => "planned",
        InProgress => "in_progress",
        Done => "done",
        Validated => "validated",
        Closed => "closed",
        Cancelled => "cancelled",
    }
);

text_enum!(
    /// Who signs the intervention report.
    SignerRole { Client => "client", Technician => "technician" }
);

text_enum!(
    /// What an uploaded document shows.
    DocumentKind { PhotoBefore => "photo_before", PhotoAfter => "photo_after", Document => "document" }
);

impl Status {
    /// Work is still to be done or under way: the technicians' time is
    /// taken (planning clashes) and lines, parts and documents may change.
    pub fn is_open(self) -> bool {
        matches!(self, Status::Draft | Status::Planned | Status::InProgress | Status::Done)
    }

    /// Statuses whose planned hours occupy the technicians.
    pub const OCCUPYING: &'static [Status] = &[Status::Draft, Status::Planned, Status::InProgress];

    pub fn label_fr(self) -> &'static str {
        match self {
            Status::Draft => "Brouillon",
            Status::Planned => "Planifiée",
            Status::InProgress => "En cours",
            Status::Done => "Terminée",
            Status::Validated => "Validée",
            Status::Closed => "Clôturée",
            Status::Cancelled => "Annulée",
        }
    }
}

impl InterventionKind {
    pub fn label_fr(self) -> &'static str {
        match self {
            InterventionKind::Corrective => "Corrective",
            InterventionKind::Preventive => "Préventive",
            InterventionKind::Installation => "Installation",
            InterventionKind::Inspection => "Contrôle",
        }
    }
}

impl Priority {
    pub fn label_fr(self) -> &'static str {
        match self {
            Priority::Low => "Basse",
            Priority::Normal => "Normale",
            Priority::High => "Haute",
            Priority::Urgent => "Urgente",
        }
    }
}

/// Who may take a step of the flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Movers {
    Staff,
    StaffOrTechnician,
}

/// The steps of the flow and who takes them; `None` when `from → to` is
/// not a step.
fn step(from: Status, to: Status) -> Option<Movers> {
    use Status::*;
    match (from, to) {
        (Draft, Planned) | (Done, Validated) | (Validated, Closed) => Some(Movers::Staff),
        (Planned, InProgress) | (InProgress, Done) => Some(Movers::StaffOrTechnician),
        // A responsable may hand started work back to planning, or reopen
        // work that was finished too early.
        (InProgress, Planned) | (Done, InProgress) => Some(Movers::Staff),
        (Draft | Planned | InProgress, Cancelled) => Some(Movers::Staff),
        _ => None,
    }
}

/// Whether `from → to` is a step of the flow, for someone.
pub fn is_step(from: Status, to: Status) -> bool {
    step(from, to).is_some()
}

/// Who may take an intervention from one status to another. A technician
/// must also be assigned to it (checked by the caller).
pub fn transition_allowed(from: Status, to: Status, role: &Role) -> bool {
    let staff = matches!(role, Role::Admin | Role::Responsable);
    match step(from, to) {
        Some(Movers::Staff) => staff,
        Some(Movers::StaffOrTechnician) => staff || matches!(role, Role::Technicien { .. }),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_parse_from_their_names_only() {
        for status in Status::ALL {
            assert_eq!(Status::parse(status.as_str()), Ok(*status));
        }
        assert!(Status::parse("finished").expect_err("not a status").contains("draft, planned"));
    }

    #[test]
    fn the_flow_is_walked_by_the_right_roles() {
        let technician = Role::Technicien { email: "t@example.fr".into() };
        let client = Role::Client { company: "ACME".into() };
        assert!(transition_allowed(Status::Draft, Status::Planned, &Role::Responsable));
        assert!(!transition_allowed(Status::Draft, Status::Planned, &technician));
        assert!(transition_allowed(Status::Planned, Status::InProgress, &technician));
        assert!(transition_allowed(Status::InProgress, Status::Done, &technician));
        assert!(!transition_allowed(Status::Done, Status::Validated, &technician));
        assert!(transition_allowed(Status::Done, Status::Validated, &Role::Admin));
        assert!(!transition_allowed(Status::Draft, Status::Done, &Role::Admin));
        assert!(!is_step(Status::Draft, Status::Done));
        assert!(is_step(Status::Done, Status::Validated));
        assert!(!transition_allowed(Status::Closed, Status::Cancelled, &Role::Admin));
        for from in Status::ALL {
            for to in Status::ALL {
                assert!(!transition_allowed(*from, *to, &client), "{from} → {to}");
            }
        }
    }
}
