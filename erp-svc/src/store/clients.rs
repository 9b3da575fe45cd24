//! Clients, their sites and the equipment on them.

use chrono::{DateTime, NaiveDate, Utc};
use common::error::ApiError;
use common::on_database;
use serde::Serialize;

use super::{Change, Page, Store, audit, changes, page_with_total, refused};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ClientRow {
    pub id: i64,
    pub reference: String,
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub address: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ClientFields {
    pub reference: String,
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub address: Option<String>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SiteRow {
    pub id: i64,
    pub client_id: i64,
    pub client_reference: String,
    pub name: String,
    pub address: Option<String>,
    pub postal_code: Option<String>,
    pub city: Option<String>,
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
    pub contact_email: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SiteFields {
    pub name: String,
    pub address: Option<String>,
    pub postal_code: Option<String>,
    pub city: Option<String>,
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
    pub contact_email: Option<String>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct EquipmentRow {
    pub id: i64,
    pub site_id: i64,
    pub client_id: i64,
    pub client_reference: String,
    pub kind: String,
    pub brand: Option<String>,
    pub model: Option<String>,
    pub serial_number: Option<String>,
    pub installed_on: Option<NaiveDate>,
    pub warranty_end: Option<NaiveDate>,
}

#[derive(Debug, Clone, Serialize)]
pub struct EquipmentFields {
    pub kind: String,
    pub brand: Option<String>,
    pub model: Option<String>,
    pub serial_number: Option<String>,
    pub installed_on: Option<NaiveDate>,
    pub warranty_end: Option<NaiveDate>,
}

const CLIENT_COLUMNS: &str = "id, reference, name, email, phone, address, created_at, updated_at";
const SITE_COLUMNS: &str = "s.id, s.client_id, c.reference AS client_reference, s.name, s.address, s.postal_code, \
     s.city, s.contact_name, s.contact_phone, s.contact_email";
const EQUIPMENT_COLUMNS: &str = "e.id, e.site_id, s.client_id, c.reference AS client_reference, e.kind, e.brand, \
     e.model, e.serial_number, e.installed_on, e.warranty_end";

const DUPLICATE_REFERENCE: &str = "Another client already has this reference.";

impl Store {
    pub async fn create_client(&self, fields: &ClientFields, change: Change<'_>) -> Result<i64, ApiError> {
        let created: Result<_, sqlx::Error> = on_database!(self.database(), pool => async {
            let mut tx = pool.begin().await?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO clients (reference, name, email, phone, address, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id",
            )
            .bind(&fields.reference)
            .bind(&fields.name)
            .bind(&fields.email)
            .bind(&fields.phone)
            .bind(&fields.address)
            .bind(change.at)
            .fetch_one(&mut *tx)
            .await?;
            audit!(&mut *tx, change, "client", id, "created", changes(fields)).await?;
            tx.commit().await?;
            Ok(id)
        }.await);
        created.map_err(|error| refused(error, DUPLICATE_REFERENCE))
    }

    pub async fn update_client(&self, id: i64, fields: &ClientFields, change: Change<'_>) -> Result<bool, ApiError> {
        let updated: Result<_, sqlx::Error> = on_database!(self.database(), pool => async {
            let mut tx = pool.begin().await?;
            let done = sqlx::query(
                "UPDATE clients SET reference = $1, name = $2, email = $3, phone = $4, address = $5, updated_at = $6 \
                 WHERE id = $7",
            )
            .bind(&fields.reference)
            .bind(&fields.name)
            .bind(&fields.email)
            .bind(&fields.phone)
            .bind(&fields.address)
            .bind(change.at)
            .bind(id)
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() == 0 {
                return Ok(false);
            }
            audit!(&mut *tx, change, "client", id, "updated", changes(fields)).await?;
            tx.commit().await?;
            Ok(true)
        }.await);
        updated.map_err(|error| refused(error, DUPLICATE_REFERENCE))
    }

    /// Deletes a client without sites (what depends on it is kept: 409).
    pub async fn delete_client(&self, id: i64, change: Change<'_>) -> Result<bool, ApiError> {
        self.delete_row("clients", "client", id, change, "The client still has sites or interventions.").await
    }

    pub async fn delete_site(&self, id: i64, change: Change<'_>) -> Result<bool, ApiError> {
        self.delete_row("sites", "site", id, change, "The site still has equipment or interventions.").await
    }

    pub async fn delete_equipment(&self, id: i64, change: Change<'_>) -> Result<bool, ApiError> {
        self.delete_row("equipment", "equipment", id, change, "The equipment still has interventions or plans.").await
    }

    async fn delete_row(
        &self,
        table: &'static str,
        entity: &'static str,
        id: i64,
        change: Change<'_>,
        in_use: &str,
    ) -> Result<bool, ApiError> {
        let statement = format!("DELETE FROM {table} WHERE id = $1");
        let deleted: Result<_, sqlx::Error> = on_database!(self.database(), pool => async {
            let mut tx = pool.begin().await?;
            let done = sqlx::query(sqlx::AssertSqlSafe(statement)).bind(id).execute(&mut *tx).await?;
            if done.rows_affected() == 0 {
                return Ok(false);
            }
            audit!(&mut *tx, change, entity, id, "deleted", "{}").await?;
            tx.commit().await?;
            Ok(true)
        }.await);
        deleted.map_err(|error| refused(error, in_use))
    }

    /// Clients by name; only `company`'s when given.
    pub async fn clients(&self, company: Option<&str>, page: Page) -> Result<(Vec<ClientRow>, i64), ApiError> {
        let filter = "FROM clients WHERE ($1 IS NULL OR reference = $1)";
        let query = format!("SELECT {CLIENT_COLUMNS} {filter} ORDER BY name, id LIMIT $2 OFFSET $3");
        let count = format!("SELECT COUNT(*) {filter}");
        page_with_total!(self.database(), ClientRow, query, count, page, [company])
    }

    pub async fn client(&self, id: i64) -> Result<Option<ClientRow>, ApiError> {
        let query = format!("SELECT {CLIENT_COLUMNS} FROM clients WHERE id = $1");
        let row = on_database!(self.database(), pool => sqlx::query_as::<_, ClientRow>(sqlx::AssertSqlSafe(query))
            .bind(id)
            .fetch_optional(pool)
            .await);
        row.map_err(ApiError::internal)
    }

    pub async fn create_site(&self, client_id: i64, fields: &SiteFields, change: Change<'_>) -> Result<i64, ApiError> {
        let created: Result<_, sqlx::Error> = on_database!(self.database(), pool => async {
            let mut tx = pool.begin().await?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO sites (client_id, name, address, postal_code, city, contact_name, contact_phone, \
                 contact_email, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING id",
            )
            .bind(client_id)
            .bind(&fields.name)
            .bind(&fields.address)
            .bind(&fields.postal_code)
            .bind(&fields.city)
            .bind(&fields.contact_name)
            .bind(&fields.contact_phone)
            .bind(&fields.contact_email)
            .bind(change.at)
            .fetch_one(&mut *tx)
            .await?;
            audit!(&mut *tx, change, "site", id, "created", changes(fields)).await?;
            tx.commit().await?;
            Ok(id)
        }.await);
        created.map_err(|error| refused(error, "The client does not exist."))
    }

    pub async fn update_site(&self, id: i64, fields: &SiteFields, change: Change<'_>) -> Result<bool, ApiError> {
        let updated: Result<_, sqlx::Error> = on_database!(self.database(), pool => async {
            let mut tx = pool.begin().await?;
            let done = sqlx::query(
                "UPDATE sites SET name = $1, address = $2, postal_code = $3, city = $4, contact_name = $5, \
                 contact_phone = $6, contact_email = $7, updated_at = $8 WHERE id = $9",
            )
            .bind(&fields.name)
            .bind(&fields.address)
            .bind(&fields.postal_code)
            .bind(&fields.city)
            .bind(&fields.contact_name)
            .bind(&fields.contact_phone)
            .bind(&fields.contact_email)
            .bind(change.at)
            .bind(id)
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() == 0 {
                return Ok(false);
            }
            audit!(&mut *tx, change, "site", id, "updated", changes(fields)).await?;
            tx.commit().await?;
            Ok(true)
        }.await);
        updated.map_err(ApiError::internal)
    }

    /// Sites by name, of one client and/or one company when given.
    pub async fn sites(
        &self,
        client_id: Option<i64>,
        company: Option<&str>,
        page: Page,
    ) -> Result<(Vec<SiteRow>, i64), ApiError> {
        let filter = "FROM sites s JOIN clients c ON c.id = s.client_id \
                      WHERE ($1 IS NULL OR s.client_id = $1) AND ($2 IS NULL OR c.reference = $2)";
        let query = format!("SELECT {SITE_COLUMNS} {filter} ORDER BY s.name, s.id LIMIT $3 OFFSET $4");
        let count = format!("SELECT COUNT(*) {filter}");
        page_with_total!(self.database(), SiteRow, query, count, page, [client_id, company])
    }

    pub async fn site(&self, id: i64) -> Result<Option<SiteRow>, ApiError> {
        let query = format!("SELECT {SITE_COLUMNS} FROM sites s JOIN clients c ON c.id = s.client_id WHERE s.id = $1");
        let row = on_database!(self.database(), pool => sqlx::query_as::<_, SiteRow>(sqlx::AssertSqlSafe(query))
            .bind(id)
            .fetch_optional(pool)
            .await);
        row.map_err(ApiError::internal)
    }

    pub async fn create_equipment(
        &self,
        site_id: i64,
        fields: &EquipmentFields,
        change: Change<'_>,
    ) -> Result<i64, ApiError> {
        let created: Result<_, sqlx::Error> = on_database!(self.database(), pool => async {
            let mut tx = pool.begin().await?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO equipment (site_id, kind, brand, model, serial_number, installed_on, warranty_end, \
                 created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id",
            )
            .bind(site_id)
            .bind(&fields.kind)
            .bind(&fields.brand)
            .bind(&fields.model)
            .bind(&fields.serial_number)
            .bind(fields.installed_on)
            .bind(fields.warranty_end)
            .bind(change.at)
            .fetch_one(&mut *tx)
            .await?;
            audit!(&mut *tx, change, "equipment", id, "created", changes(fields)).await?;
            tx.commit().await?;
            Ok(id)
        }.await);
        created.map_err(|error| refused(error, "The site does not exist."))
    }

    pub async fn update_equipment(
        &self,
        id: i64,
        fields: &EquipmentFields,
        change: Change<'_>,
    ) -> Result<bool, ApiError> {
        let updated: Result<_, sqlx::Error> = on_database!(self.database(), pool => async {
            let mut tx = pool.begin().await?;
            let done = sqlx::query(
                "UPDATE equipment SET kind = $1, brand = $2, model = $3, serial_number = $4, installed_on = $5, \
                 warranty_end = $6, updated_at = $7 WHERE id = $8",
            )
            .bind(&fields.kind)
            .bind(&fields.brand)
            .bind(&fields.model)
            .bind(&fields.serial_number)
            .bind(fields.installed_on)
            .bind(fields.warranty_end)
            .bind(change.at)
            .bind(id)
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() == 0 {
                return Ok(false);
            }
            audit!(&mut *tx, change, "equipment", id, "updated", changes(fields)).await?;
            tx.commit().await?;
            Ok(true)
        }.await);
        updated.map_err(ApiError::internal)
    }

    /// Equipment of one site or one client, and/or one company.
    pub async fn equipment_list(
        &self,
        site_id: Option<i64>,
        client_id: Option<i64>,
        company: Option<&str>,
        page: Page,
    ) -> Result<(Vec<EquipmentRow>, i64), ApiError> {
        let filter = "FROM equipment e JOIN sites s ON s.id = e.site_id JOIN clients c ON c.id = s.client_id \
                      WHERE ($1 IS NULL OR e.site_id = $1) AND ($2 IS NULL OR s.client_id = $2) \
                      AND ($3 IS NULL OR c.reference = $3)";
        let query = format!("SELECT {EQUIPMENT_COLUMNS} {filter} ORDER BY e.site_id, e.kind, e.id LIMIT $4 OFFSET $5");
        let count = format!("SELECT COUNT(*) {filter}");
        page_with_total!(self.database(), EquipmentRow, query, count, page, [site_id, client_id, company])
    }

    pub async fn equipment(&self, id: i64) -> Result<Option<EquipmentRow>, ApiError> {
        let query = format!(
            "SELECT {EQUIPMENT_COLUMNS} FROM equipment e JOIN sites s ON s.id = e.site_id \
             JOIN clients c ON c.id = s.client_id WHERE e.id = $1"
        );
        let row = on_database!(self.database(), pool => sqlx::query_as::<_, EquipmentRow>(sqlx::AssertSqlSafe(query))
            .bind(id)
            .fetch_optional(pool)
            .await);
        row.map_err(ApiError::internal)
    }
}
