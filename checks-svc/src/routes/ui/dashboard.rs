//! Today's checks across the operator's clients, worst first among the
//! finished ones, the ones still to do on top.

use actix_web::web;
use chrono::{Duration, Utc};
use maud::html;

use super::{Links, PageResult, Viewer, badge, french_date, layout, local_time};
use crate::domain::CheckStatus;
use crate::routes::checks::{CheckSummary, DayQuery, visible_summaries};
use crate::startup::AppState;

/// Still to do first, then the worst outcomes, then by client.
fn urgency(status: CheckStatus) -> u8 {
    match status {
        CheckStatus::Pending => 0,
        CheckStatus::InProgress => 1,
        CheckStatus::Error => 2,
        CheckStatus::Warning => 3,
        CheckStatus::Success => 4,
    }
}

pub async fn page(state: web::Data<AppState>, Viewer(operator): Viewer, query: web::Query<DayQuery>) -> PageResult {
    let today = state.scheduler.today(Utc::now());
    let day = query.date.unwrap_or(today);
    let mut checks = visible_summaries(&state, &operator, day).await?;
    checks.sort_by(|a, b| urgency(a.status).cmp(&urgency(b.status)).then_with(|| a.client_label.cmp(&b.client_label)));
    let count = |wanted: &[CheckStatus]| checks.iter().filter(|check| wanted.contains(&check.status)).count();
    let links = Links(&state);
    let day_link = |offset: i64| links.to(&format!("/?date={}", day + Duration::days(offset)));
    let content = html! {
        div.toolbar {
            h1 { "Checks du " (french_date(day)) }
            a.button.secondary href=(day_link(-1)) rel="prev" { "← Jour précédent" }
            @if day != today { a.button.secondary href=(links.to("/")) { "Aujourd'hui" } }
            a.button.secondary href=(day_link(1)) rel="next" { "Jour suivant →" }
        }
        div.totals {
            div { "À faire" strong { (count(&[CheckStatus::Pending, CheckStatus::InProgress])) } }
            div.success { "OK" strong { (count(&[CheckStatus::Success])) } }
            div.warning { "Attention" strong { (count(&[CheckStatus::Warning])) } }
            div.error { "KO" strong { (count(&[CheckStatus::Error])) } }
        }
        @if checks.is_empty() {
            div.card { p { "Aucun check ce jour-là : week-end, jour férié, ou l'heure des checks n'est pas encore passée." } }
        } @else {
            table #checks {
                thead { tr { th { "Client" } th { "État" } th { "Services" } th { "Terminé" } th { "Rapport envoyé" } } }
                tbody {
                    @for check in &checks { (row(&state, &links, check)) }
                }
            }
        }
    };
    Ok(layout(&state, &operator, "Tableau de bord", &content))
}

fn row(state: &AppState, links: &Links<'_>, check: &CheckSummary) -> maud::Markup {
    let counts = &check.counts;
    let total = (counts.pending + counts.success + counts.warning + counts.error).max(1) as f64;
    // The bar is drawn in SVG: its sizes are attributes, which the page's
    // policy allows, where inline styles it does not.
    let mut segments = Vec::new();
    let mut start = 0.0;
    for (class, part) in
        [("success", counts.success), ("warning", counts.warning), ("error", counts.error), ("pending", counts.pending)]
    {
        let width = part as f64 * 100.0 / total;
        if width > 0.0 {
            segments.push((class, format!("{start:.2}"), format!("{width:.2}")));
        }
        start += width;
    }
    html! {
        tr class={ "row-" (check.status.as_str()) } {
            td { a href=(links.to(&format!("/checks/{}", check.id))) { (check.client_label) } }
            td { (badge(check.status)) }
            td {
                (counts.success) " OK · " (counts.warning) " attention · " (counts.error) " KO · " (counts.pending) " à vérifier"
                svg.bar viewBox="0 0 100 8" preserveAspectRatio="none" aria-hidden="true" {
                    @for (class, x, width) in &segments { rect class=(class) x=(x) y="0" width=(width) height="8" {} }
                }
            }
            td data-label="Terminé" { @if let Some(at) = check.finished_at { (local_time(state, at)) } @else { "—" } }
            td data-label="Rapport envoyé" { @if let Some(at) = check.email_sent_at { (local_time(state, at)) } @else { "—" } }
        }
    }
}
