//! A client's history: one square per working day in the outcome's colour,
//! and per probed service a chart of its daily latency (average and
//! worst) with the days it failed marked. Charts are SVG drawn here.

use actix_web::web;
use chrono::Datelike as _;
use maud::{Markup, html};

use super::{Links, PageResult, Viewer, french_date, layout};
use crate::domain::CheckStatus;
use crate::routes::checks::{HistoryQuery, ServiceHistory, client_history, history_range};
use crate::routes::visible_client;
use crate::startup::AppState;

const WIDTH: f64 = 720.0;
const HEIGHT: f64 = 180.0;
const LEFT: f64 = 48.0;
const BOTTOM: f64 = 24.0;

pub async fn page(
    state: web::Data<AppState>,
    Viewer(operator): Viewer,
    id: web::Path<i64>,
    query: web::Query<HistoryQuery>,
) -> PageResult {
    let client = visible_client(&state, &operator, *id).await?;
    let (from, to) = history_range(&state, &query)?;
    let history = client_history(&state, client.id, from, to).await?;
    let links = Links(&state);
    // `to`'s month and the one before: the months an operator sends.
    let this_month = to.with_day(1).unwrap_or(to);
    let content = html! {
        div.toolbar {
            h1 { "Historique de " (client.label) }
            a.button.secondary href=(links.to(&format!("/clients/{}", client.id))) { "Configuration" }
        }
        p { "Du " (french_date(from)) " au " (french_date(to)) "." }
        p.actions {
            @for month in [this_month, this_month - chrono::Months::new(1)] {
                @for (format, label) in [("pdf", "PDF"), ("xlsx", "Excel")] {
                    a.button.secondary href=(links.to(&format!("/clients/{}/months/{}.{format}", client.id, month.format("%Y-%m")))) download {
                        (crate::calendar::french_month(month)) " en " (label)
                    }
                }
            }
        }
        div.card {
            h2 { "Checks par jour" }
            @if history.days.is_empty() {
                p.hint { "Aucun check sur la période." }
            } @else {
                div.strip role="list" aria-label="Résultat des checks par jour" {
                    @for day in &history.days {
                        span class=(day.status.as_str()) role="listitem"
                            title={ (day.date.format("%d/%m/%Y")) " : " (day.status.label()) }
                            aria-label={ (day.date.format("%d/%m/%Y")) " : " (day.status.label()) } {}
                    }
                }
                p.hint {
                    (history.days.iter().filter(|day| day.status == CheckStatus::Success).count()) " OK, "
                    (history.days.iter().filter(|day| day.status == CheckStatus::Warning).count()) " attention, "
                    (history.days.iter().filter(|day| day.status == CheckStatus::Error).count()) " KO sur "
                    (history.days.len()) " jours."
                }
            }
        }
        @for service in &history.services {
            div.card { (latency_chart(service)) }
        }
    };
    Ok(layout(&state, &operator, &format!("Historique de {}", client.label), &content))
}

fn latency_chart(service: &ServiceHistory) -> Markup {
    let days = &service.days;
    let worst = days.iter().filter_map(|day| day.latency_max_ms.or(day.latency_avg_ms)).fold(1.0_f64, f64::max);
    let scale = nice_ceiling(worst);
    let step = if days.len() > 1 { (WIDTH - LEFT - 8.0) / (days.len() - 1) as f64 } else { 0.0 };
    let x = |index: usize| LEFT + step * index as f64;
    let y = |ms: f64| (HEIGHT - BOTTOM) - (ms / scale) * (HEIGHT - BOTTOM - 10.0);
    let line = |pick: fn(&crate::routes::checks::ProbeDayView) -> Option<f64>| -> String {
        days.iter()
            .enumerate()
            .filter_map(|(index, day)| pick(day).map(|ms| format!("{:.1},{:.1}", x(index), y(ms))))
            .collect::<Vec<_>>()
            .join(" ")
    };
    let runs: i64 = days.iter().map(|day| day.runs).sum();
    let failures: i64 = days.iter().map(|day| day.failures).sum();
    html! {
        h2 { (service.label) }
        @if days.is_empty() {
            p.hint { "Pas encore de mesure sur la période." }
        } @else {
            p.legend { span.avg { "— latence moyenne" } span.max { "- - latence maximale" } span { "● jour avec échec" } }
            svg.chart viewBox={ "0 0 " (WIDTH) " " (HEIGHT) } role="img"
                aria-label={ "Latence de " (service.label) " par jour, jusqu'à " (scale) " ms" } {
                line.axis x1=(LEFT) y1=(HEIGHT - BOTTOM) x2=(WIDTH) y2=(HEIGHT - BOTTOM) {}
                line.axis x1=(LEFT) y1="6" x2=(LEFT) y2=(HEIGHT - BOTTOM) {}
                text x="4" y="14" { (scale) " ms" }
                text x="4" y=(HEIGHT - BOTTOM) { "0" }
                text x=(LEFT) y=(HEIGHT - 6.0) { (days[0].date.format("%d/%m")) }
                text x=(WIDTH - 40.0) y=(HEIGHT - 6.0) { (days[days.len() - 1].date.format("%d/%m")) }
                polyline.max points=(line(|day| day.latency_max_ms)) {}
                polyline.avg points=(line(|day| day.latency_avg_ms)) {}
                @for (index, day) in days.iter().enumerate().filter(|(_, day)| day.failures > 0) {
                    circle.failure cx=(format!("{:.1}", x(index))) cy=(HEIGHT - BOTTOM) r="4" {
                        title { (day.date.format("%d/%m")) " : " (day.failures) " échec(s) sur " (day.runs) }
                    }
                }
            }
            p.hint { (runs) " mesures, " (failures) " échec(s) ; disponibilité "
                (format!("{:.2}", if runs > 0 { 100.0 * (runs - failures) as f64 / runs as f64 } else { 0.0 })) " %." }
        }
    }
}

/// The chart's top: 1, 2 or 5 times a power of ten, at least `value`.
fn nice_ceiling(value: f64) -> f64 {
    let magnitude = 10f64.powf(value.log10().floor());
    [1.0, 2.0, 5.0, 10.0].into_iter().map(|factor| factor * magnitude).find(|top| *top >= value).unwrap_or(value)
}

#[cfg(test)]
mod tests {
    use super::nice_ceiling;

    #[test]
    fn chart_tops_are_round() {
        assert_eq!(nice_ceiling(1.0), 1.0);
        assert_eq!(nice_ceiling(37.0), 50.0);
        assert_eq!(nice_ceiling(120.0), 200.0);
        assert_eq!(nice_ceiling(900.0), 1000.0);
    }
}
