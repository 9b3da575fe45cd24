//! Where a request made for a caller may go: OCR webhooks, Check du Matin
//! probes. A caller-supplied URL or host makes the service issue requests
//! from inside the platform's network, so a destination resolving to this
//! machine, a private or link-local network (including the cloud metadata
//! address 169.254.169.254), CGNAT, IPv6 unique-local, an unspecified
//! address, or any IPv6 form embedding one of those (IPv4-mapped,
//! IPv4-compatible, 6to4, NAT64, Teredo) is refused — when the URL is
//! given, and again at connect time through [`GuardedResolver`] and
//! [`Destinations::connect`], since DNS may answer differently by then. An
//! allow-list (`jobs.webhook_allowed_networks`, `probes.allowed_networks`)
//! lets chosen internal networks through.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;

use ipnet::IpNet;
use reqwest::Url;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};

const MAX_URL_LENGTH: usize = 2048;

/// Why a destination is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("the URL is longer than {MAX_URL_LENGTH} characters")]
    TooLong,
    #[error("not a URL: {0}")]
    NotUrl(String),
    #[error("must be an http or https URL")]
    NotHttp,
    #[error("must not carry credentials in the URL")]
    Credentials,
    #[error("the URL has no host")]
    NoHost,
    #[error("the host `{0}` does not resolve")]
    DoesNotResolve(String),
    #[error("`{host}` resolves to {address}, a loopback, private, link-local or reserved address")]
    Internal { host: String, address: IpAddr },
}

/// Which destinations requests may reach.
#[derive(Debug, Clone, Default)]
pub struct Destinations {
    allowed: Vec<IpNet>,
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

    /// Whether `address` is public or in an allowed network.
    pub fn permits(&self, address: IpAddr) -> bool {
        self.allows(address) || is_public(address)
    }

    /// Whether `address`, or the IPv4 address an IPv6 one carries, is in
    /// one of the allowed networks.
    pub fn allows(&self, address: IpAddr) -> bool {
        let carried = match address {
            IpAddr::V6(v6) => embedded_v4(v6).map(IpAddr::V4),
            IpAddr::V4(_) => None,
        };
        self.allowed.iter().any(|network| network.contains(&address) || carried.is_some_and(|v4| network.contains(&v4)))
    }

    /// Parses `raw`, an http(s) URL without credentials, and resolves its
    /// host: every address must be permitted.
    pub async fn check(&self, raw: &str) -> Result<Url, Refusal> {
        if raw.len() > MAX_URL_LENGTH {
            return Err(Refusal::TooLong);
        }
        let url = Url::parse(raw).map_err(|error| Refusal::NotUrl(error.to_string()))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(Refusal::NotHttp);
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(Refusal::Credentials);
        }
        let host = url.host_str().ok_or(Refusal::NoHost)?;
        let port = url.port_or_known_default().unwrap_or(443);
        self.check_host(host, port).await?;
        Ok(url)
    }

    /// Resolves `host`: every address must be permitted.
    pub async fn check_host(&self, host: &str, port: u16) -> Result<Vec<SocketAddr>, Refusal> {
        let addresses = resolve(host, port).await.map_err(|_| Refusal::DoesNotResolve(host.to_owned()))?;
        if let Some(refused) = addresses.iter().find(|address| !self.permits(address.ip())) {
            return Err(Refusal::Internal { host: host.to_owned(), address: refused.ip() });
        }
        Ok(addresses)
    }

    /// A TCP connection to `host`:`port`, only to a permitted address (the
    /// name is resolved here, for this connection).
    pub async fn connect(&self, host: &str, port: u16) -> std::io::Result<tokio::net::TcpStream> {
        let resolved = resolve(host, port).await?;
        let permitted: Vec<SocketAddr> = resolved.into_iter().filter(|address| self.permits(address.ip())).collect();
        if permitted.is_empty() {
            return Err(refused_error());
        }
        tokio::net::TcpStream::connect(permitted.as_slice()).await
    }
}

async fn resolve(host: &str, port: u16) -> std::io::Result<Vec<SocketAddr>> {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let addresses: Vec<SocketAddr> = match host.parse::<IpAddr>() {
        Ok(address) => vec![SocketAddr::new(address, port)],
        Err(_) => tokio::net::lookup_host((host, port)).await?.collect(),
    };
    if addresses.is_empty() {
        return Err(std::io::Error::new(std::io::ErrorKind::NotFound, "no address"));
    }
    Ok(addresses)
}

fn refused_error() -> std::io::Error {
    std::io::Error::new(
        std::io::ErrorKind::PermissionDenied,
        "the host resolves only to loopback, private, link-local or reserved addresses",
    )
}

/// Whether `address` is on the public Internet. An IPv6 address that
/// carries an IPv4 one (mapped `::ffff:a.b.c.d`, compatible `::a.b.c.d`,
/// 6to4 `2002:aabb:ccdd::`) is judged by the IPv4 address it reaches.
pub fn is_public(address: IpAddr) -> bool {
    match address {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => match embedded_v4(v6) {
            Some(v4) => is_public_v4(v4),
            None => is_public_v6(v6),
        },
    }
}

fn embedded_v4(address: Ipv6Addr) -> Option<Ipv4Addr> {
    let segments = address.segments();
    let from = |high: u16, low: u16| Ipv4Addr::from((u32::from(high) << 16) | u32::from(low));
    if let Some(mapped) = address.to_ipv4_mapped() {
        return Some(mapped);
    }
    if segments[..6] == [0; 6] && !address.is_loopback() && !address.is_unspecified() {
        return Some(from(segments[6], segments[7]));
    }
    (segments[0] == 0x2002).then(|| from(segments[1], segments[2]))
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
    // NAT64 (64:ff9b::/96 and the local-use 64:ff9b:1::/48) reaches any IPv4
    // address through a translator; Teredo (2001::/32) hides one; 100::/64
    // is discard-only.
    let nat64 = first == 0x0064 && address.segments()[1] == 0xff9b;
    let teredo = first == 0x2001 && address.segments()[1] == 0;
    let discard = address.segments()[..4] == [0x0100, 0, 0, 0];
    !(address.is_loopback()
        || teredo
        || discard
        || address.is_unspecified()
        || address.is_multicast()
        || unique_local
        || link_local
        || documentation
        || nat64)
}

/// An HTTP client's DNS: only permitted addresses are connected to, so
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
                return Err(Box::new(refused_error()) as Box<dyn std::error::Error + Send + Sync>);
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
            "http://[::127.0.0.1]/",
            "http://[::7f00:1]/",
            "http://[::a9fe:a9fe]/",
            "http://[2002:7f00:1::]/",
            "http://[2002:a9fe:a9fe::1]/",
            "http://[64:ff9b::7f00:1]/",
            "http://[64:ff9b:1::a00:1]/",
            "http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/",
            "http://2130706433/",
            "http://0x7f.1/",
            "http://017700000001/",
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
        // 6to4 and IPv4-compatible forms of public addresses stay public.
        for url in ["http://[2002:5db8:d70e::1]/", "http://[::5db8:d70e]/"] {
            assert!(destinations.check(url).await.is_ok(), "{url} refused");
        }
        let local = Destinations::new(&["127.0.0.1".into(), "fd00::/8".into()]).expect("allow-list");
        assert!(local.check("http://127.0.0.1:8088/invoice_ready.php").await.is_ok());
        assert!(local.check("http://[fd00::1]/").await.is_ok());
        assert!(local.check("http://10.0.0.1/").await.is_err());
        assert!(Destinations::new(&["not-a-network".into()]).is_err());
    }
}
