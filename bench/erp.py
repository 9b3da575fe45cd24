"""Drives bench/erp.sh: loads 100,000 interventions, counts queries per
request, runs oha on the list, the read and the update, and pgbench's
select-only run on the same server; prints a Markdown report."""
import datetime
import http.client
import json
import os
import platform
import subprocess
import sys
import time

port, pid, database, pgbench_database = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
rate, seconds, oha = int(sys.argv[5]), int(sys.argv[6]), sys.argv[7]
ROUNDS = int(os.environ.get("ROUNDS", "3"))
PSQL = ["psql", "-h", "127.0.0.1", "-U", "postgres", "-q", "-At", "-v", "ON_ERROR_STOP=1"]

LOAD = """
SET search_path TO erp;
INSERT INTO clients (reference, name, email, created_at, updated_at)
  SELECT 'C' || g, 'Client ' || g, 'c' || g || '@bench.test', now(), now() FROM generate_series(1, 200) g;
INSERT INTO sites (client_id, name, city, created_at, updated_at)
  SELECT 1 + g % 200, 'Site ' || g, 'Lyon', now(), now() FROM generate_series(1, 1000) g;
INSERT INTO equipment (site_id, kind, brand, created_at, updated_at)
  SELECT g, 'chaudière', 'Viessmann', now(), now() FROM generate_series(1, 1000) g;
INSERT INTO interventions (number, client_id, site_id, equipment_id, kind, priority, status, title,
                           planned_start, planned_end, created_by, created_at, updated_at)
  SELECT 'INT-2026-' || lpad(g::text, 6, '0'), s.client_id, s.id, s.id, 'corrective',
         (ARRAY['low', 'normal', 'high', 'urgent'])[1 + g % 4],
         (ARRAY['draft', 'planned', 'planned', 'in_progress', 'done', 'validated', 'closed', 'closed', 'closed', 'cancelled'])[1 + g % 10],
         'Intervention ' || g, timestamptz '2026-01-01' + g * interval '37 minutes',
         timestamptz '2026-01-01' + g * interval '37 minutes' + interval '2 hours', 'bench', now(), now()
  FROM generate_series(1, 100000) g JOIN sites s ON s.id = 1 + g % 1000;
INSERT INTO intervention_technicians (intervention_id, technician)
  SELECT id, 'tech' || (id % 40) || '@bench.test' FROM interventions;
INSERT INTO intervention_lines (intervention_id, work_date, technician, minutes, description, travel_km, created_at)
  SELECT id, planned_start::date, 'tech' || (id % 40) || '@bench.test', 60, 'Travaux', 12.5, now()
  FROM interventions WHERE id % 2 = 0;
INSERT INTO intervention_numbers (year, last_value) VALUES (2026, 100000);
ANALYZE;
"""


def psql(database, sql):
    return subprocess.run(PSQL + ["-d", database, "-c", sql], check=True, capture_output=True, text=True).stdout.strip()


def get(path):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("GET", path, headers={"X-API-Key": "bench-key"})
    response = connection.getresponse()
    response.read()
    connection.close()
    return response.status


for _ in range(300):
    try:
        if get("/ready") == 200:
            break
    except OSError:
        pass
    time.sleep(0.1)
else:
    raise SystemExit("the service did not become ready")

started = time.monotonic()
subprocess.run(PSQL + ["-d", database], input=LOAD, check=True, text=True, capture_output=True)
load_secs = time.monotonic() - started
count = psql(database, "SELECT count(*) FROM erp.interventions")


def commits():
    # Idle backends publish their statistics within ten seconds.
    time.sleep(11)
    return int(psql(database, f"SELECT xact_commit FROM pg_stat_database WHERE datname = '{database}'"))


def queries_per_request(path, requests=50):
    before = commits()
    for _ in range(requests):
        assert get(path) == 200, path
    # The reading query counts itself once.
    return (commits() - before - 1) / requests


per_page_10 = queries_per_request("/api/v1/interventions?status=planned&per_page=10")
per_page_200 = queries_per_request("/api/v1/interventions?status=planned&per_page=200")
read_queries = queries_per_request("/api/v1/interventions/4242")

# oha reads `.` literally in --rand-regex-url; `?` must be escaped.
BASE = f"http://127.0.0.1:{port}"
# Drafts (ids ending in 0): a fixed body cannot give every request its own
# free slot, and the same slot for all would make every update clash.
UPDATE = json.dumps({"title": "Révision", "priority": "high", "description": "Mise à jour du bench.", "technicians": []})
UPDATE_URL = ["-m", "PUT", "-T", "application/json", "-d", UPDATE, "--rand-regex-url", f"{BASE}/api/v1/interventions/[1-9][0-9]{{1,3}}0"]
# (name, oha connections, arguments); the update also with 16 connections,
# which shows how much of its tail is requests queued behind a stall.
RUNS = [
    ("list: status + client filter, 50 per page", 64, ["--rand-regex-url", f"{BASE}/api/v1/interventions\\?status=planned&client_id=[1-9][0-9]?&per_page=50&page=[1-2]"]),
    ("read one intervention (lines, parts, documents, signatures, history)", 64, ["--rand-regex-url", f"{BASE}/api/v1/interventions/[1-9][0-9]{{1,3}}[0-9]"]),
    ("update a draft (fields, technicians, audit)", 64, UPDATE_URL),
    ("update a draft, 16 connections", 16, UPDATE_URL),
]


def oha_run(connections, arguments):
    command = [oha, "-z", f"{seconds}s", "-q", str(rate), "-c", str(connections), "--no-tui", "--output-format", "json",
               "-H", "X-API-Key: bench-key"] + arguments
    result = json.loads(subprocess.run(command, check=True, capture_output=True, text=True).stdout)
    summary, percentiles = result["summary"], result["latencyPercentiles"]
    statuses = result.get("statusCodeDistribution", {})
    ok = sum(n for code, n in statuses.items() if code.startswith("2"))
    total = sum(statuses.values()) or 1
    return summary["requestsPerSec"], percentiles["p50"] * 1000, percentiles["p99"] * 1000, ok / total


# Rounds take turns through the runs, so that a passing stall of the shared
# machine lands in one round of several runs, not in every round of one.
rounds = [[oha_run(connections, arguments) for _, connections, arguments in RUNS] for _ in range(ROUNDS)]
results = [(name, [round_[index] for round_ in rounds]) for index, (name, _, _) in enumerate(RUNS)]
hwm = 0
with open(f"/proc/{pid}/status") as status:
    for line in status:
        if line.startswith("VmHWM"):
            hwm = int(line.split()[1]) // 1024

subprocess.run(["pgbench", "-h", "127.0.0.1", "-U", "postgres", "-i", "-s", "10", "-q", pgbench_database], check=True, capture_output=True)
pgbench = subprocess.run(["pgbench", "-h", "127.0.0.1", "-U", "postgres", "-S", "-c", "16", "-j", "2", "-T", str(seconds), pgbench_database],
                         check=True, capture_output=True, text=True).stdout
tps = next(line for line in pgbench.splitlines() if line.startswith("tps")).split()[2]

print(f"Run on {datetime.date.today()}, {os.cpu_count()} cores ({platform.machine()}), PostgreSQL on the same machine, "
      f"{count} interventions loaded in {load_secs:.1f} s; oha at a fixed {rate} req/s for {seconds} s per run, 64 connections unless named.\n")
print(f"Each run {ROUNDS} times, the rounds in turn: the lowest rate, the median p50 and the **worst p99** of the rounds "
      "count, and every round's p99 is listed.\n")
print("| request | achieved req/s | p50 | p99 (worst) | p99 of each round | 2xx | target |")
print("|---|---|---|---|---|---|---|")
for name, runs in results:
    achieved = min(run[0] for run in runs)
    p50 = sorted(run[1] for run in runs)[len(runs) // 2]
    p99s = [run[2] for run in runs]
    ok = min(run[3] for run in runs)
    verdict = "met" if max(p99s) <= 20 and achieved >= rate * 0.98 else "not met"
    each = " / ".join(f"{p99:.1f}" for p99 in p99s)
    print(f"| {name} | {achieved:.0f} | {p50:.1f} ms | {max(p99s):.1f} ms | {each} ms | {ok:.1%} | p99 ≤ 20 ms at {rate}/s: {verdict} |")
print()
print(f"- pgbench select-only (`-S`, 16 clients, scale 10) on the same server in the same run: **{float(tps):.0f} tps**.")
print(f"- SQL statements per request (pg_stat_database commits): list of 10 rows {per_page_10:.1f}, of 200 rows {per_page_200:.1f} "
      f"(constant: no N+1); read {read_queries:.1f}.")
print(f"- Peak memory of erp-svc (VmHWM): {hwm} MB.")
