//! Sign-in, tokens, sessions and their security properties.

use std::time::Duration;

use base64::Engine;
use secrecy::SecretString;
use serde_json::{Value, json};

use crate::helpers::{JWT_KID, JWT_SECRET, Options, PASSWORD, TestApp, problem, spawn_app, spawn_app_with};

async fn technicien(app: &TestApp) -> Value {
    let admin = app.admin_key().await;
    app.create_user(
        &admin,
        json!({"name": "Théo Martin", "email": "Theo.Martin@Example.fr", "password": PASSWORD,
               "roles": {"erp": {"role": "technicien"}}}),
    )
    .await
}

fn claims_of(pair: &Value) -> Value {
    let token = pair["access_token"].as_str().expect("token");
    let payload = token.split('.').nth(1).expect("payload");
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload).expect("base64");
    serde_json::from_slice(&bytes).expect("claims")
}

fn header_of(pair: &Value) -> Value {
    let token = pair["access_token"].as_str().expect("token");
    let header = token.split('.').next().expect("header");
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(header).expect("base64");
    serde_json::from_slice(&bytes).expect("header")
}

async fn sign_in_everywhere(app: TestApp) {
    let user = technicien(&app).await;
    // The ERP's OAuth2 form, at the gateway's path and at the ERP's own.
    let response = app.login("theo.martin@example.fr", PASSWORD).await;
    assert_eq!(response.headers()["cache-control"], "no-store");
    let pair: Value = response.json().await.expect("tokens");
    assert_eq!(pair["token_type"], "bearer");
    assert_eq!(pair["expires_in"], 3600);
    assert_eq!(pair["must_change_password"], false);
    assert!(pair["refresh_token"].as_str().expect("refresh").starts_with("rt_"));
    let erp_path = app
        .client
        .post(app.url("/erp/api/v1/auth/login"))
        .form(&[("username", "THEO.MARTIN@example.fr"), ("password", PASSWORD)])
        .send()
        .await
        .expect("request");
    assert_eq!(erp_path.status(), 200);
    let json_login = app
        .client
        .post(app.url("/auth/login"))
        .json(&json!({"email": "theo.martin@example.fr", "password": PASSWORD}))
        .send()
        .await
        .expect("request");
    assert_eq!(json_login.status(), 200);

    let claims = claims_of(&pair);
    assert_eq!(claims["sub"], user["id"]);
    assert_eq!(claims["roles"]["erp"][0], "technicien");
    assert_eq!(claims["exp"].as_u64().expect("exp") - claims["iat"].as_u64().expect("iat"), 3600);
    assert_eq!(header_of(&pair)["kid"], JWT_KID);

    // The token reaches the ERP with the user's identity, and nothing else.
    let erp: Value =
        app.get_with_token("/erp/interventions", &pair).send().await.expect("request").json().await.expect("json");
    assert_eq!(erp["caller"]["kind"], "user");
    assert_eq!(erp["caller"]["sub"], user["id"]);
    assert_eq!(erp["caller"]["email"], "theo.martin@example.fr");
    assert_eq!(erp["caller"]["name"], "Théo Martin", "services show who did what by name");
    assert_eq!(erp["caller"]["roles"]["erp"][0], "technicien");
    let checks = app.get_with_token("/checks/x", &pair).send().await.expect("request");
    assert_eq!(problem(checks).await["code"], "insufficient_scope");

    let me: Value = app.get_with_token("/auth/me", &pair).send().await.expect("request").json().await.expect("json");
    assert_eq!(me["id"], user["id"]);
    assert!(me["last_login_at"].is_string());
    assert!(me.get("password_hash").is_none());
}

#[tokio::test]
async fn users_sign_in_with_the_erp_form_or_json_and_reach_their_services_on_postgres() {
    sign_in_everywhere(spawn_app().await).await;
}

#[tokio::test]
async fn users_sign_in_with_the_erp_form_or_json_and_reach_their_services_on_sqlite() {
    sign_in_everywhere(spawn_app_with(Options { sqlite: true, ..Options::default() }).await).await;
}

#[tokio::test]
async fn an_unknown_address_and_a_wrong_password_get_the_same_answer() {
    let app = spawn_app().await;
    technicien(&app).await;
    let wrong_password = problem(app.login("theo.martin@example.fr", "not the password").await).await;
    let unknown_user = problem(app.login("nobody@example.fr", PASSWORD).await).await;
    let not_an_address = problem(app.login("nobody", PASSWORD).await).await;
    for answer in [&wrong_password, &unknown_user, &not_an_address] {
        assert_eq!(answer["status"], 401);
        assert_eq!(answer["code"], "invalid_credentials");
        assert_eq!(answer["detail"], wrong_password["detail"]);
    }
}

#[tokio::test]
async fn malformed_sign_in_requests_are_refused_clearly() {
    let app = spawn_app().await;
    let missing =
        app.client.post(app.url("/auth/login")).form(&[("username", "a@b.fr")]).send().await.expect("request");
    assert_eq!(missing.status(), 422);
    let body = problem(missing).await;
    assert_eq!(body["errors"][0]["field"], "password");
    let nothing = app.client.post(app.url("/auth/login")).json(&json!({})).send().await.expect("request");
    let fields: Vec<Value> =
        problem(nothing).await["errors"].as_array().expect("errors").iter().map(|e| e["field"].clone()).collect();
    assert_eq!(fields, [json!("username"), json!("password")]);
    let xml = app
        .client
        .post(app.url("/auth/login"))
        .header("content-type", "text/xml")
        .body("<a/>")
        .send()
        .await
        .expect("request");
    assert_eq!(problem(xml).await["code"], "unsupported_media_type");
    let broken = app
        .client
        .post(app.url("/auth/login"))
        .header("content-type", "application/json")
        .body("{")
        .send()
        .await
        .expect("request");
    assert_eq!(problem(broken).await["code"], "bad_request");
}

async fn refresh(app: &TestApp, token: &Value) -> reqwest::Response {
    app.client.post(app.url("/auth/refresh")).json(&json!({"refresh_token": token})).send().await.expect("request")
}

#[tokio::test]
async fn refresh_tokens_rotate_and_a_reused_one_revokes_its_whole_session() {
    let app = spawn_app().await;
    technicien(&app).await;
    let first = app.signed_in("theo.martin@example.fr", PASSWORD).await;
    let other_session = app.signed_in("theo.martin@example.fr", PASSWORD).await;

    let second: Value = refresh(&app, &first["refresh_token"]).await.json().await.expect("pair");
    assert_ne!(second["refresh_token"], first["refresh_token"]);
    assert_eq!(app.get_with_token("/auth/me", &second).send().await.expect("request").status(), 200);

    // The spent token comes back: someone copied it. The session ends.
    let reuse = refresh(&app, &first["refresh_token"]).await;
    assert_eq!(reuse.status(), 401);
    assert!(problem(reuse).await["detail"].as_str().expect("detail").contains("already used"));
    assert_eq!(refresh(&app, &second["refresh_token"]).await.status(), 401);
    assert_eq!(app.get_with_token("/auth/me", &second).send().await.expect("request").status(), 401);
    assert_eq!(app.get_with_token("/auth/me", &first).send().await.expect("request").status(), 401);
    // Only that session: the user's other sign-in is untouched.
    assert_eq!(app.get_with_token("/auth/me", &other_session).send().await.expect("request").status(), 200);
    assert_eq!(refresh(&app, &other_session["refresh_token"]).await.status(), 200);

    assert_eq!(refresh(&app, &json!("rt_made_up")).await.status(), 401);
    let missing = app.client.post(app.url("/auth/refresh")).json(&json!({})).send().await.expect("request");
    assert_eq!(problem(missing).await["errors"][0]["field"], "refresh_token");
}

#[tokio::test]
async fn signing_out_ends_the_session_by_access_or_refresh_token() {
    let app = spawn_app().await;
    technicien(&app).await;
    let by_access = app.signed_in("theo.martin@example.fr", PASSWORD).await;
    let out = app
        .client
        .post(app.url("/auth/logout"))
        .bearer_auth(by_access["access_token"].as_str().expect("token"))
        .send()
        .await
        .expect("request");
    assert_eq!(out.status(), 204);
    assert_eq!(app.get_with_token("/auth/me", &by_access).send().await.expect("request").status(), 401);
    assert_eq!(refresh(&app, &by_access["refresh_token"]).await.status(), 401);

    let by_refresh = app.signed_in("theo.martin@example.fr", PASSWORD).await;
    let out = app
        .client
        .post(app.url("/auth/logout"))
        .json(&json!({"refresh_token": by_refresh["refresh_token"]}))
        .send()
        .await
        .expect("request");
    assert_eq!(out.status(), 204);
    assert_eq!(app.get_with_token("/erp/x", &by_refresh).send().await.expect("request").status(), 401);

    let nobody = app.client.post(app.url("/auth/logout")).send().await.expect("request");
    assert_eq!(problem(nobody).await["code"], "missing_credentials");
}

#[tokio::test]
async fn a_temporary_password_allows_nothing_but_choosing_a_new_one() {
    let app = spawn_app().await;
    let admin = app.admin_key().await;
    let created = app
        .create_user(
            &admin,
            json!({"name": "Nina", "email": "nina@example.fr", "roles": {"erp": {"role": "responsable"}}}),
        )
        .await;
    let temporary = created["temporary_password"].as_str().expect("generated").to_owned();
    assert_eq!(created["must_change_password"], true);

    let restricted = app.signed_in("nina@example.fr", &temporary).await;
    assert_eq!(restricted["must_change_password"], true);
    let blocked = app.get_with_token("/erp/x", &restricted).send().await.expect("request");
    assert_eq!(blocked.status(), 403);
    assert_eq!(problem(blocked).await["code"], "password_change_required");
    assert_eq!(app.get_with_token("/auth/me", &restricted).send().await.expect("request").status(), 200);

    let change = |current: &str, new: &str| {
        app.client
            .post(app.url("/auth/password"))
            .bearer_auth(restricted["access_token"].as_str().expect("token"))
            .json(&json!({"current_password": current, "new_password": new}))
            .send()
    };
    let wrong_current = change("not it", PASSWORD).await.expect("request");
    assert_eq!(problem(wrong_current).await["errors"][0]["field"], "current_password");
    let too_short = change(&temporary, "short").await.expect("request");
    assert_eq!(problem(too_short).await["errors"][0]["field"], "new_password");

    let changed: Value = change(&temporary, PASSWORD).await.expect("request").json().await.expect("pair");
    assert_eq!(changed["must_change_password"], false);
    assert_eq!(app.get_with_token("/erp/x", &changed).send().await.expect("request").status(), 200);
    // Every earlier session ended with the change.
    assert_eq!(app.get_with_token("/auth/me", &restricted).send().await.expect("request").status(), 401);
    assert_eq!(refresh(&app, &restricted["refresh_token"]).await.status(), 401);
    assert_eq!(app.login("nina@example.fr", &temporary).await.status(), 401);
    assert_eq!(app.login("nina@example.fr", PASSWORD).await.status(), 200);
}

#[tokio::test]
async fn repeated_failures_lock_an_account_whether_or_not_it_exists() {
    let app = spawn_app().await;
    technicien(&app).await;
    for _ in 0..5 {
        assert_eq!(app.login("theo.martin@example.fr", "wrong password").await.status(), 401);
        assert_eq!(app.login("ghost@example.fr", "wrong password").await.status(), 401);
    }
    for email in ["theo.martin@example.fr", "ghost@example.fr"] {
        let locked = app.login(email, PASSWORD).await;
        assert_eq!(locked.status(), 429, "{email}");
        let retry_after: u64 = locked.headers()["retry-after"].to_str().expect("ascii").parse().expect("seconds");
        assert!((800..=900).contains(&retry_after), "{retry_after}");
        assert_eq!(problem(locked).await["code"], "rate_limited");
    }
}

/// A failed sign-in for `email` from `address`, behind the trusted proxy.
async fn login_from(app: &TestApp, email: &str, password: &str, address: &str) -> reqwest::Response {
    app.client
        .post(app.url("/auth/login"))
        .header("x-forwarded-for", address)
        .form(&[("username", email), ("password", password)])
        .send()
        .await
        .expect("request")
}

#[tokio::test]
async fn wrong_passwords_from_one_address_never_lock_the_owner_out_from_another() {
    let app = spawn_app_with(Options { trusted_proxies: vec!["127.0.0.0/8"], ..Options::default() }).await;
    technicien(&app).await;
    let email = "theo.martin@example.fr";
    for _ in 0..5 {
        assert_eq!(login_from(&app, email, "wrong password", "203.0.113.7").await.status(), 401);
    }
    assert_eq!(login_from(&app, email, PASSWORD, "203.0.113.7").await.status(), 429, "that address is locked out");
    assert_eq!(login_from(&app, email, PASSWORD, "198.51.100.9").await.status(), 200, "the owner is not");
}

#[tokio::test]
async fn failures_from_many_addresses_slow_the_account_down_without_locking_it() {
    let app = spawn_app_with(Options { trusted_proxies: vec!["127.0.0.0/8"], ..Options::default() }).await;
    technicien(&app).await;
    let email = "theo.martin@example.fr";
    for address in 1..=10 {
        let response = login_from(&app, email, "wrong password", &format!("203.0.113.{address}")).await;
        assert_eq!(response.status(), 401);
    }
    let slowed = login_from(&app, email, PASSWORD, "198.51.100.9").await;
    assert_eq!(slowed.status(), 429);
    let retry_after: u64 = slowed.headers()["retry-after"].to_str().expect("ascii").parse().expect("seconds");
    assert_eq!(retry_after, 1, "the first delay is a second");
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(login_from(&app, email, PASSWORD, "198.51.100.9").await.status(), 200);
}

#[tokio::test]
async fn a_burst_of_guesses_from_many_addresses_at_once_gets_no_more_tries_than_one_after_another() {
    let app = spawn_app_with(Options { trusted_proxies: vec!["127.0.0.0/8"], ..Options::default() }).await;
    technicien(&app).await;
    let email = "theo.martin@example.fr";
    let burst = (1..=30).map(|address| {
        let app = &app;
        async move { login_from(app, email, "wrong password", &format!("203.0.113.{address}")).await.status() }
    });
    let statuses = futures_util::future::join_all(burst).await;
    let checked = statuses.iter().filter(|status| status.as_u16() == 401).count();
    assert!(statuses.iter().all(|status| [401, 429].contains(&status.as_u16())), "{statuses:?}");
    assert!(checked <= 10, "{checked} passwords checked, the delay starts after 10 failures: {statuses:?}");
}

/// The ERP's tokens (`{sub, exp, role}`, HS256 with its `SECRET_KEY`, no
/// `kid`) name a user; what they claim grants nothing.
#[tokio::test]
async fn legacy_erp_tokens_act_as_their_existing_user_and_claim_nothing() {
    const SECRET: &str = "the ERP's SECRET_KEY, long and random enough";
    let app = spawn_app_with(Options { legacy_jwt_secret: Some(SECRET), ..Options::default() }).await;
    let user = technicien(&app).await;
    let exp = chrono::Utc::now().timestamp() + 3600;
    let token = |claims: Value| {
        let key = jsonwebtoken::EncodingKey::from_secret(SECRET.as_bytes());
        let token = jsonwebtoken::encode(&jsonwebtoken::Header::default(), &claims, &key).expect("sign");
        json!({ "access_token": token })
    };
    let by_email = token(json!({"sub": "theo.martin@example.fr", "exp": exp, "role": "technicien"}));
    assert_eq!(app.get_with_token("/erp/x", &by_email).send().await.expect("request").status(), 200);
    let by_id = token(json!({"sub": user["id"], "exp": exp, "role": "technicien"}));
    assert_eq!(app.get_with_token("/erp/x", &by_id).send().await.expect("request").status(), 200);
    // The technicien has no Check du Matin role, whatever the token says.
    let boasting = token(json!({"sub": "theo.martin@example.fr", "exp": exp, "roles": {"checks": ["admin"]}}));
    assert_eq!(app.get_with_token("/checks/x", &boasting).send().await.expect("request").status(), 403);
    assert_eq!(app.get_with_token("/api/users", &boasting).send().await.expect("request").status(), 403);
    let nobody = token(json!({"sub": "ghost@example.fr", "exp": exp, "roles": {"erp": ["admin"]}}));
    assert_eq!(app.get_with_token("/erp/x", &nobody).send().await.expect("request").status(), 401);
    let expired = token(json!({"sub": "theo.martin@example.fr", "exp": 1_000, "role": "technicien"}));
    assert_eq!(app.get_with_token("/erp/x", &expired).send().await.expect("request").status(), 401);
}

#[tokio::test]
async fn the_gateway_refuses_to_start_with_a_default_or_short_secret() {
    for secret in ["change_me", "CHANGE_ME", "secret", "short but not a default", &"x".repeat(40)] {
        let mut settings: gateway::configuration::Settings =
            common::configuration::load_from(&gateway::configuration::CONFIG, Default::default()).expect("settings");
        settings.server.port = 0;
        settings.internal_auth.key = Some(SecretString::from(crate::helpers::INTERNAL_KEY));
        settings.database = common::testing::fresh_postgres("gateway").await;
        settings.auth.legacy_jwt_secret = Some(SecretString::from(secret.to_owned()));
        let Err(error) = gateway::startup::Application::build(settings).await else {
            panic!("the gateway started with SECRET_KEY={secret:?}");
        };
        assert!(error.to_string().contains("SECRET_KEY"), "{error}");
    }
    let weak_internal = SecretString::from("change_me".repeat(4));
    assert!(common::identity::InternalKey::from_secret(&weak_internal).is_err());
}

#[tokio::test]
async fn one_address_cannot_try_more_than_its_share_of_passwords() {
    let app = spawn_app().await;
    let started = std::time::Instant::now();
    let mut refused = 0;
    let mut limited = false;
    for attempt in 0..60 {
        match app.login(&format!("guess{attempt}@example.fr"), "wrong password").await.status().as_u16() {
            401 => refused += 1,
            429 => {
                limited = true;
                break;
            }
            other => panic!("attempt {attempt}: {other}"),
        }
    }
    assert!(limited, "{refused} attempts and no 429");
    // 30 at once, then one more every 2 s (30 a minute): on a busy machine
    // the attempts themselves take that long.
    let replenished = (started.elapsed().as_secs_f64() / 2.0).ceil() as u32;
    assert!((30..=30 + replenished).contains(&refused), "{refused} attempts refused with 401 before the 429");
}

/// A failed sign-in for `account`, sent with an `X-Forwarded-For` header.
async fn guess(app: &TestApp, account: usize, forwarded_for: &str) -> u16 {
    app.client
        .post(app.url("/auth/login"))
        .header("x-forwarded-for", forwarded_for)
        .form(&[("username", format!("guess{account}@example.fr").as_str()), ("password", "wrong password")])
        .send()
        .await
        .expect("request")
        .status()
        .as_u16()
}

/// Guesses by one client until refused: its 30-per-minute share, plus the
/// tokens that refilled meanwhile (one per 2 s: debug-build Argon2 on a busy
/// machine is slow), so the count is bounded, not exact.
async fn guesses_until_refused(app: &TestApp, forwarded_for: impl Fn(usize) -> String) -> usize {
    for account in 0..120 {
        match guess(app, account, &forwarded_for(account)).await {
            401 => continue,
            429 => return account,
            other => panic!("unexpected status {other}"),
        }
    }
    panic!("120 guesses from one client were never refused");
}

#[tokio::test]
async fn behind_a_trusted_proxy_each_client_has_its_own_share_and_forged_headers_do_not_help() {
    let proxied = spawn_app_with(Options { trusted_proxies: vec!["127.0.0.0/8"], ..Options::default() }).await;
    // Different guessed accounts, one client: its share runs out.
    let allowed = guesses_until_refused(&proxied, |_| "203.0.113.7, 127.0.0.1".to_owned()).await;
    assert!(allowed >= 30, "refused after {allowed}");
    assert_eq!(guess(&proxied, 200, "198.51.100.2").await, 401, "another client behind the same proxy");

    // Without a trusted proxy the header is the caller's word: ignored.
    let direct = spawn_app().await;
    let allowed = guesses_until_refused(&direct, |account| format!("192.0.2.{account}")).await;
    assert!(allowed >= 30, "refused after {allowed}");
}

#[tokio::test]
async fn role_changes_and_deactivation_reach_existing_tokens() {
    let app = spawn_app().await;
    let admin = app.admin_key().await;
    let user = technicien(&app).await;
    let pair = app.signed_in("theo.martin@example.fr", PASSWORD).await;
    let patch = |body: Value| {
        app.client
            .patch(app.url(&format!("/api/users/{}", user["id"].as_str().expect("id"))))
            .header("X-API-Key", &admin)
            .json(&body)
            .send()
    };
    assert_eq!(patch(json!({"roles": {"checks": {"role": "admin"}}})).await.expect("request").status(), 200);
    let stale = app.get_with_token("/erp/x", &pair).send().await.expect("request");
    assert_eq!(stale.status(), 401);
    assert!(problem(stale).await["detail"].as_str().expect("detail").contains("refresh"));
    let renewed: Value = refresh(&app, &pair["refresh_token"]).await.json().await.expect("pair");
    assert_eq!(app.get_with_token("/checks/x", &renewed).send().await.expect("request").status(), 200);
    assert_eq!(app.get_with_token("/erp/x", &renewed).send().await.expect("request").status(), 403);

    // Asking for a new password takes effect on live tokens too.
    assert_eq!(patch(json!({"must_change_password": true})).await.expect("request").status(), 200);
    assert_eq!(app.get_with_token("/checks/x", &renewed).send().await.expect("request").status(), 401);
    let restricted: Value = refresh(&app, &renewed["refresh_token"]).await.json().await.expect("pair");
    assert_eq!(restricted["must_change_password"], true);

    assert_eq!(patch(json!({"active": false})).await.expect("request").status(), 200);
    assert_eq!(app.get_with_token("/auth/me", &restricted).send().await.expect("request").status(), 401);
    assert_eq!(refresh(&app, &restricted["refresh_token"]).await.status(), 401);
    assert_eq!(app.login("theo.martin@example.fr", PASSWORD).await.status(), 401);
    // Reactivated, the account signs in again, but its old sessions stay ended.
    assert_eq!(patch(json!({"active": true})).await.expect("request").status(), 200);
    assert_eq!(refresh(&app, &restricted["refresh_token"]).await.status(), 401);
    assert_eq!(app.login("theo.martin@example.fr", PASSWORD).await.status(), 200);
}

#[tokio::test]
async fn guessing_the_current_password_with_a_stolen_token_locks_the_account_too() {
    let app = spawn_app().await;
    technicien(&app).await;
    let pair = app.signed_in("theo.martin@example.fr", PASSWORD).await;
    let change = |current: &'static str| {
        app.client
            .post(app.url("/auth/password"))
            .bearer_auth(pair["access_token"].as_str().expect("token"))
            .json(&json!({"current_password": current, "new_password": "another long password"}))
            .send()
    };
    for _ in 0..5 {
        assert_eq!(change("a wrong guess").await.expect("request").status(), 422);
    }
    assert_eq!(change(PASSWORD).await.expect("request").status(), 429);
    assert_eq!(app.login("theo.martin@example.fr", PASSWORD).await.status(), 429);
}

#[tokio::test]
async fn a_new_signing_key_signs_while_tokens_of_the_previous_one_stay_valid() {
    const NEW_KID: &str = "2026-12";
    const NEW_SECRET: &str = "the-next-signing-secret-32-bytes-long";
    let before = spawn_app().await;
    technicien(&before).await;
    let old_pair = before.signed_in("theo.martin@example.fr", PASSWORD).await;
    assert_eq!(header_of(&old_pair)["kid"], JWT_KID);

    // The same installation restarted with both keys, signing with the new one.
    let after = spawn_app_with(Options {
        jwt_keys: vec![(JWT_KID, JWT_SECRET), (NEW_KID, NEW_SECRET)],
        jwt_signing_kid: Some(NEW_KID),
        database: Some(before.database.clone()),
        ..Options::default()
    })
    .await;
    assert_eq!(after.get_with_token("/erp/x", &old_pair).send().await.expect("request").status(), 200);
    let new_pair: Value = refresh(&after, &old_pair["refresh_token"]).await.json().await.expect("pair");
    assert_eq!(header_of(&new_pair)["kid"], NEW_KID);
    assert_eq!(after.get_with_token("/erp/x", &new_pair).send().await.expect("request").status(), 200);

    // Once the old key is retired, its tokens stop working.
    let retired = spawn_app_with(Options {
        jwt_keys: vec![(NEW_KID, NEW_SECRET)],
        database: Some(before.database.clone()),
        ..Options::default()
    })
    .await;
    assert_eq!(retired.get_with_token("/erp/x", &old_pair).send().await.expect("request").status(), 401);
    assert_eq!(retired.get_with_token("/erp/x", &new_pair).send().await.expect("request").status(), 200);
}

#[tokio::test]
async fn without_configured_keys_a_stored_key_signs_and_survives_restarts() {
    let first = spawn_app_with(Options { jwt_keys: Vec::new(), ..Options::default() }).await;
    technicien(&first).await;
    let pair = first.signed_in("theo.martin@example.fr", PASSWORD).await;
    assert!(header_of(&pair)["kid"].as_str().expect("kid").starts_with("local-"));
    let restarted =
        spawn_app_with(Options { jwt_keys: Vec::new(), database: Some(first.database.clone()), ..Options::default() })
            .await;
    assert_eq!(restarted.get_with_token("/auth/me", &pair).send().await.expect("request").status(), 200);
}

#[tokio::test]
async fn signing_out_on_one_replica_is_honoured_by_another_within_seconds() {
    let one = spawn_app_with(Options { key_cache_secs: 1, ..Options::default() }).await;
    let two =
        spawn_app_with(Options { key_cache_secs: 1, database: Some(one.database.clone()), ..Options::default() }).await;
    technicien(&one).await;
    let pair = one.signed_in("theo.martin@example.fr", PASSWORD).await;
    assert_eq!(two.get_with_token("/erp/x", &pair).send().await.expect("request").status(), 200);
    let out = one
        .client
        .post(one.url("/auth/logout"))
        .json(&json!({"refresh_token": pair["refresh_token"]}))
        .send()
        .await
        .expect("request");
    assert_eq!(out.status(), 204);
    let mut refused_after = None;
    for tenth in 0..30 {
        if two.get_with_token("/erp/x", &pair).send().await.expect("request").status() == 401 {
            refused_after = Some(tenth);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(refused_after.is_some(), "the other replica still accepts the token after 3 s");
}

#[tokio::test]
async fn the_same_refresh_token_sent_twice_at_once_wins_once_and_ends_the_session() {
    let app = spawn_app().await;
    technicien(&app).await;
    let pair = app.signed_in("theo.martin@example.fr", PASSWORD).await;
    let (first, second) = tokio::join!(refresh(&app, &pair["refresh_token"]), refresh(&app, &pair["refresh_token"]));
    let mut statuses = [first.status().as_u16(), second.status().as_u16()];
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 401]);
    let winner: Value = if first.status() == 200 { first.json().await } else { second.json().await }.expect("pair");
    assert_eq!(app.get_with_token("/auth/me", &winner).send().await.expect("request").status(), 401);
}

#[tokio::test]
async fn a_session_past_its_end_cannot_be_refreshed_and_its_access_tokens_stop() {
    let app = spawn_app().await;
    technicien(&app).await;
    let pair = app.signed_in("theo.martin@example.fr", PASSWORD).await;
    let pool = sqlx::postgres::PgPoolOptions::new()
        .connect_with(
            secrecy::ExposeSecret::expose_secret(&app.database.url)
                .parse::<sqlx::postgres::PgConnectOptions>()
                .expect("url")
                .options([("search_path", "gateway")]),
        )
        .await
        .expect("connect");
    sqlx::query("UPDATE sessions SET expires_at = now() - interval '1 second'").execute(&pool).await.expect("expire");
    assert_eq!(refresh(&app, &pair["refresh_token"]).await.status(), 401);
    assert_eq!(app.get_with_token("/auth/me", &pair).send().await.expect("request").status(), 401);
}

#[tokio::test]
async fn a_platform_administrator_reaches_every_service_marked_as_such() {
    let app = spawn_app().await;
    let admin = app.admin_key().await;
    app.create_user(
        &admin,
        json!({"name": "Camille Admin", "email": "camille@example.fr", "password": PASSWORD,
               "roles": {"platform_admin": true}}),
    )
    .await;
    let pair: Value = app.login("camille@example.fr", PASSWORD).await.json().await.expect("tokens");
    let checks: Value =
        app.get_with_token("/checks/x", &pair).send().await.expect("request").json().await.expect("json");
    assert_eq!(checks["caller"]["roles"]["platform"], json!(["admin"]), "{checks}");
    assert_eq!(checks["caller"]["name"], "Camille Admin");
}
