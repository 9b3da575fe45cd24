//! The configuration of Check du Matin as one document: clients, their
//! mailing lists, categories and services with their probes, exported and
//! imported as JSON or as one CSV file per table (`tables`).
//!
//! An import is checked as a whole before anything is written, every
//! problem named by where it is (a JSON path, or a CSV file and line);
//! then written in one transaction. Clients are matched by reference,
//! categories by label within their client, services by label within their
//! category: importing a document twice changes nothing the second time,
//! and nothing an import does not name is deleted.

pub mod tables;

use std::collections::{BTreeSet, HashSet};

use chrono::Utc;
use common::destination::Destinations;
use common::error::{ApiError, ErrorCode, FieldError};
use futures_util::StreamExt as _;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::access::Operator;
use crate::domain::{ClientReference, EmailAddress, Label};
use crate::inputs::{ClientInput, MailingLists, ServiceInput, check_probe_destination, client_fields, service_fields};
use crate::store::{CategoryImport, ClientImport, ImportCounts, Recipients, Store};

/// The `format` of the JSON document.
pub const FORMAT: &str = "check-du-matin/1";
/// The largest import: 50 clients of 40 services weigh about 300 KB.
pub const MAX_IMPORT_BYTES: usize = 8 * 1024 * 1024;
const MAX_CLIENTS: usize = 2_000;
const MAX_SERVICES: usize = 50_000;
/// An import with more problems than this reports the first ones.
const MAX_REPORTED_PROBLEMS: usize = 200;
/// Probe destinations resolved at once while checking an import.
const RESOLUTIONS_AT_ONCE: usize = 16;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConfigurationDocument {
    /// `check-du-matin/1`.
    pub format: String,
    pub clients: Vec<ClientEntry>,
}

/// A client's settings (as `POST /api/clients` takes them, `mailing`
/// left as it is when absent) and its categories.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ClientEntry {
    #[serde(flatten)]
    pub settings: ClientInput,
    pub categories: Vec<CategoryEntry>,
}

/// serde cannot refuse unknown fields of a flattened struct: the
/// categories are taken out, and the rest read as a `ClientInput`, which
/// refuses them.
impl<'de> Deserialize<'de> for ClientEntry {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde::de::Error as _;
        let mut fields = serde_json::Map::<String, serde_json::Value>::deserialize(deserializer)?;
        let categories = match fields.remove("categories") {
            Some(categories) => serde_json::from_value(categories).map_err(D::Error::custom)?,
            None => Vec::new(),
        };
        let settings = ClientInput::deserialize(serde_json::Value::Object(fields)).map_err(D::Error::custom)?;
        Ok(Self { settings, categories })
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CategoryEntry {
    pub label: String,
    /// Left as it is for an existing category when absent.
    #[serde(default)]
    pub position: Option<i32>,
    #[serde(default)]
    pub services: Vec<ServiceInput>,
}

/// What an import did, or with `dry_run` would do.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportReport {
    pub dry_run: bool,
    #[serde(flatten)]
    pub counts: ImportCounts,
}

/// Where something of an import was read, to name it in a problem.
#[derive(Debug, Clone)]
pub enum Place {
    Json(String),
    Csv { table: &'static str, line: u64 },
}

impl Place {
    fn field(&self, name: &str) -> String {
        match (self, name) {
            (Place::Json(path), "") => path.clone(),
            (Place::Json(path), name) => format!("{path}.{name}"),
            (Place::Csv { table, line }, "") => format!("{table}.csv ligne {line}"),
            (Place::Csv { table, line }, name) => format!("{table}.csv ligne {line}, {name}"),
        }
    }

    fn problem(&self, name: &str, message: impl Into<String>) -> FieldError {
        FieldError::new(&self.field(name), message)
    }
}

/// An import as read, before it is checked.
#[derive(Debug, Default)]
pub struct Draft {
    pub clients: Vec<DraftClient>,
    /// What reading already found wrong, reported with the rest.
    pub problems: Vec<FieldError>,
}

#[derive(Debug)]
pub struct DraftClient {
    pub place: Place,
    pub reference: String,
    /// Absent when the import names an existing client only for its
    /// mailing lists or categories (CSV files without `clients.csv`).
    pub settings: Option<ClientInput>,
    pub mailing: Option<Vec<DraftAddress>>,
    pub categories: Vec<DraftCategory>,
}

#[derive(Debug)]
pub struct DraftAddress {
    pub place: Place,
    pub list: MailingList,
    pub address: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MailingList {
    To,
    Cc,
    Reminder,
}

impl MailingList {
    pub const ALL: [MailingList; 3] = [MailingList::To, MailingList::Cc, MailingList::Reminder];

    pub fn as_str(self) -> &'static str {
        match self {
            MailingList::To => "to",
            MailingList::Cc => "cc",
            MailingList::Reminder => "reminder",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|list| list.as_str() == raw.trim())
    }

    fn of(self, lists: &MailingLists) -> &Vec<String> {
        match self {
            MailingList::To => &lists.to,
            MailingList::Cc => &lists.cc,
            MailingList::Reminder => &lists.reminder,
        }
    }
}

#[derive(Debug)]
pub struct DraftCategory {
    pub place: Place,
    pub label: String,
    pub position: Option<i32>,
    pub services: Vec<DraftService>,
}

#[derive(Debug)]
pub struct DraftService {
    pub place: Place,
    pub input: ServiceInput,
}

impl Draft {
    /// The JSON document, each part placed by its path.
    pub fn of_document(document: ConfigurationDocument) -> Result<Self, ApiError> {
        if document.format != FORMAT {
            return Err(ApiError::validation(vec![FieldError::new(
                "format",
                format!("vaut {FORMAT:?} (ce qu'écrit un export), pas {:?}", document.format),
            )]));
        }
        let clients = document.clients.into_iter().enumerate().map(|(index, mut entry)| {
            let path = format!("clients[{index}]");
            let path = path.as_str();
            let mailing = entry.settings.mailing.take().map(|lists| {
                MailingList::ALL
                    .into_iter()
                    .flat_map(|list| {
                        list.of(&lists).iter().enumerate().map(move |(index, address)| DraftAddress {
                            place: Place::Json(format!("{path}.mailing.{}[{index}]", list.as_str())),
                            list,
                            address: address.clone(),
                        })
                    })
                    .collect()
            });
            let categories = entry
                .categories
                .into_iter()
                .enumerate()
                .map(|(index, category)| {
                    let path = format!("{path}.categories[{index}]");
                    DraftCategory {
                        services: category
                            .services
                            .into_iter()
                            .enumerate()
                            .map(|(index, input)| DraftService {
                                place: Place::Json(format!("{path}.services[{index}]")),
                                input,
                            })
                            .collect(),
                        place: Place::Json(path),
                        label: category.label,
                        position: category.position,
                    }
                })
                .collect();
            DraftClient {
                place: Place::Json(path.to_owned()),
                reference: entry.settings.reference.clone(),
                settings: Some(entry.settings),
                mailing,
                categories,
            }
        });
        Ok(Self { clients: clients.collect(), problems: Vec::new() })
    }
}

/// Reads a JSON document, its syntax errors named by line and column.
pub fn read_document(bytes: &[u8]) -> Result<ConfigurationDocument, ApiError> {
    serde_json::from_slice(bytes).map_err(|error| {
        let place = format!(" at line {} column {}", error.line(), error.column());
        let message = error.to_string();
        ApiError::validation(vec![FieldError::new(
            &format!("ligne {}, colonne {}", error.line(), error.column()),
            format!("pas un document {FORMAT} : {}", message.strip_suffix(&place).unwrap_or(&message)),
        )])
    })
}

/// The problems of one part, named by where the part is.
fn problems_at(place: &Place, error: &ApiError) -> Vec<FieldError> {
    if error.field_errors().is_empty() {
        return vec![place.problem("", error.public_detail())];
    }
    error.field_errors().iter().map(|problem| place.problem(&problem.field, problem.message.clone())).collect()
}

/// Checks a whole import (administrators only): every problem at once, or
/// what to write.
pub async fn check(
    store: &Store,
    destinations: &Destinations,
    operator: &Operator,
    draft: Draft,
) -> Result<Vec<ClientImport>, ApiError> {
    operator.require_admin()?;
    let services = draft.clients.iter().flat_map(|client| &client.categories).map(|c| c.services.len()).sum::<usize>();
    if draft.clients.len() > MAX_CLIENTS || services > MAX_SERVICES {
        let detail = format!("Un import compte au plus {MAX_CLIENTS} clients et {MAX_SERVICES} services.");
        return Err(ApiError::new(ErrorCode::PayloadTooLarge, detail));
    }
    let existing: HashSet<String> = store.clients().await?.into_iter().map(|client| client.reference).collect();
    let mut problems = draft.problems;
    let mut references = HashSet::new();
    let mut plan = Vec::new();
    let mut probes = Vec::new();
    for client in draft.clients {
        let place = &client.place;
        let reference = match ClientReference::parse(&client.reference) {
            Ok(reference) => reference.as_str().to_owned(),
            Err(message) => {
                problems.push(place.problem("reference", message));
                continue;
            }
        };
        if !references.insert(reference.clone()) {
            problems.push(place.problem("reference", format!("{reference:?} figure déjà plus haut dans l'import")));
            continue;
        }
        // `Some(None)`: an existing client named without its settings.
        let settings = match &client.settings {
            Some(input) => match client_fields(input) {
                Ok((fields, _)) => Some(Some(fields)),
                Err(error) => {
                    problems.extend(problems_at(place, &error));
                    None
                }
            },
            None if existing.contains(&reference) => Some(None),
            None => {
                let message = format!("aucun client n'a la référence {reference:?} : ajoutez-le à clients.csv");
                problems.push(place.problem("client", message));
                None
            }
        };
        let recipients = client.mailing.map(|addresses| recipients(&addresses, &mut problems));
        let mut labels = HashSet::new();
        let mut categories = Vec::new();
        for category in client.categories {
            let Some(label) = unique_label(&category.place, &category.label, &mut labels, &mut problems) else {
                continue;
            };
            let mut service_labels = HashSet::new();
            let mut services = Vec::new();
            for service in category.services {
                if unique_label(&service.place, &service.input.label, &mut service_labels, &mut problems).is_none() {
                    continue;
                }
                match service_fields(operator, &service.input, None) {
                    Ok(fields) => {
                        services.push(fields);
                        probes.push(service);
                    }
                    Err(error) => problems.extend(problems_at(&service.place, &error)),
                }
            }
            categories.push(CategoryImport { label, position: category.position, services });
        }
        if let Some(settings) = settings {
            plan.push(ClientImport { reference, settings, recipients, categories });
        }
    }
    let refused = futures_util::stream::iter(probes)
        .map(|service| async move {
            let checked = check_probe_destination(destinations, operator, &service.input).await;
            checked.err().map(|error| problems_at(&service.place, &error))
        })
        .buffered(RESOLUTIONS_AT_ONCE)
        .filter_map(std::future::ready)
        .collect::<Vec<_>>()
        .await;
    problems.extend(refused.into_iter().flatten());
    if problems.is_empty() {
        return Ok(plan);
    }
    let total = problems.len();
    problems.truncate(MAX_REPORTED_PROBLEMS);
    if total > MAX_REPORTED_PROBLEMS {
        let more = total - MAX_REPORTED_PROBLEMS;
        problems.push(FieldError::new("import", format!("et {more} autres problèmes")));
    }
    Err(ApiError::validation(problems))
}

/// A label unique among its siblings, trimmed.
fn unique_label(
    place: &Place,
    raw: &str,
    seen: &mut HashSet<String>,
    problems: &mut Vec<FieldError>,
) -> Option<String> {
    match Label::parse(raw) {
        Ok(label) if seen.insert(label.as_str().to_owned()) => Some(label.as_str().to_owned()),
        Ok(label) => {
            problems.push(place.problem("label", format!("{:?} figure déjà plus haut dans l'import", label.as_str())));
            None
        }
        Err(message) => {
            problems.push(place.problem("label", message));
            None
        }
    }
}

fn recipients(addresses: &[DraftAddress], problems: &mut Vec<FieldError>) -> Recipients {
    let mut lists: [BTreeSet<String>; 3] = Default::default();
    for address in addresses {
        match EmailAddress::parse(&address.address) {
            Ok(parsed) => {
                let index = MailingList::ALL.iter().position(|list| *list == address.list).unwrap_or_default();
                lists[index].insert(parsed.as_str().to_owned());
            }
            Err(message) => {
                // A JSON path names the address itself; a CSV line, its column.
                let column = if matches!(address.place, Place::Csv { .. }) { "address" } else { "" };
                problems.push(address.place.problem(column, format!("{:?} {message}", address.address)));
            }
        }
    }
    let [to, cc, reminder] = lists.map(|list| list.into_iter().collect());
    Recipients { to, cc, reminder }
}

/// Checks and writes an import; with `dry_run`, only says what it would do.
pub async fn import(
    store: &Store,
    destinations: &Destinations,
    operator: &Operator,
    draft: Draft,
    dry_run: bool,
) -> Result<ImportReport, ApiError> {
    let plan = check(store, destinations, operator, draft).await?;
    let counts = store.import(&plan, Utc::now(), dry_run).await?;
    Ok(ImportReport { dry_run, counts })
}

/// The configuration of the clients `operator` may see.
pub async fn export(store: &Store, operator: &Operator) -> Result<ConfigurationDocument, ApiError> {
    let mut clients = Vec::new();
    for client in store.clients().await?.into_iter().filter(|client| operator.may_see(&client.reference)) {
        let recipients = store.recipients(client.id).await?;
        let services = store.services(client.id).await?;
        let categories = store
            .categories(client.id)
            .await?
            .into_iter()
            .map(|category| CategoryEntry {
                services: services
                    .iter()
                    .filter(|service| service.category_id == category.id)
                    .map(|service| ServiceInput {
                        label: service.label.clone(),
                        position: service.position,
                        probe: service.probe_document(),
                    })
                    .collect(),
                label: category.label,
                position: Some(category.position),
            })
            .collect();
        let settings = ClientInput {
            check_time: client.check_time(),
            reminder_time: client.reminder_time(),
            reference: client.reference,
            label: client.label,
            sender: client.sender,
            report_template: Some(client.report_template),
            active: client.active,
            mailing: Some(MailingLists { to: recipients.to, cc: recipients.cc, reminder: recipients.reminder }),
        };
        clients.push(ClientEntry { settings, categories });
    }
    Ok(ConfigurationDocument { format: FORMAT.to_owned(), clients })
}
