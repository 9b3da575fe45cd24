#!/usr/bin/env bash
# Gateway throughput and latency against nginx, in one run, on loopback.
#
# Both proxy the same upstream (facturx-svc's /health, release build) at the
# same concurrency with wrk. The gateway does its full work on every request:
# API-key authentication, scope check, rate limiting, signing the forwarded
# identity, metrics and tracing. nginx runs twice: with its stock proxy
# settings (a new upstream connection per request) and tuned with upstream
# keepalive. Results go to bench/README.md.
#
# Usage: bench/gateway.sh [duration_seconds] [connections]
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${1:-20}
CONNECTIONS=${2:-64}
THREADS=2
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/platform-target}

need() { command -v "$1" >/dev/null || { apt-get update -qq && apt-get install -y -qq "$2" >/dev/null; }; }
need wrk wrk
need nginx nginx

cargo build --release --locked -p gateway -p facturx-svc
BIN=$CARGO_TARGET_DIR/release
WORK=$(mktemp -d)
PIDS=()
cleanup() { for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done; rm -rf "$WORK"; }
trap cleanup EXIT

wait_for() { for _ in $(seq 100); do curl -fs -o /dev/null "$1" && return 0; sleep 0.1; done; echo "no answer from $1" >&2; exit 1; }

export PLATFORM_INTERNAL_KEY=bench-internal-key-0123456789abcdef0123
export PLATFORM__TELEMETRY__LOG_LEVEL=warn
FACTURX__SERVER__PORT=18001 "$BIN/facturx-svc" >"$WORK/upstream.log" 2>&1 &
PIDS+=($!)
GATEWAY__SERVER__PORT=18080 GATEWAY__DATABASE__URL="sqlite://$WORK/gateway.db" \
  GATEWAY__UPSTREAMS__FACTURX__URL=http://127.0.0.1:18001 \
  GATEWAY__RATE_LIMIT__PER_SECOND=1000000 GATEWAY__RATE_LIMIT__BURST=1000000 \
  "$BIN/gateway" >"$WORK/gateway.log" 2>&1 &
PIDS+=($!)
wait_for http://127.0.0.1:18001/health
wait_for http://127.0.0.1:18080/health
KEY=$(grep -o 'pk_[0-9a-f_]*' "$WORK/gateway.log" | head -1)
[ -n "$KEY" ] || { echo "the gateway printed no admin key" >&2; exit 1; }

nginx_conf() { # $1 = port, $2 = keepalive (yes/no)
  local upstream_keepalive="" proxy_keepalive=""
  if [ "$2" = yes ]; then
    upstream_keepalive="keepalive 128;"
    proxy_keepalive='proxy_http_version 1.1; proxy_set_header Connection "";'
  fi
  cat <<CONF
worker_processes auto;
pid $WORK/nginx-$1.pid;
error_log $WORK/nginx-$1.error.log;
events { worker_connections 4096; }
http {
  access_log off;
  upstream facturx { server 127.0.0.1:18001; $upstream_keepalive }
  server {
    listen 127.0.0.1:$1;
    location /facturx/ { proxy_pass http://facturx/; $proxy_keepalive }
  }
}
CONF
}
nginx_conf 18081 no >"$WORK/nginx-stock.conf"
nginx_conf 18082 yes >"$WORK/nginx-keepalive.conf"
nginx -c "$WORK/nginx-stock.conf"
nginx -c "$WORK/nginx-keepalive.conf"
trap 'nginx -c "$WORK/nginx-stock.conf" -s stop; nginx -c "$WORK/nginx-keepalive.conf" -s stop; cleanup' EXIT
wait_for http://127.0.0.1:18081/facturx/health
wait_for http://127.0.0.1:18082/facturx/health

# Prints "requests_per_second p50_ms p99_ms non_2xx".
measure() {
  local url=$1; shift
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency "$@" "$url" >"$WORK/wrk.txt"
  awk '
    /Requests\/sec/ {rps=$2}
    /^ +50%/ {p50=$2} /^ +99%/ {p99=$2}
    /Non-2xx/ {bad=$5}
    function ms(v) { if (v ~ /us$/) return v/1000; if (v ~ /ms$/) return v+0; if (v ~ /s$/) return v*1000; return v }
    END { printf "%.0f %.3f %.3f %d\n", rps, ms(p50), ms(p99), bad+0 }' "$WORK/wrk.txt"
}

# Warm up every path once.
for url in http://127.0.0.1:18081/facturx/health http://127.0.0.1:18082/facturx/health; do
  wrk -t1 -c8 -d2s "$url" >/dev/null
done
wrk -t1 -c8 -d2s -H "X-API-Key: $KEY" http://127.0.0.1:18080/facturx/health >/dev/null

read -r G_RPS G_P50 G_P99 G_BAD < <(measure http://127.0.0.1:18080/facturx/health -H "X-API-Key: $KEY")
read -r S_RPS S_P50 S_P99 S_BAD < <(measure http://127.0.0.1:18081/facturx/health)
read -r K_RPS K_P50 K_P99 K_BAD < <(measure http://127.0.0.1:18082/facturx/health)

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
verdict() { # rps_ratio p99_ratio
  awk -v r="$1" -v p="$2" 'BEGIN { print ((r >= 1.2 && p <= 0.8) ? "met" : "not met") }'
}
RS=$(ratio "$G_RPS" "$S_RPS"); PS=$(ratio "$G_P99" "$S_P99")
RK=$(ratio "$G_RPS" "$K_RPS"); PK=$(ratio "$G_P99" "$K_P99")

TABLE=$(cat <<MD
Run on $(date -u +%Y-%m-%d) — $(nproc) cores, wrk $THREADS threads × $CONNECTIONS connections × ${DURATION}s, everything on one machine over loopback.
Upstream: facturx-svc \`/health\` (release). Target: gateway ≥ 1.2× nginx's req/s with p99 ≤ 0.8× nginx's, API-key auth included.

| proxy | req/s | p50 (ms) | p99 (ms) | non-2xx |
|---|---:|---:|---:|---:|
| gateway (API key, identity signing, metrics) | $G_RPS | $G_P50 | $G_P99 | $G_BAD |
| nginx 1.22, stock proxy settings | $S_RPS | $S_P50 | $S_P99 | $S_BAD |
| nginx 1.22, upstream keepalive | $K_RPS | $K_P50 | $K_P99 | $K_BAD |

| comparison | req/s ratio | p99 ratio | target |
|---|---:|---:|---|
| gateway vs nginx stock | $RS | $PS | $(verdict "$RS" "$PS") |
| gateway vs nginx keepalive | $RK | $PK | $(verdict "$RK" "$PK") |
MD
)
echo "$TABLE"
echo "$TABLE" | python3 bench/record.py gateway "Gateway vs nginx (\`bench/gateway.sh\`)"
