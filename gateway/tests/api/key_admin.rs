//! `/api/keys`: creating, listing and revoking API keys.

use std::time::Duration;

use serde_json::{Value, json};

use crate::helpers::{Options, problem, spawn_app, spawn_app_with};

#[tokio::test]
async fn keys_are_created_listed_scoped_and_revoked() {
    let app = spawn_app().await;
    let admin = app.admin_key().await;
    let create = |body: Value| app.client.post(app.url("/api/keys")).header("X-API-Key", &admin).json(&body).send();
    let created = create(json!({"name": "PHP integration", "scopes": ["echo"]})).await.expect("request");
    assert_eq!(created.status(), 201);
    let created: Value = created.json().await.expect("key");
    let token = created["token"].as_str().expect("token").to_owned();
    assert!(token.starts_with(&format!("pk_{}_", created["prefix"].as_str().expect("prefix"))));
    assert_eq!(created["scopes"], json!(["echo"]));

    assert_eq!(app.get_with_key("/echo/x", &token).await.status(), 200);
    assert_eq!(app.get_with_key("/erp/x", &token).await.status(), 403);
    assert_eq!(app.get_with_key("/api/users", &token).await.status(), 403);

    let listed: Vec<Value> = app.get_with_key("/api/keys", &admin).await.json().await.expect("keys");
    assert_eq!(listed.len(), 2);
    let listed_key = listed.iter().find(|key| key["id"] == created["id"]).expect("listed");
    assert!(listed_key.get("token").is_none() && listed_key.get("secret_hash").is_none());
    assert_eq!(listed_key["name"], "PHP integration");
    assert!(listed.iter().all(|key| !key.to_string().contains(&token[20..])));

    // Its use is recorded, off the request path.
    let path = format!("/api/keys/{}", created["id"].as_str().expect("id"));
    let mut last_used = Value::Null;
    for _ in 0..30 {
        last_used = app.get_with_key(&path, &admin).await.json::<Value>().await.expect("key")["last_used_at"].clone();
        if last_used.is_string() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(last_used.is_string());

    let revoked = app.client.delete(app.url(&path)).header("X-API-Key", &admin).send().await.expect("request");
    assert_eq!(revoked.status(), 204);
    assert_eq!(problem(app.get_with_key("/echo/x", &token).await).await["code"], "invalid_credentials");
    assert!(app.get_with_key(&path, &admin).await.json::<Value>().await.expect("key")["revoked_at"].is_string());
    let unknown =
        app.client.delete(app.url("/api/keys/nope")).header("X-API-Key", &admin).send().await.expect("request");
    assert_eq!(problem(unknown).await["code"], "not_found");
}

#[tokio::test]
async fn invalid_keys_are_refused_with_their_fields_named() {
    let app = spawn_app().await;
    let admin = app.admin_key().await;
    let create = |body: Value| app.client.post(app.url("/api/keys")).header("X-API-Key", &admin).json(&body).send();
    let invalid = problem(
        create(json!({"name": " ", "scopes": ["payroll"], "expires_at": "2020-01-01T00:00:00Z"}))
            .await
            .expect("request"),
    )
    .await;
    let fields: Vec<&str> =
        invalid["errors"].as_array().expect("errors").iter().map(|e| e["field"].as_str().expect("field")).collect();
    assert_eq!(fields, ["name", "scopes", "expires_at"]);
    let no_scopes = problem(create(json!({"name": "x", "scopes": []})).await.expect("request")).await;
    assert_eq!(no_scopes["errors"][0]["field"], "scopes");

    let expiring: Value = create(json!({"name": "short-lived", "scopes": ["*"], "expires_at": (chrono::Utc::now() + chrono::Duration::seconds(2)).to_rfc3339()}))
        .await
        .expect("request")
        .json()
        .await
        .expect("key");
    let token = expiring["token"].as_str().expect("token");
    assert_eq!(app.get_with_key("/echo/x", token).await.status(), 200);
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(app.get_with_key("/echo/x", token).await.status(), 401);
}

#[tokio::test]
async fn a_key_revoked_on_one_replica_is_refused_by_another_within_seconds() {
    let one = spawn_app_with(Options { key_cache_secs: 2, ..Options::default() }).await;
    let two =
        spawn_app_with(Options { key_cache_secs: 2, database: Some(one.database.clone()), ..Options::default() }).await;
    let admin = one.admin_key().await;
    let doomed = one.key("echo").await;
    assert_eq!(two.get_with_key("/echo/x", &doomed).await.status(), 200);
    let keys: Vec<Value> = one.get_with_key("/api/keys", &admin).await.json().await.expect("keys");
    let id =
        keys.iter().find(|key| doomed.contains(key["prefix"].as_str().expect("prefix"))).expect("listed")["id"].clone();
    let revoked = one
        .client
        .delete(one.url(&format!("/api/keys/{}", id.as_str().expect("id"))))
        .header("X-API-Key", &admin)
        .send()
        .await
        .expect("request");
    assert_eq!(revoked.status(), 204);
    assert_eq!(one.get_with_key("/echo/x", &doomed).await.status(), 401, "at once on the replica that revoked it");
    let started = std::time::Instant::now();
    while two.get_with_key("/echo/x", &doomed).await.status() != 401 {
        assert!(started.elapsed() < Duration::from_secs(4), "still accepted after 4 s");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
