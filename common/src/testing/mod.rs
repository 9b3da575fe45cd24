//! Helpers for the integration tests of every crate. They talk to real
//! servers only (PostgreSQL, RabbitMQ, an S3-compatible server, an SMTP
//! server, observability tools) and fail, never skip, when one is missing:
//! `scripts/test` starts or installs them.

pub mod browser;
pub mod observability;

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{SpanData, SpanExporter};

use secrecy::SecretString;
use sqlx::{Connection, PgConnection};

use crate::configuration::{DatabaseSettings, S3Settings, SmtpSettings, TelemetrySettings};
use crate::telemetry::{self, TelemetryGuard};

static TELEMETRY: std::sync::OnceLock<Option<TelemetryGuard>> = std::sync::OnceLock::new();
static SPANS: SpanRecorder = SpanRecorder(Mutex::new(Vec::new()));

/// Installs tracing once per test process, so trace context propagates as
/// in production, and records every span ended (see [`recorded_spans`]).
/// Logs stay quiet unless `TEST_LOG` names a level.
pub fn init_telemetry() {
    TELEMETRY.get_or_init(|| {
        let settings = TelemetrySettings {
            log_level: std::env::var("TEST_LOG").unwrap_or_else(|_| "off".to_owned()),
            json_logs: Some(false),
            otlp_endpoint: None,
        };
        telemetry::init_with("tests", &settings, |provider| provider.with_simple_exporter(&SPANS))
            .expect("telemetry installs")
    });
}

/// The spans of one trace (32 hex digits) ended so far in this process.
pub fn recorded_spans(trace_id: &str) -> Vec<SpanData> {
    SPANS
        .0
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .iter()
        .filter(|span| span.span_context.trace_id().to_string() == trace_id)
        .cloned()
        .collect()
}

#[derive(Debug)]
struct SpanRecorder(Mutex<Vec<SpanData>>);

impl SpanExporter for &'static SpanRecorder {
    async fn export(&self, batch: Vec<SpanData>) -> OTelSdkResult {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).extend(batch);
        Ok(())
    }
}

pub const POSTGRES_ENV: &str = "TEST_POSTGRES_URL";
pub const AMQP_ENV: &str = "TEST_AMQP_URL";
pub const S3_SERVER_ENV: &str = "TEST_S3_SERVER";
/// A Python with the aiosmtpd package (PyPI), which `scripts/test` installs.
pub const SMTP_PYTHON_ENV: &str = "TEST_SMTP_PYTHON";

fn env_or(name: &str, default: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| default.to_owned())
}

/// The maintenance database of the test PostgreSQL server.
pub fn postgres_url() -> String {
    env_or(POSTGRES_ENV, "postgres://postgres@127.0.0.1:5432/postgres")
}

pub fn amqp_url() -> String {
    env_or(AMQP_ENV, "amqp://guest:guest@127.0.0.1:5672/%2f")
}

/// A new, empty PostgreSQL database, so tests never share state.
pub async fn fresh_postgres(schema: &str) -> DatabaseSettings {
    let admin_url = postgres_url();
    let mut connection = PgConnection::connect(&admin_url)
        .await
        .unwrap_or_else(|error| panic!("PostgreSQL is required at {admin_url} ({error}); `scripts/test` starts it"));
    let name = format!("test_{}", uuid::Uuid::new_v4().simple());
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE \"{name}\"")))
        .execute(&mut connection)
        .await
        .expect("create test database");
    let base = admin_url.rsplit_once('/').map_or(admin_url.as_str(), |(base, _)| base);
    DatabaseSettings {
        url: SecretString::from(format!("{base}/{name}")),
        schema: schema.to_owned(),
        max_connections: 5,
    }
}

/// A new SQLite file in `dir`.
pub fn fresh_sqlite(dir: &std::path::Path, schema: &str) -> DatabaseSettings {
    DatabaseSettings {
        url: SecretString::from(format!("sqlite://{}/{}.db", dir.display(), uuid::Uuid::new_v4().simple())),
        schema: schema.to_owned(),
        max_connections: 5,
    }
}

/// Where `scripts/test` installs the servers and tools the tests run.
pub fn tools_dir() -> PathBuf {
    PathBuf::from(std::env::var("HOME").unwrap_or_default()).join(".cache/platform-tools")
}

/// A server or tool the tests run: the path `variable` names, else
/// `default` under [`tools_dir`] (an absolute `default` stands as it is).
/// It must exist: tests fail, never skip, without it.
pub fn installed_tool(what: &str, variable: &str, default: &str) -> PathBuf {
    let path = std::env::var(variable).map(PathBuf::from).unwrap_or_else(|_| tools_dir().join(default));
    assert!(path.is_file(), "{what} is required at {} (set {variable}); `scripts/test` installs it", path.display());
    path
}

/// A free loopback port (bound then released; good enough for tests).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .expect("a free port")
}

/// An S3-compatible server (s3s-fs) on its own port and directory, for one
/// test. Killed when dropped.
pub struct S3Server {
    child: Child,
    pub settings: S3Settings,
    root: tempfile::TempDir,
}

impl S3Server {
    pub fn start() -> Self {
        let binary = installed_tool("the S3-compatible test server", S3_SERVER_ENV, "bin/s3s-fs");
        let root = tempfile::tempdir().expect("tempdir");
        let bucket = "platform-test";
        std::fs::create_dir(root.path().join(bucket)).expect("bucket directory");
        let port = free_port();
        let child = Command::new(&binary)
            .args(["--host", "127.0.0.1", "--port", &port.to_string()])
            .args(["--access-key", "test-access", "--secret-key", "test-secret"])
            .arg(root.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start the S3-compatible server");
        wait_for_port(port);
        Self {
            child,
            settings: S3Settings {
                endpoint: Some(format!("http://127.0.0.1:{port}")),
                region: "us-east-1".to_owned(),
                bucket: bucket.to_owned(),
                access_key: "test-access".to_owned(),
                secret_key: SecretString::from("test-secret"),
                allow_http: true,
            },
            root,
        }
    }
}

impl S3Server {
    /// Where the server keeps the bucket's objects, one file per key, so a
    /// test can see which keys were written.
    pub fn bucket_dir(&self) -> PathBuf {
        self.root.path().join(&self.settings.bucket)
    }
}

impl Drop for S3Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A real SMTP server (aiosmtpd, from PyPI) that keeps every message it
/// accepts in a Maildir, for one test. Killed when dropped.
pub struct SmtpServer {
    child: Child,
    pub port: u16,
    root: tempfile::TempDir,
}

/// A message as the SMTP server received it.
#[derive(Debug, Clone)]
pub struct ReceivedMail {
    /// The envelope recipients (`RCPT TO`), which include Bcc.
    pub recipients: Vec<String>,
    /// The whole message, headers and MIME parts.
    pub raw: Vec<u8>,
}

impl SmtpServer {
    pub fn start() -> Self {
        let python = installed_tool("a Python with aiosmtpd", SMTP_PYTHON_ENV, "smtp-venv/bin/python");
        let root = tempfile::tempdir().expect("tempdir");
        let port = free_port();
        let child = Command::new(&python)
            .args(["-m", "aiosmtpd", "--nosetuid", "--listen", &format!("127.0.0.1:{port}")])
            .args(["--class", "aiosmtpd.handlers.Mailbox"])
            .arg(root.path().join("maildir"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start the SMTP server");
        wait_for_port(port);
        Self { child, port, root }
    }

    /// Settings that send to this server, from `from`.
    pub fn settings(&self, from: &str) -> SmtpSettings {
        SmtpSettings {
            host: Some("127.0.0.1".to_owned()),
            port: self.port,
            from: from.to_owned(),
            retry_delays_secs: vec![0.2, 0.5, 1.0],
            timeout_secs: 5.0,
            ..SmtpSettings::default()
        }
    }

    /// Every message received so far, oldest first.
    pub fn messages(&self) -> Vec<ReceivedMail> {
        let directory = self.root.path().join("maildir").join("new");
        let mut files: Vec<_> = std::fs::read_dir(&directory)
            .map(|entries| entries.filter_map(Result::ok).map(|entry| entry.path()).collect())
            .unwrap_or_default();
        // Maildir names start with the delivery time in seconds, then a
        // sequence number: sorting by modification time keeps the order.
        files.sort_by_key(|path| std::fs::metadata(path).and_then(|meta| meta.modified()).ok());
        files
            .into_iter()
            .filter_map(|path| std::fs::read(path).ok())
            .map(|raw| {
                let text = String::from_utf8_lossy(&raw);
                let recipients = text
                    .lines()
                    .take_while(|line| !line.is_empty())
                    .filter_map(|line| line.strip_prefix("X-RcptTo: "))
                    .flat_map(|list| list.split(',').map(|address| address.trim().to_owned()))
                    .collect();
                ReceivedMail { recipients, raw }
            })
            .collect()
    }

    /// Waits until at least `count` messages have arrived (10 s at most).
    pub async fn wait_for(&self, count: usize) -> Vec<ReceivedMail> {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let messages = self.messages();
            if messages.len() >= count || Instant::now() > deadline {
                return messages;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn wait_for_port(port: u16) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "server on port {port} did not start");
        std::thread::sleep(Duration::from_millis(20));
    }
}
