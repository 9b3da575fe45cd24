//! The service's tables, on PostgreSQL or SQLite (`common::on_database!`).
//! Every change is written with its audit entry in one transaction.

mod clients;
mod interventions;
mod plans;
mod work;

use chrono::{DateTime, Utc};
use common::database::Database;
use common::error::{ApiError, ErrorCode};
use serde::Serialize;

pub use clients::{ClientFields, ClientRow, EquipmentFields, EquipmentRow, SiteFields, SiteRow};
pub use interventions::{Clash, InterventionFields, InterventionFilter, InterventionRow, NewIntervention, Slot};
pub use plans::{PlanFields, PlanRow, ReminderWindow};
pub use work::{
    ActivityRow, AuditRow, DocumentRow, InterventionRecord, LineFields, LineRow, PartFields, PartRow, SignatureRow,
    StatusChangeRow, WorkItem,
};

#[derive(Debug, Clone)]
pub struct Store {
    database: Database,
}

/// Who changed what, when: written beside the change itself.
#[derive(Debug, Clone, Copy)]
pub struct Change<'a> {
    pub actor: &'a str,
    pub at: DateTime<Utc>,
}

/// A page of a list: `page` from 1.
#[derive(Debug, Clone, Copy)]
pub struct Page {
    pub page: u32,
    pub per_page: u32,
}

impl Page {
    pub fn limit(self) -> i64 {
        i64::from(self.per_page)
    }

    pub fn offset(self) -> i64 {
        i64::from(self.page.saturating_sub(1)) * i64::from(self.per_page)
    }
}

impl Store {
    pub fn new(database: Database) -> Self {
        Self { database }
    }

    pub fn database(&self) -> &Database {
        &self.database
    }
}

/// The audit entry of a change, as JSON of the fields written.
fn changes(fields: &impl Serialize) -> String {
    serde_json::to_string(fields).unwrap_or_else(|_| "{}".to_owned())
}

/// Inserts an audit entry on `$executor` (the change's transaction).
macro_rules! audit {
    ($executor:expr, $change:expr, $entity:expr, $id:expr, $action:expr, $changes:expr) => {
        sqlx::query(
            "INSERT INTO audit_log (at, actor, entity, entity_id, action, changes) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind($change.at)
        .bind($change.actor)
        .bind($entity)
        .bind($id)
        .bind($action)
        .bind($changes)
        .execute($executor)
    };
}
use audit;

/// A page of `$row`s (`$query` ends with the page's LIMIT and OFFSET
/// parameters) and the total count of `$count`, both with the filter's
/// `$binds`.
macro_rules! page_with_total {
    ($database:expr, $row:ty, $query:expr, $count:expr, $page:expr, [$($bind:expr),*]) => {{
        let listed: Result<(Vec<$row>, i64), sqlx::Error> = common::on_database!($database, pool => async {
            let rows = sqlx::query_as::<_, $row>(sqlx::AssertSqlSafe($query))
                $(.bind($bind))*
                .bind($page.limit())
                .bind($page.offset())
                .fetch_all(pool)
                .await?;
            let total: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe($count))
                $(.bind($bind))*
                .fetch_one(pool)
                .await?;
            Ok((rows, total))
        }.await);
        listed.map_err(ApiError::internal)
    }};
}
use page_with_total;

/// A unique constraint refusing a write becomes a 409 with `detail`; a
/// foreign key a 409 saying what still depends on the row.
fn refused(error: sqlx::Error, detail: &str) -> ApiError {
    match &error {
        sqlx::Error::Database(database) if database.is_unique_violation() || database.is_foreign_key_violation() => {
            ApiError::new(ErrorCode::Conflict, detail)
        }
        _ => ApiError::internal(error),
    }
}
