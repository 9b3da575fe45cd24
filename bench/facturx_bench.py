"""(Named so that `import facturx` finds the package, not this file.)
facturx-svc against PyPI factur-x (generate_from_binary, get_xml_from_pdf,
XSD + schematron run by saxonche as scripts/facturx-oracle.py does), on the
Factur-X corpus, in one run. Run by bench/facturx.sh in the oracle's venv.

Usage: facturx.py PORT SERVICE_PID CORPUS_DIR OHA API_KEY TIMING > results.md
(TIMING: the facturx_timing example, our operations timed in-process.)
"""
import http.client
import importlib.util
import json
import os
import pathlib
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid

import facturx
from saxonche import PySaxonProcessor

PORT, PID, CORPUS, OHA, KEY, TIMING = (
    int(sys.argv[1]), int(sys.argv[2]), pathlib.Path(sys.argv[3]), sys.argv[4], sys.argv[5], sys.argv[6]
)
REPEATS = 3
PLAIN_PDF = CORPUS / "pdf/Custom/2023-6013_facture.pdf"
# Convert embeds the XML as given, as factur-x's generate_from_binary does
# after its XSD check; /v1/validate is timed on its own.
AS_GIVEN = {"check": ("check", b"false")}

oracle_path = pathlib.Path(__file__).resolve().parent.parent / "scripts/facturx-oracle.py"
spec = importlib.util.spec_from_file_location("facturx_oracle", oracle_path)
oracle = importlib.util.module_from_spec(spec)
spec.loader.exec_module(oracle)
french_path = pathlib.Path(__file__).resolve().parent.parent / "scripts/france-rfe-oracle.py"
french_spec = importlib.util.spec_from_file_location("france_rfe_oracle", french_path)
french = importlib.util.module_from_spec(french_spec)
french_spec.loader.exec_module(french)


def multipart(fields):
    boundary = uuid.uuid4().hex
    body = bytearray()
    for name, (filename, data) in fields.items():
        body += f"--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{filename}\"\r\n".encode()
        body += b"Content-Type: application/octet-stream\r\n\r\n" + data + b"\r\n"
    body += f"--{boundary}--\r\n".encode()
    return bytes(body), f"multipart/form-data; boundary={boundary}"


def post(connection, path, fields):
    body, content_type = multipart(fields)
    connection.request("POST", path, body=body, headers={"Content-Type": content_type, "X-API-Key": KEY})
    response = connection.getresponse()
    data = response.read()
    if response.status != 200:
        raise RuntimeError(f"{path}: {response.status} {data[:300]!r}")
    return data


def vm(field):
    for line in pathlib.Path(f"/proc/{PID}/status").read_text().splitlines():
        if line.startswith(field):
            return int(line.split()[1]) * 1024
    return 0


def median_ms(samples):
    return statistics.median(samples) * 1000


def timed(function, items):
    """Per-item median over REPEATS runs, then the median over items."""
    per_item = []
    for item in items:
        runs = []
        for _ in range(REPEATS):
            start = time.perf_counter()
            function(item)
            runs.append(time.perf_counter() - start)
        per_item.append(statistics.median(runs))
    return median_ms(per_item), sum(per_item) * 1000


def in_process(lines):
    """Per-item medians from facturx_timing, then the median over items."""
    manifest = "".join("\t".join(map(str, line)) + "\n" for line in lines)
    run = subprocess.run([TIMING, str(REPEATS)], input=manifest, capture_output=True, text=True, check=True)
    return median_ms([float(seconds) for seconds in run.stdout.split()])


def concurrent_uploads(sample):
    """32 concurrent 10 MB uploads: a 10 MB CII invoice (the EN 16931 sample
    with its note repeated) sent to /v1/validate 32 at once; the service's
    RSS sampled every 5 ms. Returns (seconds, errors, RSS before, peak)."""
    note = "<ram:IncludedNote><ram:Content>" + "Note de test. " * 20 + "</ram:Content></ram:IncludedNote>"
    head, tail = sample.split("</rsm:ExchangedDocument>", 1)
    big = (head + note * ((10 * 1024 * 1024 - 200_000) // len(note)) + "</rsm:ExchangedDocument>" + tail).encode()
    baseline = vm("VmRSS:")
    peak = [baseline]
    errors = []
    done = threading.Event()

    def sample_rss():
        while not done.is_set():
            peak[0] = max(peak[0], vm("VmRSS:"))
            time.sleep(0.005)

    def upload():
        try:
            post(http.client.HTTPConnection("127.0.0.1", PORT, timeout=120), "/v1/validate", {"file": ("big.xml", big)})
        except Exception as error:  # reported below
            errors.append(str(error))

    sampler = threading.Thread(target=sample_rss)
    sampler.start()
    start = time.perf_counter()
    uploads = [threading.Thread(target=upload) for _ in range(32)]
    for thread in uploads:
        thread.start()
    for thread in uploads:
        thread.join()
    seconds = time.perf_counter() - start
    done.set()
    sampler.join()
    return len(big), seconds, errors, baseline, peak[0]


def main():
    pdfs, xmls = [], []
    with PySaxonProcessor(license=False) as saxon:
        xslt = saxon.new_xslt30_processor()
        compiled = {}
        # The corpus documents the oracle can check, its verdict warm.
        for path in sorted(CORPUS.rglob("*")):
            if not path.is_file():
                continue
            report = oracle.check(str(path), saxon, xslt, compiled)
            if "profile" not in report:
                continue
            (pdfs if path.suffix == ".pdf" else xmls).append(path)
        embedded = [facturx.get_xml_from_pdf(p.read_bytes(), check_xsd=False)[1] for p in pdfs]
        plain = PLAIN_PDF.read_bytes()
        validate_set = pdfs + xmls

        def peer_validate(path):
            oracle.check(str(path), saxon, xslt, compiled)

        # The French rules: the official BR-FR XSLT, compiled once, warm.
        french_oracle = french.Oracle()
        for path in validate_set:
            french_oracle.check_path(str(path))
        peer = {
            "convert": timed(lambda xml: facturx.generate_from_binary(plain, xml), embedded),
            "validate": timed(peer_validate, validate_set),
            "validate-fr": timed(lambda path: french_oracle.check_path(str(path)), validate_set),
            "extract": timed(lambda p: facturx.get_xml_from_pdf(p.read_bytes(), check_xsd=False), pdfs),
        }
        peer_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024

    connection = http.client.HTTPConnection("127.0.0.1", PORT)
    ours = {
        "convert": timed(
            lambda xml: post(connection, "/v1/convert", {"pdf": ("f.pdf", plain), "xml": ("f.xml", xml), **AS_GIVEN}),
            embedded
        ),
        "validate": timed(
            lambda p: post(connection, "/v1/validate", {"file": (p.name, p.read_bytes())}), validate_set
        ),
        "extract": timed(lambda p: post(connection, "/v1/extract", {"file": (p.name, p.read_bytes())}), pdfs),
    }
    ours_rss = vm("VmHWM:")
    with tempfile.TemporaryDirectory() as scratch:
        xml_files = []
        for number, xml in enumerate(embedded):
            xml_files.append(pathlib.Path(scratch) / f"{number}.xml")
            xml_files[-1].write_bytes(xml)
        ours_in_process = {
            "convert": in_process([("convert", PLAIN_PDF, xml) for xml in xml_files]),
            "validate": in_process([("validate", path) for path in validate_set]),
            "validate-fr": in_process([("validate-fr", path) for path in validate_set]),
            "extract": in_process([("extract", path) for path in pdfs]),
        }

    uploads_fresh = concurrent_uploads(embedded[0].decode())

    # Conversions per second over HTTP: oha, 32 connections.
    body, content_type = multipart({"pdf": ("f.pdf", plain), "xml": ("f.xml", embedded[0]), **AS_GIVEN})
    with tempfile.NamedTemporaryFile(delete=False) as f:
        f.write(body)
        body_file = f.name
    oha = subprocess.run(
        [OHA, "-z", "15s", "-c", "32", "--no-tui", "--output-format", "json", "-m", "POST", "-D", body_file,
         "-T", content_type, "-H", f"X-API-Key: {KEY}", f"http://127.0.0.1:{PORT}/v1/convert"],
        capture_output=True, text=True, check=True,
    )
    load = json.loads(oha.stdout)
    statuses = load.get("statusCodeDistribution", {})
    os.unlink(body_file)

    uploads_after_load = concurrent_uploads(embedded[0].decode())

    mib = 1024 * 1024
    print(f"Run of {time.strftime('%Y-%m-%d')} on {os.cpu_count()} cores: {len(pdfs)} PDFs and {len(xmls)} XMLs of "
          f"`../shared/corpus/facturx` (those factur-x 7.8 can read), each operation {REPEATS} times per document; "
          "both in-process (ours: the `facturx_timing` example calling the service's functions; factur-x: its Python "
          "API), and ours also over HTTP on loopback (one keep-alive connection, multipart in and out). factur-x's `generate_from_binary` checks the XML against its XSD (its default); ours embeds the "
          "XML as given, `/v1/validate` being the check. `validate-fr`: ours validates with `rules=fr` (EN 16931, "
          "Factur-X and BR-FR), the peer runs only the official BR-FR XSLT of France_RFE v1.4.0 (compiled once).\n")
    print("| operation | documents | facturx-svc in-process | factur-x 7.8 in-process | speed-up | target "
          "| facturx-svc over HTTP |")
    print("|---|---|---|---|---|---|---|")
    targets = {"convert": 30, "validate": 50, "validate-fr": 50, "extract": None}
    for operation in ("convert", "validate", "validate-fr", "extract"):
        ours_ms, peer_ms = ours_in_process[operation], peer[operation][0]
        count = {"convert": len(embedded), "validate": len(validate_set), "validate-fr": len(validate_set),
                 "extract": len(pdfs)}[operation]
        target = targets[operation]
        verdict = "" if target is None else (f"≥ {target}× " + ("met" if peer_ms / ours_ms >= target else "**not met**"))
        over_http = f"{ours[operation][0]:.2f} ms" if operation in ours else "—"
        print(f"| {operation} | {count} | {ours_ms:.2f} ms | {peer_ms:.2f} ms | {peer_ms / ours_ms:.1f}× | {verdict} "
              f"| {over_http} |")
    print()
    print(f"Peak memory over those runs: facturx-svc {ours_rss / mib:.1f} MB (VmHWM of the service), "
          f"factur-x {peer_rss / mib:.1f} MB (max RSS of the Python process with saxonche).\n")
    rps = load["summary"]["requestsPerSec"]
    p50 = load["latencyPercentiles"]["p50"] * 1000
    p99 = load["latencyPercentiles"]["p99"] * 1000
    print(f"Conversions over HTTP (oha, 32 connections, 15 s, {len(plain) // 1024} KB PDF + EN 16931 XML): "
          f"**{rps:.0f} conversions/s**, p50 {p50:.1f} ms, p99 {p99:.1f} ms, statuses {statuses} "
          f"(target ≥ 1,000/s: {'met' if rps >= 1000 else '**not met**'}).\n")
    for when, (size, seconds, errors, baseline, peak) in (
        ("after the per-document runs", uploads_fresh),
        ("again after the oha run", uploads_after_load),
    ):
        print(f"32 concurrent uploads of a {size / mib:.1f} MB invoice XML to /v1/validate, {when}: done in "
              f"{seconds:.1f} s, {len(errors)} errors{': ' + errors[0] if errors else ''}; service RSS "
              f"{baseline / mib:.1f} MB before, **{peak / mib:.1f} MB peak** (sampled every 5 ms) "
              f"(target ≤ 50 MB: {'met' if peak <= 50 * mib else '**not met**'}).\n")


main()
