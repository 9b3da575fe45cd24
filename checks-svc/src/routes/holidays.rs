//! Days without checks: French public holidays (computed) and closures the
//! administrators enter.

use actix_web::{HttpResponse, web};
use chrono::{Datelike, NaiveDate, Utc};
use common::error::{ApiError, FieldError};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::not_found;
use crate::access::Operator;
use crate::calendar::french_public_holiday;
use crate::domain::Label;
use crate::startup::AppState;

pub fn routes(config: &mut web::ServiceConfig) {
    config
        .route("/api/holidays", web::get().to(list_holidays))
        .route("/api/holidays", web::post().to(add_holiday))
        .route("/api/holidays/{date}", web::delete().to(remove_holiday));
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct YearQuery {
    /// Default: this year.
    #[param(minimum = 1583, maximum = 9999)]
    pub year: Option<i32>,
}

/// Years of the Gregorian calendar written with four digits: the rules of
/// the holidays (Easter's date) hold from 1583, and dates past 9999 or
/// before year 1 are not ISO 8601 dates a client can read.
const YEARS: std::ops::RangeInclusive<i32> = 1583..=9999;

#[derive(Debug, Serialize, ToSchema)]
pub struct Holiday {
    pub date: NaiveDate,
    pub label: String,
    /// `public` (French public holiday) or `closure` (entered here).
    pub kind: &'static str,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HolidayInput {
    pub date: NaiveDate,
    pub label: String,
}

#[utoipa::path(get, path = "/api/holidays", tag = "holidays", params(YearQuery),
    responses((status = 200, body = [Holiday]), (status = 422, description = "year outside 1583–9999")))]
pub async fn list_holidays(
    state: web::Data<AppState>,
    _operator: Operator,
    query: web::Query<YearQuery>,
) -> Result<HttpResponse, ApiError> {
    let year = query.year.unwrap_or_else(|| state.scheduler.today(Utc::now()).year());
    if !YEARS.contains(&year) {
        return Err(ApiError::validation(vec![FieldError::new(
            "year",
            format!("est compris entre {} et {}", YEARS.start(), YEARS.end()),
        )]));
    }
    let mut holidays: Vec<Holiday> = NaiveDate::from_ymd_opt(year, 1, 1)
        .into_iter()
        .flat_map(|first| first.iter_days().take_while(move |day| day.year() == year))
        .filter_map(|day| {
            french_public_holiday(day).map(|label| Holiday { date: day, label: label.to_owned(), kind: "public" })
        })
        .collect();
    holidays.extend(
        state.store.holidays().await?.into_iter().filter(|(day, _)| day.year() == year).map(|(date, label)| Holiday {
            date,
            label,
            kind: "closure",
        }),
    );
    holidays.sort_by_key(|holiday| holiday.date);
    Ok(HttpResponse::Ok().json(holidays))
}

#[utoipa::path(post, path = "/api/holidays", tag = "holidays", request_body = HolidayInput,
    responses((status = 201), (status = 403), (status = 422)))]
pub async fn add_holiday(
    state: web::Data<AppState>,
    operator: Operator,
    input: web::Json<HolidayInput>,
) -> Result<HttpResponse, ApiError> {
    operator.require_admin()?;
    let label =
        Label::parse(&input.label).map_err(|message| ApiError::validation(vec![FieldError::new("label", message)]))?;
    state.store.add_holiday(input.date, label.as_str()).await?;
    Ok(HttpResponse::Created().finish())
}

#[utoipa::path(delete, path = "/api/holidays/{date}", tag = "holidays", responses((status = 204), (status = 404)))]
pub async fn remove_holiday(
    state: web::Data<AppState>,
    operator: Operator,
    date: web::Path<NaiveDate>,
) -> Result<HttpResponse, ApiError> {
    operator.require_admin()?;
    if state.store.remove_holiday(*date).await? {
        Ok(HttpResponse::NoContent().finish())
    } else {
        Err(not_found("Fermeture introuvable."))
    }
}
