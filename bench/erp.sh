#!/usr/bin/env bash
# The maintenance ERP under load on PostgreSQL: 100,000 interventions
# loaded (200 clients, 1,000 sites, 40 technicians), then, with oha at a
# fixed rate: the filtered, paginated list, the read of one intervention
# and the update of a draft (fields, technicians, audit). pgbench's select-only rate
# on the same server in the same run is the yardstick. Queries per request
# are counted from pg_stat_database (each statement outside a transaction
# commits once), for pages of 10 and 200 rows: equal counts mean no N+1.
# Target: p99 ≤ 20 ms at 1,000 req/s. Each run is made ROUNDS times (3),
# and the worst p99 is the one judged. Results go to bench/README.md.
# The service's pool holds 8 connections: on 2 cores shared by oha, the
# service and PostgreSQL, 16 backends only queue behind each other (the
# update's p50 went from 7.0 to 1.9 ms with 8 and 4).
#
# Usage: bench/erp.sh [rate] [seconds]
set -euo pipefail
cd "$(dirname "$0")/.."
RATE=${1:-1000}
SECONDS_PER_RUN=${2:-20}
TOOLS=${PLATFORM_TOOLS:-$HOME/.cache/platform-tools}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/platform-target}
if [ ! -x "$TOOLS/bin/oha" ]; then
  env -u CARGO_TARGET_DIR cargo install oha --version 1.16.0 --locked --root "$TOOLS"
fi
cargo build --release --locked -p erp-svc
DATABASE=bench_erp_$$
PGBENCH_DATABASE=bench_pgbench_$$
createdb -h 127.0.0.1 -U postgres "$DATABASE"
createdb -h 127.0.0.1 -U postgres "$PGBENCH_DATABASE"
WORK=$(mktemp -d)
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  dropdb -h 127.0.0.1 -U postgres --if-exists "$DATABASE"
  dropdb -h 127.0.0.1 -U postgres --if-exists "$PGBENCH_DATABASE"
  rm -rf "$WORK"
}
trap cleanup EXIT

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
ERP__SERVER__PORT=$PORT ERP__SERVER__HOST=127.0.0.1 \
  ERP__DATABASE__URL="postgres://postgres@127.0.0.1:5432/$DATABASE" ERP__DATABASE__MAX_CONNECTIONS=8 \
  PLATFORM_INTERNAL_KEY=$(openssl rand -hex 32) ERP__STANDALONE__ENABLED=true API_KEY=bench-key \
  UPLOAD_DIRECTORY="$WORK/objects" RUST_LOG=warn \
  "$CARGO_TARGET_DIR/release/erp-svc" >"$WORK/service.log" 2>&1 &
PIDS+=($!)
python3 bench/erp.py "$PORT" $! "$DATABASE" "$PGBENCH_DATABASE" "$RATE" "$SECONDS_PER_RUN" "$TOOLS/bin/oha" >"$WORK/results.md"
cat "$WORK/results.md"
python3 bench/record.py erp "Maintenance ERP: 100,000 interventions on PostgreSQL (\`bench/erp.sh\`)" <"$WORK/results.md"
