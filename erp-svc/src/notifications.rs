//! E-mails, from the original's two templates: `notification_information`
//! (assignment, reminder, validated report) and `notification_alerte`
//! (overdue). Each is HTML with a plain-text alternative, in French. They
//! are sent in the background after the change is committed; the mailer
//! retries while the relay is unreachable.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use common::mail::Mailer;
use lettre::Message;
use lettre::message::header::ContentType;
use lettre::message::{Attachment, MultiPart, SinglePart};
use maud::{DOCTYPE, html};

use crate::report::Reporter;
use crate::store::{InterventionRow, Store};

/// The original's template names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Template {
    Information,
    Alerte,
}

impl Template {
    pub fn name(self) -> &'static str {
        match self {
            Template::Information => "notification_information",
            Template::Alerte => "notification_alerte",
        }
    }

    fn accent(self) -> &'static str {
        match self {
            Template::Information => "#1a73e8",
            Template::Alerte => "#d93025",
        }
    }
}

/// What an e-mail says: a title, a sentence, the intervention's details
/// and where to open it.
#[derive(Debug, Clone)]
pub struct Notice {
    pub template: Template,
    pub subject: String,
    pub title: String,
    pub message: String,
    pub details: Vec<(&'static str, String)>,
    pub link: String,
}

impl Notice {
    pub fn html(&self) -> String {
        let accent = self.template.accent();
        html! {
            (DOCTYPE)
            html lang="fr" {
                head { meta charset="utf-8"; title { (self.subject) } }
                body style="margin:0;padding:24px;background:#f1f3f4;font-family:Arial,Helvetica,sans-serif;color:#202124" {
                    table role="presentation" width="100%" style="max-width:600px;margin:auto;background:#fff;border-radius:8px;border-top:6px solid {accent}" {
                        tr { td style="padding:24px" {
                            p style={"margin:0 0 4px;font-size:12px;text-transform:uppercase;letter-spacing:1px;color:" (accent)} {
                                @if self.template == Template::Alerte { "Alerte" } @else { "Information" }
                            }
                            h1 style="margin:0 0 16px;font-size:20px" { (self.title) }
                            p style="margin:0 0 16px;line-height:1.5" { (self.message) }
                            table role="presentation" style="border-collapse:collapse;width:100%;font-size:14px" {
                                @for (label, value) in &self.details {
                                    tr {
                                        th style="text-align:left;padding:6px 12px 6px 0;color:#5f6368;font-weight:normal;white-space:nowrap;vertical-align:top" { (label) }
                                        td style="padding:6px 0" { (value) }
                                    }
                                }
                            }
                            p style="margin:24px 0 0" {
                                a href=(self.link) style={"display:inline-block;padding:10px 18px;border-radius:4px;color:#fff;text-decoration:none;background:" (accent)} {
                                    "Ouvrir l'intervention"
                                }
                            }
                        } }
                    }
                    p style="max-width:600px;margin:12px auto;font-size:12px;color:#5f6368;text-align:center" {
                        "Message automatique du service maintenance — merci de ne pas y répondre."
                    }
                }
            }
        }
        .into_string()
    }

    pub fn text(&self) -> String {
        let mut text = format!("{}\n\n{}\n\n", self.title, self.message);
        for (label, value) in &self.details {
            text.push_str(&format!("{label} : {value}\n"));
        }
        text.push_str(&format!(
            "\nOuvrir l'intervention : {}\n\n-- \nMessage automatique du service maintenance.\n",
            self.link
        ));
        text
    }
}

#[derive(Clone)]
pub struct Notifier {
    mailer: Mailer,
    store: Store,
    reporter: Reporter,
    zone: Tz,
    web_root: String,
    alert_recipients: Vec<String>,
}

impl Notifier {
    pub fn new(
        mailer: Mailer,
        store: Store,
        reporter: Reporter,
        zone: Tz,
        web_root: String,
        alert_recipients: Vec<String>,
    ) -> Self {
        Self { mailer, store, reporter, zone, web_root, alert_recipients }
    }

    fn link(&self, id: i64) -> String {
        format!("{}/api/v1/interventions/{id}", self.web_root)
    }

    fn local(&self, instant: Option<DateTime<Utc>>) -> String {
        instant.map_or_else(
            || "à planifier".to_owned(),
            |instant| instant.with_timezone(&self.zone).format("%d/%m/%Y %H:%M").to_string(),
        )
    }

    fn details(&self, row: &InterventionRow, technicians: &[String]) -> Vec<(&'static str, String)> {
        let place = [Some(row.site_name.as_str()), row.site_address.as_deref(), row.site_city.as_deref()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(", ");
        vec![
            ("Intervention", format!("{} — {}", row.number, row.title)),
            ("Client", row.client_name.clone()),
            ("Site", place),
            ("Début prévu", self.local(row.planned_start)),
            ("Fin prévue", self.local(row.planned_end)),
            (
                "Priorité",
                crate::domain::Priority::parse(&row.priority).map_or(row.priority.clone(), |p| p.label_fr().to_owned()),
            ),
            ("Techniciens", if technicians.is_empty() { "aucun".to_owned() } else { technicians.join(", ") }),
        ]
    }

    /// In the background: tells newly assigned technicians.
    pub fn assigned(&self, id: i64, technicians: Vec<String>) {
        if technicians.is_empty() {
            return;
        }
        self.in_background(id, "assignment", move |notifier, row, all| {
            let notice = Notice {
                template: Template::Information,
                subject: format!("Intervention {} assignée : {}", row.number, row.title),
                title: format!("Vous êtes assigné(e) à l'intervention {}", row.number),
                message: format!("L'intervention « {} » chez {} vous a été assignée.", row.title, row.client_name),
                details: notifier.details(row, all),
                link: notifier.link(row.id),
            };
            Ok(vec![(technicians.clone(), notice, None)])
        });
    }

    /// Sends the intervention report to the client (validated).
    pub fn validated(&self, id: i64) {
        self.in_background(id, "validation", |notifier, row, all| {
            let Some(email) = row.client_email.clone() else {
                tracing::info!(intervention = row.id, "the client has no e-mail address: the report is not sent");
                return Ok(Vec::new());
            };
            let notice = Notice {
                template: Template::Information,
                subject: format!("Bon d'intervention {} — {}", row.number, row.title),
                title: format!("Intervention {} validée", row.number),
                message: "L'intervention est terminée et validée. Vous trouverez le bon d'intervention signé en pièce jointe."
                    .to_owned(),
                details: notifier.details(row, all),
                link: notifier.link(row.id),
            };
            Ok(vec![(vec![email], notice, Some(row.number.clone()))])
        });
    }

    /// Reminds the technicians of an intervention starting tomorrow.
    pub async fn tomorrow(&self, id: i64) -> anyhow::Result<()> {
        self.send_about(id, |notifier, row, all| {
            let notice = Notice {
                template: Template::Information,
                subject: format!("Rappel : intervention {} demain", row.number),
                title: format!("Intervention {} demain", row.number),
                message: format!("Rappel : l'intervention « {} » chez {} commence demain.", row.title, row.client_name),
                details: notifier.details(row, all),
                link: notifier.link(row.id),
            };
            Ok(vec![(all.to_vec(), notice, None)])
        })
        .await
    }

    /// Alerts the technicians and the alert list of an overdue intervention.
    pub async fn overdue(&self, id: i64) -> anyhow::Result<()> {
        self.send_about(id, |notifier, row, all| {
            let notice = Notice {
                template: Template::Alerte,
                subject: format!("Alerte : intervention {} en retard", row.number),
                title: format!("Intervention {} en retard", row.number),
                message: format!(
                    "L'intervention « {} » chez {} devait se terminer le {} et n'est pas terminée.",
                    row.title,
                    row.client_name,
                    notifier.local(row.planned_end)
                ),
                details: notifier.details(row, all),
                link: notifier.link(row.id),
            };
            let recipients = all.iter().chain(&notifier.alert_recipients).cloned().collect();
            Ok(vec![(recipients, notice, None)])
        })
        .await
    }

    fn in_background<F>(&self, id: i64, what: &'static str, compose: F)
    where
        F: FnOnce(&Notifier, &InterventionRow, &[String]) -> anyhow::Result<Vec<Mail>> + Send + 'static,
    {
        let notifier = self.clone();
        tokio::spawn(async move {
            if let Err(error) = notifier.send_about(id, compose).await {
                tracing::error!(intervention = id, what, error = format!("{error:#}"), "a notification was not sent");
            }
        });
    }

    async fn send_about<F>(&self, id: i64, compose: F) -> anyhow::Result<()>
    where
        F: FnOnce(&Notifier, &InterventionRow, &[String]) -> anyhow::Result<Vec<Mail>>,
    {
        let Some((row, technicians)) = self.store.intervention(id).await? else { return Ok(()) };
        for (recipients, notice, attach_report) in compose(self, &row, &technicians)? {
            if recipients.is_empty() {
                continue;
            }
            let attachment = match attach_report {
                Some(number) => {
                    let pdf = self.reporter.render(row.clone(), technicians.clone()).await?;
                    Some((format!("bon-{number}.pdf"), pdf))
                }
                None => None,
            };
            let message = self.message(&recipients, &notice, attachment)?;
            self.mailer.send(&message).await?;
            tracing::info!(
                intervention = id,
                template = notice.template.name(),
                recipients = recipients.len(),
                "notification sent"
            );
        }
        Ok(())
    }

    fn message(
        &self,
        recipients: &[String],
        notice: &Notice,
        attachment: Option<(String, Vec<u8>)>,
    ) -> anyhow::Result<Message> {
        let alternative = MultiPart::alternative()
            .singlepart(SinglePart::plain(notice.text()))
            .singlepart(SinglePart::html(notice.html()));
        let body = match attachment {
            Some((name, pdf)) => MultiPart::mixed()
                .multipart(alternative)
                .singlepart(Attachment::new(name).body(pdf, ContentType::parse("application/pdf")?)),
            None => alternative,
        };
        let mut builder = self
            .mailer
            .message(self.mailer.sender().clone())
            .subject(&notice.subject)
            .header(TemplateHeader(notice.template.name().to_owned()));
        for address in recipients {
            builder = builder.to(address.parse()?);
        }
        Ok(builder.multipart(body)?)
    }
}

/// Recipients, what to tell them, and whether to attach the report (its
/// intervention number).
type Mail = (Vec<String>, Notice, Option<String>);

/// `X-Template`: which of the original's templates a message follows, for
/// mail filters and tests.
#[derive(Debug, Clone)]
struct TemplateHeader(String);

impl lettre::message::header::Header for TemplateHeader {
    fn name() -> lettre::message::header::HeaderName {
        lettre::message::header::HeaderName::new_from_ascii_str("X-Template")
    }

    fn parse(value: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(Self(value.to_owned()))
    }

    fn display(&self) -> lettre::message::header::HeaderValue {
        lettre::message::header::HeaderValue::new(Self::name(), self.0.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn notice(template: Template) -> Notice {
        Notice {
            template,
            subject: "Sujet".into(),
            title: "Intervention INT-2026-00001 en retard".into(),
            message: "Message <b>échappé</b>".into(),
            details: vec![("Client", "ACME & fils".into())],
            link: "https://erp.example.fr/erp/api/v1/interventions/1".into(),
        }
    }

    #[test]
    fn both_templates_render_html_and_text_in_french() {
        for template in [Template::Information, Template::Alerte] {
            let html = notice(template).html();
            assert!(html.starts_with("<!DOCTYPE html><html lang=\"fr\">"));
            assert!(html.contains("Message &lt;b&gt;échappé&lt;/b&gt;"), "{html}");
            assert!(html.contains("ACME &amp; fils"));
            assert!(html.contains(template.accent()));
            let text = notice(template).text();
            assert!(text.contains("Client : ACME & fils"));
            assert!(text.contains("Ouvrir l'intervention : https://erp.example.fr/erp/api/v1/interventions/1"));
        }
        assert!(notice(Template::Alerte).html().contains(">Alerte<"));
        assert_eq!(Template::Alerte.name(), "notification_alerte");
        assert_eq!(Template::Information.name(), "notification_information");
    }
}
