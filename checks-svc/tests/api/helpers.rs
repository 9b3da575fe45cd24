use std::collections::HashMap;

use checks_svc::configuration::{CONFIG, Settings};
use checks_svc::startup::Components;
use chrono::{DateTime, TimeZone, Utc};
use common::identity::{Caller, CallerKind, InternalKey};
use common::testing::{SmtpServer, fresh_postgres, init_telemetry};
use reqwest::Method;
use secrecy::ExposeSecret;
use serde_json::{Value, json};

/// Who calls, as the gateway would forward them.
#[derive(Debug, Clone, Copy)]
pub enum Who<'a> {
    Admin,
    Gestionnaire(&'a [&'a str]),
    /// A user without any Check du Matin role.
    Stranger,
    /// The platform's administrator (no Check du Matin role of their own),
    /// named Alice Martin.
    PlatformAdmin,
    /// One of a client's own people (`client` role) for this reference.
    ClientOf(&'a str),
    /// No credentials, as the gateway forwards a public path (heartbeats).
    Anonymous,
}

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub smtp: SmtpServer,
    pub settings: Settings,
    pub variables: HashMap<String, String>,
    key: InternalKey,
}

/// The service on a free port with a fresh PostgreSQL database and its own
/// SMTP server; the scheduler and the probes do not run by themselves: the
/// tests drive them at the instants they choose.
/// Probes may reach this machine (`probes.allowed_networks`: 127.0.0.1 and ::1), where
/// the tests' targets listen.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(&[]).await
}

/// As [`spawn_app`], with settings of the test's own.
pub async fn spawn_app_with(extra: &[(&str, &str)]) -> TestApp {
    let database = fresh_postgres("checks").await;
    spawn_app_on_with(database.url.expose_secret(), extra).await
}

pub async fn spawn_app_on(database_url: &str) -> TestApp {
    spawn_app_on_with(database_url, &[]).await
}

pub async fn spawn_app_on_with(database_url: &str, extra: &[(&str, &str)]) -> TestApp {
    init_telemetry();
    let smtp = SmtpServer::start();
    let (key, secret) = InternalKey::generate();
    let mut variables = HashMap::from([
        ("CHECKS__SERVER__PORT".to_owned(), "0".to_owned()),
        ("CHECKS__SERVER__HOST".to_owned(), "127.0.0.1".to_owned()),
        ("CHECKS__DATABASE__URL".to_owned(), database_url.to_owned()),
        ("PLATFORM_INTERNAL_KEY".to_owned(), secret.expose_secret().to_owned()),
        ("CHECKS__SCHEDULE__BACKGROUND".to_owned(), "false".to_owned()),
        ("MAIL_HOST".to_owned(), "127.0.0.1".to_owned()),
        ("MAIL_PORT".to_owned(), smtp.port.to_string()),
        ("MAIL_FROM_ADDRESS".to_owned(), "Check du Matin <check@exploitation.test>".to_owned()),
        ("CHECKS__SMTP__RETRY_DELAYS_SECS".to_owned(), "0.2,0.5".to_owned()),
        ("CHECKS__PROBES__RETRIES".to_owned(), "1".to_owned()),
        ("CHECKS__PROBES__RETRY_DELAY_SECS".to_owned(), "0.05".to_owned()),
        ("CHECKS__PROBES__TIMEOUT_SECS".to_owned(), "2".to_owned()),
        ("APP_URL".to_owned(), "https://checking.example.fr".to_owned()),
        ("CHECKS__PROBES__ALLOWED_NETWORKS".to_owned(), "127.0.0.1/32, ::1/128".to_owned()),
    ]);
    variables.extend(extra.iter().map(|(name, value)| ((*name).to_owned(), (*value).to_owned())));
    let settings: Settings = common::configuration::load_from(&CONFIG, variables.clone()).expect("settings");
    let application = checks_svc::startup::build(&settings).await.expect("the service builds");
    let address = format!("http://127.0.0.1:{}", application.port());
    tokio::spawn(application.run_until_stopped());
    TestApp { address, client: reqwest::Client::new(), smtp, settings, variables, key }
}

/// Noon in Paris on `date` (`YYYY-MM-DD`).
pub fn paris_noon(date: &str) -> DateTime<Utc> {
    let day = chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d").expect("a date");
    use chrono::Datelike;
    paris(day.year(), day.month(), day.day(), 12, 0)
}

/// An instant given as Paris local time (the service's time zone).
pub fn paris(year: i32, month: u32, day: u32, hour: u32, minute: u32) -> DateTime<Utc> {
    chrono_tz::Europe::Paris
        .with_ymd_and_hms(year, month, day, hour, minute, 0)
        .single()
        .expect("an unambiguous Paris time")
        .with_timezone(&Utc)
}

impl TestApp {
    /// The service's parts on the same database: the scheduler and prober
    /// the tests drive.
    pub async fn components(&self) -> Components {
        Components::connect(&self.settings).await.expect("components")
    }

    pub fn identity(&self, who: Who<'_>) -> String {
        let (roles, limited_to) = match who {
            Who::Admin => (HashMap::from([("checks", vec!["admin"])]), HashMap::new()),
            Who::Gestionnaire(clients) => {
                (HashMap::from([("checks", vec!["gestionnaire"])]), HashMap::from([("checks", clients.to_vec())]))
            }
            Who::Stranger => (HashMap::from([("erp", vec!["technicien"])]), HashMap::new()),
            Who::PlatformAdmin => (HashMap::from([("platform", vec!["admin"])]), HashMap::new()),
            Who::ClientOf(client) => {
                (HashMap::from([("checks", vec!["client"])]), HashMap::from([("checks", vec![client])]))
            }
            Who::Anonymous => (HashMap::new(), HashMap::new()),
        };
        let owned = |map: HashMap<&str, Vec<&str>>| {
            map.into_iter().map(|(k, v)| (k.to_owned(), v.into_iter().map(str::to_owned).collect())).collect()
        };
        let caller = Caller {
            subject: "user-1".into(),
            kind: if matches!(who, Who::Anonymous) { CallerKind::Anonymous } else { CallerKind::User },
            roles: owned(roles),
            scopes: Vec::new(),
            limited_to: owned(limited_to),
            email: match who {
                Who::Admin => Some("admin@exploitation.test".into()),
                Who::Anonymous => None,
                Who::PlatformAdmin => Some("alice@exploitation.test".into()),
                _ => Some("gestionnaire@exploitation.test".into()),
            },
            name: matches!(who, Who::PlatformAdmin).then(|| "Alice Martin".to_owned()),
        };
        self.key.sign(&caller, "checks").expect("sign")
    }

    pub async fn call(&self, method: Method, path: &str, who: Who<'_>, body: Option<Value>) -> reqwest::Response {
        let mut request = self
            .client
            .request(method, format!("{}{path}", self.address))
            .header("X-Platform-Identity", self.identity(who));
        if let Some(body) = body {
            request = request.json(&body);
        }
        request.send().await.expect("request")
    }

    /// A form as a browser posts it, redirects not followed.
    pub async fn post_form(&self, path: &str, who: Who<'_>, fields: &[(&str, &str)]) -> reqwest::Response {
        let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
        client
            .post(format!("{}{path}", self.address))
            .header("X-Platform-Identity", self.identity(who))
            .form(fields)
            .send()
            .await
            .expect("request")
    }

    /// A page's HTML, expecting `status`.
    pub async fn page(&self, path: &str, who: Who<'_>, status: u16) -> String {
        let response = self.call(Method::GET, path, who, None).await;
        assert_eq!(response.status(), status, "GET {path}");
        response.text().await.expect("html")
    }

    pub async fn get_json(&self, path: &str, who: Who<'_>) -> Value {
        let response = self.call(Method::GET, path, who, None).await;
        assert_eq!(response.status(), 200, "GET {path}");
        response.json().await.expect("json")
    }

    pub async fn put_bytes(&self, path: &str, bytes: Vec<u8>) -> reqwest::Response {
        self.client
            .put(format!("{}{path}", self.address))
            .header("X-Platform-Identity", self.identity(Who::Admin))
            .body(bytes)
            .send()
            .await
            .expect("request")
    }

    /// A client with one category of two services (no probe); its id.
    pub async fn create_client(&self, reference: &str, check_time: &str) -> i64 {
        let response = self
            .call(
                Method::POST,
                "/api/clients",
                Who::Admin,
                Some(json!({
                    "reference": reference,
                    "label": format!("Client {reference}"),
                    "check_time": check_time,
                    "mailing": {"to": [format!("dsi@{reference}.test")], "cc": ["astreinte@exploitation.test"]},
                })),
            )
            .await;
        assert_eq!(response.status(), 201);
        let client: Value = response.json().await.expect("json");
        let id = client["id"].as_i64().expect("id");
        let category = self.create(&format!("/api/clients/{id}/categories"), json!({"label": "Sauvegardes"})).await;
        self.create(&format!("/api/categories/{category}/services"), json!({"label": "Veeam", "position": 1})).await;
        self.create(&format!("/api/categories/{category}/services"), json!({"label": "NAS", "position": 2})).await;
        id
    }

    /// Moves every client's creation `days` back, so ticks dated in the
    /// past open their checks.
    pub async fn backdate_clients(&self, days: i64) {
        let database = common::database::Database::connect(&self.settings.database).await.expect("database");
        let past = Utc::now() - chrono::Duration::days(days);
        common::on_database!(&database, pool => sqlx::query("UPDATE clients SET created_at = $1")
            .bind(past)
            .execute(pool)
            .await
            .map(drop))
        .expect("backdate");
    }

    /// POSTs as an admin, expecting 201 with an id.
    pub async fn create(&self, path: &str, body: Value) -> i64 {
        let response = self.call(Method::POST, path, Who::Admin, Some(body)).await;
        assert_eq!(response.status(), 201, "POST {path}");
        response.json::<Value>().await.expect("json")["id"].as_i64().expect("id")
    }

    /// The checks of `date` (`YYYY-MM-DD`), as an admin sees them.
    pub async fn checks_of(&self, date: &str) -> Vec<Value> {
        let list = self.get_json(&format!("/api/checks?date={date}"), Who::Admin).await;
        list.as_array().expect("array").clone()
    }
}
