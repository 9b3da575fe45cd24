use std::sync::Arc;

use actix_web::web;
use common::database::{Database, Migrations};
use common::http::health::{Readiness, ServiceInfo};
use common::mail::Mailer;
use common::service::{Application, ServiceDefinition};
use tokio_util::sync::CancellationToken;
use utoipa::OpenApi;

use crate::configuration::Settings;
use crate::notifications::Notifier;
use crate::prober::{ProbeMetrics, Prober};
use crate::routes::{self, checks, clients, exports, holidays, services, transfer};
use crate::scheduler::Scheduler;
use crate::store::Store;

#[derive(OpenApi)]
#[openapi(
    info(title = "Check du Matin API", description = "Daily client checklists, probes and morning reports."),
    paths(
        clients::list_clients,
        clients::create_client,
        clients::get_client,
        clients::update_client,
        clients::delete_client,
        clients::put_logo,
        clients::get_logo,
        clients::open_status_page,
        clients::close_status_page,
        services::create_category,
        services::update_category,
        services::delete_category,
        services::create_service,
        services::update_service,
        services::delete_service,
        services::add_maintenance,
        services::probe_now,
        services::heartbeat,
        checks::list_checks,
        checks::get_check,
        checks::put_service_check,
        checks::put_notes,
        checks::finish_check,
        checks::send_report_again,
        checks::history,
        exports::export,
        exports::month_export,
        holidays::list_holidays,
        holidays::add_holiday,
        holidays::remove_holiday,
        transfer::export,
        transfer::import,
    ),
    components(schemas(
        crate::inputs::ClientInput,
        clients::ClientView,
        crate::inputs::MailingLists,
        clients::CategoryView,
        clients::ServiceView,
        clients::StatusLink,
        crate::inputs::CategoryInput,
        crate::inputs::ServiceInput,
        services::MaintenanceInput,
        services::Created,
        services::ProbeResult,
        checks::CheckSummary,
        checks::StatusCounts,
        checks::CheckView,
        checks::ServiceCheckView,
        checks::ServiceCheckInput,
        checks::NotesInput,
        checks::History,
        checks::DayView,
        checks::ServiceHistory,
        checks::ProbeDayView,
        holidays::Holiday,
        holidays::HolidayInput,
        transfer::ImportForm,
        crate::transfer::ConfigurationDocument,
        crate::transfer::ClientEntry,
        crate::transfer::CategoryEntry,
        crate::transfer::ImportReport,
        crate::transfer::tables::Table,
        crate::store::ImportCounts,
        crate::store::Changes,
        crate::domain::ProbeSpecDocument,
        crate::domain::ServiceStatus,
        crate::domain::CheckStatus,
    ))
)]
struct ApiDoc;

pub fn migrations() -> Migrations {
    Migrations { postgres: sqlx::migrate!("./migrations/postgres"), sqlite: sqlx::migrate!("./migrations/sqlite") }
}

/// What the routes share.
pub struct AppState {
    pub store: Store,
    pub notifier: Notifier,
    pub scheduler: Scheduler,
    pub prober: Arc<Prober>,
    path_prefix: String,
}

impl AppState {
    /// A path of this service as the caller reaches it (behind the gateway:
    /// `/checks/...`).
    pub fn link(&self, path: &str) -> String {
        format!("{}{path}", self.path_prefix)
    }

    pub fn heartbeat_url(&self, token: &str) -> String {
        self.link(&format!("/api/heartbeat/{token}"))
    }

    pub fn status_url(&self, token: &str) -> String {
        self.link(&format!("/public/status/{token}"))
    }
}

/// The service's parts, for the API, the background tasks and the
/// `delete-old` command.
pub struct Components {
    pub store: Store,
    pub scheduler: Scheduler,
    pub prober: Arc<Prober>,
    pub notifier: Notifier,
    pub metrics: prometheus::Registry,
}

impl Components {
    pub async fn connect(settings: &Settings) -> anyhow::Result<Self> {
        let database = Database::connect_and_migrate(&settings.database, &migrations()).await?;
        let store = Store::new(database);
        let mailer = Mailer::from_settings(&settings.smtp)?;
        let notifier = Notifier::new(mailer, store.clone(), &settings.web.public_url, &settings.web.path_prefix);
        let scheduler = Scheduler::new(store.clone(), notifier.clone(), &settings.schedule, &settings.probes)?;
        let metrics = prometheus::Registry::new();
        let probe_metrics = ProbeMetrics::register(&metrics)?;
        let prober = Arc::new(Prober::new(store.clone(), &settings.probes, scheduler.zone(), probe_metrics)?);
        Ok(Self { store, scheduler, prober, notifier, metrics })
    }
}

/// The API, and unless `schedule.background` is off, the scheduler and the
/// probes in the same process.
pub async fn build(settings: &Settings) -> anyhow::Result<Application> {
    let components = Components::connect(settings).await?;
    if settings.schedule.background {
        let stop = CancellationToken::new();
        tokio::spawn(components.scheduler.clone().run(stop.clone()));
        tokio::spawn(Arc::clone(&components.prober).run(stop));
    }
    let state = web::Data::new(AppState {
        store: components.store.clone(),
        notifier: components.notifier,
        scheduler: components.scheduler,
        prober: components.prober,
        path_prefix: settings.web.path_prefix.trim_end_matches('/').to_owned(),
    });
    let definition = ServiceDefinition::new(
        ServiceInfo { service: "checks", version: env!("CARGO_PKG_VERSION"), alive: "ok" },
        ApiDoc::openapi(),
        Readiness::default().with_database(components.store.database()),
        settings.access(),
        move |config| {
            config.app_data(state.clone()).configure(routes::configure);
        },
    )?
    .with_metrics(components.metrics);
    Ok(Application::build(&settings.server, definition)?)
}
