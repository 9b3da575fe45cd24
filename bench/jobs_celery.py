"""bench/jobs.sh's peer: the same no-op job with Celery on the same RabbitMQ.

The task does what the seed's tasks.py did once the analysis was over: sign
the result by the Standard Webhooks scheme and POST it (requests). Messages
are persistent and publisher-confirmed, acknowledged after the task ran
(acks_late), as on the platform side.

  worker: celery -A jobs_celery worker (started by bench/jobs.sh)
  produce <count> <jobs-per-second, 0 = max> <webhook-url>: enqueues the jobs.
"""
import base64
import hashlib
import hmac
import json
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import requests
from celery import Celery

SECRET = base64.b64decode("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
app = Celery("jobs_celery", broker=os.environ["BENCH_AMQP_URL"])
app.conf.update(
    task_acks_late=True,
    task_serializer="json",
    broker_transport_options={"confirm_publish": True},
    task_default_queue=os.environ.get("BENCH_QUEUE", "bench.celery"),
    worker_hijack_root_logger=False,
)
session = requests.Session()
# The platform side publishes from 32 tasks at once; Celery gets threads.
PUBLISHERS = 8


@app.task(name="deliver")
def deliver(job, sent_at, url):
    body = json.dumps({"job": job, "sent_at": sent_at}).encode()
    message_id, timestamp = f"msg_{job}", str(int(time.time()))
    digest = hmac.new(SECRET, f"{message_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    response = session.post(url, data=body, timeout=15, headers={
        "content-type": "application/json",
        "webhook-id": message_id,
        "webhook-timestamp": timestamp,
        "webhook-signature": "v1," + base64.b64encode(digest).decode(),
    })
    response.raise_for_status()


def produce(count, rate, url):
    """Enqueues from PUBLISHERS threads (as concurrent API requests would),
    each paced to its share of `rate`."""
    started = time.monotonic()

    def publish(first):
        for job in range(first, count, PUBLISHERS):
            if rate > 0:
                delay = started + job / rate - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
            deliver.apply_async((job, time.time(), url))

    with ThreadPoolExecutor(PUBLISHERS) as pool:
        list(pool.map(publish, range(PUBLISHERS)))


if __name__ == "__main__":
    produce(int(sys.argv[2]), float(sys.argv[3]), sys.argv[4])
