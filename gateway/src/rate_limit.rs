//! Per-credential rate limiting (GCRA, through governor): a sustained rate
//! with a burst allowance; past it, 429 with `Retry-After`.

use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use common::error::{ApiError, ErrorCode};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};

use crate::configuration::RateLimitSettings;

#[derive(Clone)]
pub struct RateLimiter {
    limiter: Arc<DefaultKeyedRateLimiter<String>>,
    clock: DefaultClock,
    refusal: &'static str,
}

impl RateLimiter {
    pub fn new(settings: &RateLimitSettings) -> Self {
        let per_second = NonZeroU32::new(settings.per_second).unwrap_or(NonZeroU32::MIN);
        let burst = NonZeroU32::new(settings.burst).unwrap_or(per_second);
        Self::with_quota(
            Quota::per_second(per_second).allow_burst(burst),
            "Too many requests for this credential; retry later.",
        )
    }

    /// At most `count` attempts per minute, all of which may come at once.
    pub fn per_minute(count: u32, refusal: &'static str) -> Self {
        let count = NonZeroU32::new(count).unwrap_or(NonZeroU32::MIN);
        Self::with_quota(Quota::per_minute(count).allow_burst(count), refusal)
    }

    fn with_quota(quota: Quota, refusal: &'static str) -> Self {
        Self { limiter: Arc::new(DefaultKeyedRateLimiter::keyed(quota)), clock: DefaultClock::default(), refusal }
    }

    pub fn check(&self, key: &str) -> Result<(), ApiError> {
        self.limiter.check_key(&key.to_owned()).map_err(|not_until| {
            let wait = not_until.wait_time_from(self.clock.now());
            ApiError::new(ErrorCode::RateLimited, self.refusal).with_retry_after(wait.as_secs().max(1))
        })
    }

    /// Forgets credentials idle long enough to be back at a full bucket,
    /// so memory follows the active callers, not all callers ever seen.
    pub fn spawn_cleanup(&self) {
        let limiter = Arc::clone(&self.limiter);
        tokio::spawn(async move {
            let mut interval = tokio::time::interval(Duration::from_secs(60));
            loop {
                interval.tick().await;
                limiter.retain_recent();
                limiter.shrink_to_fit();
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_credential_past_its_burst_is_told_when_to_retry_and_others_are_not_affected() {
        let limiter = RateLimiter::new(&RateLimitSettings { per_second: 1, burst: 2 });
        assert!(limiter.check("a").is_ok());
        assert!(limiter.check("a").is_ok());
        let refused = limiter.check("a").expect_err("third request in a burst of two");
        assert_eq!(refused.code(), ErrorCode::RateLimited);
        assert!(limiter.check("b").is_ok());
    }
}
