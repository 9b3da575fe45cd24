//! Preventive maintenance plans, and the step that turns a due date into
//! a planned intervention.

use chrono::{DateTime, NaiveDate, Utc};
use common::error::ApiError;
use common::on_database;
use serde::Serialize;

use super::{Change, Store, audit, changes, refused};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PlanRow {
    pub id: i64,
    pub equipment_id: i64,
    pub site_id: i64,
    pub client_id: i64,
    pub client_reference: String,
    pub title: String,
    pub description: Option<String>,
    pub every: i32,
    pub unit: String,
    pub next_due: NaiveDate,
    pub start_minute: i32,
    pub duration_minutes: i32,
    pub technician: Option<String>,
    pub active: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct PlanFields {
    pub title: String,
    pub description: Option<String>,
    pub every: i32,
    pub unit: String,
    pub next_due: NaiveDate,
    pub start_minute: i32,
    pub duration_minutes: i32,
    pub technician: Option<String>,
    pub active: bool,
}

const PLAN_FROM: &str = "SELECT p.id, p.equipment_id, e.site_id, s.client_id, c.reference AS client_reference, \
     p.title, p.description, p.every, p.unit, p.next_due, p.start_minute, p.duration_minutes, p.technician, p.active \
     FROM maintenance_plans p JOIN equipment e ON e.id = p.equipment_id JOIN sites s ON s.id = e.site_id \
     JOIN clients c ON c.id = s.client_id";

impl Store {
    pub async fn create_plan(
        &self,
        equipment_id: i64,
        fields: &PlanFields,
        change: Change<'_>,
    ) -> Result<i64, ApiError> {
        let created: Result<_, sqlx::Error> = on_database!(self.database(), pool => async {
            let mut tx = pool.begin().await?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO maintenance_plans (equipment_id, title, description, every, unit, next_due, \
                 start_minute, duration_minutes, technician, active, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
            )
            .bind(equipment_id)
            .bind(&fields.title)
            .bind(&fields.description)
            .bind(fields.every)
            .bind(&fields.unit)
            .bind(fields.next_due)
            .bind(fields.start_minute)
            .bind(fields.duration_minutes)
            .bind(&fields.technician)
            .bind(fields.active)
            .bind(change.at)
            .fetch_one(&mut *tx)
            .await?;
            audit!(&mut *tx, change, "maintenance_plan", id, "created", changes(fields)).await?;
            tx.commit().await?;
            Ok(id)
        }.await);
        created.map_err(|error| refused(error, "The equipment does not exist."))
    }

    pub async fn update_plan(&self, id: i64, fields: &PlanFields, change: Change<'_>) -> Result<bool, ApiError> {
        let updated: Result<_, sqlx::Error> = on_database!(self.database(), pool => async {
            let mut tx = pool.begin().await?;
            let done = sqlx::query(
                "UPDATE maintenance_plans SET title = $1, description = $2, every = $3, unit = $4, next_due = $5, \
                 start_minute = $6, duration_minutes = $7, technician = $8, active = $9 WHERE id = $10",
            )
            .bind(&fields.title)
            .bind(&fields.description)
            .bind(fields.every)
            .bind(&fields.unit)
            .bind(fields.next_due)
            .bind(fields.start_minute)
            .bind(fields.duration_minutes)
            .bind(&fields.technician)
            .bind(fields.active)
            .bind(id)
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() == 0 {
                return Ok(false);
            }
            audit!(&mut *tx, change, "maintenance_plan", id, "updated", changes(fields)).await?;
            tx.commit().await?;
            Ok(true)
        }.await);
        updated.map_err(ApiError::internal)
    }

    pub async fn plans(&self, equipment_id: Option<i64>) -> Result<Vec<PlanRow>, ApiError> {
        let query = format!("{PLAN_FROM} WHERE ($1 IS NULL OR p.equipment_id = $1) ORDER BY p.next_due, p.id");
        let rows = on_database!(self.database(), pool => sqlx::query_as::<_, PlanRow>(sqlx::AssertSqlSafe(query))
            .bind(equipment_id)
            .fetch_all(pool)
            .await);
        rows.map_err(ApiError::internal)
    }

    pub async fn plan(&self, id: i64) -> Result<Option<PlanRow>, ApiError> {
        let query = format!("{PLAN_FROM} WHERE p.id = $1");
        let row = on_database!(self.database(), pool => sqlx::query_as::<_, PlanRow>(sqlx::AssertSqlSafe(query))
            .bind(id)
            .fetch_optional(pool)
            .await);
        row.map_err(ApiError::internal)
    }

    /// Active plans with a due date on or before `until`.
    pub async fn due_plans(&self, until: NaiveDate) -> Result<Vec<PlanRow>, ApiError> {
        let query = format!("{PLAN_FROM} WHERE p.active AND p.next_due <= $1 ORDER BY p.next_due, p.id");
        let rows = on_database!(self.database(), pool => sqlx::query_as::<_, PlanRow>(sqlx::AssertSqlSafe(query))
            .bind(until)
            .fetch_all(pool)
            .await);
        rows.map_err(ApiError::internal)
    }

    /// Moves a plan's due date from `from` to `to`, unless another
    /// scheduler moved it first (then `false`).
    pub async fn advance_plan(&self, id: i64, from: NaiveDate, to: NaiveDate) -> Result<bool, ApiError> {
        let moved = on_database!(self.database(), pool => sqlx::query(
            "UPDATE maintenance_plans SET next_due = $1 WHERE id = $2 AND next_due = $3",
        )
        .bind(to)
        .bind(id)
        .bind(from)
        .execute(pool)
        .await
        .map(|done| done.rows_affected() == 1));
        moved.map_err(ApiError::internal)
    }

    /// Interventions in `statuses` starting in `[start, end)` or (with
    /// `ending_before`) planned to end before it, not yet reminded of
    /// `kind`: claimed, so that each reminder is sent once.
    pub async fn claim_reminders(
        &self,
        kind: &str,
        status_in: &[&str],
        window: ReminderWindow,
        now: DateTime<Utc>,
    ) -> Result<Vec<i64>, ApiError> {
        let (condition, first, second) = match window {
            ReminderWindow::StartingBetween(start, end) => {
                ("i.planned_start >= $1 AND i.planned_start < $2", start, end)
            }
            ReminderWindow::EndedBefore(instant) => {
                ("i.planned_end < $1 AND i.planned_end >= $2", instant, instant - chrono::Duration::days(30))
            }
        };
        let statuses = status_in.iter().map(|status| format!("'{status}'")).collect::<Vec<_>>().join(", ");
        let candidates = format!(
            "SELECT i.id FROM interventions i WHERE {condition} AND i.status IN ({statuses}) \
             AND NOT EXISTS (SELECT 1 FROM reminders_sent r WHERE r.intervention_id = i.id AND r.kind = $3)"
        );
        let claimed: Result<_, sqlx::Error> = on_database!(self.database(), pool => async {
            let ids: Vec<i64> = sqlx::query_scalar(sqlx::AssertSqlSafe(candidates))
                .bind(first)
                .bind(second)
                .bind(kind)
                .fetch_all(pool)
                .await?;
            let mut claimed = Vec::new();
            for id in ids {
                let done = sqlx::query(
                    "INSERT INTO reminders_sent (intervention_id, kind, sent_at) VALUES ($1, $2, $3) \
                     ON CONFLICT DO NOTHING",
                )
                .bind(id)
                .bind(kind)
                .bind(now)
                .execute(pool)
                .await?;
                if done.rows_affected() == 1 {
                    claimed.push(id);
                }
            }
            Ok::<_, sqlx::Error>(claimed)
        }.await);
        claimed.map_err(ApiError::internal)
    }
}

/// Which interventions a reminder is about.
#[derive(Debug, Clone, Copy)]
pub enum ReminderWindow {
    StartingBetween(DateTime<Utc>, DateTime<Utc>),
    /// Planned to end before this instant (within the 30 days before it).
    EndedBefore(DateTime<Utc>),
}
