//! Durable job queues: RabbitMQ in deployments, an in-process queue in the
//! all-in-one binary. Both give at-least-once delivery: a job leaves its
//! queue only when its consumer acknowledges it; a job dropped without an
//! answer goes back to the queue.

mod in_process;
mod rabbitmq;

use opentelemetry::Context;
use tracing::Instrument;

pub use in_process::InProcessQueue;
pub use rabbitmq::RabbitMqQueue;

use crate::configuration::QueueSettings;
use secrecy::ExposeSecret;

#[derive(Debug, thiserror::Error)]
pub enum QueueError {
    #[error("the broker is unreachable: {0}")]
    Broker(#[from] lapin::Error),
    #[error("the broker refused the message (publisher confirm was a nack or the message was returned)")]
    Refused,
    #[error("the queue is closed")]
    Closed,
    #[error("the broker did not confirm the message in time")]
    TimedOut,
    #[error("the broker could not be reached in time")]
    Unreachable,
    #[error("the broker did not take the answer in time; it will deliver the job again")]
    Unanswered,
}

#[derive(Clone)]
pub enum JobQueue {
    RabbitMq(RabbitMqQueue),
    InProcess(InProcessQueue),
}

impl JobQueue {
    pub async fn connect(settings: &QueueSettings, connection_name: &str) -> Result<Self, QueueError> {
        match &settings.url {
            Some(url) => Ok(Self::RabbitMq(
                RabbitMqQueue::connect(
                    url.expose_secret(),
                    connection_name,
                    settings.prefetch,
                    std::time::Duration::from_secs_f64(settings.publish_timeout_secs.max(0.001)),
                )
                .await?,
            )),
            None => Ok(Self::InProcess(InProcessQueue::default())),
        }
    }

    /// Returns once the job is safely stored (with RabbitMQ: confirmed by
    /// the broker, retried across a connection recovery within the
    /// publish timeout).
    pub async fn publish(&self, queue: &str, message_id: &str, payload: &[u8]) -> Result<(), QueueError> {
        let publishing = async {
            match self {
                Self::RabbitMq(rabbit) => rabbit.publish(queue, message_id, payload).await,
                Self::InProcess(local) => local.publish(queue, message_id, payload),
            }
        };
        publishing.instrument(publish_span(queue)).await
    }

    /// Like [`JobQueue::publish`], the job reaching `queue` after `delay`.
    /// With RabbitMQ it waits in a durable `<queue>.delay.<ms>` queue whose
    /// expired messages dead-letter back to `queue`, so a retry scheduled
    /// for later survives restarts of both the broker and the consumer.
    pub async fn publish_delayed(
        &self,
        queue: &str,
        message_id: &str,
        payload: &[u8],
        delay: std::time::Duration,
    ) -> Result<(), QueueError> {
        let publishing = async {
            match self {
                Self::RabbitMq(rabbit) => rabbit.publish_delayed(queue, message_id, payload, delay).await,
                Self::InProcess(local) => local.publish_delayed(queue, message_id, payload, delay),
            }
        };
        publishing.instrument(publish_span(queue)).await
    }

    pub async fn consume(&self, queue: &str, consumer_tag: &str) -> Result<JobConsumer, QueueError> {
        match self {
            Self::RabbitMq(rabbit) => Ok(JobConsumer::RabbitMq(Box::new(rabbit.consume(queue, consumer_tag).await?))),
            Self::InProcess(local) => Ok(JobConsumer::InProcess(local.consume(queue))),
        }
    }

    /// For `/ready`.
    pub async fn check(&self) -> Result<(), String> {
        match self {
            Self::RabbitMq(rabbit) => rabbit.check(),
            Self::InProcess(_) => Ok(()),
        }
    }
}

/// The producer span: the message carries its context, so the consumer's
/// span continues the trace from here.
fn publish_span(queue: &str) -> tracing::Span {
    tracing::info_span!("queue publish", otel.kind = "producer", messaging.destination.name = queue)
}

pub enum JobConsumer {
    RabbitMq(Box<rabbitmq::RabbitMqConsumer>),
    InProcess(in_process::InProcessConsumer),
}

impl JobConsumer {
    /// The next job; `None` once the queue is closed for good.
    pub async fn next(&mut self) -> Option<ReceivedJob> {
        match self {
            Self::RabbitMq(consumer) => consumer.next().await,
            Self::InProcess(consumer) => consumer.next().await,
        }
    }
}

/// A job handed to a consumer, to be answered with [`ReceivedJob::ack`],
/// [`ReceivedJob::retry`] or [`ReceivedJob::reject`].
pub struct ReceivedJob {
    pub message_id: String,
    pub payload: Vec<u8>,
    /// True when an earlier delivery of this job was not acknowledged.
    pub redelivered: bool,
    /// The trace the publisher was part of; make it the parent of the
    /// consumer's span.
    pub trace_context: Context,
    answer: Answer,
}

enum Answer {
    RabbitMq(lapin::Acker),
    InProcess(in_process::PendingJob),
}

/// An answer lapin has not handed to the broker after this long is given
/// up: its connection is gone (lapin 4.12 can leave such an answer pending
/// for good, which held a worker's shutdown) and the broker redelivers it.
const ANSWER_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

async fn answered(answer: impl Future<Output = lapin::Result<bool>>) -> Result<(), QueueError> {
    tokio::time::timeout(ANSWER_TIMEOUT, answer).await.map_err(|_| QueueError::Unanswered)??;
    Ok(())
}

impl ReceivedJob {
    /// Done: the job leaves the queue.
    pub async fn ack(self) -> Result<(), QueueError> {
        match self.answer {
            Answer::RabbitMq(acker) => answered(acker.ack(lapin::options::BasicAckOptions::default())).await?,
            Answer::InProcess(pending) => pending.settle(),
        }
        Ok(())
    }

    /// Failed for now: the job goes back to the queue.
    pub async fn retry(self) -> Result<(), QueueError> {
        match self.answer {
            Answer::RabbitMq(acker) => {
                answered(acker.nack(lapin::options::BasicNackOptions { requeue: true, ..Default::default() })).await?
            }
            Answer::InProcess(pending) => pending.requeue(),
        }
        Ok(())
    }

    /// Failed for good: the job moves to the dead-letter queue `<queue>.dead`.
    pub async fn reject(self) -> Result<(), QueueError> {
        match self.answer {
            Answer::RabbitMq(acker) => {
                answered(acker.reject(lapin::options::BasicRejectOptions { requeue: false })).await?
            }
            Answer::InProcess(pending) => pending.dead_letter(),
        }
        Ok(())
    }
}
