//! The optional scheduler (the original's ENABLE_SCHEDULER): each tick
//! turns preventive plans due within the horizon into interventions,
//! reminds technicians of tomorrow's interventions and raises alerts for
//! overdue ones. Every step is safe with several replicas: a plan's due
//! date moves by compare-and-set, interventions are unique per plan and
//! date, and each reminder is claimed once.

use std::time::Duration;

use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use tokio_util::sync::CancellationToken;

use crate::configuration::SchedulerSettings;
use crate::domain::{InterventionKind, Period, PeriodUnit, Priority, Status};
use crate::notifications::Notifier;
use crate::store::{Change, InterventionFields, NewIntervention, PlanRow, ReminderWindow, Store};

/// Who the audit trail names for what the scheduler does.
const SCHEDULER: &str = "scheduler";
/// A plan never makes more than this many interventions in one tick (a
/// daily plan with a far past due date catches up over several ticks).
const MAX_PER_PLAN_AND_TICK: usize = 400;

#[derive(Clone)]
pub struct Scheduler {
    store: Store,
    notifier: Notifier,
    zone: Tz,
    horizon_days: u32,
    tick: Duration,
}

/// What one tick did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct TickReport {
    pub planned: Vec<String>,
    pub reminded: usize,
    pub alerted: usize,
}

impl Scheduler {
    pub fn new(store: Store, notifier: Notifier, settings: &SchedulerSettings) -> anyhow::Result<Self> {
        let zone: Tz =
            settings.timezone.parse().map_err(|_| anyhow::anyhow!("unknown time zone {}", settings.timezone))?;
        anyhow::ensure!(settings.tick_secs > 0.0, "scheduler.tick_secs must be positive");
        Ok(Self {
            store,
            notifier,
            zone,
            horizon_days: settings.horizon_days,
            tick: Duration::from_secs_f64(settings.tick_secs),
        })
    }

    pub fn zone(&self) -> Tz {
        self.zone
    }

    pub async fn run(self, stop: CancellationToken) {
        let mut interval = tokio::time::interval(self.tick);
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                () = stop.cancelled() => return,
                _ = interval.tick() => {
                    if let Err(error) = self.tick(Utc::now()).await {
                        tracing::error!(error = format!("{error:#}"), "scheduler tick failed");
                    }
                }
            }
        }
    }

    fn local_midnight(&self, day: NaiveDate) -> Option<DateTime<Utc>> {
        self.zone.from_local_datetime(&day.and_time(NaiveTime::MIN)).earliest().map(|instant| instant.to_utc())
    }

    pub async fn tick(&self, now: DateTime<Utc>) -> anyhow::Result<TickReport> {
        let today = now.with_timezone(&self.zone).date_naive();
        let mut report = TickReport::default();
        let until = today + chrono::Days::new(u64::from(self.horizon_days));
        for plan in self.store.due_plans(until).await? {
            report.planned.extend(self.plan_ahead(&plan, until, now).await?);
        }

        let tomorrow = today.succ_opt().unwrap_or(today);
        let day_after = tomorrow.succ_opt().unwrap_or(tomorrow);
        if let (Some(start), Some(end)) = (self.local_midnight(tomorrow), self.local_midnight(day_after)) {
            let window = ReminderWindow::StartingBetween(start, end);
            for id in self.store.claim_reminders("tomorrow", &[Status::Planned.as_str()], window, now).await? {
                self.notifier.tomorrow(id).await?;
                report.reminded += 1;
            }
        }
        let open = [Status::Planned.as_str(), Status::InProgress.as_str()];
        for id in self.store.claim_reminders("overdue", &open, ReminderWindow::EndedBefore(now), now).await? {
            self.notifier.overdue(id).await?;
            report.alerted += 1;
        }
        Ok(report)
    }

    /// Makes the plan's interventions due up to `until`; their numbers.
    async fn plan_ahead(&self, plan: &PlanRow, until: NaiveDate, now: DateTime<Utc>) -> anyhow::Result<Vec<String>> {
        let unit = PeriodUnit::parse(&plan.unit).map_err(anyhow::Error::msg)?;
        let period = Period::new(i64::from(plan.every), unit).map_err(anyhow::Error::msg)?;
        let mut due = plan.next_due;
        let mut numbers = Vec::new();
        while due <= until && numbers.len() < MAX_PER_PLAN_AND_TICK {
            let Some(next) = period.after(due) else { break };
            let start = self
                .local_midnight(due)
                .map(|midnight| midnight + chrono::Duration::minutes(i64::from(plan.start_minute)));
            let technicians: Vec<String> = plan.technician.iter().cloned().collect();
            let new = NewIntervention {
                client_id: plan.client_id,
                site_id: plan.site_id,
                status: if technicians.is_empty() { Status::Draft } else { Status::Planned },
                fields: InterventionFields {
                    equipment_id: Some(plan.equipment_id),
                    kind: InterventionKind::Preventive.as_str().to_owned(),
                    priority: Priority::Normal.as_str().to_owned(),
                    title: plan.title.clone(),
                    description: plan.description.clone(),
                    planned_start: start,
                    planned_end: start.map(|start| start + chrono::Duration::minutes(i64::from(plan.duration_minutes))),
                    technicians: technicians.clone(),
                },
                plan: Some((plan.id, due)),
            };
            let year = now.with_timezone(&self.zone).year();
            let created =
                self.store.create_intervention(&new, year, Change { actor: SCHEDULER, at: now }, None).await?;
            if let Some((id, number)) = created {
                self.notifier.assigned(id, technicians);
                numbers.push(number);
            }
            if !self.store.advance_plan(plan.id, due, next).await? {
                // Another scheduler moved this plan on: it carries on.
                break;
            }
            due = next;
        }
        Ok(numbers)
    }
}
