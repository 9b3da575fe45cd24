//! Interventions: their yearly numbers, technicians, status changes, the
//! filtered lists and the planning's clashes.

use chrono::{DateTime, NaiveDate, Utc};
use common::database::Database;
use common::error::{ApiError, ErrorCode};
use common::on_database;
use serde::Serialize;

use super::work::{InterventionRecord, record_of};
use super::{Change, Page, Store, audit, changes, refused};
use crate::domain::Status;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct InterventionRow {
    pub id: i64,
    pub number: String,
    pub client_id: i64,
    pub client_reference: String,
    pub client_name: String,
    pub client_email: Option<String>,
    pub site_id: i64,
    pub site_name: String,
    pub site_address: Option<String>,
    pub site_postal_code: Option<String>,
    pub site_city: Option<String>,
    pub equipment_id: Option<i64>,
    pub kind: String,
    pub priority: String,
    pub status: String,
    pub title: String,
    pub description: Option<String>,
    pub planned_start: Option<DateTime<Utc>>,
    pub planned_end: Option<DateTime<Utc>>,
    pub plan_id: Option<i64>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl InterventionRow {
    /// The row and its technicians as `update_intervention` leaves them.
    pub fn updated(self, fields: &InterventionFields, at: DateTime<Utc>) -> (Self, Vec<String>) {
        let row = Self {
            equipment_id: fields.equipment_id,
            kind: fields.kind.clone(),
            priority: fields.priority.clone(),
            title: fields.title.clone(),
            description: fields.description.clone(),
            planned_start: fields.planned_start,
            planned_end: fields.planned_end,
            updated_at: at,
            ..self
        };
        (row, in_name_order(fields.technicians.clone()))
    }
}

/// Technicians as every read lists them.
fn in_name_order(mut technicians: Vec<String>) -> Vec<String> {
    technicians.sort();
    technicians
}

/// What a responsable sets on an intervention (and what the audit keeps).
#[derive(Debug, Clone, Serialize)]
pub struct InterventionFields {
    pub equipment_id: Option<i64>,
    pub kind: String,
    pub priority: String,
    pub title: String,
    pub description: Option<String>,
    pub planned_start: Option<DateTime<Utc>>,
    pub planned_end: Option<DateTime<Utc>>,
    pub technicians: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct NewIntervention {
    pub client_id: i64,
    pub site_id: i64,
    pub status: Status,
    pub fields: InterventionFields,
    /// The preventive plan and due date it is made for.
    pub plan: Option<(i64, NaiveDate)>,
}

/// Which interventions a list shows. `company` and `assigned_to` confine
/// client and technician users.
#[derive(Debug, Clone, Default)]
pub struct InterventionFilter {
    pub status: Option<Status>,
    pub client_id: Option<i64>,
    pub site_id: Option<i64>,
    pub equipment_id: Option<i64>,
    pub technician: Option<String>,
    pub kind: Option<String>,
    pub priority: Option<String>,
    /// Planned to start at or after this instant.
    pub from: Option<DateTime<Utc>>,
    /// Planned to start before this instant.
    pub to: Option<DateTime<Utc>>,
    /// In the number or the title, case-insensitive.
    pub search: Option<String>,
    pub company: Option<String>,
    pub assigned_to: Option<String>,
}

/// Another intervention holding one of the technicians at the same time.
#[derive(Debug, Clone, sqlx::FromRow, Serialize, utoipa::ToSchema)]
pub struct Clash {
    pub technician: String,
    pub intervention_id: i64,
    pub number: String,
    pub planned_start: DateTime<Utc>,
    pub planned_end: DateTime<Utc>,
}

/// The planning a write must keep free of overlaps: its technicians over
/// `[start, end)`, the intervention itself excepted.
#[derive(Debug, Clone, Copy)]
pub struct Slot<'a> {
    pub technicians: &'a [String],
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub except: Option<i64>,
}

/// A write refused because it would overlap these interventions.
#[derive(Debug)]
pub struct Clashes(pub Vec<Clash>);

impl From<Clashes> for ApiError {
    fn from(Clashes(clashes): Clashes) -> Self {
        let described: Vec<String> = clashes
            .iter()
            .map(|clash| {
                format!(
                    "{} is on {} from {} to {}",
                    clash.technician,
                    clash.number,
                    clash.planned_start.to_rfc3339(),
                    clash.planned_end.to_rfc3339()
                )
            })
            .collect();
        ApiError::new(
            ErrorCode::SchedulingConflict,
            format!("Planning clash: {}. Send force=true to assign anyway.", described.join("; ")),
        )
    }
}

/// An intervention's row and, in the same query, its technicians joined by
/// newlines (an e-mail address never holds one): one round trip, not two.
const INTERVENTION_FROM: &str = "SELECT i.id, i.number, i.client_id, c.reference AS client_reference, \
     c.name AS client_name, c.email AS client_email, i.site_id, s.name AS site_name, s.address AS site_address, \
     s.postal_code AS site_postal_code, s.city AS site_city, i.equipment_id, i.kind, i.priority, i.status, i.title, \
     i.description, i.planned_start, i.planned_end, i.plan_id, i.created_by, i.created_at, i.updated_at, \
     (SELECT string_agg(t.technician, '\n') FROM intervention_technicians t WHERE t.intervention_id = i.id) \
     AS technicians \
     FROM interventions i JOIN clients c ON c.id = i.client_id JOIN sites s ON s.id = i.site_id";

/// A row of `INTERVENTION_FROM`.
#[derive(sqlx::FromRow)]
struct AssignedRow {
    #[sqlx(flatten)]
    row: InterventionRow,
    technicians: Option<String>,
}

impl AssignedRow {
    /// The row and its technicians in name order.
    fn into_parts(self) -> (InterventionRow, Vec<String>) {
        let technicians = self
            .technicians
            .as_deref()
            .unwrap_or_default()
            .split('\n')
            .filter(|name| !name.is_empty())
            .map(str::to_owned)
            .collect();
        (self.row, in_name_order(technicians))
    }
}

/// Appends the filter's conditions to a query ending in `WHERE TRUE`.
macro_rules! push_filter {
    ($builder:expr, $filter:expr) => {{
        let filter: &InterventionFilter = $filter;
        if let Some(status) = filter.status {
            $builder.push(" AND i.status = ").push_bind(status.as_str());
        }
        if let Some(id) = filter.client_id {
            $builder.push(" AND i.client_id = ").push_bind(id);
        }
        if let Some(id) = filter.site_id {
            $builder.push(" AND i.site_id = ").push_bind(id);
        }
        if let Some(id) = filter.equipment_id {
            $builder.push(" AND i.equipment_id = ").push_bind(id);
        }
        if let Some(kind) = &filter.kind {
            $builder.push(" AND i.kind = ").push_bind(kind.clone());
        }
        if let Some(priority) = &filter.priority {
            $builder.push(" AND i.priority = ").push_bind(priority.clone());
        }
        if let Some(from) = filter.from {
            $builder.push(" AND i.planned_start >= ").push_bind(from);
        }
        if let Some(to) = filter.to {
            $builder.push(" AND i.planned_start < ").push_bind(to);
        }
        if let Some(search) = &filter.search {
            let pattern = format!("%{}%", search.to_lowercase().replace(['%', '_'], ""));
            $builder
                .push(" AND (LOWER(i.number) LIKE ")
                .push_bind(pattern.clone())
                .push(" OR LOWER(i.title) LIKE ")
                .push_bind(pattern)
                .push(")");
        }
        if let Some(company) = &filter.company {
            $builder.push(" AND c.reference = ").push_bind(company.clone());
        }
        for technician in [&filter.technician, &filter.assigned_to].into_iter().flatten() {
            $builder
                .push(" AND EXISTS (SELECT 1 FROM intervention_technicians t WHERE t.intervention_id = i.id AND t.technician = ")
                .push_bind(technician.clone())
                .push(")");
        }
    }};
}

/// Begins the write transaction of `$slot` (if any) and reads its clashes
/// in it, once nobody else can take the technicians meanwhile: on
/// PostgreSQL one advisory lock per technician, taken in name order so that
/// two writers never wait on each other, held by every replica until the
/// transaction ends; SQLite's database write lock, taken at BEGIN IMMEDIATE.
/// `Err(Clashes)` ends the transaction unwritten.
macro_rules! begin_planning {
    ($store:expr, $pool:expr, $slot:expr) => {{
        let slot: Option<Slot> = $slot;
        let (begin, lock) = $store.planning_statements();
        let mut tx = if slot.is_some() { $pool.begin_with(begin).await? } else { $pool.begin().await? };
        let mut clashes = Vec::new();
        if let Some(slot) = slot.filter(|slot| !slot.technicians.is_empty()) {
            if let Some(lock) = lock {
                let mut technicians = slot.technicians.to_vec();
                technicians.sort();
                technicians.dedup();
                for technician in &technicians {
                    sqlx::query(lock).bind(technician).execute(&mut *tx).await?;
                }
            }
            clashes = clashes_of!(&mut *tx, slot)?;
        }
        (tx, if clashes.is_empty() { Ok(()) } else { Err(Clashes(clashes)) })
    }};
}

/// Other interventions that hold one of the slot's technicians during it.
macro_rules! clashes_of {
    ($executor:expr, $slot:expr) => {{
        let slot: Slot = $slot;
        let mut builder = sqlx::QueryBuilder::new(
            "SELECT t.technician, i.id AS intervention_id, i.number, i.planned_start, i.planned_end \
             FROM interventions i JOIN intervention_technicians t ON t.intervention_id = i.id \
             WHERE i.planned_start < ",
        );
        builder.push_bind(slot.end).push(" AND i.planned_end > ").push_bind(slot.start);
        builder.push(" AND i.id <> ").push_bind(slot.except.unwrap_or(0));
        builder.push(" AND i.status IN (");
        let mut statuses = builder.separated(", ");
        for status in Status::OCCUPYING {
            statuses.push_bind(status.as_str());
        }
        builder.push(") AND t.technician IN (");
        let mut names = builder.separated(", ");
        for technician in slot.technicians {
            names.push_bind(technician.clone());
        }
        builder.push(") ORDER BY i.planned_start, t.technician");
        builder.build_query_as::<Clash>().fetch_all($executor).await
    }};
}

impl Store {
    /// Creates the intervention with the next number of `year`; `None` when
    /// its plan's due date already has one (another scheduler made it).
    pub async fn create_intervention(
        &self,
        new: &NewIntervention,
        year: i32,
        change: Change<'_>,
        planning: Option<Slot<'_>>,
    ) -> Result<Option<(i64, String)>, ApiError> {
        let fields = &new.fields;
        let (plan_id, plan_due) = new.plan.unzip();
        let created: Result<_, sqlx::Error> = on_database!(self.database(), pool => async {
            let (mut tx, free) = begin_planning!(self, pool, planning);
            if let Err(clashes) = free {
                return Ok(Err(clashes));
            }
            if let (Some(plan_id), Some(plan_due)) = (plan_id, plan_due) {
                let exists: Option<i64> =
                    sqlx::query_scalar("SELECT id FROM interventions WHERE plan_id = $1 AND plan_due = $2")
                        .bind(plan_id)
                        .bind(plan_due)
                        .fetch_optional(&mut *tx)
                        .await?;
                if exists.is_some() {
                    return Ok(Ok(None));
                }
            }
            let sequence: i32 = sqlx::query_scalar(
                "INSERT INTO intervention_numbers (year, last_value) VALUES ($1, 1) \
                 ON CONFLICT (year) DO UPDATE SET last_value = intervention_numbers.last_value + 1 \
                 RETURNING last_value",
            )
            .bind(year)
            .fetch_one(&mut *tx)
            .await?;
            let number = format!("INT-{year}-{sequence:05}");
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO interventions (number, client_id, site_id, equipment_id, kind, priority, status, title, \
                 description, planned_start, planned_end, plan_id, plan_due, created_by, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $15) RETURNING id",
            )
            .bind(&number)
            .bind(new.client_id)
            .bind(new.site_id)
            .bind(fields.equipment_id)
            .bind(&fields.kind)
            .bind(&fields.priority)
            .bind(new.status.as_str())
            .bind(&fields.title)
            .bind(&fields.description)
            .bind(fields.planned_start)
            .bind(fields.planned_end)
            .bind(plan_id)
            .bind(plan_due)
            .bind(change.actor)
            .bind(change.at)
            .fetch_one(&mut *tx)
            .await?;
            for technician in &fields.technicians {
                sqlx::query("INSERT INTO intervention_technicians (intervention_id, technician) VALUES ($1, $2)")
                    .bind(id)
                    .bind(technician)
                    .execute(&mut *tx)
                    .await?;
            }
            sqlx::query(
                "INSERT INTO status_changes (intervention_id, from_status, to_status, actor, at) \
                 VALUES ($1, NULL, $2, $3, $4)",
            )
            .bind(id)
            .bind(new.status.as_str())
            .bind(change.actor)
            .bind(change.at)
            .execute(&mut *tx)
            .await?;
            audit!(&mut *tx, change, "intervention", id, "created", changes(fields)).await?;
            tx.commit().await?;
            Ok(Ok(Some((id, number))))
        }.await);
        match created {
            // Another scheduler made this plan's intervention meanwhile.
            Err(sqlx::Error::Database(error)) if error.is_unique_violation() && new.plan.is_some() => Ok(None),
            created => created
                .map_err(|error| refused(error, "The intervention refers to a record that does not exist."))?
                .map_err(ApiError::from),
        }
    }

    /// Writes the fields and the technicians of the intervention while it
    /// has `status`; the technicians newly assigned and the intervention's
    /// record, read on the same connection, or `None` when it is gone or
    /// someone moved it along its flow meanwhile.
    pub async fn update_intervention(
        &self,
        id: i64,
        status: Status,
        fields: &InterventionFields,
        change: Change<'_>,
        planning: Option<Slot<'_>>,
    ) -> Result<Option<(Vec<String>, InterventionRecord)>, ApiError> {
        let record_query = self.record_query();
        let updated: Result<_, sqlx::Error> = on_database!(self.database(), pool => async {
            let (mut tx, free) = begin_planning!(self, pool, planning);
            if let Err(clashes) = free {
                return Ok(Err(clashes));
            }
            let done = sqlx::query(
                "UPDATE interventions SET equipment_id = $1, kind = $2, priority = $3, title = $4, description = $5, \
                 planned_start = $6, planned_end = $7, updated_at = $8 WHERE id = $9 AND status = $10",
            )
            .bind(fields.equipment_id)
            .bind(&fields.kind)
            .bind(&fields.priority)
            .bind(&fields.title)
            .bind(&fields.description)
            .bind(fields.planned_start)
            .bind(fields.planned_end)
            .bind(change.at)
            .bind(id)
            .bind(status.as_str())
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() == 0 {
                return Ok(Ok(None));
            }
            let before: Vec<String> =
                sqlx::query_scalar("SELECT technician FROM intervention_technicians WHERE intervention_id = $1")
                    .bind(id)
                    .fetch_all(&mut *tx)
                    .await?;
            let unchanged = before.len() == fields.technicians.len()
                && fields.technicians.iter().all(|technician| before.contains(technician));
            if !unchanged {
                sqlx::query("DELETE FROM intervention_technicians WHERE intervention_id = $1")
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                for technician in &fields.technicians {
                    sqlx::query("INSERT INTO intervention_technicians (intervention_id, technician) VALUES ($1, $2)")
                        .bind(id)
                        .bind(technician)
                        .execute(&mut *tx)
                        .await?;
                }
            }
            audit!(&mut *tx, change, "intervention", id, "updated", changes(fields)).await?;
            let record = record_of!(&mut *tx, record_query, id).await?;
            tx.commit().await?;
            let added = fields.technicians.iter().filter(|technician| !before.contains(technician)).cloned().collect();
            Ok(Ok(Some((added, record))))
        }.await);
        let updated = updated.map_err(|error| refused(error, "The equipment does not exist."))??;
        updated.map(|(added, record)| Ok((added, record.parse()?))).transpose()
    }

    pub async fn intervention(&self, id: i64) -> Result<Option<(InterventionRow, Vec<String>)>, ApiError> {
        let query = format!("{INTERVENTION_FROM} WHERE i.id = $1");
        let found: Result<_, sqlx::Error> = on_database!(self.database(), pool => async {
            let row = sqlx::query_as::<_, AssignedRow>(sqlx::AssertSqlSafe(query)).bind(id).fetch_optional(pool).await?;
            Ok::<_, sqlx::Error>(row.map(AssignedRow::into_parts))
        }.await);
        found.map_err(ApiError::internal)
    }

    /// A page of interventions by planned start (unplanned last), newest
    /// number first among equals, with the total; two queries whatever
    /// the page size.
    pub async fn interventions(
        &self,
        filter: &InterventionFilter,
        page: Page,
    ) -> Result<(Vec<(InterventionRow, Vec<String>)>, i64), ApiError> {
        let listed: Result<_, sqlx::Error> = on_database!(self.database(), pool => async {
            let mut count = sqlx::QueryBuilder::new(
                "SELECT COUNT(*) FROM interventions i JOIN clients c ON c.id = i.client_id WHERE TRUE",
            );
            push_filter!(count, filter);
            let total: i64 = count.build_query_scalar().fetch_one(pool).await?;
            let mut select = sqlx::QueryBuilder::new(INTERVENTION_FROM);
            select.push(" WHERE TRUE");
            push_filter!(select, filter);
            select
                .push(" ORDER BY i.planned_start DESC NULLS LAST, i.id DESC LIMIT ")
                .push_bind(page.limit())
                .push(" OFFSET ")
                .push_bind(page.offset());
            let rows: Vec<AssignedRow> = select.build_query_as().fetch_all(pool).await?;
            Ok::<_, sqlx::Error>((rows.into_iter().map(AssignedRow::into_parts).collect(), total))
        }.await);
        listed.map_err(ApiError::internal)
    }

    /// Interventions planned across `[start, end)` that hold a technician,
    /// for the planning (at most `limit`).
    pub async fn planned_between(
        &self,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
        technician: Option<&str>,
        limit: i64,
    ) -> Result<Vec<(InterventionRow, Vec<String>)>, ApiError> {
        let query = format!(
            "{INTERVENTION_FROM} WHERE i.planned_start < $1 AND i.planned_end > $2 AND i.status IN ($3, $4, $5) \
             AND ($6 IS NULL OR EXISTS (SELECT 1 FROM intervention_technicians t WHERE t.intervention_id = i.id \
             AND t.technician = $6)) ORDER BY i.planned_start, i.id LIMIT $7"
        );
        let occupying = Status::OCCUPYING;
        let found: Result<_, sqlx::Error> = on_database!(self.database(), pool => async {
            let rows = sqlx::query_as::<_, AssignedRow>(sqlx::AssertSqlSafe(query))
                .bind(end)
                .bind(start)
                .bind(occupying[0].as_str())
                .bind(occupying[1].as_str())
                .bind(occupying[2].as_str())
                .bind(technician)
                .bind(limit)
                .fetch_all(pool)
                .await?;
            Ok::<_, sqlx::Error>(rows.into_iter().map(AssignedRow::into_parts).collect())
        }.await);
        found.map_err(ApiError::internal)
    }

    /// How this engine begins a transaction that holds the planning, and
    /// takes one technician's planning lock in it (see `begin_planning!`).
    fn planning_statements(&self) -> (&'static str, Option<&'static str>) {
        match self.database() {
            Database::Postgres(_) => ("BEGIN", Some("SELECT pg_advisory_xact_lock(7001, hashtext($1))")),
            Database::Sqlite(_) => ("BEGIN IMMEDIATE", None),
        }
    }

    /// Moves the intervention from `from` to `to`, unless someone moved it
    /// first (then `false`).
    pub async fn transition(
        &self,
        id: i64,
        from: Status,
        to: Status,
        comment: Option<&str>,
        change: Change<'_>,
        planning: Option<Slot<'_>>,
    ) -> Result<bool, ApiError> {
        let moved: Result<_, sqlx::Error> = on_database!(self.database(), pool => async {
            let (mut tx, free) = begin_planning!(self, pool, planning);
            if let Err(clashes) = free {
                return Ok(Err(clashes));
            }
            let done = sqlx::query("UPDATE interventions SET status = $1, updated_at = $2 WHERE id = $3 AND status = $4")
                .bind(to.as_str())
                .bind(change.at)
                .bind(id)
                .bind(from.as_str())
                .execute(&mut *tx)
                .await?;
            if done.rows_affected() == 0 {
                return Ok(Ok(false));
            }
            sqlx::query(
                "INSERT INTO status_changes (intervention_id, from_status, to_status, actor, comment, at) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(id)
            .bind(from.as_str())
            .bind(to.as_str())
            .bind(change.actor)
            .bind(comment)
            .bind(change.at)
            .execute(&mut *tx)
            .await?;
            let entry = serde_json::json!({"from": from.as_str(), "to": to.as_str(), "comment": comment});
            audit!(&mut *tx, change, "intervention", id, "status_changed", entry.to_string()).await?;
            tx.commit().await?;
            Ok(Ok(true))
        }.await);
        moved.map_err(ApiError::internal)?.map_err(ApiError::from)
    }
}
