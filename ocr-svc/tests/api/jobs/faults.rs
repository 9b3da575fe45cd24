//! Faults against the real RabbitMQ: workers killed or stopped mid-job, a
//! receiver that is down, the broker restarted during a burst.

use std::collections::BTreeSet;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use ocr_svc::synthetic::scan::{image_pdf, scan_pages};
use reqwest::StatusCode;
use sqlx::Connection as _;

use super::*;
use crate::helpers::BROKER;

/// An `ocr-worker` or `ocr-svc` process sharing the app's database, queue,
/// store and internal key; killed if the test ends first.
struct ServiceProcess {
    child: Child,
    /// Where it answers /health, /ready and /metrics (and the API, for `ocr-svc`).
    address: String,
}

impl ServiceProcess {
    fn worker(app: &TestApp) -> Self {
        Self::start(env!("CARGO_BIN_EXE_ocr-worker"), app, common::testing::free_port(), &[])
    }

    fn start(binary: &str, app: &TestApp, port: u16, extra: &[(&str, &str)]) -> Self {
        let child = Command::new(binary)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .envs(app.variables())
            .env("OCR__SERVER__PORT", port.to_string())
            .envs(extra.iter().copied())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|error| panic!("{binary} starts: {error}"));
        Self { child, address: format!("http://127.0.0.1:{port}") }
    }

    async fn wait_until_ready(&self) {
        for _ in 0..600 {
            if reqwest::get(format!("{}/ready", self.address)).await.is_ok_and(|response| response.status() == 200) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("{} did not get ready", self.address);
    }

    async fn get(&self, path: &str) -> reqwest::Response {
        reqwest::get(format!("{}{path}", self.address)).await.expect("the worker answers")
    }

    /// SIGKILL: the process dies holding its unacknowledged job.
    fn kill(&mut self) {
        self.child.kill().expect("kill");
        self.child.wait().expect("reaped");
    }

    /// SIGTERM, then the exit status once the process is gone.
    async fn terminate(&mut self) -> std::process::ExitStatus {
        let pid = self.child.id().to_string();
        let sent = Command::new("kill").args(["-TERM", &pid]).status().expect("kill -TERM");
        assert!(sent.success());
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                return status;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("ocr-worker did not exit after SIGTERM");
    }
}

impl Drop for ServiceProcess {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// A two-page scan: seconds of OCR, long enough to be caught mid-job.
fn scanned_bill(seed: u64) -> Vec<u8> {
    let spec = BillSpec::generate(seed, EnergyType::Electricite, 0);
    image_pdf(scan_pages(&bill_pdf(&spec), seed).expect("scan"))
}

/// Until a worker is reading the job's pages, as its progress shows.
async fn wait_until_processing(app: &TestApp, task_id: &str) {
    for _ in 0..1200 {
        let status = status_of(app, task_id).await;
        if status["status"] == "processing" && status["progress"]["pages_total"] == 2 {
            assert!(status["progress"]["pages_done"].as_i64().is_some_and(|done| done < 2), "{status}");
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("no worker took job {task_id}");
}

/// Messages waiting in a queue, as the broker counts them.
fn queue_length(queue: &str) -> u64 {
    let output = Command::new("rabbitmqctl")
        .args(["list_queues", "--quiet", "--no-table-headers", "name", "messages"])
        .output()
        .expect("rabbitmqctl list_queues");
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .find_map(|line| {
            let (name, count) = line.split_once('\t')?;
            (name == queue).then(|| count.trim().parse().ok()).flatten()
        })
        .unwrap_or(0)
}

fn rabbitmqctl(command: &str) {
    let status = Command::new("rabbitmqctl").arg(command).stdout(Stdio::null()).status().expect("rabbitmqctl");
    assert!(status.success(), "rabbitmqctl {command}");
}

#[tokio::test]
async fn a_job_whose_worker_is_killed_is_completed_once_by_another() {
    let _broker = BROKER.read().await;
    let app = spawn_jobs_app(&broker_settings().await).await;
    let receiver = start_receiver(&[]).await;
    let task_id = accepted_task(submit_pdf(&app, scanned_bill(50), &receiver.url, "auto").await).await;

    let mut first = ServiceProcess::worker(&app);
    wait_until_processing(&app, &task_id).await;
    first.kill();
    let orphaned = status_of(&app, &task_id).await;
    assert_eq!(orphaned["status"], "processing", "{orphaned}");
    assert_eq!(orphaned["attempts"], 1);

    let mut second = ServiceProcess::worker(&app);
    let status = finished(&app, &task_id).await;
    assert_eq!(status["status"], "succeeded", "{status}");
    assert_eq!(status["attempts"], 2, "redelivered once to the second worker");
    let body = verify(&receiver.wait_for(1).await[0]);
    assert_eq!(body["non_anonymous_sha256"], status["result"]["non_anonymous_sha256"]);
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(receiver.received.lock().expect("lock").len(), 1, "one result, one webhook");
    assert_eq!(second.get("/ready").await.status(), 200);
    assert_metrics(&second.address, &["ocr_job_duration_seconds_count{outcome=\"succeeded\"} 1"]).await;
    assert!(second.terminate().await.success());
}

#[tokio::test]
async fn a_terminated_worker_finishes_its_job_before_exiting() {
    let _broker = BROKER.read().await;
    let app = spawn_jobs_app(&broker_settings().await).await;
    let receiver = start_receiver(&[]).await;
    let task_id = accepted_task(submit_pdf(&app, scanned_bill(51), &receiver.url, "auto").await).await;
    let mut worker = ServiceProcess::worker(&app);
    wait_until_processing(&app, &task_id).await;
    let exit = worker.terminate().await;
    assert!(exit.success(), "{exit}");
    let status = status_of(&app, &task_id).await;
    assert_eq!(status["status"], "succeeded", "finished before the exit: {status}");
    assert_eq!(status["attempts"], 1);
}

#[tokio::test]
async fn a_job_that_kills_every_worker_is_parked_and_reported_failed() {
    let _broker = BROKER.read().await;
    let mut settings = broker_settings().await;
    settings.push(("OCR__JOBS__MAX_ATTEMPTS", "1".to_owned()));
    let app = spawn_jobs_app(&settings).await;
    let receiver = start_receiver(&[]).await;
    let task_id = accepted_task(submit_pdf(&app, scanned_bill(52), &receiver.url, "auto").await).await;

    let mut first = ServiceProcess::worker(&app);
    wait_until_processing(&app, &task_id).await;
    first.kill();

    let _second = ServiceProcess::worker(&app);
    let status = finished(&app, &task_id).await;
    assert_eq!(status["status"], "failed");
    assert_eq!(status["error"]["code"], "too_many_attempts");
    assert_eq!(verify(&receiver.wait_for(1).await[0])["error"]["code"], "too_many_attempts");
    let parking = format!("{}.dead", app.settings().jobs.jobs_queue());
    assert_eq!(queue_length(&parking), 1, "the message waits in {parking}");
}

#[tokio::test]
async fn a_receiver_down_for_a_while_gets_the_webhook_later_with_the_same_id() {
    // Bound but not listening: connections are refused, and no other test's
    // server can be given the port while the receiver is down.
    let down = tokio::net::TcpSocket::new_v4().expect("socket");
    down.bind("127.0.0.1:0".parse().expect("address")).expect("bind");
    let port = down.local_addr().expect("address").port();
    let app =
        spawn_jobs_app(&[("OCR__JOBS__WEBHOOK_RETRY_DELAYS_SECS", "0.3, 0.3, 0.3, 0.3, 0.3, 0.3".to_owned())]).await;
    let url = format!("http://127.0.0.1:{port}/invoice_ready.php");
    let task_id = accepted_task(submit(&app, &BillSpec::generate(53, EnergyType::Gaz, 0), &url, "auto").await).await;
    let refused = wait_for_deliveries(&app, &task_id, 2).await;
    let first = &refused["webhook"]["deliveries"][0];
    assert_eq!(first["status_code"], Value::Null);
    assert_eq!(first["error"], "connection refused or address not permitted");

    drop(down);
    let receiver = start_receiver_at(port, &[]).await;
    let webhooks = receiver.wait_for(1).await;
    assert_eq!(webhooks[0].id, format!("msg_{task_id}"));
    assert_eq!(verify(&webhooks[0])["status"], "succeeded");
    // The accepted attempt is recorded once its answer is in: wait for it too.
    let deliveries = wait_for_deliveries(&app, &task_id, 3).await["webhook"]["deliveries"].clone();
    let deliveries = deliveries.as_array().expect("deliveries");
    assert!(deliveries.len() >= 3);
    assert!(deliveries.iter().all(|delivery| delivery["webhook_id"] == format!("msg_{task_id}")));
}

/// One submission during the burst: 202 with its task id, or 503.
enum Submitted {
    Accepted(String),
    Unavailable,
}

#[tokio::test]
async fn a_broker_restart_during_a_burst_loses_no_accepted_job() {
    let _broker = BROKER.write().await;
    let mut settings = broker_settings().await;
    settings.push(("PLATFORM__QUEUE__PUBLISH_TIMEOUT_SECS", "1".to_owned()));
    let app = Arc::new(spawn_jobs_app(&settings).await);
    let receiver = start_receiver(&[]).await;
    let settings = app.settings().clone();
    let components = ocr_svc::startup::Components::connect(&settings, "test-worker").await.expect("components");
    let worker = Arc::new(components.worker(&settings).expect("worker"));
    let shutdown = CancellationToken::new();
    let running = tokio::spawn(Arc::clone(&worker).run(shutdown.clone()));

    let burst_over = CancellationToken::new();
    let mut submitters = Vec::new();
    for submitter in 0..2_u64 {
        let (app, url, over) = (Arc::clone(&app), receiver.url.clone(), burst_over.clone());
        submitters.push(tokio::spawn(async move {
            let mut outcomes = Vec::new();
            let mut seed = 60 + submitter * 100;
            while !over.is_cancelled() {
                seed += 1;
                let response = submit(&app, &BillSpec::generate(seed, EnergyType::Gaz, 0), &url, "auto").await;
                match response.status() {
                    StatusCode::ACCEPTED => outcomes.push(Submitted::Accepted(accepted_task(response).await)),
                    StatusCode::SERVICE_UNAVAILABLE => {
                        let content_type = response.headers()[reqwest::header::CONTENT_TYPE].clone();
                        assert_eq!(content_type, "application/problem+json");
                        let problem: Value = response.json().await.expect("problem");
                        assert_eq!(problem["code"], "service_unavailable", "{problem}");
                        outcomes.push(Submitted::Unavailable);
                    }
                    other => panic!("submission answered {other}"),
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            outcomes
        }));
    }
    tokio::time::sleep(Duration::from_millis(800)).await;
    tokio::task::spawn_blocking(|| rabbitmqctl("stop_app")).await.expect("stop_app");
    // Longer than the publish timeout: submissions meanwhile must be refused.
    tokio::time::sleep(Duration::from_secs(3)).await;
    tokio::task::spawn_blocking(|| rabbitmqctl("start_app")).await.expect("start_app");
    tokio::time::sleep(Duration::from_secs(2)).await;
    burst_over.cancel();

    let mut accepted = BTreeSet::new();
    let mut unavailable = 0;
    for submitter in submitters {
        for outcome in submitter.await.expect("submitter") {
            match outcome {
                Submitted::Accepted(task_id) => {
                    accepted.insert(task_id);
                }
                Submitted::Unavailable => unavailable += 1,
            }
        }
    }
    assert!(accepted.len() >= 10, "a burst before and after the outage: {} accepted", accepted.len());
    assert!(unavailable >= 2, "submissions during the outage are refused: {unavailable}");
    for task_id in &accepted {
        let status = finished(&app, task_id).await;
        assert_eq!(status["status"], "succeeded", "{status}");
    }
    let webhooks = receiver.wait_for(accepted.len()).await;
    let announced: BTreeSet<String> = webhooks.iter().map(|webhook| verify(webhook)["task_id"].to_string()).collect();
    let expected: BTreeSet<String> = accepted.iter().map(|task_id| Value::from(task_id.as_str()).to_string()).collect();
    assert_eq!(announced, expected, "every accepted job announced");

    let stored: i64 = sqlx::query_scalar("SELECT count(*) FROM ocr.invoice_jobs")
        .fetch_one(&mut sqlx::PgConnection::connect(app.variables()["OCR__DATABASE__URL"].as_str()).await.expect("db"))
        .await
        .expect("count");
    assert_eq!(stored, i64::try_from(accepted.len()).expect("count"), "the {unavailable} refused left no row");

    shutdown.cancel();
    tokio::time::timeout(Duration::from_secs(30), running).await.expect("stops").expect("joins").expect("clean exit");
}

/// The embedded mode: the in-process queue and its retry timers live in the
/// process's memory. Jobs accepted (202) before a `kill -9` are all taken up
/// from the database when the service starts again, and each webhook is
/// delivered (a delivery the kill caught between the receiver's answer and
/// its record may be repeated, with the same webhook-id).
#[tokio::test]
async fn every_job_accepted_before_a_kill_9_finishes_after_the_restart_with_its_webhook() {
    let receiver = start_receiver(&[]).await;
    // The test's own server only signs identities and reads the shared database.
    let app = spawn_jobs_app(&[("OCR__JOBS__RUN_WORKER", "false".to_owned())]).await;
    let port = common::testing::free_port();
    let service = |app: &TestApp| ServiceProcess::start(env!("CARGO_BIN_EXE_ocr-svc"), app, port, &[("OCR__JOBS__RUN_WORKER", "true")]);
    let mut first = service(&app);
    first.wait_until_ready().await;
    let mut tasks = BTreeSet::new();
    for seed in 0..20 {
        let spec = BillSpec::generate(300 + seed, EnergyType::Electricite, (seed % 3) as usize);
        let form = Form::new()
            .part("file", file("facture.pdf", bill_pdf(&spec), "application/pdf"))
            .text("webhook_url", receiver.url.clone());
        let response = app
            .client
            .post(format!("{}/v1/jobs/pdf", first.address))
            .header("X-Platform-Identity", app.identity("key-test"))
            .multipart(form)
            .send()
            .await
            .expect("submitted");
        tasks.insert(accepted_task(response).await);
    }
    first.kill();
    let mut unfinished = 0;
    for task_id in &tasks {
        let status = status_of(&app, task_id).await;
        unfinished += usize::from(status["status"] == "queued" || status["status"] == "processing");
    }
    assert!(unfinished > 0, "the kill came after every job had finished: nothing was tested");

    let _second = service(&app);
    for task_id in &tasks {
        let status = finished(&app, task_id).await;
        assert_eq!(status["status"], "succeeded", "{status}");
    }
    receiver.wait_for(tasks.len()).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let webhooks: Vec<Received> = receiver.received.lock().expect("lock").clone();
    let mut per_task: std::collections::BTreeMap<String, BTreeSet<String>> = Default::default();
    for webhook in &webhooks {
        let task_id = verify(webhook)["task_id"].as_str().expect("task id").to_owned();
        per_task.entry(task_id).or_default().insert(webhook.id.clone());
    }
    assert_eq!(per_task.keys().cloned().collect::<BTreeSet<_>>(), tasks, "{unfinished} were unfinished at the kill");
    assert!(per_task.values().all(|ids| ids.len() == 1), "one webhook-id per job: {per_task:?}");
    assert!(webhooks.len() <= tasks.len() + 2, "{} webhooks for {} jobs", webhooks.len(), tasks.len());
}
