#!/usr/bin/env bash
# What authentication adds to a request at the gateway, and sign-in
# throughput with the configured Argon2id parameters.
#
# One release run of gateway/examples/identity_overhead.rs times, for the
# same request, the gateway's per-request work without authentication, with
# a platform API key and with a user JWT (verification, session check,
# scope check, signing the forwarded identity), 200,000 rounds each. Then it
# signs in two at a time for 5 s, and times a wrong password and an unknown
# address. Target: ≤ 20 µs added per request at p50. Results go to
# bench/README.md.
#
# Usage: bench/identity.sh
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/platform-target}

cargo build --release --locked -p gateway --example identity_overhead
RESULTS=$("$CARGO_TARGET_DIR/release/examples/identity_overhead")
REPORT="Run on $(date -u +%F) — $(nproc) cores, release build, SQLite, in one process. Target: ≤ 20 µs added per request at p50.

$RESULTS"
echo "$REPORT"
echo "$REPORT" | python3 bench/record.py identity "Identity: authentication overhead and sign-in (\`bench/identity.sh\`)"
