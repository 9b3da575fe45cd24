//! The platform binary in a child process, and how a hostile request is
//! sent, timed, weighed and judged.
//!
//! Each test starts `platform` (embedded defaults: SQLite files and the
//! object store in a data directory of its own, the in-process queue) in a
//! fresh temporary directory with a clean environment, waits until
//! `/health` reports every service up, and makes an API key with every
//! scope. Before each hostile request the child's peak resident size is
//! reset (`echo 5 > /proc/<pid>/clear_refs`), so the request's memory
//! growth is `VmHWM` after minus `VmRSS` before; the helper processes it
//! runs (Poppler, ...) are sampled on the side.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;
use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};

use crate::limits::{CLIENT_GIVES_UP, STARTUP_WITHIN};

/// Kept from the child's output, for failure messages.
const KEPT_LINES: usize = 400;
/// Directories between the temporary directory and the platform's working
/// directory, so that `../../../../` from anywhere in the data directory
/// still lands inside the temporary directory, where the test can see it.
const DEPTH_OF_WORKING_DIR: usize = 8;

pub struct Platform {
    child: Mutex<tokio::process::Child>,
    pub pid: u32,
    pub base: String,
    /// An API key with every scope (`["*"]`), made through `/api/keys`.
    pub key: String,
    pub client: reqwest::Client,
    output: Arc<Mutex<Vec<String>>>,
    /// Everything the platform writes goes here (in its working directory).
    pub data_dir: PathBuf,
    root: tempfile::TempDir,
}

impl Platform {
    pub async fn start() -> Self {
        Self::start_with(&[]).await
    }

    /// Starts the platform with `vars` added to its environment.
    pub async fn start_with(vars: &[(&str, &str)]) -> Self {
        let root = tempfile::tempdir().expect("tempdir");
        let working_dir = (0..DEPTH_OF_WORKING_DIR)
            .fold(root.path().to_path_buf(), |path, level| path.join(format!("level-{level}")))
            .join("platform");
        let data_dir = working_dir.join("data");
        std::fs::create_dir_all(&data_dir).expect("data dir");
        let port = common::testing::free_port();
        let bootstrap_key = format!("hostile-bootstrap-{:032x}", rand_u128());
        let data = data_dir.display().to_string();
        let mut env: Vec<(String, String)> = vec![
            ("GATEWAY__SERVER__PORT".into(), port.to_string()),
            ("API_KEY".into(), bootstrap_key.clone()),
            ("PLATFORM__OBJECT_STORE__LOCAL_DIR".into(), format!("{data}/objects")),
            ("RUST_LOG".into(), "warn".into()),
            // As the README asks of OCR hosts: pages already run one per core.
            ("OMP_THREAD_LIMIT".into(), "1".into()),
        ];
        for service in ["gateway", "ocr", "erp", "checks"] {
            env.push((format!("{}__DATABASE__URL", service.to_uppercase()), format!("sqlite://{data}/{service}.db")));
        }
        env.extend(vars.iter().map(|(name, value)| ((*name).to_owned(), (*value).to_owned())));

        let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_platform"))
            .current_dir(&working_dir)
            .env_clear()
            .envs(["PATH", "HOME"].iter().filter_map(|name| Some((name, std::env::var(name).ok()?))))
            .envs(env)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("start the platform binary");
        let pid = child.id().expect("the platform's pid");
        let output = Arc::new(Mutex::new(Vec::new()));
        tokio::spawn(keep_lines(child.stdout.take().expect("stdout"), Arc::clone(&output)));
        tokio::spawn(keep_lines(child.stderr.take().expect("stderr"), Arc::clone(&output)));

        let client = reqwest::Client::builder().timeout(CLIENT_GIVES_UP).build().expect("client");
        let mut platform = Self {
            child: Mutex::new(child),
            pid,
            base: format!("http://127.0.0.1:{port}"),
            key: bootstrap_key,
            client,
            output,
            data_dir,
            root,
        };
        platform.wait_until_ready().await;
        platform.key = platform.create_key().await;
        platform
    }

    async fn wait_until_ready(&self) {
        let deadline = Instant::now() + STARTUP_WITHIN;
        let mut last = String::from("no answer");
        while Instant::now() < deadline {
            if let Some(status) = self.exited() {
                panic!("the platform exited while starting ({status}):\n{}", self.recent_output(60));
            }
            match self.client.get(format!("{}/health", self.base)).timeout(Duration::from_secs(2)).send().await {
                Ok(response) => {
                    let status = response.status();
                    let body: Value = response.json().await.unwrap_or(Value::Null);
                    if status.is_success() && body["status"] == "ok" {
                        return;
                    }
                    last = format!("{status} {body}");
                }
                Err(error) => last = error.to_string(),
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("the platform was not ready within {STARTUP_WITHIN:?}: {last}\n{}", self.recent_output(60));
    }

    async fn create_key(&self) -> String {
        let response = self
            .client
            .post(format!("{}/api/keys", self.base))
            .header("X-API-Key", &self.key)
            .json(&serde_json::json!({"name": "hostile tests", "scopes": ["*"]}))
            .send()
            .await
            .expect("POST /api/keys");
        let status = response.status();
        let body: Value = response.json().await.unwrap_or(Value::Null);
        assert!(status.is_success(), "POST /api/keys with the bootstrap API_KEY: {status} {body}");
        body["token"].as_str().unwrap_or_else(|| panic!("POST /api/keys gave no token: {body}")).to_owned()
    }

    /// The exit status, if the child has exited.
    pub fn exited(&self) -> Option<std::process::ExitStatus> {
        self.child.lock().expect("lock").try_wait().ok().flatten()
    }

    /// The last `lines` lines the platform printed.
    pub fn recent_output(&self, lines: usize) -> String {
        let output = self.output.lock().expect("lock");
        output[output.len().saturating_sub(lines)..].join("\n")
    }

    /// The process still runs and `/health` answers 200.
    pub async fn alive(&self) -> Result<(), String> {
        if let Some(status) = self.exited() {
            // A stack overflow or an abort prints its reason last.
            return Err(format!("the platform process died ({status}); its last output:\n{}", self.recent_output(30)));
        }
        let health = self.client.get(format!("{}/health", self.base)).timeout(Duration::from_secs(5)).send().await;
        match health {
            Ok(response) if response.status().is_success() => Ok(()),
            Ok(response) => Err(format!("the platform is up but /health answers {}", response.status())),
            Err(error) => {
                if let Some(status) = self.exited() {
                    Err(format!("the platform process died ({status}); its last output:\n{}", self.recent_output(30)))
                } else {
                    Err(format!("the platform does not answer /health: {error}"))
                }
            }
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A POST of a multipart body (content type, bytes) with the key.
    pub fn post_multipart(&self, path: &str, (content_type, body): (String, Vec<u8>)) -> reqwest::RequestBuilder {
        self.client.post(self.url(path)).header("X-API-Key", &self.key).header("content-type", content_type).body(body)
    }

    /// A JSON API call that must succeed (records a test needs first).
    pub async fn api(&self, method: reqwest::Method, path: &str, body: Value) -> Value {
        let response = self
            .client
            .request(method.clone(), self.url(path))
            .header("X-API-Key", &self.key)
            .json(&body)
            .send()
            .await
            .unwrap_or_else(|error| panic!("{method} {path}: {error}"));
        let status = response.status();
        let answer: Value = response.json().await.unwrap_or(Value::Null);
        assert!(status.is_success(), "{method} {path} (needed to set the test up): {status} {answer}");
        answer
    }

    /// The platform's resident size and peak, in kB, from /proc/<pid>/status.
    pub fn memory(&self) -> Memory {
        memory_of(self.pid).unwrap_or_default()
    }

    /// Resets the peak resident size (`VmHWM`) to the current one.
    pub fn reset_peak(&self) {
        std::fs::write(format!("/proc/{}/clear_refs", self.pid), b"5")
            .unwrap_or_else(|error| panic!("echo 5 > /proc/{}/clear_refs: {error}", self.pid));
    }

    /// Sends `request` as the one hostile request in flight: the peak reset
    /// before, the answer read whole, timed and weighed.
    pub async fn measure(&self, label: impl Into<String>, request: reqwest::RequestBuilder) -> Measured {
        let label = label.into();
        self.reset_peak();
        let before = self.memory();
        let helpers = HelperSampler::start(self.pid);
        let started = Instant::now();
        let outcome = match request.send().await {
            Ok(response) => {
                let status = response.status().as_u16();
                let content_type =
                    response.headers().get("content-type").and_then(|value| value.to_str().ok()).map(str::to_owned);
                match response.bytes().await {
                    Ok(body) => Ok(Answer { status, content_type, body: body.to_vec() }),
                    Err(error) => Err(format!("status {status} then the body broke off: {error}")),
                }
            }
            Err(error) => Err(describe_error(&error)),
        };
        let elapsed = started.elapsed();
        let after = self.memory();
        let helpers_peak_kb = helpers.stop();
        let measured = Measured {
            label,
            outcome,
            elapsed,
            growth_mb: kb_to_mb(after.hwm_kb.saturating_sub(before.rss_kb)),
            helpers_mb: kb_to_mb(helpers_peak_kb),
        };
        // Shown with --nocapture, and beside any failure.
        eprintln!("{}", measured.summary());
        measured
    }

    /// Files under the temporary directory but outside the data directory,
    /// and everything new in `/tmp`, whose names look like `passwd` or
    /// `win.ini`.
    pub fn files_outside_data_named(&self, needles: &[&str], tmp_before: &HashSet<PathBuf>) -> Vec<PathBuf> {
        let mut found = Vec::new();
        let mut stack = vec![self.root.path().to_path_buf()];
        while let Some(dir) = stack.pop() {
            if dir == self.data_dir {
                continue;
            }
            for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
                let path = entry.path();
                if entry.file_type().is_ok_and(|kind| kind.is_dir()) {
                    stack.push(path.clone());
                }
                if path != self.data_dir && name_matches(&path, needles) {
                    found.push(path);
                }
            }
        }
        for path in tmp_entries() {
            if !tmp_before.contains(&path) && name_matches(&path, needles) {
                found.push(path);
            }
        }
        found
    }
}

fn name_matches(path: &Path, needles: &[&str]) -> bool {
    let name = path.file_name().map(|name| name.to_string_lossy().to_lowercase()).unwrap_or_default();
    needles.iter().any(|needle| name.contains(needle))
}

/// The entries of `/tmp` now.
pub fn tmp_entries() -> HashSet<PathBuf> {
    std::fs::read_dir("/tmp").into_iter().flatten().flatten().map(|entry| entry.path()).collect()
}

fn rand_u128() -> u128 {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    nanos ^ (u128::from(std::process::id()) << 64)
}

fn describe_error(error: &reqwest::Error) -> String {
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    if error.is_timeout() {
        text.push_str(" (the client gave up)");
    }
    text
}

async fn keep_lines(stream: impl AsyncRead + Unpin, kept: Arc<Mutex<Vec<String>>>) {
    let mut lines = BufReader::new(stream).lines();
    while let Ok(Some(line)) = lines.next_line().await {
        let mut kept = kept.lock().expect("lock");
        if kept.len() >= KEPT_LINES {
            kept.drain(..KEPT_LINES / 2);
        }
        kept.push(line);
    }
}

#[derive(Debug, Default, Clone, Copy)]
pub struct Memory {
    pub rss_kb: u64,
    pub hwm_kb: u64,
}

fn memory_of(pid: u32) -> Option<Memory> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let field = |name: &str| {
        status
            .lines()
            .find_map(|line| line.strip_prefix(name))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|kb| kb.parse::<u64>().ok())
    };
    Some(Memory { rss_kb: field("VmRSS:")?, hwm_kb: field("VmHWM:")? })
}

fn kb_to_mb(kb: u64) -> f64 {
    // Precision is irrelevant at these sizes.
    #[allow(clippy::cast_precision_loss)]
    let kb = kb as f64;
    kb / 1024.0
}

/// Samples, every 20 ms, the total resident size of the platform's
/// descendant processes (the tools it runs), keeping the peak.
struct HelperSampler {
    stop: Arc<AtomicBool>,
    thread: std::thread::JoinHandle<u64>,
}

impl HelperSampler {
    fn start(pid: u32) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&stop);
        let thread = std::thread::spawn(move || {
            let mut peak = 0;
            while !flag.load(Ordering::Relaxed) {
                peak = peak.max(descendants_rss_kb(pid));
                std::thread::sleep(Duration::from_millis(20));
            }
            peak
        });
        Self { stop, thread }
    }

    fn stop(self) -> u64 {
        self.stop.store(true, Ordering::Relaxed);
        self.thread.join().unwrap_or(0)
    }
}

fn descendants_rss_kb(pid: u32) -> u64 {
    let mut children: HashMap<u32, Vec<u32>> = HashMap::new();
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Some(child) = entry.file_name().to_str().and_then(|name| name.parse::<u32>().ok()) else { continue };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{child}/stat")) else { continue };
        // pid (comm) state ppid ...: comm may hold spaces and parentheses.
        let Some(parent) = stat.rsplit_once(')').and_then(|(_, rest)| rest.split_whitespace().nth(1)) else { continue };
        if let Ok(parent) = parent.parse::<u32>() {
            children.entry(parent).or_default().push(child);
        }
    }
    let mut total = 0;
    let mut stack = children.get(&pid).cloned().unwrap_or_default();
    while let Some(process) = stack.pop() {
        total += memory_of(process).map_or(0, |memory| memory.rss_kb);
        stack.extend(children.get(&process).cloned().unwrap_or_default());
    }
    total
}

/// An answer read whole.
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    pub content_type: Option<String>,
    pub body: Vec<u8>,
}

impl Answer {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }

    /// The start of the body, for messages.
    pub fn excerpt(&self) -> String {
        let text = String::from_utf8_lossy(&self.body[..self.body.len().min(300)]).into_owned();
        text.replace('\n', " ")
    }
}

/// One hostile request: what came back, how long it took, what it cost.
#[derive(Debug)]
pub struct Measured {
    pub label: String,
    /// The answer, or how the exchange failed (connection reset, timeout...).
    pub outcome: Result<Answer, String>,
    pub elapsed: Duration,
    /// The platform's peak resident size during the request minus its resident size before.
    pub growth_mb: f64,
    /// The peak total resident size of the platform's helper processes meanwhile.
    pub helpers_mb: f64,
}

impl Measured {
    pub fn answer(&self) -> Option<&Answer> {
        self.outcome.as_ref().ok()
    }

    fn summary(&self) -> String {
        let what = match &self.outcome {
            Ok(answer) => format!("status {} ({})", answer.status, answer.excerpt()),
            Err(error) => format!("no answer: {error}"),
        };
        format!(
            "{}: {what}; {:.2} s; memory +{:.0} MB (platform) + {:.0} MB (helper processes)",
            self.label,
            self.elapsed.as_secs_f64(),
            self.growth_mb,
            self.helpers_mb
        )
    }
}

/// What a hostile answer is held to.
#[derive(Debug, Clone, Copy)]
pub struct Bounds {
    pub within: Duration,
    pub max_growth_mb: f64,
    /// Which statuses are right: 2xx or 4xx, or only some of them.
    pub accept: Accept,
}

#[derive(Debug, Clone, Copy)]
pub enum Accept {
    /// A 2xx or a 4xx.
    SuccessOrClientError,
    /// A 4xx only.
    ClientError,
    /// One of these statuses.
    OneOf(&'static [u16]),
}

impl Accept {
    fn allows(self, status: u16) -> bool {
        match self {
            Self::SuccessOrClientError => (200..300).contains(&status) || (400..500).contains(&status),
            Self::ClientError => (400..500).contains(&status),
            Self::OneOf(statuses) => statuses.contains(&status),
        }
    }

    fn describe(self) -> String {
        match self {
            Self::SuccessOrClientError => "a 2xx or a 4xx".to_owned(),
            Self::ClientError => "a 4xx".to_owned(),
            Self::OneOf(statuses) => format!("one of {statuses:?}"),
        }
    }
}

/// Whether a hostile request was handled within `bounds`: an answer (no
/// dropped connection) of an accepted status, problem+json when 4xx, in
/// time, within memory, and the platform alive afterwards. `Err` says
/// everything that went wrong, with status, time and memory.
pub async fn check_bounded(platform: &Platform, measured: &Measured, bounds: Bounds) -> Result<(), String> {
    let mut problems = Vec::new();
    match &measured.outcome {
        Ok(answer) => {
            if answer.status >= 500 {
                problems.push(format!(
                    "answered {} (a server error) where {} was expected",
                    answer.status,
                    bounds.accept.describe()
                ));
            } else if !bounds.accept.allows(answer.status) {
                problems.push(format!("answered {} where {} was expected", answer.status, bounds.accept.describe()));
            }
            if (400..600).contains(&answer.status)
                && let Err(problem) = check_problem_json(answer)
            {
                problems.push(problem);
            }
        }
        Err(_) => problems.push("the connection failed or was dropped before an answer".to_owned()),
    }
    if measured.elapsed > bounds.within {
        problems.push(format!(
            "took {:.1} s (limit {:.0} s)",
            measured.elapsed.as_secs_f64(),
            bounds.within.as_secs_f64()
        ));
    }
    let growth = measured.growth_mb + measured.helpers_mb;
    if growth > bounds.max_growth_mb {
        problems.push(format!(
            "memory grew {growth:.0} MB (limit {:.0} MB: platform +{:.0} MB, helper processes {:.0} MB)",
            bounds.max_growth_mb, measured.growth_mb, measured.helpers_mb
        ));
    }
    if let Err(dead) = platform.alive().await {
        problems.push(dead);
    }
    if problems.is_empty() { Ok(()) } else { Err(format!("{}\n    -> {}", measured.summary(), problems.join("; "))) }
}

/// [`check_bounded`], panicking with its message.
pub async fn assert_bounded(platform: &Platform, measured: &Measured, bounds: Bounds) {
    if let Err(message) = check_bounded(platform, measured, bounds).await {
        panic!("{message}");
    }
}

/// An RFC 9457 problem: `application/problem+json` with `type`, `title`,
/// `status` (the answer's) and a snake_case `code`.
pub fn check_problem_json(answer: &Answer) -> Result<(), String> {
    let content_type = answer.content_type.as_deref().unwrap_or("");
    if !content_type.starts_with("application/problem+json") {
        return Err(format!("the {} came as {content_type:?}, not application/problem+json", answer.status));
    }
    let body = answer.json();
    let mut missing = Vec::new();
    for field in ["type", "title"] {
        if !body[field].is_string() {
            missing.push(field);
        }
    }
    if body["status"].as_u64() != Some(u64::from(answer.status)) {
        missing.push("status (equal to the answer's)");
    }
    let code = body["code"].as_str().unwrap_or("");
    let snake = !code.is_empty()
        && code.starts_with(|c: char| c.is_ascii_lowercase())
        && code.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if !snake {
        missing.push("code (snake_case)");
    }
    if missing.is_empty() {
        Ok(())
    } else {
        Err(format!("the problem+json lacks {}: {}", missing.join(", "), answer.excerpt()))
    }
}

/// Collects the failures of a test's requests, to report them all at once.
#[derive(Default)]
pub struct Failures(Vec<String>);

impl Failures {
    pub fn note(&mut self, result: Result<(), String>) {
        if let Err(message) = result {
            self.0.push(message);
        }
    }

    pub fn push(&mut self, message: String) {
        self.0.push(message);
    }

    /// Panics with every failure noted, if any.
    pub fn assert_none(self, what: &str) {
        assert!(self.0.is_empty(), "{what}: {} failure(s)\n  {}", self.0.len(), self.0.join("\n  "));
    }
}
