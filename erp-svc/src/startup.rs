use actix_web::web;
use chrono_tz::Tz;
use common::database::{Database, Migrations};
use common::http::health::{Readiness, ServiceInfo};
use common::mail::Mailer;
use common::object_storage::ObjectStorage;
use common::service::{Application, ServiceDefinition};
use tokio_util::sync::CancellationToken;
use utoipa::OpenApi;

use crate::configuration::Settings;
use crate::notifications::Notifier;
use crate::report::Reporter;
use crate::routes::{audit, clients, documents, equipment, exports, interventions, planning, plans, sites, work};
use crate::scheduler::Scheduler;
use crate::store::{Clash, Store};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Maintenance ERP API",
        description = "Clients, sites, equipment, interventions, documents, signatures, preventive plans, planning, \
                       audit. Every path is also served at the root (`/clients`, ...) as the original did. Lists are \
                       JSON arrays paginated by `page` and `per_page`, with `X-Total-Count` and `Link` headers."
    ),
    paths(
        clients::list_clients,
        clients::create_client,
        clients::get_client,
        clients::update_client,
        clients::delete_client,
        sites::list_sites,
        sites::create_site,
        sites::get_site,
        sites::update_site,
        sites::delete_site,
        equipment::list_equipment,
        equipment::create_equipment,
        equipment::get_equipment,
        equipment::update_equipment,
        equipment::delete_equipment,
        interventions::list_interventions,
        interventions::create_intervention,
        interventions::get_intervention,
        interventions::update_intervention,
        interventions::transition,
        work::add_line,
        work::remove_line,
        work::add_part,
        work::remove_part,
        work::sign,
        work::signature_image,
        work::report,
        documents::upload,
        documents::list_documents,
        documents::documents_of,
        documents::download,
        planning::planning,
        plans::list_plans,
        plans::create_plan,
        plans::get_plan,
        plans::update_plan,
        exports::activity,
        audit::audit_trail,
        audit::intervention_history,
    ),
    components(schemas(
        clients::ClientInput,
        clients::ClientView,
        sites::SiteInput,
        sites::SiteView,
        equipment::EquipmentInput,
        equipment::EquipmentView,
        interventions::InterventionInput,
        interventions::InterventionSummary,
        interventions::InterventionView,
        interventions::StatusChangeView,
        interventions::TransitionInput,
        work::LineInput,
        work::LineView,
        work::PartInput,
        work::PartView,
        work::DocumentView,
        work::SignatureInput,
        work::SignatureView,
        work::Created,
        planning::Planning,
        planning::TechnicianWeek,
        plans::PlanInput,
        plans::PlanView,
        audit::AuditEntry,
        Clash,
        crate::domain::Status,
    ))
)]
struct ApiDoc;

pub fn migrations() -> Migrations {
    Migrations { postgres: sqlx::migrate!("./migrations/postgres"), sqlite: sqlx::migrate!("./migrations/sqlite") }
}

/// What the routes share.
pub struct AppState {
    pub store: Store,
    pub storage: ObjectStorage,
    pub notifier: Notifier,
    pub reporter: Reporter,
    pub zone: Tz,
    pub max_upload_bytes: u64,
    path_prefix: String,
}

impl AppState {
    /// A path of this service as the caller reaches it (behind the gateway:
    /// `/erp/...`).
    pub fn link(&self, path: &str) -> String {
        format!("{}{path}", self.path_prefix)
    }
}

/// The service's parts, for the API, the scheduler and the tests.
pub struct Components {
    pub store: Store,
    pub storage: ObjectStorage,
    pub notifier: Notifier,
    pub reporter: Reporter,
    pub scheduler: Scheduler,
}

impl Components {
    pub async fn connect(settings: &Settings) -> anyhow::Result<Self> {
        let database = Database::connect_and_migrate(&settings.database, &migrations()).await?;
        let store = Store::new(database);
        let storage = ObjectStorage::from_settings(&settings.object_store, &settings.environment)?;
        let zone: Tz = settings
            .scheduler
            .timezone
            .parse()
            .map_err(|_| anyhow::anyhow!("unknown time zone {}", settings.scheduler.timezone))?;
        let reporter = Reporter::new(store.clone(), storage.clone(), zone);
        let web_root = format!(
            "{}{}",
            settings.web.public_url.trim_end_matches('/'),
            settings.web.path_prefix.trim_end_matches('/')
        );
        let notifier = Notifier::new(
            Mailer::from_settings(&settings.smtp)?,
            store.clone(),
            reporter.clone(),
            zone,
            web_root,
            settings.scheduler.alert_recipients.clone(),
        );
        let scheduler = Scheduler::new(store.clone(), notifier.clone(), &settings.scheduler)?;
        Ok(Self { store, storage, notifier, reporter, scheduler })
    }
}

/// The API, and with `scheduler.enabled` the scheduler in the same process.
pub async fn build(settings: &Settings) -> anyhow::Result<Application> {
    let components = Components::connect(settings).await?;
    if settings.scheduler.enabled {
        tokio::spawn(components.scheduler.clone().run(CancellationToken::new()));
    }
    let readiness =
        Readiness::default().with_database(components.store.database()).with_object_storage(&components.storage);
    let state = web::Data::new(AppState {
        zone: components.scheduler.zone(),
        store: components.store,
        storage: components.storage,
        notifier: components.notifier,
        reporter: components.reporter,
        max_upload_bytes: settings.documents.max_upload_bytes,
        path_prefix: settings.web.path_prefix.trim_end_matches('/').to_owned(),
    });
    let max_upload = usize::try_from(settings.documents.max_upload_bytes).unwrap_or(usize::MAX);
    let definition = ServiceDefinition::new(
        ServiceInfo { service: "erp", version: env!("CARGO_PKG_VERSION"), alive: "ok" },
        ApiDoc::openapi(),
        readiness,
        settings.access(),
        move |config| {
            // JSON bodies carry signatures (base64 images) at most.
            config
                .app_data(state.clone())
                .app_data(common::http::json_bodies(1024 * 1024))
                .app_data(web::PayloadConfig::new(max_upload))
                .configure(crate::routes::configure);
        },
    )?;
    Ok(Application::build(&settings.server, definition)?)
}
