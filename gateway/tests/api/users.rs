//! `/api/users` and `/api/stats`: the administrators' side.

use serde_json::{Value, json};

use crate::helpers::{Options, PASSWORD, TestApp, problem, spawn_app, spawn_app_with};

fn fields(problem: &Value) -> Vec<String> {
    problem["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|error| error["field"].as_str().expect("field").to_owned())
        .collect()
}

impl TestApp {
    fn admin_request(&self, method: reqwest::Method, path: &str, key: &str) -> reqwest::RequestBuilder {
        self.client.request(method, self.url(path)).header("X-API-Key", key)
    }
}

#[tokio::test]
async fn users_are_created_read_updated_and_deleted() {
    let app = spawn_app().await;
    let key = app.admin_key().await;
    let created = app
        .admin_request(reqwest::Method::POST, "/api/users", &key)
        .json(&json!({"name": " Léa Bernard ", "email": "Lea.Bernard@Example.FR", "password": PASSWORD,
                      "roles": {"erp": {"role": "client", "client_company": "ACME"},
                                "checks": {"role": "gestionnaire", "clients": ["acme", "globex"]}}}))
        .send()
        .await
        .expect("request");
    assert_eq!(created.status(), 201);
    let location = created.headers()["location"].to_str().expect("ascii").to_owned();
    let user: Value = created.json().await.expect("user");
    assert_eq!(location, format!("/api/users/{}", user["id"].as_str().expect("id")));
    assert_eq!(user["name"], "Léa Bernard");
    assert_eq!(user["email"], "lea.bernard@example.fr");
    assert_eq!(user["active"], true);
    assert_eq!(user["must_change_password"], false);
    assert!(user.get("temporary_password").is_none());
    assert_eq!(user["roles"]["erp"], json!({"role": "client", "client_company": "ACME"}));
    assert_eq!(user["roles"]["checks"]["clients"], json!(["acme", "globex"]));

    let fetched: Value = app
        .admin_request(reqwest::Method::GET, &location, &key)
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("user");
    assert_eq!(fetched, user);

    let updated: Value = app
        .admin_request(reqwest::Method::PATCH, &location, &key)
        .json(&json!({"name": "Léa Bernard-Petit"}))
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("user");
    assert_eq!(updated["name"], "Léa Bernard-Petit");
    assert_eq!(updated["roles"], user["roles"], "untouched fields stay");
    assert!(updated["updated_at"].as_str() > user["updated_at"].as_str());
    let replaced = app
        .admin_request(reqwest::Method::PUT, &location, &key)
        .json(&json!({"roles": {"platform_admin": true}}))
        .send()
        .await
        .expect("request");
    assert_eq!(
        replaced.json::<Value>().await.expect("user")["roles"],
        json!({"platform_admin": true, "erp": null, "checks": null})
    );

    let reset = app
        .admin_request(reqwest::Method::POST, &format!("{location}/password-reset"), &key)
        .send()
        .await
        .expect("request");
    let temporary =
        reset.json::<Value>().await.expect("reset")["temporary_password"].as_str().expect("password").to_owned();
    assert_eq!(app.login("lea.bernard@example.fr", PASSWORD).await.status(), 401);
    assert_eq!(app.signed_in("lea.bernard@example.fr", &temporary).await["must_change_password"], true);

    assert_eq!(
        app.admin_request(reqwest::Method::DELETE, &location, &key).send().await.expect("request").status(),
        204
    );
    for method in [reqwest::Method::GET, reqwest::Method::DELETE] {
        let gone = app.admin_request(method, &location, &key).send().await.expect("request");
        assert_eq!(problem(gone).await["code"], "not_found");
    }
    let patch_gone = app
        .admin_request(reqwest::Method::PATCH, &location, &key)
        .json(&json!({"name": "x"}))
        .send()
        .await
        .expect("request");
    assert_eq!(patch_gone.status(), 404);
    let reset_gone = app
        .admin_request(reqwest::Method::POST, &format!("{location}/password-reset"), &key)
        .send()
        .await
        .expect("request");
    assert_eq!(reset_gone.status(), 404);
    assert_eq!(app.login("lea.bernard@example.fr", &temporary).await.status(), 401);
}

#[tokio::test]
async fn invalid_users_get_every_wrong_field_named() {
    let app = spawn_app().await;
    let key = app.admin_key().await;
    let create = |body: Value| app.admin_request(reqwest::Method::POST, "/api/users", &key).json(&body).send();
    let invalid = create(json!({"name": "", "email": "not-an-address", "password": "short",
                                "roles": {"erp": {"role": "client"}, "checks": {"role": "chef"}}}))
    .await
    .expect("request");
    assert_eq!(invalid.status(), 422);
    let body = problem(invalid).await;
    assert_eq!(body["code"], "validation_failed");
    assert_eq!(fields(&body), ["name", "email", "password", "roles.erp.client_company", "roles.checks.role"]);

    let missing = problem(create(json!({})).await.expect("request")).await;
    assert_eq!(fields(&missing), ["name", "email"]);
    let unknown_field = create(json!({"name": "A", "email": "a@example.fr", "admin": true})).await.expect("request");
    assert_eq!(problem(unknown_field).await["code"], "validation_failed");
    let wrong_type = create(json!({"name": "A", "email": "a@example.fr", "active": "yes"})).await.expect("request");
    assert_eq!(wrong_type.status(), 422);

    let first = app.create_user(&key, json!({"name": "A", "email": "dup@example.fr", "password": PASSWORD})).await;
    let duplicate =
        create(json!({"name": "B", "email": "DUP@example.fr", "password": PASSWORD})).await.expect("request");
    assert_eq!(duplicate.status(), 409);
    assert_eq!(problem(duplicate).await["code"], "conflict");
    let other = app.create_user(&key, json!({"name": "C", "email": "other@example.fr", "password": PASSWORD})).await;
    let taken = app
        .admin_request(reqwest::Method::PATCH, &format!("/api/users/{}", other["id"].as_str().expect("id")), &key)
        .json(&json!({"email": "Dup@Example.fr"}))
        .send()
        .await
        .expect("request");
    assert_eq!(taken.status(), 409);
    let bad_patch = app
        .admin_request(reqwest::Method::PATCH, &format!("/api/users/{}", first["id"].as_str().expect("id")), &key)
        .json(&json!({"email": "nope", "roles": {"erp": {"role": "technicien", "client_company": "ACME"}}}))
        .send()
        .await
        .expect("request");
    assert_eq!(fields(&problem(bad_patch).await), ["email", "roles.erp.client_company"]);
}

#[tokio::test]
async fn users_are_listed_by_page_searched_filtered_and_sorted() {
    let app = spawn_app().await;
    let key = app.admin_key().await;
    for n in 0..25 {
        app.create_user(
            &key,
            json!({"name": format!("User {n:02}"), "email": format!("u{n:02}@example.fr"), "password": PASSWORD}),
        )
        .await;
    }
    let list = |query: &str| {
        let request = app.admin_request(reqwest::Method::GET, &format!("/api/users{query}"), &key).send();
        async move { request.await.expect("request") }
    };
    let names = |page: &Value| -> Vec<String> {
        page["items"].as_array().expect("items").iter().map(|u| u["name"].as_str().expect("name").to_owned()).collect()
    };
    let last: Value = list("?per_page=10&page=3").await.json().await.expect("page");
    assert_eq!((last["total"].as_i64(), last["pages"].as_i64(), last["page"].as_i64()), (Some(25), Some(3), Some(3)));
    assert_eq!(names(&last), ["User 20", "User 21", "User 22", "User 23", "User 24"]);
    let default: Value = list("").await.json().await.expect("page");
    assert_eq!((default["per_page"].as_i64(), names(&default).len()), (Some(20), 20));

    let searched: Value = list("?q=uSeR%201").await.json().await.expect("page");
    assert_eq!(searched["total"], 10, "User 10 to User 19");
    let by_email: Value = list("?q=u07%40").await.json().await.expect("page");
    assert_eq!(names(&by_email), ["User 07"]);
    let literal: Value = list("?q=%25").await.json().await.expect("page");
    assert_eq!(literal["total"], 0, "% is a character, not a wildcard");

    let descending: Value = list("?sort=-name&per_page=2").await.json().await.expect("page");
    assert_eq!(names(&descending), ["User 24", "User 23"]);
    let newest: Value = list("?sort=-created_at&per_page=1").await.json().await.expect("page");
    assert_eq!(names(&newest), ["User 24"]);

    let id = default["items"][0]["id"].as_str().expect("id").to_owned();
    app.admin_request(reqwest::Method::PATCH, &format!("/api/users/{id}"), &key)
        .json(&json!({"active": false}))
        .send()
        .await
        .expect("request");
    let inactive: Value = list("?active=false").await.json().await.expect("page");
    assert_eq!(names(&inactive), ["User 00"]);
    let active: Value = list("?active=true").await.json().await.expect("page");
    assert_eq!(active["total"], 24);

    let bad = problem(list("?page=0&per_page=500&sort=password_hash&active=maybe").await).await;
    assert_eq!(fields(&bad), ["page", "per_page", "active", "sort"]);
}

#[tokio::test]
async fn only_platform_administrators_manage_users() {
    let app = spawn_app().await;
    let admin_key = app.admin_key().await;
    app.create_user(
        &admin_key,
        json!({"name": "Tech", "email": "tech@example.fr", "password": PASSWORD,
                                        "roles": {"erp": {"role": "admin"}}}),
    )
    .await;
    app.create_user(
        &admin_key,
        json!({"name": "Boss", "email": "boss@example.fr", "password": PASSWORD,
                                        "roles": {"platform_admin": true}}),
    )
    .await;
    let erp_admin = app.signed_in("tech@example.fr", PASSWORD).await;
    let refused = app.get_with_token("/api/users", &erp_admin).send().await.expect("request");
    assert_eq!(refused.status(), 403);
    assert_eq!(problem(refused).await["code"], "insufficient_scope");
    let platform_admin = app.signed_in("boss@example.fr", PASSWORD).await;
    assert_eq!(app.get_with_token("/api/users", &platform_admin).send().await.expect("request").status(), 200);
    // Platform administrators may call every service, too.
    assert_eq!(app.get_with_token("/erp/x", &platform_admin).send().await.expect("request").status(), 200);

    let erp_key = app.key("erp").await;
    assert_eq!(app.get_with_key("/api/users", &erp_key).await.status(), 403);
    let identity_key = app.key("admin").await;
    assert_eq!(app.get_with_key("/api/users", &identity_key).await.status(), 200);
    assert_eq!(app.get_with_key("/erp/x", &identity_key).await.status(), 403);
    let anonymous = app.client.get(app.url("/api/users")).send().await.expect("request");
    assert_eq!(problem(anonymous).await["code"], "missing_credentials");
    assert_eq!(app.get_with_key("/api/keys", &erp_key).await.status(), 403);
    let stats: Value = app.get_with_key("/api/stats", &erp_key).await.json().await.expect("stats");
    assert!(stats.get("users_per_role").is_none() && stats.get("api_keys").is_none(), "{stats}");
}

#[tokio::test]
async fn each_role_reaches_services_with_the_records_it_is_confined_to() {
    let app = spawn_app().await;
    let key = app.admin_key().await;
    app.create_user(
        &key,
        json!({"name": "Client", "email": "client@acme.fr", "password": PASSWORD,
                                  "roles": {"erp": {"role": "client", "client_company": "ACME"},
                                            "checks": {"role": "gestionnaire", "clients": ["acme", "globex"]}}}),
    )
    .await;
    let pair = app.signed_in("client@acme.fr", PASSWORD).await;
    let erp: Value = app.get_with_token("/erp/x", &pair).send().await.expect("request").json().await.expect("json");
    assert_eq!(erp["caller"]["roles"]["erp"], json!(["client"]));
    assert_eq!(erp["caller"]["limited_to"]["erp"], json!(["ACME"]));
    let checks: Value =
        app.get_with_token("/checks/x", &pair).send().await.expect("request").json().await.expect("json");
    assert_eq!(checks["caller"]["roles"]["checks"], json!(["gestionnaire"]));
    assert_eq!(checks["caller"]["limited_to"]["checks"], json!(["acme", "globex"]));

    // One of a client's own people: that one client's status page.
    let reader = app
        .create_user(
            &key,
            json!({"name": "Lecteur", "email": "lecteur@acme.fr", "password": PASSWORD,
                   "roles": {"checks": {"role": "client", "clients": ["acme"]}}}),
        )
        .await;
    assert_eq!(reader["roles"]["checks"], json!({"role": "client", "clients": ["acme"]}), "{reader}");
    let pair = app.signed_in("lecteur@acme.fr", PASSWORD).await;
    let checks: Value =
        app.get_with_token("/checks/x", &pair).send().await.expect("request").json().await.expect("json");
    assert_eq!(checks["caller"]["roles"]["checks"], json!(["client"]));
    assert_eq!(checks["caller"]["limited_to"]["checks"], json!(["acme"]));
}

#[tokio::test]
async fn stats_count_users_per_role_and_report_the_database_size() {
    let app = spawn_app().await;
    let key = app.admin_key().await;
    for (n, roles) in [
        json!({"platform_admin": true}),
        json!({"erp": {"role": "technicien"}}),
        json!({"erp": {"role": "technicien"}, "checks": {"role": "gestionnaire", "clients": ["a"]}}),
        json!({"erp": {"role": "admin"}}),
    ]
    .into_iter()
    .enumerate()
    {
        app.create_user(
            &key,
            json!({"name": format!("U{n}"), "email": format!("u{n}@example.fr"), "password": PASSWORD,
                                      "roles": roles, "active": n != 3}),
        )
        .await;
    }
    let stats: Value = app.get_with_key("/api/stats", &key).await.json().await.expect("stats");
    assert_eq!(stats["total_users"], 4);
    assert_eq!(stats["active_users"], 3);
    assert_eq!(
        stats["users_per_role"],
        json!({"platform_admin": 1, "erp": {"technicien": 2, "admin": 1}, "checks": {"gestionnaire": 1}})
    );
    assert_eq!(stats["api_keys"], 1);
    assert_eq!(stats["database_engine"], "postgres");
    assert!(stats["database_size_bytes"].as_i64().expect("size") > 0);
    assert!(stats["database_size_mb"].is_number());
    assert!(chrono::DateTime::parse_from_rfc3339(stats["timestamp"].as_str().expect("timestamp")).is_ok());

    // The users server's monitor.sh reads total_users and database_size_mb
    // without a key; what an administrator alone may see stays out.
    let public: Value =
        app.client.get(app.url("/api/stats")).send().await.expect("request").json().await.expect("json");
    assert_eq!(public["total_users"], 4);
    assert!(public["database_size_mb"].is_number() && public["timestamp"].is_string(), "{public}");
    assert!(public.get("users_per_role").is_none() && public.get("api_keys").is_none(), "{public}");
}

#[tokio::test]
async fn stats_can_be_kept_for_administrators() {
    let app = spawn_app_with(Options { public_stats: false, ..Options::default() }).await;
    let anonymous = app.client.get(app.url("/api/stats")).send().await.expect("request");
    assert_eq!(anonymous.status(), 401);
    assert_eq!(problem(anonymous).await["code"], "missing_credentials");
    let erp_key = app.key("erp").await;
    assert_eq!(app.get_with_key("/api/stats", &erp_key).await.status(), 403);
    let key = app.admin_key().await;
    let stats: Value = app.get_with_key("/api/stats", &key).await.json().await.expect("stats");
    assert_eq!(stats["api_keys"], 2);
}

#[tokio::test]
async fn searches_ignore_case_beyond_ascii_on_sqlite_too() {
    let app = crate::helpers::spawn_app_with(crate::helpers::Options { sqlite: true, ..Default::default() }).await;
    let key = app.admin_key().await;
    app.create_user(&key, json!({"name": "Élodie Çavaillès", "email": "elodie@example.fr", "password": PASSWORD}))
        .await;
    app.create_user(&key, json!({"name": "Bob", "email": "bob@example.fr", "password": PASSWORD})).await;
    for query in ["%C3%A9lodie", "%C3%89LODIE", "%C3%A7availl", "ELODIE%40"] {
        let page: Value = app.get_with_key(&format!("/api/users?q={query}"), &key).await.json().await.expect("page");
        assert_eq!(page["total"], 1, "{query}");
        assert_eq!(page["items"][0]["name"], "Élodie Çavaillès");
    }
}
