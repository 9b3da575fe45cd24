use actix_web::{HttpResponse, get, web};
use serde::Serialize;

use crate::domain::Profile;
use crate::pdf::Typeface;

#[derive(Serialize, utoipa::ToSchema)]
pub struct Diagnostics {
    pub version: &'static str,
    pub features_enabled: Vec<&'static str>,
    pub profiles: Vec<&'static str>,
    pub memory_status: MemoryStatus,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct MemoryStatus {
    /// Resident set size of the process, from /proc (absent elsewhere).
    pub rss_bytes: Option<u64>,
    pub status: &'static str,
}

fn resident_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with("VmRSS:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// Version, features and memory, as the original service reported them.
#[utoipa::path(get, path = "/diagnostics", tag = "operations", responses((status = 200, body = Diagnostics)))]
#[get("/diagnostics")]
pub async fn diagnostics(fonts: Option<web::Data<Typeface>>) -> HttpResponse {
    let rss_bytes = resident_bytes();
    // The original warned past 80% of its 512 MB recommendation.
    let status = match rss_bytes {
        Some(bytes) if bytes > 400 * 1024 * 1024 => "high",
        _ => "ok",
    };
    HttpResponse::Ok().json(Diagnostics {
        version: env!("CARGO_PKG_VERSION"),
        features_enabled: ["convert", "validate", "extract", "preflight", "incremental_update", "offline"]
            .into_iter()
            .chain(fonts.is_some().then_some("generate"))
            .collect(),
        profiles: Profile::ALL.iter().map(|profile| profile.name()).collect(),
        memory_status: MemoryStatus { rss_bytes, status },
    })
}
