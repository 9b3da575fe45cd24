//! Users as stored: one row per person, roles in columns so that they can
//! be counted and filtered in SQL.

use chrono::{DateTime, Utc};
use common::database::Database;
use common::on_database;
use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::{ChecksRole, EmailAddress, ErpRole, PersonName, Roles, RolesDocument};

const COLUMNS: &str = "id, name, email, password_hash, platform_admin, erp_role, erp_client_company, \
                       checks_role, checks_clients, active, must_change_password, token_version, \
                       created_at, updated_at, last_login_at";

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct UserRecord {
    pub id: String,
    pub name: String,
    pub email: String,
    password_hash: String,
    platform_admin: bool,
    erp_role: Option<String>,
    erp_client_company: Option<String>,
    checks_role: Option<String>,
    checks_clients: String,
    pub active: bool,
    pub must_change_password: bool,
    /// Raised whenever what the user's access tokens say stops being true
    /// (roles, deactivation, password): older tokens are then refused.
    pub token_version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub last_login_at: Option<DateTime<Utc>>,
}

/// A user as the API shows them; never with the password hash.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct User {
    pub id: String,
    pub name: String,
    pub email: String,
    pub roles: RolesDocument,
    pub active: bool,
    pub must_change_password: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub last_login_at: Option<DateTime<Utc>>,
}

impl UserRecord {
    pub fn password_hash(&self) -> &str {
        &self.password_hash
    }

    pub fn roles(&self) -> Roles {
        let document = RolesDocument {
            platform_admin: self.platform_admin,
            erp: self
                .erp_role
                .clone()
                .map(|role| crate::domain::ErpRoleDocument { role, client_company: self.erp_client_company.clone() }),
            checks: self.checks_role.clone().map(|role| crate::domain::ChecksRoleDocument {
                role,
                clients: serde_json::from_str(&self.checks_clients).unwrap_or_default(),
            }),
        };
        // Rows are written from parsed roles only; one that no longer
        // parses grants nothing rather than something unintended.
        document.parse().unwrap_or_else(|errors| {
            tracing::error!(user_id = %self.id, ?errors, "stored roles do not parse");
            Roles::default()
        })
    }

    pub fn view(&self) -> User {
        User {
            id: self.id.clone(),
            name: self.name.clone(),
            email: self.email.clone(),
            roles: self.roles().document(),
            active: self.active,
            must_change_password: self.must_change_password,
            created_at: self.created_at,
            updated_at: self.updated_at,
            last_login_at: self.last_login_at,
        }
    }
}

/// A user about to be created, every field already valid.
pub struct NewUser {
    pub name: PersonName,
    pub email: EmailAddress,
    pub password_hash: String,
    pub roles: Roles,
    pub active: bool,
    pub must_change_password: bool,
}

/// Fields an administrator changes; `None` leaves a field as it is.
#[derive(Default)]
pub struct UserChanges {
    pub name: Option<PersonName>,
    pub email: Option<EmailAddress>,
    pub roles: Option<Roles>,
    pub active: Option<bool>,
    pub must_change_password: Option<bool>,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("the e-mail address is already taken")]
    DuplicateEmail,
    #[error("the user was changed by someone else meanwhile")]
    ChangedMeanwhile,
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

fn classify(error: sqlx::Error) -> StoreError {
    match &error {
        sqlx::Error::Database(database) if database.is_unique_violation() => StoreError::DuplicateEmail,
        _ => StoreError::Database(error),
    }
}

/// How a listing is ordered: a column the caller may sort by, and a direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UserSort {
    column: &'static str,
    descending: bool,
}

impl UserSort {
    pub const SORTABLE: [&'static str; 4] = ["name", "email", "created_at", "updated_at"];

    /// `name`, `-created_at`, ...: a leading `-` sorts descending.
    pub fn parse(raw: &str) -> Option<Self> {
        let (descending, name) = raw.strip_prefix('-').map_or((false, raw), |rest| (true, rest));
        let column = Self::SORTABLE.into_iter().find(|column| *column == name)?;
        Some(Self { column, descending })
    }

    fn order_by(self) -> String {
        let direction = if self.descending { "DESC" } else { "ASC" };
        format!("{} {direction}, id ASC", self.column)
    }
}

impl Default for UserSort {
    fn default() -> Self {
        Self { column: "name", descending: false }
    }
}

pub struct UserQuery {
    /// Part of the name or e-mail address, case-insensitive.
    pub search: Option<String>,
    pub active: Option<bool>,
    pub sort: UserSort,
    pub limit: i64,
    pub offset: i64,
}

#[derive(Debug, Default, Serialize, ToSchema)]
pub struct RoleCounts {
    pub platform_admin: i64,
    /// Users per ERP role.
    pub erp: std::collections::BTreeMap<String, i64>,
    /// Users per Check du Matin role.
    pub checks: std::collections::BTreeMap<String, i64>,
}

#[derive(Clone)]
pub struct UserStore {
    database: Database,
}

/// What a search looks in: the name and the address, lowercased here.
fn search_text(name: &str, email: &str) -> String {
    format!("{} {email}", name.to_lowercase())
}

fn like_pattern(search: &str) -> String {
    let escaped = search.to_lowercase().replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
    format!("%{escaped}%")
}

impl UserStore {
    pub fn new(database: Database) -> Self {
        Self { database }
    }

    pub fn database(&self) -> &Database {
        &self.database
    }

    pub async fn create(&self, user: NewUser) -> Result<UserRecord, StoreError> {
        let now = Utc::now();
        let id = uuid::Uuid::new_v4().to_string();
        let columns = RoleColumns::of(&user.roles);
        on_database!(&self.database, pool => sqlx::query(
            "INSERT INTO users (id, name, email, password_hash, platform_admin, erp_role, erp_client_company, \
             checks_role, checks_clients, active, must_change_password, token_version, created_at, updated_at, \
             search_text) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 1, $12, $12, $13)",
        )
        .bind(&id)
        .bind(user.name.as_str())
        .bind(user.email.as_str())
        .bind(&user.password_hash)
        .bind(user.roles.platform_admin)
        .bind(&columns.erp_role)
        .bind(&columns.erp_client_company)
        .bind(&columns.checks_role)
        .bind(&columns.checks_clients)
        .bind(user.active)
        .bind(user.must_change_password)
        .bind(now)
        .bind(search_text(user.name.as_str(), user.email.as_str()))
        .execute(pool)
        .await
        .map(drop))
        .map_err(classify)?;
        self.find(&id).await?.ok_or(StoreError::Database(sqlx::Error::RowNotFound))
    }

    pub async fn find(&self, id: &str) -> Result<Option<UserRecord>, sqlx::Error> {
        let query = format!("SELECT {COLUMNS} FROM users WHERE id = $1");
        on_database!(&self.database, pool => sqlx::query_as::<_, UserRecord>(sqlx::AssertSqlSafe(query))
            .bind(id)
            .fetch_optional(pool)
            .await)
    }

    pub async fn find_by_email(&self, email: &EmailAddress) -> Result<Option<UserRecord>, sqlx::Error> {
        let query = format!("SELECT {COLUMNS} FROM users WHERE email = $1");
        on_database!(&self.database, pool => sqlx::query_as::<_, UserRecord>(sqlx::AssertSqlSafe(query))
            .bind(email.as_str())
            .fetch_optional(pool)
            .await)
    }

    /// One page of users and how many match in all.
    pub async fn list(&self, query: &UserQuery) -> Result<(Vec<UserRecord>, i64), sqlx::Error> {
        // The same filter for both statements; `$1` is NULL when there is
        // no search, `$2` when every state is wanted.
        let filter = "WHERE ($1 IS NULL OR search_text LIKE $1 ESCAPE '\\') AND ($2 IS NULL OR active = $2)";
        let pattern = query.search.as_deref().map(like_pattern);
        let select =
            format!("SELECT {COLUMNS} FROM users {filter} ORDER BY {} LIMIT $3 OFFSET $4", query.sort.order_by());
        let count = format!("SELECT COUNT(*) FROM users {filter}");
        on_database!(&self.database, pool => {
            let rows = sqlx::query_as::<_, UserRecord>(sqlx::AssertSqlSafe(select))
                .bind(&pattern)
                .bind(query.active)
                .bind(query.limit)
                .bind(query.offset)
                .fetch_all(pool)
                .await;
            match rows {
                Ok(rows) => sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(count))
                    .bind(&pattern)
                    .bind(query.active)
                    .fetch_one(pool)
                    .await
                    .map(|total| (rows, total)),
                Err(error) => Err(error),
            }
        })
    }

    /// Applies `changes`; `None` when there is no such user.
    pub async fn update(&self, id: &str, changes: UserChanges) -> Result<Option<UserRecord>, StoreError> {
        let Some(current) = self.find(id).await? else {
            return Ok(None);
        };
        let roles = changes.roles.unwrap_or_else(|| current.roles());
        let active = changes.active.unwrap_or(current.active);
        let email = changes.email.map_or(current.email.clone(), |email| email.as_str().to_owned());
        let name = changes.name.map_or(current.name.clone(), |name| name.as_str().to_owned());
        let must_change_password = changes.must_change_password.unwrap_or(current.must_change_password);
        // Whatever an access token says that is no longer true.
        let invalidates_tokens = roles != current.roles()
            || active != current.active
            || email != current.email
            || (must_change_password && !current.must_change_password);
        let columns = RoleColumns::of(&roles);
        // Only if nobody changed the user since it was read: two
        // administrators editing at once must not undo each other silently.
        let updated = on_database!(&self.database, pool => sqlx::query(
            "UPDATE users SET name = $1, email = $2, platform_admin = $3, erp_role = $4, erp_client_company = $5, \
             checks_role = $6, checks_clients = $7, active = $8, must_change_password = $9, \
             token_version = token_version + $10, updated_at = $11, search_text = $14 \
             WHERE id = $12 AND updated_at = $13",
        )
        .bind(&name)
        .bind(&email)
        .bind(roles.platform_admin)
        .bind(&columns.erp_role)
        .bind(&columns.erp_client_company)
        .bind(&columns.checks_role)
        .bind(&columns.checks_clients)
        .bind(active)
        .bind(must_change_password)
        .bind(i64::from(invalidates_tokens))
        .bind(Utc::now())
        .bind(id)
        .bind(current.updated_at)
        .bind(search_text(&name, &email))
        .execute(pool)
        .await
        .map(|done| done.rows_affected()))
        .map_err(classify)?;
        if updated == 0 {
            return Err(StoreError::ChangedMeanwhile);
        }
        Ok(self.find(id).await?)
    }

    /// Replaces the password; every access token issued before stops working.
    pub async fn set_password(&self, id: &str, hash: &str, must_change: bool) -> Result<bool, sqlx::Error> {
        let done = on_database!(&self.database, pool => sqlx::query(
            "UPDATE users SET password_hash = $1, must_change_password = $2, token_version = token_version + 1, \
             updated_at = $3 WHERE id = $4",
        )
        .bind(hash)
        .bind(must_change)
        .bind(Utc::now())
        .bind(id)
        .execute(pool)
        .await
        .map(|done| done.rows_affected()))?;
        Ok(done > 0)
    }

    /// Stores a hash made with newer parameters, same password.
    pub async fn upgrade_hash(&self, id: &str, hash: &str) -> Result<(), sqlx::Error> {
        on_database!(&self.database, pool => sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
            .bind(hash)
            .bind(id)
            .execute(pool)
            .await
            .map(drop))
    }

    pub async fn record_login(&self, id: &str) -> Result<(), sqlx::Error> {
        on_database!(&self.database, pool => sqlx::query("UPDATE users SET last_login_at = $1 WHERE id = $2")
            .bind(Utc::now())
            .bind(id)
            .execute(pool)
            .await
            .map(drop))
    }

    pub async fn delete(&self, id: &str) -> Result<bool, sqlx::Error> {
        let done = on_database!(&self.database, pool => sqlx::query("DELETE FROM users WHERE id = $1")
            .bind(id)
            .execute(pool)
            .await
            .map(|done| done.rows_affected()))?;
        Ok(done > 0)
    }

    pub async fn count(&self, only_active: bool) -> Result<i64, sqlx::Error> {
        on_database!(&self.database, pool => sqlx::query_scalar::<_, i64>(
            "SELECT COUNT(*) FROM users WHERE ($1 = FALSE OR active = TRUE)",
        )
        .bind(only_active)
        .fetch_one(pool)
        .await)
    }

    pub async fn role_counts(&self) -> Result<RoleCounts, sqlx::Error> {
        let grouped = "SELECT 'erp', erp_role, COUNT(*) FROM users WHERE erp_role IS NOT NULL GROUP BY erp_role \
                       UNION ALL SELECT 'checks', checks_role, COUNT(*) FROM users WHERE checks_role IS NOT NULL \
                       GROUP BY checks_role \
                       UNION ALL SELECT 'platform', 'admin', COUNT(*) FROM users WHERE platform_admin = TRUE";
        let rows = on_database!(&self.database, pool => sqlx::query_as::<_, (String, String, i64)>(grouped)
            .fetch_all(pool)
            .await)?;
        let mut counts = RoleCounts::default();
        for (service, role, count) in rows {
            match service.as_str() {
                "erp" => {
                    counts.erp.insert(role, count);
                }
                "checks" => {
                    counts.checks.insert(role, count);
                }
                _ => counts.platform_admin = count,
            }
        }
        Ok(counts)
    }
}

/// Roles as their columns hold them.
struct RoleColumns {
    erp_role: Option<String>,
    erp_client_company: Option<String>,
    checks_role: Option<String>,
    checks_clients: String,
}

impl RoleColumns {
    fn of(roles: &Roles) -> Self {
        Self {
            erp_role: roles.erp.as_ref().map(|erp| erp.name().to_owned()),
            erp_client_company: match &roles.erp {
                Some(ErpRole::Client { company }) => Some(company.clone()),
                _ => None,
            },
            checks_role: roles.checks.as_ref().map(|checks| checks.name().to_owned()),
            checks_clients: match &roles.checks {
                Some(ChecksRole::Gestionnaire { clients }) => {
                    serde_json::to_string(clients).unwrap_or_else(|_| "[]".to_owned())
                }
                Some(ChecksRole::Client { client }) => {
                    serde_json::to_string(&[client]).unwrap_or_else(|_| "[]".to_owned())
                }
                _ => "[]".to_owned(),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sort_accepts_known_columns_only() {
        assert_eq!(UserSort::parse("name"), Some(UserSort::default()));
        assert_eq!(UserSort::parse("-created_at").map(UserSort::order_by).as_deref(), Some("created_at DESC, id ASC"));
        for bad in ["", "-", "password_hash", "name; DROP TABLE users", "--name"] {
            assert_eq!(UserSort::parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn search_wildcards_are_taken_literally() {
        assert_eq!(like_pattern("50%_A\\b"), "%50\\%\\_a\\\\b%");
    }
}
