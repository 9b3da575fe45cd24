//! The activity export: time, travel and parts per day, client and
//! intervention, for invoicing and payroll.

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use chrono::NaiveDate;
use common::error::ApiError;
use serde::Deserialize;
use utoipa::IntoParams;

use super::invalid;
use crate::access::Actor;
use crate::startup::AppState;

/// A year of activity at most per export.
const MAX_DAYS: i64 = 366;

pub fn routes(config: &mut web::ServiceConfig) {
    config.route("/exports/activity.csv", web::get().to(activity));
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct ActivityQuery {
    /// First day, `YYYY-MM-DD`.
    pub from: NaiveDate,
    /// Last day, included.
    pub to: NaiveDate,
    pub client_id: Option<i64>,
}

/// A CSV field: quoted when needed; a leading `=`, `+`, `-` or `@` is
/// prefixed with `'` so that spreadsheets do not run it as a formula.
fn field(value: &str) -> String {
    let value = if value.starts_with(['=', '+', '-', '@']) { format!("'{value}") } else { value.to_owned() };
    if value.contains([';', '"', '\n', '\r']) { format!("\"{}\"", value.replace('"', "\"\"")) } else { value }
}

/// French decimal comma, as French spreadsheets read it.
fn decimal(value: f64) -> String {
    format!("{value:.2}").replace('.', ",")
}

/// `;`-separated (as French spreadsheets expect), UTF-8 with a BOM.
#[utoipa::path(get, path = "/api/v1/exports/activity.csv", tag = "exports", params(ActivityQuery),
    responses((status = 200, content_type = "text/csv"), (status = 403), (status = 422)))]
pub async fn activity(
    state: web::Data<AppState>,
    actor: Actor,
    query: web::Query<ActivityQuery>,
) -> Result<HttpResponse, ApiError> {
    actor.require_staff()?;
    if query.to < query.from {
        return Err(invalid("to", "must not be before from"));
    }
    if (query.to - query.from).num_days() >= MAX_DAYS {
        return Err(invalid("to", "an export covers one year at most"));
    }
    let rows = state.store.activity(query.from, query.to, query.client_id).await?;
    let mut csv = String::from(
        "\u{feff}date;client;intervention;technicien;minutes;heures;km;reference_piece;designation;quantite\r\n",
    );
    for row in rows {
        let cells = [
            row.work_date.to_string(),
            field(&row.client_name),
            field(&row.number),
            field(row.technician.as_deref().unwrap_or_default()),
            row.minutes.map(|minutes| minutes.to_string()).unwrap_or_default(),
            row.minutes.map(|minutes| decimal(f64::from(minutes) / 60.0)).unwrap_or_default(),
            row.travel_km.map(decimal).unwrap_or_default(),
            field(row.part_reference.as_deref().unwrap_or_default()),
            field(row.part_label.as_deref().unwrap_or_default()),
            row.quantity.map(decimal).unwrap_or_default(),
        ];
        csv.push_str(&cells.join(";"));
        csv.push_str("\r\n");
    }
    let name = format!("activite-{}-{}.csv", query.from, query.to);
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/csv; charset=utf-8"))
        .insert_header((header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")))
        .body(csv))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_quoted_and_never_formulas() {
        assert_eq!(field("Dupont"), "Dupont");
        assert_eq!(field("a;b"), "\"a;b\"");
        assert_eq!(field("dit \"le grand\""), "\"dit \"\"le grand\"\"\"");
        assert_eq!(field("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(decimal(1.5), "1,50");
    }
}
