use std::time::{Duration, Instant};

use reqwest::Method;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

use crate::helpers::{TestApp, Who, spawn_app};

/// `count` clients as an export writes them (sorted, canonical), each with
/// two categories of three services and every kind of probe.
fn configuration(count: usize) -> Value {
    let clients: Vec<Value> = (0..count)
        .map(|n| {
            json!({
                "reference": format!("client-{n:02}"),
                "label": format!("Client {n:02} — Łódź"),
                "check_time": format!("{:02}:{:02}", 7 + n % 3, (n * 5) % 60),
                "reminder_time": if n % 2 == 0 { json!("10:00") } else { Value::Null },
                "sender": if n % 5 == 0 { json!(format!("dsi@client-{n:02}.test")) } else { Value::Null },
                "report_template": "standard",
                "active": n % 7 != 3,
                "mailing": {
                    "to": [format!("a@client-{n:02}.test"), format!("b@client-{n:02}.test")],
                    "cc": ["astreinte@exploitation.test"],
                    "reminder": [],
                },
                "categories": [
                    {"label": "Sauvegardes", "position": 1, "services": [
                        {"label": "Veeam", "position": 1, "probe": {"kind": "heartbeat", "period_secs": 86400, "grace_secs": 3600}},
                        {"label": "NAS", "position": 2, "probe": {"kind": "tcp", "host": "127.0.0.1", "port": 5445}},
                        {"label": "Bandes", "position": 3, "probe": null},
                    ]},
                    {"label": "Réseau ≥ 1 Gb/s", "position": 2, "services": [
                        {"label": "Site web", "position": 1, "probe": {"kind": "http", "url": "http://127.0.0.1:9/health", "keyword": "ok"}},
                        {"label": "Certificat", "position": 2, "probe": {"kind": "tls", "host": "127.0.0.1", "port": 8443, "warn_days": 21, "verify_chain": false}},
                        {"label": "DNS", "position": 3, "probe": {"kind": "dns", "name": "intranet.example.fr", "expected_address": "192.0.2.10"}},
                    ]},
                ],
            })
        })
        .collect();
    json!({"format": "check-du-matin/1", "clients": clients})
}

impl TestApp {
    async fn import_json(&self, path: &str, document: &Value) -> (u16, Value) {
        let response = self.call(Method::POST, path, Who::Admin, Some(document.clone())).await;
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    async fn import_form(&self, path: &str, files: &[(&str, &str)]) -> (u16, Value) {
        let mut form = Form::new();
        for (table, text) in files {
            form =
                form.part(table.to_string(), Part::bytes(text.as_bytes().to_vec()).file_name(format!("{table}.csv")));
        }
        let response = self
            .client
            .post(format!("{}{path}", self.address))
            .header("X-Platform-Identity", self.identity(Who::Admin))
            .multipart(form)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    async fn post_raw(&self, path: &str, content_type: &str, body: Vec<u8>) -> (u16, String) {
        let response = self
            .client
            .post(format!("{}{path}", self.address))
            .header("X-Platform-Identity", self.identity(Who::Admin))
            .header("Content-Type", content_type)
            .body(body)
            .send()
            .await
            .unwrap();
        (response.status().as_u16(), response.text().await.unwrap())
    }

    async fn export_table(&self, table: &str) -> String {
        let response = self.call(Method::GET, &format!("/api/export?format=csv&table={table}"), Who::Admin, None).await;
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()["content-type"], "text/csv; charset=utf-8");
        response.text().await.unwrap()
    }
}

fn counts(report: &Value, table: &str) -> [u64; 3] {
    ["created", "updated", "unchanged"].map(|key| report[table][key].as_u64().unwrap_or(u64::MAX))
}

fn fields(problem: &Value) -> Vec<String> {
    problem["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn fifty_clients_imported_come_back_as_they_went_in_and_a_second_import_changes_nothing() {
    let app = spawn_app().await;
    let document = configuration(50);

    let (status, dry) = app.import_json("/api/import?dry_run=true", &document).await;
    assert_eq!(status, 200, "{dry}");
    assert_eq!((dry["dry_run"].as_bool(), counts(&dry, "services")), (Some(true), [300, 0, 0]));
    assert_eq!(app.get_json("/api/clients", Who::Admin).await, json!([]), "a dry run writes nothing");

    let (status, report) = app.import_json("/api/import", &document).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(counts(&report, "clients"), [50, 0, 0]);
    assert_eq!(counts(&report, "categories"), [100, 0, 0]);
    assert_eq!(counts(&report, "services"), [300, 0, 0]);
    assert_eq!(app.get_json("/api/export", Who::Admin).await, document, "the export is the document imported");

    let heartbeat_urls = |clients: &Value| -> Vec<String> {
        let services =
            clients.as_array().unwrap().iter().flat_map(|c| c["categories"][0]["services"].as_array().unwrap().clone());
        services.filter_map(|s| s["heartbeat_url"].as_str().map(str::to_owned)).collect()
    };
    let before = heartbeat_urls(&app.get_json("/api/clients", Who::Admin).await);
    assert_eq!(before.len(), 50);

    let (_, again) = app.import_json("/api/import", &document).await;
    assert_eq!(counts(&again, "clients"), [0, 0, 50]);
    assert_eq!(counts(&again, "categories"), [0, 0, 100]);
    assert_eq!(counts(&again, "services"), [0, 0, 300]);
    assert_eq!(
        heartbeat_urls(&app.get_json("/api/clients", Who::Admin).await),
        before,
        "jobs keep their heartbeat URL"
    );

    // One client changed, one service added: only they are written.
    let mut changed = document.clone();
    changed["clients"][4]["check_time"] = json!("06:45");
    changed["clients"][9]["categories"][1]["services"]
        .as_array_mut()
        .unwrap()
        .push(json!({"label": "VPN", "position": 4, "probe": null}));
    let (_, report) = app.import_json("/api/import", &changed).await;
    assert_eq!(counts(&report, "clients"), [0, 1, 49]);
    assert_eq!(counts(&report, "services"), [1, 0, 300]);
    assert_eq!(app.get_json("/api/export", Who::Admin).await, changed);
}

#[tokio::test]
async fn an_import_with_problems_writes_nothing_and_names_where_each_one_is() {
    let app = spawn_app().await;
    let mut document = configuration(5);
    document["clients"][1]["check_time"] = json!("25:00");
    document["clients"][2]["reference"] = json!("client-00");
    document["clients"][3]["mailing"]["to"][1] = json!("pas une adresse");
    document["clients"][4]["categories"][0]["services"][1]["probe"] = json!({"kind": "tcp", "host": "db", "port": 0});
    document["clients"][4]["categories"][1]["services"][2]["label"] = json!("Site web");
    document["clients"][0]["categories"][0]["services"][1]["probe"] =
        json!({"kind": "tcp", "host": "10.1.2.3", "port": 22});

    let (status, problem) = app.import_json("/api/import", &document).await;
    assert_eq!(status, 422, "{problem}");
    assert_eq!(
        fields(&problem),
        [
            "clients[1].check_time",
            "clients[2].reference",
            "clients[3].mailing.to[1]",
            "clients[4].categories[0].services[1].probe",
            "clients[4].categories[1].services[2].label",
            "clients[0].categories[0].services[1].probe",
        ],
        "{problem}"
    );
    assert_eq!(app.get_json("/api/clients", Who::Admin).await, json!([]), "nothing is written");

    let (status, problem) = app
        .post_raw("/api/import", "application/json", b"{\"format\": \"check-du-matin/1\",\n  \"clients\": [}".to_vec())
        .await;
    assert_eq!(status, 422);
    assert!(problem.contains("ligne 2, colonne 15"), "{problem}");
    let (status, problem) = app.import_json("/api/import", &json!({"format": "autre/2", "clients": []})).await;
    assert_eq!((status, fields(&problem)), (422, vec!["format".to_owned()]));
    let (status, _) = app.post_raw("/api/import", "application/xml", b"<clients/>".to_vec()).await;
    assert_eq!(status, 415);
}

#[tokio::test]
async fn csv_tables_from_a_french_spreadsheet_import_and_each_problem_names_its_file_and_line() {
    let app = spawn_app().await;
    let clients =
        "\u{feff}reference;label;check_time;active\r\nacme;ACME Industrie;08:30;oui\r\nbeta;Béta SARL;09:00;non\r\n";
    let mailing =
        "client,list,address\nacme,to,dsi@acme.test\nacme,cc,astreinte@exploitation.test\nbeta,to,it@beta.test\n";
    let categories = "client,category,position\nacme,Sauvegardes,1\nacme,Réseau,2\nbeta,Serveurs,1\n";
    let bad_services = "client,category,service,position,probe\n\
        acme,Sauvegardes,Veeam,1,\"{\"\"kind\"\": \"\"heartbeat\"\", \"\"period_secs\"\": 86400}\"\n\
        acme,Réseau,Site web,1,\"{\"\"kind\"\": \"\"http\"\", \"\"url\"\": \"\"ftp://acme.test\"\"}\"\n\
        acme,Réseau,Pare-feu,deux,\n\
        gamma,Serveurs,AD,1,\n";
    let (status, problem) = app
        .import_form(
            "/api/import",
            &[("services", bad_services), ("clients", clients), ("mailing", mailing), ("categories", categories)],
        )
        .await;
    assert_eq!(status, 422, "{problem}");
    assert_eq!(
        fields(&problem),
        ["services.csv ligne 4, position", "services.csv ligne 3, probe", "services.csv ligne 5, client"],
        "{problem}"
    );
    assert_eq!(app.get_json("/api/clients", Who::Admin).await, json!([]));

    let services = "client,category,service,position,probe\n\
        acme,Sauvegardes,Veeam,1,\"{\"\"kind\"\": \"\"heartbeat\"\", \"\"period_secs\"\": 86400}\"\n\
        acme,Réseau,Site web,1,\"{\"\"kind\"\": \"\"http\"\", \"\"url\"\": \"\"http://127.0.0.1:9/\"\"}\"\n\
        beta,Serveurs,AD,1,\n";
    let (status, report) = app
        .import_form(
            "/api/import",
            &[("clients", clients), ("mailing", mailing), ("categories", categories), ("services", services)],
        )
        .await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(counts(&report, "services"), [3, 0, 0]);
    let exported = app.get_json("/api/export", Who::Admin).await;
    assert_eq!(exported["clients"][0]["reference"], "acme");
    assert_eq!(exported["clients"][0]["mailing"]["cc"], json!(["astreinte@exploitation.test"]));
    assert_eq!(exported["clients"][1]["active"], false);
    assert_eq!(exported["clients"][0]["categories"][1]["services"][0]["probe"]["url"], "http://127.0.0.1:9/");

    // What an export writes imports back unchanged, table by table.
    for table in ["clients", "mailing", "categories", "services"] {
        let csv = app.export_table(table).await;
        assert!(csv.starts_with('\u{feff}'), "a spreadsheet opens it as UTF-8");
        let (status, report) = app.post_raw(&format!("/api/import?table={table}"), "text/csv", csv.into_bytes()).await;
        assert_eq!(status, 200, "{table}: {report}");
        let report: Value = serde_json::from_str(&report).unwrap();
        for counted in ["clients", "categories", "services"] {
            assert_eq!(counts(&report, counted)[..2], [0, 0], "{table}: {report}");
        }
    }
    assert_eq!(app.get_json("/api/export", Who::Admin).await, exported);

    // A service of an existing client, named by its reference alone.
    let (status, report) = app
        .post_raw("/api/import?table=services", "text/csv", b"client,category,service\nbeta,Serveurs,DHCP\n".to_vec())
        .await;
    assert_eq!(status, 200, "{report}");
    let (status, problem) =
        app.post_raw("/api/import?table=clients", "text/csv", b"reference,label,colour\nx,X,red\n".to_vec()).await;
    assert_eq!(status, 422);
    assert!(
        problem.contains("clients.csv ligne 1") && problem.contains("check_time") && problem.contains("colour"),
        "{problem}"
    );
}

#[tokio::test]
async fn only_administrators_import_and_a_gestionnaire_exports_only_their_clients() {
    let app = spawn_app().await;
    let (status, _) = app.import_json("/api/import", &configuration(3)).await;
    assert_eq!(status, 200);

    let gestionnaire = Who::Gestionnaire(&["client-01"]);
    let export = app.get_json("/api/export", gestionnaire).await;
    let references: Vec<&str> =
        export["clients"].as_array().unwrap().iter().map(|c| c["reference"].as_str().unwrap()).collect();
    assert_eq!(references, ["client-01"]);
    let csv =
        app.call(Method::GET, "/api/export?format=csv&table=mailing", gestionnaire, None).await.text().await.unwrap();
    assert!(csv.contains("client-01") && !csv.contains("client-00"), "{csv}");

    for who in [gestionnaire, Who::Stranger] {
        let response = app.call(Method::POST, "/api/import", who, Some(configuration(1))).await;
        assert_eq!(response.status(), 403);
    }
    assert_eq!(app.call(Method::GET, "/api/export", Who::Stranger, None).await.status(), 403);
    assert_eq!(app.call(Method::POST, "/api/import", Who::Anonymous, Some(configuration(1))).await.status(), 401);
}

/// Bytes no person would send: every answer is a 4xx problem (or, for a
/// changed byte that leaves a valid document, a 200), quickly.
#[tokio::test]
async fn hostile_imports_are_refused_with_a_problem_and_never_a_500() {
    let app = spawn_app().await;
    let export = serde_json::to_vec(&configuration(2)).unwrap();
    let mut seed = 0x2545_F491_4F6C_DD1Du64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let mut bodies: Vec<(&str, Vec<u8>)> = vec![
        ("application/json", b"[".repeat(100_000)),
        ("application/json", b"null".to_vec()),
        ("application/json", br#"{"format":"check-du-matin/1","clients":[{"reference":"a","label":"A","check_time":"08:00","categories":[{"label":"x","services":[{"label":"s","probe":{"kind":"http","url":"http://[::1"}}]}]}]}"#.to_vec()),
        ("text/csv", b"reference,label,check_time\n\"unterminated,x,08:00\n".to_vec()),
        ("text/csv", vec![0xFF, 0xFE, 0x00, 0x41, 0x0A]),
        ("text/csv", b"reference,label,check_time\na,b,c,d,e\n".to_vec()),
        ("text/csv", [b"reference,label,check_time\n".as_slice(), &b"a,".repeat(200_000)].concat()),
    ];
    for _ in 0..60 {
        // The export cut short, or with bytes changed at random.
        let mut body = export.clone();
        body.truncate((next() as usize) % export.len());
        bodies.push(("application/json", body.clone()));
        let mut flipped = export.clone();
        for _ in 0..4 {
            let at = (next() as usize) % flipped.len();
            flipped[at] = (next() % 256) as u8;
        }
        bodies.push(("application/json", flipped));
        let noise: Vec<u8> = (0..(next() % 2_000)).map(|_| b",;\"\n\r a0:{}"[(next() % 11) as usize]).collect();
        bodies.push(("text/csv", [b"client,category,service,position,probe\n".as_slice(), &noise].concat()));
    }
    let started = Instant::now();
    for (content_type, body) in bodies {
        let table = if body.starts_with(b"client,") { "services" } else { "clients" };
        let (status, text) = app.post_raw(&format!("/api/import?table={table}"), content_type, body.clone()).await;
        let written = status == 200;
        assert!(
            (400..500).contains(&status) || written,
            "{status} for {:?}: {text}",
            String::from_utf8_lossy(&body[..body.len().min(200)])
        );
        if !written {
            assert!(text.contains("\"code\""), "a problem document: {text}");
        }
    }
    assert!(started.elapsed() < Duration::from_secs(60), "{:?}", started.elapsed());
    let too_large = vec![b' '; 9 * 1024 * 1024];
    assert_eq!(app.post_raw("/api/import", "application/json", too_large).await.0, 413);
}

#[tokio::test]
async fn the_command_line_imports_a_file_and_exports_the_csv_tables() {
    let app = spawn_app().await;
    let folder = tempfile::tempdir().unwrap();
    let file = folder.path().join("clients.json");
    std::fs::write(&file, serde_json::to_vec(&configuration(4)).unwrap()).unwrap();
    let run = |arguments: Vec<String>| {
        let settings = app.settings.clone();
        async move { checks_svc::cli::run(&settings, &arguments).await }
    };
    let dry = run(vec!["import".into(), "--dry-run".into(), file.display().to_string()]).await.unwrap();
    assert!(dry.contains("\"dry_run\": true"), "{dry}");
    assert_eq!(app.get_json("/api/clients", Who::Admin).await, json!([]));
    let done = run(vec!["import".into(), file.display().to_string()]).await.unwrap();
    let done: Value = serde_json::from_str(&done).unwrap();
    assert_eq!(counts(&done, "clients"), [4, 0, 0]);

    let tables = folder.path().join("tables");
    run(vec!["export".into(), "--csv".into(), tables.display().to_string()]).await.unwrap();
    let files: Vec<String> = ["clients", "mailing", "categories", "services"]
        .iter()
        .map(|table| tables.join(format!("{table}.csv")).display().to_string())
        .collect();
    let again = run([vec!["import".to_owned()], files].concat()).await.unwrap();
    let again: Value = serde_json::from_str(&again).unwrap();
    assert_eq!(counts(&again, "services"), [0, 0, 24]);

    std::fs::write(tables.join("clients.csv"), "reference,label,check_time\nzeta,Zeta,8h30\n").unwrap();
    let refused = run(vec!["import".into(), tables.join("clients.csv").display().to_string()]).await.unwrap_err();
    assert!(refused.to_string().contains("clients.csv ligne 2, check_time"), "{refused}");
}
