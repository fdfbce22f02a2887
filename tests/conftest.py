"""Shared test fixtures: a real replica server on 127.0.0.1 and a real `scrapy crawl` run against it."""
import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FAST = {  # the replica is local: no politeness delays in tests
    "DOWNLOAD_DELAY": "0", "AUTOTHROTTLE_ENABLED": "0", "CONCURRENT_REQUESTS_PER_DOMAIN": "16",
    "LOG_LEVEL": "INFO", "LOGSTATS_INTERVAL": "0",
}


class Replica:
    """`python -m replica` in a subprocess on a free port; stopped by stop()."""

    def __init__(self, *args):
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "replica", "--port", "0", *map(str, args)],
            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        if " at http" not in line:
            self.stop()
            raise RuntimeError(f"replica did not start: {line!r} {self.proc.stderr.read()[:2000]}")
        self.url = line.rsplit(" at ", 1)[1].strip().rstrip("/")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()


@pytest.fixture
def replica_factory():
    started = []

    def start(*args):
        r = Replica(*args)
        started.append(r)
        return r

    yield start
    for r in started:
        r.stop()


@pytest.fixture(scope="session")
def replica():
    """The default replica: 300 articles, seed 1."""
    r = Replica("--articles", 300, "--seed", 1)
    yield r
    r.stop()


@dataclass
class CrawlResult:
    returncode: int
    records: list
    log: str
    data_dir: Path
    report: dict = field(default_factory=dict)

    def by_url(self):
        return {r["url"]: r for r in self.records}


def crawl_command(base_url, data_dir, *spider_args, settings=None):
    """The `scrapy crawl gbaf` command line a user would type for base_url and data_dir."""
    data_dir = Path(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    s = {**FAST, "GBAF_BASE_URL": base_url, "GBAF_DATA_DIR": str(data_dir),
         "GBAF_STATE_URL": str(data_dir / "state.sqlite"),
         "FEEDS": json.dumps({str(data_dir / "articles" / "%(run_date)s" / "%(run_id)s.jsonl"):
                              {"format": "jsonlines", "overwrite": True}}),
         "GBAF_LATEST_FEEDS": json.dumps({"atom": str(data_dir / "feeds" / "gbaf.atom.xml"),
                                          "rss": str(data_dir / "feeds" / "gbaf.rss.xml")}),
         **(settings or {})}
    cmd = [sys.executable, "-m", "scrapy", "crawl", "gbaf"]
    for key, value in s.items():
        cmd += ["-s", f"{key}={value}"]
    for arg in spider_args:
        cmd += ["-a", arg]
    return cmd


def run_crawl(base_url, data_dir, *spider_args, settings=None, timeout=600, env=None):
    """`scrapy crawl gbaf` against base_url, outputs under data_dir; returns what a user would look at."""
    data_dir = Path(data_dir)
    cmd = crawl_command(base_url, data_dir, *spider_args, settings=settings)
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, **(env or {})})
    records = []
    for path in sorted((data_dir / "articles").glob("*/*.jsonl")):
        if path.stat().st_mtime >= 0 and path.name.endswith(".jsonl"):
            records.extend(json.loads(line) for line in path.read_text(encoding="utf-8").splitlines())
    reports = sorted((data_dir / "articles").glob("*/*.report.json"), key=lambda p: p.stat().st_mtime)
    report = json.loads(reports[-1].read_text()) if reports else {}
    return CrawlResult(proc.returncode, records, proc.stderr, data_dir, report)


def delivered_records(data_dir):
    """Every record of every delivered run (a JSON Lines file with its manifest), in run order."""
    records = []
    manifests = sorted(Path(data_dir, "articles").glob("*/*.manifest.json"), key=lambda p: p.stat().st_mtime)
    for manifest in manifests:
        jsonl = manifest.with_name(manifest.name.replace(".manifest.json", ".jsonl"))
        records.extend(json.loads(line) for line in jsonl.read_text(encoding="utf-8").splitlines())
    return records


def newest_run_records(data_dir):
    """Records of the newest delivered run (by manifest), as a downstream job would pick it up."""
    manifests = sorted(Path(data_dir, "articles").glob("*/*.manifest.json"), key=lambda p: p.stat().st_mtime)
    if not manifests:
        return []
    jsonl = manifests[-1].with_name(manifests[-1].name.replace(".manifest.json", ".jsonl"))
    return [json.loads(line) for line in jsonl.read_text(encoding="utf-8").splitlines()]


# --- the gbaf spider without a crawl (unit tests of its callbacks) -----------------------------------
SPIDER_BASE = "http://127.0.0.1:9"  # nothing listens: a test that fetched would fail


def gbaf_spider(**spider_args):
    """The gbaf spider as a crawl builds it, on SPIDER_BASE, without the state store or a browser;
    its callbacks are called by hand."""
    from scrapy.utils.test import get_crawler

    from spiders.gbaf import GbafSpider

    crawler = get_crawler(GbafSpider, {"GBAF_STATE_ENABLED": False, "GBAF_BASE_URL": SPIDER_BASE,
                                       "GBAF_RENDER": "never"})
    crawler._apply_settings()
    return GbafSpider.from_crawler(crawler, **spider_args)


class FakeRunState:
    """The run's view of the state store (crawler.state.incremental.RunState) as a later run has
    it, reduced to what the cheap sources ask: every article unknown, no validators kept; the
    dates the sources gave are recorded in `lastmods`."""

    empty = False

    def __init__(self):
        self.lastmods = {}

    def needs_fetch(self, url):
        return True, "unknown"

    def lookup(self, url):
        return None

    def note_lastmod(self, url, lastmod):
        self.lastmods[url] = lastmod

    def validators(self, urls):  # the conditional-request validators: none kept
        return {}

    def note_validators(self, url, etag, last_modified):
        pass


def incremental(spider):
    """The spider as on a later run: the cheap sources first, listings only when they leave a gap."""
    spider.run_state, spider.incremental = FakeRunState(), True
    return spider
