//! What a bill's figures mean against the reference tariffs of its period:
//! the price gap, the savings a switch or a fix would bring in a year, and
//! the hidden defects, each with its explanation and estimated impact.

use chrono::NaiveDate;
use serde::Serialize;

use crate::domain::energy::Part;
use crate::extraction::Extraction;
use crate::extraction::fields::{Key, Name};
use crate::extraction::text::{french_number, round_cents};
use crate::reference::{Dated, REFERENCE, in_force};

/// The gap to the reference is reported within ±this many percent.
const POSITIONING_CAP_PERCENT: f64 = 50.0;
const VAT_REFORM: NaiveDate = match NaiveDate::from_ymd_opt(2025, 8, 1) {
    Some(date) => date,
    None => NaiveDate::MIN,
};

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Analysis {
    pub reference_version: String,
    pub parts: Vec<PartAnalysis>,
    pub defects: Vec<Defect>,
    /// Estimated savings over a year, € TTC.
    pub annual_savings: f64,
    /// Gap of the price paid to the reference, capped (%).
    pub market_position_percent: Option<f64>,
    pub caveats: Vec<String>,
    pub sources: Vec<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PartAnalysis {
    pub energy: &'static str,
    pub days: i64,
    pub consumption_kwh: f64,
    pub annual_kwh: f64,
    /// € per kWh paid for the energy alone, excluding tax.
    pub price_paid_kwh: Option<f64>,
    /// The reference's price for the same, excluding tax.
    pub reference_kwh: Option<f64>,
    pub gap_percent: Option<f64>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Defect {
    pub code: &'static str,
    pub title: String,
    pub explanation: String,
    /// € over a year (or for this bill, as the explanation says); positive
    /// is money the customer loses or risks.
    pub impact_eur: f64,
}

pub fn analyse(extraction: &Extraction) -> Analysis {
    let fields = &extraction.fields;
    let mut analysis = Analysis {
        reference_version: REFERENCE.version.clone(),
        parts: Vec::new(),
        defects: Vec::new(),
        annual_savings: 0.0,
        market_position_percent: None,
        caveats: Vec::new(),
        sources: Vec::new(),
    };
    for &part in extraction.energy_type.parts() {
        let key = |name| Key::of(part, name);
        let end = fields.date(key(Name::PeriodEnd)).or(fields.date(Key::bill(Name::InvoiceDate)));
        let start = fields.date(key(Name::PeriodStart));
        let Some(end) = end else {
            analysis.caveats.push(format!("Période de facturation {} introuvable : pas de comparaison.", label(part)));
            continue;
        };
        let days = start.map_or(30, |start| (end - start).num_days() + 1).max(1);
        let kwh = fields.number(key(Name::ConsumptionKwh)).unwrap_or_else(|| {
            [Name::BaseKwh, Name::PeakKwh, Name::OffPeakKwh].iter().filter_map(|name| fields.number(key(*name))).sum()
        });
        let annual_kwh = kwh * 365.0 / days as f64;
        let energy_amount = fields.number(key(Name::EnergyAmount));
        let price_paid = energy_amount.filter(|_| kwh > 0.0).map(|amount| amount / kwh);
        let reference_kwh = reference_energy_price(extraction, part, end, annual_kwh, &mut analysis);
        let gap = price_paid.zip(reference_kwh).map(|(paid, reference)| (paid / reference - 1.0) * 100.0);
        if let (Some(gap), Some(reference)) = (gap, reference_kwh)
            && gap > 5.0
        {
            let impact = round_cents((price_paid.unwrap_or(reference) - reference) * annual_kwh * 1.2);
            analysis.annual_savings += impact;
            analysis.defects.push(Defect {
                code: "kwh_price_above_reference",
                title: format!("Prix du kWh {} supérieur à la référence", label(part)),
                explanation: format!(
                    "Vous payez {} € HT par kWh (hors accise), contre {} € pour la référence de la période \
                     ({:.0} % de plus). Une offre au tarif de référence coûterait environ {:.0} € TTC de moins par an.",
                    french_number(price_paid.unwrap_or_default(), 4, ""),
                    french_number(reference, 4, ""),
                    gap,
                    impact
                ),
                impact_eur: impact,
            });
        }
        if part == Part::Electricite {
            check_power_and_option(extraction, end, annual_kwh, &mut analysis);
        }
        check_excise(extraction, part, end, kwh, annual_kwh / kwh.max(1.0), &mut analysis);
        if fields.text(key(Name::ReadingKind)) == Some("estime") {
            analysis.defects.push(Defect {
                code: "estimated_reading",
                title: format!("Index {} estimé", label(part)),
                explanation: "La consommation facturée repose sur une estimation, pas sur un relevé. Des estimations \
                              répétées conduisent à une forte régularisation : transmettez un auto-relevé ou demandez \
                              un relevé réel."
                    .into(),
                impact_eur: 0.0,
            });
        }
        if let (Some(start), true) = (start, days > 70) {
            analysis.defects.push(Defect {
                code: "unusual_period",
                title: format!("Période {} inhabituellement longue", label(part)),
                explanation: format!(
                    "La facture couvre {days} jours à partir du {} : vérifiez qu'aucune période n'est facturée deux fois.",
                    start.format("%d/%m/%Y")
                ),
                impact_eur: 0.0,
            });
        }
        analysis.parts.push(PartAnalysis {
            energy: part.as_str(),
            days,
            consumption_kwh: kwh,
            annual_kwh: annual_kwh.round(),
            price_paid_kwh: price_paid.map(|price| (price * 10_000.0).round() / 10_000.0),
            reference_kwh: reference_kwh.map(|price| (price * 10_000.0).round() / 10_000.0),
            gap_percent: gap.map(|gap| (gap * 10.0).round() / 10.0),
        });
    }
    check_vat(extraction, &mut analysis);
    if let Some(fees) = fields.number(Key::bill(Name::ExtraFees)) {
        analysis.defects.push(Defect {
            code: "extra_fees",
            title: "Frais supplémentaires facturés".into(),
            explanation: format!(
                "{fees:.2} € de frais (retard, relance, déplacement…) figurent sur la facture. Ils sont souvent \
                 contestables, surtout après un prélèvement rejeté par erreur."
            ),
            impact_eur: fees,
        });
    }
    for check in extraction.checks.iter().filter(|check| !check.passed) {
        analysis.defects.push(Defect {
            code: "amounts_do_not_add_up",
            title: "Montants incohérents".into(),
            explanation: format!(
                "Contrôle « {} » : {:.2} € attendus, {:.2} € lus sur la facture.",
                check_label(check.name),
                check.expected,
                check.found
            ),
            impact_eur: round_cents((check.found - check.expected).max(0.0)),
        });
    }
    let gaps: Vec<(f64, f64)> =
        analysis.parts.iter().filter_map(|part| part.gap_percent.map(|gap| (gap, part.annual_kwh))).collect();
    let weight: f64 = gaps.iter().map(|(_, kwh)| kwh).sum();
    if weight > 0.0 {
        let gap = gaps.iter().map(|(gap, kwh)| gap * kwh).sum::<f64>() / weight;
        analysis.market_position_percent =
            Some(((gap.clamp(-POSITIONING_CAP_PERCENT, POSITIONING_CAP_PERCENT)) * 10.0).round() / 10.0);
    }
    analysis.annual_savings = round_cents(analysis.annual_savings.max(0.0));
    analysis.defects.sort_by(|a, b| b.impact_eur.total_cmp(&a.impact_eur));
    analysis.sources.sort();
    analysis.sources.dedup();
    analysis
}

fn label(part: Part) -> &'static str {
    match part {
        Part::Electricite => "d'électricité",
        Part::Gaz => "de gaz",
    }
}

fn check_label(name: &str) -> &'static str {
    match name {
        "components_add_up_to_total_excl_vat" => "somme des postes = total HT",
        "vat_lines_add_up_to_total_vat" => "somme des TVA = total TVA",
        "excl_vat_plus_vat_is_incl_vat" => "HT + TVA = TTC",
        _ => "consommations par plage = consommation totale",
    }
}

fn note_entry<T: Dated>(analysis: &mut Analysis, entry: &T, exact: bool, source: &str, what: &str) {
    analysis.sources.push(source.to_owned());
    if !exact {
        analysis
            .caveats
            .push(format!("{what} : pas de référence pour la période exacte, la plus proche est appliquée."));
    }
    for note in entry.unverified() {
        analysis.caveats.push(format!("{what} : {note} (non vérifié)."));
    }
}

/// The reference energy price excluding taxes (€/kWh): the regulated or
/// benchmark price, less VAT and the excise in force.
fn reference_energy_price(
    extraction: &Extraction,
    part: Part,
    on: NaiveDate,
    annual_kwh: f64,
    analysis: &mut Analysis,
) -> Option<f64> {
    let fields = &extraction.fields;
    match part {
        Part::Electricite => {
            let applied = in_force(&REFERENCE.electricity, on)?;
            let excise = in_force(&REFERENCE.electricity_excise, on)?.entry.rate / 1000.0;
            note_entry(analysis, applied.entry, applied.exact, &applied.entry.source, "Tarif réglementé");
            let tariff = applied.entry;
            let option = fields.text(Key::of(part, Name::TariffOption)).unwrap_or("base");
            let ttc = if option == "hphc" {
                let peak = fields.number(Key::of(part, Name::PeakKwh)).unwrap_or(0.0);
                let off_peak = fields.number(Key::of(part, Name::OffPeakKwh)).unwrap_or(0.0);
                if peak + off_peak > 0.0 {
                    (peak * tariff.hp_kwh + off_peak * tariff.hc_kwh) / (peak + off_peak)
                } else {
                    (tariff.hp_kwh + tariff.hc_kwh) / 2.0
                }
            } else {
                tariff.base_kwh
            };
            Some(ttc / 1.2 - excise)
        }
        Part::Gaz => {
            let applied = in_force(&REFERENCE.gas, on)?;
            let excise = in_force(&REFERENCE.gas_excise, on)?.entry.rate / 1000.0;
            note_entry(analysis, applied.entry, applied.exact, &applied.entry.source, "Prix repère du gaz");
            let ttc = if annual_kwh < 6000.0 { applied.entry.cooking_kwh } else { applied.entry.heating_kwh };
            Some(ttc / 1.2 - excise)
        }
    }
}

fn check_excise(extraction: &Extraction, part: Part, on: NaiveDate, kwh: f64, annualise: f64, analysis: &mut Analysis) {
    let rates = if part == Part::Electricite { &REFERENCE.electricity_excise } else { &REFERENCE.gas_excise };
    let Some(applied) = in_force(rates, on) else { return };
    let Some(rate) = extraction.fields.number(Key::of(part, Name::ExciseRate)) else { return };
    analysis.sources.push(applied.entry.source.clone());
    let expected = applied.entry.rate;
    if (rate - expected).abs() > 0.05 {
        let impact = round_cents((rate - expected) * kwh / 1000.0 * 1.2 * annualise);
        analysis.defects.push(Defect {
            code: "outdated_excise_rate",
            title: format!("Taux d'accise {} non à jour", label(part)),
            explanation: format!(
                "La facture applique {rate:.2} €/MWh alors que le taux en vigueur au {} est de {expected:.2} €/MWh.",
                on.format("%d/%m/%Y")
            ),
            impact_eur: impact,
        });
    }
}

fn check_vat(extraction: &Extraction, analysis: &mut Analysis) {
    let fields = &extraction.fields;
    let Some(reduced) = fields.number(Key::bill(Name::VatReduced)) else { return };
    let last_day = extraction
        .energy_type
        .parts()
        .iter()
        .filter_map(|part| fields.date(Key::of(*part, Name::PeriodEnd)))
        .max()
        .or(fields.date(Key::bill(Name::InvoiceDate)));
    if let (Some(last_day), Some(vat)) = (last_day, in_force(&REFERENCE.vat, VAT_REFORM))
        && last_day >= VAT_REFORM
    {
        analysis.sources.push(vat.entry.source.clone());
        let base = reduced / 0.055;
        analysis.defects.push(Defect {
            code: "reduced_vat_after_reform",
            title: "TVA à 5,5 % après le 1er août 2025".into(),
            explanation: format!(
                "Depuis le 1er août 2025, l'abonnement et la CTA sont soumis à la TVA à 20 %. Cette facture \
                     applique encore 5,5 % sur {base:.2} € : le fournisseur devra régulariser (environ {:.2} € à \
                     prévoir).",
                base * 0.145
            ),
            impact_eur: round_cents(base * 0.145),
        });
    }
}

/// Subscribed power and tariff option against the yearly consumption.
fn check_power_and_option(extraction: &Extraction, on: NaiveDate, annual_kwh: f64, analysis: &mut Analysis) {
    let fields = &extraction.fields;
    let key = |name| Key::of(Part::Electricite, name);
    let Some(applied) = in_force(&REFERENCE.electricity, on) else { return };
    let tariff = applied.entry;
    let option = fields.text(key(Name::TariffOption)).unwrap_or("base");
    let grid = if option == "hphc" { &tariff.hphc_subscription } else { &tariff.base_subscription };
    if let Some(kva) = fields.number(key(Name::SubscribedKva)) {
        // A home rarely needs more than 3 kVA per 2,500 kWh a year of use;
        // above that ratio the subscription pays for power never drawn.
        let needed = (annual_kwh / 2500.0 * 3.0).ceil().max(3.0);
        let lower = [3.0, 6.0, 9.0, 12.0, 15.0, 18.0, 24.0, 30.0, 36.0]
            .into_iter()
            .find(|power| *power >= needed && *power < kva);
        if let Some(lower) = lower {
            let cost = |power: f64| grid.get(&format!("{power:.0}")).copied();
            let saving = cost(kva).zip(cost(lower)).map(|(current, cheaper)| round_cents(current - cheaper));
            analysis.annual_savings += saving.unwrap_or(0.0);
            analysis.defects.push(Defect {
                code: "oversized_power",
                title: "Puissance souscrite surdimensionnée".into(),
                explanation: format!(
                    "{kva:.0} kVA souscrits pour environ {annual_kwh:.0} kWh par an : {lower:.0} kVA suffiraient \
                     probablement{}.",
                    saving.map_or(String::new(), |saving| format!(", soit {saving:.0} € d'abonnement en moins par an"))
                ),
                impact_eur: saving.unwrap_or(0.0),
            });
        }
    }
    let peak = fields.number(key(Name::PeakKwh));
    let off_peak = fields.number(key(Name::OffPeakKwh));
    if let (Some(peak), Some(off_peak), "hphc") = (peak, off_peak, option) {
        let share = off_peak / (peak + off_peak).max(1.0);
        let hphc_cost = share * tariff.hc_kwh + (1.0 - share) * tariff.hp_kwh;
        if hphc_cost > tariff.base_kwh {
            let saving = round_cents((hphc_cost - tariff.base_kwh) * annual_kwh);
            analysis.annual_savings += saving;
            analysis.defects.push(Defect {
                code: "unsuited_tariff_option",
                title: "Option Heures creuses peu adaptée".into(),
                explanation: format!(
                    "Seulement {:.0} % de la consommation est en heures creuses : l'option Base reviendrait moins \
                     cher (environ {saving:.0} € par an).",
                    share * 100.0
                ),
                impact_eur: saving,
            });
        }
    }
}

/// 3–4 short French lines for a user interface, as the seed's clients show them.
pub fn highlights(analysis: &Analysis) -> Vec<String> {
    let mut lines = Vec::new();
    lines.push(if analysis.annual_savings > 0.0 {
        format!("Économies potentielles estimées : {:.0} € TTC par an", analysis.annual_savings)
    } else {
        "Aucune économie évidente : la facture est proche des références".to_owned()
    });
    if let Some(position) = analysis.market_position_percent {
        lines.push(if position >= 0.0 {
            format!("Prix de l'énergie {position:.0} % au-dessus de la référence du marché")
        } else {
            format!("Prix de l'énergie {:.0} % sous la référence du marché", -position)
        });
    }
    for defect in analysis.defects.iter().take(4 - lines.len().min(2)) {
        if lines.len() == 4 {
            break;
        }
        lines.push(if defect.impact_eur > 0.0 {
            format!("{} (environ {:.0} €)", defect.title, defect.impact_eur)
        } else {
            defect.title.clone()
        });
    }
    if lines.len() < 3 {
        lines.push("Aucun vice caché détecté sur cette facture".to_owned());
    }
    lines
}
