use std::collections::BTreeMap;
use std::net::TcpListener;
use std::time::Duration;

use actix_web::dev::Server;
use actix_web::middleware::{Condition, from_fn};
use actix_web::{App, HttpServer, web};
use common::database::{Database, Migrations};
use common::http::health::{Readiness, ServiceInfo};
use common::http::observability::{HttpMetrics, observe_requests};
use common::http::request_id::propagate_request_id;
use common::http::security::{cors, guard_host_and_scheme};
use common::http::{configure_extractors, not_found};
use common::identity::InternalKey;
use common::service::operational_routes;

use crate::auth::Authenticator;
use crate::auth::api_keys::ApiKeyStore;
use crate::configuration::{AuthSettings, Settings, UploadSettings, UpstreamSettings};
use crate::domain::{EmailAddress, NewPassword, PersonName, Roles, Scopes};
use crate::identity::Identity;
use crate::identity::users::{NewUser, StoreError};
use crate::middleware::security_headers;
use crate::rate_limit::RateLimiter;
use crate::routes::{admin, api_keys, auth, docs, health, proxy, stats, users};

/// What every gateway worker shares.
pub struct GatewayState {
    pub upstreams: BTreeMap<String, UpstreamSettings>,
    pub uploads: UploadSettings,
    pub authenticator: Authenticator,
    pub rate_limiter: RateLimiter,
    pub internal_key: InternalKey,
    pub client: reqwest::Client,
    pub identity: Identity,
    pub public_stats: bool,
}

pub fn migrations() -> Migrations {
    Migrations { postgres: sqlx::migrate!("./migrations/postgres"), sqlite: sqlx::migrate!("./migrations/sqlite") }
}

pub struct Application {
    port: u16,
    server: Server,
    key_store: ApiKeyStore,
}

impl Application {
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        let internal_key = InternalKey::from_settings(settings.internal_auth.key.as_ref())?;
        let database = Database::connect_and_migrate(&settings.database, &migrations()).await?;
        let key_store = ApiKeyStore::new(database.clone(), Duration::from_secs(settings.auth.key_cache_secs));
        let identity = Identity::build(&settings.auth, &database).await?;
        identity.spawn_purge();
        if settings.auth.bootstrap_admin_key {
            bootstrap_first_admin(&settings.auth, &identity, &key_store).await?;
        }
        let authenticator = Authenticator::new(
            key_store.clone(),
            &settings.auth.legacy_api_keys,
            identity.keys.verifier().clone(),
            identity.sessions.clone(),
            identity.users.clone(),
        );
        let rate_limiter = RateLimiter::new(&settings.rate_limit);
        rate_limiter.spawn_cleanup();
        let client = reqwest::Client::builder()
            .pool_max_idle_per_host(256)
            .tcp_nodelay(true)
            .connect_timeout(Duration::from_secs(5))
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        let state = web::Data::new(GatewayState {
            upstreams: settings.upstreams.clone(),
            uploads: settings.uploads,
            public_stats: settings.auth.public_stats,
            authenticator,
            rate_limiter,
            internal_key,
            client,
            identity,
        });
        let readiness = web::Data::new(Readiness::default().with_database(&database));
        let info = web::Data::new(ServiceInfo { service: "gateway", version: env!("CARGO_PKG_VERSION"), alive: "ok" });
        let metrics = web::Data::new(HttpMetrics::new("gateway"));
        let http_settings = web::Data::new(settings.http.clone());
        let allowed_origins = settings.http.allowed_origins.clone();
        let upstream_names: Vec<String> = settings.upstreams.keys().cloned().collect();

        let listener = TcpListener::bind(settings.server.address())?;
        let port = listener.local_addr()?.port();
        let server = HttpServer::new(move || {
            App::new()
                .wrap(Condition::new(!allowed_origins.is_empty(), cors(&allowed_origins)))
                .wrap(from_fn(guard_host_and_scheme))
                .wrap(from_fn(security_headers))
                .wrap(from_fn(observe_requests))
                .wrap(from_fn(propagate_request_id))
                .app_data(state.clone())
                .app_data(readiness.clone())
                .app_data(info.clone())
                .app_data(metrics.clone())
                .app_data(http_settings.clone())
                .configure(configure_extractors)
                .route("/health", web::get().to(health::health))
                .route("/api/health", web::get().to(health::health))
                .configure(operational_routes)
                .configure(auth::routes)
                .configure(users::routes)
                .configure(api_keys::routes)
                .route("/api/stats", web::get().to(stats::stats))
                .configure(admin::routes)
                .configure(|config| docs::routes(config, &upstream_names))
                .configure(|config| proxy::routes(config, &upstream_names))
                .default_service(web::to(not_found))
        })
        .listen(listener)?
        .run();
        Ok(Self { port, server, key_store })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The gateway's key store, to manage keys from the same process.
    pub fn key_store(&self) -> &ApiKeyStore {
        &self.key_store
    }

    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}

/// On a fresh installation nobody could sign in or call anything: create
/// an admin user (with a temporary password) and an admin API key, and
/// show them once. Printed, not logged, so they never reach a log pipeline.
async fn bootstrap_first_admin(settings: &AuthSettings, identity: &Identity, keys: &ApiKeyStore) -> anyhow::Result<()> {
    if identity.users.count(false).await? == 0 {
        let email = EmailAddress::parse(&settings.bootstrap_admin_email)
            .map_err(|problem| anyhow::anyhow!("auth.bootstrap_admin_email {problem}"))?;
        let password = NewPassword::generate();
        let created = identity
            .users
            .create(NewUser {
                name: PersonName::parse("Administrator").map_err(anyhow::Error::msg)?,
                email: email.clone(),
                password_hash: identity.hasher.hash(password.secret()).await?,
                roles: Roles { platform_admin: true, ..Roles::default() },
                active: true,
                must_change_password: true,
            })
            .await;
        match created {
            // Another replica starting at the same time made it.
            Err(StoreError::DuplicateEmail) => return Ok(()),
            other => other?,
        };
        println!(
            "{}",
            banner(&format!(
                "First start: created the administrator {email} with the temporary password\n\n    {}\n\nSign in at /admin; you will be asked to choose a new password.",
                secrecy::ExposeSecret::expose_secret(password.secret())
            ))
        );
    }
    if settings.legacy_api_keys.is_empty() && keys.count().await? == 0 {
        let (record, token) = keys.create("admin (created on first start)", &Scopes::All, None).await?;
        println!(
            "{}",
            banner(&format!(
                "First start: created an admin API key (id {}). It is shown only this once; keep it:\n\n    X-API-Key: {token}",
                record.id
            ))
        );
    }
    Ok(())
}

/// The first-start secrets between two rules, printed rather than logged
/// (logs are kept and shipped), so they stand out among log lines of
/// either form.
fn banner(text: &str) -> String {
    let rule = "═".repeat(72);
    format!("\n{rule}\n{text}\n{rule}\n")
}
