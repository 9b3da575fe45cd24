//! The check page: one row per service, grouped by category, with its
//! status, comment and intervenant; saved in one go, then finished, which
//! sends the morning report. Keyboard first: Tab moves between fields, the
//! arrows between a row's statuses, and `keys.js` adds one-key statuses.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError, web};
use common::error::ApiError;
use maud::{Markup, html};
use serde::Deserialize;

use super::{
    Form, Links, PageResult, Viewer, badge, document, french_date, local_time, messages, see_other, service_badge,
};
use crate::access::Operator;
use crate::domain::ServiceStatus;
use crate::notifications::by_category;
use crate::routes::checks::{
    ServiceCheckInput, checked_notes, finish, resend, save_service_check, service_check_update, visible_check,
};
use crate::startup::AppState;
use crate::store::{CheckRow, ServiceCheckRow, ServiceCheckUpdate};

#[derive(Deserialize)]
pub struct Outcome {
    saved: Option<String>,
}

pub async fn page(
    state: web::Data<AppState>,
    Viewer(operator): Viewer,
    id: web::Path<i64>,
    outcome: web::Query<Outcome>,
) -> PageResult {
    let check = visible_check(&state, &operator, *id).await?;
    let services = state.store.service_checks(check.id).await?;
    let notice = match outcome.saved.as_deref() {
        Some("finished") => Some("Check terminé : le rapport part vers la liste de diffusion du client."),
        Some("resent") => Some("Le rapport repart vers la liste de diffusion du client."),
        Some(_) => Some("Enregistré."),
        None => None,
    };
    let view = CheckPage { state: &state, check: &check, services: &services, typed: None };
    Ok(view.render(&operator, StatusCode::OK, notice, None))
}

pub async fn save(
    state: web::Data<AppState>,
    Viewer(operator): Viewer,
    id: web::Path<i64>,
    body: web::Bytes,
) -> PageResult {
    let check = visible_check(&state, &operator, *id).await?;
    let form = Form::parse(&body)?;
    let link = Links(&state).to(&format!("/checks/{}", check.id));
    if form.get("action") == "resend" {
        resend(&state, &check)?;
        return Ok(see_other(format!("{link}?saved=resent")));
    }
    let services = state.store.service_checks(check.id).await?;
    let view = CheckPage { state: &state, check: &check, services: &services, typed: Some(&form) };
    let Changes { updates, notes } = match verdicts(&services, &form) {
        Ok(changes) => changes,
        Err(error) => return Ok(view.render(&operator, error.status_code(), None, Some(&error))),
    };
    for (service_check_id, update) in &updates {
        save_service_check(&state, &operator, &check, *service_check_id, update).await?;
    }
    if notes.as_deref() != check.notes.as_deref() {
        state.store.set_notes(check.id, notes.as_deref()).await?;
    }
    if form.get("action") != "finish" {
        return Ok(see_other(format!("{link}?saved=1#main")));
    }
    match finish(&state, &operator, &check).await {
        Ok(_) => Ok(see_other(format!("{link}?saved=finished"))),
        Err(error) => {
            let services = state.store.service_checks(check.id).await?;
            let view = CheckPage { state: &state, check: &check, services: &services, typed: None };
            Ok(view.render(&operator, error.status_code(), None, Some(&error)))
        }
    }
}

/// What a posted check page changes: the verdicts that differ from the
/// stored ones (by service check id), and the notes.
struct Changes {
    updates: Vec<(i64, ServiceCheckUpdate)>,
    notes: Option<String>,
}

/// Nothing is kept unless every field is valid.
fn verdicts(services: &[ServiceCheckRow], form: &Form) -> Result<Changes, ApiError> {
    let mut updates = Vec::new();
    for service in services {
        let status = ServiceStatus::parse(form.get(&field("status", service.id))).unwrap_or(service.status);
        let input = ServiceCheckInput {
            status,
            comment: form.optional(&field("comment", service.id)),
            intervenant: form.optional(&field("intervenant", service.id)),
        };
        let update = service_check_update(&input).map_err(|error| labelled(error, &service.service_label))?;
        let unchanged = update.status == service.status
            && update.comment == service.comment
            && update.intervenant == service.intervenant;
        if !unchanged {
            updates.push((service.id, update));
        }
    }
    let notes = checked_notes(form.optional("notes").as_deref())?.map(str::to_owned);
    Ok(Changes { updates, notes })
}

/// A service's field problems, named after the service.
fn labelled(error: ApiError, service: &str) -> ApiError {
    let fields = error
        .field_errors()
        .iter()
        .map(|problem| {
            common::error::FieldError::new(&format!("{service}, {}", problem.field), problem.message.clone())
        })
        .collect();
    ApiError::validation(fields)
}

fn field(name: &str, service_check_id: i64) -> String {
    format!("{name}-{service_check_id}")
}

struct CheckPage<'a> {
    state: &'a AppState,
    check: &'a CheckRow,
    services: &'a [ServiceCheckRow],
    /// What the operator typed, shown again when it was refused.
    typed: Option<&'a Form>,
}

impl CheckPage<'_> {
    fn typed_or(&self, name: &str, stored: Option<&str>) -> String {
        match self.typed {
            Some(form) => form.get(name).to_owned(),
            None => stored.unwrap_or_default().to_owned(),
        }
    }

    fn render(
        &self,
        operator: &Operator,
        status: StatusCode,
        notice: Option<&str>,
        problem: Option<&ApiError>,
    ) -> HttpResponse {
        let check = self.check;
        let links = Links(self.state);
        let open = !check.status.is_finished();
        let title = format!("{} — {}", check.client_label, french_date(check.check_date));
        let content = html! {
            div.toolbar {
                h1 { (title) " " (badge(check.status)) }
                a.button.secondary href=(links.to(&format!("/clients/{}/history", check.client_id))) { "Historique" }
                @for (format, label) in [("pdf", "PDF"), ("png", "PNG"), ("xlsx", "Excel")] {
                    a.button.secondary href=(links.to(&format!("/checks/{}/export.{format}", check.id))) download { "Exporter en " (label) }
                }
            }
            @if let Some(notice) = notice { div.notice role="status" { (notice) } }
            @if let Some(problem) = problem { (messages(problem)) }
            @if open {
                p.keys #shortcuts {
                    "Raccourcis : " kbd { "o" } " OK · " kbd { "a" } " attention · " kbd { "k" } " KO · "
                    kbd { "v" } " à vérifier (puis service suivant) · " kbd { "Tab" } " champ suivant · "
                    kbd { "Ctrl" } "+" kbd { "Entrée" } " enregistrer"
                }
                form #check method="post" action=(links.to(&format!("/checks/{}", check.id))) {
                    (self.categories(true))
                    (self.notes(true))
                    div.actions {
                        button type="submit" name="action" value="save" { "Enregistrer" }
                        button type="submit" name="action" value="finish" { "Terminer et envoyer le rapport" }
                    }
                }
            } @else {
                p {
                    "Terminé à " (check.finished_at.map(|at| local_time(self.state, at)).unwrap_or_default())
                    @if let Some(by) = &check.finished_by { " par " (by) }
                    "."
                }
                form.report method="post" action=(links.to(&format!("/checks/{}", check.id))) {
                    @if let Some(error) = &check.email_error {
                        div.error role="alert" { "Rapport non envoyé : " (error) }
                    } @else if let Some(at) = check.email_sent_at {
                        p { "Rapport envoyé à " (local_time(self.state, at)) "." }
                    } @else {
                        p { "Rapport en cours d'envoi." }
                    }
                    button.secondary type="submit" name="action" value="resend" { "Renvoyer le rapport" }
                }
                (self.categories(false))
                (self.notes(false))
            }
        };
        document(status, &title, Some((self.state, operator)), &content)
    }

    fn categories(&self, editable: bool) -> Markup {
        html! {
            @for category in by_category(self.services) {
                fieldset.category {
                    legend { (category.label) " " (service_badge(category.status)) }
                    @for service in &category.services { (self.service_row(service, editable)) }
                }
            }
        }
    }

    fn service_row(&self, service: &ServiceCheckRow, editable: bool) -> Markup {
        let status_name = field("status", service.id);
        let chosen = self.typed.and_then(|form| ServiceStatus::parse(form.get(&status_name))).unwrap_or(service.status);
        let comment_name = field("comment", service.id);
        let intervenant_name = field("intervenant", service.id);
        html! {
            div.service data-service=(service.id) {
                div.name {
                    (service.service_label)
                    @if let Some(detail) = &service.probe_detail {
                        span.probe {
                            @if service.status_source.as_deref() == Some("probe") { "Sonde : " } @else { "Dernière sonde : " }
                            (detail)
                        }
                    }
                    @if let (Some(by), Some(at)) = (&service.updated_by, service.updated_at) {
                        span.probe { "Vu par " (by) " à " (local_time(self.state, at)) }
                    }
                }
                @if editable {
                    fieldset.choices {
                        legend.hint { "État de " (service.service_label) }
                        @for status in [ServiceStatus::Success, ServiceStatus::Warning, ServiceStatus::Error, ServiceStatus::Pending] {
                            label class=(status.as_str()) {
                                input type="radio" name=(status_name) value=(status.as_str()) checked[status == chosen];
                                span { (status.label()) }
                            }
                        }
                    }
                    div {
                        label.hint for=(comment_name) { "Commentaire" }
                        input type="text" id=(comment_name) name=(comment_name) maxlength="2000"
                            value=(self.typed_or(&comment_name, service.comment.as_deref()));
                    }
                    div {
                        label.hint for=(intervenant_name) { "Intervenant (e-mail)" }
                        input type="email" id=(intervenant_name) name=(intervenant_name)
                            value=(self.typed_or(&intervenant_name, service.intervenant.as_deref()));
                    }
                } @else {
                    div { (service_badge(service.status)) }
                    div { (service.comment.as_deref().unwrap_or("")) }
                    div { (service.intervenant.as_deref().unwrap_or("")) }
                }
            }
        }
    }

    fn notes(&self, editable: bool) -> Markup {
        html! {
            @if editable {
                div.card {
                    label for="notes" { "Notes du check" }
                    textarea #notes name="notes" maxlength="10000" { (self.typed_or("notes", self.check.notes.as_deref())) }
                }
            } @else if let Some(notes) = &self.check.notes {
                div.card {
                    h2 { "Notes" }
                    p { (notes) }
                }
            }
        }
    }
}
