//! The visible invoice of `generate`: A4 pages drawn from the invoice
//! model, in French, with embedded fonts. The Factur-X parts (XML,
//! XMP, OutputIntent) are added afterwards by `embed`, as for `convert`.

use std::fmt::Write as _;

use chrono::NaiveDate;
use lopdf::{Dictionary, Document, Object, Stream};
use rust_decimal::Decimal;

use super::embed::pdf_date;
use common::pdf::Typeface;
use common::pdf::fonts::UsedFont;

use super::fonts;
use super::serialize::{deflate, text};
use crate::domain::Invoice;
use crate::domain::invoice::{Address, Party};

const PAGE_WIDTH: f32 = 595.28;
const PAGE_HEIGHT: f32 = 841.89;
const MARGIN: f32 = 48.0;
const FOOTER: f32 = 56.0;
const ACCENT: &str = "0.13 0.29 0.53";
const MUTED: &str = "0.35 0.38 0.42";

#[derive(Clone, Copy)]
enum Face {
    Regular,
    Bold,
}

/// Face, size and fill colour of a run of text.
type Style<'a> = (Face, f32, &'a str);

#[derive(Clone, Copy)]
enum Align {
    Left,
    Right,
}

struct Canvas<'a> {
    regular: UsedFont<'a>,
    bold: UsedFont<'a>,
    pages: Vec<String>,
    /// The current page's content stream.
    content: String,
    /// The baseline of the next line, from the bottom of the page.
    y: f32,
}

impl<'a> Canvas<'a> {
    fn font(&self, face: Face) -> &UsedFont<'a> {
        match face {
            Face::Regular => &self.regular,
            Face::Bold => &self.bold,
        }
    }

    fn text(&mut self, (face, size, colour): Style, x: f32, y: f32, align: Align, value: &str) {
        let x = match align {
            Align::Left => x,
            Align::Right => x - self.font(face).width(value, size),
        };
        let (name, font) = match face {
            Face::Regular => ("F1", &mut self.regular),
            Face::Bold => ("F2", &mut self.bold),
        };
        let encoded = font.encode(value);
        let _ = writeln!(self.content, "BT {colour} rg /{name} {size} Tf {x:.2} {y:.2} Td {encoded} Tj ET");
    }

    fn rule(&mut self, x1: f32, x2: f32, y: f32, width: f32) {
        let _ = writeln!(self.content, "{MUTED} RG {width} w {x1:.2} {y:.2} m {x2:.2} {y:.2} l S");
    }

    fn fill(&mut self, x: f32, y: f32, width: f32, height: f32, colour: &str) {
        let _ = writeln!(self.content, "{colour} rg {x:.2} {y:.2} {width:.2} {height:.2} re f");
    }

    /// Splits text into lines no wider than `width`, at spaces where it can.
    fn wrap(&self, face: Face, size: f32, value: &str, width: f32) -> Vec<String> {
        let font = self.font(face);
        let mut lines = Vec::new();
        for paragraph in value.lines() {
            let mut line = String::new();
            for word in paragraph.split_whitespace() {
                let candidate = if line.is_empty() { word.to_owned() } else { format!("{line} {word}") };
                if font.width(&candidate, size) <= width || line.is_empty() {
                    line = candidate;
                } else {
                    lines.push(std::mem::replace(&mut line, word.to_owned()));
                }
                while font.width(&line, size) > width && line.chars().count() > 1 {
                    // A word wider than the column: cut it.
                    let mut cut = line.chars().count() - 1;
                    while cut > 1 && font.width(&line.chars().take(cut).collect::<String>(), size) > width {
                        cut -= 1;
                    }
                    let head: String = line.chars().take(cut).collect();
                    line = line.chars().skip(cut).collect();
                    lines.push(head);
                }
            }
            lines.push(line);
        }
        lines
    }

    fn new_page(&mut self) {
        self.pages.push(std::mem::take(&mut self.content));
        self.y = PAGE_HEIGHT - MARGIN;
    }

    /// Starts a new page when fewer than `height` points are left.
    fn ensure(&mut self, height: f32) -> bool {
        if self.y - height < FOOTER {
            self.new_page();
            return true;
        }
        false
    }
}

/// `1 234,56 €` with the currency's symbol when it has a common one.
fn money(amount: Decimal, currency: &str) -> String {
    let symbol = match currency {
        "EUR" => "€",
        "USD" => "$",
        "GBP" => "£",
        "CHF" => "CHF",
        other => other,
    };
    format!("{} {symbol}", french_number(amount.round_dp(2), 2))
}

/// French digit grouping (narrow no-break spaces) and decimal comma.
fn french_number(value: Decimal, min_scale: u32) -> String {
    let mut value = value.normalize();
    if value.scale() < min_scale {
        value.rescale(min_scale);
    }
    let text = value.abs().to_string();
    let (whole, fraction) = text.split_once('.').unwrap_or((&text, ""));
    let mut grouped = String::new();
    for (index, digit) in whole.chars().enumerate() {
        if index > 0 && (whole.len() - index) % 3 == 0 {
            grouped.push('\u{202f}');
        }
        grouped.push(digit);
    }
    let sign = if value.is_sign_negative() && !value.is_zero() { "-" } else { "" };
    if fraction.is_empty() { format!("{sign}{grouped}") } else { format!("{sign}{grouped},{fraction}") }
}

fn date(value: NaiveDate) -> String {
    value.format("%d/%m/%Y").to_string()
}

fn address_lines(address: Option<&Address>) -> Vec<String> {
    let Some(address) = address else { return Vec::new() };
    let mut lines: Vec<String> =
        [&address.line1, &address.line2, &address.line3].into_iter().flatten().cloned().collect();
    let city =
        [address.postcode.as_deref(), address.city.as_deref()].into_iter().flatten().collect::<Vec<_>>().join(" ");
    if !city.is_empty() {
        lines.push(city);
    }
    if address.country_code != "FR" {
        lines.push(address.country_code.clone());
    }
    lines
}

fn party_lines(party: &Party) -> Vec<String> {
    let mut lines = address_lines(party.address.as_ref());
    if let Some(registration) = &party.legal_registration {
        let label = match registration.scheme.as_deref() {
            Some("0009") => "SIRET",
            Some("0002") | None => "SIREN",
            Some(_) => "Immatriculation",
        };
        lines.push(format!("{label} : {}", registration.id));
    }
    if let Some(vat) = &party.vat_id {
        lines.push(format!("N° TVA : {vat}"));
    }
    if let Some(email) = party.contact.as_ref().and_then(|contact| contact.email.as_ref()) {
        lines.push(email.clone());
    }
    lines
}

/// The usual French abbreviation of common UN/ECE Rec 20 units.
fn unit_label(code: &str) -> &str {
    match code {
        "C62" | "H87" | "EA" => "u.",
        "HUR" => "h",
        "MIN" => "min",
        "DAY" => "j",
        "MON" => "mois",
        "ANN" => "an",
        "KGM" => "kg",
        "MTR" => "m",
        "MTK" => "m²",
        "MTQ" => "m³",
        "LTR" => "l",
        "KWH" => "kWh",
        "KMT" => "km",
        "SET" => "lot",
        other => other,
    }
}

fn title(type_code: &str) -> &'static str {
    match type_code {
        "381" | "261" | "262" | "396" | "532" => "AVOIR",
        "384" | "471" | "472" | "473" => "FACTURE RECTIFICATIVE",
        "386" | "500" | "503" => "FACTURE D'ACOMPTE",
        "389" | "527" => "AUTOFACTURE",
        _ => "FACTURE",
    }
}

/// The table's columns: header, right edge (or left for the first), alignment.
const COLUMNS: [(&str, f32, Align); 6] = [
    ("Désignation", MARGIN + 4.0, Align::Left),
    ("Qté", 330.0, Align::Right),
    ("Unité", 370.0, Align::Right),
    ("PU HT", 440.0, Align::Right),
    ("TVA", 480.0, Align::Right),
    ("Total HT", PAGE_WIDTH - MARGIN - 4.0, Align::Right),
];
const DESIGNATION_WIDTH: f32 = 255.0;

fn table_header(canvas: &mut Canvas) {
    canvas.fill(MARGIN, canvas.y - 6.0, PAGE_WIDTH - 2.0 * MARGIN, 20.0, ACCENT);
    for (label, x, align) in COLUMNS {
        canvas.text((Face::Bold, 9.0, "1 1 1"), x, canvas.y, align, label);
    }
    canvas.y -= 22.0;
}

/// The totals block: label, amount, face.
fn totals_rows(invoice: &Invoice) -> Vec<(String, String, Face)> {
    let currency = invoice.currency.as_str();
    let mut totals: Vec<(String, String, Face)> = Vec::new();
    let t = &invoice.totals;
    if let Some(value) = t.line_total {
        totals.push(("Total lignes HT".into(), money(value, currency), Face::Regular));
    }
    for allowance in &invoice.allowances {
        let label = allowance.reason.clone().unwrap_or_else(|| "Remise".into());
        totals.push((label, money(-allowance.amount, currency), Face::Regular));
    }
    for charge in &invoice.charges {
        let label = charge.reason.clone().unwrap_or_else(|| "Frais".into());
        totals.push((label, money(charge.amount, currency), Face::Regular));
    }
    if let Some(value) = t.tax_basis_total {
        totals.push(("Total HT".into(), money(value, currency), Face::Bold));
    }
    for vat in &invoice.vat_breakdown {
        let label = match vat.rate {
            Some(rate) if vat.category == "S" || !rate.is_zero() => {
                format!("TVA {} % sur {}", french_number(rate, 0), money(vat.taxable_amount, currency))
            }
            _ => format!("TVA {} sur {}", vat.category, money(vat.taxable_amount, currency)),
        };
        totals.push((label, money(vat.tax_amount, currency), Face::Regular));
    }
    if let Some(value) = t.grand_total {
        totals.push(("Total TTC".into(), money(value, currency), Face::Bold));
    }
    if let Some(value) = t.prepaid.filter(|value| !value.is_zero()) {
        totals.push(("Déjà réglé".into(), money(-value, currency), Face::Regular));
    }
    if let Some(value) = t.rounding.filter(|value| !value.is_zero()) {
        totals.push(("Arrondi".into(), money(value, currency), Face::Regular));
    }
    totals
}

/// Exemption mentions, payment instructions, terms and notes.
fn closing_paragraphs(invoice: &Invoice) -> Vec<(Face, String)> {
    let mut paragraphs: Vec<(Face, String)> = Vec::new();
    for vat in &invoice.vat_breakdown {
        if let Some(reason) = &vat.exemption_reason {
            paragraphs.push((Face::Regular, format!("TVA {} : {reason}", vat.category)));
        }
    }
    if let Some(payment) = &invoice.payment {
        paragraphs.push((Face::Bold, "Règlement".into()));
        let means = match payment.means_code.as_str() {
            "30" | "58" => "Virement".to_owned(),
            "59" | "49" => "Prélèvement".to_owned(),
            "48" | "54" | "55" => "Carte bancaire".to_owned(),
            "10" => "Espèces".to_owned(),
            "20" => "Chèque".to_owned(),
            other => payment.means_text.clone().unwrap_or_else(|| format!("Moyen de paiement {other}")),
        };
        paragraphs.push((Face::Regular, means));
        for transfer in &payment.credit_transfers {
            let bic = transfer.bic.as_ref().map(|bic| format!(" — BIC {bic}")).unwrap_or_default();
            paragraphs.push((Face::Regular, format!("IBAN {}{bic}", transfer.account_id)));
        }
        if let Some(reference) = &payment.remittance_information {
            paragraphs.push((Face::Regular, format!("Référence à rappeler : {reference}")));
        }
    }
    if let Some(terms) = &invoice.payment_terms {
        paragraphs.push((Face::Regular, terms.clone()));
    }
    for note in &invoice.notes {
        paragraphs.push((Face::Regular, note.text.clone()));
    }
    paragraphs
}

/// The invoice's pages as a PDF (no Factur-X parts yet).
/// Fails only when a font cannot be subset (a damaged font file).
pub fn render(invoice: &Invoice, fonts: &Typeface, producer: &str) -> Result<Vec<u8>, String> {
    let mut canvas = Canvas {
        regular: UsedFont::new(&fonts.regular),
        bold: UsedFont::new(&fonts.bold),
        pages: Vec::new(),
        content: String::new(),
        y: PAGE_HEIGHT - MARGIN,
    };
    let currency = invoice.currency.as_str();
    let right = PAGE_WIDTH - MARGIN;

    // Seller on the left, title and dates on the right.
    let top = canvas.y;
    canvas.text((Face::Bold, 16.0, ACCENT), MARGIN, top - 12.0, Align::Left, &invoice.seller.name);
    let mut y = top - 28.0;
    for line in party_lines(&invoice.seller) {
        canvas.text((Face::Regular, 9.0, MUTED), MARGIN, y, Align::Left, &line);
        y -= 12.0;
    }
    canvas.text((Face::Bold, 20.0, ACCENT), right, top - 14.0, Align::Right, title(&invoice.type_code));
    let mut facts = vec![format!("N° {}", invoice.number), format!("Date : {}", date(invoice.issue_date))];
    facts.extend(invoice.due_date.map(|due| format!("Échéance : {}", date(due))));
    facts.extend(
        invoice
            .invoicing_period
            .as_ref()
            .and_then(|period| Some(format!("Période : du {} au {}", date(period.start?), date(period.end?)))),
    );
    let mut right_y = top - 34.0;
    for fact in &facts {
        canvas.text((Face::Regular, 10.0, "0 0 0"), right, right_y, Align::Right, fact);
        right_y -= 13.0;
    }

    // The buyer's block.
    let block_top = y.min(right_y) - 16.0;
    let buyer_lines = party_lines(&invoice.buyer);
    let block_height = 34.0 + 12.0 * buyer_lines.len() as f32;
    let block_x = PAGE_WIDTH / 2.0 + 10.0;
    canvas.fill(block_x, block_top - block_height, right - block_x, block_height, "0.95 0.96 0.98");
    canvas.text((Face::Bold, 8.0, MUTED), block_x + 10.0, block_top - 13.0, Align::Left, "FACTURÉ À");
    canvas.text((Face::Bold, 11.0, "0 0 0"), block_x + 10.0, block_top - 27.0, Align::Left, &invoice.buyer.name);
    let mut buyer_y = block_top - 40.0;
    for line in &buyer_lines {
        canvas.text((Face::Regular, 9.0, "0 0 0"), block_x + 10.0, buyer_y, Align::Left, line);
        buyer_y -= 12.0;
    }
    let mut references = Vec::new();
    let mut reference = |label: &str, value: &Option<String>| {
        if let Some(value) = value {
            references.push(format!("{label} : {value}"));
        }
    };
    reference("Votre référence", &invoice.buyer_reference);
    reference("Commande", &invoice.purchase_order_reference);
    reference("Contrat", &invoice.contract_reference);
    reference("Projet", &invoice.project_reference);
    let mut references_y = block_top - 13.0;
    for line in &references {
        canvas.text((Face::Regular, 9.0, MUTED), MARGIN, references_y, Align::Left, line);
        references_y -= 12.0;
    }
    canvas.y = (block_top - block_height).min(references_y) - 24.0;

    // Lines.
    if !invoice.lines.is_empty() {
        table_header(&mut canvas);
        for line in &invoice.lines {
            let mut designation = canvas.wrap(Face::Bold, 9.0, &line.name, DESIGNATION_WIDTH);
            let details = line.description.iter().chain(line.note.iter());
            let detail_lines: Vec<String> =
                details.flat_map(|detail| canvas.wrap(Face::Regular, 8.0, detail, DESIGNATION_WIDTH)).collect();
            let height = 12.0 * designation.len() as f32 + 10.0 * detail_lines.len() as f32 + 8.0;
            if canvas.ensure(height) {
                table_header(&mut canvas);
            }
            let row_top = canvas.y;
            let rate = line
                .vat_rate
                .map(|rate| format!("{} %", french_number(rate, 0)))
                .unwrap_or_else(|| line.vat_category.clone());
            let cells = [
                french_number(line.quantity, 0),
                unit_label(&line.unit).to_owned(),
                french_number(line.net_price, 2),
                rate,
                line.net_amount.map(|amount| money(amount, currency)).unwrap_or_default(),
            ];
            for ((_, x, align), value) in COLUMNS[1..].iter().zip(cells) {
                canvas.text((Face::Regular, 9.0, "0 0 0"), *x, row_top, *align, &value);
            }
            for text_line in designation.drain(..) {
                canvas.text((Face::Bold, 9.0, "0 0 0"), COLUMNS[0].1, canvas.y, Align::Left, &text_line);
                canvas.y -= 12.0;
            }
            for text_line in &detail_lines {
                canvas.text((Face::Regular, 8.0, MUTED), COLUMNS[0].1, canvas.y + 1.0, Align::Left, text_line);
                canvas.y -= 10.0;
            }
            canvas.rule(MARGIN, right, canvas.y + 4.0, 0.3);
            canvas.y -= 8.0;
        }
    }

    let totals = totals_rows(invoice);
    canvas.ensure(16.0 * totals.len() as f32 + 40.0);
    canvas.y -= 6.0;
    let label_x = PAGE_WIDTH / 2.0 + 10.0;
    for (label, value, face) in &totals {
        canvas.text((*face, 9.5, "0 0 0"), label_x, canvas.y, Align::Left, label);
        canvas.text((*face, 9.5, "0 0 0"), right, canvas.y, Align::Right, value);
        canvas.y -= 15.0;
    }
    if let Some(value) = invoice.totals.due_payable {
        canvas.y -= 8.0;
        canvas.fill(label_x - 8.0, canvas.y - 8.0, right - label_x + 12.0, 24.0, ACCENT);
        canvas.text((Face::Bold, 11.0, "1 1 1"), label_x, canvas.y, Align::Left, "NET À PAYER");
        canvas.text((Face::Bold, 11.0, "1 1 1"), right - 4.0, canvas.y, Align::Right, &money(value, currency));
        canvas.y -= 36.0;
    }

    for (face, paragraph) in &closing_paragraphs(invoice) {
        for line in canvas.wrap(*face, 9.0, paragraph, PAGE_WIDTH - 2.0 * MARGIN) {
            canvas.ensure(12.0);
            canvas.text((*face, 9.0, "0 0 0"), MARGIN, canvas.y, Align::Left, &line);
            canvas.y -= 12.0;
        }
        if matches!(face, Face::Regular) {
            canvas.y -= 3.0;
        }
    }
    canvas.new_page();

    // Footers, now that the page count is known.
    let count = canvas.pages.len();
    let legal = invoice.seller.legal_information.clone().unwrap_or_default();
    let mut pages = std::mem::take(&mut canvas.pages);
    for (index, page) in pages.iter_mut().enumerate() {
        canvas.content.clear();
        canvas.rule(MARGIN, right, FOOTER - 14.0, 0.5);
        canvas.text((Face::Regular, 7.5, MUTED), MARGIN, FOOTER - 26.0, Align::Left, &legal);
        let page_label = format!("{} — page {} / {count}", invoice.number, index + 1);
        canvas.text((Face::Regular, 7.5, MUTED), right, FOOTER - 26.0, Align::Right, &page_label);
        page.push_str(&canvas.content);
    }
    assemble(invoice, canvas.regular, canvas.bold, pages, producer)
}

fn assemble(
    invoice: &Invoice,
    regular: UsedFont,
    bold: UsedFont,
    pages: Vec<String>,
    producer: &str,
) -> Result<Vec<u8>, String> {
    let mut document = Document::with_version("1.7");
    let regular = fonts::write(regular, &mut document)?;
    let bold = fonts::write(bold, &mut document)?;
    let mut fonts = Dictionary::new();
    fonts.set("F1", Object::Reference(regular));
    fonts.set("F2", Object::Reference(bold));
    let mut resources = Dictionary::new();
    resources.set("Font", Object::Dictionary(fonts));
    let resources = document.add_object(resources);
    let pages_id = document.new_object_id();
    let mut kids = Vec::new();
    for content in pages {
        let mut stream = Dictionary::new();
        stream.set("Filter", Object::Name(b"FlateDecode".to_vec()));
        let content = document.add_object(Stream::new(stream, deflate(content.as_bytes())));
        let mut page = Dictionary::new();
        page.set("Type", Object::Name(b"Page".to_vec()));
        page.set("Parent", Object::Reference(pages_id));
        page.set("MediaBox", Object::Array([0.0, 0.0, PAGE_WIDTH, PAGE_HEIGHT].map(Object::Real).to_vec()));
        page.set("Resources", Object::Reference(resources));
        page.set("Contents", Object::Reference(content));
        kids.push(Object::Reference(document.add_object(page)));
    }
    let mut pages = Dictionary::new();
    pages.set("Type", Object::Name(b"Pages".to_vec()));
    pages.set("Count", Object::Integer(kids.len() as i64));
    pages.set("Kids", Object::Array(kids));
    document.objects.insert(pages_id, Object::Dictionary(pages));
    let mut catalog = Dictionary::new();
    catalog.set("Type", Object::Name(b"Catalog".to_vec()));
    catalog.set("Pages", Object::Reference(pages_id));
    catalog.set("Lang", text("fr-FR"));
    let catalog = document.add_object(catalog);
    let mut info = Dictionary::new();
    info.set("Title", text(&format!("{} {}", title(&invoice.type_code).to_lowercase(), invoice.number)));
    info.set("Author", text(&invoice.seller.name));
    info.set("Creator", text(producer));
    info.set("CreationDate", text(&pdf_date(chrono::Utc::now())));
    let info = document.add_object(info);
    document.trailer.set("Root", Object::Reference(catalog));
    document.trailer.set("Info", Object::Reference(info));
    let mut bytes = Vec::new();
    document.save_to(&mut bytes).map_err(|error| error.to_string())?;
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_written_the_french_way() {
        assert_eq!(french_number(Decimal::new(123456789, 2), 2), "1\u{202f}234\u{202f}567,89");
        assert_eq!(french_number(Decimal::new(-5, 1), 2), "-0,50");
        assert_eq!(french_number(Decimal::new(20, 0), 0), "20");
        assert_eq!(money(Decimal::new(1000, 0), "EUR"), "1\u{202f}000,00 €");
    }
}
