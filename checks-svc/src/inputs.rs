//! What operators send to configure clients, categories and services (the
//! API, the pages and imports), and how it is checked before anything is
//! written.

use std::time::Duration;

use common::destination::{Destinations, is_public};
use common::error::{ApiError, FieldError};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::access::Operator;
use crate::domain::{ClientReference, EmailAddress, Label, LocalTime, ProbeSpec, ProbeSpecDocument};
use crate::store::{ClientFields, Recipients, ServiceFields, ServiceRow};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClientInput {
    /// Stable name a gestionnaire's roles refer to: `acme`.
    pub reference: String,
    pub label: String,
    /// When the day's check opens, Europe/Paris: `08:30`.
    pub check_time: String,
    /// When a still-open check sends a reminder: `10:00`.
    #[serde(default)]
    pub reminder_time: Option<String>,
    /// Sender address of this client's e-mails (the service's by default).
    #[serde(default)]
    pub sender: Option<String>,
    #[serde(default)]
    pub report_template: Option<String>,
    #[serde(default = "active_by_default")]
    pub active: bool,
    /// Replaces the client's mailing lists: empty ones when absent, except
    /// in an import, which then leaves them as they are.
    #[serde(default)]
    pub mailing: Option<MailingLists>,
}

const RESOLUTION_PATIENCE: Duration = Duration::from_secs(3);

fn active_by_default() -> bool {
    true
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MailingLists {
    /// Who receives the morning report.
    #[serde(default)]
    pub to: Vec<String>,
    #[serde(default)]
    pub cc: Vec<String>,
    /// Who is reminded when the check is still open at the reminder time.
    #[serde(default)]
    pub reminder: Vec<String>,
}

/// Checks every field, reporting all problems at once.
pub fn client_fields(input: &ClientInput) -> Result<(ClientFields, Recipients), ApiError> {
    let mut errors = Vec::new();
    let reference =
        ClientReference::parse(&input.reference).map_err(|message| errors.push(FieldError::new("reference", message)));
    let label = Label::parse(&input.label).map_err(|message| errors.push(FieldError::new("label", message)));
    let check_time =
        LocalTime::parse(&input.check_time).map_err(|message| errors.push(FieldError::new("check_time", message)));
    let reminder_time = input
        .reminder_time
        .as_deref()
        .filter(|time| !time.trim().is_empty())
        .map(LocalTime::parse)
        .transpose()
        .map_err(|message| errors.push(FieldError::new("reminder_time", message)));
    let sender = input
        .sender
        .as_deref()
        .filter(|sender| !sender.trim().is_empty())
        .map(EmailAddress::parse)
        .transpose()
        .map_err(|message| errors.push(FieldError::new("sender", message)));
    let template = input.report_template.as_deref().unwrap_or("standard");
    if Label::parse(template).is_err() {
        errors.push(FieldError::new("report_template", "est un nom court"));
    }
    let mut lists = [Vec::new(), Vec::new(), Vec::new()];
    let mailing = input.mailing.clone().unwrap_or_default();
    for ((name, addresses), list) in
        [("mailing.to", &mailing.to), ("mailing.cc", &mailing.cc), ("mailing.reminder", &mailing.reminder)]
            .into_iter()
            .zip(lists.iter_mut())
    {
        for address in addresses {
            match EmailAddress::parse(address) {
                Ok(address) => list.push(address.as_str().to_owned()),
                Err(message) => errors.push(FieldError::new(name, format!("{address:?} {message}"))),
            }
        }
        list.sort();
        list.dedup();
    }
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let [to, cc, reminder] = lists;
    match (reference, label, check_time, reminder_time, sender) {
        (Ok(reference), Ok(label), Ok(check_time), Ok(reminder_time), Ok(sender)) => Ok((
            ClientFields {
                reference: reference.as_str().to_owned(),
                label: label.as_str().to_owned(),
                report_template: template.trim().to_owned(),
                check_minute: check_time.minutes(),
                reminder_minute: reminder_time.map(LocalTime::minutes),
                sender: sender.map(|sender| sender.as_str().to_owned()),
                active: input.active,
            },
            Recipients { to, cc, reminder },
        )),
        _ => Err(ApiError::validation(errors)),
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CategoryInput {
    pub label: String,
    #[serde(default)]
    pub position: i32,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ServiceInput {
    pub label: String,
    #[serde(default)]
    pub position: i32,
    /// What pre-fills the service's status; none for services only people check.
    #[serde(default)]
    pub probe: Option<ProbeSpecDocument>,
}

pub fn category_label(input: &CategoryInput) -> Result<String, ApiError> {
    Label::parse(&input.label)
        .map(|label| label.as_str().to_owned())
        .map_err(|message| ApiError::validation(vec![FieldError::new("label", message)]))
}

/// A service's fields as `operator` saves them; a heartbeat probe keeps
/// its token, or gets one; only an admin's probe may reach allowed networks.
pub fn service_fields(
    operator: &Operator,
    input: &ServiceInput,
    current: Option<&ServiceRow>,
) -> Result<ServiceFields, ApiError> {
    let mut errors = Vec::new();
    let label = Label::parse(&input.label).map_err(|message| errors.push(FieldError::new("label", message)));
    let probe = input
        .probe
        .clone()
        .map(ProbeSpec::parse)
        .transpose()
        .map_err(|message| errors.push(FieldError::new("probe", message)));
    match (label, probe) {
        (Ok(label), Ok(probe)) => {
            let heartbeat_token = probe.as_ref().filter(|spec| spec.is_heartbeat()).map(|_| {
                current
                    .and_then(|service| service.heartbeat_token.clone())
                    .unwrap_or_else(|| common::identity::random_token(24))
            });
            Ok(ServiceFields {
                label: label.as_str().to_owned(),
                position: input.position,
                probe: probe.map(|spec| spec.to_json()),
                heartbeat_token,
                probe_reaches_allowed_networks: operator.is_admin(),
            })
        }
        _ => Err(ApiError::validation(errors)),
    }
}

/// A probe's target must be public, or for an admin in
/// `probes.allowed_networks` (a client's LAN let in explicitly). A host
/// that does not resolve yet is accepted: the probe will report it, and
/// every connection is guarded again; so is one whose name takes longer
/// than `RESOLUTION_PATIENCE` to resolve, so that an import of hundreds of
/// probes takes seconds.
pub async fn check_probe_destination(
    destinations: &Destinations,
    operator: &Operator,
    input: &ServiceInput,
) -> Result<(), ApiError> {
    let Some((host, port)) = input.probe.as_ref().and_then(ProbeSpecDocument::destination) else { return Ok(()) };
    let lookup = tokio::net::lookup_host((host.trim_matches(['[', ']']), port));
    let Ok(Ok(addresses)) = tokio::time::timeout(RESOLUTION_PATIENCE, lookup).await else { return Ok(()) };
    let refused = addresses.map(|address| address.ip()).find(|&address| {
        let allowed = if operator.is_admin() { destinations.permits(address) } else { is_public(address) };
        !allowed
    });
    match refused {
        None => Ok(()),
        Some(address) => Err(ApiError::validation(vec![FieldError::new(
            "probe",
            if operator.is_admin() || !destinations.permits(address) {
                format!("`{host}` se résout en {address}, une adresse interne que les sondes n'atteignent pas")
            } else {
                format!(
                    "`{host}` se résout en {address}, un réseau interne où seul un administrateur peut diriger une sonde"
                )
            },
        )])),
    }
}
