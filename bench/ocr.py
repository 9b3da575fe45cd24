"""Helpers for bench/ocr.sh.

peer DIR WORKERS: the seed's way of reading scans, pdf2image (pdftoppm at
300 dpi, grayscale) then pytesseract.image_to_data(lang="fra") page by page,
over every *-scan.pdf in DIR, with WORKERS processes (1 = the seed's Celery
task, 2 = one process per core). Prints pages, seconds, per-bill p50.

client URL KEY DIR PATTERN ROUNDS: posts every file of DIR matching PATTERN
to URL (X-API-Key: KEY) ROUNDS times, one request at a time, and prints
pages, seconds, per-request p50/p95 and the HTTP statuses seen.
"""
import json
import pathlib
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def read_scan(path):
    import pytesseract
    from pdf2image import convert_from_path

    started = time.perf_counter()
    pages = convert_from_path(str(path), dpi=300, grayscale=True)
    for page in pages:
        pytesseract.image_to_data(page, lang="fra")
    return len(pages), time.perf_counter() - started


def peer(directory, workers):
    scans = sorted(pathlib.Path(directory).glob("*-scan.pdf"))
    started = time.perf_counter()
    with ProcessPoolExecutor(max_workers=workers) as pool:
        results = list(pool.map(read_scan, scans))
    elapsed = time.perf_counter() - started
    pages = sum(count for count, _ in results)
    latencies = [seconds for _, seconds in results]
    print(json.dumps({"pages": pages, "seconds": elapsed, "p50": statistics.median(latencies)}))


def client(url, key, directory, pattern, rounds):
    import requests

    files = sorted(pathlib.Path(directory).glob(pattern))
    session = requests.Session()
    latencies, statuses, pages = [], {}, 0
    started = time.perf_counter()
    for _ in range(rounds):
        for path in files:
            begun = time.perf_counter()
            response = session.post(
                url,
                headers={"X-API-Key": key},
                files={"file": (path.name, path.read_bytes(), "application/pdf")},
                data={"type": "auto", "strict": "false"},
            )
            latencies.append(time.perf_counter() - begun)
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
            if response.status_code == 200:
                pages += response.json()["reading"]["pages"]
    elapsed = time.perf_counter() - started
    print(json.dumps({
        "pages": pages,
        "seconds": elapsed,
        "p50": statistics.median(latencies),
        "p95": percentile(latencies, 0.95),
        "statuses": statuses,
    }))


if __name__ == "__main__":
    command = sys.argv[1]
    if command == "peer":
        peer(sys.argv[2], int(sys.argv[3]))
    elif command == "client":
        client(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5], int(sys.argv[6]))
    else:
        sys.exit(__doc__)
