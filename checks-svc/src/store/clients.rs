use chrono::{DateTime, Utc};
use common::error::ApiError;
use common::on_database;

use super::{Store, conflict_on_unique};
use crate::domain::{LocalTime, ProbeSpec, ProbeSpecDocument};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ClientRow {
    pub id: i64,
    pub reference: String,
    pub label: String,
    pub report_template: String,
    pub check_minute: i32,
    pub reminder_minute: Option<i32>,
    pub sender: Option<String>,
    pub has_logo: bool,
    pub active: bool,
    pub created_at: DateTime<Utc>,
    /// The token of the client's public status page, if it has one.
    pub status_token: Option<String>,
}

impl ClientRow {
    /// When the day's check opens: `08:30`.
    pub fn check_time(&self) -> String {
        time_of(self.check_minute).unwrap_or_default()
    }

    pub fn reminder_time(&self) -> Option<String> {
        self.reminder_minute.and_then(time_of)
    }
}

fn time_of(minutes: i32) -> Option<String> {
    LocalTime::from_minutes(i64::from(minutes)).map(|time| time.to_string())
}

/// What a client's configuration form or API call sets.
#[derive(Debug, Clone)]
pub struct ClientFields {
    pub reference: String,
    pub label: String,
    pub report_template: String,
    pub check_minute: i32,
    pub reminder_minute: Option<i32>,
    pub sender: Option<String>,
    pub active: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Recipients {
    pub to: Vec<String>,
    pub cc: Vec<String>,
    pub reminder: Vec<String>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CategoryRow {
    pub id: i64,
    pub client_id: i64,
    pub label: String,
    pub position: i32,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ServiceRow {
    pub id: i64,
    pub category_id: i64,
    pub client_id: i64,
    pub label: String,
    pub position: i32,
    pub probe: Option<String>,
    pub heartbeat_token: Option<String>,
    pub last_heartbeat_at: Option<DateTime<Utc>>,
}

impl ServiceRow {
    /// The probe as the API shows it, if the service has one.
    pub fn probe_document(&self) -> Option<ProbeSpecDocument> {
        self.probe.as_deref().and_then(ProbeSpec::from_json).map(|spec| spec.document().clone())
    }
}

#[derive(Debug, Clone)]
pub struct ServiceFields {
    pub label: String,
    pub position: i32,
    pub probe: Option<String>,
    pub heartbeat_token: Option<String>,
    /// Whether the probe may reach `probes.allowed_networks` (an admin saved it).
    pub probe_reaches_allowed_networks: bool,
}

const CLIENT_COLUMNS: &str = "id, reference, label, report_template, check_minute, reminder_minute, sender, \
     logo IS NOT NULL AS has_logo, active, created_at, status_token";

const SERVICE_COLUMNS: &str = "s.id, s.category_id, c.client_id, s.label, s.position, s.probe, s.heartbeat_token, \
     s.last_heartbeat_at";

const DUPLICATE_REFERENCE: &str = "Another client already has this reference.";

impl Store {
    pub async fn create_client(&self, fields: &ClientFields, now: DateTime<Utc>) -> Result<i64, ApiError> {
        let inserted = on_database!(self.database(), pool => sqlx::query_scalar::<_, i64>(
            "INSERT INTO clients (reference, label, report_template, check_minute, reminder_minute, sender, active, \
             created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(&fields.reference)
        .bind(&fields.label)
        .bind(&fields.report_template)
        .bind(fields.check_minute)
        .bind(fields.reminder_minute)
        .bind(&fields.sender)
        .bind(fields.active)
        .bind(now)
        .fetch_one(pool)
        .await);
        inserted.map_err(|error| conflict_on_unique(error, DUPLICATE_REFERENCE))
    }

    pub async fn update_client(&self, id: i64, fields: &ClientFields) -> Result<bool, ApiError> {
        let updated = on_database!(self.database(), pool => sqlx::query(
            "UPDATE clients SET reference = $1, label = $2, report_template = $3, check_minute = $4, \
             reminder_minute = $5, sender = $6, active = $7 WHERE id = $8",
        )
        .bind(&fields.reference)
        .bind(&fields.label)
        .bind(&fields.report_template)
        .bind(fields.check_minute)
        .bind(fields.reminder_minute)
        .bind(&fields.sender)
        .bind(fields.active)
        .bind(id)
        .execute(pool)
        .await
        .map(|done| done.rows_affected() == 1));
        updated.map_err(|error| conflict_on_unique(error, DUPLICATE_REFERENCE))
    }

    pub async fn delete_client(&self, id: i64) -> Result<bool, ApiError> {
        self.delete_by_id("clients", id).await
    }

    pub async fn clients(&self) -> Result<Vec<ClientRow>, ApiError> {
        let query = format!("SELECT {CLIENT_COLUMNS} FROM clients ORDER BY label, id");
        let rows = on_database!(self.database(), pool => sqlx::query_as::<_, ClientRow>(sqlx::AssertSqlSafe(query))
            .fetch_all(pool)
            .await);
        rows.map_err(ApiError::internal)
    }

    pub async fn client(&self, id: i64) -> Result<Option<ClientRow>, ApiError> {
        let query = format!("SELECT {CLIENT_COLUMNS} FROM clients WHERE id = $1");
        let row = on_database!(self.database(), pool => sqlx::query_as::<_, ClientRow>(sqlx::AssertSqlSafe(query))
            .bind(id)
            .fetch_optional(pool)
            .await);
        row.map_err(ApiError::internal)
    }

    /// Opens (a new token) or closes (`None`) the client's public status page.
    pub async fn set_status_token(&self, id: i64, token: Option<&str>) -> Result<bool, ApiError> {
        let updated = on_database!(self.database(), pool => sqlx::query(
            "UPDATE clients SET status_token = $1 WHERE id = $2",
        )
        .bind(token)
        .bind(id)
        .execute(pool)
        .await
        .map(|done| done.rows_affected() == 1));
        updated.map_err(ApiError::internal)
    }

    pub async fn client_by_status_token(&self, token: &str) -> Result<Option<ClientRow>, ApiError> {
        self.client_where("status_token", token).await
    }

    pub async fn client_by_reference(&self, reference: &str) -> Result<Option<ClientRow>, ApiError> {
        self.client_where("reference", reference).await
    }

    /// The client whose `column` (a unique one, a constant of this module) is `value`.
    async fn client_where(&self, column: &'static str, value: &str) -> Result<Option<ClientRow>, ApiError> {
        let query = format!("SELECT {CLIENT_COLUMNS} FROM clients WHERE {column} = $1");
        let row = on_database!(self.database(), pool => sqlx::query_as::<_, ClientRow>(sqlx::AssertSqlSafe(query))
            .bind(value)
            .fetch_optional(pool)
            .await);
        row.map_err(ApiError::internal)
    }

    pub async fn set_logo(&self, id: i64, logo: &[u8], media_type: &str) -> Result<bool, ApiError> {
        let updated = on_database!(self.database(), pool => sqlx::query(
            "UPDATE clients SET logo = $1, logo_type = $2 WHERE id = $3",
        )
        .bind(logo)
        .bind(media_type)
        .bind(id)
        .execute(pool)
        .await
        .map(|done| done.rows_affected() == 1));
        updated.map_err(ApiError::internal)
    }

    /// The logo and its media type.
    pub async fn logo(&self, id: i64) -> Result<Option<(Vec<u8>, String)>, ApiError> {
        let row = on_database!(self.database(), pool => sqlx::query_as::<_, (Vec<u8>, String)>(
            "SELECT logo, logo_type FROM clients WHERE id = $1 AND logo IS NOT NULL",
        )
        .bind(id)
        .fetch_optional(pool)
        .await);
        row.map_err(ApiError::internal)
    }

    pub async fn recipients(&self, client_id: i64) -> Result<Recipients, ApiError> {
        let rows = on_database!(self.database(), pool => sqlx::query_as::<_, (String, String)>(
            "SELECT kind, address FROM mailing_recipients WHERE client_id = $1 ORDER BY kind, address",
        )
        .bind(client_id)
        .fetch_all(pool)
        .await)
        .map_err(ApiError::internal)?;
        let mut recipients = Recipients::default();
        for (kind, address) in rows {
            match kind.as_str() {
                "to" => recipients.to.push(address),
                "cc" => recipients.cc.push(address),
                _ => recipients.reminder.push(address),
            }
        }
        Ok(recipients)
    }

    /// Replaces the client's mailing lists in one transaction.
    pub async fn set_recipients(&self, client_id: i64, recipients: &Recipients) -> Result<(), ApiError> {
        let lists = [("to", &recipients.to), ("cc", &recipients.cc), ("reminder", &recipients.reminder)];
        let outcome: Result<(), sqlx::Error> = on_database!(self.database(), pool => async {
            let mut transaction = pool.begin().await?;
            sqlx::query("DELETE FROM mailing_recipients WHERE client_id = $1")
                .bind(client_id)
                .execute(&mut *transaction)
                .await?;
            for (kind, addresses) in lists {
                for address in addresses {
                    sqlx::query(
                        "INSERT INTO mailing_recipients (client_id, kind, address) VALUES ($1, $2, $3) \
                         ON CONFLICT DO NOTHING",
                    )
                    .bind(client_id)
                    .bind(kind)
                    .bind(address)
                    .execute(&mut *transaction)
                    .await?;
                }
            }
            transaction.commit().await
        }
        .await);
        outcome.map_err(ApiError::internal)
    }

    pub async fn create_category(&self, client_id: i64, label: &str, position: i32) -> Result<i64, ApiError> {
        let id = on_database!(self.database(), pool => sqlx::query_scalar::<_, i64>(
            "INSERT INTO categories (client_id, label, position) VALUES ($1, $2, $3) RETURNING id",
        )
        .bind(client_id)
        .bind(label)
        .bind(position)
        .fetch_one(pool)
        .await);
        id.map_err(ApiError::internal)
    }

    pub async fn update_category(&self, id: i64, label: &str, position: i32) -> Result<bool, ApiError> {
        let updated = on_database!(self.database(), pool => sqlx::query(
            "UPDATE categories SET label = $1, position = $2 WHERE id = $3",
        )
        .bind(label)
        .bind(position)
        .bind(id)
        .execute(pool)
        .await
        .map(|done| done.rows_affected() == 1));
        updated.map_err(ApiError::internal)
    }

    pub async fn delete_category(&self, id: i64) -> Result<bool, ApiError> {
        self.delete_configuration("categories", "SELECT id FROM services WHERE category_id = $1", id).await
    }

    pub async fn category(&self, id: i64) -> Result<Option<CategoryRow>, ApiError> {
        let row = on_database!(self.database(), pool => sqlx::query_as::<_, CategoryRow>(
            "SELECT id, client_id, label, position FROM categories WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(pool)
        .await);
        row.map_err(ApiError::internal)
    }

    pub async fn categories(&self, client_id: i64) -> Result<Vec<CategoryRow>, ApiError> {
        let rows = on_database!(self.database(), pool => sqlx::query_as::<_, CategoryRow>(
            "SELECT id, client_id, label, position FROM categories WHERE client_id = $1 ORDER BY position, id",
        )
        .bind(client_id)
        .fetch_all(pool)
        .await);
        rows.map_err(ApiError::internal)
    }

    pub async fn create_service(&self, category_id: i64, fields: &ServiceFields) -> Result<i64, ApiError> {
        let id = on_database!(self.database(), pool => sqlx::query_scalar::<_, i64>(
            "INSERT INTO services (category_id, label, position, probe, heartbeat_token, probe_reaches_allowed_networks) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(category_id)
        .bind(&fields.label)
        .bind(fields.position)
        .bind(&fields.probe)
        .bind(&fields.heartbeat_token)
        .bind(fields.probe_reaches_allowed_networks)
        .fetch_one(pool)
        .await);
        id.map_err(ApiError::internal)
    }

    pub async fn update_service(&self, id: i64, fields: &ServiceFields) -> Result<bool, ApiError> {
        let updated = on_database!(self.database(), pool => sqlx::query(
            "UPDATE services SET label = $1, position = $2, probe = $3, heartbeat_token = $4, \
             probe_reaches_allowed_networks = $5 WHERE id = $6",
        )
        .bind(&fields.label)
        .bind(fields.position)
        .bind(&fields.probe)
        .bind(&fields.heartbeat_token)
        .bind(fields.probe_reaches_allowed_networks)
        .bind(id)
        .execute(pool)
        .await
        .map(|done| done.rows_affected() == 1));
        updated.map_err(ApiError::internal)
    }

    pub async fn delete_service(&self, id: i64) -> Result<bool, ApiError> {
        self.delete_configuration("services", "SELECT id FROM services WHERE id = $1", id).await
    }

    pub async fn service(&self, id: i64) -> Result<Option<ServiceRow>, ApiError> {
        let query = format!(
            "SELECT {SERVICE_COLUMNS} FROM services s JOIN categories c ON c.id = s.category_id WHERE s.id = $1"
        );
        let row = on_database!(self.database(), pool => sqlx::query_as::<_, ServiceRow>(sqlx::AssertSqlSafe(query))
            .bind(id)
            .fetch_optional(pool)
            .await);
        row.map_err(ApiError::internal)
    }

    pub async fn services(&self, client_id: i64) -> Result<Vec<ServiceRow>, ApiError> {
        let query = format!(
            "SELECT {SERVICE_COLUMNS} FROM services s JOIN categories c ON c.id = s.category_id \
             WHERE c.client_id = $1 ORDER BY c.position, c.id, s.position, s.id"
        );
        let rows = on_database!(self.database(), pool => sqlx::query_as::<_, ServiceRow>(sqlx::AssertSqlSafe(query))
            .bind(client_id)
            .fetch_all(pool)
            .await);
        rows.map_err(ApiError::internal)
    }

    /// Deletes one row of `table` with the services `services_of` selects
    /// (both constants of this module): the checks still open lose those
    /// services, the finished ones keep them as they were copied at finish
    /// (`ON DELETE SET NULL`).
    async fn delete_configuration(
        &self,
        table: &'static str,
        services_of: &'static str,
        id: i64,
    ) -> Result<bool, ApiError> {
        let open_rows = format!(
            "DELETE FROM service_checks WHERE service_id IN ({services_of}) \
             AND check_id IN (SELECT id FROM checks WHERE status IN ('pending', 'in_progress'))"
        );
        let statement = format!("DELETE FROM {table} WHERE id = $1");
        let deleted: Result<bool, sqlx::Error> = on_database!(self.database(), pool => async {
            let mut transaction = pool.begin().await?;
            sqlx::query(sqlx::AssertSqlSafe(open_rows)).bind(id).execute(&mut *transaction).await?;
            let deleted = sqlx::query(sqlx::AssertSqlSafe(statement)).bind(id).execute(&mut *transaction).await?;
            transaction.commit().await?;
            Ok(deleted.rows_affected() == 1)
        }
        .await);
        deleted.map_err(ApiError::internal)
    }

    /// Deletes one row of `table` (a constant of this module); what
    /// depends on it goes with it (`ON DELETE CASCADE`).
    async fn delete_by_id(&self, table: &'static str, id: i64) -> Result<bool, ApiError> {
        let statement = format!("DELETE FROM {table} WHERE id = $1");
        let deleted = on_database!(self.database(), pool => sqlx::query(sqlx::AssertSqlSafe(statement))
            .bind(id)
            .execute(pool)
            .await
            .map(|done| done.rows_affected() == 1));
        deleted.map_err(ApiError::internal)
    }
}
