use std::collections::HashMap;

use common::identity::{Caller, CallerKind, InternalKey};
use common::testing::{SmtpServer, fresh_postgres, init_telemetry};
use erp_svc::configuration::{CONFIG, Settings};
use erp_svc::startup::Components;
use reqwest::Method;
use secrecy::ExposeSecret;
use serde_json::{Value, json};

/// Who calls, as the gateway would forward them.
#[derive(Debug, Clone, Copy)]
pub enum Who<'a> {
    Admin,
    Responsable,
    /// A technician, by e-mail address.
    Technicien(&'a str),
    /// A user of a client company, by the client's reference.
    Client(&'a str),
    /// A user with no ERP role.
    Stranger,
    ApiKey,
}

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub smtp: SmtpServer,
    pub settings: Settings,
    key: InternalKey,
}

/// A site (with one piece of equipment) of a client.
#[derive(Debug, Clone, Copy)]
pub struct Place {
    pub client: i64,
    pub site: i64,
    pub equipment: i64,
}

pub async fn spawn_app() -> TestApp {
    let database = fresh_postgres("erp").await;
    spawn_app_with(database.url.expose_secret(), &[]).await
}

/// The service on a free port with `database_url`, its own SMTP server
/// and object store directory; the scheduler is driven by the tests.
pub async fn spawn_app_with(database_url: &str, extra: &[(&str, &str)]) -> TestApp {
    init_telemetry();
    let smtp = SmtpServer::start();
    let objects = tempfile::tempdir().expect("a directory").keep();
    let (key, secret) = InternalKey::generate();
    let mut variables = HashMap::from([
        ("ERP__SERVER__PORT".to_owned(), "0".to_owned()),
        ("ERP__SERVER__HOST".to_owned(), "127.0.0.1".to_owned()),
        ("ERP__DATABASE__URL".to_owned(), database_url.to_owned()),
        ("PLATFORM_INTERNAL_KEY".to_owned(), secret.expose_secret().to_owned()),
        ("SMTP_HOST".to_owned(), "127.0.0.1".to_owned()),
        ("SMTP_PORT".to_owned(), smtp.port.to_string()),
        ("EMAILS_FROM_EMAIL".to_owned(), "Maintenance <maintenance@erp.test>".to_owned()),
        ("ERP__SMTP__RETRY_DELAYS_SECS".to_owned(), "0.2,0.5".to_owned()),
        ("UPLOAD_DIRECTORY".to_owned(), objects.display().to_string()),
        ("ERP__WEB__PUBLIC_URL".to_owned(), "https://erp.example.fr".to_owned()),
        ("ERP__SCHEDULER__ALERT_RECIPIENTS".to_owned(), "planning@erp.test".to_owned()),
    ]);
    for (name, value) in extra {
        variables.insert((*name).to_owned(), (*value).to_owned());
    }
    let settings: Settings = common::configuration::load_from(&CONFIG, variables).expect("settings");
    let application = erp_svc::startup::build(&settings).await.expect("the service builds");
    let address = format!("http://127.0.0.1:{}", application.port());
    tokio::spawn(application.run_until_stopped());
    TestApp { address, client: reqwest::Client::new(), smtp, settings, key }
}

impl TestApp {
    pub async fn components(&self) -> Components {
        Components::connect(&self.settings).await.expect("components")
    }

    pub fn identity(&self, who: Who<'_>) -> String {
        let user = |role: &str, email: &str| Caller {
            subject: format!("user-{email}"),
            kind: CallerKind::User,
            roles: [("erp".to_owned(), vec![role.to_owned()])].into(),
            scopes: Vec::new(),
            limited_to: Default::default(),
            email: Some(email.to_owned()),
            name: None,
        };
        let caller = match who {
            Who::Admin => user("admin", "admin@erp.test"),
            Who::Responsable => user("responsable", "responsable@erp.test"),
            Who::Technicien(email) => user("technicien", email),
            Who::Client(company) => Caller {
                limited_to: [("erp".to_owned(), vec![company.to_owned()])].into(),
                ..user("client", &format!("contact@{}.test", company.to_lowercase()))
            },
            Who::Stranger => Caller {
                roles: [("checks".to_owned(), vec!["gestionnaire".to_owned()])].into(),
                ..user("client", "stranger@erp.test")
            },
            Who::ApiKey => Caller {
                subject: "key-1".into(),
                kind: CallerKind::ApiKey,
                roles: Default::default(),
                scopes: vec!["erp".into()],
                limited_to: Default::default(),
                email: None,
                name: None,
            },
        };
        self.key.sign(&caller, "erp").expect("sign")
    }

    pub fn request(&self, method: Method, path: &str, who: Who<'_>) -> reqwest::RequestBuilder {
        self.client.request(method, format!("{}{path}", self.address)).header("X-Platform-Identity", self.identity(who))
    }

    pub async fn call(&self, method: Method, path: &str, who: Who<'_>, body: Option<Value>) -> reqwest::Response {
        let mut request = self.request(method, path, who);
        if let Some(body) = body {
            request = request.json(&body);
        }
        request.send().await.expect("request")
    }

    pub async fn get_json(&self, path: &str, who: Who<'_>) -> Value {
        let response = self.call(Method::GET, path, who, None).await;
        assert_eq!(response.status(), 200, "GET {path}");
        response.json().await.expect("json")
    }

    /// POSTs, expecting 201 with an id.
    pub async fn create(&self, path: &str, who: Who<'_>, body: Value) -> i64 {
        let response = self.call(Method::POST, path, who, Some(body)).await;
        let status = response.status();
        let body: Value = response.json().await.expect("json");
        assert_eq!(status, 201, "POST {path}: {body}");
        body["id"].as_i64().expect("id")
    }

    /// A client `reference` with one site and one boiler on it.
    pub async fn place(&self, reference: &str) -> Place {
        let client = self
            .create(
                "/api/v1/clients",
                Who::Admin,
                json!({"reference": reference, "name": format!("{reference} SA"), "email": format!("facturation@{}.test", reference.to_lowercase())}),
            )
            .await;
        let site = self
            .create(
                "/api/v1/sites",
                Who::Responsable,
                json!({"client_id": client, "name": "Siège", "address": "12 rue de la Paix", "postal_code": "75002", "city": "Paris", "contact_name": "M. Martin"}),
            )
            .await;
        let equipment = self
            .create(
                "/api/v1/equipment",
                Who::Responsable,
                json!({"site_id": site, "type": "chaudière", "brand": "Viessmann", "model": "Vitodens 200", "serial_number": "VD-001", "installed_on": "2022-03-01", "warranty_end": "2027-03-01"}),
            )
            .await;
        Place { client, site, equipment }
    }

    /// An intervention on `place` planned on `technicians` from `start`
    /// for two hours; its id.
    pub async fn planned(&self, place: Place, technicians: &[&str], start: &str) -> i64 {
        let start: chrono::DateTime<chrono::Utc> = start.parse().expect("an instant");
        let id = self
            .create(
                "/api/v1/interventions",
                Who::Responsable,
                json!({
                    "site_id": place.site, "equipment_id": place.equipment, "type": "corrective", "priority": "high",
                    "title": "Chaudière en panne", "description": "Plus d'eau chaude depuis ce matin.",
                    "planned_start": start, "planned_end": start + chrono::Duration::hours(2),
                    "technicians": technicians,
                }),
            )
            .await;
        self.move_to(id, "planned", Who::Responsable, 200).await;
        id
    }

    /// Uploads `bytes` as the file `name` to the documents route with `query`.
    pub async fn upload(&self, query: &str, name: &str, bytes: Vec<u8>, who: Who<'_>) -> reqwest::Response {
        let form = reqwest::multipart::Form::new()
            .part("file", reqwest::multipart::Part::bytes(bytes).file_name(name.to_owned()));
        self.request(Method::POST, &format!("/api/v1/documents/upload?{query}"), who)
            .multipart(form)
            .send()
            .await
            .expect("request")
    }

    /// Asks for a status change, expecting `status`.
    pub async fn move_to(&self, id: i64, to: &str, who: Who<'_>, status: u16) -> Value {
        let response = self
            .call(Method::POST, &format!("/api/v1/interventions/{id}/transitions"), who, Some(json!({"status": to})))
            .await;
        assert_eq!(response.status(), status, "→ {to} as {who:?}");
        response.json().await.expect("json")
    }

    /// A PNG of `width`×`height` with a drawn line, base64-encoded.
    pub fn signature(&self) -> String {
        use base64::Engine;
        let mut image = image::RgbaImage::new(240, 80);
        for x in 10..230 {
            let y = 40 + ((x as f32 / 20.0).sin() * 20.0) as u32;
            image.put_pixel(x, y, image::Rgba([20, 40, 120, 255]));
            image.put_pixel(x, y + 1, image::Rgba([20, 40, 120, 255]));
        }
        let mut bytes = std::io::Cursor::new(Vec::new());
        image.write_to(&mut bytes, image::ImageFormat::Png).expect("png");
        base64::engine::general_purpose::STANDARD.encode(bytes.into_inner())
    }
}
