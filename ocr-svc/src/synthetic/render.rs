//! Three supplier layouts a bill can be printed in: a classic two-page bill
//! with a detail table, a modern one-page bill of label/value pairs with
//! written-out dates, and a compact table with the network costs apart.

use chrono::NaiveDate;

use super::bill::{BillSpec, PartSpec};
use crate::domain::energy::Part;
use crate::extraction::text::{MONTHS, french_number};
use common::pdf::{A4_HEIGHT, A4_WIDTH, Document, Font, Info, Page, Rgb};

const LEFT: f32 = 50.0;
const RIGHT: f32 = 545.0;
const GREY: Rgb = Rgb(90, 90, 90);

/// The bill as a digital PDF, in its typeface.
pub fn render(spec: &BillSpec) -> anyhow::Result<Vec<u8>> {
    let mut document = Document::in_typeface(spec.typeface.typeface()?);
    match spec.layout % 3 {
        0 => classic(spec, &mut document),
        1 => modern(spec, &mut document),
        _ => compact(spec, &mut document),
    }
    let info = Info {
        title: format!("Facture {}", spec.invoice_number),
        author: spec.supplier.into(),
        subject: String::new(),
    };
    Ok(document.finish(&info, "D:20260101000000Z"))
}

fn euros(value: f64) -> String {
    format!("{} €", french_number(value, 2, " "))
}

fn numeric_date(date: NaiveDate, separator: char) -> String {
    date.format(&format!("%d{separator}%m{separator}%Y")).to_string()
}

fn written_date(date: NaiveDate) -> String {
    use chrono::Datelike;
    let day = if date.day() == 1 { "1er".to_owned() } else { date.day().to_string() };
    let month = MONTHS[date.month0() as usize];
    let month = match month {
        "fevrier" => "février",
        "aout" => "août",
        "decembre" => "décembre",
        other => other,
    };
    format!("{day} {month} {}", date.year())
}

fn option_label(option: &str) -> &'static str {
    if option == "base" { "Base" } else { "Heures Pleines / Heures Creuses" }
}

fn reading_label(kind: &str) -> &'static str {
    match kind {
        "estime" => "estimé",
        "autoreleve" => "auto-relevé",
        _ => "réel",
    }
}

fn header(page: &mut Page, spec: &BillSpec, customer_x: f32) {
    page.text(LEFT, 62.0, Font::Bold, 20.0, Rgb(0, 70, 140), spec.supplier);
    page.text(LEFT, 78.0, Font::Regular, 8.0, GREY, "Service client : 09 69 32 15 15 (appel non surtaxé)");
    page.text(customer_x, 120.0, Font::Bold, 10.0, Rgb::BLACK, &spec.customer_name);
    page.text(customer_x, 134.0, Font::Regular, 10.0, Rgb::BLACK, &spec.address_lines[0]);
    page.text(customer_x, 148.0, Font::Regular, 10.0, Rgb::BLACK, &spec.address_lines[1]);
}

fn classic(spec: &BillSpec, document: &mut Document) {
    let page = document.add_page(A4_WIDTH, A4_HEIGHT);
    header(page, spec, 330.0);
    let mut y = 200.0;
    for (label, value) in [
        ("Facture n° :", spec.invoice_number.clone()),
        ("Date de facture :", numeric_date(spec.invoice_date, '/')),
        ("N° de contrat :", spec.contract_number.clone()),
        ("À payer avant le :", numeric_date(spec.due_date, '/')),
    ] {
        page.text(LEFT, y, Font::Regular, 10.0, Rgb::BLACK, &format!("{label} {value}"));
        y += 15.0;
    }
    y += 12.0;
    page.fill_rect(LEFT, y - 12.0, RIGHT - LEFT, 26.0, Rgb(230, 238, 248));
    page.text(LEFT + 8.0, y + 5.0, Font::Bold, 12.0, Rgb::BLACK, "Montant à payer");
    page.text_right(RIGHT - 8.0, y + 5.0, Font::Bold, 12.0, Rgb::BLACK, &euros(spec.total_incl_vat()));
    y += 45.0;
    for part in &spec.parts {
        y = contract_block(page, part, y, |date| numeric_date(date, '/'), "PDL :", "PCE :");
        y += 12.0;
    }
    page.text(LEFT, 800.0, Font::Regular, 8.0, GREY, "Page 1/2");
    let page = document.add_page(A4_WIDTH, A4_HEIGHT);
    page.text(LEFT, 60.0, Font::Bold, 14.0, Rgb::BLACK, "Détail de votre facture");
    let mut y = 90.0;
    let columns = [LEFT, 270.0, 370.0];
    for part in &spec.parts {
        let heading = if part.part == Part::Electricite { "Électricité" } else { "Gaz naturel" };
        page.text(LEFT, y, Font::Bold, 11.0, Rgb(0, 70, 140), heading);
        y += 16.0;
        for (x, title) in columns.iter().zip(["Libellé", "Quantité", "Prix unitaire"]) {
            page.text(*x, y, Font::Bold, 8.5, GREY, title);
        }
        page.text_right(RIGHT, y, Font::Bold, 8.5, GREY, "Montant");
        y += 14.0;
        let subscription_label = match part.subscribed_kva {
            Some(kva) => format!("Abonnement {kva} kVA"),
            None => "Abonnement".into(),
        };
        let mut rows: Vec<(String, String, String, f64)> =
            vec![(subscription_label, String::new(), String::new(), part.subscription)];
        for band in &part.bands {
            rows.push((
                band.label.into(),
                format!("{} kWh", french_number(f64::from(band.kwh.unwrap_or(0)), 0, " ")),
                format!("{} €/kWh", french_number(band.unit_price.unwrap_or(0.0), 4, "")),
                band.amount,
            ));
        }
        let excise =
            if part.part == Part::Electricite { "Accise sur l'électricité" } else { "Accise sur le gaz naturel" };
        rows.push((
            excise.into(),
            format!("{} kWh", french_number(f64::from(part.consumption_kwh), 0, " ")),
            format!("{} €/MWh", french_number(part.excise_rate, 2, "")),
            part.excise,
        ));
        rows.push(("Contribution tarifaire d'acheminement".into(), String::new(), String::new(), part.cta));
        for (label, quantity, price, amount) in rows {
            page.text(columns[0], y, Font::Regular, 9.5, Rgb::BLACK, &label);
            page.text(columns[1], y, Font::Regular, 9.5, Rgb::BLACK, &quantity);
            page.text(columns[2], y, Font::Regular, 9.5, Rgb::BLACK, &price);
            page.text_right(RIGHT, y, Font::Regular, 9.5, Rgb::BLACK, &euros(amount));
            y += 15.0;
        }
        y += 14.0;
    }
    totals(page, spec, y, euros);
    page.text(LEFT, 800.0, Font::Regular, 8.0, GREY, "Page 2/2");
}

fn contract_block(
    page: &mut Page,
    part: &PartSpec,
    mut y: f32,
    date: impl Fn(NaiveDate) -> String,
    electricity_point: &str,
    gas_point: &str,
) -> f32 {
    let heading =
        if part.part == Part::Electricite { "Votre contrat d'électricité" } else { "Votre contrat de gaz naturel" };
    page.text(LEFT, y, Font::Bold, 12.0, Rgb(0, 70, 140), heading);
    y += 18.0;
    let mut rows = Vec::new();
    match part.part {
        Part::Electricite => {
            rows.push(format!("{electricity_point} {}", part.delivery_point));
            rows.push(format!("Option tarifaire : {}", option_label(part.tariff_option.unwrap_or("base"))));
            rows.push(format!("Puissance souscrite : {} kVA", part.subscribed_kva.unwrap_or(6)));
        }
        Part::Gaz => {
            rows.push(format!("{gas_point} {}", part.delivery_point));
            rows.push(format!("Zone tarifaire : {}", part.tariff_zone.unwrap_or(1)));
            rows.push(format!(
                "Volume consommé : {} m³",
                french_number(f64::from(part.volume_m3.unwrap_or(0)), 0, " ")
            ));
            rows.push(format!(
                "Coefficient de conversion : {} kWh/m³",
                french_number(part.conversion_factor.unwrap_or(11.0), 3, "")
            ));
        }
    }
    rows.push(format!("Période de consommation du {} au {}", date(part.period_start), date(part.period_end)));
    rows.push(format!("Type de relevé : {}", reading_label(part.reading_kind)));
    rows.push(format!("Consommation totale : {} kWh", french_number(f64::from(part.consumption_kwh), 0, " ")));
    for row in rows {
        page.text(LEFT + 10.0, y, Font::Regular, 10.0, Rgb::BLACK, &row);
        y += 14.5;
    }
    y
}

fn totals(page: &mut Page, spec: &BillSpec, mut y: f32, money: fn(f64) -> String) -> f32 {
    let mut rows: Vec<(String, f64, bool)> = Vec::new();
    if let Some(fees) = spec.extra_fees {
        rows.push(("Frais de relance".into(), fees, false));
    }
    rows.push(("Total HT".into(), spec.total_excl_vat(), true));
    if let Some((base, vat)) = spec.vat_reduced {
        rows.push((format!("TVA 5,5 % sur {}", money(base)), vat, false));
    }
    rows.push((format!("TVA 20 % sur {}", money(spec.vat_standard.0)), spec.vat_standard.1, false));
    rows.push(("Total TVA".into(), spec.total_vat(), false));
    rows.push(("Total TTC".into(), spec.total_incl_vat(), true));
    for (label, amount, bold) in rows {
        let font = if bold { Font::Bold } else { Font::Regular };
        page.text(300.0, y, font, 10.0, Rgb::BLACK, &label);
        page.text_right(RIGHT, y, font, 10.0, Rgb::BLACK, &money(amount));
        y += 15.0;
    }
    y
}

fn modern(spec: &BillSpec, document: &mut Document) {
    let page = document.add_page(A4_WIDTH, A4_HEIGHT);
    header(page, spec, 350.0);
    let money = |value: f64| format!("{} €", french_number(value, 2, "\u{a0}"));
    let mut y = 190.0;
    for (left, right) in [
        (
            format!("Référence de la facture : {}", spec.invoice_number),
            format!("Émise le {}", written_date(spec.invoice_date)),
        ),
        (
            format!("Numéro de contrat : {}", spec.contract_number),
            format!("Date de prélèvement : {}", written_date(spec.due_date)),
        ),
    ] {
        page.text(LEFT, y, Font::Regular, 9.5, Rgb::BLACK, &left);
        page.text(330.0, y, Font::Regular, 9.5, Rgb::BLACK, &right);
        y += 15.0;
    }
    y += 15.0;
    for part in &spec.parts {
        let heading = if part.part == Part::Electricite { "Électricité" } else { "Gaz naturel" };
        page.fill_rect(LEFT, y - 13.0, RIGHT - LEFT, 19.0, Rgb(236, 244, 236));
        page.text(LEFT + 6.0, y, Font::Bold, 11.0, Rgb(20, 110, 60), heading);
        y += 20.0;
        let mut pairs: Vec<(String, String)> = Vec::new();
        match part.part {
            Part::Electricite => {
                let spaced: String =
                    part.delivery_point.chars().enumerate().fold(String::new(), |mut acc, (index, c)| {
                        if index > 0 && index % 3 == 0 && index < 12 {
                            acc.push(' ');
                        }
                        acc.push(c);
                        acc
                    });
                pairs.push(("Point de livraison (PRM) :".into(), spaced));
                pairs.push(("Formule tarifaire :".into(), option_label(part.tariff_option.unwrap_or("base")).into()));
                pairs.push(("Puissance :".into(), format!("{} kVA", part.subscribed_kva.unwrap_or(6))));
            }
            Part::Gaz => {
                pairs.push(("Point de comptage (PCE) :".into(), part.delivery_point.clone()));
                pairs.push(("Zone tarifaire :".into(), part.tariff_zone.unwrap_or(1).to_string()));
                pairs.push(("Volume :".into(), format!("{} m³", part.volume_m3.unwrap_or(0))));
                pairs.push((
                    "Coefficient thermique :".into(),
                    french_number(part.conversion_factor.unwrap_or(11.0), 3, ""),
                ));
            }
        }
        pairs.push((
            "Période :".into(),
            format!("du {} au {}", written_date(part.period_start), written_date(part.period_end)),
        ));
        pairs.push(("Relevé :".into(), reading_label(part.reading_kind).into()));
        pairs.push((
            "Énergie consommée :".into(),
            format!("{} kWh", french_number(f64::from(part.consumption_kwh), 0, "\u{a0}")),
        ));
        for (label, value) in pairs {
            page.text(LEFT + 6.0, y, Font::Regular, 9.5, GREY, &label);
            page.text(200.0, y, Font::Regular, 9.5, Rgb::BLACK, &value);
            y += 14.0;
        }
        y += 6.0;
        let mut amounts: Vec<(String, f64)> = vec![("Abonnement".into(), part.subscription)];
        for band in &part.bands {
            let label = match band.label {
                "Consommation Base" => "Base",
                other => other,
            };
            amounts.push((
                format!(
                    "{label} : {} kWh à {} €/kWh",
                    french_number(f64::from(band.kwh.unwrap_or(0)), 0, "\u{a0}"),
                    french_number(band.unit_price.unwrap_or(0.0), 4, "")
                ),
                band.amount,
            ));
        }
        amounts.push((
            format!(
                "Accise (ex-{}) : {} €/kWh",
                if part.part == Part::Electricite { "CSPE" } else { "TICGN" },
                french_number(part.excise_rate / 1000.0, 5, "")
            ),
            part.excise,
        ));
        amounts.push(("CTA".into(), part.cta));
        for (label, amount) in amounts {
            page.text(LEFT + 6.0, y, Font::Regular, 9.5, Rgb::BLACK, &label);
            page.text_right(RIGHT, y, Font::Regular, 9.5, Rgb::BLACK, &money(amount));
            y += 14.0;
        }
        y += 16.0;
    }
    if let Some(fees) = spec.extra_fees {
        page.text(LEFT + 6.0, y, Font::Regular, 9.5, Rgb::BLACK, "Frais de retard");
        page.text_right(RIGHT, y, Font::Regular, 9.5, Rgb::BLACK, &money(fees));
        y += 18.0;
    }
    let mut rows: Vec<(String, f64)> = vec![("Montant HT".into(), spec.total_excl_vat())];
    if let Some((_, vat)) = spec.vat_reduced {
        rows.push(("TVA à 5,5 %".into(), vat));
    }
    rows.push(("TVA à 20 %".into(), spec.vat_standard.1));
    rows.push(("Montant TVA".into(), spec.total_vat()));
    rows.push(("Total à payer".into(), spec.total_incl_vat()));
    for (label, amount) in rows {
        page.text(330.0, y, Font::Bold, 10.0, Rgb::BLACK, &label);
        page.text_right(RIGHT, y, Font::Bold, 10.0, Rgb::BLACK, &money(amount));
        y += 15.0;
    }
}

fn compact(spec: &BillSpec, document: &mut Document) {
    let page = document.add_page(A4_WIDTH, A4_HEIGHT);
    header(page, spec, 330.0);
    let mut y = 190.0;
    for row in [
        format!("N° de facture {}", spec.invoice_number),
        format!("Date de facturation {}", numeric_date(spec.invoice_date, '.')),
        format!("Contrat n° {}", spec.contract_number),
        format!("Échéance {}", numeric_date(spec.due_date, '.')),
    ] {
        page.text(LEFT, y, Font::Regular, 9.0, Rgb::BLACK, &row);
        y += 13.0;
    }
    y += 14.0;
    for part in &spec.parts {
        if y > 520.0 {
            let page = document.add_page(A4_WIDTH, A4_HEIGHT);
            page.text(LEFT, 50.0, Font::Regular, 8.0, GREY, &format!("Facture {} (suite)", spec.invoice_number));
            y = 90.0;
        }
        let last = document.page_count() - 1;
        let Some(page) = document.page_mut(last) else { return };
        y = compact_part(page, part, y);
    }
    let last = document.page_count() - 1;
    if let Some(page) = document.page_mut(last) {
        totals(page, spec, y + 6.0, |value| french_number(value, 2, ""));
    }
}

fn compact_part(page: &mut Page, part: &PartSpec, y: f32) -> f32 {
    let mut y = contract_block(page, part, y, |date| numeric_date(date, '.'), "Référence PDL", "Référence PCE");
    y += 8.0;
    page.text(LEFT, y, Font::Bold, 8.5, GREY, "Désignation");
    page.text_right(RIGHT, y, Font::Bold, 8.5, GREY, "Montant (€)");
    y += 13.0;
    let mut rows: Vec<(String, f64)> = vec![("Part fixe (abonnement)".into(), part.subscription)];
    for band in &part.bands {
        rows.push((
            format!(
                "{} {} kWh x {} €/kWh",
                band.label,
                french_number(f64::from(band.kwh.unwrap_or(0)), 0, ""),
                french_number(band.unit_price.unwrap_or(0.0), 4, "")
            ),
            band.amount,
        ));
    }
    let network =
        if part.part == Part::Electricite { "Utilisation des réseaux (TURPE)" } else { "Acheminement (ATRD)" };
    rows.push((network.into(), part.delivery.unwrap_or(0.0)));
    rows.push((format!("Taxe intérieure (accise) {} €/MWh", french_number(part.excise_rate, 2, "")), part.excise));
    rows.push(("CTA".into(), part.cta));
    for (label, amount) in rows {
        page.text(LEFT, y, Font::Regular, 9.0, Rgb::BLACK, &label);
        page.text_right(RIGHT, y, Font::Regular, 9.0, Rgb::BLACK, &french_number(amount, 2, ""));
        y += 13.0;
    }
    y + 12.0
}
