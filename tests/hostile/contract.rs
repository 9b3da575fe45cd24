//! Every operation of the merged OpenAPI document, fuzzed by schemathesis
//! (PyPI), which nobody here wrote: no answer may be a 5xx, have a status
//! its operation does not document, or break its documented schema or
//! content type.

use std::time::{Duration, Instant};

use crate::harness::Platform;

/// What the run may take in all: it is bounded by the examples per
/// operation, this only stops a hung run.
const RUN_WITHIN: Duration = Duration::from_secs(600);

/// Cases schemathesis generates per operation and phase.
const EXAMPLES_PER_OPERATION: &str = "25";

const CHECKS: &str = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_operation_answers_only_what_its_openapi_document_says() {
    let schemathesis = common::testing::installed_tool(
        "schemathesis (PyPI)",
        "TEST_SCHEMATHESIS",
        "schemathesis-venv/bin/schemathesis",
    );
    // The fuzzer's requests come from one key and one address: the rates
    // meant for clients would answer most of them 429.
    let platform = Platform::start_with(&[
        ("GATEWAY__RATE_LIMIT__PER_SECOND", "100000"),
        ("GATEWAY__RATE_LIMIT__BURST", "100000"),
        ("GATEWAY__AUTH__LOGIN__PER_IP_PER_MINUTE", "100000"),
        ("GATEWAY__AUTH__LOGIN__PER_ACCOUNT_PER_MINUTE", "100000"),
    ])
    .await;
    let reports = tempfile::tempdir().expect("tempdir");
    let started = Instant::now();
    let run = tokio::process::Command::new(&schemathesis)
        .args(["run", &platform.url("/openapi.json")])
        .args(["--header", &format!("X-API-Key: {}", platform.key)])
        .args(["--checks", CHECKS])
        .args(["--phases", "examples,coverage,fuzzing"])
        .args(["--max-examples", EXAMPLES_PER_OPERATION])
        .args(["--seed", "20261202"])
        .args(["--workers", "2"])
        .args(["--request-timeout", "30"])
        .args(["--suppress-health-check", "all"])
        .args(["--report", "junit", "--report-dir"])
        .arg(reports.path())
        .env("NO_COLOR", "1")
        .kill_on_drop(true)
        .output();
    let output = tokio::time::timeout(RUN_WITHIN, run)
        .await
        .unwrap_or_else(|_| panic!("schemathesis ran past {RUN_WITHIN:?}"))
        .expect("run schemathesis");
    let printed = String::from_utf8_lossy(&output.stdout);
    eprintln!("schemathesis ran {:.0?}", started.elapsed());
    if let Err(problem) = platform.alive().await {
        panic!("{problem}\nschemathesis printed:\n{printed}");
    }
    assert!(
        output.status.success(),
        "schemathesis found answers its document does not describe ({}):\n{printed}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(printed.contains("passed"), "schemathesis tested nothing:\n{printed}");
}
