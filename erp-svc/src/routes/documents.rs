//! Photos and files of an intervention (the original's paths): kept in the
//! object store, never in a public folder, downloaded only by those who
//! may see the intervention.

use actix_multipart::Multipart;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use bytes::Bytes;
use chrono::Utc;
use common::error::{ApiError, ErrorCode};
use common::http::upload::read_multipart;
use common::object_storage::ObjectInfo;
use serde::Deserialize;
use utoipa::IntoParams;

use super::interventions::{visible_intervention, workable_intervention};
use super::work::DocumentView;
use super::{Pagination, invalid, not_found, paginated};
use crate::access::Actor;
use crate::domain::{DocumentKind, StoredFile};
use crate::startup::AppState;
use crate::store::{Change, DocumentRow};

pub fn routes(config: &mut web::ServiceConfig) {
    config
        .route("/documents/upload", web::post().to(upload))
        .route("/documents/", web::get().to(list_documents))
        .route("/documents", web::get().to(list_documents))
        .route("/documents/file/{id}", web::get().to(download))
        .route("/documents/{intervention_id}", web::get().to(documents_of));
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct UploadQuery {
    pub intervention_id: i64,
    /// photo_before, photo_after or document (the default).
    pub kind: Option<String>,
}

/// The `file` field, refused as soon as it passes the limit (and before
/// reading it when its declared length already does).
async fn read_file(request: &HttpRequest, payload: Multipart, limit: u64) -> Result<(String, Vec<u8>), ApiError> {
    // The form's boundaries and headers take a few hundred bytes more than the file.
    let too_large = || ApiError::new(ErrorCode::PayloadTooLarge, format!("Documents are limited to {limit} bytes."));
    let parts = read_multipart(request, payload, limit + 64 * 1024, "the document limit")
        .await
        .map_err(|error| if error.code() == ErrorCode::PayloadTooLarge { too_large() } else { error })?;
    let file = parts.into_iter().find(|part| part.name == "file").ok_or_else(|| invalid("file", "is required"))?;
    if file.bytes.len() as u64 > limit {
        return Err(too_large());
    }
    Ok((file.file_name.unwrap_or_default(), file.bytes))
}

/// The form of an upload (documentation: `read_file` reads it).
#[derive(utoipa::ToSchema)]
pub struct UploadForm {
    /// A photo (JPEG, PNG, GIF, WebP, BMP, TIFF), a PDF or a plain text file.
    #[schema(value_type = String, format = Binary)]
    pub file: Vec<u8>,
}

/// Uploads a photo or a file to an intervention (those who work on it,
/// while it is open). Its type is read from its content.
#[utoipa::path(post, path = "/api/v1/documents/upload", tag = "documents", params(UploadQuery),
    request_body(content = UploadForm, content_type = "multipart/form-data"),
    responses((status = 201, body = DocumentView), (status = 403), (status = 404), (status = 409, description = "the intervention is closed"),
        (status = 413), (status = 415, description = "not an image, a PDF or plain text"), (status = 422)))]
pub async fn upload(
    request: HttpRequest,
    state: web::Data<AppState>,
    actor: Actor,
    query: web::Query<UploadQuery>,
    payload: Multipart,
) -> Result<HttpResponse, ApiError> {
    let kind =
        DocumentKind::parse(query.kind.as_deref().unwrap_or("document")).map_err(|message| invalid("kind", message))?;
    let (row, _) = workable_intervention(&state, &actor, query.intervention_id).await?;
    let (file_name, bytes) = read_file(&request, payload, state.max_upload_bytes).await?;
    if bytes.is_empty() {
        return Err(invalid("file", "is empty"));
    }
    let stored = StoredFile::recognise(&bytes, &file_name).ok_or_else(|| {
        ApiError::new(
            ErrorCode::UnsupportedMediaType,
            "Upload an image (JPEG, PNG, GIF, WebP, BMP, TIFF), a PDF or plain text.",
        )
    })?;
    if matches!(kind, DocumentKind::PhotoBefore | DocumentKind::PhotoAfter) && !stored.is_photo() {
        return Err(invalid("kind", "photos must be JPEG, PNG or GIF images, which the report shows"));
    }
    let object_key = format!("interventions/{}/{}.{}", row.id, uuid::Uuid::new_v4(), stored.extension());
    let size = bytes.len() as i64;
    let info = ObjectInfo { content_type: Some(stored.media_type().to_owned()), metadata: Vec::new() };
    state.storage.put_described(&object_key, Bytes::from(bytes), &info).await.map_err(ApiError::internal)?;
    let document = DocumentRow {
        id: 0,
        intervention_id: row.id,
        kind: kind.as_str().to_owned(),
        file_name: stored.file_name().to_owned(),
        media_type: stored.media_type().to_owned(),
        size_bytes: size,
        object_key,
        uploaded_by: actor.name.clone(),
        uploaded_at: Utc::now(),
    };
    let id = state.store.add_document(&document, Change { actor: &actor.name, at: document.uploaded_at }).await?;
    let document = state.store.document(id).await?.ok_or_else(|| not_found("document"))?;
    let view = DocumentView::new(document, &state);
    Ok(HttpResponse::Created().insert_header((header::LOCATION, view.url.clone())).json(view))
}

/// The documents of every intervention the caller may see, newest first.
#[utoipa::path(get, path = "/api/v1/documents/", tag = "documents", params(Pagination),
    responses((status = 200, body = [DocumentView], headers(("X-Total-Count" = i64), ("Link" = String))), (status = 422, description = "page or per_page out of range")))]
pub async fn list_documents(
    request: HttpRequest,
    state: web::Data<AppState>,
    actor: Actor,
    pagination: web::Query<Pagination>,
) -> Result<HttpResponse, ApiError> {
    let page = pagination.page()?;
    let (rows, total) = state.store.documents(actor.company(), actor.technician(), page).await?;
    let views: Vec<DocumentView> = rows.into_iter().map(|row| DocumentView::new(row, &state)).collect();
    Ok(paginated(&request, page, total, &views))
}

#[utoipa::path(get, path = "/api/v1/documents/{intervention_id}", tag = "documents",
    responses((status = 200, body = [DocumentView]), (status = 404)))]
pub async fn documents_of(
    state: web::Data<AppState>,
    actor: Actor,
    intervention_id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let (row, _) = visible_intervention(&state, &actor, *intervention_id).await?;
    let views: Vec<DocumentView> = state
        .store
        .documents_of(row.id)
        .await?
        .into_iter()
        .map(|document| DocumentView::new(document, &state))
        .collect();
    Ok(HttpResponse::Ok().json(views))
}

/// The document's content, as an attachment.
#[utoipa::path(get, path = "/api/v1/documents/file/{id}", tag = "documents",
    responses((status = 200, description = "the file"), (status = 404)))]
pub async fn download(state: web::Data<AppState>, actor: Actor, id: web::Path<i64>) -> Result<HttpResponse, ApiError> {
    let document = state.store.document(*id).await?.ok_or_else(|| not_found("document"))?;
    visible_intervention(&state, &actor, document.intervention_id).await.map_err(|_| not_found("document"))?;
    let content = state.storage.get(&document.object_key).await.map_err(ApiError::internal)?;
    let disposition = header::ContentDisposition {
        disposition: header::DispositionType::Attachment,
        parameters: vec![header::DispositionParam::FilenameExt(header::ExtendedValue {
            charset: header::Charset::Ext("UTF-8".to_owned()),
            language_tag: None,
            value: document.file_name.into_bytes(),
        })],
    };
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, document.media_type))
        .insert_header(disposition)
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .insert_header((header::CONTENT_SECURITY_POLICY, "sandbox; default-src 'none'"))
        .body(content))
}
