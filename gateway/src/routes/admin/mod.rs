//! `/admin`: the server-rendered administration page (sign in, users,
//! roles, password resets, API keys). It drives the same functions as the
//! JSON API.
//!
//! The session lives in two HttpOnly cookies (the access token and the
//! refresh token, renewed when the access token expires). They are scoped
//! to the whole gateway because the services' own pages (`/checks/ui/...`)
//! are reached with the same session (see [`crate::routes::proxy`]), and
//! SameSite=Lax so a link to such a page from an e-mail opens signed in;
//! no GET changes anything. Every form of a signed-in page carries a token
//! derived from the session (an HMAC under a key only the gateway has), so
//! another site, even a sibling subdomain that can set cookies, cannot post
//! on the administrator's behalf. The sign-in form, before any session,
//! carries a random token that must match a cookie (double submit).

mod views;

use actix_web::cookie::{Cookie, SameSite};
use actix_web::http::StatusCode;
use actix_web::http::header::{CACHE_CONTROL, LOCATION};
use actix_web::{HttpRequest, HttpResponse, web};
use common::configuration::HttpSettings;
use common::error::{ApiError, FieldError};
use maud::{Markup, html};
use secrecy::SecretString;
use subtle::ConstantTimeEq;

use self::views::{Chrome, ListLinks, UserFields};
use crate::auth::Authenticated;
use crate::domain::{ChecksRoleDocument, ErpRoleDocument, RolesDocument};
use crate::identity::TokenPair;
use crate::routes::api_keys::{KeyCreation, create_key, known_scopes, revoke_key};
use crate::routes::users::{
    ListParameters, UserCreation, UserUpdate, create_user, delete_user as delete_account, list_users, update_user,
};
use crate::startup::GatewayState;

const ACCESS_COOKIE: &str = "gw_access";
const REFRESH_COOKIE: &str = "gw_refresh";
const CSRF_COOKIE: &str = "gw_csrf";
const STYLESHEET: &str = include_str!("style.css");

pub fn routes(config: &mut web::ServiceConfig) {
    config.service(
        web::scope("/admin")
            .route("", web::get().to(home))
            .route("/", web::get().to(home))
            .route("/style.css", web::get().to(stylesheet))
            .route("/login", web::post().to(login))
            .route("/logout", web::post().to(logout))
            .route("/password", web::post().to(change_password))
            .route("/users/new", web::get().to(new_user))
            .route("/users", web::post().to(create))
            .route("/users/{id}", web::get().to(edit_user))
            .route("/users/{id}", web::post().to(save_user))
            .route("/users/{id}/reset-password", web::post().to(reset_password))
            .route("/users/{id}/delete", web::post().to(delete_user))
            .route("/keys", web::get().to(keys))
            .route("/keys", web::post().to(create_api_key))
            .route("/keys/{id}/revoke", web::post().to(revoke_api_key)),
    );
}

async fn stylesheet() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .insert_header((CACHE_CONTROL, "public, max-age=3600"))
        .body(STYLESHEET)
}

/// A signed-in visitor, with the tokens to store if they were renewed.
pub(crate) struct Visit {
    pub(crate) caller: Authenticated,
    pub(crate) renewed: Option<TokenPair>,
    /// The form token of this visitor's session.
    csrf: String,
}

impl Visit {
    fn posted_by_this_session(&self, fields: &[(String, String)]) -> bool {
        bool::from(self.csrf.as_bytes().ct_eq(first(fields, "csrf").as_bytes()))
    }
}

fn cookie_value(request: &HttpRequest, name: &str) -> Option<String> {
    request.cookie(name).map(|cookie| cookie.value().to_owned()).filter(|value| !value.is_empty())
}

fn secure(request: &HttpRequest) -> bool {
    request.connection_info().scheme() == "https"
        || request.app_data::<web::Data<HttpSettings>>().is_some_and(|settings| settings.force_https)
}

fn cookie<'a>(request: &HttpRequest, name: &'a str, value: String) -> Cookie<'a> {
    Cookie::build(name, value).path("/").http_only(true).same_site(SameSite::Lax).secure(secure(request)).finish()
}

fn expired_cookie<'a>(request: &HttpRequest, name: &'a str) -> Cookie<'a> {
    let mut cookie = cookie(request, name, String::new());
    cookie.make_removal();
    cookie
}

/// The visitor's session, renewed with the refresh cookie if the access
/// token has expired; `None` when they must sign in.
pub(crate) async fn visit(request: &HttpRequest, state: &GatewayState) -> Option<Visit> {
    let (caller, renewed) = match cookie_value(request, ACCESS_COOKIE) {
        Some(access) if let Ok(caller) = state.authenticator.authenticate_token(&access).await => (caller, None),
        _ => {
            let refresh = cookie_value(request, REFRESH_COOKIE)?;
            let pair = state.identity.refresh(&refresh).await.ok()?;
            let caller = state.authenticator.authenticate_token(&pair.access_token).await.ok()?;
            (caller, Some(pair))
        }
    };
    let session = caller.claims().and_then(|claims| claims.sid.clone())?;
    let csrf = state.identity.keys.form_token(&session);
    Some(Visit { caller, renewed, csrf })
}

pub(crate) fn store_tokens(request: &HttpRequest, response: &mut HttpResponse, pair: &TokenPair) {
    for cookie in [
        cookie(request, ACCESS_COOKIE, pair.access_token.clone()),
        cookie(request, REFRESH_COOKIE, pair.refresh_token.clone()),
    ] {
        // Adding a cookie to a fresh response cannot fail: names are constant.
        let _ = response.add_cookie(&cookie);
    }
}

fn page(
    request: &HttpRequest,
    status: StatusCode,
    title: &str,
    visit: Option<&Visit>,
    csrf: &str,
    content: &Markup,
) -> HttpResponse {
    let email = visit.and_then(|visit| visit.caller.claims()).and_then(|claims| claims.email.as_deref());
    let markup = views::layout(title, &Chrome { email, csrf }, content);
    let mut response = HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .insert_header((CACHE_CONTROL, "no-store"))
        .body(markup.into_string());
    if let Some(pair) = visit.and_then(|visit| visit.renewed.as_ref()) {
        store_tokens(request, &mut response, pair);
    }
    response
}

fn redirect(request: &HttpRequest, to: &str, visit: Option<&Visit>) -> HttpResponse {
    let mut response = HttpResponse::SeeOther().insert_header((LOCATION, to)).finish();
    if let Some(pair) = visit.and_then(|visit| visit.renewed.as_ref()) {
        store_tokens(request, &mut response, pair);
    }
    response
}

/// The sign-in form, with a new CSRF cookie when there is none.
fn sign_in_page(request: &HttpRequest, status: StatusCode, email: &str, problem: Option<&str>) -> HttpResponse {
    let csrf = cookie_value(request, CSRF_COOKIE).unwrap_or_else(|| common::identity::random_token(24));
    let next = next_page(request);
    let content = views::sign_in(&csrf, email, next.as_deref(), problem);
    let mut response = page(request, status, "Connexion", None, &csrf, &content);
    let _ = response.add_cookie(&cookie(request, CSRF_COOKIE, csrf));
    response
}

/// Where to go once signed in: a page of this gateway named by the `next`
/// query parameter (the services' pages send visitors here with it), never
/// another site.
fn next_page(request: &HttpRequest) -> Option<String> {
    let query: Vec<(String, String)> = serde_urlencoded::from_str(request.query_string()).ok()?;
    query.into_iter().find(|(name, _)| name == "next").map(|(_, next)| next).filter(|next| is_local_path(next))
}

fn is_local_path(path: &str) -> bool {
    path.starts_with('/') && !path.starts_with("//") && !path.contains('\\') && !path.chars().any(char::is_control)
}

/// What a signed-in page needs, or the response to give instead: the
/// sign-in form, the forced password change, or a refusal.
async fn admin_visit(request: &HttpRequest, state: &GatewayState) -> Result<Visit, HttpResponse> {
    let Some(visit) = visit(request, state).await else {
        return Err(sign_in_page(request, StatusCode::OK, "", None));
    };
    if visit.caller.claims().is_some_and(|claims| claims.password_change_required) {
        let content = views::choose_password(&visit.csrf, &[], next_page(request).as_deref());
        return Err(page(request, StatusCode::OK, "Nouveau mot de passe", Some(&visit), &visit.csrf, &content));
    }
    if visit.caller.authorize_admin().is_err() {
        return Err(page(
            request,
            StatusCode::FORBIDDEN,
            "Accès réservé",
            Some(&visit),
            &visit.csrf,
            &views::forbidden(),
        ));
    }
    Ok(visit)
}

/// The sign-in form posts the token it was rendered with; it must match the cookie.
fn sign_in_token_matches(request: &HttpRequest, posted: &str) -> bool {
    cookie_value(request, CSRF_COOKIE).is_some_and(|expected| bool::from(expected.as_bytes().ct_eq(posted.as_bytes())))
}

fn form_fields(body: &[u8]) -> Result<Vec<(String, String)>, ApiError> {
    serde_urlencoded::from_bytes(body)
        .map_err(|error| ApiError::new(common::error::ErrorCode::BadRequest, format!("Malformed form: {error}")))
}

fn first<'a>(fields: &'a [(String, String)], name: &str) -> &'a str {
    fields.iter().find(|(key, _)| key == name).map_or("", |(_, value)| value.as_str())
}

/// A form from a signed-in administrator, CSRF-checked.
async fn admin_form(
    request: &HttpRequest,
    state: &GatewayState,
    body: &[u8],
) -> Result<(Visit, Vec<(String, String)>), HttpResponse> {
    let visit = admin_visit(request, state).await?;
    let fields = form_fields(body).map_err(|error| actix_web::ResponseError::error_response(&error))?;
    if !visit.posted_by_this_session(&fields) {
        return Err(expired_form(request, &visit));
    }
    Ok((visit, fields))
}

/// A form from another session or another site: refused, tokens kept.
fn expired_form(request: &HttpRequest, visit: &Visit) -> HttpResponse {
    let content = html! {
        div.card.narrow {
            h1 { "Formulaire expiré" }
            p { "Ce formulaire ne vient pas de votre session en cours. Rien n'a été modifié." }
            p { a href="/admin" { "Revenir à l'administration" } }
        }
    };
    page(request, StatusCode::FORBIDDEN, "Formulaire expiré", Some(visit), &visit.csrf, &content)
}

/// A failed action: what was wrong, in French, or for an internal error
/// only that it failed (the cause goes to the log).
fn error_page(request: &HttpRequest, visit: &Visit, error: &ApiError) -> HttpResponse {
    let status = actix_web::ResponseError::status_code(error);
    let shown = if status.is_server_error() {
        tracing::error!(%error, "an admin page action failed");
        vec!["Erreur interne ; réessayez.".to_owned()]
    } else {
        messages(error)
    };
    page(request, status, "Erreur", Some(visit), &visit.csrf, &views::errors(&shown))
}

fn messages(error: &ApiError) -> Vec<String> {
    let fields: Vec<String> = error
        .field_errors()
        .iter()
        .map(|FieldError { field, message }| format!("{} : {message}", field_label(field)))
        .collect();
    if fields.is_empty() { vec![error.public_detail().to_owned()] } else { fields }
}

fn field_label(field: &str) -> &str {
    match field {
        "name" => "Nom",
        "email" => "Adresse e-mail",
        "password" | "new_password" => "Mot de passe",
        "current_password" => "Mot de passe actuel",
        "roles.erp.role" => "Rôle ERP",
        "roles.erp.client_company" => "Société cliente",
        "roles.checks.role" => "Rôle Check du Matin",
        "scopes" => "Services autorisés",
        other if other.starts_with("roles.checks.clients") => "Clients gérés",
        other => other,
    }
}

async fn home(request: HttpRequest, state: web::Data<GatewayState>, query: web::Query<ListParameters>) -> HttpResponse {
    if let Some(next) = next_page(&request)
        && let Some(visit) = visit(&request, &state).await
        && !visit.caller.claims().is_some_and(|claims| claims.password_change_required)
    {
        return redirect(&request, &next, Some(&visit));
    }
    let visit = match admin_visit(&request, &state).await {
        Ok(visit) => visit,
        Err(response) => return response,
    };
    let search = query.q.clone().unwrap_or_default();
    let sort = query.sort.clone().filter(|sort| !sort.is_empty()).unwrap_or_else(|| "name".to_owned());
    let parameters = ListParameters { sort: Some(sort.clone()), ..query.into_inner() };
    let content = match list_users(&state.identity, &parameters).await {
        Ok(users) => views::user_list(&users, &ListLinks { search: &search, sort: &sort }, None),
        Err(error) => views::errors(&messages(&error)),
    };
    page(&request, StatusCode::OK, "Utilisateurs", Some(&visit), &visit.csrf, &content)
}

async fn login(request: HttpRequest, state: web::Data<GatewayState>, body: web::Bytes) -> HttpResponse {
    let fields = match form_fields(&body) {
        Ok(fields) => fields,
        Err(error) => return actix_web::ResponseError::error_response(&error),
    };
    let email = first(&fields, "email");
    if !sign_in_token_matches(&request, first(&fields, "csrf")) {
        return sign_in_page(&request, StatusCode::FORBIDDEN, email, Some("Le formulaire a expiré ; réessayez."));
    }
    let password = SecretString::from(first(&fields, "password"));
    match state.identity.login(email, &password, &state.identity.throttle.client_address(&request)).await {
        Ok(pair) => {
            let next = next_page(&request);
            let mut response = redirect(&request, next.as_deref().unwrap_or("/admin"), None);
            store_tokens(&request, &mut response, &pair);
            response
        }
        Err(error) => {
            let status = actix_web::ResponseError::status_code(&error);
            let problem = if status == StatusCode::TOO_MANY_REQUESTS {
                "Trop de tentatives : réessayez dans quelques minutes."
            } else if status == StatusCode::UNAUTHORIZED {
                "Adresse e-mail ou mot de passe incorrect."
            } else {
                "La connexion a échoué ; réessayez."
            };
            sign_in_page(&request, status, email, Some(problem))
        }
    }
}

async fn logout(request: HttpRequest, state: web::Data<GatewayState>, body: web::Bytes) -> HttpResponse {
    let fields = form_fields(&body).unwrap_or_default();
    if let Some(visit) = visit(&request, &state).await
        && visit.posted_by_this_session(&fields)
        && let Some(session) = visit.caller.claims().and_then(|claims| claims.sid.clone())
        && let Err(error) = state.identity.logout(&session).await
    {
        tracing::warn!(error = %error, "admin sign-out could not revoke the session");
    }
    let mut response = HttpResponse::SeeOther().insert_header((LOCATION, "/admin")).finish();
    for name in [ACCESS_COOKIE, REFRESH_COOKIE] {
        let _ = response.add_cookie(&expired_cookie(&request, name));
    }
    response
}

async fn change_password(request: HttpRequest, state: web::Data<GatewayState>, body: web::Bytes) -> HttpResponse {
    let Some(visit) = visit(&request, &state).await else {
        return sign_in_page(&request, StatusCode::OK, "", None);
    };
    let Ok(fields) = form_fields(&body) else {
        return redirect(&request, "/admin", Some(&visit));
    };
    if !visit.posted_by_this_session(&fields) {
        return expired_form(&request, &visit);
    }
    let Some(user_id) = visit.caller.claims().map(|claims| claims.sub.clone()) else {
        return redirect(&request, "/admin", Some(&visit));
    };
    let current = SecretString::from(first(&fields, "current_password"));
    let outcome = match crate::domain::NewPassword::parse(SecretString::from(first(&fields, "new_password"))) {
        Ok(new) => {
            let client = state.identity.throttle.client_address(&request);
            state.identity.change_password(&user_id, &current, &new, &client).await
        }
        Err(message) => {
            Err(ApiError::validation(vec![FieldError { field: "new_password".into(), message: message.into() }]))
        }
    };
    match outcome {
        Ok(pair) => {
            let next = next_page(&request);
            let mut response = redirect(&request, next.as_deref().unwrap_or("/admin"), None);
            store_tokens(&request, &mut response, &pair);
            response
        }
        Err(error) => {
            let content = views::choose_password(&visit.csrf, &messages(&error), next_page(&request).as_deref());
            page(
                &request,
                StatusCode::UNPROCESSABLE_ENTITY,
                "Nouveau mot de passe",
                Some(&visit),
                &visit.csrf,
                &content,
            )
        }
    }
}

/// The user form as typed, and the API request it amounts to.
fn typed_user(fields: &[(String, String)]) -> (UserFields, RolesDocument) {
    let typed = UserFields {
        name: first(fields, "name").to_owned(),
        email: first(fields, "email").to_owned(),
        platform_admin: first(fields, "platform_admin") == "on",
        erp_role: first(fields, "erp_role").to_owned(),
        erp_client_company: first(fields, "erp_client_company").trim().to_owned(),
        checks_role: first(fields, "checks_role").to_owned(),
        checks_clients: first(fields, "checks_clients").to_owned(),
        active: first(fields, "active") == "on",
    };
    let roles = RolesDocument {
        platform_admin: typed.platform_admin,
        erp: (!typed.erp_role.is_empty()).then(|| ErpRoleDocument {
            role: typed.erp_role.clone(),
            client_company: (!typed.erp_client_company.is_empty()).then(|| typed.erp_client_company.clone()),
        }),
        checks: (!typed.checks_role.is_empty()).then(|| ChecksRoleDocument {
            role: typed.checks_role.clone(),
            clients: typed
                .checks_clients
                .split([',', '\n'])
                .map(str::trim)
                .filter(|client| !client.is_empty())
                .map(str::to_owned)
                .collect(),
        }),
    };
    (typed, roles)
}

async fn new_user(request: HttpRequest, state: web::Data<GatewayState>) -> HttpResponse {
    let visit = match admin_visit(&request, &state).await {
        Ok(visit) => visit,
        Err(response) => return response,
    };
    let fields = UserFields { active: true, ..UserFields::default() };
    let content = html! {
        h1 { "Nouvel utilisateur" }
        (views::user_form("/admin/users", &visit.csrf, &fields, true, &[]))
    };
    page(&request, StatusCode::OK, "Nouvel utilisateur", Some(&visit), &visit.csrf, &content)
}

async fn create(request: HttpRequest, state: web::Data<GatewayState>, body: web::Bytes) -> HttpResponse {
    let (visit, fields) = match admin_form(&request, &state, &body).await {
        Ok(form) => form,
        Err(response) => return response,
    };
    let (typed, roles) = typed_user(&fields);
    let password = first(&fields, "password");
    let creation = UserCreation {
        name: Some(typed.name.clone()),
        email: Some(typed.email.clone()),
        password: (!password.is_empty()).then(|| SecretString::from(password)),
        roles,
        active: Some(typed.active),
        must_change_password: None,
    };
    match create_user(&state.identity, creation).await {
        Ok(created) => {
            let content = html! {
                h1 { (created.user.name) }
                (views::notice(Some("Utilisateur créé.")))
                @if let Some(password) = &created.temporary_password {
                    (views::secret_once("Mot de passe provisoire :", password))
                }
                (views::user_form(&format!("/admin/users/{}", created.user.id), &visit.csrf, &UserFields::of(&created.user), false, &[]))
                (views::user_actions(&created.user, &visit.csrf))
            };
            page(&request, StatusCode::CREATED, "Utilisateur créé", Some(&visit), &visit.csrf, &content)
        }
        Err(error) => {
            let status = actix_web::ResponseError::status_code(&error);
            let content = html! {
                h1 { "Nouvel utilisateur" }
                (views::user_form("/admin/users", &visit.csrf, &typed, true, &messages(&error)))
            };
            page(&request, status, "Nouvel utilisateur", Some(&visit), &visit.csrf, &content)
        }
    }
}

async fn user_page(
    request: &HttpRequest,
    state: &GatewayState,
    visit: &Visit,
    id: &str,
    notice: Option<&str>,
    secret: Option<&str>,
) -> HttpResponse {
    let user = match state.identity.users.find(id).await {
        Ok(Some(user)) => user.view(),
        Ok(None) => {
            let content = html! { h1 { "Utilisateur introuvable" } p { a href="/admin" { "Retour à la liste" } } };
            return page(request, StatusCode::NOT_FOUND, "Introuvable", Some(visit), &visit.csrf, &content);
        }
        Err(error) => return error_page(request, visit, &ApiError::internal(error)),
    };
    let content = html! {
        h1 { (user.name) }
        (views::notice(notice))
        @if let Some(secret) = secret { (views::secret_once("Mot de passe provisoire :", secret)) }
        (views::user_form(&format!("/admin/users/{}", user.id), &visit.csrf, &UserFields::of(&user), false, &[]))
        (views::user_actions(&user, &visit.csrf))
    };
    page(request, StatusCode::OK, &user.name, Some(visit), &visit.csrf, &content)
}

async fn edit_user(request: HttpRequest, state: web::Data<GatewayState>, id: web::Path<String>) -> HttpResponse {
    match admin_visit(&request, &state).await {
        Ok(visit) => user_page(&request, &state, &visit, &id, None, None).await,
        Err(response) => response,
    }
}

async fn save_user(
    request: HttpRequest,
    state: web::Data<GatewayState>,
    id: web::Path<String>,
    body: web::Bytes,
) -> HttpResponse {
    let (visit, fields) = match admin_form(&request, &state, &body).await {
        Ok(form) => form,
        Err(response) => return response,
    };
    let (typed, roles) = typed_user(&fields);
    let update = UserUpdate {
        name: Some(typed.name.clone()),
        email: Some(typed.email.clone()),
        roles: Some(roles),
        active: Some(typed.active),
        must_change_password: None,
    };
    match update_user(&state.identity, &id, update).await {
        Ok(_) => user_page(&request, &state, &visit, &id, Some("Modifications enregistrées."), None).await,
        Err(error) => {
            let status = actix_web::ResponseError::status_code(&error);
            let content = html! {
                h1 { (typed.name) }
                (views::user_form(&format!("/admin/users/{id}"), &visit.csrf, &typed, false, &messages(&error)))
            };
            page(&request, status, "Modifier", Some(&visit), &visit.csrf, &content)
        }
    }
}

async fn reset_password(
    request: HttpRequest,
    state: web::Data<GatewayState>,
    id: web::Path<String>,
    body: web::Bytes,
) -> HttpResponse {
    let (visit, _) = match admin_form(&request, &state, &body).await {
        Ok(form) => form,
        Err(response) => return response,
    };
    match state.identity.reset_password(&id).await {
        Ok(Some(password)) => {
            let secret = secrecy::ExposeSecret::expose_secret(password.secret()).to_owned();
            user_page(
                &request,
                &state,
                &visit,
                &id,
                Some("Mot de passe réinitialisé ; l'utilisateur est déconnecté partout."),
                Some(&secret),
            )
            .await
        }
        Ok(None) => user_page(&request, &state, &visit, &id, None, None).await,
        Err(error) => error_page(&request, &visit, &error),
    }
}

async fn delete_user(
    request: HttpRequest,
    state: web::Data<GatewayState>,
    id: web::Path<String>,
    body: web::Bytes,
) -> HttpResponse {
    let (visit, fields) = match admin_form(&request, &state, &body).await {
        Ok(form) => form,
        Err(response) => return response,
    };
    // Without script there is no dialog: the first post asks, the second deletes.
    if first(&fields, "confirm") != "yes" {
        return match state.identity.users.find(&id).await {
            Ok(Some(user)) => {
                let content = views::confirm_deletion(&user.view(), &visit.csrf);
                page(&request, StatusCode::OK, "Supprimer", Some(&visit), &visit.csrf, &content)
            }
            _ => redirect(&request, "/admin", Some(&visit)),
        };
    }
    match delete_account(&state.identity, &id).await {
        Ok(_) => redirect(&request, "/admin", Some(&visit)),
        Err(error) => error_page(&request, &visit, &error),
    }
}

async fn keys_page(
    request: &HttpRequest,
    state: &GatewayState,
    visit: &Visit,
    status: StatusCode,
    created: &Markup,
    problems: &[String],
) -> HttpResponse {
    let keys = match state.authenticator.keys().list().await {
        Ok(records) => records.iter().map(crate::routes::api_keys::ApiKey::from).collect::<Vec<_>>(),
        Err(error) => {
            tracing::error!(%error, "could not list API keys for the admin page");
            Vec::new()
        }
    };
    let content = views::key_list(&keys, &known_scopes(state), &visit.csrf, created, problems);
    page(request, status, "Clés d'API", Some(visit), &visit.csrf, &content)
}

async fn keys(request: HttpRequest, state: web::Data<GatewayState>) -> HttpResponse {
    match admin_visit(&request, &state).await {
        Ok(visit) => keys_page(&request, &state, &visit, StatusCode::OK, &html! {}, &[]).await,
        Err(response) => response,
    }
}

async fn create_api_key(request: HttpRequest, state: web::Data<GatewayState>, body: web::Bytes) -> HttpResponse {
    let (visit, fields) = match admin_form(&request, &state, &body).await {
        Ok(form) => form,
        Err(response) => return response,
    };
    let scopes: Vec<String> = fields.iter().filter(|(key, _)| key == "scope").map(|(_, value)| value.clone()).collect();
    let expires_in_days = first(&fields, "expires_in_days").trim();
    let expires_at = match expires_in_days {
        "" => Ok(None),
        days => days
            .parse::<i64>()
            .ok()
            .filter(|days| (1..=3650).contains(days))
            .map(|days| Some(chrono::Utc::now() + chrono::Duration::days(days)))
            .ok_or_else(|| "Expiration : un nombre de jours de 1 à 3650".to_owned()),
    };
    let outcome = match expires_at {
        Ok(expires_at) => {
            let creation =
                KeyCreation { name: Some(first(&fields, "name").to_owned()), scopes: Some(scopes), expires_at };
            create_key(&state, creation).await.map_err(|error| messages(&error))
        }
        Err(problem) => Err(vec![problem]),
    };
    match outcome {
        Ok(created) => {
            let shown = views::secret_once(&format!("Clé « {} » créée :", created.key.name), &created.token);
            keys_page(&request, &state, &visit, StatusCode::CREATED, &shown, &[]).await
        }
        Err(problems) => {
            keys_page(&request, &state, &visit, StatusCode::UNPROCESSABLE_ENTITY, &html! {}, &problems).await
        }
    }
}

async fn revoke_api_key(
    request: HttpRequest,
    state: web::Data<GatewayState>,
    id: web::Path<String>,
    body: web::Bytes,
) -> HttpResponse {
    let (visit, _) = match admin_form(&request, &state, &body).await {
        Ok(form) => form,
        Err(response) => return response,
    };
    match revoke_key(state.authenticator.keys(), &id).await {
        Ok(_) => redirect(&request, "/admin/keys", Some(&visit)),
        Err(error) => error_page(&request, &visit, &error),
    }
}
