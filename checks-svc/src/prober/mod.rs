//! Probes that pre-fill services before the operator looks: HTTP(S), TCP,
//! TLS certificates, DNS and heartbeats. Each probed service is due every `interval_secs`,
//! at its own offset in the interval (so 10,000 probes spread evenly
//! rather than fire at once); a failure is retried `retries` times before
//! it counts. Results are stored, pre-fill the open check of the day
//! unless an operator already set the service, and feed the metrics.

mod certificate;
mod details;

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashSet};
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use common::destination::{Destinations, GuardedResolver};
use prometheus::{HistogramOpts, HistogramVec, IntCounterVec, Opts, Registry};
use tokio::sync::Semaphore;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::calendar::local_day_and_minute;
use crate::configuration::ProbeSettings;
use crate::domain::{ProbeSpec, ProbeSpecDocument, ServiceStatus};
use crate::store::{ProbeTarget, Store};

/// Largest body read to look for a keyword or a JSON value.
const MAX_BODY_BYTES: usize = 1024 * 1024;
/// How often the list of probed services is reloaded: a tenth of the
/// interval, between these bounds, so a new service runs within 1.1
/// intervals of being saved.
const RELOAD_AT_LEAST_EVERY: Duration = Duration::from_secs(30);
const RELOAD_AT_MOST_EVERY: Duration = Duration::from_secs(1);

#[derive(Debug, Clone, PartialEq)]
pub struct ProbeOutcome {
    pub status: ServiceStatus,
    pub latency_ms: Option<f64>,
    pub detail: String,
}

impl ProbeOutcome {
    fn error(detail: impl Into<String>) -> Self {
        Self { status: ServiceStatus::Error, latency_ms: None, detail: detail.into() }
    }

    fn timed(latency: Duration, warn_latency_ms: Option<u64>, detail: String) -> Self {
        let latency_ms = latency.as_secs_f64() * 1000.0;
        let slow = warn_latency_ms.is_some_and(|limit| latency_ms > limit as f64);
        let status = if slow { ServiceStatus::Warning } else { ServiceStatus::Success };
        let detail = if slow { format!("{detail}, lent : {latency_ms:.0} ms") } else { detail };
        Self { status, latency_ms: Some(latency_ms), detail }
    }
}

#[derive(Clone)]
pub struct ProbeMetrics {
    runs: IntCounterVec,
    latency: HistogramVec,
    lag: prometheus::Histogram,
}

impl ProbeMetrics {
    pub fn register(registry: &Registry) -> prometheus::Result<Self> {
        let runs = IntCounterVec::new(
            Opts::new("checks_probe_results_total", "Probe results by kind and status."),
            &["kind", "status"],
        )?;
        let latency = HistogramVec::new(
            HistogramOpts::new("checks_probe_latency_seconds", "Latency of successful probe attempts.")
                .buckets(vec![0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0]),
            &["kind"],
        )?;
        let lag = prometheus::Histogram::with_opts(
            HistogramOpts::new("checks_probe_schedule_lag_seconds", "How late probes start after they are due.")
                .buckets(vec![0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0]),
        )?;
        registry.register(Box::new(runs.clone()))?;
        registry.register(Box::new(latency.clone()))?;
        registry.register(Box::new(lag.clone()))?;
        Ok(Self { runs, latency, lag })
    }
}

pub struct Prober {
    store: Store,
    settings: ProbeSettings,
    zone: Tz,
    /// Probes an admin saved: public addresses and `probes.allowed_networks`.
    with_allowed_networks: Reach,
    /// Every other probe: public addresses only.
    public_only: Reach,
    metrics: ProbeMetrics,
}

/// Where a probe may connect, and the HTTP client that keeps to it.
struct Reach {
    destinations: Arc<Destinations>,
    client: reqwest::Client,
}

impl Reach {
    fn new(destinations: Destinations, settings: &ProbeSettings) -> anyhow::Result<Self> {
        let destinations = Arc::new(destinations);
        // Names are resolved through the guard; a redirect to an address
        // written out (no name to resolve) is checked here.
        let guard = Arc::clone(&destinations);
        let redirects = reqwest::redirect::Policy::custom(move |attempt| {
            let written =
                attempt.url().host_str().and_then(|host| host.trim_matches(['[', ']']).parse::<IpAddr>().ok());
            let refused = written.is_some_and(|address| !guard.permits(address));
            if refused {
                attempt.error("vers une adresse interne")
            } else if attempt.previous().len() >= MAX_REDIRECTS {
                attempt.error("trop de redirections")
            } else {
                attempt.follow()
            }
        });
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs_f64(settings.timeout_secs.max(0.1)))
            .user_agent(concat!("check-du-matin/", env!("CARGO_PKG_VERSION")))
            .redirect(redirects)
            .dns_resolver(Arc::new(GuardedResolver::new(Arc::clone(&destinations))))
            // A proxy would resolve the name itself, past the guard.
            .no_proxy()
            .build()?;
        Ok(Self { destinations, client })
    }
}

/// Redirects followed by an HTTP probe.
const MAX_REDIRECTS: usize = 5;

fn kind(spec: &ProbeSpec) -> &'static str {
    match spec.document() {
        ProbeSpecDocument::Http { .. } => "http",
        ProbeSpecDocument::Tcp { .. } => "tcp",
        ProbeSpecDocument::Tls { .. } => "tls",
        ProbeSpecDocument::Dns { .. } => "dns",
        ProbeSpecDocument::Heartbeat { .. } => "heartbeat",
    }
}

impl Prober {
    pub fn new(store: Store, settings: &ProbeSettings, zone: Tz, metrics: ProbeMetrics) -> anyhow::Result<Self> {
        let allowed = Destinations::new(&settings.allowed_networks)
            .map_err(|problem| anyhow::anyhow!("probes.allowed_networks: {problem}"))?;
        Ok(Self {
            store,
            settings: settings.clone(),
            zone,
            with_allowed_networks: Reach::new(allowed, settings)?,
            public_only: Reach::new(Destinations::default(), settings)?,
            metrics,
        })
    }

    /// Where probes saved by an admin may go (public addresses are open to all).
    pub fn destinations(&self) -> &Destinations {
        &self.with_allowed_networks.destinations
    }

    fn interval(&self) -> Duration {
        Duration::from_secs_f64(self.settings.interval_secs.max(0.01))
    }

    /// Where in the interval a service's probe runs: spread by id.
    fn offset(&self, service_id: i64) -> Duration {
        // Multiplying by the golden ratio's fraction spreads consecutive ids
        // evenly over the interval.
        let fraction = (service_id as f64 * 0.618_033_988_749_895).fract();
        self.interval().mul_f64(fraction)
    }

    /// The first instant at or after `after` on the service's offset. A
    /// service added long after the start, or a loop held up, runs once at
    /// its next slot: never the runs it missed, all at once.
    fn next_slot(&self, started: Instant, service_id: i64, after: Instant) -> Instant {
        let first = started + self.offset(service_id);
        if first >= after {
            return first;
        }
        let interval = self.interval().as_secs_f64();
        let periods = (after.duration_since(first).as_secs_f64() / interval).ceil();
        first + Duration::from_secs_f64(periods * interval)
    }

    /// Runs every probe when due until cancelled.
    pub async fn run(self: Arc<Self>, stop: CancellationToken) {
        let permits = Arc::new(Semaphore::new(self.settings.concurrency.max(1)));
        let mut due: BinaryHeap<Reverse<(Instant, i64)>> = BinaryHeap::new();
        let mut scheduled: HashSet<i64> = HashSet::new();
        let started = Instant::now();
        let mut next_reload = started;
        loop {
            if Instant::now() >= next_reload {
                match self.store.probe_targets().await {
                    Ok(targets) => {
                        for target in targets {
                            if scheduled.insert(target.id) {
                                due.push(Reverse((self.next_slot(started, target.id, Instant::now()), target.id)));
                            }
                        }
                    }
                    Err(error) => tracing::error!(%error, "cannot load the probed services"),
                }
                next_reload = Instant::now() + (self.interval() / 10).clamp(RELOAD_AT_MOST_EVERY, RELOAD_AT_LEAST_EVERY);
            }
            let wake = due.peek().map_or(next_reload, |Reverse((at, _))| (*at).min(next_reload));
            tokio::select! {
                () = stop.cancelled() => return,
                () = tokio::time::sleep_until(wake) => {}
            }
            while let Some(Reverse((at, service_id))) = due.peek().copied() {
                if at > Instant::now() {
                    break;
                }
                due.pop();
                let Ok(permit) = Arc::clone(&permits).acquire_owned().await else { return };
                self.metrics.lag.observe(Instant::now().saturating_duration_since(at).as_secs_f64());
                let prober = Arc::clone(&self);
                tokio::spawn(async move {
                    let _permit = permit;
                    if let Err(error) = prober.probe_service(service_id, Utc::now()).await {
                        tracing::error!(service = service_id, %error, "probe failed to run");
                    }
                });
                // Deleted services and removed probes drop out when due.
                let next = at + self.interval();
                let now = Instant::now();
                due.push(Reverse((
                    if next > now { next } else { self.next_slot(started, service_id, now) },
                    service_id,
                )));
            }
        }
    }

    /// Probes one service now and records the outcome; `None` when it has
    /// no probe any more or is in a maintenance window.
    pub async fn probe_service(&self, service_id: i64, now: DateTime<Utc>) -> anyhow::Result<Option<ProbeOutcome>> {
        let Some(target) = self.store.probe_target(service_id).await? else { return Ok(None) };
        let Some(spec) = ProbeSpec::from_json(&target.probe) else { return Ok(None) };
        if self.store.in_maintenance(service_id, now).await? {
            return Ok(None);
        }
        let outcome = self.probe_with_retries(&spec, &target).await;
        let kind = kind(&spec);
        self.metrics.runs.with_label_values(&[kind, outcome.status.as_str()]).inc();
        if let Some(latency) = outcome.latency_ms {
            self.metrics.latency.with_label_values(&[kind]).observe(latency / 1000.0);
        }
        let day = local_day_and_minute(now, self.zone).0;
        self.store.record_probe(service_id, day, now, outcome.status, outcome.latency_ms, &outcome.detail).await?;
        Ok(Some(outcome))
    }

    async fn probe_with_retries(&self, spec: &ProbeSpec, target: &ProbeTarget) -> ProbeOutcome {
        let mut outcome = self.probe_once(spec, target).await;
        // A heartbeat's verdict is read from the database: retrying cannot change it.
        for _ in 0..if spec.is_heartbeat() { 0 } else { self.settings.retries } {
            if outcome.status != ServiceStatus::Error {
                break;
            }
            tokio::time::sleep(Duration::from_secs_f64(self.settings.retry_delay_secs.max(0.0))).await;
            outcome = self.probe_once(spec, target).await;
        }
        outcome
    }

    async fn probe_once(&self, spec: &ProbeSpec, target: &ProbeTarget) -> ProbeOutcome {
        let timeout = Duration::from_secs_f64(self.settings.timeout_secs.max(0.1));
        let reach = if target.probe_reaches_allowed_networks { &self.with_allowed_networks } else { &self.public_only };
        match spec.document() {
            ProbeSpecDocument::Http { url, expected_status, keyword, json_pointer, json_equals, warn_latency_ms } => {
                let started = std::time::Instant::now();
                // An address written in the URL is not resolved, so not guarded by the resolver.
                if let Err(refused) = reach.destinations.check(url).await {
                    return ProbeOutcome::error(details::refusal(&refused));
                }
                let response = match reach.client.get(url).send().await {
                    Ok(response) => response,
                    Err(error) if error.is_timeout() => return ProbeOutcome::error(details::no_answer(url, timeout)),
                    Err(error) => return ProbeOutcome::error(details::request(&error)),
                };
                let status = response.status().as_u16();
                let accepted = if expected_status.is_empty() {
                    (200..300).contains(&status)
                } else {
                    expected_status.contains(&status)
                };
                let needs_body = keyword.is_some() || json_pointer.is_some();
                let body = if needs_body { read_limited(response).await } else { Ok(Vec::new()) };
                let latency = started.elapsed();
                if !accepted {
                    return ProbeOutcome::error(format!("HTTP {status}"));
                }
                let body = match body {
                    Ok(body) => body,
                    Err(error) => return ProbeOutcome::error(format!("HTTP {status}, réponse illisible : {error}")),
                };
                if let Some(keyword) = keyword
                    && !String::from_utf8_lossy(&body).contains(keyword.as_str())
                {
                    return ProbeOutcome::error(format!("HTTP {status}, mot-clé « {keyword} » absent"));
                }
                if let Some(pointer) = json_pointer {
                    let value = serde_json::from_slice::<serde_json::Value>(&body)
                        .ok()
                        .and_then(|json| json.pointer(pointer).cloned());
                    match (value, json_equals) {
                        (None, _) => {
                            return ProbeOutcome::error(format!("HTTP {status}, aucune valeur JSON en {pointer}"));
                        }
                        (Some(found), Some(expected)) if found != *expected => {
                            return ProbeOutcome::error(format!(
                                "HTTP {status}, {pointer} vaut {} au lieu de {expected}",
                                details::shown(&found)
                            ));
                        }
                        _ => {}
                    }
                }
                ProbeOutcome::timed(latency, *warn_latency_ms, format!("HTTP {status}"))
            }
            ProbeSpecDocument::Tcp { host, port, warn_latency_ms } => {
                let started = std::time::Instant::now();
                match tokio::time::timeout(timeout, reach.destinations.connect(host, *port)).await {
                    Ok(Ok(_)) => ProbeOutcome::timed(
                        started.elapsed(),
                        *warn_latency_ms,
                        format!("{host}:{port} accepte les connexions"),
                    ),
                    Ok(Err(error)) => ProbeOutcome::error(format!("{host}:{port} : {}", details::io(&error))),
                    Err(_) => ProbeOutcome::error(details::no_answer(&format!("{host}:{port}"), timeout)),
                }
            }
            ProbeSpecDocument::Tls { host, port, warn_days, verify_chain } => {
                let request = certificate::CertificateProbe {
                    host,
                    port: *port,
                    warn_days: *warn_days,
                    verify_chain: *verify_chain,
                    destinations: &reach.destinations,
                };
                certificate::probe(&request, timeout, Utc::now()).await
            }
            ProbeSpecDocument::Dns { name, expected_address } => {
                let started = std::time::Instant::now();
                let lookup = tokio::time::timeout(timeout, tokio::net::lookup_host((name.as_str(), 0))).await;
                let addresses: Vec<_> = match lookup {
                    Ok(Ok(addresses)) => addresses.map(|address| address.ip()).collect(),
                    // The resolver's own message is English and says no more.
                    Ok(Err(_)) => return ProbeOutcome::error(format!("{name} ne se résout pas")),
                    Err(_) => return ProbeOutcome::error(details::no_answer(name, timeout)),
                };
                match expected_address {
                    Some(expected) if !addresses.contains(expected) => ProbeOutcome::error(format!(
                        "{name} se résout en {}, pas en {expected}",
                        details::addresses(&addresses)
                    )),
                    _ => ProbeOutcome::timed(
                        started.elapsed(),
                        None,
                        format!("{name} se résout en {}", details::addresses(&addresses)),
                    ),
                }
            }
            ProbeSpecDocument::Heartbeat { period_secs, grace_secs } => {
                heartbeat_outcome(target.last_heartbeat_at, Utc::now(), *period_secs, *grace_secs)
            }
        }
    }
}

/// OK while the last heartbeat is at most `period + grace` old.
pub fn heartbeat_outcome(
    last: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
    period_secs: u64,
    grace_secs: u64,
) -> ProbeOutcome {
    let Some(last) = last else {
        return ProbeOutcome::error("aucun signal reçu pour l'instant");
    };
    let age = (now - last).num_seconds().max(0);
    let allowed = i64::try_from(period_secs.saturating_add(grace_secs)).unwrap_or(i64::MAX);
    let detail = format!("dernier signal le {} UTC (il y a {} min)", last.format("%d/%m/%Y à %H:%M"), age / 60);
    if age <= allowed {
        ProbeOutcome { status: ServiceStatus::Success, latency_ms: None, detail }
    } else {
        ProbeOutcome::error(format!("en retard : {detail}"))
    }
}

async fn read_limited(mut response: reqwest::Response) -> Result<Vec<u8>, String> {
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|error| details::request(&error))? {
        let room = MAX_BODY_BYTES - body.len();
        body.extend_from_slice(&chunk[..chunk.len().min(room)]);
        if body.len() >= MAX_BODY_BYTES {
            break;
        }
    }
    Ok(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heartbeats_are_late_after_period_and_grace() {
        let now = Utc::now();
        let on_time = heartbeat_outcome(Some(now - chrono::Duration::hours(24)), now, 86_400, 3_600);
        assert_eq!(on_time.status, ServiceStatus::Success);
        let late = heartbeat_outcome(Some(now - chrono::Duration::hours(26)), now, 86_400, 3_600);
        assert_eq!(late.status, ServiceStatus::Error);
        assert!(late.detail.starts_with("en retard :"), "{}", late.detail);
        assert_eq!(heartbeat_outcome(None, now, 60, 0).status, ServiceStatus::Error);
    }
}
