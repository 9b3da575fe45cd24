//! Where a job's result may be sent. A caller-supplied URL makes the worker
//! issue requests from inside the platform's network, so a destination
//! resolving to this machine, a private or link-local network (including
//! the cloud metadata address 169.254.169.254), CGNAT, IPv6 unique-local or
//! an unspecified address is refused — at submit, and again at connect
//! time through [`GuardedResolver`], since DNS may answer differently by
//! then. The allow-list (`jobs.webhook_allowed_networks`) lets local
//! receivers through in development and tests.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;

use ipnet::IpNet;
use reqwest::Url;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};

const MAX_URL_LENGTH: usize = 2048;

/// Which destinations webhooks may reach.
#[derive(Debug, Clone, Default)]
pub struct Destinations {
    allowed: Vec<IpNet>,
}

/// A webhook URL that passed the checks when it was parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookUrl(Url);

impl WebhookUrl {
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }
}

impl Destinations {
    /// `allowed`: networks (`127.0.0.1/32`, `10.0.0.0/8`) or addresses.
    pub fn new(allowed: &[String]) -> Result<Self, String> {
        let allowed = allowed
            .iter()
            .map(|entry| {
                entry
                    .parse::<IpNet>()
                    .or_else(|_| entry.parse::<IpAddr>().map(IpNet::from))
                    .map_err(|_| format!("`{entry}` is not an IP network or address"))
            })
            .collect::<Result<_, _>>()?;
        Ok(Self { allowed })
    }

    pub fn permits(&self, address: IpAddr) -> bool {
        self.allowed.iter().any(|network| network.contains(&address)) || is_public(address)
    }

    /// Parses `raw` and resolves its host: every address must be permitted.
    pub async fn check(&self, raw: &str) -> Result<WebhookUrl, String> {
        if raw.len() > MAX_URL_LENGTH {
            return Err(format!("webhook_url is longer than {MAX_URL_LENGTH} characters"));
        }
        let url = Url::parse(raw).map_err(|error| format!("webhook_url is not a URL: {error}"))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err("webhook_url must be an http or https URL".into());
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err("webhook_url must not carry credentials; use WEBHOOK_TOKEN".into());
        }
        let host = url.host_str().ok_or("webhook_url has no host")?;
        let port = url.port_or_known_default().unwrap_or(443);
        let host = host.trim_start_matches('[').trim_end_matches(']');
        let addresses: Vec<SocketAddr> = match host.parse::<IpAddr>() {
            Ok(address) => vec![SocketAddr::new(address, port)],
            Err(_) => tokio::net::lookup_host((host, port))
                .await
                .map_err(|_| format!("webhook_url's host `{host}` does not resolve"))?
                .collect(),
        };
        if addresses.is_empty() {
            return Err(format!("webhook_url's host `{host}` does not resolve"));
        }
        if let Some(refused) = addresses.iter().find(|address| !self.permits(address.ip())) {
            return Err(format!(
                "webhook_url resolves to {}, a loopback, private, link-local or reserved address",
                refused.ip()
            ));
        }
        Ok(WebhookUrl(url))
    }
}

/// Whether `address` is on the public Internet, as far as a webhook goes.
fn is_public(address: IpAddr) -> bool {
    match address {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => is_public_v4(v4),
            None => is_public_v6(v6),
        },
    }
}

fn is_public_v4(address: Ipv4Addr) -> bool {
    let [first, second, ..] = address.octets();
    let cgnat = first == 100 && (64..128).contains(&second);
    let this_network = first == 0;
    let reserved = first >= 240;
    !(address.is_loopback()
        || address.is_private()
        || address.is_link_local()
        || address.is_unspecified()
        || address.is_broadcast()
        || address.is_multicast()
        || address.is_documentation()
        || cgnat
        || this_network
        || reserved)
}

fn is_public_v6(address: Ipv6Addr) -> bool {
    let first = address.segments()[0];
    let unique_local = first & 0xfe00 == 0xfc00;
    let link_local = first & 0xffc0 == 0xfe80;
    let documentation = first == 0x2001 && address.segments()[1] == 0x0db8;
    let nat64 = first == 0x0064 && address.segments()[1] == 0xff9b;
    !(address.is_loopback()
        || address.is_unspecified()
        || address.is_multicast()
        || unique_local
        || link_local
        || documentation
        || nat64)
}

/// The webhook client's DNS: only permitted addresses are connected to, so
/// a name that resolved to a public address at submit and to an internal
/// one now (DNS rebinding) is refused.
pub struct GuardedResolver {
    destinations: Arc<Destinations>,
}

impl GuardedResolver {
    pub fn new(destinations: Arc<Destinations>) -> Self {
        Self { destinations }
    }
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let destinations = Arc::clone(&self.destinations);
        Box::pin(async move {
            let resolved = tokio::net::lookup_host((name.as_str(), 0)).await?;
            let permitted: Vec<SocketAddr> = resolved.filter(|address| destinations.permits(address.ip())).collect();
            if permitted.is_empty() {
                let refused = std::io::Error::new(
                    std::io::ErrorKind::PermissionDenied,
                    "the webhook host resolves only to refused addresses",
                );
                return Err(Box::new(refused) as Box<dyn std::error::Error + Send + Sync>);
            }
            Ok(Box::new(permitted.into_iter()) as Addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn internal_destinations_are_refused() {
        let destinations = Destinations::default();
        for url in [
            "http://127.0.0.1/hook",
            "http://localhost:8088/invoice_ready.php",
            "http://169.254.169.254/latest/meta-data/",
            "http://10.1.2.3/",
            "http://172.16.0.1/",
            "http://192.168.1.10/",
            "http://100.64.0.1/",
            "http://0.0.0.0/",
            "http://[::1]/",
            "http://[fd00::1]/",
            "http://[fe80::1]/",
            "http://[::]/",
            "http://[::ffff:127.0.0.1]/",
            "http://2130706433/",
        ] {
            assert!(destinations.check(url).await.is_err(), "{url} accepted");
        }
    }

    #[tokio::test]
    async fn malformed_urls_are_refused() {
        let destinations = Destinations::default();
        for url in ["ftp://93.184.215.14/", "not a url", "http://user:pass@93.184.215.14/", "file:///etc/passwd"] {
            assert!(destinations.check(url).await.is_err(), "{url} accepted");
        }
        assert!(destinations.check(&format!("https://93.184.215.14/{}", "a".repeat(3000))).await.is_err());
    }

    #[tokio::test]
    async fn public_addresses_and_allowed_networks_pass() {
        let destinations = Destinations::default();
        assert!(destinations.check("https://93.184.215.14/hook").await.is_ok());
        assert!(destinations.check("https://[2606:2800:21f:cb07:6820:80da:af6b:8b2c]/hook").await.is_ok());
        let local = Destinations::new(&["127.0.0.1".into(), "fd00::/8".into()]).expect("allow-list");
        assert!(local.check("http://127.0.0.1:8088/invoice_ready.php").await.is_ok());
        assert!(local.check("http://[fd00::1]/").await.is_ok());
        assert!(local.check("http://10.0.0.1/").await.is_err());
        assert!(Destinations::new(&["not-a-network".into()]).is_err());
    }
}
