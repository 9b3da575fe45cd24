//! The `invoice_jobs` table (the seed's, with attempts, progress and the
//! result) and `webhook_deliveries`, one row per delivery attempt. Status
//! changes are conditional updates, so a redelivered job can never write a
//! second result.

use chrono::{DateTime, Utc};
use common::database::Database;
use common::on_database;
use serde::Serialize;

use super::JobError;

#[derive(Debug, Clone)]
pub struct JobStore {
    database: Database,
}

/// What the API stores when it accepts a job.
pub struct NewJob<'a> {
    pub task_id: &'a str,
    pub caller: &'a str,
    pub source_kind: &'a str,
    pub user_id: Option<i64>,
    pub invoice_id: Option<i64>,
    pub external_ref: Option<&'a str>,
    pub webhook_url: Option<&'a str>,
    pub request: &'a str,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct JobRecord {
    pub task_id: String,
    pub caller: String,
    pub status: String,
    pub source_kind: String,
    pub webhook_url: Option<String>,
    pub request: String,
    pub pages_done: i64,
    pub pages_total: Option<i64>,
    pub attempts: i64,
    pub error_code: Option<String>,
    pub error_detail: Option<String>,
    pub result: Option<String>,
    pub created_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub completed_at: Option<DateTime<Utc>>,
}

impl JobRecord {
    pub fn is_finished(&self) -> bool {
        matches!(self.status.as_str(), "succeeded" | "failed")
    }

    pub fn error(&self) -> Option<JobError> {
        let code = self.error_code.clone()?;
        Some(JobError { code, detail: self.error_detail.clone().unwrap_or_default() })
    }
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Delivery {
    pub attempt: i64,
    pub webhook_id: String,
    pub at: DateTime<Utc>,
    /// The receiver's HTTP status; absent when no answer came.
    pub status_code: Option<i64>,
    pub error: Option<String>,
}

/// The sizes and digests the seed's clients store beside the reports.
pub struct ReportDigests {
    pub non_anonymous_size: i64,
    pub anonymous_size: i64,
    pub non_anonymous_sha256: String,
    pub anonymous_sha256: String,
}

const RECORD_COLUMNS: &str = "task_id, caller, status, source_kind, webhook_url, request, pages_done, \
     pages_total, attempts, error_code, error_detail, result, created_at, started_at, completed_at";

impl JobStore {
    pub fn new(database: Database) -> Self {
        Self { database }
    }

    pub async fn insert(&self, job: &NewJob<'_>) -> Result<(), sqlx::Error> {
        on_database!(&self.database, pool => sqlx::query(
            "INSERT INTO invoice_jobs (task_id, caller, status, source_kind, user_id, invoice_id, external_ref, \
             webhook_url, request, created_at) VALUES ($1, $2, 'queued', $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(job.task_id)
        .bind(job.caller)
        .bind(job.source_kind)
        .bind(job.user_id)
        .bind(job.invoice_id)
        .bind(job.external_ref)
        .bind(job.webhook_url)
        .bind(job.request)
        .bind(Utc::now())
        .execute(pool)
        .await
        .map(drop))?;
        Ok(())
    }

    /// The stored requests of the jobs not finished yet, whose uploads
    /// wait in the object store.
    pub async fn unfinished_requests(&self) -> Result<Vec<String>, sqlx::Error> {
        let query = "SELECT request FROM invoice_jobs WHERE status IN ('queued', 'processing') ORDER BY task_id";
        on_database!(&self.database, pool => sqlx::query_scalar(query).fetch_all(pool).await)
    }

    /// Undoes [`JobStore::insert`] when the broker would not take the job.
    pub async fn delete(&self, task_id: &str) -> Result<(), sqlx::Error> {
        on_database!(&self.database, pool => sqlx::query("DELETE FROM invoice_jobs WHERE task_id = $1")
            .bind(task_id)
            .execute(pool)
            .await
            .map(drop))?;
        Ok(())
    }

    pub async fn get(&self, task_id: &str) -> Result<Option<JobRecord>, sqlx::Error> {
        let query = format!("SELECT {RECORD_COLUMNS} FROM invoice_jobs WHERE task_id = $1");
        on_database!(&self.database, pool => sqlx::query_as::<_, JobRecord>(sqlx::AssertSqlSafe(query))
            .bind(task_id)
            .fetch_optional(pool)
            .await)
    }

    /// Counts a new attempt and marks the job processing; `None` when the
    /// job is unknown or already finished.
    pub async fn begin_attempt(&self, task_id: &str) -> Result<Option<i64>, sqlx::Error> {
        on_database!(&self.database, pool => sqlx::query_scalar::<_, i64>(
            "UPDATE invoice_jobs SET attempts = attempts + 1, status = 'processing', \
             started_at = COALESCE(started_at, $2) \
             WHERE task_id = $1 AND status IN ('queued', 'processing') RETURNING attempts",
        )
        .bind(task_id)
        .bind(Utc::now())
        .fetch_optional(pool)
        .await)
    }

    /// Back to `queued` until a scheduled retry, due at `due`.
    pub async fn requeue(&self, task_id: &str, due: DateTime<Utc>) -> Result<(), sqlx::Error> {
        on_database!(&self.database, pool => sqlx::query(
            "UPDATE invoice_jobs SET status = 'queued', due_at = $2 WHERE task_id = $1 AND status = 'processing'",
        )
        .bind(task_id)
        .bind(due)
        .execute(pool)
        .await
        .map(drop))?;
        Ok(())
    }

    /// Jobs not finished, with when each is due (`None`: now).
    pub async fn unfinished(&self) -> Result<Vec<(String, Option<DateTime<Utc>>)>, sqlx::Error> {
        on_database!(&self.database, pool => sqlx::query_as::<_, (String, Option<DateTime<Utc>>)>(
            "SELECT task_id, due_at FROM invoice_jobs WHERE status IN ('queued', 'processing') ORDER BY created_at",
        )
        .fetch_all(pool)
        .await)
    }

    /// Finished jobs whose webhook is still to be delivered, with when.
    pub async fn pending_webhooks(&self) -> Result<Vec<(String, DateTime<Utc>)>, sqlx::Error> {
        on_database!(&self.database, pool => sqlx::query_as::<_, (String, DateTime<Utc>)>(
            "SELECT task_id, webhook_due_at FROM invoice_jobs WHERE webhook_due_at IS NOT NULL ORDER BY webhook_due_at",
        )
        .fetch_all(pool)
        .await)
    }

    /// When the webhook's next attempt is due; `None` once settled or given up.
    pub async fn schedule_webhook(&self, task_id: &str, due: Option<DateTime<Utc>>) -> Result<(), sqlx::Error> {
        on_database!(&self.database, pool => sqlx::query(
            "UPDATE invoice_jobs SET webhook_due_at = $2 WHERE task_id = $1",
        )
        .bind(task_id)
        .bind(due)
        .execute(pool)
        .await
        .map(drop))?;
        Ok(())
    }

    pub async fn set_pages(&self, task_id: &str, done: i64, total: i64) -> Result<(), sqlx::Error> {
        on_database!(&self.database, pool => sqlx::query(
            "UPDATE invoice_jobs SET pages_done = $2, pages_total = $3 WHERE task_id = $1",
        )
        .bind(task_id)
        .bind(done)
        .bind(total)
        .execute(pool)
        .await
        .map(drop))?;
        Ok(())
    }

    /// Stores the result once; false when the job was already finished.
    pub async fn succeed(&self, task_id: &str, result: &str, digests: &ReportDigests) -> Result<bool, sqlx::Error> {
        let updated = on_database!(&self.database, pool => sqlx::query(
            "UPDATE invoice_jobs SET status = 'succeeded', result = $2, non_anonymous_size = $3, \
             anonymous_size = $4, non_anonymous_sha256 = $5, anonymous_sha256 = $6, completed_at = $7, \
             webhook_due_at = CASE WHEN webhook_url IS NULL THEN NULL ELSE $7 END \
             WHERE task_id = $1 AND status IN ('queued', 'processing')",
        )
        .bind(task_id)
        .bind(result)
        .bind(digests.non_anonymous_size)
        .bind(digests.anonymous_size)
        .bind(&digests.non_anonymous_sha256)
        .bind(&digests.anonymous_sha256)
        .bind(Utc::now())
        .execute(pool)
        .await
        .map(|done| done.rows_affected()))?;
        Ok(updated == 1)
    }

    /// Marks the job failed once; false when it was already finished.
    pub async fn fail(&self, task_id: &str, code: &str, detail: &str) -> Result<bool, sqlx::Error> {
        let updated = on_database!(&self.database, pool => sqlx::query(
            "UPDATE invoice_jobs SET status = 'failed', error_code = $2, error_detail = $3, completed_at = $4, \
             webhook_due_at = CASE WHEN webhook_url IS NULL THEN NULL ELSE $4 END \
             WHERE task_id = $1 AND status IN ('queued', 'processing')",
        )
        .bind(task_id)
        .bind(code)
        .bind(detail)
        .bind(Utc::now())
        .execute(pool)
        .await
        .map(|done| done.rows_affected()))?;
        Ok(updated == 1)
    }

    /// Records one delivery attempt and returns its number (1 for the first).
    pub async fn record_delivery(
        &self,
        task_id: &str,
        webhook_id: &str,
        status_code: Option<u16>,
        error: Option<&str>,
    ) -> Result<i64, sqlx::Error> {
        on_database!(&self.database, pool => sqlx::query_scalar::<_, i64>(
            "INSERT INTO webhook_deliveries (task_id, attempt, webhook_id, at, status_code, error) \
             VALUES ($1, (SELECT COALESCE(MAX(attempt), 0) + 1 FROM webhook_deliveries WHERE task_id = $1), \
             $2, $3, $4, $5) RETURNING attempt",
        )
        .bind(task_id)
        .bind(webhook_id)
        .bind(Utc::now())
        .bind(status_code.map(i64::from))
        .bind(error)
        .fetch_one(pool)
        .await)
    }

    pub async fn deliveries(&self, task_id: &str) -> Result<Vec<Delivery>, sqlx::Error> {
        on_database!(&self.database, pool => sqlx::query_as::<_, Delivery>(
            "SELECT attempt, webhook_id, at, status_code, error FROM webhook_deliveries \
             WHERE task_id = $1 ORDER BY attempt",
        )
        .bind(task_id)
        .fetch_all(pool)
        .await)
    }

    /// Whether the receiver has answered for good: accepted (2xx) or gone (410).
    pub async fn delivery_settled(&self, task_id: &str) -> Result<bool, sqlx::Error> {
        on_database!(&self.database, pool => sqlx::query_scalar::<_, bool>(
            "SELECT EXISTS (SELECT 1 FROM webhook_deliveries WHERE task_id = $1 \
             AND (status_code BETWEEN 200 AND 299 OR status_code = 410))",
        )
        .bind(task_id)
        .fetch_one(pool)
        .await)
    }
}
