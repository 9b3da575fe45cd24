//! Every role against every action: admin does everything, responsable
//! runs the office, technicien works on their interventions only, client
//! reads its own company's records and requests interventions.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{Place, TestApp, Who, spawn_app};

const TECH_A: &str = "tech.a@erp.test";
const TECH_B: &str = "tech.b@erp.test";

struct Case<'a> {
    action: &'static str,
    method: Method,
    path: String,
    body: Option<Value>,
    /// Expected status per caller, in the order of `CALLERS`.
    expected: [u16; 7],
    _who: std::marker::PhantomData<&'a ()>,
}

const CALLERS: [Who<'static>; 7] = [
    Who::Admin,
    Who::ApiKey,
    Who::Responsable,
    Who::Technicien(TECH_A),
    Who::Technicien(TECH_B),
    Who::Client("ACME"),
    Who::Client("GLOBEX"),
];

fn case(action: &'static str, method: Method, path: String, body: Option<Value>, expected: [u16; 7]) -> Case<'static> {
    Case { action, method, path, body, expected, _who: std::marker::PhantomData }
}

async fn fixtures(app: &TestApp) -> (Place, Place, i64, i64) {
    let acme = app.place("ACME").await;
    let globex = app.place("GLOBEX").await;
    let on_acme = app.planned(acme, &[TECH_A], "2030-01-07T08:00:00Z").await;
    let on_globex = app.planned(globex, &[TECH_B], "2030-01-07T08:00:00Z").await;
    (acme, globex, on_acme, on_globex)
}

#[tokio::test]
async fn every_role_may_do_exactly_what_it_should() {
    let app = spawn_app().await;
    let (acme, globex, on_acme, on_globex) = fixtures(&app).await;
    let intervention = |site: i64| json!({"site_id": site, "title": "Fuite", "description": "Fuite sous l'évier"});
    //                                      admin key  resp techA techB acme globex
    let cases = vec![
        case("list clients", Method::GET, "/api/v1/clients".into(), None, [200, 200, 200, 403, 403, 200, 200]),
        case(
            "read a client",
            Method::GET,
            format!("/api/v1/clients/{}", acme.client),
            None,
            [200, 200, 200, 403, 403, 200, 404],
        ),
        case(
            "create a client",
            Method::POST,
            "/api/v1/clients".into(),
            Some(json!({"reference": "NEW", "name": "Nouveau"})),
            [201, 409, 409, 403, 403, 403, 403],
        ),
        case(
            "delete a client",
            Method::DELETE,
            format!("/api/v1/clients/{}", globex.client),
            None,
            [409, 409, 403, 403, 403, 403, 403],
        ),
        case(
            "create a site",
            Method::POST,
            "/api/v1/sites".into(),
            Some(json!({"client_id": acme.client, "name": "Entrepôt"})),
            [201, 201, 201, 403, 403, 403, 403],
        ),
        case(
            "read a site",
            Method::GET,
            format!("/api/v1/sites/{}", acme.site),
            None,
            [200, 200, 200, 403, 403, 200, 404],
        ),
        case("list equipment", Method::GET, "/api/v1/equipment".into(), None, [200, 200, 200, 403, 403, 200, 200]),
        case(
            "read equipment",
            Method::GET,
            format!("/api/v1/equipment/{}", acme.equipment),
            None,
            [200, 200, 200, 403, 403, 200, 404],
        ),
        case(
            "update equipment",
            Method::PUT,
            format!("/api/v1/equipment/{}", acme.equipment),
            Some(json!({"type": "chaudière", "brand": "Viessmann"})),
            [200, 200, 200, 403, 403, 403, 403],
        ),
        case(
            "request an intervention",
            Method::POST,
            "/api/v1/interventions".into(),
            Some(intervention(acme.site)),
            [201, 201, 201, 403, 403, 201, 404],
        ),
        case(
            "read another client's intervention",
            Method::GET,
            format!("/api/v1/interventions/{on_globex}"),
            None,
            [200, 200, 200, 404, 200, 404, 200],
        ),
        case(
            "read an intervention",
            Method::GET,
            format!("/api/v1/interventions/{on_acme}"),
            None,
            [200, 200, 200, 200, 404, 200, 404],
        ),
        case(
            "replan an intervention",
            Method::PUT,
            format!("/api/v1/interventions/{on_acme}"),
            Some(
                json!({"title": "Chaudière en panne", "planned_start": "2030-01-07T09:00:00Z", "planned_end": "2030-01-07T11:00:00Z", "technicians": [TECH_A]}),
            ),
            [200, 200, 200, 403, 404, 403, 404],
        ),
        case(
            "record a work line",
            Method::POST,
            format!("/api/v1/interventions/{on_acme}/lines"),
            Some(
                json!({"date": "2030-01-07", "technician": TECH_A, "duration_minutes": 30, "description": "Diagnostic"}),
            ),
            [201, 201, 201, 201, 404, 403, 404],
        ),
        case(
            "record a part",
            Method::POST,
            format!("/api/v1/interventions/{on_acme}/parts"),
            Some(json!({"reference": "JNT-12", "quantity": 2})),
            [201, 201, 201, 201, 404, 403, 404],
        ),
        case(
            "read its history",
            Method::GET,
            format!("/api/v1/interventions/{on_acme}/history"),
            None,
            [200, 200, 200, 200, 404, 403, 404],
        ),
        case(
            "read its report",
            Method::GET,
            format!("/api/v1/interventions/{on_acme}/report.pdf"),
            None,
            [200, 200, 200, 200, 404, 200, 404],
        ),
        case(
            "list its documents",
            Method::GET,
            format!("/api/v1/documents/{on_acme}"),
            None,
            [200, 200, 200, 200, 404, 200, 404],
        ),
        case("list all documents", Method::GET, "/api/v1/documents/".into(), None, [200, 200, 200, 200, 200, 200, 200]),
        case(
            "see the planning",
            Method::GET,
            "/api/v1/planning?week=2030-W02".into(),
            None,
            [200, 200, 200, 200, 200, 403, 403],
        ),
        case("list plans", Method::GET, "/api/v1/maintenance-plans".into(), None, [200, 200, 200, 403, 403, 403, 403]),
        case(
            "export the activity",
            Method::GET,
            "/api/v1/exports/activity.csv?from=2030-01-01&to=2030-01-31".into(),
            None,
            [200, 200, 200, 403, 403, 403, 403],
        ),
        case("read the audit trail", Method::GET, "/api/v1/audit".into(), None, [200, 200, 200, 403, 403, 403, 403]),
    ];
    let mut failures = Vec::new();
    for case in &cases {
        for (who, expected) in CALLERS.iter().zip(case.expected) {
            let response = app.call(case.method.clone(), &case.path, *who, case.body.clone()).await;
            let status = response.status().as_u16();
            if status != expected {
                let body = response.text().await.unwrap_or_default();
                failures.push(format!("{} as {who:?}: {status}, expected {expected} ({body})", case.action));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[tokio::test]
async fn lists_show_a_client_only_its_own_records_and_a_technician_only_their_interventions() {
    let app = spawn_app().await;
    let (acme, globex, on_acme, on_globex) = fixtures(&app).await;

    let clients = app.get_json("/api/v1/clients", Who::Client("ACME")).await;
    assert_eq!(clients.as_array().expect("array").len(), 1);
    assert_eq!(clients[0]["reference"], "ACME");
    let sites = app.get_json("/api/v1/sites", Who::Client("ACME")).await;
    assert!(sites.as_array().expect("array").iter().all(|site| site["client_id"] == acme.client));
    let sites = app.get_json(&format!("/api/v1/sites?client_id={}", globex.client), Who::Client("ACME")).await;
    assert_eq!(sites, json!([]), "another client's sites stay hidden even when asked for");
    let equipment = app.get_json("/api/v1/equipment", Who::Client("GLOBEX")).await;
    assert_eq!(equipment.as_array().expect("array").len(), 1);
    assert_eq!(equipment[0]["id"], globex.equipment);

    let ids = |list: Value| -> Vec<i64> {
        list.as_array().expect("array").iter().map(|i| i["id"].as_i64().expect("id")).collect()
    };
    assert_eq!(ids(app.get_json("/api/v1/interventions", Who::Client("ACME")).await), [on_acme]);
    assert_eq!(ids(app.get_json("/api/v1/interventions", Who::Client("GLOBEX")).await), [on_globex]);
    assert_eq!(ids(app.get_json("/api/v1/interventions", Who::Technicien(TECH_B)).await), [on_globex]);
    let mut all = ids(app.get_json("/api/v1/interventions", Who::Responsable).await);
    all.sort();
    assert_eq!(all, [on_acme, on_globex]);
    // Filtering by client does not widen what a client sees.
    assert_eq!(
        ids(app.get_json(&format!("/api/v1/interventions?client_id={}", globex.client), Who::Client("ACME")).await),
        Vec::<i64>::new()
    );

    let planning =
        app.get_json("/api/v1/planning?week=2030-W02&technician=tech.b@erp.test", Who::Technicien(TECH_A)).await;
    let technicians: Vec<&str> = planning["technicians"]
        .as_array()
        .expect("array")
        .iter()
        .map(|t| t["technician"].as_str().expect("name"))
        .collect();
    assert_eq!(technicians, [TECH_A], "a technician sees their own week, whoever they ask for");
}

#[tokio::test]
async fn users_without_an_erp_role_are_refused_with_a_problem() {
    let app = spawn_app().await;
    let response = app.call(Method::GET, "/api/v1/interventions", Who::Stranger, None).await;
    assert_eq!(response.status(), 403);
    assert_eq!(response.headers()["content-type"], "application/problem+json");
    let problem: Value = response.json().await.expect("json");
    assert_eq!(problem["code"], "forbidden");
    let anonymous = app.client.get(format!("{}/api/v1/interventions", app.address)).send().await.expect("request");
    assert_eq!(anonymous.status(), 401);
}
