#!/usr/bin/env bash
# Async jobs: enqueue→webhook throughput and latency of a no-op job on the
# platform's queue (common::queue: durable queues, persistent messages,
# publisher confirms, manual acks; job step then webhook step, as ocr-worker)
# against Celery (PyPI) on the same RabbitMQ, same machine, same run. Both
# sign their webhooks by the Standard Webhooks scheme and POST them to the
# same receiver, which times each job from its enqueue to its webhook.
# Targets: ≥ 10× Celery's jobs/s; p99 ≤ 50 ms at 500 jobs/s. Results go to
# bench/README.md.
#
# Usage: bench/jobs.sh [jobs] [celery_jobs] [rate]
set -euo pipefail
cd "$(dirname "$0")/.."
JOBS=${1:-20000}
CELERY_JOBS=${2:-3000}
RATE=${3:-500}
AMQP=${BENCH_AMQP_URL:-amqp://guest:guest@127.0.0.1:5672/%2f}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/platform-target}

VENV=$HOME/.cache/platform-bench/venv
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
"$VENV/bin/pip" install -q celery==5.5.3 requests
cargo build --release --locked -p common --example jobs_bench
BENCH=$CARGO_TARGET_DIR/release/examples/jobs_bench
PREFIX=bench.$$.
WORK=$(mktemp -d)
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  rabbitmqctl list_queues --quiet --no-table-headers name 2>/dev/null | grep "^$PREFIX" \
    | while read -r queue; do rabbitmqctl delete_queue --quiet "$queue" >/dev/null 2>&1 || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

# measure <name> <jobs> <port> <producer command…>: the receiver's report.
measure() {
  local name=$1 jobs=$2 port=$3
  shift 3
  "$BENCH" receive "$port" "$jobs" >"$WORK/$name.json" &
  local receiver=$!
  sleep 0.3
  "$@" &
  local producer=$!
  PIDS+=("$producer")
  wait "$receiver"
  kill "$producer" 2>/dev/null || true
  wait "$producer" 2>/dev/null || true
  cat "$WORK/$name.json"
}

ours() { exec "$BENCH" run "$AMQP" "${PREFIX}ours.$1" "http://127.0.0.1:$2/hook" "$3" "$4"; }
OURS_MAX=$(measure ours-max "$JOBS" 18301 ours max 18301 "$JOBS" 0)
OURS_RATE=$(measure ours-rate $((RATE * 10)) 18302 ours rate 18302 $((RATE * 10)) "$RATE")

(cd bench && BENCH_AMQP_URL=$AMQP BENCH_QUEUE=${PREFIX}celery exec "$VENV/bin/celery" -A jobs_celery worker \
  --concurrency "$(nproc)" --loglevel warning >"$WORK/celery.log" 2>&1) &
PIDS+=($!)
sleep 5
peer() { cd bench && BENCH_AMQP_URL=$AMQP BENCH_QUEUE=${PREFIX}celery exec "$VENV/bin/python" jobs_celery.py produce "$@"; }
CELERY_MAX=$(measure celery-max "$CELERY_JOBS" 18303 peer "$CELERY_JOBS" 0 http://127.0.0.1:18303/hook)
CELERY_RATE=$(measure celery-rate "$CELERY_JOBS" 18304 peer "$CELERY_JOBS" "$RATE" http://127.0.0.1:18304/hook)

REPORT=$(python3 - "$OURS_MAX" "$OURS_RATE" "$CELERY_MAX" "$CELERY_RATE" "$RATE" "$(nproc)" \
  "$("$VENV/bin/celery" --version)" "$(rabbitmqctl version 2>/dev/null)" <<'PY'
import json, sys, datetime
ours_max, ours_rate, celery_max, celery_rate = (json.loads(arg) for arg in sys.argv[1:5])
rate, cores, celery, rabbitmq = sys.argv[5:9]
ratio = ours_max["jobs_per_second"] / celery_max["jobs_per_second"]
print(f"Run on {datetime.date.today()} — {cores} cores, RabbitMQ {rabbitmq}, Celery {celery} (prefork, "
      f"{cores} processes, acks_late, publisher confirms). Enqueue→webhook per job, timed by one receiver.")
print()
print("| run | jobs | jobs/s | p50 (ms) | p99 (ms) | max (ms) |")
print("|---|---:|---:|---:|---:|---:|")
for name, run in [("platform queue, as fast as it goes", ours_max), (f"platform queue, {rate} jobs/s offered", ours_rate),
                  ("Celery, as fast as it goes", celery_max), (f"Celery, {rate} jobs/s offered", celery_rate)]:
    print(f"| {name} | {run['jobs']} | {run['jobs_per_second']:.0f} | {run['p50_ms']:.1f} | {run['p99_ms']:.1f} | {run['max_ms']:.1f} |")
print()
print("| target | measured | verdict |")
print("|---|---:|---|")
print(f"| jobs/s ≥ 10× Celery's | {ratio:.1f}× | {'met' if ratio >= 10 else 'not met'} |")
print(f"| p99 ≤ 50 ms at {rate} jobs/s | {ours_rate['p99_ms']:.1f} ms | {'met' if ours_rate['p99_ms'] <= 50 else 'not met'} |")
PY
)
echo "$REPORT"
echo "$REPORT" | python3 bench/record.py jobs "Async jobs: platform queue vs Celery (\`bench/jobs.sh\`)"
