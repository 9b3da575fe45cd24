use chrono::{DateTime, NaiveDate, Utc};
use common::error::{ApiError, ErrorCode};
use common::on_database;

use super::Store;
use crate::domain::{CheckStatus, ServiceStatus};

/// A check as lists show it: its client and how many services are in
/// each state.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CheckSummaryRow {
    pub id: i64,
    pub client_id: i64,
    pub client_reference: String,
    pub client_label: String,
    pub check_date: NaiveDate,
    #[sqlx(try_from = "String")]
    pub status: CheckStatus,
    pub finished_at: Option<DateTime<Utc>>,
    pub email_sent_at: Option<DateTime<Utc>>,
    pub pending: i64,
    pub success: i64,
    pub warning: i64,
    pub error: i64,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CheckRow {
    pub id: i64,
    pub client_id: i64,
    pub client_reference: String,
    pub client_label: String,
    pub check_date: NaiveDate,
    #[sqlx(try_from = "String")]
    pub status: CheckStatus,
    pub notes: Option<String>,
    pub created_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    pub finished_by: Option<String>,
    pub email_sent_at: Option<DateTime<Utc>>,
    pub reminder_sent_at: Option<DateTime<Utc>>,
    /// Why the last sending of the report failed, until one succeeds.
    pub email_error: Option<String>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ServiceCheckRow {
    pub id: i64,
    /// None once the service is deleted: a finished check keeps its copy.
    pub service_id: Option<i64>,
    pub service_label: String,
    pub category_id: i64,
    pub category_label: String,
    #[sqlx(try_from = "String")]
    pub status: ServiceStatus,
    pub status_source: Option<String>,
    pub comment: Option<String>,
    pub intervenant: Option<String>,
    pub probe_detail: Option<String>,
    pub updated_at: Option<DateTime<Utc>>,
    pub updated_by: Option<String>,
}

/// What an operator sets on one service of a check.
#[derive(Debug, Clone)]
pub struct ServiceCheckUpdate {
    pub status: ServiceStatus,
    pub comment: Option<String>,
    pub intervenant: Option<String>,
}

const SUMMARY_QUERY: &str = "SELECT ch.id, ch.client_id, cl.reference AS client_reference, cl.label AS client_label, \
     ch.check_date, ch.status, ch.finished_at, ch.email_sent_at, \
     COALESCE(SUM(CASE WHEN sc.status = 'pending' THEN 1 ELSE 0 END), 0) AS pending, \
     COALESCE(SUM(CASE WHEN sc.status = 'success' THEN 1 ELSE 0 END), 0) AS success, \
     COALESCE(SUM(CASE WHEN sc.status = 'warning' THEN 1 ELSE 0 END), 0) AS warning, \
     COALESCE(SUM(CASE WHEN sc.status = 'error' THEN 1 ELSE 0 END), 0) AS error \
     FROM checks ch JOIN clients cl ON cl.id = ch.client_id \
     LEFT JOIN service_checks sc ON sc.check_id = ch.id";

const CHECK_QUERY: &str = "SELECT ch.id, ch.client_id, cl.reference AS client_reference, cl.label AS client_label, \
     ch.check_date, ch.status, ch.notes, ch.created_at, ch.finished_at, ch.finished_by, ch.email_sent_at, \
     ch.reminder_sent_at, ch.email_error FROM checks ch JOIN clients cl ON cl.id = ch.client_id";

/// What a finished check keeps of its services and categories, copied
/// from the configuration of the moment.
const SNAPSHOT_SERVICE_CHECKS: &str = "UPDATE service_checks SET \
     service_label = (SELECT s.label FROM services s WHERE s.id = service_checks.service_id), \
     service_position = (SELECT s.position FROM services s WHERE s.id = service_checks.service_id), \
     category_id = (SELECT s.category_id FROM services s WHERE s.id = service_checks.service_id), \
     category_label = (SELECT c.label FROM services s JOIN categories c ON c.id = s.category_id \
                       WHERE s.id = service_checks.service_id), \
     category_position = (SELECT c.position FROM services s JOIN categories c ON c.id = s.category_id \
                          WHERE s.id = service_checks.service_id) \
     WHERE check_id = $1";

impl Store {
    /// Opens `day`'s check of every active client whose check time
    /// (minutes after midnight) is at most `minute`, created before
    /// `created_before`, unless it exists; then gives every still
    /// untouched check of that day a service check per service. Returns
    /// how many checks were opened.
    pub async fn open_checks(
        &self,
        day: NaiveDate,
        minute: i32,
        created_before: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<u64, sqlx::Error> {
        on_database!(self.database(), pool => async {
            let mut transaction = pool.begin().await?;
            let opened = sqlx::query(
                "INSERT INTO checks (client_id, check_date, status, created_at) \
                 SELECT id, $1, 'pending', $2 FROM clients \
                 WHERE active AND check_minute <= $3 AND created_at < $4 \
                 ON CONFLICT (client_id, check_date) DO NOTHING",
            )
            .bind(day)
            .bind(now)
            .bind(minute)
            .bind(created_before)
            .execute(&mut *transaction)
            .await?
            .rows_affected();
            sqlx::query(
                "INSERT INTO service_checks (check_id, service_id, status) \
                 SELECT ch.id, s.id, 'pending' FROM checks ch \
                 JOIN categories c ON c.client_id = ch.client_id JOIN services s ON s.category_id = c.id \
                 WHERE ch.check_date = $1 AND ch.status = 'pending' \
                 ON CONFLICT (check_id, service_id) DO NOTHING",
            )
            .bind(day)
            .execute(&mut *transaction)
            .await?;
            transaction.commit().await?;
            Ok(opened)
        }
        .await)
    }

    pub async fn check_summaries(&self, day: NaiveDate) -> Result<Vec<CheckSummaryRow>, ApiError> {
        let query = format!("{SUMMARY_QUERY} WHERE ch.check_date = $1 GROUP BY ch.id, cl.id ORDER BY cl.label, ch.id");
        let rows = on_database!(self.database(), pool => sqlx::query_as::<_, CheckSummaryRow>(
            sqlx::AssertSqlSafe(query),
        )
        .bind(day)
        .fetch_all(pool)
        .await);
        rows.map_err(ApiError::internal)
    }

    pub async fn check(&self, id: i64) -> Result<Option<CheckRow>, ApiError> {
        self.fetch_check(id).await.map_err(ApiError::internal)
    }

    async fn fetch_check(&self, id: i64) -> Result<Option<CheckRow>, sqlx::Error> {
        let query = format!("{CHECK_QUERY} WHERE ch.id = $1");
        on_database!(self.database(), pool => sqlx::query_as::<_, CheckRow>(sqlx::AssertSqlSafe(query))
            .bind(id)
            .fetch_optional(pool)
            .await)
    }

    pub async fn service_checks(&self, check_id: i64) -> Result<Vec<ServiceCheckRow>, ApiError> {
        let rows = on_database!(self.database(), pool => sqlx::query_as::<_, ServiceCheckRow>(
            "SELECT sc.id, sc.service_id, COALESCE(sc.service_label, s.label) AS service_label, \
             COALESCE(sc.category_id, c.id) AS category_id, COALESCE(sc.category_label, c.label) AS category_label, \
             sc.status, sc.status_source, sc.comment, sc.intervenant, sc.probe_detail, sc.updated_at, sc.updated_by \
             FROM service_checks sc LEFT JOIN services s ON s.id = sc.service_id \
             LEFT JOIN categories c ON c.id = s.category_id \
             WHERE sc.check_id = $1 AND (sc.service_label IS NOT NULL OR s.id IS NOT NULL) \
             ORDER BY COALESCE(sc.category_position, c.position), COALESCE(sc.category_id, c.id), \
             COALESCE(sc.service_position, s.position), sc.service_id, sc.id",
        )
        .bind(check_id)
        .fetch_all(pool)
        .await);
        rows.map_err(ApiError::internal)
    }

    /// Records an operator's verdict on one service of an open check, which
    /// is then in progress. Returns the previous intervenant, so a new
    /// assignment can be announced.
    pub async fn update_service_check(
        &self,
        check_id: i64,
        service_check_id: i64,
        update: &ServiceCheckUpdate,
        by: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<String>, ApiError> {
        let outcome: Result<Result<Option<String>, ApiError>, sqlx::Error> = on_database!(self.database(), pool => async {
            let mut transaction = pool.begin().await?;
            let previous = sqlx::query_as::<_, (Option<String>,)>(
                "SELECT sc.intervenant FROM service_checks sc JOIN checks ch ON ch.id = sc.check_id \
                 WHERE sc.id = $1 AND sc.check_id = $2 AND ch.status IN ('pending', 'in_progress')",
            )
            .bind(service_check_id)
            .bind(check_id)
            .fetch_optional(&mut *transaction)
            .await?;
            let Some((previous,)) = previous else {
                return Ok(Err(ApiError::new(
                    ErrorCode::Conflict,
                    "Ce service ne fait partie d'aucun check ouvert (un check terminé ne change plus).",
                )));
            };
            sqlx::query(
                "UPDATE service_checks SET status = $1, status_source = $2, comment = $3, intervenant = $4, \
                 updated_at = $5, updated_by = $2 WHERE id = $6",
            )
            .bind(update.status.as_str())
            .bind(by)
            .bind(&update.comment)
            .bind(&update.intervenant)
            .bind(now)
            .bind(service_check_id)
            .execute(&mut *transaction)
            .await?;
            sqlx::query("UPDATE checks SET status = 'in_progress' WHERE id = $1 AND status = 'pending'")
                .bind(check_id)
                .execute(&mut *transaction)
                .await?;
            transaction.commit().await?;
            Ok(Ok(previous))
        }
        .await);
        outcome.map_err(ApiError::internal)?
    }

    pub async fn set_notes(&self, check_id: i64, notes: Option<&str>) -> Result<bool, ApiError> {
        let updated = on_database!(self.database(), pool => sqlx::query(
            "UPDATE checks SET notes = $1 WHERE id = $2",
        )
        .bind(notes)
        .bind(check_id)
        .execute(pool)
        .await
        .map(|done| done.rows_affected() == 1));
        updated.map_err(ApiError::internal)
    }

    /// Closes an open check with its outcome; false when it was already
    /// finished (by someone else, a moment ago).
    pub async fn finish(
        &self,
        check_id: i64,
        outcome: CheckStatus,
        by: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, ApiError> {
        let finished: Result<bool, sqlx::Error> = on_database!(self.database(), pool => async {
            let mut transaction = pool.begin().await?;
            let finished = sqlx::query(
                "UPDATE checks SET status = $1, finished_at = $2, finished_by = $3 \
                 WHERE id = $4 AND status IN ('pending', 'in_progress')",
            )
            .bind(outcome.as_str())
            .bind(now)
            .bind(by)
            .bind(check_id)
            .execute(&mut *transaction)
            .await?
            .rows_affected()
                == 1;
            if finished {
                sqlx::query(SNAPSHOT_SERVICE_CHECKS).bind(check_id).execute(&mut *transaction).await?;
            }
            transaction.commit().await?;
            Ok(finished)
        }
        .await);
        finished.map_err(ApiError::internal)
    }

    /// The report went: the last failure, if any, is over.
    pub async fn mark_report_sent(&self, check_id: i64, at: DateTime<Utc>) -> Result<(), sqlx::Error> {
        on_database!(self.database(), pool => sqlx::query(
            "UPDATE checks SET email_sent_at = $1, email_error = NULL WHERE id = $2",
        )
        .bind(at)
        .bind(check_id)
        .execute(pool)
        .await
        .map(drop))
    }

    pub async fn mark_report_failed(&self, check_id: i64, reason: &str) -> Result<(), sqlx::Error> {
        on_database!(self.database(), pool => sqlx::query("UPDATE checks SET email_error = $1 WHERE id = $2")
            .bind(reason)
            .bind(check_id)
            .execute(pool)
            .await
            .map(drop))
    }

    /// Open checks of `day` whose client wants a reminder at or before
    /// `minute` and got none yet; each is marked as reminded as it is
    /// returned, so only one replica sends it.
    pub async fn claim_reminders(
        &self,
        day: NaiveDate,
        minute: i32,
        now: DateTime<Utc>,
    ) -> Result<Vec<CheckRow>, sqlx::Error> {
        let ids: Vec<i64> = on_database!(self.database(), pool => sqlx::query_scalar::<_, i64>(
            "UPDATE checks SET reminder_sent_at = $1 WHERE id IN (SELECT ch.id FROM checks ch \
             JOIN clients cl ON cl.id = ch.client_id WHERE ch.check_date = $2 \
             AND ch.status IN ('pending', 'in_progress') AND ch.reminder_sent_at IS NULL \
             AND cl.reminder_minute IS NOT NULL AND cl.reminder_minute <= $3) RETURNING id",
        )
        .bind(now)
        .bind(day)
        .bind(minute)
        .fetch_all(pool)
        .await)?;
        let mut checks = Vec::with_capacity(ids.len());
        for id in ids {
            if let Some(check) = self.fetch_check(id).await? {
                checks.push(check);
            }
        }
        Ok(checks)
    }

    /// Deletes the checks of days before `before`, `batch` rows per
    /// statement (their service checks go with them); returns how many.
    pub async fn delete_checks_before(&self, before: NaiveDate, batch: u32) -> Result<u64, sqlx::Error> {
        let mut deleted = 0;
        loop {
            let done = on_database!(self.database(), pool => sqlx::query(
                "DELETE FROM checks WHERE id IN (SELECT id FROM checks WHERE check_date < $1 LIMIT $2)",
            )
            .bind(before)
            .bind(i64::from(batch.max(1)))
            .execute(pool)
            .await
            .map(|done| done.rows_affected()))?;
            deleted += done;
            if done == 0 {
                return Ok(deleted);
            }
        }
    }

    /// A client's checks from `from` to `to`, in date order.
    pub async fn client_checks(
        &self,
        client_id: i64,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<CheckRow>, ApiError> {
        let query =
            format!("{CHECK_QUERY} WHERE ch.client_id = $1 AND ch.check_date BETWEEN $2 AND $3 ORDER BY ch.check_date");
        let rows = on_database!(self.database(), pool => sqlx::query_as::<_, CheckRow>(sqlx::AssertSqlSafe(query))
            .bind(client_id)
            .bind(from)
            .bind(to)
            .fetch_all(pool)
            .await);
        rows.map_err(ApiError::internal)
    }

    pub async fn holidays(&self) -> Result<Vec<(NaiveDate, String)>, ApiError> {
        let rows = on_database!(self.database(), pool => sqlx::query_as::<_, (NaiveDate, String)>(
            "SELECT day, label FROM holidays ORDER BY day",
        )
        .fetch_all(pool)
        .await);
        rows.map_err(ApiError::internal)
    }

    pub async fn is_closure(&self, day: NaiveDate) -> Result<bool, sqlx::Error> {
        on_database!(self.database(), pool => sqlx::query_scalar::<_, i64>(
            "SELECT COUNT(*) FROM holidays WHERE day = $1",
        )
        .bind(day)
        .fetch_one(pool)
        .await
        .map(|count| count > 0))
    }

    pub async fn add_holiday(&self, day: NaiveDate, label: &str) -> Result<(), ApiError> {
        let added = on_database!(self.database(), pool => sqlx::query(
            "INSERT INTO holidays (day, label) VALUES ($1, $2) ON CONFLICT (day) DO UPDATE SET label = $2",
        )
        .bind(day)
        .bind(label)
        .execute(pool)
        .await
        .map(drop));
        added.map_err(ApiError::internal)
    }

    pub async fn remove_holiday(&self, day: NaiveDate) -> Result<bool, ApiError> {
        let removed = on_database!(self.database(), pool => sqlx::query("DELETE FROM holidays WHERE day = $1")
            .bind(day)
            .execute(pool)
            .await
            .map(|done| done.rows_affected() == 1));
        removed.map_err(ApiError::internal)
    }
}
