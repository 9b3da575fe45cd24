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

    /// `/v1/validate` on the corpus's EN 16931 PDF.
    pub async fn validate_corpus_pdf(&self) -> reqwest::Response {
        self.post_form(
            "/v1/validate",
            reqwest::multipart::Form::new().part("file", file_part("f.pdf", corpus_file(EN16931_PDF))),
        )
        .await
    }
}

pub fn file_part(name: &str, bytes: Vec<u8>) -> reqwest::multipart::Part {
    reqwest::multipart::Part::bytes(bytes).file_name(name.to_owned())
}

/// `../shared/corpus/facturx`, beside the repository.
/// A Factur-X EN 16931 PDF of the corpus.
pub const EN16931_PDF: &str = "pdf/EN16931/Facture_F20260024-LE_FOURNISSEUR-POUR-LE_CLIENT_EN_16931.pdf";

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

/// The faces the service typesets with by default (scripts/setup installs them).
pub fn test_fonts() -> facturx_svc::pdf::Typeface {
    facturx_svc::pdf::Typeface::load(
        Path::new("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
        Path::new("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"),
    )
    .expect("scripts/setup installs DejaVu")
}

/// A French B2B invoice as a client sends it: two VAT rates, a document
/// allowance, a credit transfer; totals and VAT breakdown left to compute.
pub fn sample_invoice() -> serde_json::Value {
    serde_json::json!({
        "number": "FA-2026-00042",
        "issue_date": "2026-11-20",
        "due_date": "2026-12-20",
        "buyer_reference": "SERVICE-ACHATS",
        "purchase_order_reference": "BC-7781",
        "payment_terms": "Paiement à 30 jours. Pénalités de retard : 3 fois le taux d'intérêt légal ; indemnité forfaitaire de recouvrement : 40 €.",
        "notes": [{"subject_code": "REG", "text": "SAS au capital de 50 000 € — RCS Lyon 123 456 782"}],
        "invoicing_period": {"start": "2026-11-01", "end": "2026-11-30"},
        "seller": {
            "name": "Maintenance Rhône SAS",
            "legal_registration": {"id": "123456782", "scheme": "0002"},
            "vat_id": "FR32123456782",
            "legal_information": "SAS au capital de 50 000 €",
            "electronic_address": {"id": "123456782", "scheme": "0225"},
            "address": {"line1": "12 rue de la République", "postcode": "69002", "city": "Lyon", "country_code": "FR"},
            "contact": {"name": "Service facturation", "phone": "+33 4 72 00 00 00", "email": "facturation@maintenance-rhone.fr"}
        },
        "buyer": {
            "name": "Boulangerie Dupont SARL",
            "legal_registration": {"id": "987654321", "scheme": "0002"},
            "vat_id": "FR61987654321",
            "electronic_address": {"id": "987654321", "scheme": "0225"},
            "address": {"line1": "3 place Bellecour", "postcode": "69002", "city": "Lyon", "country_code": "FR"}
        },
        "payment": {
            "means_code": "58",
            "remittance_information": "FA-2026-00042",
            "credit_transfers": [{"account_id": "FR7630006000011234567890189", "bic": "AGRIFRPP"}]
        },
        "allowances": [{"amount": "25.00", "reason": "Remise fidélité", "reason_code": "95", "vat_category": "S", "vat_rate": "20"}],
        "lines": [
            {"name": "Contrat de maintenance four — novembre", "description": "Visite préventive mensuelle, contrôle des brûleurs et des sondes", "quantity": 1, "unit": "C62", "net_price": "180.00", "vat_category": "S", "vat_rate": 20},
            {"name": "Main-d'œuvre dépannage", "quantity": "2.5", "unit": "HUR", "net_price": 62, "vat_category": "S", "vat_rate": "20"},
            {"name": "Joint de porte réf. JP-220", "quantity": 2, "net_price": "14.90", "vat_category": "S", "vat_rate": "20"},
            {"name": "Livre technique « Fours à sole »", "quantity": 1, "net_price": "32.00", "vat_category": "S", "vat_rate": "5.5"}
        ]
    })
}
