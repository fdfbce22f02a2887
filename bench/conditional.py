"""What a run over an unchanged site costs the site, before and after conditional requests.

    python -m bench.conditional [--articles 300] [--seed 1]

One first crawl of the replica; then the same incremental re-run twice from copies of that state
store: "before" with the stored validators removed (the cheap sources read whole, as before
conditional requests), "after" with them (If-None-Match / If-Modified-Since, 304 from the
replica). Prints the requests and the response bytes of each re-run, and the ratio, measured in
this one run. Nothing is written to bench/results.md.
"""
from __future__ import annotations

import argparse
import re
import shutil
import sqlite3
import sys
import tempfile
from pathlib import Path

from tests.conftest import Replica, run_crawl


def _figure(log: str, key: str) -> int:
    m = re.search(rf"'{re.escape(key)}': (\d+)", log)
    return int(m.group(1)) if m else 0


def measure(articles: int, seed: int) -> dict:
    work = Path(tempfile.mkdtemp(prefix="gbaf-bench-conditional-"))
    replica = Replica("--articles", articles, "--seed", seed)
    try:
        first = run_crawl(replica.url, work / "first")
        if first.returncode != 0:
            raise SystemExit(f"first crawl failed: {first.report.get('problems')}")
        out = {}
        for name in ("before", "after"):
            data = work / name
            shutil.copytree(work / "first", data, ignore=shutil.ignore_patterns("articles", "feeds"))
            if name == "before":
                with sqlite3.connect(data / "state.sqlite") as db:
                    db.execute("DELETE FROM validators")
            run = run_crawl(replica.url, data)
            out[name] = {"exit": run.returncode, "requests": _figure(run.log, "downloader/request_count"),
                         "bytes": _figure(run.log, "downloader/response_bytes"),
                         "304": run.report.get("pages", {}).get("by_status", {}).get("304", 0)}
        return out
    finally:
        replica.stop()
        shutil.rmtree(work, ignore_errors=True)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--articles", type=int, default=300)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    figures = measure(args.articles, args.seed)
    before, after = figures["before"], figures["after"]
    print(f"An unchanged replica of {args.articles} articles, incremental re-run:")
    print("| run | requests | response bytes | 304 answers | exit |")
    print("|---|---|---|---|---|")
    for name, f in figures.items():
        print(f"| {name} conditional requests | {f['requests']} | {f['bytes']} | {f['304']} | {f['exit']} |")
    if before["bytes"]:
        print(f"bytes after / before: {after['bytes'] / before['bytes']:.3f}; "
              f"requests after / before: {after['requests']} / {before['requests']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
