//! What is recorded on an intervention: work lines, parts, documents,
//! signatures; the audit trail and the activity export read from them.

use std::sync::LazyLock;

use chrono::{DateTime, NaiveDate, Utc};
use common::database::Database;
use common::error::ApiError;
use common::on_database;
use serde::{Deserialize, Serialize};

use super::{Change, Page, Store, audit, changes, page_with_total, refused};

#[derive(Debug, Clone, Deserialize)]
pub struct LineRow {
    pub id: i64,
    pub work_date: NaiveDate,
    pub technician: String,
    pub minutes: i32,
    pub description: String,
    pub travel_km: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct LineFields {
    pub work_date: NaiveDate,
    pub technician: String,
    pub minutes: i32,
    pub description: String,
    pub travel_km: f64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct PartRow {
    pub id: i64,
    pub reference: String,
    pub label: Option<String>,
    pub quantity: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct PartFields {
    pub reference: String,
    pub label: Option<String>,
    pub quantity: f64,
}

#[derive(Debug, Clone, sqlx::FromRow, Deserialize)]
pub struct DocumentRow {
    pub id: i64,
    pub intervention_id: i64,
    pub kind: String,
    pub file_name: String,
    pub media_type: String,
    pub size_bytes: i64,
    pub object_key: String,
    pub uploaded_by: String,
    pub uploaded_at: DateTime<Utc>,
}

#[derive(Debug, Clone, sqlx::FromRow, Deserialize)]
pub struct SignatureRow {
    pub signer_role: String,
    pub signer_name: String,
    pub signed_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct StatusChangeRow {
    pub from_status: Option<String>,
    pub to_status: String,
    pub actor: String,
    pub comment: Option<String>,
    pub at: DateTime<Utc>,
}

/// What is recorded on one intervention, in the order its page and its
/// report list it.
#[derive(Debug, Clone)]
pub struct InterventionRecord {
    pub lines: Vec<LineRow>,
    pub parts: Vec<PartRow>,
    pub documents: Vec<DocumentRow>,
    pub signatures: Vec<SignatureRow>,
    pub history: Vec<StatusChangeRow>,
}

/// The record as the database aggregates it: one JSON array per list.
#[derive(sqlx::FromRow)]
pub(super) struct RecordArrays {
    lines: String,
    parts: String,
    documents: String,
    signatures: String,
    history: String,
}

impl RecordArrays {
    pub(super) fn parse(self) -> Result<InterventionRecord, ApiError> {
        fn list<T: for<'de> Deserialize<'de>>(array: &str) -> Result<Vec<T>, ApiError> {
            serde_json::from_str(array).map_err(ApiError::internal)
        }
        Ok(InterventionRecord {
            lines: list(&self.lines)?,
            parts: list(&self.parts)?,
            documents: list(&self.documents)?,
            signatures: list(&self.signatures)?,
            history: list(&self.history)?,
        })
    }
}

/// The statement behind `Store::record`, in the words of an engine's JSON
/// functions: `array` aggregates the `object`s built from each row.
fn record_statement(array: &str, object: &str) -> String {
    let list = |name: &str, columns: &[&str], table: &str, order: &str| {
        let pairs: Vec<String> = columns.iter().map(|column| format!("'{column}', {column}")).collect();
        format!(
            "(SELECT CAST(COALESCE({array}({object}({}) ORDER BY {order}), '[]') AS TEXT) FROM {table} \
             WHERE intervention_id = $1) AS {name}",
            pairs.join(", ")
        )
    };
    let lists = [
        list(
            "lines",
            &["id", "work_date", "technician", "minutes", "description", "travel_km"],
            "intervention_lines",
            "work_date, id",
        ),
        list("parts", &["id", "reference", "label", "quantity"], "intervention_parts", "id"),
        list("documents", &DOCUMENT_COLUMNS.split(", ").collect::<Vec<_>>(), "documents", "id"),
        list("signatures", &["signer_role", "signer_name", "signed_at"], "signatures", "signer_role"),
        list("history", &["from_status", "to_status", "actor", "comment", "at"], "status_changes", "id"),
    ];
    format!("SELECT {}", lists.join(", "))
}

static POSTGRES_RECORD: LazyLock<String> = LazyLock::new(|| record_statement("json_agg", "json_build_object"));
static SQLITE_RECORD: LazyLock<String> = LazyLock::new(|| record_statement("json_group_array", "json_object"));

/// Reads an intervention's record (`RecordArrays`) with `query`, from
/// `Store::record_query`, on a pool or on a transaction that just wrote.
macro_rules! record_of {
    ($executor:expr, $query:expr, $intervention_id:expr) => {
        sqlx::query_as::<_, $crate::store::work::RecordArrays>(sqlx::AssertSqlSafe($query))
            .bind($intervention_id)
            .fetch_one($executor)
    };
}
pub(super) use record_of;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AuditRow {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub entity: String,
    pub entity_id: i64,
    pub action: String,
    pub changes: String,
}

/// One line of the activity export: an intervention's time and travel of
/// one day and technician, or one part it used.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ActivityRow {
    pub work_date: NaiveDate,
    pub client_name: String,
    pub number: String,
    pub technician: Option<String>,
    pub minutes: Option<i32>,
    pub travel_km: Option<f64>,
    pub part_reference: Option<String>,
    pub part_label: Option<String>,
    pub quantity: Option<f64>,
}

const DOCUMENT_COLUMNS: &str =
    "id, intervention_id, kind, file_name, media_type, size_bytes, object_key, uploaded_by, uploaded_at";

impl Store {
    pub async fn add_line(
        &self,
        intervention_id: i64,
        fields: &LineFields,
        change: Change<'_>,
    ) -> Result<i64, ApiError> {
        let added: Result<_, sqlx::Error> = on_database!(self.database(), pool => async {
            let mut tx = pool.begin().await?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO intervention_lines (intervention_id, work_date, technician, minutes, description, \
                 travel_km, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
            )
            .bind(intervention_id)
            .bind(fields.work_date)
            .bind(&fields.technician)
            .bind(fields.minutes)
            .bind(&fields.description)
            .bind(fields.travel_km)
            .bind(change.at)
            .fetch_one(&mut *tx)
            .await?;
            audit!(&mut *tx, change, "intervention", intervention_id, "line_added", changes(fields)).await?;
            tx.commit().await?;
            Ok(id)
        }.await);
        added.map_err(ApiError::internal)
    }

    pub async fn add_part(
        &self,
        intervention_id: i64,
        fields: &PartFields,
        change: Change<'_>,
    ) -> Result<i64, ApiError> {
        let added: Result<_, sqlx::Error> = on_database!(self.database(), pool => async {
            let mut tx = pool.begin().await?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO intervention_parts (intervention_id, reference, label, quantity, created_at) \
                 VALUES ($1, $2, $3, $4, $5) RETURNING id",
            )
            .bind(intervention_id)
            .bind(&fields.reference)
            .bind(&fields.label)
            .bind(fields.quantity)
            .bind(change.at)
            .fetch_one(&mut *tx)
            .await?;
            audit!(&mut *tx, change, "intervention", intervention_id, "part_added", changes(fields)).await?;
            tx.commit().await?;
            Ok(id)
        }.await);
        added.map_err(ApiError::internal)
    }

    /// Removes a line or a part of the intervention.
    pub async fn remove_item(
        &self,
        intervention_id: i64,
        item: WorkItem,
        id: i64,
        change: Change<'_>,
    ) -> Result<bool, ApiError> {
        let (statement, action) = match item {
            WorkItem::Line => ("DELETE FROM intervention_lines WHERE id = $1 AND intervention_id = $2", "line_removed"),
            WorkItem::Part => ("DELETE FROM intervention_parts WHERE id = $1 AND intervention_id = $2", "part_removed"),
        };
        let removed: Result<_, sqlx::Error> = on_database!(self.database(), pool => async {
            let mut tx = pool.begin().await?;
            let done = sqlx::query(statement).bind(id).bind(intervention_id).execute(&mut *tx).await?;
            if done.rows_affected() == 0 {
                return Ok(false);
            }
            let entry = serde_json::json!({ "id": id }).to_string();
            audit!(&mut *tx, change, "intervention", intervention_id, action, entry).await?;
            tx.commit().await?;
            Ok(true)
        }.await);
        removed.map_err(ApiError::internal)
    }

    /// Everything recorded on the intervention, in one statement whatever
    /// how much: each list comes back as a JSON array.
    pub async fn record(&self, intervention_id: i64) -> Result<InterventionRecord, ApiError> {
        let query = self.record_query();
        let arrays = on_database!(self.database(), pool => record_of!(pool, query, intervention_id).await);
        arrays.map_err(ApiError::internal)?.parse()
    }

    /// `record`'s statement in this store's engine's words.
    pub(super) fn record_query(&self) -> &'static str {
        match self.database() {
            Database::Postgres(_) => POSTGRES_RECORD.as_str(),
            Database::Sqlite(_) => SQLITE_RECORD.as_str(),
        }
    }

    pub async fn add_document(&self, document: &DocumentRow, change: Change<'_>) -> Result<i64, ApiError> {
        let added: Result<_, sqlx::Error> = on_database!(self.database(), pool => async {
            let mut tx = pool.begin().await?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO documents (intervention_id, kind, file_name, media_type, size_bytes, object_key, \
                 uploaded_by, uploaded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
            )
            .bind(document.intervention_id)
            .bind(&document.kind)
            .bind(&document.file_name)
            .bind(&document.media_type)
            .bind(document.size_bytes)
            .bind(&document.object_key)
            .bind(change.actor)
            .bind(change.at)
            .fetch_one(&mut *tx)
            .await?;
            let entry = serde_json::json!({
                "document_id": id, "kind": document.kind, "file_name": document.file_name,
                "media_type": document.media_type, "size_bytes": document.size_bytes,
            });
            audit!(&mut *tx, change, "intervention", document.intervention_id, "document_added", entry.to_string())
                .await?;
            tx.commit().await?;
            Ok(id)
        }.await);
        added.map_err(|error| refused(error, "The intervention does not exist."))
    }

    pub async fn documents_of(&self, intervention_id: i64) -> Result<Vec<DocumentRow>, ApiError> {
        let query = format!("SELECT {DOCUMENT_COLUMNS} FROM documents WHERE intervention_id = $1 ORDER BY id");
        let rows = on_database!(self.database(), pool => sqlx::query_as::<_, DocumentRow>(sqlx::AssertSqlSafe(query))
            .bind(intervention_id)
            .fetch_all(pool)
            .await);
        rows.map_err(ApiError::internal)
    }

    pub async fn document(&self, id: i64) -> Result<Option<DocumentRow>, ApiError> {
        let query = format!("SELECT {DOCUMENT_COLUMNS} FROM documents WHERE id = $1");
        let row = on_database!(self.database(), pool => sqlx::query_as::<_, DocumentRow>(sqlx::AssertSqlSafe(query))
            .bind(id)
            .fetch_optional(pool)
            .await);
        row.map_err(ApiError::internal)
    }

    /// The documents of the interventions a caller may see: all, those of
    /// `company`, or those assigned to `technician`.
    pub async fn documents(
        &self,
        company: Option<&str>,
        technician: Option<&str>,
        page: Page,
    ) -> Result<(Vec<DocumentRow>, i64), ApiError> {
        let filter = "FROM documents d JOIN interventions i ON i.id = d.intervention_id \
                      JOIN clients c ON c.id = i.client_id WHERE ($1 IS NULL OR c.reference = $1) \
                      AND ($2 IS NULL OR EXISTS (SELECT 1 FROM intervention_technicians t \
                      WHERE t.intervention_id = i.id AND t.technician = $2))";
        let query = format!(
            "SELECT d.id, d.intervention_id, d.kind, d.file_name, d.media_type, d.size_bytes, d.object_key, \
             d.uploaded_by, d.uploaded_at {filter} ORDER BY d.id DESC LIMIT $3 OFFSET $4"
        );
        let count = format!("SELECT COUNT(*) {filter}");
        page_with_total!(self.database(), DocumentRow, query, count, page, [company, technician])
    }

    /// Every object key the documents name, for `platform check`.
    pub async fn document_object_keys(&self) -> Result<Vec<String>, sqlx::Error> {
        let query = "SELECT object_key FROM documents ORDER BY object_key";
        on_database!(self.database(), pool => sqlx::query_scalar(query).fetch_all(pool).await)
    }

    /// Records (or replaces) the signature of `signer_role`.
    pub async fn sign(
        &self,
        intervention_id: i64,
        signer_role: &str,
        signer_name: &str,
        image: &[u8],
        change: Change<'_>,
    ) -> Result<(), ApiError> {
        let signed: Result<_, sqlx::Error> = on_database!(self.database(), pool => async {
            let mut tx = pool.begin().await?;
            sqlx::query(
                "INSERT INTO signatures (intervention_id, signer_role, signer_name, image, signed_at, recorded_by) \
                 VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (intervention_id, signer_role) DO UPDATE SET \
                 signer_name = excluded.signer_name, image = excluded.image, signed_at = excluded.signed_at, \
                 recorded_by = excluded.recorded_by",
            )
            .bind(intervention_id)
            .bind(signer_role)
            .bind(signer_name)
            .bind(image)
            .bind(change.at)
            .bind(change.actor)
            .execute(&mut *tx)
            .await?;
            let entry = serde_json::json!({"signer_role": signer_role, "signer_name": signer_name}).to_string();
            audit!(&mut *tx, change, "intervention", intervention_id, "signed", entry).await?;
            tx.commit().await
        }.await);
        signed.map_err(ApiError::internal)
    }

    pub async fn signatures(&self, intervention_id: i64) -> Result<Vec<SignatureRow>, ApiError> {
        let rows = on_database!(self.database(), pool => sqlx::query_as::<_, SignatureRow>(
            "SELECT signer_role, signer_name, signed_at FROM signatures WHERE intervention_id = $1 ORDER BY signer_role",
        )
        .bind(intervention_id)
        .fetch_all(pool)
        .await);
        rows.map_err(ApiError::internal)
    }

    /// The drawn signature of `signer_role`, as recorded.
    pub async fn signature_image(&self, intervention_id: i64, signer_role: &str) -> Result<Option<Vec<u8>>, ApiError> {
        let image = on_database!(self.database(), pool => sqlx::query_scalar::<_, Vec<u8>>(
            "SELECT image FROM signatures WHERE intervention_id = $1 AND signer_role = $2",
        )
        .bind(intervention_id)
        .bind(signer_role)
        .fetch_optional(pool)
        .await);
        image.map_err(ApiError::internal)
    }

    /// The audit trail, newest first, of one entity or of everything.
    pub async fn audit_trail(&self, entity: Option<(&str, i64)>, page: Page) -> Result<(Vec<AuditRow>, i64), ApiError> {
        let (entity, entity_id) = entity.unzip();
        let filter = "FROM audit_log WHERE ($1 IS NULL OR entity = $1) AND ($2 IS NULL OR entity_id = $2)";
        let query = format!(
            "SELECT id, at, actor, entity, entity_id, action, changes {filter} ORDER BY id DESC LIMIT $3 OFFSET $4"
        );
        let count = format!("SELECT COUNT(*) {filter}");
        page_with_total!(self.database(), AuditRow, query, count, page, [entity, entity_id])
    }

    /// Time, travel and parts of the work done in `[from, to]`, of one
    /// client when given; parts are dated by their intervention's last
    /// work line.
    pub async fn activity(
        &self,
        from: NaiveDate,
        to: NaiveDate,
        client_id: Option<i64>,
    ) -> Result<Vec<ActivityRow>, ApiError> {
        let rows = on_database!(self.database(), pool => sqlx::query_as::<_, ActivityRow>(
            "SELECT l.work_date, c.name AS client_name, i.number, l.technician, l.minutes, l.travel_km, \
             NULL AS part_reference, NULL AS part_label, NULL AS quantity \
             FROM intervention_lines l JOIN interventions i ON i.id = l.intervention_id \
             JOIN clients c ON c.id = i.client_id \
             WHERE l.work_date BETWEEN $1 AND $2 AND ($3 IS NULL OR i.client_id = $3) \
             UNION ALL \
             SELECT d.work_date, c.name, i.number, NULL, NULL, NULL, p.reference, p.label, p.quantity \
             FROM intervention_parts p JOIN interventions i ON i.id = p.intervention_id \
             JOIN clients c ON c.id = i.client_id \
             JOIN (SELECT intervention_id, MAX(work_date) AS work_date FROM intervention_lines \
                   GROUP BY intervention_id) d ON d.intervention_id = i.id \
             WHERE d.work_date BETWEEN $1 AND $2 AND ($3 IS NULL OR i.client_id = $3) \
             ORDER BY 1, 3, 4",
        )
        .bind(from)
        .bind(to)
        .bind(client_id)
        .fetch_all(pool)
        .await);
        rows.map_err(ApiError::internal)
    }
}

/// What can be taken off an intervention's record.
#[derive(Debug, Clone, Copy)]
pub enum WorkItem {
    Line,
    Part,
}
