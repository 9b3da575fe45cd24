//! A check as a document to keep or forward: PDF (A4, the client's logo,
//! a traffic light per category, every service with its comment), PNG
//! (the PDF's first page rasterised by Poppler's pdftoppm) and Excel (one
//! row per service, coloured by status).

use std::process::Stdio;
use std::time::Duration;

use anyhow::Context;
use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use common::pdf::{A4_HEIGHT, A4_WIDTH, Document, Font, Image, Info, Page, Rgb, wrap};
use rust_xlsxwriter::{Color, ExcelDateTime, Format, FormatAlign, FormatBorder, Workbook, XlsxError};

use crate::domain::{CheckStatus, ServiceStatus};
use crate::notifications::by_category;
use crate::store::{CheckRow, ServiceCheckRow};

const MARGIN: f32 = 42.0;
const BOTTOM: f32 = A4_HEIGHT - 48.0;
const INK: Rgb = Rgb(29, 39, 51);
const MUTED: Rgb = Rgb(91, 107, 124);
const RULE: Rgb = Rgb(213, 221, 230);
const RASTER_TIMEOUT: Duration = Duration::from_secs(30);
/// A PNG export stops there: 20 A4 pages at 110 dpi are 26,000 px tall.
const MAX_PNG_PAGES: usize = 20;

/// Everything a report shows.
pub struct Report<'a> {
    pub client_label: &'a str,
    pub check: &'a CheckRow,
    pub services: &'a [ServiceCheckRow],
    /// The client's logo as stored (PNG, JPEG or GIF).
    pub logo: Option<&'a [u8]>,
    pub zone: Tz,
}

/// Status colours, as the e-mail and the pages show them.
fn rgb(status: ServiceStatus) -> Rgb {
    match status {
        ServiceStatus::Success => Rgb(30, 122, 70),
        ServiceStatus::Warning => Rgb(179, 92, 0),
        ServiceStatus::Error => Rgb(179, 38, 30),
        ServiceStatus::Pending => Rgb(95, 107, 120),
    }
}

fn check_rgb(status: CheckStatus) -> Rgb {
    match status {
        CheckStatus::Success => rgb(ServiceStatus::Success),
        CheckStatus::Warning => rgb(ServiceStatus::Warning),
        CheckStatus::Error => rgb(ServiceStatus::Error),
        CheckStatus::Pending | CheckStatus::InProgress => rgb(ServiceStatus::Pending),
    }
}

impl Report<'_> {
    /// `at` in the report's zone, as a spreadsheet stores a date and time.
    fn spreadsheet_time(&self, at: DateTime<Utc>) -> Result<ExcelDateTime, XlsxError> {
        ExcelDateTime::parse_from_str(&at.with_timezone(&self.zone).format("%Y-%m-%dT%H:%M:%S").to_string())
    }

    fn local(&self, at: DateTime<Utc>) -> String {
        local_time(at, self.zone)
    }

    pub fn title(&self) -> String {
        format!("Check du Matin {} du {}", self.client_label, self.check.check_date.format("%d/%m/%Y"))
    }

    pub fn file_name(&self, extension: &str) -> String {
        format!("check-{}-{}.{extension}", slug(self.client_label), self.check.check_date)
    }

    pub fn pdf(&self) -> Vec<u8> {
        let mut document = Document::new();
        self.draw(&mut document);
        let info =
            Info { title: self.title(), author: "Check du Matin".to_owned(), subject: self.client_label.to_owned() };
        document.finish(&info, &Utc::now().format("D:%Y%m%d%H%M%SZ").to_string())
    }

    /// Adds the check's pages to `document`, numbered among themselves.
    fn draw(&self, document: &mut Document) {
        let first = document.page_count();
        let page = document.add_page(A4_WIDTH, A4_HEIGHT);
        let mut top = self.header(page);
        let categories = by_category(self.services);

        // The traffic lights first: what a reader wants in one glance.
        for category in &categories {
            page.disc(MARGIN + 6.0, top + 1.0, 5.0, rgb(category.status));
            page.text(MARGIN + 18.0, top + 5.0, Font::Bold, 11.0, INK, category.label);
            page.text(MARGIN + 260.0, top + 5.0, Font::Regular, 11.0, rgb(category.status), category.status.label());
            top += 17.0;
        }
        top += 12.0;

        let columns = [MARGIN, MARGIN + 170.0, MARGIN + 235.0, MARGIN + 420.0];
        for category in &categories {
            if top + 60.0 > BOTTOM {
                top = continuation(document, self);
            }
            let page = last_page(document);
            page.text(MARGIN, top + 12.0, Font::Bold, 12.5, INK, category.label);
            top += 18.0;
            page.fill_rect(MARGIN, top, A4_WIDTH - 2.0 * MARGIN, 16.0, Rgb(238, 242, 246));
            for (x, heading) in columns.iter().zip(["Service", "État", "Commentaire", "Intervenant"]) {
                page.text(x + 4.0, top + 11.5, Font::Bold, 8.5, MUTED, heading);
            }
            top += 16.0;
            for service in &category.services {
                let comment = wrap(service.comment.as_deref().unwrap_or(""), Font::Regular, 9.0, 178.0);
                let label = wrap(&service.service_label, Font::Regular, 9.5, 160.0);
                let height = 8.0 + 12.0 * comment.len().max(label.len()).max(1) as f32;
                if top + height > BOTTOM {
                    top = continuation(document, self);
                }
                let page = last_page(document);
                for (index, line) in label.iter().enumerate() {
                    page.text(columns[0] + 4.0, top + 13.0 + 12.0 * index as f32, Font::Regular, 9.5, INK, line);
                }
                let badge = Font::Bold.width(service.status.label(), 8.5) + 8.0;
                page.fill_rect(columns[1] + 4.0, top + 4.0, badge.max(56.0), 13.0, rgb(service.status));
                page.text(columns[1] + 8.0, top + 13.5, Font::Bold, 8.5, Rgb::WHITE, service.status.label());
                for (index, line) in comment.iter().enumerate() {
                    page.text(columns[2] + 4.0, top + 13.0 + 12.0 * index as f32, Font::Regular, 9.0, INK, line);
                }
                if let Some(intervenant) = &service.intervenant {
                    // An e-mail address has no space to wrap at: it is set smaller to fit.
                    let room = A4_WIDTH - MARGIN - columns[3] - 6.0;
                    let size = (8.5 * room / Font::Regular.width(intervenant, 8.5)).clamp(5.5, 8.5);
                    page.text(columns[3] + 4.0, top + 13.0, Font::Regular, size, MUTED, intervenant);
                }
                top += height;
                page.line((MARGIN, top), (A4_WIDTH - MARGIN, top), 0.5, RULE);
            }
            top += 14.0;
        }

        if let Some(notes) = self.check.notes.as_deref().filter(|notes| !notes.trim().is_empty()) {
            let lines = wrap(notes, Font::Regular, 10.0, A4_WIDTH - 2.0 * MARGIN);
            if top + 24.0 + 13.0 * lines.len() as f32 > BOTTOM {
                top = continuation(document, self);
            }
            let page = last_page(document);
            page.text(MARGIN, top + 12.0, Font::Bold, 12.0, INK, "Notes");
            top += 18.0;
            for line in &lines {
                page.text(MARGIN, top + 11.0, Font::Regular, 10.0, INK, line);
                top += 13.0;
            }
        }

        let pages = document.page_count() - first;
        for index in 0..pages {
            if let Some(page) = document.page_mut(first + index) {
                let footer = format!("{} · page {} / {pages}", self.title(), index + 1);
                page.text(MARGIN, A4_HEIGHT - 24.0, Font::Regular, 8.0, MUTED, &footer);
            }
        }
    }

    /// Logo, title, outcome and who finished it; returns where the body starts.
    fn header(&self, page: &mut Page) -> f32 {
        let mut text_left = MARGIN;
        if let Some(image) = self.logo.and_then(|logo| Image::decode(logo, 600)) {
            let (width, height) = image.size_px();
            let (width, height) = (width as f32, height as f32);
            let scale = (140.0 / width).min(50.0 / height);
            page.image(image, MARGIN, MARGIN, width * scale, height * scale);
            text_left = MARGIN + width * scale + 16.0;
        }
        page.text(text_left, MARGIN + 16.0, Font::Bold, 18.0, INK, "Check du Matin");
        // A long label wraps rather than running under the badge or off the page.
        let width = A4_WIDTH - MARGIN - text_left;
        let mut baseline = page.paragraph(text_left, MARGIN + 34.0, width, Font::Regular, 12.0, INK, self.client_label);
        let date = crate::calendar::french_date(self.check.check_date);
        page.text(text_left, baseline, Font::Regular, 10.0, MUTED, &date);
        let status = self.check.status;
        let badge_width = Font::Bold.width(status.label(), 12.0) + 24.0;
        page.fill_rect(A4_WIDTH - MARGIN - badge_width, MARGIN, badge_width, 24.0, check_rgb(status));
        page.text_right(A4_WIDTH - MARGIN - 12.0, MARGIN + 16.5, Font::Bold, 12.0, Rgb::WHITE, status.label());
        let finished = match (self.check.finished_at, self.check.finished_by.as_deref()) {
            (Some(at), Some(by)) => format!("Terminé le {} par {by}", self.local(at)),
            (Some(at), None) => format!("Terminé le {}", self.local(at)),
            _ => format!("Ouvert le {}", self.local(self.check.created_at)),
        };
        baseline += 14.0;
        page.text(text_left, baseline, Font::Regular, 9.0, MUTED, &finished);
        let top = (baseline + 12.0).max(MARGIN + 58.0);
        page.line((MARGIN, top), (A4_WIDTH - MARGIN, top), 1.0, RULE);
        top + 16.0
    }

    /// Every page (up to `MAX_PNG_PAGES`), one under the other, as one PNG
    /// at 110 dpi, rasterised by Poppler's pdftoppm.
    pub async fn png(&self) -> anyhow::Result<Vec<u8>> {
        let folder = tempfile::tempdir()?;
        let pdf = folder.path().join("check.pdf");
        tokio::fs::write(&pdf, self.pdf()).await?;
        let child = tokio::process::Command::new("pdftoppm")
            .args(["-png", "-r", "110", "-l", &MAX_PNG_PAGES.to_string()])
            .arg(&pdf)
            .arg(folder.path().join("page"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .context("pdftoppm (poppler-utils) could not start")?;
        let status =
            tokio::time::timeout(RASTER_TIMEOUT, child.wait_with_output()).await.context("pdftoppm timed out")??;
        anyhow::ensure!(status.status.success(), "pdftoppm failed: {}", status.status);
        let mut pages: Vec<_> = std::fs::read_dir(folder.path())?
            .filter_map(Result::ok)
            .map(|entry| entry.path())
            .filter(|path| path.extension().is_some_and(|extension| extension == "png"))
            .collect();
        // page-1.png … page-9.png, or page-01.png … with more pages: same width.
        pages.sort();
        tokio::task::spawn_blocking(move || stack(&pages)).await?
    }

    pub fn xlsx(&self) -> anyhow::Result<Vec<u8>> {
        let mut workbook = Workbook::new();
        let sheet = workbook.add_worksheet();
        sheet.set_name("Check")?;
        let SheetFormats { bold, heading, day, moment } = SheetFormats::new();
        let title = Format::new().set_bold().set_font_size(14);
        let status_format = |status: Rgb| {
            let Rgb(r, g, b) = status;
            Format::new()
                .set_bold()
                .set_font_color(Color::White)
                .set_background_color(Color::RGB((u32::from(r) << 16) | (u32::from(g) << 8) | u32::from(b)))
        };
        sheet.write_with_format(0, 0, self.title(), &title)?;
        sheet.write_with_format(1, 0, "Client", &bold)?;
        sheet.write(1, 1, self.client_label)?;
        sheet.write_with_format(2, 0, "Date", &bold)?;
        sheet.write_datetime_with_format(2, 1, &spreadsheet_day(self.check.check_date)?, &day)?;
        sheet.write_with_format(3, 0, "État", &bold)?;
        sheet.write_with_format(3, 1, self.check.status.label(), &status_format(check_rgb(self.check.status)))?;
        if let Some(at) = self.check.finished_at {
            sheet.write_with_format(4, 0, "Terminé", &bold)?;
            sheet.write_datetime_with_format(4, 1, &self.spreadsheet_time(at)?, &moment)?;
            if let Some(by) = self.check.finished_by.as_deref() {
                sheet.write(4, 2, format!("par {by}"))?;
            }
        }
        let headings = ["Catégorie", "Service", "État", "Commentaire", "Intervenant", "Sonde", "Vu par", "Le"];
        for (column, text) in (0u16..).zip(headings) {
            sheet.write_with_format(6, column, text, &heading)?;
        }
        for (row, service) in (7u32..).zip(self.services) {
            sheet.write(row, 0, &service.category_label)?;
            sheet.write(row, 1, &service.service_label)?;
            sheet.write_with_format(row, 2, service.status.label(), &status_format(rgb(service.status)))?;
            sheet.write(row, 3, service.comment.as_deref().unwrap_or(""))?;
            sheet.write(row, 4, service.intervenant.as_deref().unwrap_or(""))?;
            sheet.write(row, 5, service.probe_detail.as_deref().unwrap_or(""))?;
            sheet.write(row, 6, service.updated_by.as_deref().unwrap_or(""))?;
            if let Some(at) = service.updated_at {
                sheet.write_datetime_with_format(row, 7, &self.spreadsheet_time(at)?, &moment)?;
            }
        }
        if let Some(notes) = self.check.notes.as_deref() {
            let row = 8 + u32::try_from(self.services.len()).unwrap_or(u32::MAX - 9);
            sheet.write_with_format(row, 0, "Notes", &bold)?;
            sheet.write(row, 1, notes)?;
        }
        for (column, width) in (0u16..).zip([22.0, 28.0, 12.0, 48.0, 28.0, 40.0, 28.0, 18.0]) {
            sheet.set_column_width(column, width)?;
        }
        sheet.set_freeze_panes(7, 0)?;
        Ok(workbook.save_to_buffer()?)
    }
}

/// A label as a file name's part: ASCII letters, digits and dashes.
fn slug(label: &str) -> String {
    let ascii: String =
        label.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '-' }).collect();
    ascii.split('-').filter(|part| !part.is_empty()).collect::<Vec<_>>().join("-")
}

/// A client's checks of one month: a summary, then each check as its own
/// report (PDF), or a row per check and per service (Excel).
pub struct MonthReport<'a> {
    pub client_label: &'a str,
    /// The month's first day.
    pub month: NaiveDate,
    pub checks: &'a [Report<'a>],
    pub zone: Tz,
}

impl MonthReport<'_> {
    fn title(&self) -> String {
        format!("Check du Matin {} — {}", self.client_label, crate::calendar::french_month(self.month))
    }

    pub fn file_name(&self, extension: &str) -> String {
        format!("checks-{}-{}.{extension}", slug(self.client_label), self.month.format("%Y-%m"))
    }

    pub fn pdf(&self) -> Vec<u8> {
        let mut document = Document::new();
        let page = document.add_page(A4_WIDTH, A4_HEIGHT);
        page.text(MARGIN, MARGIN + 16.0, Font::Bold, 18.0, INK, "Check du Matin");
        let width = A4_WIDTH - 2.0 * MARGIN;
        let baseline = page.paragraph(MARGIN, MARGIN + 34.0, width, Font::Regular, 12.0, INK, self.client_label);
        let month = crate::calendar::french_month(self.month);
        page.text(MARGIN, baseline, Font::Regular, 10.0, MUTED, &month);
        let mut top = baseline + 16.0;
        page.line((MARGIN, top), (A4_WIDTH - MARGIN, top), 1.0, RULE);
        top += 16.0;
        if self.checks.is_empty() {
            page.text(MARGIN, top + 12.0, Font::Regular, 11.0, INK, "Aucun check ce mois-là.");
        } else {
            let columns = [MARGIN, MARGIN + 140.0, MARGIN + 225.0, MARGIN + 370.0];
            page.fill_rect(MARGIN, top, width, 16.0, Rgb(238, 242, 246));
            for (x, heading) in columns.iter().zip(["Jour", "État", "Terminé", "OK · attention · KO"]) {
                page.text(x + 4.0, top + 11.5, Font::Bold, 8.5, MUTED, heading);
            }
            top += 16.0;
            for report in self.checks {
                let check = report.check;
                page.text(
                    columns[0] + 4.0,
                    top + 13.0,
                    Font::Regular,
                    9.5,
                    INK,
                    &crate::calendar::french_date(check.check_date),
                );
                page.text(columns[1] + 4.0, top + 13.0, Font::Bold, 9.5, check_rgb(check.status), check.status.label());
                let finished = check.finished_at.map(|at| local_time(at, self.zone)).unwrap_or_else(|| "—".to_owned());
                page.text(columns[2] + 4.0, top + 13.0, Font::Regular, 9.0, INK, &finished);
                let count = |status| report.services.iter().filter(|service| service.status == status).count();
                let counts = format!(
                    "{} · {} · {}",
                    count(ServiceStatus::Success),
                    count(ServiceStatus::Warning),
                    count(ServiceStatus::Error)
                );
                page.text(columns[3] + 4.0, top + 13.0, Font::Regular, 9.0, INK, &counts);
                top += 19.0;
                page.line((MARGIN, top), (A4_WIDTH - MARGIN, top), 0.5, RULE);
            }
        }
        page.text(MARGIN, A4_HEIGHT - 24.0, Font::Regular, 8.0, MUTED, &self.title());
        for report in self.checks {
            report.draw(&mut document);
        }
        let info =
            Info { title: self.title(), author: "Check du Matin".to_owned(), subject: self.client_label.to_owned() };
        document.finish(&info, &Utc::now().format("D:%Y%m%d%H%M%SZ").to_string())
    }

    pub fn xlsx(&self) -> anyhow::Result<Vec<u8>> {
        let mut workbook = Workbook::new();
        let SheetFormats { bold, heading, day, moment } = SheetFormats::new();
        let summary = workbook.add_worksheet();
        summary.set_name("Mois")?;
        summary.write_with_format(0, 0, self.title(), &bold)?;
        let columns = ["Jour", "État", "Terminé le", "Par", "OK", "Attention", "KO", "À vérifier"];
        for (column, text) in (0u16..).zip(columns) {
            summary.write_with_format(2, column, text, &heading)?;
        }
        for (row, report) in (3u32..).zip(self.checks) {
            let check = report.check;
            summary.write_datetime_with_format(row, 0, &spreadsheet_day(check.check_date)?, &day)?;
            summary.write(row, 1, check.status.label())?;
            if let Some(at) = check.finished_at {
                summary.write_datetime_with_format(row, 2, &report.spreadsheet_time(at)?, &moment)?;
            }
            summary.write(row, 3, check.finished_by.as_deref().unwrap_or(""))?;
            let statuses =
                [ServiceStatus::Success, ServiceStatus::Warning, ServiceStatus::Error, ServiceStatus::Pending];
            for (column, status) in (4u16..).zip(statuses) {
                let count = report.services.iter().filter(|service| service.status == status).count();
                summary.write(row, column, u32::try_from(count).unwrap_or(u32::MAX))?;
            }
        }
        for (column, width) in (0u16..).zip([14.0, 12.0, 18.0, 24.0, 8.0, 10.0, 8.0, 10.0]) {
            summary.set_column_width(column, width)?;
        }
        let services = workbook.add_worksheet();
        services.set_name("Services")?;
        let columns = ["Jour", "Catégorie", "Service", "État", "Commentaire", "Intervenant", "Sonde", "Vu par", "Le"];
        for (column, text) in (0u16..).zip(columns) {
            services.write_with_format(0, column, text, &heading)?;
        }
        let mut row = 1u32;
        for report in self.checks {
            for service in report.services {
                services.write_datetime_with_format(row, 0, &spreadsheet_day(report.check.check_date)?, &day)?;
                services.write(row, 1, &service.category_label)?;
                services.write(row, 2, &service.service_label)?;
                services.write(row, 3, service.status.label())?;
                services.write(row, 4, service.comment.as_deref().unwrap_or(""))?;
                services.write(row, 5, service.intervenant.as_deref().unwrap_or(""))?;
                services.write(row, 6, service.probe_detail.as_deref().unwrap_or(""))?;
                services.write(row, 7, service.updated_by.as_deref().unwrap_or(""))?;
                if let Some(at) = service.updated_at {
                    services.write_datetime_with_format(row, 8, &report.spreadsheet_time(at)?, &moment)?;
                }
                row += 1;
            }
        }
        for (column, width) in (0u16..).zip([12.0, 22.0, 28.0, 12.0, 48.0, 28.0, 40.0, 28.0, 18.0]) {
            services.set_column_width(column, width)?;
        }
        services.set_freeze_panes(1, 0)?;
        Ok(workbook.save_to_buffer()?)
    }
}

/// `04/12/2026 à 08:30`, in `zone`.
fn local_time(at: DateTime<Utc>, zone: Tz) -> String {
    at.with_timezone(&zone).format("%d/%m/%Y à %H:%M").to_string()
}

/// The cell styles both workbooks use; dates as dates, so that a
/// spreadsheet sorts and filters them.
struct SheetFormats {
    bold: Format,
    heading: Format,
    day: Format,
    moment: Format,
}

impl SheetFormats {
    fn new() -> Self {
        Self {
            bold: Format::new().set_bold(),
            heading: Format::new()
                .set_bold()
                .set_background_color(Color::RGB(0xEEF2F6))
                .set_border_bottom(FormatBorder::Thin),
            day: Format::new().set_num_format("dd/mm/yyyy").set_align(FormatAlign::Left),
            moment: Format::new().set_num_format("dd/mm/yyyy hh:mm").set_align(FormatAlign::Left),
        }
    }
}

fn spreadsheet_day(day: NaiveDate) -> Result<ExcelDateTime, XlsxError> {
    ExcelDateTime::parse_from_str(&day.format("%Y-%m-%d").to_string())
}

/// Images one under the other, as one PNG.
fn stack(pages: &[std::path::PathBuf]) -> anyhow::Result<Vec<u8>> {
    let images = pages.iter().map(|path| Ok(image::open(path)?.to_rgb8())).collect::<anyhow::Result<Vec<_>>>()?;
    let width = images.iter().map(image::RgbImage::width).max().context("pdftoppm wrote no page")?;
    let height = images.iter().map(image::RgbImage::height).sum();
    let mut tall = image::RgbImage::from_pixel(width, height, image::Rgb([255, 255, 255]));
    let mut top = 0;
    for page in &images {
        image::imageops::replace(&mut tall, page, 0, i64::from(top));
        top += page.height();
    }
    let mut png = Vec::new();
    tall.write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)?;
    Ok(png)
}

fn last_page(document: &mut Document) -> &mut Page {
    let last = document.page_count() - 1;
    // The report always has its first page.
    document.page_mut(last).expect("a page")
}

/// A new page for what does not fit, with a reminder of whose check it is.
fn continuation(document: &mut Document, report: &Report<'_>) -> f32 {
    let page = document.add_page(A4_WIDTH, A4_HEIGHT);
    page.text(MARGIN, MARGIN + 12.0, Font::Bold, 11.0, MUTED, &report.title());
    MARGIN + 30.0
}
