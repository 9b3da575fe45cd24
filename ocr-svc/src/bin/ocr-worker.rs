//! `ocr-worker`: analyses queued jobs and delivers their webhooks. Run as
//! many as needed beside `ocr-svc`, with the same settings (RabbitMQ,
//! PostgreSQL, S3); it answers `/health`, `/ready` and `/metrics` on the
//! server port. SIGTERM or Ctrl-C: stop taking jobs, finish the ones in
//! progress, exit.

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let settings: ocr_svc::configuration::Settings = common::configuration::load(&ocr_svc::configuration::CONFIG)?;
    let _telemetry = common::telemetry::init("ocr-worker", &settings.telemetry)?;
    ocr_svc::startup::run_worker(&settings).await
}
