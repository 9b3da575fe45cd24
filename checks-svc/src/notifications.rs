//! The e-mails of the Check du Matin: the morning report to the client's
//! mailing list (HTML with the client's logo inline, and plain text), the
//! reminder when a check is still open, and the notice to an intervenant
//! assigned to a service. Sent in the background, after the change is
//! stored; a failed delivery is retried by the mailer, never reported to
//! the operator as a failed request: a report's failure is recorded on its
//! check, which shows it and can send the report again.

use chrono::Utc;
use common::mail::{MailError, Mailer};
use lettre::Message;
use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use maud::{Markup, PreEscaped, html};

use crate::domain::{CheckStatus, ServiceStatus};
use crate::store::{CheckRow, ClientRow, ServiceCheckRow, Store};

/// Why a report did not go.
#[derive(Debug, thiserror::Error)]
enum Undelivered {
    #[error("the client has no recipient")]
    NoRecipient,
    #[error(transparent)]
    Mail(MailError),
    #[error(transparent)]
    Other(anyhow::Error),
}

impl Undelivered {
    fn other(error: impl Into<anyhow::Error>) -> Self {
        Self::Other(error.into())
    }

    /// What the check page shows an operator.
    fn reason(&self) -> String {
        match self {
            Undelivered::NoRecipient => "Aucun destinataire : la liste « À » du client est vide.".to_owned(),
            Undelivered::Mail(MailError::NotConfigured) => "Aucun relais SMTP n'est configuré.".to_owned(),
            Undelivered::Mail(MailError::NotDelivered { attempts, last }) => {
                format!("Le relais SMTP a refusé le rapport ({attempts} tentatives) : {last}")
            }
            Undelivered::Mail(_) | Undelivered::Other(_) => "Le rapport n'a pas pu être préparé.".to_owned(),
        }
    }
}

#[derive(Clone)]
pub struct Notifier {
    mailer: Mailer,
    store: Store,
    /// `public_url` + `path_prefix`: where operators open the web pages.
    web_root: String,
}

/// One category of the report: its services and its worst status.
pub struct CategorySummary<'a> {
    pub label: &'a str,
    pub status: ServiceStatus,
    pub services: Vec<&'a ServiceCheckRow>,
}

/// Groups service checks by category, in their order.
pub fn by_category(services: &[ServiceCheckRow]) -> Vec<CategorySummary<'_>> {
    let mut categories: Vec<CategorySummary<'_>> = Vec::new();
    for service in services {
        let status = service.status;
        match categories.last_mut() {
            Some(category) if category.services[0].category_id == service.category_id => {
                category.status = category.status.max(status);
                category.services.push(service);
            }
            _ => categories.push(CategorySummary { label: &service.category_label, status, services: vec![service] }),
        }
    }
    categories
}

/// Traffic-light colours: green, amber, red, grey while unknown.
pub fn colour(status: ServiceStatus) -> &'static str {
    match status {
        ServiceStatus::Success => "#1e8e3e",
        ServiceStatus::Warning => "#e37400",
        ServiceStatus::Error => "#d93025",
        ServiceStatus::Pending => "#80868b",
    }
}

impl Notifier {
    pub fn new(mailer: Mailer, store: Store, public_url: &str, path_prefix: &str) -> Self {
        Self { mailer, store, web_root: format!("{}{}", public_url.trim_end_matches('/'), path_prefix) }
    }

    /// Where the report's "voir le détail" leads: the client's status page,
    /// which its recipients can open, or else the check's page (operators).
    fn detail_link(&self, client: &ClientRow, check: &CheckRow) -> String {
        match &client.status_token {
            Some(token) => format!("{}/public/status/{token}", self.web_root),
            None => self.check_link(check.id),
        }
    }

    fn check_link(&self, check_id: i64) -> String {
        format!("{}/ui/checks/{check_id}", self.web_root)
    }

    /// Sends the morning report of a finished check to the client's list,
    /// then records when it went, or why it did not (the check page shows
    /// it, and the report can be sent again).
    pub fn send_report(&self, check: CheckRow) {
        let notifier = self.clone();
        tokio::spawn(async move {
            let Err(error) = notifier.report(&check).await else { return };
            tracing::warn!(check = check.id, error = format!("{error:#}"), "the morning report was not sent");
            let failure = error.reason();
            if let Err(error) = notifier.store.mark_report_failed(check.id, &failure).await {
                tracing::error!(check = check.id, %error, "cannot record that the report was not sent");
            }
        });
    }

    async fn report(&self, check: &CheckRow) -> Result<(), Undelivered> {
        let client = self.store.client(check.client_id).await.map_err(Undelivered::other)?;
        let Some(client) = client else { return Ok(()) };
        let recipients = self.store.recipients(client.id).await.map_err(Undelivered::other)?;
        if recipients.to.is_empty() {
            return Err(Undelivered::NoRecipient);
        }
        let services = self.store.service_checks(check.id).await.map_err(Undelivered::other)?;
        let logo = self.store.logo(client.id).await.map_err(Undelivered::other)?;
        let message = self
            .report_message(&client, check, &services, logo, &recipients.to, &recipients.cc)
            .map_err(Undelivered::Other)?;
        self.mailer.send(&message).await.map_err(Undelivered::Mail)?;
        self.store.mark_report_sent(check.id, Utc::now()).await.map_err(Undelivered::other)
    }

    fn sender(&self, client: Option<&ClientRow>) -> Mailbox {
        client
            .and_then(|client| client.sender.as_deref())
            .and_then(|sender| sender.parse::<lettre::Address>().ok())
            .map_or_else(
                || self.mailer.sender().clone(),
                |address| Mailbox::new(self.mailer.sender().name.clone(), address),
            )
    }

    fn report_message(
        &self,
        client: &ClientRow,
        check: &CheckRow,
        services: &[ServiceCheckRow],
        logo: Option<(Vec<u8>, String)>,
        to: &[String],
        cc: &[String],
    ) -> anyhow::Result<Message> {
        let date = check.check_date.format("%d/%m/%Y");
        let subject = format!("Check du Matin {} du {date} : {}", client.label, check.status.label());
        let categories = by_category(services);
        let html = report_html(client, check, &categories, logo.is_some(), &self.detail_link(client, check));
        let text = report_text(client, check, &categories);
        let related = MultiPart::related().singlepart(SinglePart::html(html.into_string()));
        let related = match logo.and_then(|(bytes, media_type)| Some((bytes, ContentType::parse(&media_type).ok()?))) {
            Some((bytes, media_type)) => {
                related.singlepart(Attachment::new_inline("logo".to_owned()).body(bytes, media_type))
            }
            None => related,
        };
        let body = MultiPart::alternative().singlepart(SinglePart::plain(text)).multipart(related);
        let mut builder = self.mailer.message(self.sender(Some(client))).subject(subject);
        for address in to {
            builder = builder.to(address.parse()?);
        }
        for address in cc {
            builder = builder.cc(address.parse()?);
        }
        Ok(builder.multipart(body)?)
    }

    /// Reminds the client's reminder recipients that today's check is open.
    pub async fn reminder(&self, check: &CheckRow) {
        if let Err(error) = self.remind(check).await {
            tracing::error!(check = check.id, error = format!("{error:#}"), "the reminder was not sent");
        }
    }

    async fn remind(&self, check: &CheckRow) -> anyhow::Result<()> {
        let recipients = self.store.recipients(check.client_id).await?;
        if recipients.reminder.is_empty() {
            return Ok(());
        }
        let client = self.store.client(check.client_id).await?;
        let link = self.check_link(check.id);
        let text = format!(
            "Le Check du Matin de {} du {} n'est pas terminé.\n\nOuvrir le check : {link}\n",
            check.client_label,
            check.check_date.format("%d/%m/%Y")
        );
        let mut builder = self
            .mailer
            .message(self.sender(client.as_ref()))
            .subject(format!("Rappel : Check du Matin {} à terminer", check.client_label));
        for address in &recipients.reminder {
            builder = builder.to(address.parse()?);
        }
        Ok(self.mailer.send(&builder.singlepart(SinglePart::plain(text))?).await?)
    }

    /// Tells `intervenant` that a service of a check was assigned to them.
    pub fn assignment(&self, intervenant: String, check: CheckRow, service: ServiceCheckRow) {
        let notifier = self.clone();
        tokio::spawn(async move {
            if let Err(error) = notifier.notify_intervenant(&intervenant, &check, &service).await {
                tracing::error!(check = check.id, error = format!("{error:#}"), "the intervenant was not notified");
            }
        });
    }

    async fn notify_intervenant(
        &self,
        intervenant: &str,
        check: &CheckRow,
        service: &ServiceCheckRow,
    ) -> anyhow::Result<()> {
        let link = self.check_link(check.id);
        let comment = service.comment.as_deref().unwrap_or("(pas de commentaire)");
        let text = format!(
            "Vous êtes intervenant sur « {} » ({}) pour le Check du Matin de {} du {}.\n\n\
             Statut : {}\nCommentaire : {comment}\n\nOuvrir le check : {link}\n",
            service.service_label,
            service.category_label,
            check.client_label,
            check.check_date.format("%d/%m/%Y"),
            service.status.label(),
        );
        let message = self
            .mailer
            .message(self.sender(None))
            .to(intervenant.parse()?)
            .subject(format!("Intervention demandée : {} ({})", service.service_label, check.client_label))
            .singlepart(SinglePart::plain(text))?;
        Ok(self.mailer.send(&message).await?)
    }
}

fn report_html(
    client: &ClientRow,
    check: &CheckRow,
    categories: &[CategorySummary<'_>],
    with_logo: bool,
    link: &str,
) -> Markup {
    let outcome = check.status;
    let outcome_colour = colour(match outcome {
        CheckStatus::Success => ServiceStatus::Success,
        CheckStatus::Warning => ServiceStatus::Warning,
        CheckStatus::Error => ServiceStatus::Error,
        CheckStatus::Pending | CheckStatus::InProgress => ServiceStatus::Pending,
    });
    html! {
        (PreEscaped("<!DOCTYPE html>"))
        html lang="fr" {
            head { meta charset="utf-8"; title { "Check du Matin " (client.label) } }
            body style="font-family: Arial, Helvetica, sans-serif; color: #202124; margin: 0; padding: 24px; background: #f5f6f7;" {
                table role="presentation" width="100%" style="max-width: 680px; margin: 0 auto; background: #ffffff; border-radius: 8px; border-collapse: collapse;" {
                    tr { td style="padding: 24px 24px 8px;" {
                        @if with_logo { img src="cid:logo" alt=(client.label) style="max-height: 64px; max-width: 240px;"; }
                        h1 style="font-size: 20px; margin: 12px 0 4px;" { "Check du Matin — " (client.label) }
                        p style="margin: 0; color: #5f6368;" { "Contrôle du " (check.check_date.format("%d/%m/%Y")) }
                        p style={"display: inline-block; margin: 12px 0 0; padding: 6px 14px; border-radius: 14px; color: #fff; font-weight: bold; background: " (outcome_colour) ";"} {
                            "Résultat : " (outcome.label())
                        }
                    } }
                    @for category in categories {
                        tr { td style="padding: 16px 24px 0;" {
                            h2 style={"font-size: 16px; margin: 0 0 8px; padding-left: 10px; border-left: 6px solid " (colour(category.status)) ";"} {
                                (category.label) " — " (category.status.label())
                            }
                            table role="presentation" width="100%" style="border-collapse: collapse; font-size: 14px;" {
                                @for service in &category.services {
                                    @let status = service.status;
                                    tr style="border-bottom: 1px solid #e8eaed;" {
                                        td style="padding: 6px 0;" { (service.service_label) }
                                        td style={"padding: 6px 0; width: 90px; font-weight: bold; color: " (colour(status)) ";"} { (status.label()) }
                                        td style="padding: 6px 0; color: #5f6368;" { (service.comment.as_deref().unwrap_or("")) }
                                    }
                                }
                            }
                        } }
                    }
                    @if let Some(notes) = &check.notes {
                        tr { td style="padding: 16px 24px 0;" { h2 style="font-size: 16px; margin: 0 0 4px;" { "Notes" } p style="margin: 0; white-space: pre-wrap;" { (notes) } } }
                    }
                    tr { td style="padding: 24px; color: #5f6368; font-size: 12px;" {
                        "Vérifié par " (check.finished_by.as_deref().unwrap_or("l'équipe")) ". "
                        a href=(link) { "Voir le détail" }
                    } }
                }
            }
        }
    }
}

fn report_text(client: &ClientRow, check: &CheckRow, categories: &[CategorySummary<'_>]) -> String {
    let outcome = check.status;
    let mut text = format!(
        "Check du Matin — {}\nContrôle du {} : {}\n",
        client.label,
        check.check_date.format("%d/%m/%Y"),
        outcome.label()
    );
    for category in categories {
        text.push_str(&format!("\n{} — {}\n", category.label, category.status.label()));
        for service in &category.services {
            let status = service.status;
            let comment = service.comment.as_deref().map(|comment| format!(" ({comment})")).unwrap_or_default();
            text.push_str(&format!("  - {} : {}{comment}\n", service.service_label, status.label()));
        }
    }
    if let Some(notes) = &check.notes {
        text.push_str(&format!("\nNotes : {notes}\n"));
    }
    text
}
