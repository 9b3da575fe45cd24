//! The whole platform in one process: every service on a loopback port of
//! its own, the gateway in front, embedded defaults (SQLite files and a
//! local object store under `./data`, the in-process queue).
//!
//! The services are the same libraries their own binaries run; only the
//! wiring differs: ports are picked by the OS and one internal key, made
//! up at start, ties the gateway to the services.

pub mod backup;
pub mod commands;

use std::collections::HashMap;

use anyhow::Context;
use common::configuration::load_from;
use common::identity::InternalKey;
use common::service::Application as ServiceApplication;
use gateway::startup::Application as GatewayApplication;

/// Loads a service's settings, then binds it to loopback on a port the OS
/// picks (in this mode nothing but the gateway talks to services) with the
/// shared internal key.
macro_rules! embedded_service {
    ($service:ident, $vars:expr, $key:expr) => {
        embedded_service!($service, $vars, $key, |_settings| {})
    };
    ($service:ident, $vars:expr, $key:expr, $adjust:expr) => {{
        let mut settings: $service::configuration::Settings =
            load_from(&$service::configuration::CONFIG, $vars.clone())
                .context(concat!(stringify!($service), " configuration"))?;
        $adjust(&mut settings);
        settings.server.host = "127.0.0.1".to_owned();
        settings.server.port = 0;
        settings.internal_auth.key = Some($key.clone());
        $service::startup::build(&settings).await.context(stringify!($service))?
    }};
}

pub struct Platform {
    pub gateway: GatewayApplication,
    /// Each service by its gateway prefix, with the port it listens on.
    pub services: Vec<(&'static str, ServiceApplication)>,
}

/// Builds every part from the given environment variables.
pub async fn build(vars: HashMap<String, String>) -> anyhow::Result<Platform> {
    let mut gateway_settings: gateway::configuration::Settings =
        load_from(&gateway::configuration::CONFIG, vars.clone()).context("gateway configuration")?;
    let internal_key = match gateway_settings.internal_auth.key.clone() {
        Some(key) => key,
        None => InternalKey::generate().1,
    };
    gateway_settings.internal_auth.key = Some(internal_key.clone());

    let services = vec![
        ("facturx", embedded_service!(facturx_svc, vars, internal_key)),
        // One process: the OCR jobs are analysed here too, whatever the queue.
        (
            "ocr",
            embedded_service!(ocr_svc, vars, internal_key, |settings: &mut ocr_svc::configuration::Settings| {
                settings.jobs.run_worker.get_or_insert(true);
            }),
        ),
        ("erp", embedded_service!(erp_svc, vars, internal_key)),
        ("checks", embedded_service!(checks_svc, vars, internal_key)),
    ];
    for (name, service) in &services {
        let upstream = gateway_settings
            .upstreams
            .get_mut(*name)
            .with_context(|| format!("the gateway has no upstream named {name}"))?;
        upstream.url = format!("http://127.0.0.1:{}", service.port());
    }
    let gateway = GatewayApplication::build(gateway_settings).await.context("gateway")?;
    Ok(Platform { gateway, services })
}

impl Platform {
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let services = self.services.into_iter().map(|(_, service)| tokio::spawn(service.run_until_stopped()));
        let mut handles: Vec<_> = services.collect();
        handles.push(tokio::spawn(self.gateway.run_until_stopped()));
        let (first, _, _) = futures_util::future::select_all(handles).await;
        first.map_err(std::io::Error::other)?
    }
}
