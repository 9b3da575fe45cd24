//! The JSON API (`/api/...`, behind the gateway at `/checks/api/...`) and
//! the operator pages (`/ui/...`).

pub mod checks;
pub mod clients;
pub mod exports;
pub mod holidays;
pub mod services;
pub mod transfer;
mod ui;

use actix_web::web;
use common::error::{ApiError, ErrorCode};

use crate::access::Operator;
use crate::startup::AppState;
use crate::store::ClientRow;

pub fn configure(config: &mut web::ServiceConfig) {
    config
        .configure(clients::routes)
        .configure(services::routes)
        .configure(checks::routes)
        .configure(exports::routes)
        .configure(holidays::routes)
        .configure(transfer::routes)
        .configure(ui::routes);
}

/// `detail`: what is missing, in French (`Client introuvable.`).
fn not_found(detail: &str) -> ApiError {
    ApiError::new(ErrorCode::NotFound, detail)
}

/// The client, if it exists and the operator may see it; a client they may
/// not see is reported as missing, so its existence does not leak.
pub(crate) async fn visible_client(state: &AppState, operator: &Operator, id: i64) -> Result<ClientRow, ApiError> {
    state
        .store
        .client(id)
        .await?
        .filter(|client| operator.may_see(&client.reference))
        .ok_or_else(|| not_found("Client introuvable."))
}
