//! `bench/jobs.sh`'s Rust side: no-op jobs through the platform's queue and
//! webhook signing, shaped like ocr-worker (job queue → worker → webhook
//! queue → signed POST), and the receiver both sides deliver to.
//!
//! receive <port> <count>: answers webhooks, then prints one JSON line of
//!   enqueue→webhook latencies and throughput once `count` have arrived.
//! run <amqp-url> <queue> <webhook-url> <count> <jobs-per-second, 0 = max>:
//!   publishes the jobs (persistent, confirmed) and consumes them.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use actix_web::{App, HttpResponse, HttpServer, web};
use anyhow::{Context, bail};
use common::configuration::QueueSettings;
use common::queue::JobQueue;
use common::webhook::{WebhookSigner, standard_webhook};
use futures_util::StreamExt;
use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use tokio::sync::Notify;

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const PUBLISHERS: usize = 32;

#[derive(Serialize, Deserialize)]
struct Job {
    job: u64,
    /// Seconds since the epoch when the job was handed to the queue.
    sent_at: f64,
}

fn now() -> f64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|elapsed| elapsed.as_secs_f64()).unwrap_or_default()
}

#[derive(Default)]
struct Arrivals {
    /// (sent_at, arrived_at) per webhook.
    times: Mutex<Vec<(f64, f64)>>,
    complete: Notify,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        ["receive", port, count] => receive(port.parse()?, count.parse()?).await,
        ["run", amqp, queue, webhook, count, rate] => run(amqp, queue, webhook, count.parse()?, rate.parse()?).await,
        _ => bail!("usage: jobs_bench receive <port> <count> | run <amqp-url> <queue> <webhook-url> <count> <rate>"),
    }
}

async fn receive(port: u16, count: usize) -> anyhow::Result<()> {
    let arrivals = web::Data::new(Arrivals::default());
    let shared = arrivals.clone();
    let server = HttpServer::new(move || {
        App::new().app_data(shared.clone()).default_service(web::to(
            move |arrivals: web::Data<Arrivals>, body: web::Bytes| async move {
                let arrived = now();
                if let Ok(job) = serde_json::from_slice::<Job>(&body) {
                    let mut times = arrivals.times.lock().unwrap_or_else(PoisonError::into_inner);
                    times.push((job.sent_at, arrived));
                    if times.len() == count {
                        arrivals.complete.notify_one();
                    }
                }
                HttpResponse::NoContent().finish()
            },
        ))
    })
    .workers(1)
    .bind(("127.0.0.1", port))?
    .run();
    let handle = server.handle();
    tokio::spawn(server);
    arrivals.complete.notified().await;
    handle.stop(true).await;
    let times = arrivals.times.lock().unwrap_or_else(PoisonError::into_inner).clone();
    let mut latencies: Vec<f64> = times.iter().map(|(sent, arrived)| arrived - sent).collect();
    latencies.sort_by(f64::total_cmp);
    let percentile = |p: f64| latencies[((latencies.len() as f64 * p).ceil() as usize).clamp(1, latencies.len()) - 1];
    let first_sent = times.iter().map(|(sent, _)| *sent).fold(f64::INFINITY, f64::min);
    let last_arrival = times.iter().map(|(_, arrived)| *arrived).fold(0.0, f64::max);
    let seconds = last_arrival - first_sent;
    println!(
        "{}",
        serde_json::json!({
            "jobs": times.len(),
            "seconds": seconds,
            "jobs_per_second": times.len() as f64 / seconds,
            "p50_ms": percentile(0.50) * 1000.0,
            "p99_ms": percentile(0.99) * 1000.0,
            "max_ms": percentile(1.0) * 1000.0,
        })
    );
    Ok(())
}

async fn run(amqp: &str, queue: &str, webhook: &str, count: u64, rate: f64) -> anyhow::Result<()> {
    let settings =
        QueueSettings { url: Some(SecretString::from(amqp.to_owned())), prefetch: 64, publish_timeout_secs: 30.0 };
    let broker = JobQueue::connect(&settings, "jobs-bench").await.context("RabbitMQ")?;
    let webhooks_queue = format!("{queue}.webhooks");
    let worker = tokio::spawn(work(broker.clone(), queue.to_owned(), webhooks_queue.clone()));
    let deliverer = tokio::spawn(deliver(broker.clone(), webhooks_queue, webhook.to_owned()));

    let started = Instant::now();
    futures_util::stream::iter(0..count)
        .map(|job| {
            let broker = broker.clone();
            async move {
                if rate > 0.0 {
                    let due = started + Duration::from_secs_f64(job as f64 / rate);
                    tokio::time::sleep_until(due.into()).await;
                }
                let payload = serde_json::to_vec(&Job { job, sent_at: now() })?;
                broker.publish(queue, &job.to_string(), &payload).await.context("publish")
            }
        })
        .buffer_unordered(PUBLISHERS)
        .collect::<Vec<anyhow::Result<()>>>()
        .await
        .into_iter()
        .collect::<anyhow::Result<Vec<()>>>()?;
    // The receiver reports; this process only has to stay up until then.
    tokio::select! {
        result = worker => result??,
        result = deliverer => result??,
        () = tokio::time::sleep(Duration::from_secs(600)) => {}
    }
    Ok(())
}

/// The no-op job: done at once, its webhook handed to the delivery step.
async fn work(broker: JobQueue, queue: String, webhooks_queue: String) -> anyhow::Result<()> {
    let mut jobs = broker.consume(&queue, "bench-worker").await?;
    while let Some(job) = jobs.next().await {
        let broker = broker.clone();
        let webhooks_queue = webhooks_queue.clone();
        tokio::spawn(async move {
            if broker.publish(&webhooks_queue, &job.message_id, &job.payload).await.is_ok() {
                let _ = job.ack().await;
            } else {
                let _ = job.retry().await;
            }
        });
    }
    Ok(())
}

/// Signs and POSTs each webhook by the Standard Webhooks scheme.
async fn deliver(broker: JobQueue, webhooks_queue: String, url: String) -> anyhow::Result<()> {
    let signer = Arc::new(WebhookSigner::new(&SecretString::from(SECRET)));
    let client = reqwest::Client::new();
    let mut deliveries = broker.consume(&webhooks_queue, "bench-deliverer").await?;
    while let Some(delivery) = deliveries.next().await {
        let (signer, client, url) = (Arc::clone(&signer), client.clone(), url.clone());
        tokio::spawn(async move {
            let id = format!("msg_{}", delivery.message_id);
            let timestamp = chrono::Utc::now().timestamp();
            let sent =
                standard_webhook(client.post(&url), &id, timestamp, &delivery.payload, Some(&*signer)).send().await;
            if sent.is_ok_and(|response| response.status().is_success()) {
                let _ = delivery.ack().await;
            } else {
                let _ = delivery.retry().await;
            }
        });
    }
    Ok(())
}
