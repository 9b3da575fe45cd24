#!/usr/bin/env bash
# Energy-bill OCR: ocr-svc against the seed's Python pipeline, same
# Tesseract, same machine, same run.
#
# Synthetic bills (ocr-bills generate) give digital PDFs of 1–2 pages and their
# scanned, image-only twins. The peer reads the scans the way the seed did,
# pdf2image + pytesseract (PyPI, in a venv under ~/.cache), with one process
# (the seed's worker) and with one process per core. ocr-svc (release,
# standalone, SQLite) answers the sync API one request at a time, doing more
# than the peer: extraction, analysis and both PDF reports. Targets: scanned
# pages per second ≥ 3× the one-process peer; a 2-page digital bill answered
# in ≤ 300 ms at p50, reports included. Results go to bench/README.md.
#
# Usage: bench/ocr.sh [bills] [digital_rounds]
set -euo pipefail
cd "$(dirname "$0")/.."
BILLS=${1:-8}
ROUNDS=${2:-10}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/platform-target}
bash scripts/setup

VENV=$HOME/.cache/platform-bench/venv
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
"$VENV/bin/pip" install -q pytesseract==0.3.13 pdf2image==1.17.0 pillow requests

cargo build --release --locked -p ocr-svc --bins
BIN=$CARGO_TARGET_DIR/release
WORK=$(mktemp -d)
PID=""
cleanup() { [ -n "$PID" ] && kill "$PID" 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT

"$BIN/ocr-bills" generate "$WORK/bills" "$BILLS" >/dev/null

OMP_THREAD_LIMIT=1 OCR__STANDALONE__ENABLED=true API_KEY=bench-key OCR__SERVER__PORT=18002 \
  OCR__DATABASE__URL="sqlite://$WORK/ocr.db" PLATFORM__OBJECT_STORE__LOCAL_DIR="$WORK/objects" \
  PLATFORM__TELEMETRY__LOG_LEVEL=warn "$BIN/ocr-svc" >"$WORK/ocr.log" 2>&1 &
PID=$!
for _ in $(seq 100); do curl -fs -o /dev/null http://127.0.0.1:18002/health && break; sleep 0.1; done
URL=http://127.0.0.1:18002/v1/invoices/pdf

# Warm-up: the first request loads nothing more, but fills caches.
"$VENV/bin/python" bench/ocr.py client "$URL" bench-key "$WORK/bills" 'bill-000-*layout?.pdf' 1 >/dev/null
OURS_SCANS=$("$VENV/bin/python" bench/ocr.py client "$URL" bench-key "$WORK/bills" '*-scan.pdf' 1)
OURS_DIGITAL=$("$VENV/bin/python" bench/ocr.py client "$URL" bench-key "$WORK/bills" '*layout?.pdf' "$ROUNDS")
PEER_ONE=$(OMP_THREAD_LIMIT=1 "$VENV/bin/python" bench/ocr.py peer "$WORK/bills" 1)
PEER_CORES=$(OMP_THREAD_LIMIT=1 "$VENV/bin/python" bench/ocr.py peer "$WORK/bills" "$(nproc)")
RSS_KB=$(ps -o rss= -p "$PID" | tr -d ' ')
# Field-level accuracy of the same engine on the scanned twins of the
# evaluation corpus (ground truth from the generator).
SCAN_F1=$("$BIN/ocr-bills" evaluate 12 scans | awk '/^scans / {print $NF}')

REPORT=$(python3 - "$OURS_SCANS" "$OURS_DIGITAL" "$PEER_ONE" "$PEER_CORES" "$BILLS" "$RSS_KB" \
  "$(tesseract --version 2>&1 | head -1)" "$(nproc)" "$ROUNDS" "$SCAN_F1" <<'PY'
import json, sys, datetime
ours_scans, ours_digital, peer_one, peer_cores = (json.loads(arg) for arg in sys.argv[1:5])
bills, rss_kb, tesseract, cores, rounds, scan_f1 = sys.argv[5:11]
rate = lambda run: run["pages"] / run["seconds"]
ratio = rate(ours_scans) / rate(peer_one)
p50_ms = ours_digital["p50"] * 1000
print(f"Run on {datetime.date.today()} — {cores} cores, {tesseract}, {bills} synthetic bills, {ours_scans['pages']} scanned pages in all "
      f"(scans: 200 dpi JPEG, rotated, noisy). ocr-svc release, standalone, one request at a time; "
      f"its resident memory after the run: {int(rss_kb) // 1024} MiB.")
print()
print("| scanned bills, OCR'd | pages | pages/s | per bill p50 (s) | HTTP statuses |")
print("|---|---:|---:|---:|---|")
print(f"| ocr-svc: the scan's own JPEG (rasterised at 300 dpi otherwise), engines kept loaded, regions in parallel, plus extraction, analysis, 2 reports | {ours_scans['pages']} | {rate(ours_scans):.2f} | {ours_scans['p50']:.2f} | {ours_scans['statuses']} |")
print(f"| peer: pdf2image at 300 dpi + pytesseract, 1 process (the seed's worker) | {peer_one['pages']} | {rate(peer_one):.2f} | {peer_one['p50']:.2f} | — |")
print(f"| peer: pdf2image + pytesseract, {cores} processes | {peer_cores['pages']} | {rate(peer_cores):.2f} | {peer_cores['p50']:.2f} | — |")
print()
print("| target | measured | verdict |")
print("|---|---:|---|")
print(f"| scanned pages/s ≥ 3× the one-process peer | {ratio:.2f}× | {'met' if ratio >= 3 else 'not met'} |")
print(f"| ocr-svc field F1 on 12 scanned bills (ocr-bills evaluate): ≥ 0.95 | {scan_f1} | {'met' if float(scan_f1) >= 0.95 else 'not met'} |")
print(f"| scanned pages/s vs the peer on every core | {rate(ours_scans) / rate(peer_cores):.2f}× | — |")
print(f"| digital bill of 1–2 pages, sync, reports included: p50 ≤ 300 ms ({rounds} rounds × {bills} bills) | p50 {p50_ms:.0f} ms, p95 {ours_digital['p95'] * 1000:.0f} ms | {'met' if p50_ms <= 300 else 'not met'} |")
PY
)
echo "$REPORT"
echo "$REPORT" | python3 bench/record.py ocr "Energy-bill OCR vs pdf2image + pytesseract (\`bench/ocr.sh\`)"
