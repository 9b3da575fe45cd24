"""Writes one benchmark's results into bench/README.md, between its
<!-- NAME:start --> and <!-- NAME:end --> markers (added, under HEADING,
the first time). Usage: record.py NAME HEADING < results.md"""
import pathlib
import sys

name, heading = sys.argv[1], sys.argv[2]
results = sys.stdin.read().strip()
path = pathlib.Path(__file__).with_name("README.md")
text = path.read_text() if path.exists() else "# Benchmarks\n"
start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
block = f"{start}\n{results}\n{end}"
if start in text:
    text = text[: text.index(start)] + block + text[text.index(end) + len(end):]
else:
    text = text.rstrip() + f"\n\n## {heading}\n\n{block}\n"
path.write_text(text)
