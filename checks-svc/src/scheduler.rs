//! The background work: every tick, open the day's checks that are due
//! (catching up the working days missed while the service was down) and
//! send reminders for checks still open; once a day, delete old checks and
//! fold raw probe results into daily aggregates. Every step is safe to run
//! on several replicas at once: checks are unique per client and day,
//! reminders are claimed by an update, deletions are idempotent.

use std::time::Duration;

use chrono::{DateTime, Duration as Days, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use tokio_util::sync::CancellationToken;

use crate::calendar::{french_public_holiday, is_weekend, local_day_and_minute, next_local_time, recent_days};
use crate::configuration::{ProbeSettings, ScheduleSettings};
use crate::notifications::Notifier;
use crate::store::Store;

#[derive(Clone)]
pub struct Scheduler {
    store: Store,
    notifier: Notifier,
    zone: Tz,
    retention_time: NaiveTime,
    settings: ScheduleSettings,
    raw_probe_days: u32,
}

impl Scheduler {
    pub fn new(
        store: Store,
        notifier: Notifier,
        settings: &ScheduleSettings,
        probes: &ProbeSettings,
    ) -> anyhow::Result<Self> {
        let zone: Tz = settings
            .timezone
            .parse()
            .map_err(|_| anyhow::anyhow!("schedule.timezone: unknown time zone {:?}", settings.timezone))?;
        let retention_time = NaiveTime::parse_from_str(&settings.retention_time, "%H:%M")
            .map_err(|_| anyhow::anyhow!("schedule.retention_time: expected HH:MM"))?;
        Ok(Self {
            store,
            notifier,
            zone,
            retention_time,
            settings: settings.clone(),
            raw_probe_days: probes.raw_retention_days,
        })
    }

    pub fn zone(&self) -> Tz {
        self.zone
    }

    /// Today in the service's time zone.
    pub fn today(&self, now: DateTime<Utc>) -> NaiveDate {
        local_day_and_minute(now, self.zone).0
    }

    /// Weekdays that are neither public holidays nor closures.
    pub async fn is_working_day(&self, day: NaiveDate) -> Result<bool, sqlx::Error> {
        if is_weekend(day) || french_public_holiday(day).is_some() {
            return Ok(false);
        }
        Ok(!self.store.is_closure(day).await?)
    }

    /// Opens every check due at `now` that does not exist yet, today and
    /// over the catch-up window; then sends the reminders due. Returns how
    /// many checks were opened.
    pub async fn tick(&self, now: DateTime<Utc>) -> Result<u64, sqlx::Error> {
        let (today, minute) = local_day_and_minute(now, self.zone);
        let minute = i32::try_from(minute).unwrap_or(i32::MAX);
        let mut opened = 0;
        for day in recent_days(today, self.settings.catch_up_days) {
            if !self.is_working_day(day).await? {
                continue;
            }
            let cutoff = if day == today { minute } else { i32::MAX };
            let next_midnight = (day + Days::days(1)).and_time(NaiveTime::MIN);
            let created_before =
                self.zone.from_local_datetime(&next_midnight).earliest().map_or(now, |local| local.with_timezone(&Utc));
            opened += self.store.open_checks(day, cutoff, created_before, now).await?;
        }
        if opened > 0 {
            tracing::info!(opened, "checks opened");
        }
        for check in self.store.claim_reminders(today, minute, now).await? {
            self.notifier.reminder(&check).await;
        }
        Ok(opened)
    }

    /// Deletes the checks older than `days` days (the original's
    /// `checks:delete-old --days=N`) and folds probe results older than
    /// the raw retention into daily aggregates.
    pub async fn purge(&self, now: DateTime<Utc>, days: u32) -> Result<u64, sqlx::Error> {
        let before = self.today(now) - Days::days(i64::from(days));
        let deleted = self.store.delete_checks_before(before, self.settings.retention_batch).await?;
        let raw_until = self.today(now) - Days::days(i64::from(self.raw_probe_days));
        let folded = self.store.aggregate_probe_results(raw_until).await?;
        tracing::info!(deleted, before = %before, folded, "old checks deleted, probe results aggregated");
        Ok(deleted)
    }

    /// Ticks every `tick_secs` and purges daily at `retention_time`, until
    /// cancelled.
    pub async fn run(self, stop: CancellationToken) {
        let tick = Duration::from_secs_f64(self.settings.tick_secs.max(1.0));
        let mut next_purge = next_local_time(Utc::now(), self.zone, self.retention_time);
        loop {
            if let Err(error) = self.tick(Utc::now()).await {
                tracing::error!(%error, "opening the day's checks failed; retrying at the next tick");
            }
            if Utc::now() >= next_purge {
                if let Err(error) = self.purge(Utc::now(), self.settings.retention_days).await {
                    tracing::error!(%error, "deleting old checks failed; retrying at the next tick");
                } else {
                    next_purge = next_local_time(Utc::now(), self.zone, self.retention_time);
                }
            }
            tokio::select! {
                () = stop.cancelled() => return,
                () = tokio::time::sleep(tick) => {}
            }
        }
    }
}
