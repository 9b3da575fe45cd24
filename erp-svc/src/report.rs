//! The intervention report ("bon d'intervention"), A4 PDF: who, where,
//! what was planned, the work lines with time and travel, the parts, the
//! photos before and after, and both signatures.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use common::error::ApiError;
use common::object_storage::ObjectStorage;
use common::pdf::{A4_HEIGHT, A4_WIDTH, Document, Font, Image, Info, Page, Rgb, wrap};

use crate::domain::{InterventionKind, Priority, Status};
use crate::store::{
    DocumentRow, EquipmentRow, InterventionRecord, InterventionRow, LineRow, PartRow, SignatureRow, Store,
};

const MARGIN: f32 = 40.0;
const BOTTOM: f32 = A4_HEIGHT - 50.0;
const WIDTH: f32 = A4_WIDTH - 2.0 * MARGIN;
const INK: Rgb = Rgb(32, 33, 36);
const MUTED: Rgb = Rgb(95, 99, 104);
const RULE: Rgb = Rgb(218, 220, 224);
const BAND: Rgb = Rgb(241, 243, 244);
const ACCENT: Rgb = Rgb(26, 115, 232);
/// Photos are shrunk to this many pixels on their longer side.
const PHOTO_PIXELS: u32 = 900;
const PHOTOS_PER_REPORT: usize = 12;

/// Renders reports from the store and the object store (photos).
#[derive(Clone)]
pub struct Reporter {
    store: Store,
    storage: ObjectStorage,
    zone: Tz,
}

/// What a report shows, read before drawing.
struct Sources {
    row: InterventionRow,
    technicians: Vec<String>,
    equipment: Option<EquipmentRow>,
    lines: Vec<LineRow>,
    parts: Vec<PartRow>,
    photos: Vec<(String, Vec<u8>)>,
    /// Each signature with its drawing.
    signatures: Vec<(SignatureRow, Vec<u8>)>,
    zone: Tz,
}

impl Reporter {
    pub fn new(store: Store, storage: ObjectStorage, zone: Tz) -> Self {
        Self { store, storage, zone }
    }

    pub async fn render(&self, row: InterventionRow, technicians: Vec<String>) -> Result<Vec<u8>, ApiError> {
        let equipment = match row.equipment_id {
            Some(id) => self.store.equipment(id).await?,
            None => None,
        };
        let InterventionRecord { lines, parts, documents, signatures: signed, .. } = self.store.record(row.id).await?;
        let mut photos = Vec::new();
        for document in documents.iter().filter(|document| is_photo(document)).take(PHOTOS_PER_REPORT) {
            let caption =
                format!("{} — {}", if document.kind == "photo_before" { "Avant" } else { "Après" }, document.file_name);
            let bytes = self.storage.get(&document.object_key).await.map_err(ApiError::internal)?;
            photos.push((caption, bytes.to_vec()));
        }
        let mut signatures = Vec::new();
        for signature in signed {
            let image = self.store.signature_image(row.id, &signature.signer_role).await?.unwrap_or_default();
            signatures.push((signature, image));
        }
        let sources = Sources { row, technicians, equipment, lines, parts, photos, signatures, zone: self.zone };
        // Decoding photos and compressing pixels is CPU work.
        tokio::task::spawn_blocking(move || sources.pdf()).await.map_err(ApiError::internal)
    }
}

fn is_photo(document: &DocumentRow) -> bool {
    (document.kind == "photo_before" || document.kind == "photo_after") && document.media_type.starts_with("image/")
}

fn hours(minutes: i64) -> String {
    format!("{}h{:02}", minutes / 60, minutes % 60)
}

fn decimal(value: f64) -> String {
    let text = format!("{value:.2}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    text.replace('.', ",")
}

/// A cursor down the pages: a new page (with its running head) when the
/// next block does not fit.
struct Layout<'a> {
    document: Document,
    top: f32,
    title: &'a str,
}

impl<'a> Layout<'a> {
    fn page(&mut self) -> &mut Page {
        let last = self.document.page_count() - 1;
        self.document.page_mut(last).expect("a layout always has a page")
    }

    fn room_for(&mut self, height: f32) {
        if self.top + height > BOTTOM {
            let page = self.document.add_page(A4_WIDTH, A4_HEIGHT);
            page.text(MARGIN, MARGIN + 10.0, Font::Bold, 10.0, MUTED, self.title);
            page.line((MARGIN, MARGIN + 18.0), (A4_WIDTH - MARGIN, MARGIN + 18.0), 0.5, RULE);
            self.top = MARGIN + 30.0;
        }
    }

    fn section(&mut self, heading: &str) {
        self.room_for(48.0);
        let top = self.top;
        let page = self.page();
        page.fill_rect(MARGIN, top, 4.0, 16.0, ACCENT);
        page.text(MARGIN + 10.0, top + 12.5, Font::Bold, 12.0, INK, heading);
        self.top += 24.0;
    }

    /// A table: a header band, then rows whose cells wrap in their column.
    fn table(&mut self, columns: &[(&str, f32)], rows: &[Vec<String>]) {
        let header = |layout: &mut Layout<'_>| {
            let top = layout.top;
            let page = layout.page();
            page.fill_rect(MARGIN, top, WIDTH, 16.0, BAND);
            let mut x = MARGIN;
            for (heading, width) in columns {
                page.text(x + 4.0, top + 11.5, Font::Bold, 8.5, MUTED, heading);
                x += width;
            }
            layout.top += 16.0;
        };
        self.room_for(40.0);
        header(self);
        for row in rows {
            let cells: Vec<Vec<String>> =
                row.iter().zip(columns).map(|(cell, (_, width))| wrap(cell, Font::Regular, 9.0, width - 8.0)).collect();
            let height = 8.0 + 11.0 * cells.iter().map(Vec::len).max().unwrap_or(1).max(1) as f32;
            if self.top + height > BOTTOM {
                self.room_for(BOTTOM);
                header(self);
            }
            let top = self.top;
            let page = self.page();
            let mut x = MARGIN;
            for (lines, (_, width)) in cells.iter().zip(columns) {
                for (index, line) in lines.iter().enumerate() {
                    page.text(x + 4.0, top + 12.5 + 11.0 * index as f32, Font::Regular, 9.0, INK, line);
                }
                x += width;
            }
            self.top += height;
            let top = self.top;
            self.page().line((MARGIN, top), (A4_WIDTH - MARGIN, top), 0.5, RULE);
        }
        self.top += 14.0;
    }
}

impl Sources {
    fn local(&self, instant: DateTime<Utc>) -> String {
        instant.with_timezone(&self.zone).format("%d/%m/%Y %H:%M").to_string()
    }

    fn pdf(self) -> Vec<u8> {
        let title = format!("Bon d'intervention {}", self.row.number);
        let mut layout = Layout { document: Document::new(), top: 0.0, title: &title };
        layout.document.add_page(A4_WIDTH, A4_HEIGHT);
        self.header(&mut layout);
        self.parties(&mut layout);
        self.work(&mut layout);
        self.photos(&mut layout);
        self.signatures(&mut layout);
        let mut document = layout.document;
        let pages = document.page_count();
        for index in 0..pages {
            if let Some(page) = document.page_mut(index) {
                page.line((MARGIN, A4_HEIGHT - 34.0), (A4_WIDTH - MARGIN, A4_HEIGHT - 34.0), 0.5, RULE);
                page.text(MARGIN, A4_HEIGHT - 22.0, Font::Regular, 8.0, MUTED, &title);
                page.text_right(
                    A4_WIDTH - MARGIN,
                    A4_HEIGHT - 22.0,
                    Font::Regular,
                    8.0,
                    MUTED,
                    &format!("Page {} / {pages}", index + 1),
                );
            }
        }
        let info = Info {
            title: title.clone(),
            author: "Service maintenance".to_owned(),
            subject: self.row.client_name.clone(),
        };
        document.finish(&info, &Utc::now().format("D:%Y%m%d%H%M%SZ").to_string())
    }

    fn header(&self, layout: &mut Layout<'_>) {
        let row = &self.row;
        let page = layout.page();
        page.text(MARGIN, MARGIN + 18.0, Font::Bold, 20.0, INK, "BON D'INTERVENTION");
        page.text(MARGIN, MARGIN + 38.0, Font::Bold, 13.0, ACCENT, &row.number);
        page.text(
            MARGIN,
            MARGIN + 54.0,
            Font::Regular,
            9.0,
            MUTED,
            &format!("Créée le {} par {}", self.local(row.created_at), row.created_by),
        );
        let status: &str = Status::parse(&row.status).map_or(&row.status, |status| status.label_fr());
        let badge = Font::Bold.width(status, 11.0) + 24.0;
        page.fill_rect(A4_WIDTH - MARGIN - badge, MARGIN + 2.0, badge, 22.0, ACCENT);
        page.text_right(A4_WIDTH - MARGIN - 12.0, MARGIN + 17.0, Font::Bold, 11.0, Rgb::WHITE, status);
        layout.top = MARGIN + 70.0;
        let top = layout.top;
        layout.page().line((MARGIN, top), (A4_WIDTH - MARGIN, top), 1.0, RULE);
        layout.top += 14.0;
    }

    /// Client and site side by side, then what was planned.
    fn parties(&self, layout: &mut Layout<'_>) {
        let row = &self.row;
        let half = (WIDTH - 14.0) / 2.0;
        let site_lines: Vec<String> = [
            Some(row.site_name.clone()),
            row.site_address.clone(),
            match (&row.site_postal_code, &row.site_city) {
                (Some(code), Some(city)) => Some(format!("{code} {city}")),
                (None, Some(city)) => Some(city.clone()),
                _ => None,
            },
        ]
        .into_iter()
        .flatten()
        .collect();
        let client_lines: Vec<String> =
            [Some(row.client_name.clone()), row.client_email.clone()].into_iter().flatten().collect();
        let top = layout.top;
        let page = layout.page();
        for (index, (heading, lines)) in [("CLIENT", client_lines), ("SITE", site_lines)].into_iter().enumerate() {
            let x = MARGIN + index as f32 * (half + 14.0);
            page.stroke_rect(x, top, half, 70.0, 0.8, RULE);
            page.text(x + 10.0, top + 16.0, Font::Bold, 8.5, MUTED, heading);
            for (line_index, line) in lines.iter().take(3).enumerate() {
                let font = if line_index == 0 { Font::Bold } else { Font::Regular };
                page.text(x + 10.0, top + 32.0 + 13.0 * line_index as f32, font, 10.0, INK, line);
            }
        }
        layout.top += 84.0;

        let kind: &str = InterventionKind::parse(&row.kind).map_or(&row.kind, |kind| kind.label_fr());
        let priority: &str = Priority::parse(&row.priority).map_or(&row.priority, |priority| priority.label_fr());
        let mut facts = vec![
            ("Objet", row.title.clone()),
            ("Type", kind.to_owned()),
            ("Priorité", priority.to_owned()),
            (
                "Prévue",
                match (row.planned_start, row.planned_end) {
                    (Some(start), Some(end)) => format!("du {} au {}", self.local(start), self.local(end)),
                    _ => "non planifiée".to_owned(),
                },
            ),
            ("Techniciens", if self.technicians.is_empty() { "—".to_owned() } else { self.technicians.join(", ") }),
        ];
        if let Some(equipment) = &self.equipment {
            let described = [Some(equipment.kind.clone()), equipment.brand.clone(), equipment.model.clone()]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" ");
            let serial = equipment.serial_number.as_deref().map(|serial| format!(" — n° {serial}")).unwrap_or_default();
            facts.push(("Équipement", format!("{described}{serial}")));
        }
        for (label, value) in facts {
            let lines = wrap(&value, Font::Regular, 10.0, WIDTH - 100.0);
            layout.room_for(14.0 * lines.len() as f32);
            let top = layout.top;
            let page = layout.page();
            page.text(MARGIN, top + 11.0, Font::Bold, 9.0, MUTED, label);
            for (index, line) in lines.iter().enumerate() {
                page.text(MARGIN + 100.0, top + 11.0 + 13.0 * index as f32, Font::Regular, 10.0, INK, line);
            }
            layout.top += 2.0 + 13.0 * lines.len().max(1) as f32;
        }
        if let Some(description) = row.description.as_deref() {
            layout.top += 6.0;
            layout.section("Description");
            for paragraph in description.lines() {
                for line in wrap(paragraph, Font::Regular, 10.0, WIDTH) {
                    layout.room_for(14.0);
                    let top = layout.top;
                    layout.page().text(MARGIN, top + 11.0, Font::Regular, 10.0, INK, &line);
                    layout.top += 13.0;
                }
            }
        }
        layout.top += 10.0;
    }

    fn work(&self, layout: &mut Layout<'_>) {
        layout.section("Travaux réalisés");
        if self.lines.is_empty() {
            let top = layout.top;
            layout.page().text(MARGIN, top + 10.0, Font::Regular, 9.5, MUTED, "Aucun travail enregistré.");
            layout.top += 24.0;
        } else {
            let rows: Vec<Vec<String>> = self
                .lines
                .iter()
                .map(|line| {
                    vec![
                        line.work_date.format("%d/%m/%Y").to_string(),
                        line.technician.clone(),
                        hours(i64::from(line.minutes)),
                        decimal(line.travel_km),
                        line.description.clone(),
                    ]
                })
                .chain([vec![
                    String::new(),
                    "Total".to_owned(),
                    hours(self.lines.iter().map(|line| i64::from(line.minutes)).sum()),
                    decimal(self.lines.iter().map(|line| line.travel_km).sum()),
                    String::new(),
                ]])
                .collect();
            layout.table(
                &[("Date", 62.0), ("Technicien", 140.0), ("Durée", 50.0), ("km", 40.0), ("Travaux", WIDTH - 292.0)],
                &rows,
            );
        }
        layout.section("Pièces utilisées");
        if self.parts.is_empty() {
            let top = layout.top;
            layout.page().text(MARGIN, top + 10.0, Font::Regular, 9.5, MUTED, "Aucune pièce.");
            layout.top += 24.0;
        } else {
            let rows: Vec<Vec<String>> = self
                .parts
                .iter()
                .map(|part| {
                    vec![part.reference.clone(), part.label.clone().unwrap_or_default(), decimal(part.quantity)]
                })
                .collect();
            layout.table(&[("Référence", 130.0), ("Désignation", WIDTH - 200.0), ("Quantité", 70.0)], &rows);
        }
    }

    fn photos(&self, layout: &mut Layout<'_>) {
        let decoded: Vec<(&str, Image)> = self
            .photos
            .iter()
            .filter_map(|(caption, bytes)| Some((caption.as_str(), Image::decode(bytes, PHOTO_PIXELS)?)))
            .collect();
        if decoded.is_empty() {
            return;
        }
        layout.section("Photos");
        let cell = (WIDTH - 14.0) / 2.0;
        let frame = 170.0;
        for pair in decoded.chunks(2) {
            layout.room_for(frame + 22.0);
            let top = layout.top;
            for (index, (caption, image)) in pair.iter().enumerate() {
                let x = MARGIN + index as f32 * (cell + 14.0);
                let (width, height) = image.size_px();
                let scale = (cell / width as f32).min(frame / height as f32);
                let (shown_width, shown_height) = (width as f32 * scale, height as f32 * scale);
                let page = layout.page();
                page.image(image.clone(), x + (cell - shown_width) / 2.0, top, shown_width, shown_height);
                page.text(
                    x,
                    top + frame + 12.0,
                    Font::Regular,
                    8.5,
                    MUTED,
                    &wrap(caption, Font::Regular, 8.5, cell)[0],
                );
            }
            layout.top += frame + 22.0;
        }
    }

    fn signatures(&self, layout: &mut Layout<'_>) {
        layout.section("Signatures");
        layout.room_for(130.0);
        let half = (WIDTH - 14.0) / 2.0;
        let top = layout.top;
        for (index, (role, heading)) in
            [("technician", "Le technicien"), ("client", "Le client")].into_iter().enumerate()
        {
            let x = MARGIN + index as f32 * (half + 14.0);
            let signature = self.signatures.iter().find(|(signature, _)| signature.signer_role == role);
            let page = layout.page();
            page.stroke_rect(x, top, half, 120.0, 0.8, RULE);
            page.text(x + 10.0, top + 16.0, Font::Bold, 9.0, MUTED, heading);
            match signature {
                Some((signature, image)) => {
                    page.text(x + 10.0, top + 31.0, Font::Regular, 9.5, INK, &signature.signer_name);
                    page.text(
                        x + 10.0,
                        top + 44.0,
                        Font::Regular,
                        8.5,
                        MUTED,
                        &format!("le {}", self.local(signature.signed_at)),
                    );
                    if let Some(image) = Image::decode(image, 600) {
                        let (width, height) = image.size_px();
                        let scale = ((half - 20.0) / width as f32).min(62.0 / height as f32);
                        page.image(image, x + 10.0, top + 52.0, width as f32 * scale, height as f32 * scale);
                    }
                }
                None => page.text(x + 10.0, top + 31.0, Font::Regular, 9.5, MUTED, "Non signé"),
            }
        }
        layout.top += 134.0;
    }
}
