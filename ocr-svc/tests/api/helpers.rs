use std::collections::HashMap;

use common::identity::{Caller, CallerKind, InternalKey};
use common::testing::init_telemetry;
use ocr_svc::configuration::{CONFIG, Settings};
use ocr_svc::synthetic::BillSpec;
use ocr_svc::synthetic::render::render;
use reqwest::multipart::{Form, Part};
use secrecy::ExposeSecret;

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    key: InternalKey,
    data: tempfile::TempDir,
    settings: Settings,
    variables: HashMap<String, String>,
}

/// Tests that talk to the shared RabbitMQ hold it for reading; the test that
/// stops the broker holds it for writing.
pub static BROKER: tokio::sync::RwLock<()> = tokio::sync::RwLock::const_new(());

/// The service on a free port, with its own SQLite database and object store.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(&[]).await
}

pub async fn spawn_app_with(extra: &[(&str, &str)]) -> TestApp {
    init_telemetry();
    let data = tempfile::tempdir().expect("tempdir");
    let root = data.path().display().to_string();
    let (key, secret) = InternalKey::generate();
    let mut vars = HashMap::from([
        ("OCR__SERVER__PORT".to_owned(), "0".to_owned()),
        ("OCR__SERVER__HOST".to_owned(), "127.0.0.1".to_owned()),
        ("OCR__DATABASE__URL".to_owned(), format!("sqlite://{root}/ocr.db")),
        ("PLATFORM__OBJECT_STORE__LOCAL_DIR".to_owned(), format!("{root}/objects")),
        ("PLATFORM_INTERNAL_KEY".to_owned(), secret.expose_secret().to_owned()),
    ]);
    for (name, value) in extra {
        vars.insert((*name).to_owned(), (*value).to_owned());
    }
    let settings: Settings = common::configuration::load_from(&CONFIG, vars.clone()).expect("settings");
    let application = ocr_svc::startup::build(&settings).await.expect("the service builds");
    let address = format!("http://127.0.0.1:{}", application.port());
    tokio::spawn(application.run_until_stopped());
    TestApp { address, client: reqwest::Client::new(), key, data, settings, variables: vars }
}

impl TestApp {
    /// The directory holding the service's database and local object store.
    pub fn data_dir(&self) -> &std::path::Path {
        self.data.path()
    }

    /// The settings the service was built with.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// The environment the service was configured from, for processes
    /// (`ocr-worker`) that must share its database, queue and store.
    pub fn variables(&self) -> &HashMap<String, String> {
        &self.variables
    }

    /// The identity header the gateway would forward for `subject`.
    pub fn identity(&self, subject: &str) -> String {
        let caller = Caller {
            subject: subject.into(),
            kind: CallerKind::ApiKey,
            roles: Default::default(),
            scopes: vec!["ocr".into()],
            limited_to: Default::default(),
            email: None,
            name: None,
        };
        self.key.sign(&caller, "ocr").expect("sign")
    }

    /// Posts a multipart form as the gateway would forward it.
    pub async fn post_form(&self, path: &str, form: Form) -> reqwest::Response {
        self.client
            .post(format!("{}{path}", self.address))
            .header("X-Platform-Identity", self.identity("key-test"))
            .multipart(form)
            .send()
            .await
            .expect("request")
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.get_as(path, "key-test").await
    }

    pub async fn get_as(&self, path: &str, subject: &str) -> reqwest::Response {
        self.client
            .get(format!("{}{path}", self.address))
            .header("X-Platform-Identity", self.identity(subject))
            .send()
            .await
            .expect("request")
    }
}

pub fn file(name: &str, bytes: Vec<u8>, mime: &str) -> Part {
    Part::bytes(bytes).file_name(name.to_owned()).mime_str(mime).expect("mime")
}

pub fn bill_pdf(spec: &BillSpec) -> Vec<u8> {
    render(spec).expect("scripts/setup installs the bill typefaces")
}
