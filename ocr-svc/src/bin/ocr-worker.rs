//! `ocr-worker`: analyses queued jobs and delivers their webhooks. Run as
//! many as needed beside `ocr-svc`, with the same settings (RabbitMQ,
//! PostgreSQL, S3); it answers `/health`, `/ready` and `/metrics` on the
//! server port. SIGTERM or Ctrl-C: stop taking jobs, finish the ones in
//! progress, exit.

use std::sync::Arc;

use tokio::signal::unix::{SignalKind, signal};
use tokio_util::sync::CancellationToken;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let settings: ocr_svc::configuration::Settings = common::configuration::load(&ocr_svc::configuration::CONFIG)?;
    let _telemetry = common::telemetry::init("ocr-worker", &settings.telemetry)?;
    let components = ocr_svc::startup::Components::connect(&settings, "ocr-worker").await?;
    anyhow::ensure!(
        !matches!(components.queue, common::queue::JobQueue::InProcess(_)),
        "ocr-worker needs RabbitMQ (AMQP_URL): with the in-process queue the API runs the jobs itself"
    );
    let worker = Arc::new(components.worker(&settings)?);
    let endpoints = ocr_svc::startup::worker_endpoints(&settings, &components)?;
    tracing::info!(port = endpoints.port(), "health, readiness and metrics served");
    tokio::spawn(endpoints.run_until_stopped());
    let shutdown = CancellationToken::new();
    let mut terminate = signal(SignalKind::terminate())?;
    let trigger = shutdown.clone();
    tokio::spawn(async move {
        tokio::select! {
            _ = terminate.recv() => {}
            _ = tokio::signal::ctrl_c() => {}
        }
        tracing::info!("shutdown requested: finishing the jobs in progress");
        trigger.cancel();
    });
    worker.run(shutdown).await
}
