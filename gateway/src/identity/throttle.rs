//! Limits on guessing passwords: a rate per client address and per account
//! from that address, a temporary lockout of one address for one account
//! after repeated failures, and for the account alone, delays that grow with
//! its failures from everywhere (never a lock: a wrong password from one
//! address must not keep the owner out from another).
//!
//! Failures are counted per e-mail address whether or not an account has
//! it, in the database so that every replica agrees: a locked address
//! looks the same for a real account and for a made-up one.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use actix_web::HttpRequest;
use actix_web::http::header::X_FORWARDED_FOR;
use chrono::{DateTime, Utc};
use common::database::Database;
use common::error::{ApiError, ErrorCode};
use common::on_database;
use ipnet::IpNet;
use serde::Deserialize;
use tokio::sync::OwnedMutexGuard;

use crate::domain::EmailAddress;
use crate::rate_limit::RateLimiter;

#[derive(Debug, Clone, Deserialize)]
pub struct LoginLimits {
    /// Sign-in attempts one client address may make per minute.
    pub per_ip_per_minute: u32,
    /// Sign-in attempts one account may receive per minute.
    pub per_account_per_minute: u32,
    /// Consecutive failures from one address before the account is locked
    /// for that address.
    pub max_failures: i64,
    pub lockout_minutes: i64,
    /// Failures of the account from all addresses after which each attempt
    /// waits: 1 s after the last failure, doubling with each one more, up
    /// to `account_max_delay_secs`.
    pub account_delay_after_failures: i64,
    pub account_max_delay_secs: i64,
    /// Addresses or networks (`10.0.0.0/8`) of the reverse proxies in front of the gateway: for a
    /// request from one of them, the client is the last address in
    /// `X-Forwarded-For` that is not a trusted proxy. Anyone else could
    /// write that header, so it is ignored.
    #[serde(default, deserialize_with = "common::configuration::string_list")]
    pub trusted_proxies: Vec<String>,
}

/// What attempts from `address` are counted as: the address itself, or
/// for IPv6 (not an IPv4 address written as IPv6) its /64 network.
fn counted_as(address: IpAddr) -> String {
    match address.to_canonical() {
        IpAddr::V6(_) => {
            IpNet::new(address, 64).map_or_else(|_| address.to_string(), |network| network.trunc().to_string())
        }
        v4 => v4.to_string(),
    }
}

/// The `source` of the row counting an account's failures from every address.
const EVERYWHERE: &str = "*";

/// How long an attempt waits for the account's earlier attempts to be
/// judged before it is refused.
const TURN_WAIT: Duration = Duration::from_secs(5);

/// One password check at a time per account (in this replica): the delay
/// an account's failures impose is read after the previous attempt's
/// failure is written, so a burst of attempts from many addresses at once
/// cannot all pass before the first failure counts.
#[derive(Clone, Default)]
struct AccountTurns(Arc<Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>>);

/// An attempt's turn on its account, held until its outcome is recorded.
pub struct AttemptTurn {
    _turn: OwnedMutexGuard<()>,
    turns: AccountTurns,
    email: String,
}

impl AccountTurns {
    async fn take(&self, email: &EmailAddress) -> Result<AttemptTurn, ApiError> {
        let account = Arc::clone(
            self.0.lock().unwrap_or_else(PoisonError::into_inner).entry(email.as_str().to_owned()).or_default(),
        );
        let turn = tokio::time::timeout(TURN_WAIT, account.lock_owned()).await;
        let turn =
            AttemptTurn { _turn: turn.map_err(|_| busy())?, turns: self.clone(), email: email.as_str().to_owned() };
        Ok(turn)
    }
}

fn busy() -> ApiError {
    ApiError::new(ErrorCode::RateLimited, "Too many sign-in attempts for this account at once; retry in a moment.")
        .with_retry_after(1)
}

impl Drop for AttemptTurn {
    fn drop(&mut self) {
        let mut accounts = self.turns.0.lock().unwrap_or_else(PoisonError::into_inner);
        // The map's handle and this turn's: nobody else waits on the account.
        if accounts.get(&self.email).is_some_and(|account| Arc::strong_count(account) <= 2) {
            accounts.remove(&self.email);
        }
    }
}

#[derive(Clone)]
pub struct LoginThrottle {
    database: Database,
    per_ip: RateLimiter,
    per_account: RateLimiter,
    limits: LoginLimits,
    trusted_proxies: Vec<IpNet>,
    turns: AccountTurns,
}

impl LoginThrottle {
    pub fn new(database: Database, limits: &LoginLimits) -> anyhow::Result<Self> {
        let trusted_proxies = limits
            .trusted_proxies
            .iter()
            .map(|address| {
                address
                    .parse()
                    .map_err(|_| anyhow::anyhow!("auth.login.trusted_proxies: {address:?} is not an IP address"))
            })
            .collect::<anyhow::Result<_>>()?;
        let per_ip = RateLimiter::per_minute(
            limits.per_ip_per_minute,
            "Too many sign-in attempts from this address; retry later.",
        );
        let per_account = RateLimiter::per_minute(
            limits.per_account_per_minute,
            "Too many sign-in attempts for this account; retry later.",
        );
        per_ip.spawn_cleanup();
        per_account.spawn_cleanup();
        Ok(Self {
            database,
            per_ip,
            per_account,
            limits: limits.clone(),
            trusted_proxies,
            turns: AccountTurns::default(),
        })
    }

    /// The address sign-in attempts are counted against. An IPv6 client
    /// counts as its /64: one host usually holds a whole /64, and could
    /// otherwise pick a new address for every attempt.
    pub fn client_address(&self, request: &HttpRequest) -> String {
        let Some(peer) = request.peer_addr().map(|address| address.ip()) else {
            return "unknown".to_owned();
        };
        let trusted = |address: &IpAddr| self.trusted_proxies.iter().any(|network| network.contains(address));
        let client = if trusted(&peer) { self.forwarded_client(request, peer, trusted) } else { peer };
        counted_as(client)
    }

    fn forwarded_client(&self, request: &HttpRequest, peer: IpAddr, trusted: impl Fn(&IpAddr) -> bool) -> IpAddr {
        let forwarded: Vec<IpAddr> = request
            .headers()
            .get_all(X_FORWARDED_FOR)
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(','))
            .filter_map(|hop| hop.trim().parse().ok())
            .collect();
        forwarded.into_iter().rev().find(|hop| !trusted(hop)).unwrap_or(peer)
    }

    /// Counts an attempt from `client_address`, whatever it is for.
    pub fn admit_address(&self, client_address: &str) -> Result<(), ApiError> {
        self.per_ip.check(client_address)
    }

    /// Refuses an attempt on `email` from `client_address` before any
    /// password is checked: the address's share, the account's share from
    /// that address, a lockout of that address in force, and the delay the
    /// account's failures from everywhere impose. An admitted attempt holds
    /// the account's turn: keep it until its failure or success is recorded.
    pub async fn admit(&self, client_address: &str, email: &EmailAddress) -> Result<AttemptTurn, ApiError> {
        self.admit_address(client_address)?;
        self.per_account.check(&format!("{}|{client_address}", email.as_str()))?;
        let turn = self.turns.take(email).await?;
        let rows = on_database!(&self.database, pool => sqlx::query_as::<_, (String, i64, DateTime<Utc>, Option<DateTime<Utc>>)>(
            "SELECT source, failures, last_failure_at, locked_until FROM login_failures \
             WHERE email = $1 AND source IN ($2, $3)",
        )
        .bind(email.as_str())
        .bind(client_address)
        .bind(EVERYWHERE)
        .fetch_all(pool)
        .await)
        .map_err(ApiError::internal)?;
        let now = Utc::now();
        let wait_until = |until: DateTime<Utc>| u64::try_from((until - now).num_seconds()).unwrap_or(0).max(1);
        for (source, failures, last_failure_at, locked_until) in rows {
            if source == EVERYWHERE {
                let until = last_failure_at + self.account_delay(failures);
                if until > now {
                    return Err(ApiError::new(
                        ErrorCode::RateLimited,
                        "Many failed sign-in attempts for this account: wait a moment before the next one.",
                    )
                    .with_retry_after(wait_until(until)));
                }
            } else if let Some(until) = locked_until.filter(|until| *until > now) {
                return Err(ApiError::new(
                    ErrorCode::RateLimited,
                    "Too many failed sign-in attempts for this account from this address; it is locked for a while.",
                )
                .with_retry_after(wait_until(until)));
            }
        }
        Ok(turn)
    }

    /// How long after its last failure an account with `failures` from
    /// everywhere waits before the next attempt.
    fn account_delay(&self, failures: i64) -> chrono::Duration {
        let beyond = failures - self.limits.account_delay_after_failures;
        if beyond < 0 {
            return chrono::Duration::zero();
        }
        // 2^62 s is already far past any maximum; a larger shift would overflow.
        let seconds = 1i64 << beyond.min(62);
        chrono::Duration::seconds(seconds.min(self.limits.account_max_delay_secs))
    }

    /// Counts a failure from `client_address` and for the account; the one
    /// that reaches the limit locks the account for that address and starts
    /// its count again.
    pub async fn failed(&self, client_address: &str, email: &EmailAddress) -> Result<(), sqlx::Error> {
        let now = Utc::now();
        let lock_until = now + chrono::Duration::minutes(self.limits.lockout_minutes);
        for source in [client_address, EVERYWHERE] {
            on_database!(&self.database, pool => sqlx::query(
                "INSERT INTO login_failures (email, source, failures, last_failure_at) VALUES ($1, $2, 1, $3) \
                 ON CONFLICT (email, source) DO UPDATE SET failures = login_failures.failures + 1, last_failure_at = $3",
            )
            .bind(email.as_str())
            .bind(source)
            .bind(now)
            .execute(pool)
            .await
            .map(drop))?;
        }
        on_database!(&self.database, pool => sqlx::query(
            "UPDATE login_failures SET locked_until = $1, failures = 0 \
             WHERE email = $2 AND source = $3 AND failures >= $4",
        )
        .bind(lock_until)
        .bind(email.as_str())
        .bind(client_address)
        .bind(self.limits.max_failures)
        .execute(pool)
        .await
        .map(drop))
    }

    /// Forgets failures older than a lockout, so made-up addresses do not
    /// pile up.
    pub async fn purge_stale(&self) -> Result<u64, sqlx::Error> {
        let cutoff = Utc::now() - chrono::Duration::minutes(self.limits.lockout_minutes);
        on_database!(&self.database, pool => sqlx::query(
            "DELETE FROM login_failures WHERE last_failure_at < $1 AND (locked_until IS NULL OR locked_until < $1)",
        )
        .bind(cutoff)
        .execute(pool)
        .await
        .map(|done| done.rows_affected()))
    }

    pub async fn succeeded(&self, email: &EmailAddress) -> Result<(), sqlx::Error> {
        on_database!(&self.database, pool => sqlx::query("DELETE FROM login_failures WHERE email = $1")
            .bind(email.as_str())
            .execute(pool)
            .await
            .map(drop))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_ipv6_client_counts_as_its_64_and_a_mapped_ipv4_as_itself() {
        let counted = |address: &str| counted_as(address.parse().expect("an address"));
        assert_eq!(counted("2001:db8:1:2:aaaa::1"), "2001:db8:1:2::/64");
        assert_eq!(counted("2001:db8:1:2:ffff::9"), counted("2001:db8:1:2::1"));
        assert_ne!(counted("2001:db8:1:3::1"), counted("2001:db8:1:2::1"));
        assert_eq!(counted("::ffff:203.0.113.7"), "203.0.113.7");
        assert_eq!(counted("203.0.113.7"), "203.0.113.7");
    }
}
