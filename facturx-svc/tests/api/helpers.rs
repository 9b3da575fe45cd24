use std::collections::HashMap;
use std::path::{Path, PathBuf};

use common::testing::init_telemetry;
use facturx_svc::configuration::{CONFIG, Settings};
use secrecy::ExposeSecret as _;

pub const API_KEY: &str = "facturx-test-key";

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
}

/// The service on a free port, standalone as the original ran, behind its
/// `API_KEY`; `extra` adds or overrides variables.
pub async fn spawn_app_with(extra: &[(&str, &str)]) -> TestApp {
    init_telemetry();
    let mut variables: HashMap<String, String> = HashMap::from([
        ("FACTURX__SERVER__PORT".to_owned(), "0".to_owned()),
        ("FACTURX__SERVER__HOST".to_owned(), "127.0.0.1".to_owned()),
        ("FACTURX__STANDALONE__ENABLED".to_owned(), "true".to_owned()),
        ("PLATFORM_INTERNAL_KEY".to_owned(), common::identity::InternalKey::generate().1.expose_secret().to_owned()),
        ("API_KEY".to_owned(), API_KEY.to_owned()),
    ]);
    variables.extend(extra.iter().map(|(name, value)| ((*name).to_owned(), (*value).to_owned())));
    let settings: Settings = common::configuration::load_from(&CONFIG, variables).expect("settings");
    let application = facturx_svc::startup::build(&settings).await.expect("the service builds");
    let address = format!("http://127.0.0.1:{}", application.port());
    tokio::spawn(application.run_until_stopped());
    TestApp { address, client: reqwest::Client::new() }
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(&[]).await
}

impl TestApp {
    pub async fn post_form(&self, path: &str, form: reqwest::multipart::Form) -> reqwest::Response {
        self.client
            .post(format!("{}{path}", self.address))
            .header("X-API-Key", API_KEY)
            .multipart(form)
            .send()
            .await
            .expect("request")
    }
}

pub fn file_part(name: &str, bytes: Vec<u8>) -> reqwest::multipart::Part {
    reqwest::multipart::Part::bytes(bytes).file_name(name.to_owned())
}

/// `../shared/corpus/facturx`, beside the repository.
pub fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus/facturx")
}

pub fn corpus_file(relative: &str) -> Vec<u8> {
    std::fs::read(corpus().join(relative)).unwrap_or_else(|error| panic!("{relative}: {error}"))
}

/// Every file of the corpus, sorted.
pub fn corpus_files() -> Vec<PathBuf> {
    fn walk(dir: &Path, files: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).expect("corpus dir").flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, files);
            } else {
                files.push(path);
            }
        }
    }
    let mut files = Vec::new();
    walk(&corpus(), &mut files);
    files.sort();
    files
}
