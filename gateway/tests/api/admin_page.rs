//! The `/admin` page, driven end to end in headless Chromium through
//! chromedriver (Debian's `chromium` and `chromium-driver`, installed by
//! `scripts/test`). Screenshots of each step go to
//! `$TMPDIR/platform-admin-page/` for a person to look at.

use common::testing::browser::{Screenshots, body_text, browser, fill, navigate};
use fantoccini::{Client, Locator};
use serde_json::{Value, json};

use crate::helpers::{PASSWORD, TestApp, spawn_app};

async fn snap(client: &Client, name: &str) {
    Screenshots::new("admin-page").take(client, name).await;
}

async fn admin_with_temporary_password(app: &TestApp) -> String {
    let key = app.admin_key().await;
    let created: Value = app
        .create_user(
            &key,
            json!({"name": "Camille Admin", "email": "camille@example.fr", "roles": {"platform_admin": true}}),
        )
        .await;
    created["temporary_password"].as_str().expect("temporary password").to_owned()
}

#[tokio::test]
async fn an_administrator_signs_in_adds_a_user_and_finds_them_in_the_list() {
    let app = spawn_app().await;
    let temporary = admin_with_temporary_password(&app).await;
    let (_driver, client) = browser().await;

    client.goto(&app.url("/admin")).await.expect("open");
    assert_eq!(client.title().await.expect("title"), "Connexion · Administration de la plateforme");
    snap(&client, "1-sign-in").await;
    fill(&client, "#email", "camille@example.fr").await;
    fill(&client, "#password", "a wrong password").await;
    navigate(&client, Locator::Css("button[type=submit]")).await;
    assert!(body_text(&client).await.contains("Adresse e-mail ou mot de passe incorrect."));

    fill(&client, "#password", &temporary).await;
    navigate(&client, Locator::Css("button[type=submit]")).await;
    // A temporary password leads to choosing a new one first.
    assert!(body_text(&client).await.contains("Choisissez un nouveau mot de passe"));
    snap(&client, "2-new-password").await;
    fill(&client, "#current_password", &temporary).await;
    fill(&client, "#new_password", PASSWORD).await;
    navigate(&client, Locator::Css("main button[type=submit]")).await;

    assert!(body_text(&client).await.contains("1 utilisateur(s)"));
    navigate(&client, Locator::LinkText("Ajouter un utilisateur")).await;
    fill(&client, "#name", "Rémi Technicien").await;
    fill(&client, "#email", "Remi@Example.fr").await;
    client.find(Locator::Css("#erp_role")).await.expect("select").select_by_value("technicien").await.expect("select");
    client
        .find(Locator::Css("#checks_role"))
        .await
        .expect("select")
        .select_by_value("gestionnaire")
        .await
        .expect("select");
    fill(&client, "#checks_clients", "acme, globex").await;
    snap(&client, "3-new-user").await;
    navigate(&client, Locator::Css("main form.card button[type=submit]")).await;
    let created = body_text(&client).await;
    assert!(created.contains("Utilisateur créé."), "{created}");
    assert!(created.contains("Mot de passe provisoire"), "{created}");
    snap(&client, "4-user-created").await;

    navigate(&client, Locator::LinkText("Utilisateurs")).await;
    let list = body_text(&client).await;
    assert!(list.contains("Rémi Technicien") && list.contains("remi@example.fr"), "{list}");
    assert!(
        list.contains("ERP : technicien") && list.contains("Check du Matin : gestionnaire (acme, globex)"),
        "{list}"
    );
    fill(&client, "#q", "rémi").await;
    navigate(&client, Locator::Css("form.search button")).await;
    let found = body_text(&client).await;
    assert!(
        found.contains("1 utilisateur(s)") && found.contains("Rémi Technicien") && !found.contains("Camille Admin"),
        "{found}"
    );
    snap(&client, "5-search").await;

    // The same user, as the API sees them.
    let key = app.admin_key().await;
    let users: Value = app.get_with_key("/api/users?q=remi", &key).await.json().await.expect("users");
    assert_eq!(users["items"][0]["roles"]["checks"]["clients"], json!(["acme", "globex"]));

    // Deleting asks first.
    navigate(&client, Locator::LinkText("Modifier")).await;
    navigate(&client, Locator::Css("button.danger")).await;
    assert!(body_text(&client).await.contains("Supprimer Rémi Technicien"));
    snap(&client, "6-confirm-deletion").await;
    navigate(&client, Locator::Css("button.danger")).await;
    assert!(!body_text(&client).await.contains("Rémi Technicien"));

    navigate(&client, Locator::LinkText("Clés d'API")).await;
    fill(&client, "#key_name", "Intégration PHP").await;
    client.find(Locator::Css("input[name=scope][value=erp]")).await.expect("scope").click().await.expect("check");
    navigate(&client, Locator::Css("form.card button[type=submit]")).await;
    let token = client.find(Locator::Css("code.secret")).await.expect("token").text().await.expect("text");
    assert!(token.starts_with("pk_"));
    snap(&client, "7-key-created").await;
    navigate(&client, Locator::Css("button[aria-label='Révoquer Intégration PHP']")).await;
    assert!(body_text(&client).await.contains("révoquée"));
    assert_eq!(app.get_with_key("/erp/x", &token).await.status(), 401);

    navigate(&client, Locator::Css("header button")).await;
    assert_eq!(client.title().await.expect("title"), "Connexion · Administration de la plateforme");
    client.close().await.expect("close");
}

#[tokio::test]
async fn admin_forms_without_the_right_token_are_refused_and_pages_are_locked_down() {
    let app = spawn_app().await;
    let page = app.client.get(app.url("/admin")).send().await.expect("request");
    assert_eq!(page.status(), 200);
    let policy = page.headers()["content-security-policy"].to_str().expect("ascii").to_owned();
    assert!(policy.contains("default-src 'none'") && policy.contains("form-action 'self'"), "{policy}");
    let cookie = page.headers()["set-cookie"].to_str().expect("ascii").to_owned();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax") && cookie.ends_with("Path=/"), "{cookie}");

    // A cross-site post carries no matching token: refused before any password check.
    let forged = app
        .client
        .post(app.url("/admin/login"))
        .form(&[("email", "camille@example.fr"), ("password", PASSWORD), ("csrf", "guess")])
        .send()
        .await
        .expect("request");
    assert_eq!(forged.status(), 403);
    let forged_user = app
        .client
        .post(app.url("/admin/users"))
        .form(&[("name", "Mallory"), ("email", "mallory@example.fr")])
        .send()
        .await
        .expect("request");
    assert!(!forged_user.text().await.expect("text").contains("Utilisateur créé"));
    let key = app.admin_key().await;
    let users: Value = app.get_with_key("/api/users?q=mallory", &key).await.json().await.expect("users");
    assert_eq!(users["total"], 0);

    // Signed in, with a cookie token an attacker on a sibling subdomain could
    // have planted: the form token must come from the session, so it fails.
    app.create_user(
        &key,
        json!({"name": "Camille", "email": "camille@example.fr", "password": PASSWORD,
                                  "roles": {"platform_admin": true}}),
    )
    .await;
    let signed_in = app
        .client
        .post(app.url("/admin/login"))
        .header("cookie", "gw_csrf=planted")
        .form(&[("email", "camille@example.fr"), ("password", PASSWORD), ("csrf", "planted")])
        .send()
        .await
        .expect("request");
    assert_eq!(signed_in.status(), 303);
    let session_cookies: Vec<String> = signed_in
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|value| value.to_str().ok()?.split(';').next().map(str::to_owned))
        .collect();
    assert_eq!(session_cookies.len(), 2, "{session_cookies:?}");
    let forged = app
        .client
        .post(app.url("/admin/users"))
        .header("cookie", format!("{}; gw_csrf=planted", session_cookies.join("; ")))
        .form(&[("csrf", "planted"), ("name", "Mallory"), ("email", "mallory@example.fr")])
        .send()
        .await
        .expect("request");
    assert_eq!(forged.status(), 403);
    assert!(forged.text().await.expect("text").contains("Formulaire expiré"));
    let users: Value = app.get_with_key("/api/users?q=mallory", &key).await.json().await.expect("users");
    assert_eq!(users["total"], 0);
}

#[tokio::test]
async fn a_link_to_a_service_page_leads_through_sign_in_and_a_new_password_back_to_that_page() {
    let app = spawn_app().await;
    let temporary = admin_with_temporary_password(&app).await;
    let (_driver, client) = browser().await;
    // A link from a report mail, followed by someone whose password is provisional.
    let link = app.url("/echo/ui/checks/5?jour=2026-12-04");
    client.goto(&link).await.expect("open");
    assert!(body_text(&client).await.contains("Connexion"));
    fill(&client, "#email", "camille@example.fr").await;
    fill(&client, "#password", &temporary).await;
    navigate(&client, Locator::Css("button[type=submit]")).await;
    let choose = body_text(&client).await;
    assert!(choose.contains("Choisissez un nouveau mot de passe"), "no raw refusal: {choose}");
    fill(&client, "#current_password", &temporary).await;
    fill(&client, "#new_password", PASSWORD).await;
    navigate(&client, Locator::Css("main button[type=submit]")).await;
    assert_eq!(client.current_url().await.expect("url").as_str(), link, "back to the page of the link");
    let page = body_text(&client).await;
    assert!(page.contains("camille@example.fr"), "the page, as its user: {page}");
}
