use common::testing::fresh_sqlite;
use reqwest::Method;
use secrecy::ExposeSecret;
use serde_json::{Value, json};

use crate::helpers::{TestApp, Who, paris, spawn_app, spawn_app_on};

async fn opened_dates(app: &TestApp, dates: &[&str]) -> Vec<String> {
    let mut opened = Vec::new();
    for date in dates {
        if !app.checks_of(date).await.is_empty() {
            opened.push((*date).to_owned());
        }
    }
    opened
}

#[tokio::test]
async fn a_check_opens_once_its_time_has_passed_and_never_twice() {
    let app = spawn_app().await;
    app.create_client("acme", "08:30").await;
    let scheduler = app.components().await.scheduler;
    // Created "before" the test's days: move the client's creation back.
    app.backdate_clients(365).await;

    // Friday 20 November 2026, Paris time.
    // The first tick also catches up the days before (the client is a year old).
    scheduler.tick(paris(2026, 11, 20, 8, 29)).await.unwrap();
    assert!(app.checks_of("2026-11-20").await.is_empty());
    assert!(!app.checks_of("2026-11-19").await.is_empty());
    assert_eq!(scheduler.tick(paris(2026, 11, 20, 8, 31)).await.unwrap(), 1);
    for _ in 0..3 {
        assert_eq!(scheduler.tick(paris(2026, 11, 20, 8, 36)).await.unwrap(), 0);
    }
    let checks = app.checks_of("2026-11-20").await;
    assert_eq!(checks.len(), 1);
    assert_eq!(checks[0]["status"], "pending");
    assert_eq!(checks[0]["counts"]["pending"], 2);
}

#[tokio::test]
async fn concurrent_ticks_of_several_replicas_open_one_check() {
    let app = spawn_app().await;
    app.create_client("acme", "08:30").await;
    app.backdate_clients(365).await;
    let (first, second) = (app.components().await.scheduler, app.components().await.scheduler);
    let now = paris(2026, 11, 20, 9, 0);
    let (a, b) = tokio::join!(first.tick(now), second.tick(now));
    let id = app.get_json("/api/clients", Who::Admin).await[0]["id"].as_i64().unwrap();
    let days = app.get_json(&format!("/api/clients/{id}/history?from=2026-11-01&to=2026-11-30"), Who::Admin).await;
    // 12-20 November but the 11th (Armistice) and the weekend: 6 checks, each opened by one replica.
    assert_eq!(days["days"].as_array().unwrap().len(), 6, "{days}");
    assert_eq!(a.unwrap() + b.unwrap(), 6);
    let checks = app.checks_of("2026-11-20").await;
    assert_eq!(checks.len(), 1);
    assert_eq!(checks[0]["counts"]["pending"], 2, "each service appears once");
}

#[tokio::test]
async fn after_downtime_the_missed_working_days_are_caught_up_but_not_weekends_or_holidays() {
    let app = spawn_app().await;
    app.create_client("acme", "08:30").await;
    app.backdate_clients(365).await;
    let closure =
        app.call(Method::POST, "/api/holidays", Who::Admin, Some(json!({"date": "2026-11-13", "label": "Pont"}))).await;
    assert_eq!(closure.status(), 201);
    let scheduler = app.components().await.scheduler;

    // The service was down from Monday 9 to Monday 16 November 2026 at 07:00.
    scheduler.tick(paris(2026, 11, 16, 7, 0)).await.unwrap();
    let days = [
        "2026-11-09",
        "2026-11-10",
        "2026-11-11",
        "2026-11-12",
        "2026-11-13",
        "2026-11-14",
        "2026-11-15",
        "2026-11-16",
    ];
    // 11 November is Armistice day, the 13th a closure, 14-15 a weekend; the
    // 16th's check time has not come yet.
    assert_eq!(opened_dates(&app, &days).await, ["2026-11-09", "2026-11-10", "2026-11-12"]);
    scheduler.tick(paris(2026, 11, 16, 8, 45)).await.unwrap();
    assert!(opened_dates(&app, &days).await.contains(&"2026-11-16".to_owned()));

    let holidays = app.get_json("/api/holidays?year=2026", Who::Admin).await;
    let labels: Vec<(&str, &str)> = holidays
        .as_array()
        .unwrap()
        .iter()
        .map(|h| (h["date"].as_str().unwrap(), h["kind"].as_str().unwrap()))
        .filter(|(date, _)| date.starts_with("2026-11"))
        .collect();
    assert_eq!(labels, [("2026-11-01", "public"), ("2026-11-11", "public"), ("2026-11-13", "closure")]);
}

#[tokio::test]
async fn clients_get_no_checks_for_days_before_they_existed() {
    let app = spawn_app().await;
    app.create_client("acme", "08:30").await;
    let scheduler = app.components().await.scheduler;
    // The client was created today (the real today): a tick dated last
    // week must not invent checks for it.
    scheduler.tick(paris(2026, 11, 16, 9, 0) - chrono::Duration::days(400)).await.unwrap();
    let all = app.get_json("/api/clients", Who::Admin).await;
    let id = all[0]["id"].as_i64().unwrap();
    let history = app.get_json(&format!("/api/clients/{id}/history?from=2025-01-01&to=2025-12-31"), Who::Admin).await;
    assert_eq!(history["days"], json!([]));
}

#[tokio::test]
async fn old_checks_are_deleted_in_batches_and_recent_ones_kept() {
    let app = spawn_app().await;
    app.create_client("acme", "08:00").await;
    app.create_client("globex", "08:00").await;
    app.backdate_clients(365).await;
    let scheduler = app.components().await.scheduler;
    // Each tick catches up 7 days: 29-30 October, then 2-12 November 2026
    // but the 11th (Armistice) and the weekends.
    scheduler.tick(paris(2026, 11, 5, 9, 0)).await.unwrap();
    scheduler.tick(paris(2026, 11, 12, 9, 0)).await.unwrap();
    let before = app.get_json("/api/clients", Who::Admin).await;
    let acme = before[0]["id"].as_i64().unwrap();
    let days_before =
        app.get_json(&format!("/api/clients/{acme}/history?from=2026-10-01&to=2026-11-30"), Who::Admin).await;
    assert_eq!(days_before["days"].as_array().unwrap().len(), 10, "{days_before}");

    // Keeping 5 days on the 12th deletes the checks before the 7th: seven
    // days of each client.
    let deleted = scheduler.purge(paris(2026, 11, 12, 2, 0), 5).await.unwrap();
    assert_eq!(deleted, 2 * 7);
    let days_after =
        app.get_json(&format!("/api/clients/{acme}/history?from=2026-10-01&to=2026-11-30"), Who::Admin).await;
    let dates: Vec<&str> = days_after["days"].as_array().unwrap().iter().map(|d| d["date"].as_str().unwrap()).collect();
    assert_eq!(dates, ["2026-11-09", "2026-11-10", "2026-11-12"]);
}

#[tokio::test]
async fn the_delete_old_command_purges_like_the_original_artisan_command() {
    let app = spawn_app().await;
    app.create_client("acme", "08:00").await;
    app.backdate_clients(365).await;
    let scheduler = app.components().await.scheduler;
    let today = chrono::Utc::now();
    scheduler.tick(today - chrono::Duration::days(100)).await.unwrap();
    scheduler.tick(today).await.unwrap();
    let id = app.get_json("/api/clients", Who::Admin).await[0]["id"].as_i64().unwrap();
    let path = format!("/api/clients/{id}/history?from={}", (today - chrono::Duration::days(120)).format("%Y-%m-%d"));
    let before = app.get_json(&path, Who::Admin).await["days"].as_array().unwrap().len();
    assert!(before >= 3, "{before} checks");

    let output = std::process::Command::new(env!("CARGO_BIN_EXE_checks-svc"))
        .args(["delete-old", "--days", "60"])
        .env_clear()
        .envs(&app.variables)
        .output()
        .expect("run checks-svc delete-old");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let said = String::from_utf8_lossy(&output.stdout);
    // Logs go to the same output; the command's answer is its last line.
    let answer = said.lines().last().unwrap_or_default();
    let deleted: usize = answer.split_whitespace().next().unwrap().parse().unwrap();
    assert!(deleted >= 1 && answer.ends_with("checks older than 60 days deleted"), "{said}");
    assert_eq!(app.get_json(&path, Who::Admin).await["days"].as_array().unwrap().len(), before - deleted);
    let bad = std::process::Command::new(env!("CARGO_BIN_EXE_checks-svc"))
        .args(["delete-old", "--days"])
        .env_clear()
        .envs(&app.variables)
        .output()
        .expect("run");
    assert!(!bad.status.success());
}

#[tokio::test]
async fn the_embedded_sqlite_database_opens_checks_the_same_way() {
    let directory = tempfile::tempdir().unwrap();
    let database = fresh_sqlite(directory.path(), "checks");
    let app = spawn_app_on(database.url.expose_secret()).await;
    app.create_client("acme", "08:30").await;
    app.backdate_clients(365).await;
    let scheduler = app.components().await.scheduler;
    scheduler.tick(paris(2026, 11, 20, 9, 0)).await.unwrap();
    scheduler.tick(paris(2026, 11, 20, 9, 5)).await.unwrap();
    let checks: Vec<Value> = app.checks_of("2026-11-20").await;
    assert_eq!(checks.len(), 1);
    assert_eq!(checks[0]["counts"]["pending"], 2);
}
