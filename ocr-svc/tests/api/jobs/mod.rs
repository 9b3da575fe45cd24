//! The async mode: submit, status, result, signed webhooks with retries,
//! the SSRF guard; with the in-process queue and with RabbitMQ + PostgreSQL.

mod faults;

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use common::webhook::WebhookSigner;
use ocr_svc::domain::energy::EnergyType;
use ocr_svc::synthetic::BillSpec;
use reqwest::multipart::Form;
use secrecy::{ExposeSecret, SecretString};
use serde_json::Value;
use sha2::{Digest, Sha256};
use tokio_util::sync::CancellationToken;

use crate::helpers::{TestApp, bill_pdf, file, spawn_app_with};

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const TOKEN: &str = "bearer-for-the-receiver";

/// One webhook as the receiver saw it.
#[derive(Clone, Debug)]
struct Received {
    id: String,
    timestamp: i64,
    signature: String,
    authorization: String,
    body: Vec<u8>,
}

/// A local webhook receiver answering from a script of statuses (200 once
/// the script is used up).
struct Receiver {
    url: String,
    received: Arc<Mutex<Vec<Received>>>,
}

async fn start_receiver(script: &[u16]) -> Receiver {
    start_receiver_at(0, script).await
}

/// A receiver on `port` (0: any free one).
async fn start_receiver_at(port: u16, script: &[u16]) -> Receiver {
    let received = Arc::new(Mutex::new(Vec::<Received>::new()));
    let statuses = Arc::new(Mutex::new(script.iter().copied().collect::<VecDeque<u16>>()));
    let (seen, answers) = (Arc::clone(&received), Arc::clone(&statuses));
    let server = HttpServer::new(move || {
        let (seen, answers) = (Arc::clone(&seen), Arc::clone(&answers));
        App::new().default_service(web::to(move |request: HttpRequest, body: web::Bytes| {
            let (seen, answers) = (Arc::clone(&seen), Arc::clone(&answers));
            async move {
                let header = |name: &str| {
                    request.headers().get(name).and_then(|value| value.to_str().ok()).unwrap_or_default().to_owned()
                };
                seen.lock().expect("lock").push(Received {
                    id: header("webhook-id"),
                    timestamp: header("webhook-timestamp").parse().unwrap_or_default(),
                    signature: header("webhook-signature"),
                    authorization: header("authorization"),
                    body: body.to_vec(),
                });
                let status = answers.lock().expect("lock").pop_front().unwrap_or(200);
                HttpResponse::build(actix_web::http::StatusCode::from_u16(status).expect("status")).finish()
            }
        }))
    })
    .workers(1)
    .bind(("127.0.0.1", port))
    .expect("bind");
    let port = server.addrs()[0].port();
    tokio::spawn(server.run());
    Receiver { url: format!("http://127.0.0.1:{port}/invoice_ready.php"), received }
}

impl Receiver {
    async fn wait_for(&self, count: usize) -> Vec<Received> {
        for _ in 0..400 {
            let received = self.received.lock().expect("lock").clone();
            if received.len() >= count {
                return received;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("fewer than {count} webhooks arrived");
    }
}

fn job_settings(extra: &[(&'static str, String)]) -> Vec<(&'static str, String)> {
    let mut settings = vec![
        ("OCR__JOBS__WEBHOOK_ALLOWED_NETWORKS", "127.0.0.1/32".to_owned()),
        ("OCR__JOBS__WEBHOOK_RETRY_DELAYS_SECS", "0.2, 0.2, 0.2".to_owned()),
        ("OCR__JOBS__RETRY_DELAYS_SECS", "0.2".to_owned()),
        ("WEBHOOK_SECRET", SECRET.to_owned()),
        ("WEBHOOK_TOKEN", TOKEN.to_owned()),
    ];
    settings.extend(extra.iter().cloned());
    settings
}

/// A fresh PostgreSQL database, RabbitMQ, and queue names of the test's own.
async fn broker_settings() -> Vec<(&'static str, String)> {
    let database = common::testing::fresh_postgres("ocr").await;
    vec![
        ("OCR__DATABASE__URL", database.url.expose_secret().to_owned()),
        ("AMQP_URL", common::testing::amqp_url()),
        ("OCR__JOBS__QUEUE_PREFIX", format!("test.{}.", uuid::Uuid::new_v4().simple())),
    ]
}

async fn spawn_jobs_app(extra: &[(&'static str, String)]) -> TestApp {
    let settings = job_settings(extra);
    let borrowed: Vec<(&str, &str)> = settings.iter().map(|(name, value)| (*name, value.as_str())).collect();
    spawn_app_with(&borrowed).await
}

async fn submit(app: &TestApp, spec: &BillSpec, webhook_url: &str, energy: &str) -> reqwest::Response {
    submit_pdf(app, bill_pdf(spec), webhook_url, energy).await
}

async fn submit_pdf(app: &TestApp, pdf: Vec<u8>, webhook_url: &str, energy: &str) -> reqwest::Response {
    let form = Form::new()
        .part("file", file("facture.pdf", pdf, "application/pdf"))
        .text("type", energy.to_owned())
        .text("invoice_id", "456")
        .text("webhook_url", webhook_url.to_owned());
    app.post_form("/v1/jobs/pdf", form).await
}

async fn accepted_task(response: reqwest::Response) -> String {
    assert_eq!(response.status(), 202);
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["status"], "queued");
    body["task_id"].as_str().expect("task id").to_owned()
}

/// `GET /v1/jobs/{task_id}` as the submitting caller.
async fn status_of(app: &TestApp, task_id: &str) -> Value {
    app.get(&format!("/v1/jobs/{task_id}")).await.json().await.expect("json")
}

async fn finished(app: &TestApp, task_id: &str) -> Value {
    for _ in 0..600 {
        let status = status_of(app, task_id).await;
        if status["status"] == "succeeded" || status["status"] == "failed" {
            return status;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("job {task_id} did not finish");
}

fn verify(webhook: &Received) -> Value {
    let signer = WebhookSigner::new(&SecretString::from(SECRET));
    let now = chrono::Utc::now().timestamp();
    signer.verify(&webhook.id, webhook.timestamp, &webhook.signature, &webhook.body, now).expect("signature verifies");
    assert_eq!(webhook.authorization, format!("Bearer {TOKEN}"));
    serde_json::from_slice(&webhook.body).expect("JSON body")
}

#[tokio::test]
async fn a_job_succeeds_and_its_signed_webhook_carries_the_result() {
    let receiver = start_receiver(&[]).await;
    let app = spawn_jobs_app(&[]).await;
    let spec = BillSpec::generate(31, EnergyType::Electricite, 0);
    let task_id = accepted_task(submit(&app, &spec, &receiver.url, "auto").await).await;

    let status = finished(&app, &task_id).await;
    assert_eq!(status["status"], "succeeded", "{status}");
    assert_eq!(status["attempts"], 1);
    assert_eq!(status["progress"]["pages_done"], status["progress"]["pages_total"]);
    let result = &status["result"];
    assert_eq!(result["energy_type"], "electricite");
    assert_eq!(result["invoice_id"], 456);
    let full = STANDARD.decode(result["non_anonymous_report_base64"].as_str().expect("report")).expect("base64");
    assert_eq!(result["non_anonymous_sha256"], hex::encode(Sha256::digest(&full)));
    assert_eq!(result["non_anonymous_size"], full.len());

    let webhooks = receiver.wait_for(1).await;
    let body = verify(&webhooks[0]);
    assert_eq!(webhooks[0].id, format!("msg_{task_id}"));
    assert_eq!(body["task_id"], task_id.as_str());
    assert_eq!(body["status"], "succeeded");
    assert_eq!(body["non_anonymous_sha256"], result["non_anonymous_sha256"]);
    assert_eq!(body["fields"], result["fields"]);

    let status = wait_for_deliveries(&app, &task_id, 1).await;
    assert_eq!(status["webhook"]["deliveries"][0]["status_code"], 200);

    // The process running the worker counts jobs and deliveries on /metrics.
    assert_metrics(
        &app.address,
        &[
            "ocr_job_duration_seconds_count{outcome=\"succeeded\"} 1",
            "ocr_webhook_deliveries_total{outcome=\"delivered\"} 1",
            "ocr_jobs_in_progress 0",
        ],
    )
    .await;
}

/// Asserts that `address`'s `/metrics` shows every line, giving the worker
/// a moment: it counts an outcome just after storing it.
async fn assert_metrics(address: &str, lines: &[&str]) {
    let mut metrics = String::new();
    for _ in 0..100 {
        metrics = reqwest::get(format!("{address}/metrics")).await.expect("metrics").text().await.expect("text");
        if lines.iter().all(|line| metrics.contains(line)) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    for line in lines {
        assert!(metrics.contains(line), "{line} missing from {metrics}");
    }
}

async fn wait_for_deliveries(app: &TestApp, task_id: &str, count: usize) -> Value {
    for _ in 0..200 {
        let status = status_of(app, task_id).await;
        if status["webhook"]["deliveries"].as_array().is_some_and(|deliveries| deliveries.len() >= count) {
            return status;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("fewer than {count} deliveries recorded");
}

#[tokio::test]
async fn a_failing_receiver_gets_the_same_webhook_again_until_it_accepts() {
    let receiver = start_receiver(&[500, 503]).await;
    let app = spawn_jobs_app(&[]).await;
    let spec = BillSpec::generate(32, EnergyType::Gaz, 0);
    let task_id = accepted_task(submit(&app, &spec, &receiver.url, "auto").await).await;
    let webhooks = receiver.wait_for(3).await;
    assert!(webhooks.iter().all(|webhook| webhook.id == format!("msg_{task_id}")), "one webhook-id across retries");
    assert_eq!(webhooks[0].body, webhooks[2].body);
    verify(&webhooks[2]);
    let status = wait_for_deliveries(&app, &task_id, 3).await;
    let codes: Vec<&Value> =
        status["webhook"]["deliveries"].as_array().expect("deliveries").iter().map(|d| &d["status_code"]).collect();
    assert_eq!(codes, [500, 503, 200]);
    assert_metrics(&app.address, &["ocr_webhook_deliveries_total{outcome=\"retry_scheduled\"} 2"]).await;
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(receiver.received.lock().expect("lock").len(), 3, "nothing after the accepted delivery");
}

#[tokio::test]
async fn a_gone_receiver_is_not_called_again() {
    let receiver = start_receiver(&[410]).await;
    let app = spawn_jobs_app(&[]).await;
    let task_id =
        accepted_task(submit(&app, &BillSpec::generate(33, EnergyType::Electricite, 1), &receiver.url, "auto").await)
            .await;
    receiver.wait_for(1).await;
    wait_for_deliveries(&app, &task_id, 1).await;
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(receiver.received.lock().expect("lock").len(), 1);
}

#[tokio::test]
async fn a_refused_bill_fails_the_job_with_the_sync_error_code() {
    let receiver = start_receiver(&[]).await;
    let app = spawn_jobs_app(&[]).await;
    let spec = BillSpec::generate(34, EnergyType::Electricite, 0);
    let task_id = accepted_task(submit(&app, &spec, &receiver.url, "gaz").await).await;
    let status = finished(&app, &task_id).await;
    assert_eq!(status["status"], "failed");
    assert_eq!(status["error"]["code"], "energy_type_mismatch");
    let body = verify(&receiver.wait_for(1).await[0]);
    assert_eq!(body["status"], "failed");
    assert_eq!(body["error"]["code"], "energy_type_mismatch");
}

#[tokio::test]
async fn webhooks_into_the_platform_network_are_refused_at_submit() {
    let app = spawn_app_with(&[]).await;
    let spec = BillSpec::generate(35, EnergyType::Electricite, 0);
    for url in ["http://169.254.169.254/latest/meta-data/", "http://127.0.0.1:8088/hook", "http://[::1]/", "ftp://x/"] {
        let response = submit(&app, &spec, url, "auto").await;
        assert_eq!(response.status(), 422, "{url}");
        let body: Value = response.json().await.expect("problem");
        assert_eq!(body["errors"][0]["field"], "webhook_url", "{body}");
    }
}

#[tokio::test]
async fn another_caller_cannot_read_a_job() {
    let app = spawn_jobs_app(&[]).await;
    let receiver = start_receiver(&[]).await;
    let task_id =
        accepted_task(submit(&app, &BillSpec::generate(36, EnergyType::Gaz, 0), &receiver.url, "auto").await).await;
    assert_eq!(app.get_as(&format!("/v1/jobs/{task_id}"), "someone-else").await.status(), 404);
    assert_eq!(app.get("/v1/jobs/no-such-task").await.status(), 404);
}

#[tokio::test]
async fn with_rabbitmq_and_postgres_a_separate_worker_runs_the_job_once() {
    let _broker = crate::helpers::BROKER.read().await;
    let app = spawn_jobs_app(&broker_settings().await).await;
    let receiver = start_receiver(&[]).await;
    let spec = BillSpec::generate(37, EnergyType::Dual, 0);
    let task_id = accepted_task(submit(&app, &spec, &receiver.url, "auto").await).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let queued = status_of(&app, &task_id).await;
    assert_eq!(queued["status"], "queued", "no worker yet: the API does not run jobs with RabbitMQ");

    let settings = app.settings().clone();
    let components = ocr_svc::startup::Components::connect(&settings, "test-worker").await.expect("components");
    let worker = Arc::new(components.worker(&settings).expect("worker"));
    let shutdown = CancellationToken::new();
    let running = tokio::spawn(Arc::clone(&worker).run(shutdown.clone()));
    let status = finished(&app, &task_id).await;
    assert_eq!(status["status"], "succeeded", "{status}");
    assert_eq!(status["result"]["energy_type"], "dual");
    verify(&receiver.wait_for(1).await[0]);

    // A duplicate delivery of the same job: no second analysis, no second webhook.
    components
        .queue
        .publish(&settings.jobs.jobs_queue(), &task_id, format!(r#"{{"task_id":"{task_id}"}}"#).as_bytes())
        .await
        .expect("publish duplicate");
    tokio::time::sleep(Duration::from_millis(800)).await;
    let again = status_of(&app, &task_id).await;
    assert_eq!(again["attempts"], 1);
    assert_eq!(again["result"], status["result"]);
    assert_eq!(receiver.received.lock().expect("lock").len(), 1);

    shutdown.cancel();
    tokio::time::timeout(Duration::from_secs(10), running).await.expect("stops").expect("joins").expect("clean exit");
}

#[tokio::test]
async fn a_job_started_more_often_than_allowed_is_parked_and_reported_failed() {
    // max_attempts 0: the first start already counts as one too many, as a
    // job that killed its worker max_attempts times would.
    let receiver = start_receiver(&[]).await;
    let app = spawn_jobs_app(&[("OCR__JOBS__MAX_ATTEMPTS", "0".to_owned())]).await;
    let task_id =
        accepted_task(submit(&app, &BillSpec::generate(38, EnergyType::Gaz, 0), &receiver.url, "auto").await).await;
    let status = finished(&app, &task_id).await;
    assert_eq!(status["status"], "failed");
    assert_eq!(status["error"]["code"], "too_many_attempts");
    assert_eq!(verify(&receiver.wait_for(1).await[0])["error"]["code"], "too_many_attempts");
}
