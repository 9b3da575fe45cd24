//! Client configuration pages: settings and mailing lists, logo,
//! categories and services with their probes.

use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, ResponseError, web};
use common::error::{ApiError, FieldError};
use common::http::upload::read_multipart;
use maud::{Markup, html};

use super::{Form, Links, PageResult, Viewer, document, layout, messages, see_other};
use crate::access::Operator;
use crate::domain::ProbeSpecDocument;
use crate::inputs::{CategoryInput, ClientInput, MailingLists, ServiceInput, category_label};
use crate::routes::clients::{
    ClientView, MAX_LOGO_BYTES, ServiceView, add_client, change_client, client_view, service_view, store_logo,
};
use crate::routes::services::{
    add_category as create_category, add_service as create_service, change_service, visible_category, visible_service,
};
use crate::routes::visible_client;
use crate::startup::AppState;

/// After a change: the client's page, saying it was saved.
fn back_to_client(state: &AppState, client_id: i64) -> HttpResponse {
    see_other(Links(state).to(&format!("/clients/{client_id}?saved=1")))
}

pub async fn list(state: web::Data<AppState>, Viewer(operator): Viewer) -> PageResult {
    let links = Links(&state);
    let clients: Vec<_> =
        state.store.clients().await?.into_iter().filter(|client| operator.may_see(&client.reference)).collect();
    let content = html! {
        div.toolbar {
            h1 { "Clients" }
            @if operator.is_admin() { a.button href=(links.to("/clients/new")) { "Nouveau client" } }
        }
        table {
            thead { tr { th { "Client" } th { "Référence" } th { "Heure du check" } th { "État" } th { "" } } }
            tbody {
                @for client in &clients {
                    tr {
                        td { a href=(links.to(&format!("/clients/{}", client.id))) { (client.label) } }
                        td { code { (client.reference) } }
                        td { (client.check_time()) }
                        td { @if client.active { "actif" } @else { "suspendu" } }
                        td { a href=(links.to(&format!("/clients/{}/history", client.id))) { "Historique" } }
                    }
                }
            }
        }
    };
    Ok(layout(&state, &operator, "Clients", &content))
}

/// The settings form's values: a client's, or what was typed.
#[derive(Default)]
struct ClientFields {
    reference: String,
    label: String,
    check_time: String,
    reminder_time: String,
    sender: String,
    active: bool,
    to: String,
    cc: String,
    reminder: String,
}

impl ClientFields {
    fn of(view: &ClientView) -> Self {
        Self {
            reference: view.reference.clone(),
            label: view.label.clone(),
            check_time: view.check_time.clone(),
            reminder_time: view.reminder_time.clone().unwrap_or_default(),
            sender: view.sender.clone().unwrap_or_default(),
            active: view.active,
            to: view.mailing.to.join("\n"),
            cc: view.mailing.cc.join("\n"),
            reminder: view.mailing.reminder.join("\n"),
        }
    }

    fn typed(form: &Form) -> Self {
        Self {
            reference: form.get("reference").to_owned(),
            label: form.get("label").to_owned(),
            check_time: form.get("check_time").to_owned(),
            reminder_time: form.get("reminder_time").to_owned(),
            sender: form.get("sender").to_owned(),
            active: form.get("active") == "on",
            to: form.get("to").to_owned(),
            cc: form.get("cc").to_owned(),
            reminder: form.get("reminder").to_owned(),
        }
    }
}

fn client_input(form: &Form) -> ClientInput {
    ClientInput {
        reference: form.get("reference").trim().to_owned(),
        label: form.get("label").to_owned(),
        check_time: form.get("check_time").to_owned(),
        reminder_time: form.optional("reminder_time"),
        sender: form.optional("sender"),
        report_template: None,
        active: form.get("active") == "on",
        mailing: Some(MailingLists { to: form.lines("to"), cc: form.lines("cc"), reminder: form.lines("reminder") }),
    }
}

fn client_form(action: &str, fields: &ClientFields, may_change_reference: bool) -> Markup {
    html! {
        form.card method="post" action=(action) {
            h2 { "Réglages" }
            div.grid {
                div {
                    label for="label" { "Nom du client" }
                    input #label type="text" name="label" value=(fields.label) required maxlength="120";
                }
                div {
                    label for="reference" { "Référence " span.hint { "(celle que citent les rôles des gestionnaires)" } }
                    input #reference type="text" name="reference" value=(fields.reference) required readonly[!may_change_reference];
                }
                div {
                    label for="check_time" { "Heure du check " span.hint { "(heure de Paris)" } }
                    input #check_time type="time" name="check_time" value=(fields.check_time) required;
                }
                div {
                    label for="reminder_time" { "Relance si le check est encore ouvert à" }
                    input #reminder_time type="time" name="reminder_time" value=(fields.reminder_time);
                }
                div {
                    label for="sender" { "Expéditeur des e-mails" }
                    input #sender type="email" name="sender" value=(fields.sender);
                }
            }
            label.check { input type="checkbox" name="active" checked[fields.active]; " Actif (un check est ouvert chaque jour ouvré)" }
            h2 { "Listes de diffusion " span.hint { "(une adresse par ligne)" } }
            div.grid {
                div { label for="to" { "Destinataires du rapport" } textarea #to name="to" { (fields.to) } }
                div { label for="cc" { "En copie" } textarea #cc name="cc" { (fields.cc) } }
                div { label for="reminder" { "Destinataires des relances" } textarea #reminder name="reminder" { (fields.reminder) } }
            }
            div.actions { button type="submit" { "Enregistrer" } }
        }
    }
}

pub async fn new(state: web::Data<AppState>, Viewer(operator): Viewer) -> PageResult {
    operator.require_admin()?;
    let fields = ClientFields { check_time: "08:30".to_owned(), active: true, ..ClientFields::default() };
    Ok(new_client_page(&state, &operator, &fields, None))
}

fn new_client_page(
    state: &AppState,
    operator: &Operator,
    fields: &ClientFields,
    problem: Option<&ApiError>,
) -> HttpResponse {
    let content = html! {
        h1 { "Nouveau client" }
        @if let Some(problem) = problem { (messages(problem)) }
        (client_form(&Links(state).to("/clients"), fields, true))
    };
    let status = problem.map_or(StatusCode::OK, ResponseError::status_code);
    document(status, "Nouveau client", Some((state, operator)), &content)
}

pub async fn create(state: web::Data<AppState>, Viewer(operator): Viewer, body: web::Bytes) -> PageResult {
    let form = Form::parse(&body)?;
    match add_client(&state, &operator, &client_input(&form)).await {
        Ok(client) => Ok(back_to_client(&state, client.id)),
        Err(error) => Ok(new_client_page(&state, &operator, &ClientFields::typed(&form), Some(&error))),
    }
}

#[derive(serde::Deserialize)]
pub struct Saved {
    saved: Option<String>,
}

pub async fn page(
    state: web::Data<AppState>,
    Viewer(operator): Viewer,
    id: web::Path<i64>,
    saved: web::Query<Saved>,
) -> PageResult {
    let client = visible_client(&state, &operator, *id).await?;
    let view = client_view(&state, client).await?;
    let notice = saved.saved.is_some().then_some("Enregistré.");
    Ok(client_page(&state, &operator, &view, &ClientFields::of(&view), notice, None))
}

fn client_page(
    state: &AppState,
    operator: &Operator,
    view: &ClientView,
    fields: &ClientFields,
    notice: Option<&str>,
    problem: Option<&ApiError>,
) -> HttpResponse {
    let links = Links(state);
    let base = format!("/clients/{}", view.id);
    let content = html! {
        div.toolbar {
            h1 { (view.label) }
            a.button.secondary href=(links.to(&format!("{base}/history"))) { "Historique" }
        }
        @if let Some(notice) = notice { div.notice role="status" { (notice) } }
        @if let Some(problem) = problem { (messages(problem)) }
        (client_form(&links.to(&base), fields, operator.is_admin()))
        form.card method="post" action=(links.to(&format!("{base}/logo"))) enctype="multipart/form-data" {
            h2 { "Logo" }
            @if view.logo_url.is_some() {
                img.logo src=(links.to(&format!("{base}/logo"))) alt={ "Logo de " (view.label) };
            } @else {
                p.hint { "Pas encore de logo : il figure en tête des rapports." }
            }
            label for="logo" { "Image PNG, JPEG ou GIF, 512 Kio au plus" }
            input #logo type="file" name="logo" accept="image/png,image/jpeg,image/gif" required;
            div.actions { button type="submit" { "Envoyer le logo" } }
        }
        div.card {
            h2 { "Catégories et services" }
            @for category in &view.categories {
                section.category {
                    h3 { (category.label) }
                    form.inline method="post" action=(links.to(&format!("/categories/{}", category.id))) {
                        label.hint for={ "category-" (category.id) } { "Renommer" }
                        input type="text" id={ "category-" (category.id) } name="label" value=(category.label) required;
                        input type="hidden" name="position" value=(category.position);
                        button.small.secondary type="submit" { "Renommer" }
                    }
                    form.inline method="post" action=(links.to(&format!("/categories/{}/delete", category.id))) {
                        button.small.danger type="submit" aria-label={ "Supprimer la catégorie " (category.label) } { "Supprimer la catégorie" }
                    }
                    table {
                        thead { tr { th { "Service" } th { "Sonde" } th { "" } } }
                        tbody {
                            @for service in &category.services {
                                tr {
                                    td { a href=(links.to(&format!("/services/{}", service.id))) { (service.label) } }
                                    td { (probe_summary(service)) }
                                    td {
                                        form.inline method="post" action=(links.to(&format!("/services/{}/delete", service.id))) {
                                            button.small.danger type="submit" aria-label={ "Supprimer " (service.label) } { "Supprimer" }
                                        }
                                    }
                                }
                            }
                        }
                    }
                    details {
                        summary { "Ajouter un service à " (category.label) }
                        (service_form(&links.to(&format!("/categories/{}/services", category.id)), &ServiceFormFields::default(), &format!("new-{}", category.id)))
                    }
                }
            }
            form method="post" action=(links.to(&format!("{base}/categories"))) {
                label for="new_category" { "Nouvelle catégorie" }
                input #new_category type="text" name="label" required placeholder="Sauvegardes, Réseau, Applications…";
                div.actions { button type="submit" { "Ajouter la catégorie" } }
            }
        }
        @if operator.is_admin() {
            form.card method="post" action=(links.to(&format!("{base}/delete"))) {
                h2 { "Supprimer le client" }
                p { "Supprime le client, sa configuration et tout son historique." }
                label.check { input type="checkbox" name="confirm" required; " Je confirme la suppression de " (view.label) }
                div.actions { button.danger type="submit" { "Supprimer définitivement" } }
            }
        }
    };
    let status = problem.map_or(StatusCode::OK, ResponseError::status_code);
    document(status, &view.label, Some((state, operator)), &content)
}

fn probe_summary(service: &ServiceView) -> Markup {
    html! {
        @match &service.probe {
            None => span.hint { "aucune (vérifié à la main)" },
            Some(ProbeSpecDocument::Http { url, .. }) => { "HTTP " code { (url) } },
            Some(ProbeSpecDocument::Tcp { host, port, .. }) => { "TCP " code { (host) ":" (port) } },
            Some(ProbeSpecDocument::Tls { host, port, warn_days, .. }) => { "Certificat TLS " code { (host) ":" (port) } " (attention sous " (warn_days) " jours)" },
            Some(ProbeSpecDocument::Dns { name, .. }) => { "DNS " code { (name) } },
            Some(ProbeSpecDocument::Heartbeat { period_secs, .. }) => {
                "Battement toutes les " (period_secs / 3600) " h"
                @if let Some(url) = &service.heartbeat_url { br; span.hint { "à appeler : " code { (url) } } }
            },
        }
    }
}

pub async fn save(
    state: web::Data<AppState>,
    Viewer(operator): Viewer,
    id: web::Path<i64>,
    body: web::Bytes,
) -> PageResult {
    let client = visible_client(&state, &operator, *id).await?;
    let form = Form::parse(&body)?;
    match change_client(&state, &operator, &client, &client_input(&form)).await {
        Ok(client) => Ok(back_to_client(&state, client.id)),
        Err(error) => {
            let view = client_view(&state, client).await?;
            Ok(client_page(&state, &operator, &view, &ClientFields::typed(&form), None, Some(&error)))
        }
    }
}

pub async fn delete(
    state: web::Data<AppState>,
    Viewer(operator): Viewer,
    id: web::Path<i64>,
    body: web::Bytes,
) -> PageResult {
    operator.require_admin()?;
    let client = visible_client(&state, &operator, *id).await?;
    if Form::parse(&body)?.get("confirm") != "on" {
        return Err(ApiError::validation(vec![FieldError::new("confirm", "cochez la case pour confirmer")]).into());
    }
    state.store.delete_client(client.id).await?;
    Ok(see_other(Links(&state).to("/clients")))
}

/// The logo from the page's file field, refused once the upload exceeds the limit.
pub async fn upload_logo(
    request: HttpRequest,
    state: web::Data<AppState>,
    Viewer(operator): Viewer,
    id: web::Path<i64>,
    multipart: Multipart,
) -> PageResult {
    let client = visible_client(&state, &operator, *id).await?;
    let parts = read_multipart(&request, multipart, MAX_LOGO_BYTES as u64, "the logo limit").await?;
    let Some(logo) = parts.into_iter().find(|part| part.name == "logo" && !part.bytes.is_empty()) else {
        return Err(ApiError::validation(vec![FieldError::new("logo", "choisissez une image")]).into());
    };
    store_logo(&state, client.id, &logo.bytes).await?;
    Ok(back_to_client(&state, client.id))
}

pub async fn add_category(
    state: web::Data<AppState>,
    Viewer(operator): Viewer,
    id: web::Path<i64>,
    body: web::Bytes,
) -> PageResult {
    let client = visible_client(&state, &operator, *id).await?;
    let form = Form::parse(&body)?;
    let input =
        CategoryInput { label: form.get("label").to_owned(), position: next_position(&state, client.id).await? };
    create_category(&state, client.id, &input).await?;
    Ok(back_to_client(&state, client.id))
}

/// New categories go last.
async fn next_position(state: &AppState, client_id: i64) -> Result<i32, ApiError> {
    Ok(state.store.categories(client_id).await?.iter().map(|category| category.position + 1).max().unwrap_or(0))
}

pub async fn rename_category(
    state: web::Data<AppState>,
    Viewer(operator): Viewer,
    id: web::Path<i64>,
    body: web::Bytes,
) -> PageResult {
    let category = visible_category(&state, &operator, *id).await?;
    let form = Form::parse(&body)?;
    let input = CategoryInput { label: form.get("label").to_owned(), position: category.position };
    state.store.update_category(category.id, &category_label(&input)?, input.position).await?;
    Ok(back_to_client(&state, category.client_id))
}

pub async fn delete_category(state: web::Data<AppState>, Viewer(operator): Viewer, id: web::Path<i64>) -> PageResult {
    let category = visible_category(&state, &operator, *id).await?;
    state.store.delete_category(category.id).await?;
    Ok(back_to_client(&state, category.client_id))
}

/// The service form's values, as strings: a service's, or what was typed.
#[derive(Default)]
struct ServiceFormFields {
    label: String,
    kind: String,
    url: String,
    keyword: String,
    expected_status: String,
    warn_latency_ms: String,
    host: String,
    port: String,
    warn_days: String,
    /// TLS: an internal authority, the chain is not checked.
    untrusted_ok: bool,
    name: String,
    expected_address: String,
    period_hours: String,
    grace_minutes: String,
}

impl ServiceFormFields {
    fn of(service: &ServiceView) -> Self {
        let mut fields = Self { label: service.label.clone(), ..Self::default() };
        let latency = |warn: &Option<u64>| warn.map(|ms| ms.to_string()).unwrap_or_default();
        match &service.probe {
            None => {}
            Some(ProbeSpecDocument::Http { url, expected_status, keyword, warn_latency_ms, .. }) => {
                fields.kind = "http".into();
                fields.url = url.clone();
                fields.keyword = keyword.clone().unwrap_or_default();
                fields.expected_status = expected_status.iter().map(u16::to_string).collect::<Vec<_>>().join(", ");
                fields.warn_latency_ms = latency(warn_latency_ms);
            }
            Some(ProbeSpecDocument::Tcp { host, port, warn_latency_ms }) => {
                fields.kind = "tcp".into();
                fields.host = host.clone();
                fields.port = port.to_string();
                fields.warn_latency_ms = latency(warn_latency_ms);
            }
            Some(ProbeSpecDocument::Tls { host, port, warn_days, verify_chain }) => {
                fields.kind = "tls".into();
                fields.host = host.clone();
                fields.port = port.to_string();
                fields.warn_days = warn_days.to_string();
                fields.untrusted_ok = !verify_chain;
            }
            Some(ProbeSpecDocument::Dns { name, expected_address }) => {
                fields.kind = "dns".into();
                fields.name = name.clone();
                fields.expected_address = expected_address.map(|address| address.to_string()).unwrap_or_default();
            }
            Some(ProbeSpecDocument::Heartbeat { period_secs, grace_secs }) => {
                fields.kind = "heartbeat".into();
                fields.period_hours = (period_secs / 3600).to_string();
                fields.grace_minutes = (grace_secs / 60).to_string();
            }
        }
        fields
    }

    fn typed(form: &Form) -> Self {
        let get = |name: &str| form.get(name).to_owned();
        Self {
            label: get("label"),
            kind: get("kind"),
            url: get("url"),
            keyword: get("keyword"),
            expected_status: get("expected_status"),
            warn_latency_ms: get("warn_latency_ms"),
            host: get("host"),
            port: get("port"),
            warn_days: get("warn_days"),
            untrusted_ok: form.get("untrusted_ok") == "on",
            name: get("name"),
            expected_address: get("expected_address"),
            period_hours: get("period_hours"),
            grace_minutes: get("grace_minutes"),
        }
    }

    /// The service as the API takes it; unreadable numbers are reported
    /// by field.
    fn input(&self, position: i32) -> Result<ServiceInput, ApiError> {
        let mut errors = Vec::new();
        let mut number = |name: &str, value: &str| -> Option<u64> {
            let value = value.trim();
            if value.is_empty() {
                return None;
            }
            value.parse().map_err(|_| errors.push(FieldError::new(name, "doit être un nombre entier"))).ok()
        };
        let latency = number("warn_latency_ms", &self.warn_latency_ms);
        let port = number("port", &self.port);
        let warn_days = number("warn_days", &self.warn_days);
        let period = number("period_hours", &self.period_hours);
        let grace = number("grace_minutes", &self.grace_minutes);
        let statuses: Vec<u16> = self
            .expected_status
            .split([',', ' '])
            .filter(|status| !status.is_empty())
            .filter_map(|status| {
                status
                    .parse()
                    .map_err(|_| errors.push(FieldError::new("expected_status", "codes HTTP séparés par des virgules")))
                    .ok()
            })
            .collect();
        let port_or = |default: u16| port.map_or(Ok(default), u16::try_from);
        let probe = match self.kind.as_str() {
            "" => None,
            "http" => Some(ProbeSpecDocument::Http {
                url: self.url.trim().to_owned(),
                expected_status: statuses,
                keyword: Some(self.keyword.trim().to_owned()).filter(|keyword| !keyword.is_empty()),
                json_pointer: None,
                json_equals: None,
                warn_latency_ms: latency,
            }),
            "tcp" => Some(ProbeSpecDocument::Tcp {
                host: self.host.trim().to_owned(),
                port: port_or(0).unwrap_or(0),
                warn_latency_ms: latency,
            }),
            "tls" => Some(ProbeSpecDocument::Tls {
                host: self.host.trim().to_owned(),
                port: port_or(443).unwrap_or(0),
                warn_days: warn_days.unwrap_or(crate::domain::DEFAULT_TLS_WARN_DAYS),
                verify_chain: !self.untrusted_ok,
            }),
            "dns" => Some(ProbeSpecDocument::Dns {
                name: self.name.trim().to_owned(),
                expected_address: match self.expected_address.trim() {
                    "" => None,
                    address => address
                        .parse()
                        .map_err(|_| errors.push(FieldError::new("expected_address", "adresse IP attendue")))
                        .ok(),
                },
            }),
            "heartbeat" => Some(ProbeSpecDocument::Heartbeat {
                period_secs: period.unwrap_or(24) * 3600,
                grace_secs: grace.unwrap_or(0) * 60,
            }),
            _ => {
                errors.push(FieldError::new("kind", "type de sonde inconnu"));
                None
            }
        };
        if errors.is_empty() {
            Ok(ServiceInput { label: self.label.clone(), position, probe })
        } else {
            Err(ApiError::validation(errors))
        }
    }
}

fn service_form(action: &str, fields: &ServiceFormFields, id: &str) -> Markup {
    let input = |name: &str, label: &str, value: &str, kind: &str| {
        let field_id = format!("{name}-{id}");
        html! {
            div {
                label for=(field_id) { (label) }
                input type=(kind) id=(field_id) name=(name) value=(value);
            }
        }
    };
    html! {
        form.service-form method="post" action=(action) {
            div.grid {
                div {
                    label for={ "label-" (id) } { "Nom du service" }
                    input type="text" id={ "label-" (id) } name="label" value=(fields.label) required;
                }
                div {
                    label for={ "kind-" (id) } { "Sonde" }
                    select id={ "kind-" (id) } name="kind" {
                        @for (value, label) in [("", "Aucune (vérifié à la main)"), ("http", "HTTP(S)"), ("tcp", "Port TCP"), ("tls", "Certificat TLS (jours restants)"), ("dns", "Résolution DNS"), ("heartbeat", "Battement (tâche qui appelle une URL)")] {
                            option value=(value) selected[fields.kind == value] { (label) }
                        }
                    }
                }
            }
            fieldset {
                legend { "Paramètres de la sonde " span.hint { "(selon son type)" } }
                div.grid {
                    (input("url", "URL (HTTP)", &fields.url, "url"))
                    (input("keyword", "Mot attendu dans la réponse (HTTP)", &fields.keyword, "text"))
                    (input("expected_status", "Codes attendus (HTTP, défaut 2xx)", &fields.expected_status, "text"))
                    (input("warn_latency_ms", "Attention au-delà de (ms)", &fields.warn_latency_ms, "number"))
                    (input("host", "Hôte (TCP, TLS)", &fields.host, "text"))
                    (input("port", "Port (TCP, TLS : 443)", &fields.port, "number"))
                    (input("warn_days", "Attention sous (jours, TLS : 14)", &fields.warn_days, "number"))
                    div {
                        label.check {
                            input type="checkbox" name="untrusted_ok" checked[fields.untrusted_ok];
                            " Autorité interne : ne pas vérifier la chaîne (TLS)"
                        }
                    }
                    (input("name", "Nom à résoudre (DNS)", &fields.name, "text"))
                    (input("expected_address", "Adresse attendue (DNS)", &fields.expected_address, "text"))
                    (input("period_hours", "Période (heures, battement)", &fields.period_hours, "number"))
                    (input("grace_minutes", "Tolérance (minutes, battement)", &fields.grace_minutes, "number"))
                }
            }
            div.actions { button type="submit" { "Enregistrer le service" } }
        }
    }
}

pub async fn add_service(
    state: web::Data<AppState>,
    Viewer(operator): Viewer,
    id: web::Path<i64>,
    body: web::Bytes,
) -> PageResult {
    let category = visible_category(&state, &operator, *id).await?;
    let fields = ServiceFormFields::typed(&Form::parse(&body)?);
    let position = state
        .store
        .services(category.client_id)
        .await?
        .iter()
        .filter(|service| service.category_id == category.id)
        .count();
    let created = match fields.input(i32::try_from(position).unwrap_or(i32::MAX)) {
        Ok(input) => create_service(&state, &operator, &category, &input).await,
        Err(error) => Err(error),
    };
    match created {
        Ok(_) => Ok(back_to_client(&state, category.client_id)),
        Err(error) => {
            let action = Links(&state).to(&format!("/categories/{}/services", category.id));
            Ok(service_page_of(&state, &operator, "Nouveau service", &action, &fields, Some(&error)))
        }
    }
}

fn service_page_of(
    state: &AppState,
    operator: &Operator,
    title: &str,
    action: &str,
    fields: &ServiceFormFields,
    problem: Option<&ApiError>,
) -> HttpResponse {
    let content = html! {
        h1 { (title) }
        @if let Some(problem) = problem { (messages(problem)) }
        div.card { (service_form(action, fields, "service")) }
    };
    let status = problem.map_or(StatusCode::OK, ResponseError::status_code);
    document(status, title, Some((state, operator)), &content)
}

pub async fn service_page(state: web::Data<AppState>, Viewer(operator): Viewer, id: web::Path<i64>) -> PageResult {
    let service = service_view(&state, &visible_service(&state, &operator, *id).await?);
    let action = Links(&state).to(&format!("/services/{}", service.id));
    let title = format!("Service {}", service.label);
    Ok(service_page_of(&state, &operator, &title, &action, &ServiceFormFields::of(&service), None))
}

pub async fn save_service(
    state: web::Data<AppState>,
    Viewer(operator): Viewer,
    id: web::Path<i64>,
    body: web::Bytes,
) -> PageResult {
    let service = visible_service(&state, &operator, *id).await?;
    let fields = ServiceFormFields::typed(&Form::parse(&body)?);
    let saved = match fields.input(service.position) {
        Ok(input) => change_service(&state, &operator, &service, &input).await,
        Err(error) => Err(error),
    };
    match saved {
        Ok(()) => Ok(back_to_client(&state, service.client_id)),
        Err(error) => {
            let action = Links(&state).to(&format!("/services/{}", service.id));
            let title = format!("Service {}", service.label);
            Ok(service_page_of(&state, &operator, &title, &action, &fields, Some(&error)))
        }
    }
}

pub async fn delete_service(state: web::Data<AppState>, Viewer(operator): Viewer, id: web::Path<i64>) -> PageResult {
    let service = visible_service(&state, &operator, *id).await?;
    state.store.delete_service(service.id).await?;
    Ok(back_to_client(&state, service.client_id))
}
