//! HTTP/1.1 by hand over a TCP socket, for what an HTTP client library
//! will not do: trickle a body at a few KB per second, or stream a chunked
//! body without end, while reading the answer as soon as it comes.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};

/// The head of a request: method, path, headers (Host is added).
pub fn request_head(address: &str, path: &str, headers: &[(&str, String)]) -> Vec<u8> {
    let mut head = format!("POST {path} HTTP/1.1\r\nHost: {address}\r\n");
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    head.into_bytes()
}

/// The start of an HTTP answer, as read from the socket.
#[derive(Debug, Clone)]
pub struct RawAnswer {
    pub status: u16,
    pub head: String,
    /// When the status line arrived, since the request started.
    pub after: Duration,
    /// How many body bytes the client had written by then.
    pub sent_by_then: u64,
}

impl RawAnswer {
    pub fn content_type(&self) -> Option<String> {
        self.head.lines().find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.eq_ignore_ascii_case("content-type").then(|| value.trim().to_owned())
        })
    }
}

/// Reads until a whole answer head has come (or the connection ends).
pub async fn read_answer(
    mut reader: OwnedReadHalf,
    started: Instant,
    sent: Arc<AtomicU64>,
) -> Result<RawAnswer, String> {
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        match reader.read(&mut chunk).await {
            Ok(0) => {
                return Err(format!(
                    "the connection was closed after {:.1} s without an answer ({} bytes sent)",
                    started.elapsed().as_secs_f64(),
                    sent.load(Ordering::Relaxed)
                ));
            }
            Ok(read) => {
                buffer.extend_from_slice(&chunk[..read]);
                if let Some(end) = buffer.windows(4).position(|window| window == b"\r\n\r\n") {
                    let head = String::from_utf8_lossy(&buffer[..end]).into_owned();
                    let status = head
                        .split_whitespace()
                        .nth(1)
                        .and_then(|code| code.parse().ok())
                        .ok_or_else(|| format!("not an HTTP answer: {head:?}"))?;
                    return Ok(RawAnswer {
                        status,
                        head,
                        after: started.elapsed(),
                        sent_by_then: sent.load(Ordering::Relaxed),
                    });
                }
            }
            Err(error) => {
                return Err(format!(
                    "the connection broke after {:.1} s without an answer ({} bytes sent): {error}",
                    started.elapsed().as_secs_f64(),
                    sent.load(Ordering::Relaxed)
                ));
            }
        }
    }
}

/// What a writer task ended with.
#[derive(Debug)]
pub struct Written {
    pub bytes: u64,
    /// Why it stopped early: the write error (the server closed the connection).
    pub cut: Option<String>,
    pub finished: bool,
}

/// A connection with its write half driven by a task and its read half
/// waiting for the answer.
pub struct Connection {
    pub started: Instant,
    pub sent: Arc<AtomicU64>,
    pub stop: Arc<AtomicBool>,
    pub writer: tokio::task::JoinHandle<Written>,
    pub answer: tokio::task::JoinHandle<Result<RawAnswer, String>>,
}

impl Connection {
    /// Connects, writes `head`, then hands the write half to `body`.
    pub async fn open<Body, Running>(address: &str, head: Vec<u8>, body: Body) -> Self
    where
        Body: FnOnce(OwnedWriteHalf, Arc<AtomicU64>, Arc<AtomicBool>) -> Running,
        Running: Future<Output = Written> + Send + 'static,
    {
        let stream = TcpStream::connect(address).await.unwrap_or_else(|error| panic!("connect to {address}: {error}"));
        let (reader, mut writer) = stream.into_split();
        let started = Instant::now();
        writer.write_all(&head).await.expect("write the request head");
        let sent = Arc::new(AtomicU64::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let writer = tokio::spawn(body(writer, Arc::clone(&sent), Arc::clone(&stop)));
        let answer = tokio::spawn(read_answer(reader, started, Arc::clone(&sent)));
        Self { started, sent, stop, writer, answer }
    }
}

/// Writes `prefix`, then `filler` bytes at `bytes_per_sec` (in 8 slices a
/// second), then `suffix`, unless stopped or cut.
pub async fn trickle(
    mut writer: OwnedWriteHalf,
    sent: Arc<AtomicU64>,
    stop: Arc<AtomicBool>,
    prefix: Vec<u8>,
    filler: u64,
    suffix: Vec<u8>,
    bytes_per_sec: usize,
) -> Written {
    let slice = vec![b'%'; (bytes_per_sec / 8).max(1)];
    let mut result = Written { bytes: 0, cut: None, finished: false };
    if let Err(error) = writer.write_all(&prefix).await {
        result.cut = Some(error.to_string());
        return result;
    }
    result.bytes += prefix.len() as u64;
    sent.store(result.bytes, Ordering::Relaxed);
    let mut left = filler;
    while left > 0 && !stop.load(Ordering::Relaxed) {
        tokio::time::sleep(Duration::from_millis(125)).await;
        let take = usize::try_from(left.min(slice.len() as u64)).unwrap_or(slice.len());
        if let Err(error) = writer.write_all(&slice[..take]).await {
            result.cut = Some(error.to_string());
            return result;
        }
        left -= take as u64;
        result.bytes += take as u64;
        sent.store(result.bytes, Ordering::Relaxed);
    }
    if left == 0 {
        if let Err(error) = writer.write_all(&suffix).await {
            result.cut = Some(error.to_string());
        } else {
            result.finished = true;
        }
    }
    result
}

/// Writes a chunked body: `prefix`, then 64 KiB chunks until `cap` bytes
/// have gone or a write fails, then the last chunk.
pub async fn endless_chunks(
    mut writer: OwnedWriteHalf,
    sent: Arc<AtomicU64>,
    stop: Arc<AtomicBool>,
    prefix: Vec<u8>,
    cap: u64,
) -> Written {
    let filler = vec![b'%'; 64 * 1024];
    let mut result = Written { bytes: 0, cut: None, finished: false };
    let mut first = Some(prefix);
    while result.bytes < cap && !stop.load(Ordering::Relaxed) {
        let data = first.take().unwrap_or_else(|| filler.clone());
        let mut chunk = format!("{:x}\r\n", data.len()).into_bytes();
        chunk.extend_from_slice(&data);
        chunk.extend_from_slice(b"\r\n");
        if let Err(error) = writer.write_all(&chunk).await {
            result.cut = Some(error.to_string());
            return result;
        }
        result.bytes += data.len() as u64;
        sent.store(result.bytes, Ordering::Relaxed);
    }
    if result.bytes >= cap {
        result.finished = writer.write_all(b"0\r\n\r\n").await.is_ok();
    }
    result
}
