//! The shared building blocks against real servers: PostgreSQL, RabbitMQ
//! and an S3-compatible server.

use std::process::Command;
use std::time::Duration;

use bytes::Bytes;
use common::configuration::{ObjectStoreSettings, QueueSettings};
use common::database::{Database, Migrations};
use common::object_storage::{ObjectInfo, ObjectStorage, StorageError};
use common::on_database;
use common::queue::{JobQueue, ReceivedJob};
use common::testing::{S3Server, amqp_url, fresh_postgres, fresh_sqlite};
use secrecy::SecretString;

fn test_migrations() -> Migrations {
    Migrations {
        postgres: sqlx::migrate!("./tests/migrations/postgres"),
        sqlite: sqlx::migrate!("./tests/migrations/sqlite"),
    }
}

async fn insert_and_count(database: &Database) -> i64 {
    on_database!(database, pool => sqlx::query("INSERT INTO notes (body) VALUES ($1)")
        .bind("hello")
        .execute(pool)
        .await
        .map(drop))
    .expect("insert");
    on_database!(database, pool => sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM notes")
        .fetch_one(pool)
        .await)
    .expect("count")
}

#[tokio::test]
async fn postgres_migrations_run_in_the_service_schema_and_are_idempotent() {
    let settings = fresh_postgres("notes_service").await;
    let database = Database::connect_and_migrate(&settings, &test_migrations()).await.expect("migrate");
    assert_eq!(database.engine(), "postgres");
    assert_eq!(insert_and_count(&database).await, 1);
    database.migrate(&test_migrations()).await.expect("second run is a no-op");
    let Database::Postgres(pool) = &database else { unreachable!() };
    let schema: String =
        sqlx::query_scalar("SELECT table_schema::text FROM information_schema.tables WHERE table_name = 'notes'")
            .fetch_one(pool)
            .await
            .expect("table schema");
    assert_eq!(schema, "notes_service");
    assert_eq!(database.ping().await, Ok(()));
}

#[tokio::test]
async fn two_services_share_one_postgres_database_without_colliding() {
    let first = fresh_postgres("first").await;
    let mut second = first.clone();
    second.schema = "second".to_owned();
    let first = Database::connect_and_migrate(&first, &test_migrations()).await.expect("first");
    let second = Database::connect_and_migrate(&second, &test_migrations()).await.expect("second");
    assert_eq!(insert_and_count(&first).await, 1);
    assert_eq!(insert_and_count(&first).await, 2);
    assert_eq!(insert_and_count(&second).await, 1);
}

#[tokio::test]
async fn sqlite_runs_the_same_statements() {
    let dir = tempfile::tempdir().expect("tempdir");
    let database =
        Database::connect_and_migrate(&fresh_sqlite(dir.path(), "notes"), &test_migrations()).await.expect("migrate");
    assert_eq!(insert_and_count(&database).await, 1);
}

async fn rabbitmq(name: &str) -> JobQueue {
    let settings = QueueSettings { url: Some(SecretString::from(amqp_url())), prefetch: 4, publish_timeout_secs: 5.0 };
    JobQueue::connect(&settings, name)
        .await
        .unwrap_or_else(|error| panic!("RabbitMQ is required at {} ({error})", amqp_url()))
}

fn unique(prefix: &str) -> String {
    format!("{prefix}-{}", uuid::Uuid::new_v4().simple())
}

async fn next_job(consumer: &mut common::queue::JobConsumer) -> ReceivedJob {
    tokio::time::timeout(Duration::from_secs(10), consumer.next())
        .await
        .expect("a job arrives in time")
        .expect("the queue is open")
}

/// Publish, consume, retry and reject behave the same on both queues.
async fn exercise_the_queue_contract(queue: &JobQueue, name: &str) {
    queue.publish(name, "job-1", br#"{"n":1}"#).await.expect("publish 1");
    queue.publish(name, "job-2", br#"{"n":2}"#).await.expect("publish 2");
    let mut consumer = queue.consume(name, &unique("consumer")).await.expect("consume");

    let first = next_job(&mut consumer).await;
    assert_eq!((first.message_id.as_str(), first.payload.as_slice()), ("job-1", &br#"{"n":1}"#[..]));
    assert!(!first.redelivered);
    first.retry().await.expect("retry");

    let mut seen = Vec::new();
    for _ in 0..2 {
        let job = next_job(&mut consumer).await;
        seen.push((job.message_id.clone(), job.redelivered));
        if job.message_id == "job-1" {
            job.ack().await.expect("ack");
        } else {
            job.reject().await.expect("reject");
        }
    }
    seen.sort();
    assert_eq!(seen, [("job-1".to_owned(), true), ("job-2".to_owned(), false)]);
}

#[tokio::test]
async fn rabbitmq_delivers_at_least_once_with_retries_and_dead_letters() {
    let queue = rabbitmq("contract-test").await;
    let name = unique("test.contract");
    exercise_the_queue_contract(&queue, &name).await;
    assert_eq!(queue.check().await, Ok(()));

    // The rejected job sits in the dead-letter queue.
    let mut dead = queue.consume(&format!("{name}.dead"), "dead-reader").await.expect("dead letters");
    let job = next_job(&mut dead).await;
    assert_eq!(job.message_id, "job-2");
    job.ack().await.expect("ack dead letter");
}

async fn a_delayed_job_arrives_after_its_delay(queue: &JobQueue, name: &str) {
    let mut consumer = queue.consume(name, &unique("consumer")).await.expect("consume");
    let published = std::time::Instant::now();
    queue.publish_delayed(name, "later", b"{}", Duration::from_millis(400)).await.expect("publish delayed");
    let job = next_job(&mut consumer).await;
    assert_eq!(job.message_id, "later");
    assert!(published.elapsed() >= Duration::from_millis(400), "arrived after {:?}", published.elapsed());
    job.ack().await.expect("ack");
}

#[tokio::test]
async fn rabbitmq_delays_a_job_in_a_ttl_queue_that_dead_letters_back() {
    let queue = rabbitmq("delay-test").await;
    a_delayed_job_arrives_after_its_delay(&queue, &unique("test.delay")).await;
}

#[tokio::test]
async fn the_in_process_queue_delays_a_job() {
    let queue = JobQueue::connect(&QueueSettings { url: None, prefetch: 4, publish_timeout_secs: 5.0 }, "local")
        .await
        .expect("local");
    a_delayed_job_arrives_after_its_delay(&queue, "local.delay").await;
}

#[tokio::test]
async fn the_in_process_queue_keeps_the_same_contract() {
    let queue = JobQueue::connect(&QueueSettings { url: None, prefetch: 4, publish_timeout_secs: 5.0 }, "local")
        .await
        .expect("local");
    exercise_the_queue_contract(&queue, "local.contract").await;
    let JobQueue::InProcess(local) = &queue else { unreachable!() };
    assert_eq!(local.dead_letters("local.contract"), ["job-2"]);
}

#[tokio::test]
async fn an_in_process_job_dropped_unanswered_comes_back() {
    let queue = JobQueue::connect(&QueueSettings { url: None, prefetch: 4, publish_timeout_secs: 5.0 }, "local")
        .await
        .expect("local");
    queue.publish("local.drop", "job", b"{}").await.expect("publish");
    let mut consumer = queue.consume("local.drop", "c").await.expect("consume");
    drop(next_job(&mut consumer).await);
    let again = next_job(&mut consumer).await;
    assert!(again.redelivered);
}

#[tokio::test]
async fn a_publish_after_the_broker_drops_the_connection_succeeds_once_recovered() {
    let connection_name = unique("recovery-test");
    let queue = rabbitmq(&connection_name).await;
    let name = unique("test.recovery");
    queue.publish(&name, "before", b"{}").await.expect("publish before");

    close_connection_named(&connection_name);
    queue.publish(&name, "after", b"{}").await.expect("publish after recovery");

    let mut consumer = queue.consume(&name, "recovery-reader").await.expect("consume");
    let mut ids = Vec::new();
    for _ in 0..2 {
        let job = next_job(&mut consumer).await;
        ids.push(job.message_id.clone());
        job.ack().await.expect("ack");
    }
    ids.sort();
    assert_eq!(ids, ["after", "before"]);
}

/// Closes, from the broker side, the connection with this client name.
fn close_connection_named(connection_name: &str) {
    let listing = Command::new("rabbitmqctl")
        .args(["list_connections", "pid", "client_properties", "--quiet", "--no-table-headers"])
        .output()
        .expect("rabbitmqctl is installed with RabbitMQ");
    let listing = String::from_utf8_lossy(&listing.stdout);
    let pid = listing
        .lines()
        .find(|line| line.contains(connection_name))
        .and_then(|line| line.split_whitespace().next())
        .unwrap_or_else(|| panic!("connection {connection_name} not listed:\n{listing}"));
    let status = Command::new("rabbitmqctl")
        .args(["close_connection", pid, "closed by a recovery test"])
        .status()
        .expect("rabbitmqctl close_connection");
    assert!(status.success());
}

#[tokio::test]
async fn objects_round_trip_through_an_s3_compatible_server() {
    let server = S3Server::start();
    let settings = ObjectStoreSettings { local_dir: "unused".to_owned(), s3: Some(server.settings.clone()) };
    let storage = ObjectStorage::from_settings(&settings, "prod").expect("s3 storage");
    assert_eq!(storage.backend(), "s3");
    storage.put("2026/11/invoice.pdf", Bytes::from_static(b"%PDF-1.7")).await.expect("put");
    assert_eq!(storage.get("2026/11/invoice.pdf").await.expect("get"), Bytes::from_static(b"%PDF-1.7"));
    assert_eq!(storage.check().await, Ok(()));
    storage.delete("2026/11/invoice.pdf").await.expect("delete");
    assert!(matches!(storage.get("2026/11/invoice.pdf").await, Err(StorageError::NotFound(_))));
}

#[tokio::test]
async fn s3_objects_keep_their_media_type_and_metadata() {
    let server = S3Server::start();
    let settings = ObjectStoreSettings { local_dir: "unused".to_owned(), s3: Some(server.settings.clone()) };
    let storage = ObjectStorage::from_settings(&settings, "prod").expect("s3 storage");
    let info = ObjectInfo {
        content_type: Some("application/pdf".to_owned()),
        metadata: vec![("invoice-id".to_owned(), "456".to_owned()), ("user-id".to_owned(), "123".to_owned())],
    };
    storage.put_described("user-123/report.pdf", Bytes::from_static(b"%PDF-1.7"), &info).await.expect("put");
    assert_eq!(storage.describe("user-123/report.pdf").await.expect("describe"), info);
    assert_eq!(storage.get("user-123/report.pdf").await.expect("get"), Bytes::from_static(b"%PDF-1.7"));
}

#[tokio::test]
async fn a_wrong_s3_secret_makes_readiness_fail() {
    let server = S3Server::start();
    let mut s3 = server.settings.clone();
    s3.secret_key = SecretString::from("wrong");
    let settings = ObjectStoreSettings { local_dir: "unused".to_owned(), s3: Some(s3) };
    let storage = ObjectStorage::from_settings(&settings, "prod").expect("s3 storage");
    assert!(storage.check().await.is_err());
}
