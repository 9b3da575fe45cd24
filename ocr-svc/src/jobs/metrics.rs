//! The worker's Prometheus series, beside the request series on `/metrics`.

use prometheus::{HistogramOpts, HistogramVec, IntCounterVec, IntGauge, Opts, Registry};

#[derive(Clone)]
pub struct JobMetrics {
    /// Per outcome: succeeded, failed, retry_scheduled, parked, requeued.
    jobs: HistogramVec,
    /// Per outcome: delivered, gone, retry_scheduled, given_up.
    deliveries: IntCounterVec,
    in_progress: IntGauge,
}

impl JobMetrics {
    pub fn register(registry: &Registry) -> prometheus::Result<Self> {
        let jobs = HistogramVec::new(
            HistogramOpts::new("ocr_job_duration_seconds", "OCR jobs by outcome, from start to outcome")
                .buckets(vec![0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0]),
            &["outcome"],
        )?;
        let deliveries =
            IntCounterVec::new(Opts::new("ocr_webhook_deliveries_total", "Webhook attempts by outcome"), &["outcome"])?;
        let in_progress = IntGauge::new("ocr_jobs_in_progress", "OCR jobs being analysed")?;
        registry.register(Box::new(jobs.clone()))?;
        registry.register(Box::new(deliveries.clone()))?;
        registry.register(Box::new(in_progress.clone()))?;
        Ok(Self { jobs, deliveries, in_progress })
    }

    pub fn job(&self, outcome: &str, seconds: f64) {
        self.jobs.with_label_values(&[outcome]).observe(seconds);
    }

    pub fn delivery(&self, outcome: &str) {
        self.deliveries.with_label_values(&[outcome]).inc();
    }

    /// Counts the job as in progress until the guard is dropped.
    pub fn in_progress(&self) -> InProgress {
        self.in_progress.inc();
        InProgress(self.in_progress.clone())
    }
}

pub struct InProgress(IntGauge);

impl Drop for InProgress {
    fn drop(&mut self) {
        self.0.dec();
    }
}
