//! The configuration as one CSV file per table, as a spreadsheet opens
//! them: `clients`, `mailing`, `categories`, `services`. Files are
//! written in UTF-8 with a byte-order mark and commas; they are read with
//! or without the mark, with commas or semicolons (a French spreadsheet's
//! default), columns in any order, matched by header.

use common::error::FieldError;
use serde::Deserialize;
use utoipa::ToSchema;

use super::{ConfigurationDocument, Draft, DraftAddress, DraftCategory, DraftClient, DraftService, MailingList, Place};
use crate::domain::ProbeSpecDocument;
use crate::inputs::{ClientInput, ServiceInput};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Table {
    Clients,
    Mailing,
    Categories,
    Services,
}

impl Table {
    pub const ALL: [Table; 4] = [Table::Clients, Table::Mailing, Table::Categories, Table::Services];

    pub fn name(self) -> &'static str {
        match self {
            Table::Clients => "clients",
            Table::Mailing => "mailing",
            Table::Categories => "categories",
            Table::Services => "services",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|table| table.name() == raw)
    }

    /// Its columns, in the order an export writes them.
    fn columns(self) -> &'static [&'static str] {
        match self {
            Table::Clients => {
                &["reference", "label", "check_time", "reminder_time", "sender", "report_template", "active"]
            }
            Table::Mailing => &["client", "list", "address"],
            Table::Categories => &["client", "category", "position"],
            Table::Services => &["client", "category", "service", "position", "probe"],
        }
    }

    /// The columns every row must have.
    fn required(self) -> &'static [&'static str] {
        match self {
            Table::Clients => &["reference", "label", "check_time"],
            Table::Mailing => &["client", "list", "address"],
            Table::Categories => &["client", "category"],
            Table::Services => &["client", "category", "service"],
        }
    }
}

const BYTE_ORDER_MARK: &[u8] = b"\xEF\xBB\xBF";

/// One table of `document`, as CSV.
pub fn write(document: &ConfigurationDocument, table: Table) -> Vec<u8> {
    let mut rows: Vec<Vec<String>> = Vec::new();
    for entry in &document.clients {
        let client = &entry.settings;
        let reference = &client.reference;
        match table {
            Table::Clients => rows.push(vec![
                reference.clone(),
                client.label.clone(),
                client.check_time.clone(),
                client.reminder_time.clone().unwrap_or_default(),
                client.sender.clone().unwrap_or_default(),
                client.report_template.clone().unwrap_or_default(),
                client.active.to_string(),
            ]),
            Table::Mailing => {
                let lists = client.mailing.clone().unwrap_or_default();
                for list in MailingList::ALL {
                    for address in list.of(&lists) {
                        rows.push(vec![reference.clone(), list.as_str().to_owned(), address.clone()]);
                    }
                }
            }
            Table::Categories => {
                for category in &entry.categories {
                    let position = category.position.map(|position| position.to_string()).unwrap_or_default();
                    rows.push(vec![reference.clone(), category.label.clone(), position]);
                }
            }
            Table::Services => {
                for category in &entry.categories {
                    for service in &category.services {
                        let probe = service.probe.as_ref().and_then(|probe| serde_json::to_string(probe).ok());
                        rows.push(vec![
                            reference.clone(),
                            category.label.clone(),
                            service.label.clone(),
                            service.position.to_string(),
                            probe.unwrap_or_default(),
                        ]);
                    }
                }
            }
        }
    }
    let mut writer = csv::Writer::from_writer(BYTE_ORDER_MARK.to_vec());
    let written = std::iter::once(table.columns().iter().map(|column| (*column).to_owned()).collect())
        .chain(rows)
        .try_for_each(|row: Vec<String>| writer.write_record(&row));
    // Writing to memory fails only on a bug of the writer; the rows are strings.
    debug_assert!(written.is_ok());
    writer.into_inner().unwrap_or_default()
}

/// One row read, its cells by column name.
struct Row<'a> {
    place: Place,
    header: &'a [String],
    record: csv::StringRecord,
}

impl Row<'_> {
    fn get(&self, column: &str) -> &str {
        self.header.iter().position(|name| name == column).and_then(|index| self.record.get(index)).unwrap_or("").trim()
    }

    fn optional(&self, column: &str) -> Option<String> {
        Some(self.get(column)).filter(|value| !value.is_empty()).map(str::to_owned)
    }
}

/// Reads CSV tables (any of the four) into one import; what is wrong in
/// them is reported with what the check finds.
pub fn read(files: &[(Table, &[u8])]) -> Draft {
    let mut problems = Vec::new();
    let mut tables: Vec<(Table, Records)> = Vec::new();
    for &(table, bytes) in files {
        if tables.iter().any(|(seen, _)| *seen == table) {
            problems.push(FieldError::new(table.name(), "est donné deux fois"));
            continue;
        }
        match records(table, bytes) {
            Ok(records) => tables.push((table, records)),
            Err(mut found) => problems.append(&mut found),
        }
    }
    let mut draft = Draft::default();
    // Clients first, then what refers to them, whatever the order of the files.
    tables.sort_by_key(|(table, _)| Table::ALL.iter().position(|known| known == table));
    for (table, (header, records)) in &tables {
        for (line, record) in records {
            let row = Row { place: Place::Csv { table: table.name(), line: *line }, header, record: record.clone() };
            read_row(*table, &row, &mut draft, &mut problems);
        }
    }
    draft.problems = problems;
    draft
}

/// A table's header and its rows, each with its line.
type Records = (Vec<String>, Vec<(u64, csv::StringRecord)>);

fn records(table: Table, bytes: &[u8]) -> Result<Records, Vec<FieldError>> {
    let name = table.name();
    let text = bytes.strip_prefix(BYTE_ORDER_MARK).unwrap_or(bytes);
    let first_line = text.split(|byte| *byte == b'\n').next().unwrap_or_default();
    let semicolons = first_line.iter().filter(|byte| **byte == b';').count();
    let commas = first_line.iter().filter(|byte| **byte == b',').count();
    let delimiter = if semicolons > commas { b';' } else { b',' };
    let mut reader = csv::ReaderBuilder::new().delimiter(delimiter).flexible(true).from_reader(text);
    let problem = |line: u64, message: String| FieldError::new(&format!("{name}.csv ligne {line}"), message);
    let header: Vec<String> = match reader.headers() {
        Ok(header) => header.iter().map(|column| column.trim().to_lowercase()).collect(),
        Err(error) => return Err(vec![problem(1, format!("en-tête illisible : {}", plain(&error)))]),
    };
    let mut problems = Vec::new();
    for column in &header {
        if !table.columns().contains(&column.as_str()) {
            let known = table.columns().join(", ");
            problems.push(problem(1, format!("colonne inconnue {column:?} ; les colonnes sont {known}")));
        }
    }
    for column in table.required() {
        if !header.iter().any(|name| name == column) {
            problems.push(problem(1, format!("la colonne {column:?} manque")));
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let mut rows = Vec::new();
    for record in reader.records() {
        match record {
            Ok(record) if record.iter().all(|cell| cell.trim().is_empty()) => {}
            Ok(record) => {
                let line = record.position().map_or(0, csv::Position::line);
                if record.len() > header.len() {
                    problems.push(problem(line, format!("{} cellules pour {} colonnes", record.len(), header.len())));
                } else {
                    rows.push((line, record));
                }
            }
            Err(error) => {
                let line = error.position().map_or(0, csv::Position::line);
                problems.push(problem(line, plain(&error)));
            }
        }
    }
    if problems.is_empty() { Ok((header, rows)) } else { Err(problems) }
}

/// A CSV error without the position, which the problem already names.
fn plain(error: &csv::Error) -> String {
    match error.kind() {
        csv::ErrorKind::Utf8 { .. } => "le fichier n'est pas du texte UTF-8".to_owned(),
        _ => error.to_string(),
    }
}

fn read_row(table: Table, row: &Row<'_>, draft: &mut Draft, problems: &mut Vec<FieldError>) {
    let place = &row.place;
    let reference = match table {
        Table::Clients => row.get("reference"),
        _ => row.get("client"),
    };
    match table {
        Table::Clients => {
            let active = match row.get("active").to_lowercase().as_str() {
                "" | "true" | "1" | "oui" | "yes" | "vrai" => true,
                "false" | "0" | "non" | "no" | "faux" => false,
                other => {
                    problems.push(place.problem("active", format!("vaut oui ou non (true, false), pas {other:?}")));
                    true
                }
            };
            let settings = ClientInput {
                reference: reference.to_owned(),
                label: row.get("label").to_owned(),
                check_time: row.get("check_time").to_owned(),
                reminder_time: row.optional("reminder_time"),
                sender: row.optional("sender"),
                report_template: row.optional("report_template"),
                active,
                mailing: None,
            };
            draft.clients.push(DraftClient {
                place: place.clone(),
                reference: reference.to_owned(),
                settings: Some(settings),
                mailing: None,
                categories: Vec::new(),
            });
        }
        Table::Mailing => {
            let Some(list) = MailingList::parse(row.get("list")) else {
                problems.push(place.problem("list", format!("vaut to, cc ou reminder, pas {:?}", row.get("list"))));
                return;
            };
            let address = DraftAddress { place: place.clone(), list, address: row.get("address").to_owned() };
            client_named(draft, reference, place).mailing.get_or_insert_with(Vec::new).push(address);
        }
        Table::Categories => {
            let Some(position) = position(row, problems) else { return };
            // Tables are read clients first and services last: a category of
            // the same label here was given earlier in categories.csv, and
            // the check reports it.
            let category = DraftCategory {
                place: place.clone(),
                label: row.get("category").to_owned(),
                position,
                services: Vec::new(),
            };
            client_named(draft, reference, place).categories.push(category);
        }
        Table::Services => {
            let Some(position) = position(row, problems) else { return };
            let probe = match row.optional("probe") {
                None => None,
                Some(json) => match serde_json::from_str::<ProbeSpecDocument>(&json) {
                    Ok(probe) => Some(probe),
                    Err(error) => {
                        problems.push(place.problem("probe", format!("pas une sonde : {error}")));
                        return;
                    }
                },
            };
            let input =
                ServiceInput { label: row.get("service").to_owned(), position: position.unwrap_or_default(), probe };
            let client = client_named(draft, reference, place);
            let category_label = row.get("category");
            let index = match client.categories.iter().position(|category| category.label.trim() == category_label) {
                Some(index) => index,
                None => {
                    client.categories.push(DraftCategory {
                        place: place.clone(),
                        label: category_label.to_owned(),
                        position: None,
                        services: Vec::new(),
                    });
                    client.categories.len() - 1
                }
            };
            client.categories[index].services.push(DraftService { place: place.clone(), input });
        }
    }
}

/// The cell `position`: `None` when empty, refused when not a number.
fn position(row: &Row<'_>, problems: &mut Vec<FieldError>) -> Option<Option<i32>> {
    match row.get("position") {
        "" => Some(None),
        value => match value.parse() {
            Ok(position) => Some(Some(position)),
            Err(_) => {
                problems.push(row.place.problem("position", format!("est un nombre entier, pas {value:?}")));
                None
            }
        },
    }
}

/// The client of the import with this reference, added (without settings)
/// when the tables read so far did not give it.
fn client_named<'a>(draft: &'a mut Draft, reference: &str, place: &Place) -> &'a mut DraftClient {
    let index = match draft.clients.iter().position(|client| client.reference.trim() == reference) {
        Some(index) => index,
        None => {
            draft.clients.push(DraftClient {
                place: place.clone(),
                reference: reference.to_owned(),
                settings: None,
                mailing: None,
                categories: Vec::new(),
            });
            draft.clients.len() - 1
        }
    };
    &mut draft.clients[index]
}
