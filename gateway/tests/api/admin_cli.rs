//! `gateway admin ...`, run as an operator would run it.

use std::process::Command;

use serde_json::{Value, json};

use crate::helpers::{INTERNAL_KEY, Options, PASSWORD, spawn_app_with};

fn admin(database_url: &str, arguments: &[&str]) -> (bool, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_gateway"))
        .arg("admin")
        .args(arguments)
        .env("GATEWAY__DATABASE__URL", database_url)
        .env("PLATFORM_INTERNAL_KEY", INTERNAL_KEY)
        .output()
        .expect("run the gateway binary");
    let text = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    (output.status.success(), text)
}

#[tokio::test]
async fn an_operator_creates_an_admin_backs_up_checks_and_restores_a_running_sqlite_gateway() {
    let app = spawn_app_with(Options { sqlite: true, ..Options::default() }).await;
    let url = secrecy::ExposeSecret::expose_secret(&app.database.url).to_owned();

    let (ok, created) = admin(&url, &["create-user", "--email", "Ops@Example.fr", "--name", "Ops", "--platform-admin"]);
    assert!(ok, "{created}");
    let temporary =
        created.lines().map(str::trim).find(|line| line.len() >= 20 && !line.contains(' ')).expect("password");
    let pair = app.signed_in("ops@example.fr", temporary).await;
    assert_eq!(pair["must_change_password"], true);

    let (ok, checked) = admin(&url, &["check"]);
    assert!(ok && checked.contains("sqlite: ok"), "{checked}");

    let dir = tempfile::tempdir().expect("tempdir");
    let backup = dir.path().join("gateway-backup.db");
    let backup_path = backup.to_str().expect("utf-8");
    let (ok, report) = admin(&url, &["backup", backup_path]);
    assert!(ok && report.contains("1 users") && report.contains("integrity ok"), "{report}");
    let (ok, refused) = admin(&url, &["backup", backup_path]);
    assert!(!ok && refused.contains("already exists"), "{refused}");

    // Changes after the backup, while the gateway runs...
    let key = app.admin_key().await;
    app.create_user(&key, json!({"name": "Later", "email": "later@example.fr", "password": PASSWORD})).await;
    // ...are gone once it is restored, and the gateway carries on.
    let (ok, restored) = admin(&url, &["restore", backup_path]);
    assert!(ok && restored.contains("1 users"), "{restored}");
    assert_eq!(app.login("later@example.fr", PASSWORD).await.status(), 401);
    assert_eq!(app.login("ops@example.fr", temporary).await.status(), 200);
    let (ok, checked) = admin(&url, &["check"]);
    assert!(ok, "{checked}");

    let garbage = dir.path().join("not-a-backup.db");
    std::fs::write(&garbage, b"this is not a database").expect("write");
    let (ok, refused) = admin(&url, &["restore", garbage.to_str().expect("utf-8")]);
    assert!(!ok, "{refused}");
    let (ok, usage) = admin(&url, &["frobnicate"]);
    assert!(!ok && usage.contains("usage: gateway admin"), "{usage}");
    let users: Value = app.get_with_key("/api/users", &app.admin_key().await).await.json().await.expect("users");
    assert_eq!(users["total"], 1, "a refused restore changes nothing");
}

#[tokio::test]
async fn on_postgresql_the_checks_run_and_backups_point_to_pg_dump() {
    let app = spawn_app_with(Options::default()).await;
    let base = secrecy::ExposeSecret::expose_secret(&app.database.url).to_owned();
    let (ok, checked) = admin(&base, &["check"]);
    assert!(ok && checked.contains("postgres: ok"), "{checked}");
    let (ok, refused) = admin(&base, &["backup", "/tmp/never.db"]);
    assert!(!ok && refused.contains("pg_dump"), "{refused}");
}
