//! The configuration exported and imported whole (`crate::transfer`).

use actix_multipart::Multipart;
use actix_web::http::header::{CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_TYPE};
use actix_web::{HttpMessage as _, HttpRequest, HttpResponse, web};
use common::error::{ApiError, ErrorCode, FieldError};
use common::http::upload::read_multipart;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use crate::access::Operator;
use crate::startup::AppState;
use crate::transfer::tables::{self, Table};
use crate::transfer::{self, Draft, ImportReport, MAX_IMPORT_BYTES};

pub fn routes(config: &mut web::ServiceConfig) {
    config
        .route("/api/export", web::get().to(export))
        .service(web::resource("/api/import").route(web::post().to(import)));
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ExportQuery {
    /// `json` (the whole configuration, by default) or `csv` (one table).
    #[serde(default)]
    format: ExportFormat,
    /// With `format=csv`: which table.
    table: Option<Table>,
}

#[derive(Debug, Default, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ExportFormat {
    #[default]
    Json,
    Csv,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ImportQuery {
    /// Check everything and say what would change, without writing.
    #[serde(default)]
    dry_run: bool,
    /// For a `text/csv` body: which table it is.
    table: Option<Table>,
}

/// The form of an import as CSV: any of the four tables, each a file.
#[derive(ToSchema)]
pub struct ImportForm {
    /// reference, label, check_time, reminder_time, sender, report_template, active
    #[schema(value_type = Option<String>, format = Binary)]
    pub clients: Option<Vec<u8>>,
    /// client, list (`to`, `cc` or `reminder`), address: the lists of the clients it names
    #[schema(value_type = Option<String>, format = Binary)]
    pub mailing: Option<Vec<u8>>,
    /// client, category, position
    #[schema(value_type = Option<String>, format = Binary)]
    pub categories: Option<Vec<u8>>,
    /// client, category, service, position, probe (its JSON, as in the API)
    #[schema(value_type = Option<String>, format = Binary)]
    pub services: Option<Vec<u8>>,
}

/// The configuration of the clients the caller may see: as one JSON
/// document, or one table as CSV.
#[utoipa::path(get, path = "/api/export", tag = "configuration", params(ExportQuery),
    responses(
        (status = 200, body = transfer::ConfigurationDocument, description = "the document, or with `format=csv` the table (text/csv)"),
        (status = 422, description = "`format=csv` without a table"),
    ))]
pub async fn export(
    state: web::Data<AppState>,
    operator: Operator,
    query: web::Query<ExportQuery>,
) -> Result<HttpResponse, ApiError> {
    let document = transfer::export(&state.store, &operator).await?;
    let (media_type, file_name, body) = match (query.format, query.table) {
        (ExportFormat::Json, None) => (
            "application/json",
            "check-du-matin.json".to_owned(),
            serde_json::to_vec_pretty(&document).map_err(ApiError::internal)?,
        ),
        (ExportFormat::Csv, Some(table)) => {
            ("text/csv; charset=utf-8", format!("{}.csv", table.name()), tables::write(&document, table))
        }
        (ExportFormat::Json, Some(_)) => {
            return Err(ApiError::validation(vec![FieldError::new("table", "va avec format=csv")]));
        }
        (ExportFormat::Csv, None) => {
            let names = Table::ALL.map(Table::name).join(", ");
            return Err(ApiError::validation(vec![FieldError::new("table", format!("est l'une de {names}"))]));
        }
    };
    Ok(HttpResponse::Ok()
        .insert_header((CONTENT_TYPE, media_type))
        .insert_header((CONTENT_DISPOSITION, format!("attachment; filename=\"{file_name}\"")))
        .insert_header((CACHE_CONTROL, "no-store"))
        .body(body))
}

/// A JSON or CSV body, up to the import limit.
async fn whole_body(payload: web::Payload) -> Result<web::Bytes, ApiError> {
    let too_large =
        || ApiError::new(ErrorCode::PayloadTooLarge, format!("Un import fait au plus {MAX_IMPORT_BYTES} octets."));
    let unreadable =
        |error| ApiError::new(ErrorCode::BadRequest, format!("Le corps de la requête est illisible : {error}"));
    payload.to_bytes_limited(MAX_IMPORT_BYTES).await.map_err(|_| too_large())?.map_err(unreadable)
}

/// Creates and updates clients, mailing lists, categories and services
/// (administrators): a JSON document as `/api/export` writes it, CSV
/// tables as a form, or one table as a `text/csv` body with `table`.
/// Everything is checked before anything is written; a 422 lists every
/// problem by its JSON path or CSV file and line.
#[utoipa::path(post, path = "/api/import", tag = "configuration", params(ImportQuery),
    request_body(
        content(
            (transfer::ConfigurationDocument = "application/json"),
            (ImportForm = "multipart/form-data"),
            (String = "text/csv"),
        ),
    ),
    responses(
        (status = 200, body = ImportReport),
        (status = 400, description = "a malformed form, or a body cut short"),
        (status = 403, description = "not an administrator"),
        (status = 413, description = "larger than 8 MiB, 2,000 clients or 50,000 services"),
        (status = 415, description = "neither JSON, a form nor CSV"),
        (status = 422, description = "the problems, each with where it is"),
    ))]
pub async fn import(
    state: web::Data<AppState>,
    operator: Operator,
    request: HttpRequest,
    query: web::Query<ImportQuery>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    operator.require_admin()?;
    let unsupported = |what: &str| {
        let detail = format!("Un import est en application/json, multipart/form-data ou text/csv, pas en {what}.");
        ApiError::new(ErrorCode::UnsupportedMediaType, detail)
    };
    let media_type = match request.mime_type() {
        Ok(mime) => mime.map(|mime| mime.essence_str().to_owned()).unwrap_or_default(),
        Err(_) => return Err(unsupported("un type illisible")),
    };
    let draft = match media_type.as_str() {
        "multipart/form-data" => {
            let multipart = Multipart::new(request.headers(), payload.into_inner());
            let parts = read_multipart(&request, multipart, MAX_IMPORT_BYTES as u64, "la limite des imports").await?;
            let mut files = Vec::new();
            for part in &parts {
                let Some(table) = Table::parse(&part.name) else {
                    let names = Table::ALL.map(Table::name).join(", ");
                    return Err(ApiError::validation(vec![FieldError::new(
                        &part.name,
                        format!("n'est pas une table ; les tables sont {names}"),
                    )]));
                };
                files.push((table, part.bytes.as_slice()));
            }
            tables::read(&files)
        }
        "text/csv" => {
            let Some(table) = query.table else {
                return Err(ApiError::validation(vec![FieldError::new(
                    "table",
                    "nomme la table que contient un corps text/csv",
                )]));
            };
            tables::read(&[(table, &whole_body(payload).await?)])
        }
        "application/json" | "" => Draft::of_document(transfer::read_document(&whole_body(payload).await?)?)?,
        other => return Err(unsupported(other)),
    };
    let report = transfer::import(&state.store, state.prober.destinations(), &operator, draft, query.dry_run).await?;
    Ok(HttpResponse::Ok().json(report))
}
