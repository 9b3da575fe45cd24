//! A client's status page: what its own people read, signed in with the
//! `client` role (`/ui/status`) or without an account through the
//! unguessable link an operator made (`POST /api/clients/{id}/status-link`)
//! and the morning report points to: the last finished check, the last 30
//! days, the availability of each probed service.

use actix_web::http::StatusCode;
use actix_web::web;
use chrono::{Duration, Utc};
use common::error::{ApiError, ErrorCode};
use maud::html;

use super::{PageError, PageResult, badge, document, french_date, service_badge};
use crate::access::ClientReader;
use crate::notifications::by_category;
use crate::startup::AppState;
use crate::store::ClientRow;

const DAYS_SHOWN: i64 = 30;

/// `99,8 %`, or what stands for no measure.
fn availability(runs: i64, failures: i64) -> String {
    if runs == 0 {
        return "pas encore de mesure".to_owned();
    }
    let share = 100.0 * (runs - failures) as f64 / runs as f64;
    format!("{share:.1} %").replace('.', ",")
}

/// The page of a public link.
pub async fn public(state: web::Data<AppState>, token: web::Path<String>) -> PageResult {
    let closed = || PageError::from(ApiError::new(ErrorCode::NotFound, "Ce lien n'existe pas ou a été fermé."));
    let client = state.store.client_by_status_token(&token).await?.ok_or_else(closed)?;
    page(&state, client).await
}

/// The page of a signed-in client's own person.
pub async fn own(state: web::Data<AppState>, reader: Result<ClientReader, ApiError>) -> PageResult {
    let reader = reader?;
    let missing = || PageError::from(ApiError::new(ErrorCode::NotFound, "Votre client n'est pas suivi ici."));
    let client = state.store.client_by_reference(&reader.reference).await?.ok_or_else(missing)?;
    page(&state, client).await
}

async fn page(state: &AppState, client: ClientRow) -> PageResult {
    let today = state.scheduler.today(Utc::now());
    let from = today - Duration::days(DAYS_SHOWN - 1);
    let checks = state.store.client_checks(client.id, from, today).await?;
    let latest = checks.iter().rev().find(|check| check.status.is_finished());
    let services = match latest {
        Some(check) => state.store.service_checks(check.id).await?,
        None => Vec::new(),
    };
    let mut probed = Vec::new();
    for service in state.store.services(client.id).await?.into_iter().filter(|service| service.probe.is_some()) {
        let days = state.store.probe_days(service.id, from, today).await?;
        let runs = days.iter().map(|day| day.runs).sum::<i64>();
        let failures = days.iter().map(|day| day.failures).sum::<i64>();
        probed.push((service.label, runs, availability(runs, failures)));
    }
    let finished: Vec<_> = checks.iter().filter(|check| check.status.is_finished()).collect();
    let content = html! {
        h1 { (client.label) }
        p.hint { "L'état de vos services, vérifié chaque matin par l'équipe d'exploitation." }
        div.card {
            @match latest {
                Some(check) => {
                    h2 { "Check du " (french_date(check.check_date)) " " (badge(check.status)) }
                    @for category in by_category(&services) {
                        h3 { (category.label) " " (service_badge(category.status)) }
                        table {
                            thead { tr { th { "Service" } th { "État" } th { "Commentaire" } } }
                            tbody {
                                @for service in &category.services {
                                    tr {
                                        td { (service.service_label) }
                                        td { (service_badge(service.status)) }
                                        td { (service.comment.as_deref().unwrap_or("")) }
                                    }
                                }
                            }
                        }
                    }
                }
                None => { p { "Aucun check terminé ces " (DAYS_SHOWN) " derniers jours." } }
            }
        }
        div.card {
            h2 { "Les " (DAYS_SHOWN) " derniers jours" }
            @if finished.is_empty() {
                p.hint { "Aucun check terminé sur la période." }
            } @else {
                div.strip role="list" aria-label="Résultat des checks par jour" {
                    @for check in &finished {
                        span class=(check.status.as_str()) role="listitem"
                            title={ (check.check_date.format("%d/%m/%Y")) " : " (check.status.label()) }
                            aria-label={ (check.check_date.format("%d/%m/%Y")) " : " (check.status.label()) } {}
                    }
                }
            }
        }
        @if !probed.is_empty() {
            div.card {
                h2 { "Disponibilité mesurée par les sondes (" (DAYS_SHOWN) " jours)" }
                table {
                    thead { tr { th { "Service" } th { "Disponibilité" } th { "Mesures" } } }
                    tbody {
                        @for (label, runs, share) in &probed {
                            tr { td { (label) } td { (share) } td.number { (runs) } }
                        }
                    }
                }
            }
        }
    };
    Ok(document(StatusCode::OK, &client.label, None, &content))
}
