//! The admin page's HTML, in French like its users. No script: every
//! action is a form, so it works with any browser and assistive tool.

use maud::{DOCTYPE, Markup, html};

use crate::identity::users::User;
use crate::routes::api_keys::ApiKey;
use crate::routes::users::UserPage;

/// What the page header shows about the signed-in administrator.
pub struct Chrome<'a> {
    pub email: Option<&'a str>,
    pub csrf: &'a str,
}

pub fn layout(title: &str, chrome: &Chrome<'_>, content: &Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="fr" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · Administration de la plateforme" }
                link rel="stylesheet" href="/admin/style.css";
            }
            body {
                a.skip href="#contenu" { "Aller au contenu" }
                header {
                    span.brand { "Administration de la plateforme" }
                    @if let Some(email) = chrome.email {
                        nav aria-label="Sections" {
                            a href="/admin" { "Utilisateurs" } " · "
                            a href="/admin/keys" { "Clés d'API" }
                        }
                        span { (email) }
                        form method="post" action="/admin/logout" {
                            input type="hidden" name="csrf" value=(chrome.csrf);
                            button.secondary type="submit" { "Se déconnecter" }
                        }
                    }
                }
                main #contenu {
                    (content)
                }
            }
        }
    }
}

pub fn errors(messages: &[String]) -> Markup {
    html! {
        @if !messages.is_empty() {
            div.error role="alert" {
                strong { "Impossible d'enregistrer :" }
                ul { @for message in messages { li { (message) } } }
            }
        }
    }
}

pub fn notice(message: Option<&str>) -> Markup {
    html! {
        @if let Some(message) = message {
            div.notice role="status" { (message) }
        }
    }
}

pub fn secret_once(label: &str, secret: &str) -> Markup {
    html! {
        div.notice role="status" {
            strong { (label) }
            " Cette valeur ne sera plus jamais affichée : copiez-la maintenant."
            code.secret { (secret) }
        }
    }
}

/// A form posts to `action` with the page to go to next in its query.
fn with_next(action: &str, next: Option<&str>) -> String {
    match next.and_then(|next| serde_urlencoded::to_string([("next", next)]).ok()) {
        Some(query) => format!("{action}?{query}"),
        None => action.to_owned(),
    }
}

pub fn sign_in(csrf: &str, email: &str, next: Option<&str>, problem: Option<&str>) -> Markup {
    html! {
        div.card.narrow {
            h1 { "Connexion" }
            @if let Some(problem) = problem {
                div.error role="alert" { (problem) }
            }
            form method="post" action=(with_next("/admin/login", next)) {
                input type="hidden" name="csrf" value=(csrf);
                label for="email" { "Adresse e-mail" }
                input #email type="email" name="email" value=(email) autocomplete="username" required autofocus;
                label for="password" { "Mot de passe" }
                input #password type="password" name="password" autocomplete="current-password" required;
                div.actions { button type="submit" { "Se connecter" } }
            }
        }
    }
}

pub fn choose_password(csrf: &str, messages: &[String], next: Option<&str>) -> Markup {
    html! {
        div.card.narrow {
            h1 { "Choisissez un nouveau mot de passe" }
            p { "Votre mot de passe est provisoire. Choisissez-en un de 12 caractères au moins avant de continuer." }
            (errors(messages))
            form method="post" action=(with_next("/admin/password", next)) {
                input type="hidden" name="csrf" value=(csrf);
                label for="current_password" { "Mot de passe actuel" }
                input #current_password type="password" name="current_password" autocomplete="current-password" required;
                label for="new_password" { "Nouveau mot de passe" }
                input #new_password type="password" name="new_password" autocomplete="new-password" minlength="12" required;
                div.actions { button type="submit" { "Enregistrer le mot de passe" } }
            }
        }
    }
}

pub fn forbidden() -> Markup {
    html! {
        div.card.narrow {
            h1 { "Accès réservé" }
            p { "Seuls les administrateurs de la plateforme gèrent les utilisateurs et les clés d'API." }
        }
    }
}

fn role_badges(user: &User) -> Markup {
    let roles = &user.roles;
    html! {
        @if roles.platform_admin { span.badge { "admin plateforme" } }
        @if let Some(erp) = &roles.erp {
            span.badge {
                "ERP : " (erp.role)
                @if let Some(company) = &erp.client_company { " (" (company) ")" }
            }
        }
        @if let Some(checks) = &roles.checks {
            span.badge {
                "Check du Matin : " (checks.role)
                @if !checks.clients.is_empty() { " (" (checks.clients.join(", ")) ")" }
            }
        }
    }
}

/// The list's own address with one parameter changed.
pub struct ListLinks<'a> {
    pub search: &'a str,
    pub sort: &'a str,
}

impl ListLinks<'_> {
    fn to_page(&self, page: i64) -> String {
        let query = serde_urlencoded::to_string([("q", self.search), ("sort", self.sort), ("page", &page.to_string())])
            .unwrap_or_default();
        format!("/admin?{query}")
    }
}

pub fn user_list(page: &UserPage, links: &ListLinks<'_>, message: Option<&str>) -> Markup {
    html! {
        h1 { "Utilisateurs" }
        (notice(message))
        form.search method="get" action="/admin" role="search" {
            div {
                label for="q" { "Rechercher par nom ou e-mail" }
                input #q type="search" name="q" value=(links.search);
            }
            div {
                label for="sort" { "Trier par" }
                select #sort name="sort" {
                    @for (value, label) in [("name", "Nom"), ("email", "E-mail"), ("-created_at", "Plus récents"), ("created_at", "Plus anciens")] {
                        option value=(value) selected[links.sort == value] { (label) }
                    }
                }
            }
            button type="submit" { "Rechercher" }
            a.button href="/admin/users/new" { "Ajouter un utilisateur" }
        }
        table {
            caption { (page.total) " utilisateur(s)" @if page.pages > 1 { ", page " (page.page) " sur " (page.pages) } }
            thead { tr { th scope="col" { "Nom" } th scope="col" { "E-mail" } th scope="col" { "Rôles" } th scope="col" { "État" } th scope="col" { span.skip { "Actions" } } } }
            tbody {
                @for user in &page.items {
                    tr {
                        td { (user.name) }
                        td { (user.email) }
                        td { (role_badges(user)) }
                        td {
                            @if user.active { span.badge.on { "actif" } } @else { span.badge.off { "désactivé" } }
                            @if user.must_change_password { span.badge { "mot de passe provisoire" } }
                        }
                        td { a href={ "/admin/users/" (user.id) } aria-label={ "Modifier " (user.name) } { "Modifier" } }
                    }
                }
            }
        }
        @if page.pages > 1 {
            nav.pages aria-label="Pages" {
                @if page.page > 1 { a href=(links.to_page(page.page - 1)) rel="prev" { "← Précédente" } }
                span { "Page " (page.page) " / " (page.pages) }
                @if page.page < page.pages { a href=(links.to_page(page.page + 1)) rel="next" { "Suivante →" } }
            }
        }
    }
}

/// What the user form shows: a user's current values or what was typed.
#[derive(Default)]
pub struct UserFields {
    pub name: String,
    pub email: String,
    pub platform_admin: bool,
    pub erp_role: String,
    pub erp_client_company: String,
    pub checks_role: String,
    pub checks_clients: String,
    pub active: bool,
}

impl UserFields {
    pub fn of(user: &User) -> Self {
        Self {
            name: user.name.clone(),
            email: user.email.clone(),
            platform_admin: user.roles.platform_admin,
            erp_role: user.roles.erp.as_ref().map(|erp| erp.role.clone()).unwrap_or_default(),
            erp_client_company: user.roles.erp.as_ref().and_then(|erp| erp.client_company.clone()).unwrap_or_default(),
            checks_role: user.roles.checks.as_ref().map(|checks| checks.role.clone()).unwrap_or_default(),
            checks_clients: user.roles.checks.as_ref().map(|checks| checks.clients.join(", ")).unwrap_or_default(),
            active: user.active,
        }
    }
}

fn select(id: &str, label: &str, current: &str, options: &[(&str, &str)]) -> Markup {
    html! {
        label for=(id) { (label) }
        select id=(id) name=(id) {
            @for (value, text) in options {
                option value=(value) selected[current == *value] { (text) }
            }
        }
    }
}

pub fn user_form(action: &str, csrf: &str, fields: &UserFields, creating: bool, messages: &[String]) -> Markup {
    html! {
        (errors(messages))
        form.card method="post" action=(action) {
            input type="hidden" name="csrf" value=(csrf);
            div.grid {
                div {
                    label for="name" { "Nom" }
                    input #name type="text" name="name" value=(fields.name) required autocomplete="off";
                }
                div {
                    label for="email" { "Adresse e-mail" }
                    input #email type="email" name="email" value=(fields.email) required autocomplete="off";
                }
            }
            @if creating {
                label for="password" { "Mot de passe " span.hint { "(facultatif : sans mot de passe, un mot de passe provisoire est généré)" } }
                input #password type="password" name="password" autocomplete="new-password" minlength="12";
            }
            fieldset {
                legend { "Rôles" }
                label.check { input type="checkbox" name="platform_admin" value="on" checked[fields.platform_admin]; "Administrateur de la plateforme" }
                div.grid {
                    div {
                        (select("erp_role", "ERP de maintenance", &fields.erp_role, &[("", "aucun accès"), ("admin", "admin"), ("responsable", "responsable"), ("technicien", "technicien"), ("client", "client")]))
                        label for="erp_client_company" { "Société cliente " span.hint { "(pour le rôle client)" } }
                        input #erp_client_company type="text" name="erp_client_company" value=(fields.erp_client_company);
                    }
                    div {
                        (select("checks_role", "Check du Matin", &fields.checks_role, &[("", "aucun accès"), ("admin", "admin"), ("gestionnaire", "gestionnaire"), ("client", "client (sa page d'état)")]))
                        label for="checks_clients" { "Clients gérés " span.hint { "(pour un gestionnaire, séparés par des virgules ; pour un client, le sien)" } }
                        textarea #checks_clients name="checks_clients" { (fields.checks_clients) }
                    }
                }
            }
            label.check { input type="checkbox" name="active" value="on" checked[fields.active]; "Compte actif" }
            div.actions {
                button type="submit" { @if creating { "Créer l'utilisateur" } @else { "Enregistrer" } }
                a href="/admin" { "Retour à la liste" }
            }
        }
    }
}

pub fn user_actions(user: &User, csrf: &str) -> Markup {
    html! {
        div.card {
            h2 { "Mot de passe et suppression" }
            div.actions {
                form method="post" action={ "/admin/users/" (user.id) "/reset-password" } {
                    input type="hidden" name="csrf" value=(csrf);
                    button.secondary type="submit" { "Réinitialiser le mot de passe" }
                }
                form method="post" action={ "/admin/users/" (user.id) "/delete" } {
                    input type="hidden" name="csrf" value=(csrf);
                    button.danger type="submit" { "Supprimer l'utilisateur" }
                }
            }
            p.hint { "La réinitialisation génère un mot de passe provisoire et déconnecte l'utilisateur partout." }
        }
    }
}

pub fn confirm_deletion(user: &User, csrf: &str) -> Markup {
    html! {
        div.card.narrow {
            h1 { "Supprimer " (user.name) "\u{a0}?" }
            p { "Le compte " strong { (user.email) } " et ses sessions seront supprimés définitivement. "
                "Pour suspendre l'accès sans rien perdre, désactivez plutôt le compte." }
            form method="post" action={ "/admin/users/" (user.id) "/delete" } {
                input type="hidden" name="csrf" value=(csrf);
                input type="hidden" name="confirm" value="yes";
                div.actions {
                    button.danger type="submit" { "Supprimer définitivement" }
                    a href={ "/admin/users/" (user.id) } { "Annuler" }
                }
            }
        }
    }
}

pub fn key_list(keys: &[ApiKey], scopes: &[String], csrf: &str, created: &Markup, messages: &[String]) -> Markup {
    html! {
        h1 { "Clés d'API" }
        (created)
        (errors(messages))
        form.card method="post" action="/admin/keys" {
            h2 { "Nouvelle clé" }
            input type="hidden" name="csrf" value=(csrf);
            label for="key_name" { "Nom " span.hint { "(qui l'utilise, pour quoi)" } }
            input #key_name type="text" name="name" required maxlength="100";
            fieldset {
                legend { "Services autorisés" }
                label.check { input type="checkbox" name="scope" value="*"; "Tous (y compris l'administration)" }
                @for scope in scopes {
                    label.check { input type="checkbox" name="scope" value=(scope); (scope) }
                }
            }
            label for="expires_in_days" { "Expire dans (jours) " span.hint { "(vide : jamais)" } }
            input #expires_in_days type="number" name="expires_in_days" min="1" max="3650";
            div.actions { button type="submit" { "Créer la clé" } }
        }
        table {
            caption { (keys.len()) " clé(s)" }
            thead { tr { th scope="col" { "Nom" } th scope="col" { "Préfixe" } th scope="col" { "Services" } th scope="col" { "Créée" } th scope="col" { "Dernier usage" } th scope="col" { "Expiration" } th scope="col" { "État" } } }
            tbody {
                @for key in keys {
                    tr {
                        td { (key.name) }
                        td { code { "pk_" (key.prefix) } }
                        td { @for scope in &key.scopes { span.badge { (scope) } } }
                        td { (key.created_at.format("%d/%m/%Y %H:%M")) }
                        td { @if let Some(used) = key.last_used_at { (used.format("%d/%m/%Y %H:%M")) } @else { "jamais" } }
                        td { @if let Some(expiry) = key.expires_at { (expiry.format("%d/%m/%Y")) } @else { "—" } }
                        td {
                            @if key.revoked_at.is_some() { span.badge.off { "révoquée" } }
                            @else {
                                form method="post" action={ "/admin/keys/" (key.id) "/revoke" } {
                                    input type="hidden" name="csrf" value=(csrf);
                                    button.danger type="submit" aria-label={ "Révoquer " (key.name) } { "Révoquer" }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
