//! What a probe saw, in the French an operator reads on the check page and
//! in the client's report: the system's, the resolver's and the TLS
//! library's English messages are rendered from their kinds.

use std::io::ErrorKind;
use std::net::IpAddr;
use std::time::Duration;

use common::destination::Refusal;

/// An internal address refused by `probes.allowed_networks`.
const INTERNAL: &str = "adresse interne refusée (boucle locale, réseau privé, lien local ou réservée)";

/// `2 s`, `0,5 s`.
pub fn seconds(duration: Duration) -> String {
    let seconds = duration.as_secs_f64();
    let shown = if seconds.fract() == 0.0 { format!("{seconds:.0}") } else { format!("{seconds:.1}") };
    format!("{} s", shown.replace('.', ","))
}

pub fn no_answer(target: &str, timeout: Duration) -> String {
    format!("{target} : pas de réponse en {}", seconds(timeout))
}

/// A failed connection or lookup.
pub fn io(error: &std::io::Error) -> String {
    match error.kind() {
        ErrorKind::ConnectionRefused => "connexion refusée".to_owned(),
        ErrorKind::ConnectionReset | ErrorKind::ConnectionAborted => "connexion interrompue".to_owned(),
        ErrorKind::TimedOut => "délai dépassé".to_owned(),
        // What `Destinations` answers for an address it refuses.
        ErrorKind::PermissionDenied => INTERNAL.to_owned(),
        ErrorKind::NotFound => "nom inconnu".to_owned(),
        ErrorKind::HostUnreachable => "hôte injoignable".to_owned(),
        ErrorKind::NetworkUnreachable => "réseau injoignable".to_owned(),
        ErrorKind::UnexpectedEof => "connexion fermée par le serveur".to_owned(),
        ErrorKind::InvalidData => "réponse illisible".to_owned(),
        _ => format!("échec ({error})"),
    }
}

/// A failed HTTP request, from the first I/O error of its chain.
pub fn request(error: &reqwest::Error) -> String {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(current) = cause {
        if let Some(io_error) = current.downcast_ref::<std::io::Error>() {
            return format!("échec de la requête : {}", io(io_error));
        }
        cause = current.source();
    }
    let deepest = std::iter::successors(Some(error as &dyn std::error::Error), |e| e.source()).last();
    let text = deepest.map(ToString::to_string).unwrap_or_default();
    if error.is_redirect() {
        format!("redirection refusée : {text}")
    } else if error.is_connect() {
        "échec de la requête : connexion impossible".to_owned()
    } else {
        format!("échec de la requête ({text})")
    }
}

pub fn refusal(refusal: &Refusal) -> String {
    match refusal {
        Refusal::DoesNotResolve(host) => format!("{host} ne se résout pas"),
        Refusal::Internal { host, address } => format!("{host} ({address}) : {INTERNAL}"),
        Refusal::Credentials => "l'URL ne doit pas contenir d'identifiants".to_owned(),
        Refusal::TooLong | Refusal::NotUrl(_) | Refusal::NotHttp | Refusal::NoHost => {
            "l'URL de la sonde n'est pas une URL http(s) valide".to_owned()
        }
    }
}

pub fn addresses(addresses: &[IpAddr]) -> String {
    addresses.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
}

/// Why the system's trust store refused a certificate.
pub fn untrusted(error: &rustls::Error) -> String {
    use rustls::CertificateError;
    match error {
        rustls::Error::InvalidCertificate(CertificateError::UnknownIssuer) => {
            "émetteur inconnu (autorité non reconnue)".to_owned()
        }
        rustls::Error::InvalidCertificate(CertificateError::NotValidForName) => "il ne couvre pas ce nom".to_owned(),
        rustls::Error::InvalidCertificate(CertificateError::Expired) => "expiré".to_owned(),
        rustls::Error::InvalidCertificate(CertificateError::Revoked) => "révoqué".to_owned(),
        rustls::Error::InvalidCertificate(CertificateError::BadSignature) => "signature invalide".to_owned(),
        other => format!("refusé par le magasin de certificats ({other})"),
    }
}

/// A value read from a probed body, as a detail shows it: a short scalar;
/// anything else is described, never echoed (the body may be an internal
/// service's whole answer).
pub fn shown(value: &serde_json::Value) -> String {
    const LONGEST: usize = 64;
    match value {
        serde_json::Value::Array(items) => format!("une liste de {} éléments", items.len()),
        serde_json::Value::Object(_) => "un objet".to_owned(),
        serde_json::Value::String(text) if text.chars().count() > LONGEST => "un texte plus long".to_owned(),
        scalar => scalar.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_in_french() {
        assert_eq!(seconds(Duration::from_secs(2)), "2 s");
        assert_eq!(seconds(Duration::from_millis(500)), "0,5 s");
    }
}
