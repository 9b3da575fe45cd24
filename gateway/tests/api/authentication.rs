use std::collections::BTreeMap;

use chrono::{Duration, Utc};
use gateway::auth::jwt::AccessClaims;
use gateway::domain::Scopes;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::Value;

use crate::helpers::{JWT_KID, JWT_SECRET, Options, problem, spawn_app, spawn_app_with};

#[tokio::test]
async fn a_request_without_credentials_is_a_401_problem() {
    let app = spawn_app().await;
    let response = app.client.get(app.url("/echo/x")).send().await.expect("request");
    assert_eq!(response.status(), 401);
    assert!(response.headers().contains_key("x-request-id"));
    let body = problem(response).await;
    assert_eq!(body["code"], "missing_credentials");
    assert_eq!(body["status"], 401);
}

#[tokio::test]
async fn unknown_malformed_and_forged_keys_are_refused_alike() {
    let app = spawn_app().await;
    let real = app.key("echo").await;
    let forged = format!("{}{}", &real[..real.len() - 4], "0000");
    for key in ["nonsense", "pk_0011223344556677_00", forged.as_str()] {
        let response = app.get_with_key("/echo/x", key).await;
        assert_eq!(response.status(), 401, "{key}");
        assert_eq!(problem(response).await["code"], "invalid_credentials");
    }
}

#[tokio::test]
async fn a_key_scoped_to_another_service_is_a_403() {
    let app = spawn_app().await;
    let key = app.key("down").await;
    let response = app.get_with_key("/echo/x", &key).await;
    assert_eq!(response.status(), 403);
    assert_eq!(problem(response).await["code"], "insufficient_scope");
}

#[tokio::test]
async fn a_revoked_key_stops_working_and_an_expired_one_never_does() {
    let app = spawn_app().await;
    let (record, key) = app.keys.create("to revoke", &Scopes::All, None).await.expect("create");
    assert_eq!(app.get_with_key("/echo/x", &key).await.status(), 200);
    assert!(app.keys.revoke(&record.id).await.expect("revoke"));
    assert_eq!(app.get_with_key("/echo/x", &key).await.status(), 401);

    let (_, expired) =
        app.keys.create("expired", &Scopes::All, Some(Utc::now() - Duration::minutes(1))).await.expect("create");
    assert_eq!(app.get_with_key("/echo/x", &expired).await.status(), 401);
}

#[tokio::test]
async fn a_key_records_its_last_use() {
    let app = spawn_app().await;
    let (record, key) = app.keys.create("used", &Scopes::All, None).await.expect("create");
    assert!(record.last_used_at.is_none());
    app.get_with_key("/echo/x", &key).await;
    let mut last_used = None;
    for _ in 0..50 {
        last_used = app.keys.find(&record.id).await.expect("find").and_then(|r| r.last_used_at);
        if last_used.is_some() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(last_used.is_some());
}

#[tokio::test]
async fn keys_work_the_same_on_sqlite() {
    let app = spawn_app_with(Options { sqlite: true, ..Options::default() }).await;
    let key = app.key("echo").await;
    assert_eq!(app.get_with_key("/echo/x", &key).await.status(), 200);
    assert_eq!(app.get_with_key("/down/x", &key).await.status(), 403);
}

#[tokio::test]
async fn legacy_api_key_values_still_work_for_every_service() {
    let app = spawn_app_with(Options { legacy_api_keys: vec!["cle1", "cle2"], ..Options::default() }).await;
    assert_eq!(app.get_with_key("/echo/x", "cle2").await.status(), 200);
    assert_eq!(app.get_with_key("/echo/x", "cle3").await.status(), 401);
}

#[tokio::test]
async fn the_first_start_creates_one_admin_key_and_one_admin_user() {
    let app = spawn_app_with(Options { bootstrap_admin_key: true, ..Options::default() }).await;
    assert_eq!(app.keys.count().await.expect("count"), 1);
    let key = app.admin_key().await;
    let users: Value = app.get_with_key("/api/users", &key).await.json().await.expect("users");
    assert_eq!(users["total"], 1);
    assert_eq!(users["items"][0]["email"], "admin@platform.local");
    assert_eq!(users["items"][0]["roles"]["platform_admin"], true);
    assert_eq!(users["items"][0]["must_change_password"], true);
}

fn token(kid: &str, secret: &str, roles: &[(&str, &str)], expires_in: Duration) -> String {
    let claims = AccessClaims {
        sub: "user-7".into(),
        exp: u64::try_from((Utc::now() + expires_in).timestamp()).expect("positive"),
        iat: 0,
        sid: None,
        ver: 0,
        roles: roles
            .iter()
            .map(|(service, role)| ((*service).to_owned(), vec![(*role).to_owned()]))
            .collect::<BTreeMap<_, _>>(),
        limited_to: BTreeMap::new(),
        platform_admin: false,
        email: None,
        name: None,
        password_change_required: false,
    };
    let mut header = Header::new(Algorithm::HS256);
    header.kid = Some(kid.to_owned());
    jsonwebtoken::encode(&header, &claims, &EncodingKey::from_secret(secret.as_bytes())).expect("sign")
}

#[tokio::test]
async fn bearer_tokens_are_verified_and_their_roles_forwarded() {
    let app = spawn_app().await;
    let bearer =
        |token: String| app.client.get(app.url("/echo/x")).header("Authorization", format!("Bearer {token}")).send();
    let ok =
        bearer(token(JWT_KID, JWT_SECRET, &[("echo", "technicien")], Duration::minutes(5))).await.expect("request");
    assert_eq!(ok.status(), 200);
    let body: Value = ok.json().await.expect("json");
    assert_eq!(body["caller"]["kind"], "user");
    assert_eq!(body["caller"]["sub"], "user-7");
    assert_eq!(body["caller"]["roles"]["echo"][0], "technicien");

    let expired =
        bearer(token(JWT_KID, JWT_SECRET, &[("echo", "admin")], Duration::minutes(-5))).await.expect("request");
    assert_eq!(expired.status(), 401);
    let wrong_key =
        bearer(token(JWT_KID, "not-the-secret", &[("echo", "admin")], Duration::minutes(5))).await.expect("request");
    assert_eq!(wrong_key.status(), 401);
    let other_service =
        bearer(token(JWT_KID, JWT_SECRET, &[("down", "admin")], Duration::minutes(5))).await.expect("request");
    assert_eq!(other_service.status(), 403);
    let malformed =
        app.client.get(app.url("/echo/x")).header("Authorization", "Token abc").send().await.expect("request");
    assert_eq!(problem(malformed).await["code"], "invalid_credentials");
}
