//! The TLS certificate probe: connects, completes the handshake whatever
//! the certificate (so an expired or untrusted one can still be read and
//! reported), then judges the leaf: expired, not yet valid or, when the
//! chain is verified, not trusted for the host → error; fewer than
//! `warn_days` days left → warning.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use chrono::{DateTime, Utc};
use common::destination::Destinations;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, SignatureScheme};
use tokio_rustls::TlsConnector;

use super::ProbeOutcome;
use crate::domain::ServiceStatus;

/// What one probe asks.
pub struct CertificateProbe<'a> {
    pub host: &'a str,
    pub port: u16,
    pub warn_days: u64,
    pub verify_chain: bool,
    pub destinations: &'a Destinations,
}

/// Lets every handshake finish, remembering what the platform's verifier
/// (the system's trust store) thought of the certificate.
#[derive(Debug)]
struct Recording {
    platform: rustls_platform_verifier::Verifier,
    verdict: Mutex<Option<String>>,
}

impl ServerCertVerifier for Recording {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let verdict = self
            .platform
            .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
            .err()
            .map(|error| super::details::untrusted(&error));
        *self.verdict.lock().unwrap_or_else(PoisonError::into_inner) = verdict;
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.platform.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.platform.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.platform.supported_verify_schemes()
    }
}

pub async fn probe(request: &CertificateProbe<'_>, timeout: Duration, now: DateTime<Utc>) -> ProbeOutcome {
    let CertificateProbe { host, port, .. } = *request;
    let started = std::time::Instant::now();
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let platform = match rustls_platform_verifier::Verifier::new(Arc::clone(&provider)) {
        Ok(platform) => platform,
        Err(error) => return ProbeOutcome::error(format!("magasin de certificats indisponible ({error})")),
    };
    let recording = Arc::new(Recording { platform, verdict: Mutex::new(None) });
    let config = match ClientConfig::builder_with_provider(provider).with_safe_default_protocol_versions() {
        Ok(builder) => builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::clone(&recording) as Arc<dyn ServerCertVerifier>)
            .with_no_client_auth(),
        Err(error) => return ProbeOutcome::error(format!("configuration TLS impossible ({error})")),
    };
    let Ok(server_name) = ServerName::try_from(host.to_owned()) else {
        return ProbeOutcome::error(format!("{host} n'est pas un nom de serveur TLS valide"));
    };
    let handshake = async {
        let stream = request.destinations.connect(host, port).await?;
        TlsConnector::from(Arc::new(config)).connect(server_name, stream).await
    };
    let stream = match tokio::time::timeout(timeout, handshake).await {
        Ok(Ok(stream)) => stream,
        Ok(Err(error)) => {
            return ProbeOutcome::error(format!(
                "{host}:{port} : échec de la négociation TLS ({})",
                super::details::io(&error)
            ));
        }
        Err(_) => return ProbeOutcome::error(super::details::no_answer(&format!("{host}:{port}"), timeout)),
    };
    let latency_ms = started.elapsed().as_secs_f64() * 1000.0;
    let Some(leaf) = stream.get_ref().1.peer_certificates().and_then(|chain| chain.first()) else {
        return ProbeOutcome::error(format!("{host}:{port} n'a présenté aucun certificat"));
    };
    let untrusted = recording.verdict.lock().unwrap_or_else(PoisonError::into_inner).clone();
    let mut outcome = judge(leaf, request, untrusted.as_deref(), now);
    outcome.latency_ms = Some(latency_ms);
    outcome
}

/// The verdict on a certificate, `untrusted` saying why the chain failed.
fn judge(
    leaf: &CertificateDer<'_>,
    request: &CertificateProbe<'_>,
    untrusted: Option<&str>,
    now: DateTime<Utc>,
) -> ProbeOutcome {
    let Ok((_, certificate)) = x509_parser::parse_x509_certificate(leaf.as_ref()) else {
        return ProbeOutcome::error("le certificat est illisible");
    };
    let validity = certificate.validity();
    let not_after = DateTime::from_timestamp(validity.not_after.timestamp(), 0).unwrap_or(now);
    let not_before = DateTime::from_timestamp(validity.not_before.timestamp(), 0).unwrap_or(now);
    let days_left = (not_after - now).num_days();
    let expiry = format!("expire le {} (encore {days_left} jours)", not_after.format("%d/%m/%Y"));
    let (status, detail) = if now >= not_after {
        (ServiceStatus::Error, format!("certificat expiré le {}", not_after.format("%d/%m/%Y")))
    } else if now < not_before {
        (ServiceStatus::Error, format!("certificat valable seulement à partir du {}", not_before.format("%d/%m/%Y")))
    } else if let Some(reason) = untrusted.filter(|_| request.verify_chain) {
        (ServiceStatus::Error, format!("certificat non reconnu : {reason} ; {expiry}"))
    } else if u64::try_from(days_left).unwrap_or(0) < request.warn_days {
        (ServiceStatus::Warning, format!("certificat qui {expiry} : à renouveler"))
    } else {
        (ServiceStatus::Success, format!("certificat qui {expiry}"))
    };
    ProbeOutcome { status, latency_ms: None, detail }
}
