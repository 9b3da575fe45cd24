//! The Check du Matin's pages as an operator reaches them: through the
//! gateway, signed in on its sign-in page, in headless Chromium. The
//! screenshots of each step go to `$TMPDIR/platform-checks-pages/` for a
//! person to look at.

use std::collections::HashMap;
use std::time::Duration;

use common::testing::SmtpServer;
use common::testing::browser::{Screenshots, body_text, browser, fill, navigate, wait_for_new_page};
use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::{Client, Locator};
use serde_json::{Value, json};

const EMAIL: &str = "operatrice@exploitation.test";
const PASSWORD: &str = "correct horse battery staple";

struct Running {
    gateway: String,
    key: String,
    http: reqwest::Client,
    data: tempfile::TempDir,
    _smtp: SmtpServer,
}

impl Running {
    async fn api(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let mut request = self.http.request(method, format!("{}{path}", self.gateway)).header("X-API-Key", &self.key);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("request");
        assert!(response.status().is_success(), "{path}: {}", response.status());
        response.json().await.unwrap_or(Value::Null)
    }
}

/// The platform on embedded defaults, with a Check du Matin administrator,
/// and a client whose checks of the past working days are open.
async fn start() -> (Running, i64, i64) {
    common::testing::init_telemetry();
    let data = tempfile::tempdir().expect("tempdir");
    let smtp = SmtpServer::start();
    let root = data.path().display().to_string();
    let mut vars: HashMap<String, String> = HashMap::from([
        ("GATEWAY__SERVER__PORT".into(), "0".into()),
        ("PLATFORM__OBJECT_STORE__LOCAL_DIR".into(), format!("{root}/objects")),
        ("CHECKS__SCHEDULE__TICK_SECS".into(), "0.5".into()),
        ("MAIL_HOST".into(), "127.0.0.1".into()),
        ("MAIL_PORT".into(), smtp.port.to_string()),
        ("MAIL_FROM_ADDRESS".into(), "check@exploitation.test".into()),
    ]);
    for service in ["gateway", "ocr", "erp", "checks"] {
        vars.insert(format!("{}__DATABASE__URL", service.to_uppercase()), format!("sqlite://{root}/{service}.db"));
    }
    let platform = platform::build(vars).await.expect("the platform builds");
    let (_, key) = platform.gateway.key_store().create("test", &gateway::domain::Scopes::All, None).await.expect("key");
    let gateway = format!("http://127.0.0.1:{}", platform.gateway.port());
    tokio::spawn(platform.run_until_stopped());
    let running = Running { gateway, key, http: reqwest::Client::new(), data, _smtp: smtp };

    let user =
        json!({"name": "Opératrice", "email": EMAIL, "password": PASSWORD, "roles": {"checks": {"role": "admin"}}});
    running.api(reqwest::Method::POST, "/api/users", Some(user)).await;
    let client = running
        .api(
            reqwest::Method::POST,
            "/checks/api/clients",
            Some(json!({"reference": "acme", "label": "Acme Industrie", "check_time": "00:00", "mailing": {"to": ["dsi@acme.test"]}})),
        )
        .await["id"]
        .as_i64()
        .expect("client id");
    let category = running
        .api(
            reqwest::Method::POST,
            &format!("/checks/api/clients/{client}/categories"),
            Some(json!({"label": "Sauvegardes"})),
        )
        .await["id"]
        .as_i64()
        .expect("category id");
    for label in ["Veeam", "NAS Synology"] {
        running
            .api(
                reqwest::Method::POST,
                &format!("/checks/api/categories/{category}/services"),
                Some(json!({"label": label})),
            )
            .await;
    }
    // The client existed ten days ago: the scheduler catches up its checks.
    let database = sqlx::SqlitePool::connect(&format!("sqlite://{root}/checks.db")).await.expect("sqlite");
    sqlx::query("UPDATE clients SET created_at = $1")
        .bind(chrono::Utc::now() - chrono::Duration::days(10))
        .execute(&database)
        .await
        .expect("backdate");
    let check = latest_check(&running, client).await;
    (running, client, check)
}

/// The most recent check of the client, once the scheduler opened it.
async fn latest_check(running: &Running, client: i64) -> i64 {
    for _ in 0..100 {
        let history = running.api(reqwest::Method::GET, &format!("/checks/api/clients/{client}/history"), None).await;
        if let Some(date) = history["days"].as_array().and_then(|days| days.last()).and_then(|day| day["date"].as_str())
        {
            let checks = running.api(reqwest::Method::GET, &format!("/checks/api/checks?date={date}"), None).await;
            return checks[0]["id"].as_i64().expect("check id");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the scheduler opened no check");
}

async fn press(client: &Client, key: char) {
    let actions =
        KeyActions::new("keyboard".to_owned()).then(KeyAction::Down { value: key }).then(KeyAction::Up { value: key });
    client.perform_actions(actions).await.expect("keys");
}

#[tokio::test]
async fn an_operator_signs_in_fills_the_check_with_the_keyboard_and_finishes_it() {
    let (running, client_id, check) = start().await;
    let shots = Screenshots::new("checks-pages");
    let (_driver, client) = browser().await;

    // An e-mail's link to the check: sign in first, then straight there.
    client.goto(&format!("{}/checks/ui/checks/{check}", running.gateway)).await.expect("open");
    assert_eq!(client.title().await.expect("title"), "Connexion · Administration de la plateforme");
    fill(&client, "#email", EMAIL).await;
    fill(&client, "#password", PASSWORD).await;
    navigate(&client, Locator::Css("button[type=submit]")).await;
    let page = body_text(&client).await;
    assert!(page.contains("Acme Industrie") && page.contains("Raccourcis"), "{page}");
    shots.take(&client, "1-check").await;

    // o: Veeam OK, then a: the next service, NAS, needs attention.
    press(&client, 'o').await;
    press(&client, 'a').await;
    let services =
        running.api(reqwest::Method::GET, &format!("/checks/api/checks/{check}"), None).await["services"].clone();
    let nas = services[1]["id"].as_i64().expect("id");
    fill(&client, &format!("#comment-{nas}"), "Volume à 91 %, purge planifiée").await;
    shots.take(&client, "2-keyboard").await;
    let before = client.find(Locator::Css("html")).await.expect("page");
    let typing = client.find(Locator::Css(&format!("#comment-{nas}"))).await.expect("comment");
    typing.send_keys(&format!("{}{}", '\u{E009}', '\u{E007}')).await.expect("ctrl+enter");
    wait_for_new_page(&client, before).await;
    let saved_page = text_appearing(&client, "Enregistré.").await;
    assert!(saved_page.contains("Enregistré."), "{saved_page}");
    let saved = running.api(reqwest::Method::GET, &format!("/checks/api/checks/{check}"), None).await;
    assert_eq!(saved["services"][0]["status"], "success", "{saved}");
    assert_eq!(saved["services"][1]["status"], "warning", "{saved}");
    assert_eq!(saved["services"][1]["comment"], "Volume à 91 %, purge planifiée");
    assert_eq!(saved["services"][0]["status_source"], "Opératrice", "who set it, by name");

    navigate(&client, Locator::Css("button[value=finish]")).await;
    let finished = body_text(&client).await;
    assert!(finished.contains("Check terminé") && finished.contains("Attention"), "{finished}");
    shots.take(&client, "3-finished").await;

    let date = saved["date"].as_str().expect("date");
    client.goto(&format!("{}/checks/ui/?date={date}", running.gateway)).await.expect("dashboard");
    let dashboard = body_text(&client).await;
    assert!(dashboard.contains("Acme Industrie") && dashboard.contains("1 OK · 1 attention · 0 KO"), "{dashboard}");
    shots.take(&client, "4-dashboard").await;

    // The logo, chosen in the configuration page.
    client.goto(&format!("{}/checks/ui/clients/{client_id}", running.gateway)).await.expect("client page");
    let logo = concat!(env!("CARGO_MANIFEST_DIR"), "/checks-svc/tests/logo.png");
    client.find(Locator::Css("#logo")).await.expect("file field").send_keys(logo).await.expect("choose file");
    navigate(&client, Locator::XPath("//button[text()='Envoyer le logo']")).await;
    assert!(body_text(&client).await.contains("Enregistré."));
    client.find(Locator::Css("img.logo")).await.expect("the logo is shown");
    shots.take(&client, "5-client").await;

    client.goto(&format!("{}/checks/ui/clients/{client_id}/history", running.gateway)).await.expect("history");
    assert!(body_text(&client).await.contains("Historique de Acme Industrie"));
    shots.take(&client, "6-history").await;
    client.close().await.expect("close");
    drop(running.data);
}

/// Signs in on the gateway's form without a browser; the session cookies.
async fn session_cookies(running: &Running) -> String {
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
    let form = http.get(format!("{}/admin/", running.gateway)).send().await.expect("sign-in form");
    let csrf_cookie =
        form.headers()["set-cookie"].to_str().expect("ascii").split(';').next().expect("cookie").to_owned();
    let csrf = csrf_cookie.trim_start_matches("gw_csrf=").to_owned();
    let signed_in = http
        .post(format!("{}/admin/login", running.gateway))
        .header("Cookie", &csrf_cookie)
        .form(&[("csrf", csrf.as_str()), ("email", EMAIL), ("password", PASSWORD)])
        .send()
        .await
        .expect("sign in");
    assert_eq!(signed_in.status(), 303);
    signed_in
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|value| value.to_str().ok()?.split(';').next().map(str::to_owned))
        .collect::<Vec<_>>()
        .join("; ")
}

#[tokio::test]
async fn pages_need_a_session_and_only_their_own_forms_change_anything() {
    let (running, _, check) = start().await;
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
    let anonymous = http.get(format!("{}/checks/ui/checks/{check}?x=1", running.gateway)).send().await.expect("page");
    assert_eq!(anonymous.status(), 303);
    assert_eq!(anonymous.headers()["location"], format!("/admin/?next=%2Fchecks%2Fui%2Fchecks%2F{check}%3Fx%3D1"));
    // The API is not reached with a browser session, only pages are.
    let cookies = session_cookies(&running).await;
    let api = http
        .get(format!("{}/checks/api/clients", running.gateway))
        .header("Cookie", &cookies)
        .send()
        .await
        .expect("api");
    assert_eq!(api.status(), 401);

    let post = |headers: &'static [(&'static str, &'static str)]| {
        let mut request = http
            .post(format!("{}/checks/ui/checks/{check}", running.gateway))
            .header("Cookie", &cookies)
            .form(&[("notes", "posted"), ("action", "save")]);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        request.send()
    };
    assert_eq!(post(&[("Sec-Fetch-Site", "cross-site")]).await.expect("post").status(), 403);
    assert_eq!(post(&[("Sec-Fetch-Site", "same-site")]).await.expect("post").status(), 403);
    assert_eq!(post(&[("Origin", "https://evil.example")]).await.expect("post").status(), 403);
    assert_eq!(post(&[]).await.expect("post").status(), 403);
    let unchanged = running.api(reqwest::Method::GET, &format!("/checks/api/checks/{check}"), None).await;
    assert_eq!(unchanged["notes"], Value::Null);
    assert_eq!(post(&[("Sec-Fetch-Site", "same-origin")]).await.expect("post").status(), 303);
    let saved = running.api(reqwest::Method::GET, &format!("/checks/api/checks/{check}"), None).await;
    assert_eq!(saved["notes"], "posted");
}

/// The page's text once it shows `expected`, or after 5 s: a page that has
/// loaded may still be the one before the redirect that carries it.
async fn text_appearing(client: &Client, expected: &str) -> String {
    let mut text = String::new();
    for _ in 0..100 {
        if let Ok(body) = client.find(Locator::Css("body")).await
            && let Ok(shown) = body.text().await
        {
            text = shown;
            if text.contains(expected) {
                break;
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    text
}

/// The page is no wider than the screen: nothing to scroll sideways.
async fn fits_the_screen(client: &fantoccini::Client, page: &str) {
    let widths = client
        .execute("return [document.documentElement.scrollWidth, window.innerWidth];", vec![])
        .await
        .expect("script");
    let (scrolled, screen) = (widths[0].as_f64().expect("width"), widths[1].as_f64().expect("width"));
    assert!(scrolled <= screen, "{page}: {scrolled} px wide on a {screen} px screen");
}

#[tokio::test]
async fn on_a_phone_the_check_and_the_dashboard_fit_the_screen_and_each_status_is_one_tap() {
    let (running, _, check) = start().await;
    let shots = Screenshots::new("checks-pages");
    let (_driver, client) = browser().await;
    client.set_window_size(390, 844).await.expect("a phone's width");
    client.goto(&format!("{}/checks/ui/checks/{check}", running.gateway)).await.expect("open");
    fill(&client, "#email", EMAIL).await;
    fill(&client, "#password", PASSWORD).await;
    navigate(&client, Locator::Css("button[type=submit]")).await;
    assert!(body_text(&client).await.contains("Acme Industrie"));
    fits_the_screen(&client, "the check").await;
    let taps = client
        .execute(
            "return [...document.querySelectorAll('.choices label')].map(label => {
                const box = label.getBoundingClientRect(); return [box.width, box.height]; });",
            vec![],
        )
        .await
        .expect("script");
    let taps = taps.as_array().expect("sizes");
    assert!(!taps.is_empty());
    for size in taps {
        let (width, height) = (size[0].as_f64().expect("width"), size[1].as_f64().expect("height"));
        assert!(width >= 44.0 && height >= 44.0, "a status button of {width}×{height} px is not one tap");
    }
    shots.take(&client, "phone-1-check").await;

    let saved = running.api(reqwest::Method::GET, &format!("/checks/api/checks/{check}"), None).await;
    let date = saved["date"].as_str().expect("date");
    client.goto(&format!("{}/checks/ui/?date={date}", running.gateway)).await.expect("dashboard");
    assert!(body_text(&client).await.contains("Acme Industrie"));
    fits_the_screen(&client, "the dashboard").await;
    shots.take(&client, "phone-2-dashboard").await;
    client.close().await.expect("close");
    drop(running.data);
}
