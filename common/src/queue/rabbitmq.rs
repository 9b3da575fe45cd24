use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use futures_util::StreamExt;
use lapin::options::{
    BasicConsumeOptions, BasicPublishOptions, BasicQosOptions, ConfirmSelectOptions, ExchangeDeclareOptions,
    QueueBindOptions, QueueDeclareOptions,
};
use lapin::types::{AMQPValue, FieldTable, LongString, ShortString};
use lapin::{BasicProperties, Channel, Connection, ConnectionProperties, ExchangeKind};
use tokio::sync::{Mutex, mpsc};

use super::{Answer, QueueError, ReceivedJob};
use crate::telemetry;

const EXCHANGE: &str = "platform.jobs";
const DEAD_LETTER_EXCHANGE: &str = "platform.jobs.dead";
const PERSISTENT: u8 = 2;
/// One attempt to open a connection, at most this long (a broker that is
/// down refuses at once; one behind a dead route would not answer).
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Between two attempts to publish while the broker is away.
const PUBLISH_RETRY_WAIT: Duration = Duration::from_millis(250);
/// Between two attempts of a consumer to subscribe again.
const RESUBSCRIBE_WAIT: Duration = Duration::from_secs(1);

/// Jobs in durable queues bound to a durable direct exchange, published as
/// persistent messages on a channel in confirm mode.
///
/// A lost connection is replaced here rather than by lapin's automatic
/// recovery: in lapin 4.12 a connection reset can leave its I/O thread
/// asleep for good, its recovery never started (seen under load in the
/// broker-restart test). A new connection is opened when the current one
/// is found broken; consumers subscribe again on it, and deliveries not
/// acknowledged on the old one are redelivered by the broker.
#[derive(Clone)]
pub struct RabbitMqQueue {
    inner: Arc<Inner>,
}

struct Inner {
    url: String,
    connection_name: String,
    prefetch: u16,
    publish_timeout: Duration,
    /// The current connection; replaced when found broken.
    link: Mutex<Arc<Link>>,
    /// The same, readable without waiting, for `/ready`.
    latest: std::sync::RwLock<Arc<Link>>,
    /// Whether the loss of the current connection was logged.
    loss_reported: AtomicBool,
}

/// One connection to the broker and its publishing channel.
struct Link {
    connection: Connection,
    publisher: Channel,
    /// Queues declared on this connection.
    declared: Mutex<HashSet<String>>,
}

impl Link {
    async fn open(url: &str, connection_name: &str) -> Result<Self, QueueError> {
        let properties = ConnectionProperties::default().with_connection_name(connection_name.to_owned().into());
        let connection = tokio::time::timeout(CONNECT_TIMEOUT, Connection::connect(url, properties))
            .await
            .map_err(|_| QueueError::Unreachable)??;
        let publisher = connection.create_channel().await?;
        publisher.confirm_select(ConfirmSelectOptions::default()).await?;
        for (exchange, kind) in [(EXCHANGE, ExchangeKind::Direct), (DEAD_LETTER_EXCHANGE, ExchangeKind::Direct)] {
            publisher
                .exchange_declare(
                    exchange.into(),
                    kind,
                    ExchangeDeclareOptions { durable: true, ..Default::default() },
                    FieldTable::default(),
                )
                .await?;
        }
        Ok(Self { connection, publisher, declared: Mutex::default() })
    }

    fn usable(&self) -> bool {
        self.connection.status().connected() && self.publisher.status().connected()
    }
}

impl RabbitMqQueue {
    pub async fn connect(
        url: &str,
        connection_name: &str,
        prefetch: u16,
        publish_timeout: Duration,
    ) -> Result<Self, QueueError> {
        let link = Arc::new(Link::open(url, connection_name).await?);
        Ok(Self {
            inner: Arc::new(Inner {
                url: url.to_owned(),
                connection_name: connection_name.to_owned(),
                prefetch,
                publish_timeout,
                link: Mutex::new(Arc::clone(&link)),
                latest: std::sync::RwLock::new(link),
                loss_reported: AtomicBool::new(false),
            }),
        })
    }

    /// The current connection, or a new one when it is broken.
    async fn link(&self) -> Result<Arc<Link>, QueueError> {
        let mut current = self.inner.link.lock().await;
        if current.usable() {
            return Ok(Arc::clone(&current));
        }
        if !self.inner.loss_reported.swap(true, Ordering::Relaxed) {
            tracing::warn!("broker connection lost; opening new ones until one holds");
        }
        let link = Arc::new(Link::open(&self.inner.url, &self.inner.connection_name).await?);
        self.inner.loss_reported.store(false, Ordering::Relaxed);
        tracing::info!("broker connection open again");
        *current = Arc::clone(&link);
        *self.inner.latest.write().unwrap_or_else(std::sync::PoisonError::into_inner) = Arc::clone(&link);
        Ok(link)
    }

    pub async fn publish(&self, queue: &str, message_id: &str, payload: &[u8]) -> Result<(), QueueError> {
        self.publish_within_timeout(Destination::Queue(queue), message_id, payload).await
    }

    /// Publishes to `<queue>.delay.<ms>` through the default exchange; the
    /// message expires there and dead-letters to `queue`.
    pub async fn publish_delayed(
        &self,
        queue: &str,
        message_id: &str,
        payload: &[u8],
        delay: Duration,
    ) -> Result<(), QueueError> {
        let milliseconds = delay.as_millis().clamp(1, u128::from(u32::MAX)) as u32;
        self.publish_within_timeout(Destination::Delayed { queue, milliseconds }, message_id, payload).await
    }

    /// Tries until the broker confirms, on a new connection when the
    /// current one breaks, for at most the publish timeout.
    async fn publish_within_timeout(
        &self,
        destination: Destination<'_>,
        message_id: &str,
        payload: &[u8],
    ) -> Result<(), QueueError> {
        let mut headers = FieldTable::default();
        telemetry::inject_amqp(&mut headers);
        let properties = BasicProperties::default()
            .with_delivery_mode(PERSISTENT)
            .with_message_id(message_id.to_owned().into())
            .with_content_type("application/json".into())
            .with_headers(headers);
        let publishing = async {
            loop {
                match self.publish_once(&destination, payload, properties.clone()).await {
                    Err(error @ (QueueError::Broker(_) | QueueError::Unreachable)) => {
                        tracing::debug!(%error, "publish failed; trying again");
                        tokio::time::sleep(PUBLISH_RETRY_WAIT).await;
                    }
                    outcome => return outcome,
                }
            }
        };
        tokio::time::timeout(self.inner.publish_timeout, publishing).await.unwrap_or(Err(QueueError::TimedOut))
    }

    async fn publish_once(
        &self,
        destination: &Destination<'_>,
        payload: &[u8],
        properties: BasicProperties,
    ) -> Result<(), QueueError> {
        let link = self.link().await?;
        let (exchange, routing_key) = link.route(destination).await?;
        let confirmation = link
            .publisher
            .basic_publish(
                exchange.into(),
                routing_key.into(),
                BasicPublishOptions { mandatory: true, ..Default::default() },
                payload,
                properties,
            )
            .await?
            .await?;
        if confirmation.is_ack() && confirmation.take_message().is_none() { Ok(()) } else { Err(QueueError::Refused) }
    }

    /// A consumer of `queue` that subscribes again whenever its channel or
    /// connection is lost; fails only if the first subscription does.
    pub async fn consume(&self, queue: &str, consumer_tag: &str) -> Result<RabbitMqConsumer, QueueError> {
        let subscriber = Subscriber { queue: self.clone(), name: queue.to_owned(), tag: consumer_tag.to_owned() };
        let subscription = subscriber.subscribe().await?;
        let (sender, deliveries) = mpsc::channel(1);
        let pump = tokio::spawn(subscriber.pump(subscription, sender));
        Ok(RabbitMqConsumer { deliveries, pump })
    }

    pub fn check(&self) -> Result<(), String> {
        let latest = self.inner.latest.read().unwrap_or_else(std::sync::PoisonError::into_inner);
        if latest.usable() { Ok(()) } else { Err("disconnected".to_owned()) }
    }
}

/// Where a message is published.
enum Destination<'a> {
    Queue(&'a str),
    /// The queue's delay queue for this many milliseconds.
    Delayed {
        queue: &'a str,
        milliseconds: u32,
    },
}

impl Link {
    /// The exchange and routing key of `destination`, its queues declared.
    async fn route(&self, destination: &Destination<'_>) -> Result<(&'static str, String), QueueError> {
        match *destination {
            Destination::Queue(queue) => {
                self.declare(&self.publisher, queue).await?;
                Ok((EXCHANGE, queue.to_owned()))
            }
            Destination::Delayed { queue, milliseconds } => {
                self.declare(&self.publisher, queue).await?;
                let delay_queue = format!("{queue}.delay.{milliseconds}");
                self.declare_delay_queue(queue, &delay_queue, milliseconds).await?;
                Ok(("", delay_queue))
            }
        }
    }

    /// Declares `delay_queue` once per connection: its messages expire after
    /// `milliseconds` and dead-letter to `queue`.
    async fn declare_delay_queue(&self, queue: &str, delay_queue: &str, milliseconds: u32) -> Result<(), QueueError> {
        let mut declared = self.declared.lock().await;
        if declared.contains(delay_queue) {
            return Ok(());
        }
        let mut arguments = FieldTable::default();
        arguments.insert(ShortString::from("x-message-ttl"), AMQPValue::LongUInt(milliseconds));
        arguments
            .insert(ShortString::from("x-dead-letter-exchange"), AMQPValue::LongString(LongString::from(EXCHANGE)));
        arguments
            .insert(ShortString::from("x-dead-letter-routing-key"), AMQPValue::LongString(LongString::from(queue)));
        self.publisher.queue_declare(delay_queue.to_owned().into(), QueueDeclareOptions::durable(), arguments).await?;
        declared.insert(delay_queue.to_owned());
        Ok(())
    }

    /// Declares `<queue>` and its dead-letter queue `<queue>.dead` once per
    /// connection. Naming a dead-letter queue declares the pair it belongs to.
    async fn declare(&self, channel: &Channel, queue: &str) -> Result<(), QueueError> {
        let queue = queue.strip_suffix(".dead").unwrap_or(queue);
        let mut declared = self.declared.lock().await;
        if declared.contains(queue) {
            return Ok(());
        }
        let durable = QueueDeclareOptions::durable();
        let dead = format!("{queue}.dead");
        channel.queue_declare(dead.clone().into(), durable, FieldTable::default()).await?;
        channel
            .queue_bind(
                dead.clone().into(),
                DEAD_LETTER_EXCHANGE.into(),
                queue.to_owned().into(),
                QueueBindOptions::default(),
                FieldTable::default(),
            )
            .await?;
        let mut arguments = FieldTable::default();
        arguments.insert(
            ShortString::from("x-dead-letter-exchange"),
            AMQPValue::LongString(LongString::from(DEAD_LETTER_EXCHANGE)),
        );
        channel.queue_declare(queue.to_owned().into(), durable, arguments).await?;
        channel
            .queue_bind(
                queue.to_owned().into(),
                EXCHANGE.into(),
                queue.to_owned().into(),
                QueueBindOptions::default(),
                FieldTable::default(),
            )
            .await?;
        declared.insert(queue.to_owned());
        Ok(())
    }
}

/// The deliveries of a subscription that outlives its channel and its
/// connection. A task of its own subscribes, and subscribes again after a
/// loss, so that `next` can be dropped at any point (as `select!` does)
/// without leaving a consumer registered at the broker that nobody reads.
pub struct RabbitMqConsumer {
    deliveries: mpsc::Receiver<ReceivedJob>,
    pump: tokio::task::JoinHandle<()>,
}

impl RabbitMqConsumer {
    /// The next delivery; waits through broker outages.
    pub async fn next(&mut self) -> Option<ReceivedJob> {
        self.deliveries.recv().await
    }
}

impl Drop for RabbitMqConsumer {
    fn drop(&mut self) {
        self.pump.abort();
    }
}

struct Subscriber {
    queue: RabbitMqQueue,
    name: String,
    tag: String,
}

impl Subscriber {
    /// Hands each delivery on, subscribing again whenever the subscription
    /// ends; returns once the consumer is dropped.
    async fn pump(self, mut subscription: lapin::Consumer, deliveries: mpsc::Sender<ReceivedJob>) {
        loop {
            match subscription.next().await {
                Some(Ok(delivery)) => {
                    if deliveries.send(received(delivery)).await.is_err() {
                        return;
                    }
                    continue;
                }
                Some(Err(error)) => tracing::warn!(queue = %self.name, %error, "consumer interrupted"),
                None => tracing::warn!(queue = %self.name, "consumer cancelled by the broker"),
            }
            subscription = loop {
                match self.subscribe().await {
                    Ok(subscription) => break subscription,
                    Err(error) => {
                        tracing::debug!(queue = %self.name, %error, "consumer cannot subscribe yet");
                        tokio::time::sleep(RESUBSCRIBE_WAIT).await;
                    }
                }
            };
            tracing::info!(queue = %self.name, "consumer subscribed again");
        }
    }

    /// A channel of its own, its prefetch, the queue declared, subscribed.
    async fn subscribe(&self) -> Result<lapin::Consumer, QueueError> {
        let link = self.queue.link().await?;
        let channel = link.connection.create_channel().await?;
        channel.basic_qos(self.queue.inner.prefetch, BasicQosOptions::default()).await?;
        link.declare(&channel, &self.name).await?;
        Ok(channel
            .basic_consume(
                self.name.clone().into(),
                self.tag.clone().into(),
                BasicConsumeOptions::default(),
                FieldTable::default(),
            )
            .await?)
    }
}

fn received(delivery: lapin::message::Delivery) -> ReceivedJob {
    let trace_context = delivery.properties.headers().as_ref().map(telemetry::extract_amqp).unwrap_or_default();
    ReceivedJob {
        message_id: delivery.properties.message_id().as_ref().map(|id| id.to_string()).unwrap_or_default(),
        payload: delivery.data,
        redelivered: delivery.redelivered,
        trace_context,
        answer: Answer::RabbitMq(delivery.acker),
    }
}
