//! The JSON API, under `/api/v1` and (as the original) at the root.

pub mod audit;
pub mod clients;
pub mod documents;
pub mod equipment;
pub mod exports;
pub mod interventions;
pub mod planning;
pub mod plans;
pub mod sites;
pub mod work;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use common::error::{ApiError, ErrorCode, FieldError};
use serde::{Deserialize, Serialize};
use utoipa::IntoParams;

use crate::store::Page;

pub fn configure(config: &mut web::ServiceConfig) {
    config.service(web::scope("/api/v1").configure(resources)).configure(resources);
}

fn resources(config: &mut web::ServiceConfig) {
    clients::routes(config);
    sites::routes(config);
    equipment::routes(config);
    interventions::routes(config);
    work::routes(config);
    documents::routes(config);
    planning::routes(config);
    plans::routes(config);
    exports::routes(config);
    audit::routes(config);
}

fn not_found(what: &str) -> ApiError {
    ApiError::new(ErrorCode::NotFound, format!("No such {what}."))
}

fn forbidden_unless(allowed: bool, detail: &str) -> Result<(), ApiError> {
    if allowed { Ok(()) } else { Err(ApiError::new(ErrorCode::Forbidden, detail)) }
}

/// A 422 naming one field.
fn invalid(field: &str, message: impl Into<String>) -> ApiError {
    ApiError::validation(vec![FieldError::new(field, message)])
}

const DEFAULT_PER_PAGE: u32 = 50;
const MAX_PER_PAGE: u32 = 200;

/// `?page=2&per_page=50`: lists answer a JSON array of that page, with
/// the total in `X-Total-Count` and the neighbours in `Link`.
#[derive(Debug, Deserialize, IntoParams)]
pub struct Pagination {
    /// From 1.
    pub page: Option<u32>,
    /// 1 to 200, 50 by default.
    pub per_page: Option<u32>,
}

impl Pagination {
    pub fn page(&self) -> Result<Page, ApiError> {
        let page = self.page.unwrap_or(1);
        let per_page = self.per_page.unwrap_or(DEFAULT_PER_PAGE);
        let mut errors = Vec::new();
        if page == 0 {
            errors.push(FieldError::new("page", "starts at 1"));
        }
        if per_page == 0 || per_page > MAX_PER_PAGE {
            errors.push(FieldError::new("per_page", format!("must be between 1 and {MAX_PER_PAGE}")));
        }
        if errors.is_empty() { Ok(Page { page, per_page }) } else { Err(ApiError::validation(errors)) }
    }
}

/// One page of a list as a JSON array, its total and links in headers.
pub fn paginated<T: Serialize>(request: &HttpRequest, page: Page, total: i64, items: &[T]) -> HttpResponse {
    let link = |number: u32, relation: &str| {
        let query: Vec<(String, String)> = url_query(request.query_string())
            .into_iter()
            .filter(|(key, _)| key != "page")
            .chain([("page".to_owned(), number.to_string())])
            .collect();
        let query = serde_urlencoded::to_string(query).unwrap_or_default();
        format!("<{}?{query}>; rel=\"{relation}\"", request.path())
    };
    let pages = u32::try_from((total.max(0) as u64).div_ceil(u64::from(page.per_page))).unwrap_or(u32::MAX);
    let mut links = Vec::new();
    if page.page > 1 {
        links.push(link(page.page - 1, "prev"));
    }
    if page.page < pages {
        links.push(link(page.page + 1, "next"));
    }
    let mut response = HttpResponse::Ok();
    response.insert_header(("X-Total-Count", total.to_string()));
    if !links.is_empty() {
        response.insert_header((header::LINK, links.join(", ")));
    }
    response.json(items)
}

fn url_query(query: &str) -> Vec<(String, String)> {
    serde_urlencoded::from_str(query).unwrap_or_default()
}

/// `201 Created` with the new record and its location.
pub fn created<T: Serialize>(request: &HttpRequest, id: i64, body: &T) -> HttpResponse {
    let location = format!("{}/{id}", request.path().trim_end_matches('/'));
    HttpResponse::Created().insert_header((header::LOCATION, location)).json(body)
}
