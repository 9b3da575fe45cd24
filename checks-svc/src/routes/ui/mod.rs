//! The operator pages (`/ui/...`), server-rendered: today's dashboard, the
//! check page, client configuration and history. Browsers reach them
//! through the gateway with the session of its sign-in page; every page
//! drives the same functions as the JSON API, and nothing on them needs a
//! script (the one script only adds keyboard shortcuts).

mod check;
mod clients;
mod dashboard;
mod history;
mod status;

use std::future::{Ready, ready};
use std::sync::LazyLock;

use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::http::header::{CACHE_CONTROL, CONTENT_SECURITY_POLICY, LOCATION};
use actix_web::{FromRequest, HttpRequest, HttpResponse, ResponseError, web};
use common::error::{ApiError, ErrorCode, FieldError};
use maud::{DOCTYPE, Markup, PreEscaped, html};

use crate::access::Operator;
use crate::calendar::french_date;
use crate::domain::{CheckStatus, ServiceStatus};
use crate::startup::AppState;

const STYLESHEET: &str = include_str!("style.css");
const SCRIPT: &str = include_str!("keys.js");

/// Pages carry their stylesheet inline (no second request, and error pages
/// need no link back into the service), allowed by its hash.
static POLICY: LazyLock<String> = LazyLock::new(|| {
    use base64::Engine as _;
    use sha2::Digest as _;
    let hash = base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(STYLESHEET));
    format!(
        "default-src 'none'; style-src 'sha256-{hash}'; script-src 'self'; img-src 'self'; \
         form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    )
});

pub fn routes(config: &mut web::ServiceConfig) {
    // Anyone with the link: the gateway opens `/public/status/` without credentials.
    config.route("/public/status/{token}", web::get().to(status::public));
    config.service(
        web::scope("/ui")
            .route("", web::get().to(dashboard::page))
            .route("/", web::get().to(dashboard::page))
            .route("/keys.js", web::get().to(script))
            .route("/checks/{id}", web::get().to(check::page))
            .route("/checks/{id}", web::post().to(check::save))
            .route("/checks/{id}/export.{format}", web::get().to(crate::routes::exports::export))
            .route("/clients", web::get().to(clients::list))
            .route("/clients", web::post().to(clients::create))
            .route("/clients/new", web::get().to(clients::new))
            .route("/clients/{id}", web::get().to(clients::page))
            .route("/clients/{id}", web::post().to(clients::save))
            .route("/clients/{id}/delete", web::post().to(clients::delete))
            .route("/clients/{id}/logo", web::get().to(crate::routes::clients::get_logo))
            .route("/clients/{id}/logo", web::post().to(clients::upload_logo))
            .route("/clients/{id}/categories", web::post().to(clients::add_category))
            .route("/status", web::get().to(status::own))
            .route("/clients/{id}/history", web::get().to(history::page))
            .route("/clients/{id}/months/{month}.{format}", web::get().to(crate::routes::exports::month_export))
            .route("/categories/{id}", web::post().to(clients::rename_category))
            .route("/categories/{id}/delete", web::post().to(clients::delete_category))
            .route("/categories/{id}/services", web::post().to(clients::add_service))
            .route("/services/{id}", web::get().to(clients::service_page))
            .route("/services/{id}", web::post().to(clients::save_service))
            .route("/services/{id}/delete", web::post().to(clients::delete_service)),
    );
}

async fn script() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/javascript; charset=utf-8")
        .insert_header((CACHE_CONTROL, "private, max-age=3600"))
        .body(SCRIPT)
}

/// An error shown as a page: what was wrong, in French, with its status;
/// for an internal error only that it failed (the cause goes to the log).
#[derive(Debug)]
pub struct PageError(ApiError);

impl From<ApiError> for PageError {
    fn from(error: ApiError) -> Self {
        Self(error)
    }
}

impl std::fmt::Display for PageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl ResponseError for PageError {
    fn status_code(&self) -> StatusCode {
        self.0.status_code()
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        if status.is_server_error() {
            tracing::error!(error = %self.0, "a Check du Matin page failed");
        }
        let content = html! {
            div.card {
                h1 { (if status == StatusCode::NOT_FOUND { "Introuvable" } else { "Action impossible" }) }
                (messages(&self.0))
                p { "Revenez à la page précédente pour corriger." }
            }
        };
        document(status, "Erreur", None, &content)
    }
}

pub type PageResult = Result<HttpResponse, PageError>;

/// The operator of a page: who the gateway says is signed in, or a page
/// saying why they may not be here.
pub struct Viewer(pub Operator);

impl FromRequest for Viewer {
    type Error = PageError;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(request: &HttpRequest, payload: &mut Payload) -> Self::Future {
        ready(Operator::from_request(request, payload).into_inner().map(Self).map_err(PageError))
    }
}

/// What a failed action says, field by field when it can.
fn messages(error: &ApiError) -> Markup {
    let shown: Vec<String> = if error.status_code().is_server_error() {
        vec!["Erreur interne ; réessayez.".to_owned()]
    } else if error.field_errors().is_empty() {
        vec![error.public_detail().to_owned()]
    } else {
        error.field_errors().iter().map(|FieldError { field, message }| format!("{field} : {message}")).collect()
    };
    html! {
        div.error role="alert" {
            @if let [only] = shown.as_slice() { (only) } @else { ul { @for line in &shown { li { (line) } } } }
        }
    }
}

/// Where the pages are, as the browser reaches them.
pub struct Links<'a>(&'a AppState);

impl Links<'_> {
    fn to(&self, path: &str) -> String {
        self.0.link(&format!("/ui{path}"))
    }
}

/// A whole page with the navigation bar.
fn layout(state: &AppState, operator: &Operator, title: &str, content: &Markup) -> HttpResponse {
    document(StatusCode::OK, title, Some((state, operator)), content)
}

fn document(status: StatusCode, title: &str, chrome: Option<(&AppState, &Operator)>, content: &Markup) -> HttpResponse {
    let markup = html! {
        (DOCTYPE)
        html lang="fr" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · Check du Matin" }
                style { (PreEscaped(STYLESHEET)) }
                @if let Some((state, _)) = chrome {
                    script src=(Links(state).to("/keys.js")) defer {}
                }
            }
            body {
                a.skip href="#main" { "Aller au contenu" }
                header {
                    span.brand { "Check du Matin" }
                    @if let Some((state, operator)) = chrome {
                        nav aria-label="Navigation" {
                            a href=(Links(state).to("/")) accesskey="d" { "Tableau de bord" }
                            a href=(Links(state).to("/clients")) accesskey="c" { "Clients" }
                            a href="/admin" { "Administration" }
                        }
                        span.who { (operator.name) }
                    }
                }
                main #main { (content) }
            }
        }
    };
    HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .insert_header((CACHE_CONTROL, "no-store"))
        .insert_header((CONTENT_SECURITY_POLICY, POLICY.as_str()))
        .body(markup.into_string())
}

/// After a form: back to a page (post, redirect, get).
fn see_other(location: String) -> HttpResponse {
    HttpResponse::SeeOther().insert_header((LOCATION, location)).finish()
}

/// A posted form's fields, in order.
pub struct Form(Vec<(String, String)>);

impl Form {
    fn parse(body: &[u8]) -> Result<Self, ApiError> {
        serde_urlencoded::from_bytes(body)
            .map(Self)
            .map_err(|error| ApiError::new(ErrorCode::BadRequest, format!("Malformed form: {error}")))
    }

    fn get(&self, name: &str) -> &str {
        self.0.iter().find(|(key, _)| key == name).map_or("", |(_, value)| value.as_str())
    }

    fn optional(&self, name: &str) -> Option<String> {
        Some(self.get(name).trim()).filter(|value| !value.is_empty()).map(str::to_owned)
    }

    /// A list typed one entry per line (or separated by commas).
    fn lines(&self, name: &str) -> Vec<String> {
        self.get(name)
            .split(['\n', ',', ';'])
            .map(str::trim)
            .filter(|line| !line.is_empty())
            .map(str::to_owned)
            .collect()
    }
}

/// A status as a coloured badge (the class carries the colour).
fn badge(status: CheckStatus) -> Markup {
    html! { span class={ "badge " (status.as_str()) } { (status.label()) } }
}

fn service_badge(status: ServiceStatus) -> Markup {
    html! { span class={ "badge " (status.as_str()) } { (status.label()) } }
}

/// A time in Europe/Paris, `08:42`.
fn local_time(state: &AppState, at: chrono::DateTime<chrono::Utc>) -> String {
    at.with_timezone(&state.scheduler.zone()).format("%H:%M").to_string()
}
