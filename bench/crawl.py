"""Whole crawls for the benchmark: `scrapy crawl gbaf` as a user runs it, and the fetch-only baseline.

The gbaf crawl runs with every pipeline and exporter on (JSON Lines, Parquet, the run's RSS and
Atom feeds, the cross-run feeds, manifest, report, state store), a fresh data dir and state store,
and the replica-speed settings (no delay, no AutoThrottle, 16 requests at once). The fetch-only
spider then requests exactly the targets the bench server logged for that crawl, with the same
concurrency, so both are measured on the same pages.
"""
from __future__ import annotations

import json
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from bench.measure import Run, run_measured

FAST = {"DOWNLOAD_DELAY": "0", "AUTOTHROTTLE_ENABLED": "0", "CONCURRENT_REQUESTS": "16",
        "CONCURRENT_REQUESTS_PER_DOMAIN": "16", "LOG_LEVEL": "INFO", "LOGSTATS_INTERVAL": "0"}


def gbaf_command(base_url, data_dir, settings=None, spider_args=()):
    data_dir = Path(data_dir)
    runs = str(data_dir / "articles" / "%(run_date)s" / "%(run_id)s")
    s = {**FAST, "GBAF_BASE_URL": base_url, "GBAF_DATA_DIR": str(data_dir),
         "GBAF_STATE_URL": str(data_dir / "state.sqlite"),
         "FEEDS": json.dumps({f"{runs}.jsonl": {"format": "jsonlines", "overwrite": True},
                              f"{runs}.parquet": {"format": "parquet", "overwrite": True},
                              f"{runs}.rss.xml": {"format": "rss", "overwrite": True},
                              f"{runs}.atom.xml": {"format": "atom", "overwrite": True}}),
         "GBAF_LATEST_FEEDS": json.dumps({"atom": str(data_dir / "feeds" / "gbaf.atom.xml"),
                                          "rss": str(data_dir / "feeds" / "gbaf.rss.xml")}),
         **(settings or {})}
    cmd = [sys.executable, "-m", "scrapy", "crawl", "gbaf"]
    for key, value in s.items():
        cmd += ["-s", f"{key}={value}"]
    for arg in spider_args:
        cmd += ["-a", arg]
    return cmd


@dataclass
class CrawlResult:
    run: Run
    report: dict
    data_dir: Path

    @property
    def records(self):
        return self.report.get("records", {}).get("exported", 0)

    @property
    def responses(self):
        return self.report.get("pages", {}).get("responses", 0)

    @property
    def ok(self):
        return self.run.returncode == 0 and bool(self.report)


def latest_report(data_dir):
    reports = sorted(Path(data_dir, "articles").glob("*/*.report.json"), key=lambda p: p.stat().st_mtime)
    return json.loads(reports[-1].read_text()) if reports else {}


def gbaf(server, data_dir, settings=None, spider_args=(), log_path=None, profile=None):
    """One `scrapy crawl gbaf` against the bench server, measured."""
    cmd = gbaf_command(server.url, data_dir, settings, spider_args)
    if profile:
        cmd[4:4] = ["--profile", str(profile)]  # scrapy's cProfile of the whole crawl
    before = {p.name for p in Path(data_dir, "articles").glob("*/*.report.json")}
    run = run_measured(cmd, server=server, log_path=log_path)
    reports = [p for p in Path(data_dir, "articles").glob("*/*.report.json") if p.name not in before]
    report = json.loads(max(reports, key=lambda p: p.stat().st_mtime).read_text()) if reports else {}
    return CrawlResult(run, report, Path(data_dir))


def fetch_only(server, targets, settings=None, log_path=None):
    """The fetch-only spider over the given request targets, measured."""
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump([server.url + t for t in targets], f)
    cmd = [sys.executable, "-m", "bench.fetchonly", f.name]
    for key, value in (settings or {}).items():
        cmd += ["-s", f"{key}={value}"]
    try:
        return run_measured(cmd, server=server, log_path=log_path)
    finally:
        Path(f.name).unlink(missing_ok=True)
