//! E-mail through the configured SMTP relay (lettre), retried on failure.
//! Services compose their messages; this module only delivers them, and
//! never logs their content.

use std::time::Duration;

use lettre::message::{Mailbox, MessageBuilder};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use secrecy::ExposeSecret;

use crate::configuration::{SmtpEncryption, SmtpSettings};

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("smtp.from is not an e-mail address: {0}")]
    InvalidSender(String),
    #[error("cannot set up the SMTP transport: {0}")]
    Transport(#[source] lettre::transport::smtp::Error),
    #[error("the SMTP relay did not accept the message after {attempts} attempts: {last}")]
    NotDelivered { attempts: usize, last: String },
    #[error("no SMTP relay is configured (smtp.host)")]
    NotConfigured,
}

#[derive(Clone)]
pub struct Mailer {
    transport: Option<AsyncSmtpTransport<Tokio1Executor>>,
    sender: Mailbox,
    retry_delays: Vec<Duration>,
}

impl Mailer {
    pub fn from_settings(settings: &SmtpSettings) -> Result<Self, MailError> {
        let mut sender: Mailbox = settings.from.parse().map_err(|_| MailError::InvalidSender(settings.from.clone()))?;
        if sender.name.is_none() {
            sender.name = settings.from_name.clone().filter(|name| !name.trim().is_empty());
        }
        let transport = settings.host.as_deref().filter(|host| !host.is_empty()).map(|host| transport(host, settings));
        Ok(Self {
            transport: transport.transpose().map_err(MailError::Transport)?,
            sender,
            retry_delays: settings
                .retry_delays_secs
                .iter()
                .map(|secs| Duration::from_secs_f64(secs.max(0.0)))
                .collect(),
        })
    }

    /// The address messages are sent from, unless a service sets its own
    /// (a client's sender).
    pub fn sender(&self) -> &Mailbox {
        &self.sender
    }

    /// A message from `from` with what mail servers expect of it: a `Date`
    /// (lettre adds it) and a `Message-ID` in the sender's domain, not the
    /// container's host name.
    pub fn message(&self, from: Mailbox) -> MessageBuilder {
        let id = format!("<{}@{}>", uuid::Uuid::new_v4().simple(), from.email.domain());
        Message::builder().message_id(Some(id)).from(from)
    }

    pub fn is_configured(&self) -> bool {
        self.transport.is_some()
    }

    /// Delivers `message`, retrying with the configured delays while the
    /// relay is unreachable or refuses it for now; permanent refusals
    /// (5xx) end at once.
    pub async fn send(&self, message: &Message) -> Result<(), MailError> {
        let Some(transport) = &self.transport else {
            return Err(MailError::NotConfigured);
        };
        let mut attempts = 0;
        let mut delays = self.retry_delays.iter();
        loop {
            attempts += 1;
            let error = match transport.send(message.clone()).await {
                Ok(_) => return Ok(()),
                Err(error) => error,
            };
            let delay = delays.next().filter(|_| !error.is_permanent());
            tracing::warn!(attempts, retrying = delay.is_some(), error = %error, "SMTP delivery failed");
            match delay {
                Some(delay) => tokio::time::sleep(*delay).await,
                None => return Err(MailError::NotDelivered { attempts, last: error.to_string() }),
            }
        }
    }
}

fn transport(
    host: &str,
    settings: &SmtpSettings,
) -> Result<AsyncSmtpTransport<Tokio1Executor>, lettre::transport::smtp::Error> {
    let builder = match settings.encryption {
        SmtpEncryption::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host),
        SmtpEncryption::Starttls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(host)?,
        SmtpEncryption::Smtps => AsyncSmtpTransport::<Tokio1Executor>::relay(host)?,
    };
    let mut builder =
        builder.port(settings.port).timeout(Some(Duration::from_secs_f64(settings.timeout_secs.max(1.0))));
    if let (Some(username), Some(password)) = (&settings.username, &settings.password) {
        builder = builder.credentials(Credentials::new(username.clone(), password.expose_secret().to_owned()));
    }
    Ok(builder.build())
}
