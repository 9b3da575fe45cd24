//! `/api/stats`: what the users server's monitoring read (user counts,
//! database size, timestamp), per role as well.

use actix_web::web;
use chrono::{DateTime, Utc};
use common::database::Database;
use common::error::{ApiError, ErrorCode};
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::Authenticated;
use crate::identity::users::RoleCounts;
use crate::startup::GatewayState;

#[derive(Serialize, ToSchema)]
pub struct Stats {
    total_users: i64,
    active_users: i64,
    /// Administrators only.
    #[serde(skip_serializing_if = "Option::is_none")]
    users_per_role: Option<RoleCounts>,
    /// Administrators only.
    #[serde(skip_serializing_if = "Option::is_none")]
    api_keys: Option<i64>,
    /// `sqlite` or `postgres`.
    database_engine: &'static str,
    /// The identity tables' size, in bytes.
    database_size_bytes: i64,
    /// The same in MB, as the users server reported it.
    database_size_mb: f64,
    timestamp: DateTime<Utc>,
}

async fn database_size(database: &Database) -> Result<i64, sqlx::Error> {
    match database {
        Database::Sqlite(pool) => {
            sqlx::query_scalar::<_, i64>("SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()")
                .fetch_one(pool)
                .await
        }
        // The gateway's schema only: the database may hold other services.
        Database::Postgres(pool) => {
            sqlx::query_scalar::<_, i64>(
                "SELECT COALESCE(SUM(pg_total_relation_size(c.oid)), 0)::BIGINT FROM pg_class c \
                 JOIN pg_namespace n ON n.oid = c.relnamespace \
                 WHERE n.nspname = current_schema() AND c.relkind = 'r'",
            )
            .fetch_one(pool)
            .await
        }
    }
}

#[utoipa::path(
    get, path = "/api/stats", tag = "identity",
    description = "Public unless `GATEWAY__AUTH__PUBLIC_STATS=false`; the counts per role and of API keys \
                   only for administrators.",
    responses((status = 200, body = Stats)),
    security((), ("bearer" = []), ("api_key" = []))
)]
pub async fn stats(
    caller: Option<Authenticated>,
    state: web::Data<GatewayState>,
) -> Result<web::Json<Stats>, ApiError> {
    let admin = caller.as_ref().is_some_and(|caller| caller.authorize_admin().is_ok());
    if !admin && !state.public_stats {
        caller
            .ok_or_else(|| ApiError::new(ErrorCode::MissingCredentials, "Send an administrator's credentials."))?
            .authorize_admin()?;
    }
    let users = &state.identity.users;
    let database = users.database();
    let size = database_size(database).await.map_err(ApiError::internal)?;
    let (users_per_role, api_keys) = if admin {
        let keys = state.authenticator.keys().count().await.map_err(ApiError::internal)?;
        (Some(users.role_counts().await.map_err(ApiError::internal)?), Some(keys))
    } else {
        (None, None)
    };
    #[expect(clippy::cast_precision_loss, reason = "a size in MB, rounded to 2 decimals")]
    let size_mb = (size as f64 / 1_048_576.0 * 100.0).round() / 100.0;
    Ok(web::Json(Stats {
        total_users: users.count(false).await.map_err(ApiError::internal)?,
        active_users: users.count(true).await.map_err(ApiError::internal)?,
        users_per_role,
        api_keys,
        database_engine: database.engine(),
        database_size_bytes: size,
        database_size_mb: size_mb,
        timestamp: Utc::now(),
    }))
}
