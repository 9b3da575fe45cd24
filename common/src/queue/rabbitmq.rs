use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use lapin::options::{
    BasicConsumeOptions, BasicPublishOptions, BasicQosOptions, ConfirmSelectOptions, ExchangeDeclareOptions,
    QueueBindOptions, QueueDeclareOptions,
};
use lapin::types::{AMQPValue, FieldTable, LongString, ShortString};
use lapin::{BasicProperties, Channel, Connection, ConnectionProperties, ExchangeKind};
use tokio::sync::Mutex;

use super::{Answer, QueueError, ReceivedJob};
use crate::telemetry;

const EXCHANGE: &str = "platform.jobs";
const DEAD_LETTER_EXCHANGE: &str = "platform.jobs.dead";
/// Publishes are retried after a connection recovery at most this many times.
const PUBLISH_ATTEMPTS: usize = 5;
const PERSISTENT: u8 = 2;

/// Jobs in durable queues bound to a durable direct exchange, published as
/// persistent messages on a channel in confirm mode.
#[derive(Clone)]
pub struct RabbitMqQueue {
    connection: Arc<Connection>,
    publisher: Channel,
    prefetch: u16,
    publish_timeout: Duration,
    declared: Arc<Mutex<HashSet<String>>>,
}

impl RabbitMqQueue {
    pub async fn connect(
        url: &str,
        connection_name: &str,
        prefetch: u16,
        publish_timeout: Duration,
    ) -> Result<Self, QueueError> {
        let properties = ConnectionProperties::default()
            .with_connection_name(connection_name.to_owned().into())
            .enable_auto_recover();
        let connection = Connection::connect(url, properties).await?;
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
        Ok(Self { connection: Arc::new(connection), publisher, prefetch, publish_timeout, declared: Arc::default() })
    }

    /// Declares `<queue>` and its dead-letter queue `<queue>.dead` once per
    /// process; lapin replays the declarations after a recovery. Naming a
    /// dead-letter queue declares the pair it belongs to.
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

    pub async fn publish(&self, queue: &str, message_id: &str, payload: &[u8]) -> Result<(), QueueError> {
        self.declare(&self.publisher, queue).await?;
        self.publish_to(EXCHANGE, queue, message_id, payload).await
    }

    async fn publish_to(
        &self,
        exchange: &str,
        routing_key: &str,
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
            let mut attempt = 0;
            loop {
                attempt += 1;
                match self.publish_once(exchange, routing_key, payload, properties.clone()).await {
                    Ok(()) => return Ok(()),
                    Err(QueueError::Broker(error)) if attempt < PUBLISH_ATTEMPTS => {
                        tracing::warn!(attempt, %error, "publish failed, waiting for the connection to recover");
                        self.publisher.wait_for_recovery(error).await?;
                    }
                    Err(error) => return Err(error),
                }
            }
        };
        tokio::time::timeout(self.publish_timeout, publishing).await.unwrap_or(Err(QueueError::TimedOut))
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
        self.declare(&self.publisher, queue).await?;
        let milliseconds = delay.as_millis().clamp(1, u128::from(u32::MAX)) as u32;
        let delay_queue = format!("{queue}.delay.{milliseconds}");
        {
            let mut declared = self.declared.lock().await;
            if !declared.contains(&delay_queue) {
                let mut arguments = FieldTable::default();
                arguments.insert(ShortString::from("x-message-ttl"), AMQPValue::LongUInt(milliseconds));
                arguments.insert(
                    ShortString::from("x-dead-letter-exchange"),
                    AMQPValue::LongString(LongString::from(EXCHANGE)),
                );
                arguments.insert(
                    ShortString::from("x-dead-letter-routing-key"),
                    AMQPValue::LongString(LongString::from(queue)),
                );
                self.publisher
                    .queue_declare(delay_queue.clone().into(), QueueDeclareOptions::durable(), arguments)
                    .await?;
                declared.insert(delay_queue.clone());
            }
        }
        self.publish_to("", &delay_queue, message_id, payload).await
    }

    async fn publish_once(
        &self,
        exchange: &str,
        routing_key: &str,
        payload: &[u8],
        properties: BasicProperties,
    ) -> Result<(), QueueError> {
        let confirmation = self
            .publisher
            .basic_publish(
                exchange.to_owned().into(),
                routing_key.to_owned().into(),
                BasicPublishOptions { mandatory: true, ..Default::default() },
                payload,
                properties,
            )
            .await?
            .await?;
        if confirmation.is_ack() && confirmation.take_message().is_none() { Ok(()) } else { Err(QueueError::Refused) }
    }

    pub async fn consume(&self, queue: &str, consumer_tag: &str) -> Result<RabbitMqConsumer, QueueError> {
        let channel = self.connection.create_channel().await?;
        channel.basic_qos(self.prefetch, BasicQosOptions::default()).await?;
        self.declare(&channel, queue).await?;
        let consumer = channel
            .basic_consume(
                queue.to_owned().into(),
                consumer_tag.to_owned().into(),
                BasicConsumeOptions::default(),
                FieldTable::default(),
            )
            .await?;
        Ok(RabbitMqConsumer { channel, consumer })
    }

    pub fn check(&self) -> Result<(), String> {
        if self.connection.status().connected() { Ok(()) } else { Err("disconnected".to_owned()) }
    }
}

pub struct RabbitMqConsumer {
    channel: Channel,
    consumer: lapin::Consumer,
}

impl RabbitMqConsumer {
    pub async fn next(&mut self) -> Option<ReceivedJob> {
        loop {
            match self.consumer.next().await? {
                Ok(delivery) => {
                    let trace_context =
                        delivery.properties.headers().as_ref().map(telemetry::extract_amqp).unwrap_or_default();
                    return Some(ReceivedJob {
                        message_id: delivery
                            .properties
                            .message_id()
                            .as_ref()
                            .map(|id| id.to_string())
                            .unwrap_or_default(),
                        payload: delivery.data,
                        redelivered: delivery.redelivered,
                        trace_context,
                        answer: Answer::RabbitMq(delivery.acker),
                    });
                }
                Err(error) => {
                    tracing::warn!(%error, "consumer interrupted, waiting for the connection to recover");
                    if let Err(error) = self.channel.wait_for_recovery(error).await {
                        tracing::error!(%error, "the connection cannot recover; consumer stops");
                        return None;
                    }
                }
            }
        }
    }
}
