#!/usr/bin/env bash
# facturx-svc against PyPI factur-x 7.8 on ../shared/corpus/facturx, in one
# run: per-document time and peak memory of convert, validate and extract
# (factur-x's generate_from_binary, get_xml_from_pdf, XSD + schematron by
# saxonche); conversions per second over HTTP with oha; memory under 32
# concurrent 10 MB uploads; validate with the French rules against the
# official BR-FR XSLT run by saxonche. Targets: convert ≥ 30×, validate (and
# with BR-FR) ≥ 50× faster,
# ≥ 1,000 conversions/s, ≤ 50 MB RSS. Results go to bench/README.md.
#
# Usage: bench/facturx.sh
set -euo pipefail
cd "$(dirname "$0")/.."
TOOLS=${PLATFORM_TOOLS:-$HOME/.cache/platform-tools}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/platform-target}
if [ ! -x "$TOOLS/bin/oha" ]; then
  env -u CARGO_TARGET_DIR cargo install oha --version 1.16.0 --locked --root "$TOOLS"
fi
bash scripts/facturx-oracle-env
cargo build --release --locked -p facturx-svc --bin facturx-svc --example facturx_timing
WORK=$(mktemp -d)
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

# As the image runs it (deploy/Dockerfile): large buffers from mmap, two arenas.
export GLIBC_TUNABLES=glibc.malloc.mmap_threshold=1048576:glibc.malloc.arena_max=2
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
FACTURX__SERVER__PORT=$PORT FACTURX__SERVER__HOST=127.0.0.1 FACTURX__STANDALONE__ENABLED=true API_KEY=bench-key \
  PLATFORM_INTERNAL_KEY=$(openssl rand -hex 32) RUST_LOG=warn \
  "$CARGO_TARGET_DIR/release/facturx-svc" >"$WORK/service.log" 2>&1 &
PIDS+=($!)
SERVICE_PID=$!
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$PORT/health" >/dev/null && break; sleep 0.2; done
"$TOOLS/facturx-venv/bin/python" bench/facturx_bench.py "$PORT" "$SERVICE_PID" ../shared/corpus/facturx \
  "$TOOLS/bin/oha" bench-key "$CARGO_TARGET_DIR/release/examples/facturx_timing" >"$WORK/results.md"
cat "$WORK/results.md"
python3 bench/record.py facturx "Factur-X: facturx-svc against factur-x 7.8 (\`bench/facturx.sh\`)" <"$WORK/results.md"
