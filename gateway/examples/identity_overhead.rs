//! What authentication adds to each proxied request, measured in one run
//! against the same request without authentication, and how many sign-ins
//! per second the configured Argon2id parameters allow. Run by
//! `bench/identity.sh` (release build); prints a Markdown table.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use actix_web::http::header::{AUTHORIZATION, HeaderMap, HeaderValue};
use common::database::Database;
use common::identity::{Caller, CallerKind, InternalKey};
use gateway::auth::api_keys::ApiKeyStore;
use gateway::auth::{API_KEY_HEADER, Authenticator};
use gateway::configuration::{CONFIG, Settings};
use gateway::domain::{EmailAddress, NewPassword, PersonName, Roles, Scopes};
use gateway::identity::Identity;
use gateway::identity::users::NewUser;
use secrecy::{ExposeSecret, SecretString};

const ROUNDS: usize = 200_000;

fn percentile(sorted: &[Duration], fraction: f64) -> Duration {
    #[expect(clippy::cast_possible_truncation, clippy::cast_sign_loss, clippy::cast_precision_loss)]
    let index = ((sorted.len() - 1) as f64 * fraction).round() as usize;
    sorted[index]
}

fn micros(duration: Duration) -> String {
    format!("{:.2}", duration.as_secs_f64() * 1e6)
}

/// Per request: what the gateway does for it, from the headers to the
/// signed identity it forwards.
async fn time_requests(
    authenticator: &Authenticator,
    internal: &InternalKey,
    headers: Option<&HeaderMap>,
) -> Vec<Duration> {
    let anonymous = Caller {
        subject: "anonymous".into(),
        kind: CallerKind::ApiKey,
        roles: BTreeMap::new(),
        scopes: Vec::new(),
        limited_to: BTreeMap::new(),
        email: None,
        name: None,
    };
    let mut samples = Vec::with_capacity(ROUNDS);
    for round in 0..ROUNDS + ROUNDS / 10 {
        let started = Instant::now();
        let forwarded = match headers {
            Some(headers) => {
                let authenticated = authenticator.authenticate(headers).await.expect("authenticated");
                authenticated.authorize("erp").expect("allowed");
                Some(internal.sign(&authenticated.caller, "erp").expect("signed"))
            }
            None => None,
        };
        let elapsed = started.elapsed();
        std::hint::black_box((forwarded, &anonymous));
        if round >= ROUNDS / 10 {
            samples.push(elapsed);
        }
    }
    samples.sort();
    samples
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    let directory = tempfile::tempdir()?;
    let mut settings: Settings = common::configuration::load_from(&CONFIG, Default::default())?;
    settings.database.url = SecretString::from(format!("sqlite://{}/gateway.db", directory.path().display()));
    // Throughput of the hashing itself, not of the guessing limits.
    settings.auth.login.per_account_per_minute = 1_000_000;
    settings.auth.login.max_failures = i64::MAX;
    let database = Database::connect_and_migrate(&settings.database, &gateway::startup::migrations()).await?;
    let identity = Identity::build(&settings.auth, &database).await?;
    let keys = ApiKeyStore::new(database.clone(), Duration::from_secs(settings.auth.key_cache_secs));
    let (_, api_key) = keys.create("bench", &Scopes::All, None).await?;
    let password = NewPassword::generate();
    identity
        .users
        .create(NewUser {
            name: PersonName::parse("Bench").map_err(anyhow::Error::msg)?,
            email: EmailAddress::parse("bench@example.fr").map_err(anyhow::Error::msg)?,
            password_hash: identity.hasher.hash(password.secret()).await?,
            roles: Roles { platform_admin: true, ..Roles::default() },
            active: true,
            must_change_password: false,
        })
        .await?;
    let pair =
        identity.login("bench@example.fr", password.secret(), "bench").await.map_err(|e| anyhow::anyhow!("{e}"))?;
    let authenticator = Authenticator::new(
        keys,
        &[],
        identity.keys.verifier().clone(),
        identity.sessions.clone(),
        identity.users.clone(),
    );
    let (internal, _) = InternalKey::generate();

    let mut with_key = HeaderMap::new();
    with_key.insert(API_KEY_HEADER, HeaderValue::from_str(&api_key)?);
    let mut with_token = HeaderMap::new();
    with_token.insert(AUTHORIZATION, HeaderValue::from_str(&format!("Bearer {}", pair.access_token))?);

    let none = time_requests(&authenticator, &internal, None).await;
    let key = time_requests(&authenticator, &internal, Some(&with_key)).await;
    let token = time_requests(&authenticator, &internal, Some(&with_token)).await;
    println!("| per request ({ROUNDS} rounds) | p50 µs | p99 µs | added at p50 µs |");
    println!("|---|---|---|---|");
    for (label, samples) in [("no authentication", &none), ("API key (X-API-Key)", &key), ("user JWT (Bearer)", &token)]
    {
        println!(
            "| {label} | {} | {} | {} |",
            micros(percentile(samples, 0.5)),
            micros(percentile(samples, 0.99)),
            micros(percentile(samples, 0.5).saturating_sub(percentile(&none, 0.5)))
        );
    }

    // Sign-ins: two at a time (one per core) for a few seconds, then the
    // latency of a wrong password and of an unknown address.
    let argon2 = &settings.auth.argon2;
    let deadline = Instant::now() + Duration::from_secs(5);
    let mut workers = Vec::new();
    for worker in 0..2 {
        let identity = identity.clone();
        let secret = password.secret().expose_secret().to_owned();
        workers.push(tokio::spawn(async move {
            let mut count = 0_u32;
            while Instant::now() < deadline {
                identity
                    .login("bench@example.fr", &SecretString::from(secret.clone()), &format!("worker-{worker}-{count}"))
                    .await
                    .expect("sign-in");
                count += 1;
            }
            count
        }));
    }
    let mut signed_in = 0;
    for worker in workers {
        signed_in += worker.await?;
    }
    let mut wrong = Vec::new();
    let mut unknown = Vec::new();
    for attempt in 0..8 {
        let started = Instant::now();
        let _ = identity.login("bench@example.fr", &SecretString::from("wrong password"), &format!("w{attempt}")).await;
        wrong.push(started.elapsed());
        let started = Instant::now();
        let _ = identity
            .login(&format!("nobody{attempt}@example.fr"), &SecretString::from("x"), &format!("u{attempt}"))
            .await;
        unknown.push(started.elapsed());
    }
    wrong.sort();
    unknown.sort();
    println!();
    println!(
        "| sign-in, Argon2id m={} KiB t={} p={} | value |",
        argon2.memory_kib, argon2.iterations, argon2.parallelism
    );
    println!("|---|---|");
    println!("| successful sign-ins per second (2 concurrent) | {:.1} |", f64::from(signed_in) / 5.0);
    println!("| wrong password, p50 ms | {:.1} |", percentile(&wrong, 0.5).as_secs_f64() * 1e3);
    println!("| unknown address, p50 ms | {:.1} |", percentile(&unknown, 0.5).as_secs_f64() * 1e3);
    Ok(())
}
