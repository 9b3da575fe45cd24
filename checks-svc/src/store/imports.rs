//! A whole configuration written at once: clients matched by reference,
//! categories by label within their client, services by label within their
//! category; created when missing, changed when they differ, never deleted.

use chrono::{DateTime, Utc};
use common::error::{ApiError, ErrorCode};
use common::on_database;
use serde::Serialize;
use utoipa::ToSchema;

use super::{ClientFields, Recipients, ServiceFields, Store, conflict_on_unique};

/// One client of an import, checked: its settings when the import gives
/// them (a client that already exists may be named only for its
/// categories), its mailing lists when the import gives them.
#[derive(Debug, Clone)]
pub struct ClientImport {
    pub reference: String,
    pub settings: Option<ClientFields>,
    pub recipients: Option<Recipients>,
    pub categories: Vec<CategoryImport>,
}

#[derive(Debug, Clone)]
pub struct CategoryImport {
    pub label: String,
    /// Kept as it is for an existing category when the import does not say.
    pub position: Option<i32>,
    /// Their heartbeat token is for new services: one that exists keeps
    /// the token its jobs already call.
    pub services: Vec<ServiceFields>,
}

/// What an import did (or, dry, would do), per table.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct ImportCounts {
    pub clients: Changes,
    pub categories: Changes,
    pub services: Changes,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct Changes {
    pub created: u32,
    pub updated: u32,
    pub unchanged: u32,
}

impl Changes {
    fn count(&mut self, existed: bool, changed: bool) {
        match (existed, changed) {
            (false, _) => self.created += 1,
            (true, true) => self.updated += 1,
            (true, false) => self.unchanged += 1,
        }
    }
}

/// The columns an import compares and sets, as they are stored.
type StoredClient = (i64, String, String, i32, Option<i32>, Option<String>, bool);
type StoredService = (i64, i32, Option<String>, Option<String>, bool);

impl Store {
    /// Writes `clients` in one transaction, committed unless `dry_run`:
    /// a dry run counts the same changes and leaves nothing behind.
    pub async fn import(
        &self,
        clients: &[ClientImport],
        now: DateTime<Utc>,
        dry_run: bool,
    ) -> Result<ImportCounts, ApiError> {
        let outcome: Result<ImportCounts, sqlx::Error> = on_database!(self.database(), pool => async {
            let mut counts = ImportCounts::default();
            let mut transaction = pool.begin().await?;
            for client in clients {
                let stored = sqlx::query_as::<_, StoredClient>(
                    "SELECT id, label, report_template, check_minute, reminder_minute, sender, active \
                     FROM clients WHERE reference = $1",
                )
                .bind(&client.reference)
                .fetch_optional(&mut *transaction)
                .await?;
                let mut changed = false;
                let existed = stored.is_some();
                let client_id = match (stored, &client.settings) {
                    (Some(stored), Some(settings)) => {
                        let wanted = (
                            stored.0,
                            settings.label.clone(),
                            settings.report_template.clone(),
                            settings.check_minute,
                            settings.reminder_minute,
                            settings.sender.clone(),
                            settings.active,
                        );
                        if stored != wanted {
                            changed = true;
                            sqlx::query(
                                "UPDATE clients SET label = $1, report_template = $2, check_minute = $3, \
                                 reminder_minute = $4, sender = $5, active = $6 WHERE id = $7",
                            )
                            .bind(&settings.label)
                            .bind(&settings.report_template)
                            .bind(settings.check_minute)
                            .bind(settings.reminder_minute)
                            .bind(&settings.sender)
                            .bind(settings.active)
                            .bind(stored.0)
                            .execute(&mut *transaction)
                            .await?;
                        }
                        stored.0
                    }
                    (Some(stored), None) => stored.0,
                    (None, settings) => {
                        // Checked before: a client named without its settings existed then.
                        let Some(settings) = settings else { return Err(sqlx::Error::RowNotFound) };
                        sqlx::query_scalar::<_, i64>(
                            "INSERT INTO clients (reference, label, report_template, check_minute, reminder_minute, \
                             sender, active, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
                        )
                        .bind(&client.reference)
                        .bind(&settings.label)
                        .bind(&settings.report_template)
                        .bind(settings.check_minute)
                        .bind(settings.reminder_minute)
                        .bind(&settings.sender)
                        .bind(settings.active)
                        .bind(now)
                        .fetch_one(&mut *transaction)
                        .await?
                    }
                };
                if let Some(recipients) = &client.recipients {
                    let rows = sqlx::query_as::<_, (String, String)>(
                        "SELECT kind, address FROM mailing_recipients WHERE client_id = $1 ORDER BY kind, address",
                    )
                    .bind(client_id)
                    .fetch_all(&mut *transaction)
                    .await?;
                    let mut wanted: Vec<(String, String)> = [
                        ("to", &recipients.to),
                        ("cc", &recipients.cc),
                        ("reminder", &recipients.reminder),
                    ]
                    .into_iter()
                    .flat_map(|(kind, addresses)| addresses.iter().map(move |address| (kind.to_owned(), address.clone())))
                    .collect();
                    wanted.sort();
                    wanted.dedup();
                    if rows != wanted {
                        changed = true;
                        sqlx::query("DELETE FROM mailing_recipients WHERE client_id = $1")
                            .bind(client_id)
                            .execute(&mut *transaction)
                            .await?;
                        for (kind, address) in &wanted {
                            sqlx::query("INSERT INTO mailing_recipients (client_id, kind, address) VALUES ($1, $2, $3)")
                                .bind(client_id)
                                .bind(kind)
                                .bind(address)
                                .execute(&mut *transaction)
                                .await?;
                        }
                    }
                }
                counts.clients.count(existed, changed);
                for category in &client.categories {
                    let stored = sqlx::query_as::<_, (i64, i32)>(
                        "SELECT id, position FROM categories WHERE client_id = $1 AND label = $2 ORDER BY id LIMIT 1",
                    )
                    .bind(client_id)
                    .bind(&category.label)
                    .fetch_optional(&mut *transaction)
                    .await?;
                    let category_id = match stored {
                        Some((id, position)) => {
                            let changed = category.position.is_some_and(|wanted| wanted != position);
                            if let (true, Some(wanted)) = (changed, category.position) {
                                sqlx::query("UPDATE categories SET position = $1 WHERE id = $2")
                                    .bind(wanted)
                                    .bind(id)
                                    .execute(&mut *transaction)
                                    .await?;
                            }
                            counts.categories.count(true, changed);
                            id
                        }
                        None => {
                            counts.categories.count(false, true);
                            sqlx::query_scalar::<_, i64>(
                                "INSERT INTO categories (client_id, label, position) VALUES ($1, $2, $3) RETURNING id",
                            )
                            .bind(client_id)
                            .bind(&category.label)
                            .bind(category.position.unwrap_or_default())
                            .fetch_one(&mut *transaction)
                            .await?
                        }
                    };
                    for service in &category.services {
                        let stored = sqlx::query_as::<_, StoredService>(
                            "SELECT id, position, probe, heartbeat_token, probe_reaches_allowed_networks \
                             FROM services WHERE category_id = $1 AND label = $2 ORDER BY id LIMIT 1",
                        )
                        .bind(category_id)
                        .bind(&service.label)
                        .fetch_optional(&mut *transaction)
                        .await?;
                        match stored {
                            Some((id, position, probe, token, reaches)) => {
                                let token = service.heartbeat_token.as_ref().map(|new| token.unwrap_or_else(|| new.clone()));
                                let changed = (position, &probe, reaches)
                                    != (service.position, &service.probe, service.probe_reaches_allowed_networks);
                                if changed {
                                    sqlx::query(
                                        "UPDATE services SET position = $1, probe = $2, heartbeat_token = $3, \
                                         probe_reaches_allowed_networks = $4 WHERE id = $5",
                                    )
                                    .bind(service.position)
                                    .bind(&service.probe)
                                    .bind(token)
                                    .bind(service.probe_reaches_allowed_networks)
                                    .bind(id)
                                    .execute(&mut *transaction)
                                    .await?;
                                }
                                counts.services.count(true, changed);
                            }
                            None => {
                                counts.services.count(false, true);
                                sqlx::query(
                                    "INSERT INTO services (category_id, label, position, probe, heartbeat_token, \
                                     probe_reaches_allowed_networks) VALUES ($1, $2, $3, $4, $5, $6)",
                                )
                                .bind(category_id)
                                .bind(&service.label)
                                .bind(service.position)
                                .bind(&service.probe)
                                .bind(&service.heartbeat_token)
                                .bind(service.probe_reaches_allowed_networks)
                                .execute(&mut *transaction)
                                .await?;
                            }
                        }
                    }
                }
            }
            if dry_run { transaction.rollback().await? } else { transaction.commit().await? }
            Ok(counts)
        }
        .await);
        outcome.map_err(|error| match error {
            sqlx::Error::RowNotFound => ApiError::new(
                ErrorCode::Conflict,
                "Un client que l'import nomme par sa seule référence a été supprimé entre-temps.",
            ),
            error => conflict_on_unique(error, "Another client with a reference of the import was created meanwhile."),
        })
    }
}
