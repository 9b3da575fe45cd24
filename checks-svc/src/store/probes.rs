use chrono::{DateTime, NaiveDate, Utc};
use common::error::ApiError;
use common::on_database;

use super::Store;
use crate::domain::ServiceStatus;

/// A service with a probe, as the prober loads it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ProbeTarget {
    pub id: i64,
    pub probe: String,
    pub last_heartbeat_at: Option<DateTime<Utc>>,
    /// Saved by an admin: may reach `probes.allowed_networks`.
    pub probe_reaches_allowed_networks: bool,
}

/// A service's probe results of one day.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct ProbeDay {
    pub day: NaiveDate,
    pub runs: i64,
    pub failures: i64,
    pub warnings: i64,
    pub latency_avg_ms: Option<f64>,
    pub latency_max_ms: Option<f64>,
}

impl Store {
    pub async fn probe_targets(&self) -> Result<Vec<ProbeTarget>, sqlx::Error> {
        on_database!(self.database(), pool => sqlx::query_as::<_, ProbeTarget>(
            "SELECT s.id, s.probe, s.last_heartbeat_at, s.probe_reaches_allowed_networks FROM services s \
             JOIN categories c ON c.id = s.category_id \
             JOIN clients cl ON cl.id = c.client_id WHERE s.probe IS NOT NULL AND cl.active ORDER BY s.id",
        )
        .fetch_all(pool)
        .await)
    }

    pub async fn probe_target(&self, service_id: i64) -> Result<Option<ProbeTarget>, sqlx::Error> {
        on_database!(self.database(), pool => sqlx::query_as::<_, ProbeTarget>(
            "SELECT id, probe, last_heartbeat_at, probe_reaches_allowed_networks FROM services \
             WHERE id = $1 AND probe IS NOT NULL",
        )
        .bind(service_id)
        .fetch_optional(pool)
        .await)
    }

    /// Stores a probe's result and pre-fills the service in the open
    /// checks of `day`, unless an operator already set it.
    pub async fn record_probe(
        &self,
        service_id: i64,
        day: NaiveDate,
        at: DateTime<Utc>,
        status: ServiceStatus,
        latency_ms: Option<f64>,
        detail: &str,
    ) -> Result<(), sqlx::Error> {
        on_database!(self.database(), pool => async {
            let mut transaction = pool.begin().await?;
            sqlx::query(
                "INSERT INTO probe_results (service_id, day, at, status, latency_ms, detail) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(service_id)
            .bind(day)
            .bind(at)
            .bind(status.as_str())
            .bind(latency_ms)
            .bind(detail)
            .execute(&mut *transaction)
            .await?;
            sqlx::query(
                "UPDATE service_checks SET status = $1, status_source = 'probe', probe_detail = $2, updated_at = $3 \
                 WHERE service_id = $4 AND (status_source IS NULL OR status_source = 'probe') \
                 AND check_id IN (SELECT id FROM checks WHERE check_date = $5 AND status IN ('pending', 'in_progress'))",
            )
            .bind(status.as_str())
            .bind(detail)
            .bind(at)
            .bind(service_id)
            .bind(day)
            .execute(&mut *transaction)
            .await?;
            transaction.commit().await
        }
        .await)
    }

    /// Is a maintenance window of the service open at `at`?
    pub async fn in_maintenance(&self, service_id: i64, at: DateTime<Utc>) -> Result<bool, sqlx::Error> {
        on_database!(self.database(), pool => sqlx::query_scalar::<_, i64>(
            "SELECT COUNT(*) FROM maintenance_windows WHERE service_id = $1 AND starts_at <= $2 AND ends_at > $2",
        )
        .bind(service_id)
        .bind(at)
        .fetch_one(pool)
        .await
        .map(|count| count > 0))
    }

    pub async fn add_maintenance(
        &self,
        service_id: i64,
        starts_at: DateTime<Utc>,
        ends_at: DateTime<Utc>,
        reason: Option<&str>,
    ) -> Result<i64, ApiError> {
        let id = on_database!(self.database(), pool => sqlx::query_scalar::<_, i64>(
            "INSERT INTO maintenance_windows (service_id, starts_at, ends_at, reason) VALUES ($1, $2, $3, $4) \
             RETURNING id",
        )
        .bind(service_id)
        .bind(starts_at)
        .bind(ends_at)
        .bind(reason)
        .fetch_one(pool)
        .await);
        id.map_err(ApiError::internal)
    }

    /// Records a heartbeat; the service it belongs to, if the token is known.
    pub async fn heartbeat(&self, token: &str, at: DateTime<Utc>) -> Result<Option<i64>, ApiError> {
        let id = on_database!(self.database(), pool => sqlx::query_scalar::<_, i64>(
            "UPDATE services SET last_heartbeat_at = $1 WHERE heartbeat_token = $2 RETURNING id",
        )
        .bind(at)
        .bind(token)
        .fetch_optional(pool)
        .await);
        id.map_err(ApiError::internal)
    }

    /// Folds raw results of days before `before` into `probe_daily`, then
    /// deletes them, so history stays small however often probes run.
    pub async fn aggregate_probe_results(&self, before: NaiveDate) -> Result<u64, sqlx::Error> {
        let aggregate = "INSERT INTO probe_daily (service_id, day, runs, failures, warnings, latency_avg_ms, \
             latency_max_ms) \
             SELECT service_id, day, COUNT(*), \
             SUM(CASE WHEN status = 'error' THEN 1 ELSE 0 END), SUM(CASE WHEN status = 'warning' THEN 1 ELSE 0 END), \
             AVG(latency_ms), MAX(latency_ms) FROM probe_results WHERE day < $1 GROUP BY service_id, day \
             ON CONFLICT (service_id, day) DO UPDATE SET runs = probe_daily.runs + excluded.runs, \
             failures = probe_daily.failures + excluded.failures, warnings = probe_daily.warnings + excluded.warnings, \
             latency_avg_ms = excluded.latency_avg_ms, \
             latency_max_ms = CASE WHEN excluded.latency_max_ms > probe_daily.latency_max_ms \
             THEN excluded.latency_max_ms ELSE probe_daily.latency_max_ms END";
        on_database!(self.database(), pool => async {
            let mut transaction = pool.begin().await?;
            sqlx::query(aggregate)
            .bind(before)
            .execute(&mut *transaction)
            .await?;
            let deleted = sqlx::query("DELETE FROM probe_results WHERE day < $1")
                .bind(before)
                .execute(&mut *transaction)
                .await?
                .rows_affected();
            transaction.commit().await?;
            Ok(deleted)
        }
        .await)
    }

    /// A service's probe results per day, aggregated or still raw; the days
    /// are those of the checks the results pre-filled, in the checks' zone.
    pub async fn probe_days(&self, service_id: i64, from: NaiveDate, to: NaiveDate) -> Result<Vec<ProbeDay>, ApiError> {
        let rows = on_database!(self.database(), pool => sqlx::query_as::<_, ProbeDay>(
            "SELECT day, runs, failures, warnings, latency_avg_ms, latency_max_ms FROM probe_daily \
             WHERE service_id = $1 AND day BETWEEN $2 AND $3 \
             UNION ALL SELECT day, COUNT(*) AS runs, \
             SUM(CASE WHEN status = 'error' THEN 1 ELSE 0 END) AS failures, \
             SUM(CASE WHEN status = 'warning' THEN 1 ELSE 0 END) AS warnings, \
             AVG(latency_ms) AS latency_avg_ms, MAX(latency_ms) AS latency_max_ms FROM probe_results \
             WHERE service_id = $1 AND day BETWEEN $2 AND $3 GROUP BY day ORDER BY day",
        )
        .bind(service_id)
        .bind(from)
        .bind(to)
        .fetch_all(pool)
        .await);
        rows.map_err(ApiError::internal)
    }
}
