//! The week's planning per technician, with the clashes it holds.

use std::collections::BTreeMap;

use actix_web::{HttpResponse, web};
use chrono::{Datelike, Duration, IsoWeek, NaiveDate, TimeZone, Weekday};
use common::error::ApiError;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::interventions::InterventionSummary;
use super::invalid;
use crate::access::Actor;
use crate::startup::AppState;

/// A week holds far fewer interventions than this; the cap bounds the
/// answer whatever happens.
const MAX_PLANNED_PER_WEEK: i64 = 5_000;

pub fn routes(config: &mut web::ServiceConfig) {
    config.route("/planning", web::get().to(planning));
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct PlanningQuery {
    /// ISO week, `2026-W48` (this week by default).
    pub week: Option<String>,
    /// One technician's e-mail address (a technician sees their own).
    pub technician: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Planning {
    pub week: String,
    /// Monday and Sunday of the week (Europe/Paris).
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub technicians: Vec<TechnicianWeek>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TechnicianWeek {
    pub technician: String,
    /// Minutes planned over the week.
    pub planned_minutes: i64,
    pub interventions: Vec<InterventionSummary>,
    /// Pairs of this technician's interventions that overlap.
    pub clashes: Vec<[String; 2]>,
}

fn parse_week(raw: &str) -> Result<IsoWeek, &'static str> {
    let invalid = "must be an ISO week, YYYY-Www";
    let (year, week) = raw.trim().split_once("-W").ok_or(invalid)?;
    let year: i32 = year.parse().map_err(|_| invalid)?;
    let week: u32 = week.parse().map_err(|_| invalid)?;
    NaiveDate::from_isoywd_opt(year, week, Weekday::Mon).map(|monday| monday.iso_week()).ok_or(invalid)
}

#[utoipa::path(get, path = "/api/v1/planning", tag = "planning", params(PlanningQuery),
    responses((status = 200, body = Planning), (status = 403), (status = 422)))]
pub async fn planning(
    state: web::Data<AppState>,
    actor: Actor,
    query: web::Query<PlanningQuery>,
) -> Result<HttpResponse, ApiError> {
    let technician = match actor.technician() {
        Some(own) => Some(own.to_owned()),
        None => {
            actor.require_staff()?;
            query.technician.as_deref().map(|email| email.trim().to_lowercase())
        }
    };
    let zone = state.zone;
    let week = match query.week.as_deref() {
        Some(raw) => parse_week(raw).map_err(|message| invalid("week", message))?,
        None => chrono::Utc::now().with_timezone(&zone).date_naive().iso_week(),
    };
    let monday = NaiveDate::from_isoywd_opt(week.year(), week.week(), Weekday::Mon)
        .ok_or_else(|| invalid("week", "does not exist"))?;
    let local_midnight = |day: NaiveDate| {
        zone.from_local_datetime(&day.and_time(chrono::NaiveTime::MIN))
            .earliest()
            .map(|instant| instant.with_timezone(&chrono::Utc))
            .ok_or_else(|| invalid("week", "does not exist"))
    };
    let start = local_midnight(monday)?;
    let end = local_midnight(monday + Duration::days(7))?;
    let planned = state.store.planned_between(start, end, technician.as_deref(), MAX_PLANNED_PER_WEEK).await?;
    let mut weeks: BTreeMap<String, TechnicianWeek> = BTreeMap::new();
    for (row, technicians) in planned {
        for name in technicians.iter().filter(|name| technician.as_ref().is_none_or(|wanted| wanted == *name)) {
            let entry = weeks.entry(name.clone()).or_insert_with(|| TechnicianWeek {
                technician: name.clone(),
                planned_minutes: 0,
                interventions: Vec::new(),
                clashes: Vec::new(),
            });
            let summary = InterventionSummary::new(row.clone(), technicians.clone());
            if let (Some(from), Some(to)) = (summary.planned_start, summary.planned_end) {
                entry.planned_minutes += (to.min(end) - from.max(start)).num_minutes();
                for other in &entry.interventions {
                    if let (Some(other_from), Some(other_to)) = (other.planned_start, other.planned_end)
                        && other_from < to
                        && from < other_to
                    {
                        entry.clashes.push([other.number.clone(), summary.number.clone()]);
                    }
                }
            }
            entry.interventions.push(summary);
        }
    }
    Ok(HttpResponse::Ok().json(Planning {
        week: format!("{}-W{:02}", week.year(), week.week()),
        from: monday,
        to: monday + Duration::days(6),
        technicians: weeks.into_values().collect(),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weeks_are_iso_weeks() {
        let week = parse_week("2026-W48").expect("a week");
        assert_eq!((week.year(), week.week()), (2026, 48));
        assert_eq!(NaiveDate::from_isoywd_opt(2026, 48, Weekday::Mon), NaiveDate::from_ymd_opt(2026, 11, 23));
        assert!(parse_week("2026-W54").is_err());
        assert!(parse_week("2026-48").is_err());
    }
}
