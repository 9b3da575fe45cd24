#!/usr/bin/env bash
# Check du Matin at scale: 10,000 HTTP probes on loopback (500 clients × 20
# services) on a cycle scaled down from 5 minutes to 30 seconds (10× the
# real rate), PostgreSQL behind; schedule jitter (how late probes start,
# the service's own checks_probe_schedule_lag_seconds histogram), peak
# memory (VmHWM), and the dashboard of the 500 clients' checks.
# Targets: jitter p99 ≤ 1 s, memory ≤ 200 MB, dashboard ≤ 100 ms.
# The loopback target is let in with probes.allowed_networks, as an
# admin lets in a client's LAN. Results go to bench/README.md.
#
# Usage: bench/checks.sh [cycle_secs] [cycles]
set -euo pipefail
cd "$(dirname "$0")/.."
CYCLE=${1:-30}
CYCLES=${2:-3}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/platform-target}
cargo build --release --locked -p checks-svc
DATABASE=bench_checks_$$
createdb -h 127.0.0.1 -U postgres "$DATABASE"
WORK=$(mktemp -d)
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  dropdb -h 127.0.0.1 -U postgres --if-exists "$DATABASE"
  rm -rf "$WORK"
}
trap cleanup EXIT

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
CHECKS__SERVER__PORT=$PORT CHECKS__SERVER__HOST=127.0.0.1 \
  CHECKS__DATABASE__URL="postgres://postgres@127.0.0.1:5432/$DATABASE" \
  CHECKS__DATABASE__MAX_CONNECTIONS=20 \
  PLATFORM_INTERNAL_KEY=$(openssl rand -hex 32) CHECKS__STANDALONE__ENABLED=true API_KEY=bench-key CHECKS__PROBES__INTERVAL_SECS=$CYCLE CHECKS__PROBES__TIMEOUT_SECS=5 \
  CHECKS__SCHEDULE__TICK_SECS=2 RUST_LOG=warn CHECKS__PROBES__ALLOWED_NETWORKS=127.0.0.1/32 \
  "$CARGO_TARGET_DIR/release/checks-svc" >"$WORK/service.log" 2>&1 &
PIDS+=($!)
SERVICE_PID=$!
python3 bench/checks.py "$PORT" "$SERVICE_PID" "$DATABASE" "$CYCLE" "$CYCLES" >"$WORK/results.md"
cat "$WORK/results.md"
python3 bench/record.py checks "Check du Matin: 10,000 probes and the dashboard (\`bench/checks.sh\`)" <"$WORK/results.md"
