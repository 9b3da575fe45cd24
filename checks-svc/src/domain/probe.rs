use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A probe as the API reads and writes it (and as it is stored).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum ProbeSpecDocument {
    /// GET `url`: OK when the status is expected, the body contains
    /// `keyword`, and the JSON value at `json_pointer` equals `json_equals`.
    Http {
        url: String,
        /// Accepted statuses; by default any 2xx.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        expected_status: Vec<u16>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        keyword: Option<String>,
        /// RFC 6901 pointer into a JSON body, e.g. `/status`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        json_pointer: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        json_equals: Option<serde_json::Value>,
        /// Slower than this is a warning.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        warn_latency_ms: Option<u64>,
    },
    /// A TCP connection to `host:port`.
    Tcp {
        host: String,
        port: u16,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        warn_latency_ms: Option<u64>,
    },
    /// The certificate served on `host:port`: an error once expired, not
    /// yet valid, or (unless `verify_chain` is off, for internal
    /// authorities) not trusted for `host`; a warning when fewer than
    /// `warn_days` days are left.
    Tls {
        host: String,
        #[serde(default = "https_port")]
        port: u16,
        #[serde(default = "default_warn_days")]
        warn_days: u64,
        #[serde(default = "verify_by_default")]
        verify_chain: bool,
    },
    /// `name` resolves; with `expected_address`, to that address among others.
    Dns {
        name: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[schema(value_type = Option<String>)]
        expected_address: Option<std::net::IpAddr>,
    },
    /// A job calls the service's heartbeat URL at least every
    /// `period_secs`, `grace_secs` late at most ("did last night's backup
    /// report in?").
    Heartbeat {
        period_secs: u64,
        #[serde(default)]
        grace_secs: u64,
    },
}

const MAX_HOST_CHARACTERS: usize = 253;
pub const DEFAULT_TLS_WARN_DAYS: u64 = 14;

fn https_port() -> u16 {
    443
}

fn default_warn_days() -> u64 {
    DEFAULT_TLS_WARN_DAYS
}

fn verify_by_default() -> bool {
    true
}

/// A probe whose parameters were checked.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(transparent)]
pub struct ProbeSpec(ProbeSpecDocument);

impl ProbeSpecDocument {
    /// The host and port the probe connects to, if it connects anywhere.
    /// (A URL's host as the URL parser reads it: `http://2130706433/` is 127.0.0.1.)
    pub fn destination(&self) -> Option<(String, u16)> {
        match self {
            ProbeSpecDocument::Http { url, .. } => {
                let url = reqwest::Url::parse(url).ok()?;
                Some((url.host_str()?.to_owned(), url.port_or_known_default()?))
            }
            ProbeSpecDocument::Tcp { host, port, .. } | ProbeSpecDocument::Tls { host, port, .. } => {
                Some((host.clone(), *port))
            }
            ProbeSpecDocument::Dns { .. } | ProbeSpecDocument::Heartbeat { .. } => None,
        }
    }
}

impl ProbeSpec {
    pub fn parse(document: ProbeSpecDocument) -> Result<Self, String> {
        match &document {
            ProbeSpecDocument::Http { url, expected_status, json_pointer, json_equals, .. } => {
                let parsed = reqwest::Url::parse(url).map_err(|_| "url doit être une URL complète".to_owned())?;
                if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
                    return Err("url doit être une URL http:// ou https:// avec un hôte".to_owned());
                }
                if expected_status.iter().any(|status| !(100..=599).contains(status)) {
                    return Err("expected_status contient des statuts HTTP (100 à 599)".to_owned());
                }
                if json_pointer.as_deref().is_some_and(|pointer| !pointer.is_empty() && !pointer.starts_with('/')) {
                    return Err("json_pointer commence par « / » (RFC 6901)".to_owned());
                }
                if json_equals.is_some() && json_pointer.is_none() {
                    return Err("json_equals demande un json_pointer".to_owned());
                }
            }
            ProbeSpecDocument::Tcp { host, port, .. } => {
                check_host(host)?;
                if *port == 0 {
                    return Err("port est compris entre 1 et 65535".to_owned());
                }
            }
            ProbeSpecDocument::Tls { host, port, warn_days, .. } => {
                check_host(host)?;
                if *port == 0 {
                    return Err("port est compris entre 1 et 65535".to_owned());
                }
                if *warn_days > 365 {
                    return Err("warn_days vaut au plus 365".to_owned());
                }
            }
            ProbeSpecDocument::Dns { name, .. } => check_host(name)?,
            ProbeSpecDocument::Heartbeat { period_secs, .. } => {
                if !(60..=31 * 86_400).contains(period_secs) {
                    return Err("period_secs est compris entre 60 et 2678400 (31 jours)".to_owned());
                }
            }
        }
        Ok(Self(document))
    }

    pub fn document(&self) -> &ProbeSpecDocument {
        &self.0
    }

    pub fn is_heartbeat(&self) -> bool {
        matches!(self.0, ProbeSpecDocument::Heartbeat { .. })
    }

    /// As stored in `services.probe`.
    pub fn to_json(&self) -> String {
        serde_json::to_string(&self.0).unwrap_or_default()
    }

    /// From `services.probe`, written by [`ProbeSpec::to_json`].
    pub fn from_json(stored: &str) -> Option<Self> {
        serde_json::from_str(stored).ok().and_then(|document| Self::parse(document).ok())
    }
}

fn check_host(host: &str) -> Result<(), String> {
    let valid = !host.is_empty()
        && host.len() <= MAX_HOST_CHARACTERS
        && host.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | ':'));
    if valid { Ok(()) } else { Err("host est un nom d'hôte ou une adresse IP".to_owned()) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(value: serde_json::Value) -> Result<ProbeSpec, String> {
        let document: ProbeSpecDocument = serde_json::from_value(value).map_err(|error| error.to_string())?;
        ProbeSpec::parse(document)
    }

    #[test]
    fn valid_probes_round_trip_through_storage() {
        for value in [
            json!({"kind": "http", "url": "https://example.fr/health", "keyword": "ok"}),
            json!({"kind": "tcp", "host": "db.internal", "port": 5432}),
            json!({"kind": "tls", "host": "example.fr", "warn_days": 21, "verify_chain": false}),
            json!({"kind": "dns", "name": "example.fr", "expected_address": "192.0.2.1"}),
            json!({"kind": "heartbeat", "period_secs": 86400, "grace_secs": 3600}),
        ] {
            let spec = parse(value.clone()).expect("valid");
            assert_eq!(ProbeSpec::from_json(&spec.to_json()), Some(spec));
        }
    }

    #[test]
    fn invalid_probes_say_what_is_wrong() {
        let cases = [
            (json!({"kind": "http", "url": "ftp://example.fr"}), "http://"),
            (json!({"kind": "http", "url": "https://x.fr", "json_equals": 1}), "json_pointer"),
            (json!({"kind": "tcp", "host": "a b", "port": 22}), "host"),
            (json!({"kind": "tcp", "host": "db", "port": 0}), "port"),
            (json!({"kind": "heartbeat", "period_secs": 5}), "period_secs"),
            (json!({"kind": "tls", "host": "x.fr", "port": 0}), "port"),
            (json!({"kind": "ftp", "host": "x.fr"}), "unknown variant"),
        ];
        for (value, expected) in cases {
            let error = parse(value.clone()).expect_err("invalid");
            assert!(error.contains(expected), "{value}: {error}");
        }
    }
}
