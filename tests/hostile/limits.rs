//! Every bound the hostile tests hold the platform to, in one place.

use std::time::Duration;

/// A hostile request must be answered within this.
pub const ANSWER_WITHIN: Duration = Duration::from_secs(15);
/// What "refused quickly" means (cheap checks: headers, page counts).
pub const QUICKLY: Duration = Duration::from_secs(5);
/// A normal upload sent while a hostile one is in progress is answered within this.
pub const OTHERS_WITHIN: Duration = Duration::from_secs(5);
/// How much one hostile request may add to the platform's resident memory
/// (its peak during the request minus its resident size before), plus the
/// peak of the helper processes it runs meanwhile (Poppler, ...).
pub const MAX_GROWTH_MB: f64 = 256.0;
/// The same, for requests that must be refused before any real work.
pub const SMALL_GROWTH_MB: f64 = 64.0;
/// The client gives up after this, so that a hung server fails the test
/// instead of hanging it.
pub const CLIENT_GIVES_UP: Duration = Duration::from_secs(60);
/// How long the platform may take to start and report every service up.
pub const STARTUP_WITHIN: Duration = Duration::from_secs(120);
/// A validation report may list at most this many findings.
pub const MAX_FINDINGS: usize = 1_000;

/// The OCR upload limit (`MAX_CONTENT_LENGTH`, the seed's 16 MiB).
pub const OCR_UPLOAD_LIMIT: u64 = 16 * 1024 * 1024;
/// The Factur-X upload limit (`MAX_UPLOAD_SIZE_MB`, 10 MiB).
pub const FACTURX_UPLOAD_LIMIT: u64 = 10 * 1024 * 1024;
/// What a chunked upload may push, at most, before the platform must have
/// stopped reading it.
pub const CHUNKED_CAP: u64 = 96 * 1024 * 1024;
/// How far past the limit a chunked upload may get before the 413 comes
/// back: the kernel's socket buffers on both sides hold a few MiB, and
/// with both cores busy the test's own reader may see the answer while its
/// writer has pushed a few more (34 MiB against a 16 MiB limit was seen
/// once, on a CI run of 2026-12-04).
pub const CHUNKED_SLACK: u64 = 24 * 1024 * 1024;

/// The slow client's rate.
pub const SLOW_BYTES_PER_SEC: usize = 4 * 1024;
/// How long the slow client trickles before the other uploads start.
pub const SLOW_HEAD_START: Duration = Duration::from_secs(2);

/// What each compression bomb expands to (zeros).
pub const BOMB_BYTES: u64 = 1 << 30;
/// Run-length decoding expands 128 bytes per 2: this many bytes on the wire.
pub const RUN_LENGTH_WIRE_BYTES: usize = 2 * 1024 * 1024;
/// Nesting depth of the deep XML and PDF objects.
pub const DEEP: usize = 100_000;
/// Length of the indirect-reference chain in a PDF.
pub const REFERENCE_CHAIN: usize = 20_000;
/// Unexpected child elements in one CII element.
pub const UNEXPECTED_CHILDREN: usize = 80_000;
/// Parts in the many-parts multipart body.
pub const MANY_PARTS: usize = 10_000;
