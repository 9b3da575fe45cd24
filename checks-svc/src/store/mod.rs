//! The service's tables, on PostgreSQL or SQLite (`common::on_database!`).

mod checks;
mod clients;
mod imports;
mod probes;

use common::database::Database;
use common::error::{ApiError, ErrorCode};

pub use checks::{CheckRow, CheckSummaryRow, ServiceCheckRow, ServiceCheckUpdate};
pub use clients::{CategoryRow, ClientFields, ClientRow, Recipients, ServiceFields, ServiceRow};
pub use imports::{CategoryImport, Changes, ClientImport, ImportCounts};
pub use probes::{ProbeDay, ProbeTarget};

#[derive(Debug, Clone)]
pub struct Store {
    database: Database,
}

impl Store {
    pub fn new(database: Database) -> Self {
        Self { database }
    }

    pub fn database(&self) -> &Database {
        &self.database
    }
}

/// A unique constraint refusing a write becomes a 409 with `detail`.
fn conflict_on_unique(error: sqlx::Error, detail: &str) -> ApiError {
    match &error {
        sqlx::Error::Database(database) if database.is_unique_violation() => ApiError::new(ErrorCode::Conflict, detail),
        _ => ApiError::internal(error),
    }
}
