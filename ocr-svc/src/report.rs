//! The two reports a client receives: complete, and anonymised (supplier,
//! delivery points, customer name and address masked) for sharing.

use chrono::Utc;

use crate::analysis::{Analysis, Defect};
use crate::domain::energy::Part;
use crate::extraction::Extraction;
use crate::extraction::fields::{Key, Name, Value};
use crate::extraction::text::french_number;
use common::pdf::{A4_HEIGHT, A4_WIDTH, Document, Font, Info, Page, Rgb, wrap};

const LEFT: f32 = 48.0;
const RIGHT: f32 = A4_WIDTH - 48.0;
const INK: Rgb = Rgb(33, 37, 41);
const MUTED: Rgb = Rgb(108, 117, 125);
const ACCENT: Rgb = Rgb(13, 71, 161);
const GOOD: Rgb = Rgb(46, 125, 50);
const WARN: Rgb = Rgb(230, 81, 0);
const PALETTE: [Rgb; 7] = [
    Rgb(13, 71, 161),
    Rgb(66, 165, 245),
    Rgb(0, 137, 123),
    Rgb(255, 167, 38),
    Rgb(171, 71, 188),
    Rgb(120, 144, 156),
    Rgb(229, 57, 53),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    Full,
    Anonymous,
}

pub struct Reports {
    pub full: Vec<u8>,
    pub anonymous: Vec<u8>,
}

pub fn render_both(extraction: &Extraction, analysis: &Analysis, highlights: &[String]) -> Reports {
    Reports {
        full: render(extraction, analysis, highlights, Audience::Full),
        anonymous: render(extraction, analysis, highlights, Audience::Anonymous),
    }
}

fn money(value: f64) -> String {
    format!("{} €", french_number(value, 2, " "))
}

/// What a field shows in this audience's report.
fn shown(extraction: &Extraction, key: Key, audience: Audience) -> Option<String> {
    let value = &extraction.fields.get(key)?.value;
    let text = match value {
        Value::Text(text) => text.clone(),
        Value::Number(number) => french_number(*number, if number.fract() == 0.0 { 0 } else { 2 }, " "),
        Value::Date(date) => date.format("%d/%m/%Y").to_string(),
    };
    if audience == Audience::Full {
        return Some(text);
    }
    Some(match key.name {
        Name::Supplier => "Fournisseur".into(),
        Name::CustomerName => "Client".into(),
        Name::CustomerAddress => "Adresse masquée".into(),
        Name::DeliveryPoint => {
            let visible: String = text.chars().rev().take(2).collect::<Vec<_>>().into_iter().rev().collect();
            format!("{}{visible}", "•".repeat(text.chars().count().saturating_sub(2)))
        }
        Name::InvoiceNumber | Name::ContractNumber => "••••••".into(),
        _ => text,
    })
}

fn render(extraction: &Extraction, analysis: &Analysis, highlights: &[String], audience: Audience) -> Vec<u8> {
    let mut document = Document::new();
    summary_page(document.add_page(A4_WIDTH, A4_HEIGHT), extraction, analysis, highlights, audience);
    defects_page(document.add_page(A4_WIDTH, A4_HEIGHT), extraction, analysis, audience);
    let pages = document.page_count();
    for index in 0..pages {
        if let Some(page) = document.page_mut(index) {
            page.line((LEFT, 805.0), (RIGHT, 805.0), 0.5, Rgb(220, 220, 220));
            page.text(
                LEFT,
                818.0,
                Font::Regular,
                7.5,
                MUTED,
                &format!("Références tarifaires version {}", analysis.reference_version),
            );
            page.text_right(RIGHT, 818.0, Font::Regular, 7.5, MUTED, &format!("Page {}/{pages}", index + 1));
        }
    }
    let title = match audience {
        Audience::Full => "Analyse de facture d'énergie",
        Audience::Anonymous => "Analyse de facture d'énergie (anonymisée)",
    };
    document.finish(
        &Info { title: title.into(), author: "Plateforme — analyse de factures".into(), subject: String::new() },
        &Utc::now().format("D:%Y%m%d%H%M%SZ").to_string(),
    )
}

fn summary_page(
    page: &mut Page,
    extraction: &Extraction,
    analysis: &Analysis,
    highlights: &[String],
    audience: Audience,
) {
    let fields = &extraction.fields;
    page.fill_rect(0.0, 0.0, A4_WIDTH, 92.0, ACCENT);
    page.text(LEFT, 44.0, Font::Bold, 20.0, Rgb::WHITE, "Analyse de votre facture d'énergie");
    let subtitle = format!(
        "{} — {} — facture {}",
        shown(extraction, Key::bill(Name::Supplier), audience).unwrap_or_else(|| "Fournisseur inconnu".into()),
        extraction.energy_type.label_fr(),
        shown(extraction, Key::bill(Name::InvoiceNumber), audience).unwrap_or_else(|| "sans numéro".into()),
    );
    page.text(LEFT, 68.0, Font::Regular, 10.5, Rgb(227, 236, 250), &subtitle);
    let mut y = 122.0;
    let customer = shown(extraction, Key::bill(Name::CustomerName), audience).unwrap_or_else(|| "Client".into());
    page.text(LEFT, y, Font::Bold, 10.0, INK, &customer);
    if let Some(address) = shown(extraction, Key::bill(Name::CustomerAddress), audience) {
        page.text(LEFT, y + 13.0, Font::Regular, 9.0, MUTED, &address);
    }
    let period = extraction.energy_type.parts().iter().find_map(|part| {
        Some(format!(
            "Période du {} au {}",
            fields.date(Key::of(*part, Name::PeriodStart))?.format("%d/%m/%Y"),
            fields.date(Key::of(*part, Name::PeriodEnd))?.format("%d/%m/%Y")
        ))
    });
    if let Some(period) = period {
        page.text_right(RIGHT, y, Font::Regular, 9.0, MUTED, &period);
    }
    y += 36.0;

    let consumption: f64 = analysis.parts.iter().map(|part| part.consumption_kwh).sum();
    let cards = [
        ("Montant TTC", fields.number(Key::bill(Name::TotalInclVat)).map_or("—".into(), money), INK),
        ("Consommation", format!("{} kWh", french_number(consumption, 0, " ")), INK),
        (
            "Écart au marché",
            analysis.market_position_percent.map_or("—".into(), |gap| format!("{gap:+.0} %")),
            if analysis.market_position_percent.unwrap_or(0.0) > 0.0 { WARN } else { GOOD },
        ),
        ("Économies / an", money(analysis.annual_savings), if analysis.annual_savings > 0.0 { GOOD } else { INK }),
    ];
    let width = (RIGHT - LEFT - 3.0 * 10.0) / 4.0;
    for (index, (label, value, color)) in cards.iter().enumerate() {
        let x = LEFT + index as f32 * (width + 10.0);
        page.fill_rect(x, y, width, 58.0, Rgb(244, 246, 249));
        page.fill_rect(x, y, 3.0, 58.0, *color);
        page.text(x + 10.0, y + 18.0, Font::Regular, 8.5, MUTED, label);
        page.text(x + 10.0, y + 42.0, Font::Bold, 14.0, *color, value);
    }
    y += 84.0;

    page.text(LEFT, y, Font::Bold, 12.0, INK, "En bref");
    y += 18.0;
    for line in highlights {
        page.disc(LEFT + 4.0, y - 3.5, 2.5, ACCENT);
        y = page.paragraph(LEFT + 14.0, y, RIGHT - LEFT - 14.0, Font::Regular, 10.0, INK, line) + 3.0;
    }
    y += 14.0;

    y = cost_breakdown(page, extraction, y);
    price_comparison(page, analysis, y + 10.0);
}

/// A stacked bar of what the bill's total is made of, with its legend.
fn cost_breakdown(page: &mut Page, extraction: &Extraction, mut y: f32) -> f32 {
    let fields = &extraction.fields;
    let sum = |name| -> f64 {
        extraction.energy_type.parts().iter().filter_map(|part| fields.number(Key::of(*part, name))).sum()
    };
    let components: Vec<(&str, f64)> = [
        ("Abonnement", sum(Name::Subscription)),
        ("Énergie", sum(Name::EnergyAmount)),
        ("Acheminement", sum(Name::Delivery)),
        ("Accise", sum(Name::Excise)),
        ("CTA", sum(Name::Cta)),
        ("TVA", fields.number(Key::bill(Name::TotalVat)).unwrap_or(0.0)),
        ("Frais", fields.number(Key::bill(Name::ExtraFees)).unwrap_or(0.0)),
    ]
    .into_iter()
    .filter(|(_, amount)| *amount > 0.0)
    .collect();
    let total: f64 = components.iter().map(|(_, amount)| amount).sum();
    page.text(LEFT, y, Font::Bold, 12.0, INK, "Répartition du coût");
    y += 14.0;
    if total <= 0.0 {
        page.text(LEFT, y + 10.0, Font::Regular, 9.5, MUTED, "Montants non lus sur la facture.");
        return y + 30.0;
    }
    let mut x = LEFT;
    let width = RIGHT - LEFT;
    for (index, (_, amount)) in components.iter().enumerate() {
        let share = (*amount / total) as f32 * width;
        page.fill_rect(x, y, share, 22.0, PALETTE[index % PALETTE.len()]);
        x += share;
    }
    y += 38.0;
    let column = width / 3.0;
    for (index, (label, amount)) in components.iter().enumerate() {
        let x = LEFT + (index % 3) as f32 * column;
        let row_y = y + (index / 3) as f32 * 15.0;
        page.fill_rect(x, row_y - 8.0, 8.0, 8.0, PALETTE[index % PALETTE.len()]);
        page.text(
            x + 13.0,
            row_y,
            Font::Regular,
            9.0,
            INK,
            &format!("{label} : {} ({:.0} %)", money(*amount), amount / total * 100.0),
        );
    }
    y + (components.len().div_ceil(3)) as f32 * 15.0 + 16.0
}

/// Bars of the price paid per kWh against the reference, per energy.
fn price_comparison(page: &mut Page, analysis: &Analysis, mut y: f32) {
    page.text(LEFT, y, Font::Bold, 12.0, INK, "Prix de l'énergie comparé à la référence (€ HT/kWh, hors taxes)");
    y += 20.0;
    let rows: Vec<(&str, f64, f64)> = analysis
        .parts
        .iter()
        .filter_map(|part| {
            let label = if part.energy == Part::Electricite.as_str() { "Électricité" } else { "Gaz" };
            Some((label, part.price_paid_kwh?, part.reference_kwh?))
        })
        .collect();
    if rows.is_empty() {
        page.text(LEFT, y, Font::Regular, 9.5, MUTED, "Comparaison impossible : consommation ou montant non lus.");
        return;
    }
    let scale_max = rows.iter().map(|(_, paid, reference)| paid.max(*reference)).fold(0.0, f64::max) * 1.15;
    let bar_left = LEFT + 120.0;
    let bar_width = RIGHT - bar_left - 70.0;
    for (label, paid, reference) in rows {
        page.text(LEFT, y + 12.0, Font::Bold, 9.5, INK, label);
        for (offset, value, color, caption) in
            [(0.0, paid, ACCENT, "Votre prix"), (16.0, reference, MUTED, "Référence")]
        {
            let length = (value / scale_max) as f32 * bar_width;
            page.fill_rect(bar_left, y + offset, length, 12.0, color);
            page.text(
                bar_left + length + 6.0,
                y + offset + 9.5,
                Font::Regular,
                8.5,
                INK,
                &format!("{} €", french_number(value, 4, "")),
            );
            page.text_right(bar_left - 6.0, y + offset + 9.5, Font::Regular, 7.5, MUTED, caption);
        }
        y += 44.0;
    }
}

fn defects_page(page: &mut Page, extraction: &Extraction, analysis: &Analysis, audience: Audience) {
    page.text(LEFT, 56.0, Font::Bold, 16.0, INK, "Anomalies détectées");
    let mut y = 82.0;
    if analysis.defects.is_empty() {
        page.text(LEFT, y, Font::Regular, 10.0, GOOD, "Aucune anomalie détectée sur cette facture.");
        y += 24.0;
    }
    for defect in analysis.defects.iter().take(7) {
        y = defect_card(page, defect, y);
    }
    y += 18.0;
    page.text(LEFT, y, Font::Bold, 12.0, INK, "Données lues sur la facture");
    y += 16.0;
    let mut rows: Vec<(String, String, f32)> = Vec::new();
    for (key, field) in extraction.fields.iter() {
        if let Some(value) = shown(extraction, *key, audience) {
            rows.push((field_label(*key), value, field.confidence));
        }
    }
    let half = rows.len().div_ceil(2);
    let column_width = (RIGHT - LEFT) / 2.0;
    for (index, (label, value, confidence)) in rows.iter().enumerate() {
        if y + (index % half.max(1)) as f32 * 12.0 > 780.0 {
            continue;
        }
        let x = LEFT + (index / half.max(1)) as f32 * column_width;
        let row_y = y + (index % half.max(1)) as f32 * 12.0;
        let color = if *confidence >= 0.9 { INK } else { WARN };
        page.text(x, row_y, Font::Regular, 7.5, MUTED, label);
        // The longest label, "Élec. — Taux d'accise (€/MWh)", is 116 pt wide.
        let value = wrap(value, Font::Regular, 7.5, column_width - 130.0).into_iter().next().unwrap_or_default();
        page.text(x + 122.0, row_y, Font::Regular, 7.5, color, &value);
    }
    let mut notes_y = (y + half as f32 * 12.0 + 14.0).min(770.0);
    for caveat in analysis.caveats.iter().take(3) {
        notes_y = page.paragraph(LEFT, notes_y, RIGHT - LEFT, Font::Regular, 7.0, MUTED, &format!("Note : {caveat}"));
        if notes_y > 795.0 {
            break;
        }
    }
}

fn defect_card(page: &mut Page, defect: &Defect, y: f32) -> f32 {
    let lines = wrap(&defect.explanation, Font::Regular, 9.0, RIGHT - LEFT - 120.0);
    let height = 24.0 + lines.len() as f32 * 12.0;
    let color = if defect.impact_eur > 0.0 { WARN } else { ACCENT };
    page.fill_rect(LEFT, y, RIGHT - LEFT, height, Rgb(250, 250, 251));
    page.fill_rect(LEFT, y, 3.0, height, color);
    page.text(LEFT + 12.0, y + 15.0, Font::Bold, 10.0, INK, &defect.title);
    if defect.impact_eur > 0.0 {
        page.text_right(RIGHT - 10.0, y + 15.0, Font::Bold, 10.0, color, &money(defect.impact_eur));
    }
    for (index, line) in lines.iter().enumerate() {
        page.text(LEFT + 12.0, y + 29.0 + index as f32 * 12.0, Font::Regular, 9.0, INK, line);
    }
    y + height + 8.0
}

fn field_label(key: Key) -> String {
    let name = match key.name {
        Name::Supplier => "Fournisseur",
        Name::CustomerName => "Titulaire",
        Name::CustomerAddress => "Adresse",
        Name::InvoiceNumber => "N° de facture",
        Name::ContractNumber => "N° de contrat",
        Name::InvoiceDate => "Date de facture",
        Name::DueDate => "Échéance",
        Name::TotalExclVat => "Total HT",
        Name::TotalVat => "Total TVA",
        Name::TotalInclVat => "Total TTC",
        Name::VatReduced => "TVA 5,5 %",
        Name::VatStandard => "TVA 20 %",
        Name::ExtraFees => "Frais",
        Name::DeliveryPoint => "PDL / PCE",
        Name::PeriodStart => "Début de période",
        Name::PeriodEnd => "Fin de période",
        Name::TariffOption => "Option tarifaire",
        Name::SubscribedKva => "Puissance (kVA)",
        Name::ReadingKind => "Relevé",
        Name::ConsumptionKwh => "Consommation (kWh)",
        Name::BaseKwh => "Base (kWh)",
        Name::PeakKwh => "Heures pleines (kWh)",
        Name::OffPeakKwh => "Heures creuses (kWh)",
        Name::VolumeM3 => "Volume (m³)",
        Name::ConversionFactor => "Coef. de conversion",
        Name::TariffZone => "Zone tarifaire",
        Name::Subscription => "Abonnement",
        Name::EnergyAmount => "Énergie",
        Name::Delivery => "Acheminement",
        Name::Excise => "Accise",
        Name::ExciseRate => "Taux d'accise (€/MWh)",
        Name::Cta => "CTA",
    };
    match key.part {
        Some(Part::Electricite) => format!("Élec. — {name}"),
        Some(Part::Gaz) => format!("Gaz — {name}"),
        None => name.to_owned(),
    }
}
