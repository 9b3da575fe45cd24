use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use tokio::sync::Notify;

use super::{Answer, QueueError, ReceivedJob};
use crate::telemetry;

/// Queues living in this process, for the all-in-one mode: jobs survive a
/// consumer failure, not a process restart.
#[derive(Clone, Default)]
pub struct InProcessQueue {
    queues: Arc<Mutex<HashMap<String, Arc<LocalQueue>>>>,
}

#[derive(Default)]
struct LocalQueue {
    ready: Mutex<VecDeque<StoredJob>>,
    dead: Mutex<Vec<StoredJob>>,
    arrived: Notify,
}

#[derive(Clone)]
struct StoredJob {
    message_id: String,
    payload: Vec<u8>,
    headers: BTreeMap<String, String>,
    redelivered: bool,
}

/// A poisoned lock only means another thread panicked while holding it; the
/// queue contents are still consistent, so keep serving them.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl LocalQueue {
    fn push(&self, job: StoredJob) {
        lock(&self.ready).push_back(job);
        self.arrived.notify_one();
    }
}

impl InProcessQueue {
    fn queue(&self, name: &str) -> Arc<LocalQueue> {
        Arc::clone(lock(&self.queues).entry(name.to_owned()).or_default())
    }

    pub fn publish(&self, queue: &str, message_id: &str, payload: &[u8]) -> Result<(), QueueError> {
        let mut headers = BTreeMap::new();
        telemetry::inject_map(&mut headers);
        self.queue(queue).push(StoredJob {
            message_id: message_id.to_owned(),
            payload: payload.to_vec(),
            headers,
            redelivered: false,
        });
        Ok(())
    }

    pub fn publish_delayed(
        &self,
        queue: &str,
        message_id: &str,
        payload: &[u8],
        delay: std::time::Duration,
    ) -> Result<(), QueueError> {
        let (queues, queue, message_id, payload) =
            (self.clone(), queue.to_owned(), message_id.to_owned(), payload.to_vec());
        tokio::spawn(async move {
            tokio::time::sleep(delay).await;
            // Publishing to a local queue cannot fail.
            let _ = queues.publish(&queue, &message_id, &payload);
        });
        Ok(())
    }

    pub fn consume(&self, queue: &str) -> InProcessConsumer {
        InProcessConsumer { queue: self.queue(queue) }
    }

    /// Message ids of the jobs rejected for good on `queue`.
    pub fn dead_letters(&self, queue: &str) -> Vec<String> {
        lock(&self.queue(queue).dead).iter().map(|job| job.message_id.clone()).collect()
    }
}

pub struct InProcessConsumer {
    queue: Arc<LocalQueue>,
}

impl InProcessConsumer {
    pub async fn next(&mut self) -> Option<ReceivedJob> {
        loop {
            let next = lock(&self.queue.ready).pop_front();
            if let Some(job) = next {
                return Some(ReceivedJob {
                    message_id: job.message_id.clone(),
                    payload: job.payload.clone(),
                    redelivered: job.redelivered,
                    trace_context: telemetry::extract_map(&job.headers),
                    answer: Answer::InProcess(PendingJob { queue: Arc::clone(&self.queue), job: Some(job) }),
                });
            }
            // A push between the pop above and this wait leaves a permit, so
            // no job is missed.
            self.queue.arrived.notified().await;
        }
    }
}

/// A delivered job not answered yet; dropping it unanswered requeues it,
/// like a consumer that dies with unacknowledged RabbitMQ deliveries.
pub struct PendingJob {
    queue: Arc<LocalQueue>,
    job: Option<StoredJob>,
}

impl PendingJob {
    pub(super) fn settle(mut self) {
        self.job = None;
    }

    pub(super) fn requeue(self) {
        // Drop does it.
    }

    pub(super) fn dead_letter(mut self) {
        if let Some(job) = self.job.take() {
            lock(&self.queue.dead).push(job);
        }
    }
}

impl Drop for PendingJob {
    fn drop(&mut self) {
        if let Some(mut job) = self.job.take() {
            job.redelivered = true;
            self.queue.push(job);
        }
    }
}
