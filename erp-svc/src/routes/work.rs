//! What technicians record on an intervention: work lines (time, travel),
//! parts used, the signatures at the end; and its report as a PDF.

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use base64::Engine;
use chrono::{DateTime, NaiveDate, Utc};
use common::error::{ApiError, ErrorCode};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::interventions::{visible_intervention, workable_intervention};
use super::not_found;
use crate::access::Actor;
use crate::domain::{FieldCheck, SignerRole, Status};
use crate::startup::AppState;
use crate::store::{Change, DocumentRow, LineFields, LineRow, PartFields, PartRow, SignatureRow, WorkItem};

/// Signatures are small drawings: a larger image is refused.
pub const MAX_SIGNATURE_BYTES: usize = 256 * 1024;

pub fn routes(config: &mut web::ServiceConfig) {
    config
        .route("/interventions/{id}/lines", web::post().to(add_line))
        .route("/interventions/{id}/lines/{line_id}", web::delete().to(remove_line))
        .route("/interventions/{id}/parts", web::post().to(add_part))
        .route("/interventions/{id}/parts/{part_id}", web::delete().to(remove_part))
        .route("/interventions/{id}/signatures/{role}", web::put().to(sign))
        .route("/interventions/{id}/signatures/{role}", web::get().to(signature_image))
        .route("/interventions/{id}/report.pdf", web::get().to(report));
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LineInput {
    /// `YYYY-MM-DD`.
    pub date: NaiveDate,
    /// The technician who worked (a technician records their own lines).
    #[serde(default)]
    pub technician: Option<String>,
    /// Time worked, in minutes.
    pub duration_minutes: i64,
    pub description: String,
    #[serde(default)]
    pub travel_km: f64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LineView {
    pub id: i64,
    pub date: NaiveDate,
    pub technician: String,
    pub duration_minutes: i32,
    pub description: String,
    pub travel_km: f64,
}

impl From<LineRow> for LineView {
    fn from(row: LineRow) -> Self {
        Self {
            id: row.id,
            date: row.work_date,
            technician: row.technician,
            duration_minutes: row.minutes,
            description: row.description,
            travel_km: row.travel_km,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PartInput {
    pub reference: String,
    #[serde(default)]
    pub label: Option<String>,
    pub quantity: f64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PartView {
    pub id: i64,
    pub reference: String,
    pub label: Option<String>,
    pub quantity: f64,
}

impl From<PartRow> for PartView {
    fn from(row: PartRow) -> Self {
        Self { id: row.id, reference: row.reference, label: row.label, quantity: row.quantity }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DocumentView {
    pub id: i64,
    pub intervention_id: i64,
    /// photo_before, photo_after or document.
    pub kind: String,
    pub file_name: String,
    pub media_type: String,
    pub size_bytes: i64,
    pub uploaded_by: String,
    pub uploaded_at: DateTime<Utc>,
    /// Where it is downloaded (by those who may see the intervention).
    pub url: String,
}

impl DocumentView {
    pub fn new(row: DocumentRow, state: &AppState) -> Self {
        Self {
            url: state.link(&format!("/api/v1/documents/file/{}", row.id)),
            id: row.id,
            intervention_id: row.intervention_id,
            kind: row.kind,
            file_name: row.file_name,
            media_type: row.media_type,
            size_bytes: row.size_bytes,
            uploaded_by: row.uploaded_by,
            uploaded_at: row.uploaded_at,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignatureInput {
    pub signer_name: String,
    /// The drawn signature, PNG or JPEG, base64-encoded (a `data:` URL is
    /// accepted).
    pub image: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SignatureView {
    /// client or technician.
    pub role: String,
    pub signer_name: String,
    pub signed_at: DateTime<Utc>,
    pub image_url: String,
}

impl SignatureView {
    pub fn new(row: SignatureRow, intervention_id: i64, state: &AppState) -> Self {
        Self {
            image_url: state.link(&format!("/api/v1/interventions/{intervention_id}/signatures/{}", row.signer_role)),
            role: row.signer_role,
            signer_name: row.signer_name,
            signed_at: row.signed_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Created {
    pub id: i64,
}

fn line_fields(actor: &Actor, input: &LineInput) -> Result<LineFields, ApiError> {
    let mut check = FieldCheck::default();
    let technician = match (actor.technician(), input.technicians_field()) {
        (Some(own), None) => Some(own.to_owned()),
        (Some(own), Some(named)) if named.trim().eq_ignore_ascii_case(own) => Some(own.to_owned()),
        (Some(_), Some(_)) => {
            check.fail("technician", "a technician records their own lines");
            None
        }
        (None, named) => match check.email("technician", named) {
            Some(Some(email)) => Some(email.as_str().to_owned()),
            Some(None) => {
                check.fail("technician", "is required");
                None
            }
            None => None,
        },
    };
    let minutes = i32::try_from(input.duration_minutes).ok().filter(|minutes| (1..=24 * 60).contains(minutes));
    if minutes.is_none() {
        check.fail("duration_minutes", "must be between 1 and 1440");
    }
    let description = check.label("description", &input.description);
    if !(0.0..=10_000.0).contains(&input.travel_km) {
        check.fail("travel_km", "must be between 0 and 10000");
    }
    match (technician, minutes, description) {
        (Some(technician), Some(minutes), Some(description)) if check.is_clean() => Ok(LineFields {
            work_date: input.date,
            technician,
            minutes,
            description: description.as_str().to_owned(),
            travel_km: input.travel_km,
        }),
        _ => Err(check.into_error()),
    }
}

impl LineInput {
    fn technicians_field(&self) -> Option<&str> {
        self.technician.as_deref().filter(|name| !name.trim().is_empty())
    }
}

/// Records time and travel on the intervention.
#[utoipa::path(post, path = "/api/v1/interventions/{id}/lines", tag = "work", request_body = LineInput,
    responses((status = 201, body = Created), (status = 403), (status = 404), (status = 409, description = "the intervention is closed"), (status = 422)))]
pub async fn add_line(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
    input: web::Json<LineInput>,
) -> Result<HttpResponse, ApiError> {
    let (row, _) = workable_intervention(&state, &actor, *id).await?;
    let fields = line_fields(&actor, &input)?;
    let line = state.store.add_line(row.id, &fields, Change { actor: &actor.name, at: Utc::now() }).await?;
    Ok(HttpResponse::Created().json(Created { id: line }))
}

#[utoipa::path(delete, path = "/api/v1/interventions/{id}/lines/{line_id}", tag = "work",
    responses((status = 204), (status = 403), (status = 404), (status = 409)))]
pub async fn remove_line(
    state: web::Data<AppState>,
    actor: Actor,
    path: web::Path<(i64, i64)>,
) -> Result<HttpResponse, ApiError> {
    remove(&state, &actor, *path, WorkItem::Line).await
}

/// Records a part used on the intervention.
#[utoipa::path(post, path = "/api/v1/interventions/{id}/parts", tag = "work", request_body = PartInput,
    responses((status = 201, body = Created), (status = 403), (status = 404), (status = 409), (status = 422)))]
pub async fn add_part(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
    input: web::Json<PartInput>,
) -> Result<HttpResponse, ApiError> {
    let (row, _) = workable_intervention(&state, &actor, *id).await?;
    let mut check = FieldCheck::default();
    let reference = check.label("reference", &input.reference);
    let label = check.text("label", input.label.as_deref());
    if !(input.quantity > 0.0 && input.quantity <= 1_000_000.0) {
        check.fail("quantity", "must be positive");
    }
    let fields = match (reference, label) {
        (Some(reference), Some(label)) if check.is_clean() => {
            PartFields { reference: reference.as_str().to_owned(), label, quantity: input.quantity }
        }
        _ => return Err(check.into_error()),
    };
    let part = state.store.add_part(row.id, &fields, Change { actor: &actor.name, at: Utc::now() }).await?;
    Ok(HttpResponse::Created().json(Created { id: part }))
}

#[utoipa::path(delete, path = "/api/v1/interventions/{id}/parts/{part_id}", tag = "work",
    responses((status = 204), (status = 403), (status = 404), (status = 409)))]
pub async fn remove_part(
    state: web::Data<AppState>,
    actor: Actor,
    path: web::Path<(i64, i64)>,
) -> Result<HttpResponse, ApiError> {
    remove(&state, &actor, *path, WorkItem::Part).await
}

async fn remove(
    state: &AppState,
    actor: &Actor,
    (id, item_id): (i64, i64),
    item: WorkItem,
) -> Result<HttpResponse, ApiError> {
    let (row, _) = workable_intervention(state, actor, id).await?;
    if state.store.remove_item(row.id, item, item_id, Change { actor: &actor.name, at: Utc::now() }).await? {
        Ok(HttpResponse::NoContent().finish())
    } else {
        Err(not_found(match item {
            WorkItem::Line => "line",
            WorkItem::Part => "part",
        }))
    }
}

/// The image's bytes, if it is a PNG or JPEG that decodes.
fn signature_bytes(encoded: &str) -> Result<Vec<u8>, &'static str> {
    let payload = encoded.trim();
    let payload = payload.split_once("base64,").map_or(payload, |(_, data)| data);
    if payload.len() > MAX_SIGNATURE_BYTES * 4 / 3 + 4 {
        return Err("must be at most 256 KiB");
    }
    let bytes = base64::engine::general_purpose::STANDARD.decode(payload).map_err(|_| "must be base64")?;
    let format = image::guess_format(&bytes).map_err(|_| "must be a PNG or JPEG image")?;
    if !matches!(format, image::ImageFormat::Png | image::ImageFormat::Jpeg) {
        return Err("must be a PNG or JPEG image");
    }
    image::load_from_memory_with_format(&bytes, format).map_err(|_| "is not a readable image")?;
    Ok(bytes)
}

/// Records the client's or the technician's signature, at the end of the
/// work (in progress or done); signing again replaces it.
#[utoipa::path(put, path = "/api/v1/interventions/{id}/signatures/{role}", tag = "work", request_body = SignatureInput,
    params(("role" = String, Path, description = "client or technician")),
    responses((status = 200, body = SignatureView), (status = 403), (status = 404), (status = 409, description = "not in progress or done"), (status = 422)))]
pub async fn sign(
    state: web::Data<AppState>,
    actor: Actor,
    path: web::Path<(i64, String)>,
    input: web::Json<SignatureInput>,
) -> Result<HttpResponse, ApiError> {
    let (id, role) = path.into_inner();
    let role = SignerRole::parse(&role).map_err(|_| not_found("signature kind"))?;
    let (row, _) = workable_intervention(&state, &actor, id).await?;
    if !matches!(Status::parse(&row.status), Ok(Status::InProgress | Status::Done)) {
        return Err(ApiError::new(ErrorCode::InvalidTransition, "Signatures are taken once the work is under way."));
    }
    let mut check = FieldCheck::default();
    let signer_name = check.label("signer_name", &input.signer_name);
    let image = check.check("image", signature_bytes(&input.image));
    let (Some(signer_name), Some(image)) = (signer_name, image) else {
        return Err(check.into_error());
    };
    let change = Change { actor: &actor.name, at: Utc::now() };
    state.store.sign(row.id, role.as_str(), signer_name.as_str(), &image, change).await?;
    let signature = SignatureRow {
        signer_role: role.as_str().to_owned(),
        signer_name: signer_name.as_str().to_owned(),
        signed_at: change.at,
    };
    Ok(HttpResponse::Ok().json(SignatureView::new(signature, row.id, &state)))
}

#[utoipa::path(get, path = "/api/v1/interventions/{id}/signatures/{role}", tag = "work",
    params(("role" = String, Path, description = "client or technician")),
    responses((status = 200, content_type = "image/png"), (status = 404)))]
pub async fn signature_image(
    state: web::Data<AppState>,
    actor: Actor,
    path: web::Path<(i64, String)>,
) -> Result<HttpResponse, ApiError> {
    let (id, role) = path.into_inner();
    let (row, _) = visible_intervention(&state, &actor, id).await?;
    let image = state.store.signature_image(row.id, &role).await?.ok_or_else(|| not_found("signature"))?;
    let media_type = match image::guess_format(&image) {
        Ok(image::ImageFormat::Jpeg) => "image/jpeg",
        _ => "image/png",
    };
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, media_type))
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .body(image))
}

/// The intervention report ("bon d'intervention"): lines, parts, photos,
/// signatures.
#[utoipa::path(get, path = "/api/v1/interventions/{id}/report.pdf", tag = "work",
    responses((status = 200, content_type = "application/pdf"), (status = 404)))]
pub async fn report(state: web::Data<AppState>, actor: Actor, id: web::Path<i64>) -> Result<HttpResponse, ApiError> {
    let (row, technicians) = visible_intervention(&state, &actor, *id).await?;
    let number = row.number.clone();
    let pdf = state.reporter.render(row, technicians).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "application/pdf"))
        .insert_header((header::CONTENT_DISPOSITION, format!("inline; filename=\"bon-{number}.pdf\"")))
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .body(pdf))
}
