"""Distributed crawling on Redis: workers share one frontier and one memory of what was seen.

Every test runs a real redis-server (Debian's) on a free 127.0.0.1 port, started and stopped here,
and real `scrapy crawl gbaf` workers as subprocesses against the replica: three workers export
exactly the replica's records, each once, with about the requests of one worker; a later crawl
generation exports only what is new or changed, with its version; a worker killed half way loses
nothing for good; Redis unreachable is a clear failure.
"""
import json
import os
import pickle
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from replica.site import Site
from tests.conftest import ROOT, Replica, crawl_command, delivered_records, run_crawl

redis = pytest.importorskip("redis")
REDIS_SERVER = shutil.which("redis-server")
pytestmark = pytest.mark.skipif(not REDIS_SERVER, reason="redis-server is not installed (apt-get install redis-server)")

ARTICLES = 300
IDLE = "5"  # GBAF_REDIS_IDLE_SECONDS for the tests' workers
IGNORED = {"crawled_at", "extraction"}


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RedisServer:
    """redis-server on a free port, in memory only; stop() shuts it down."""

    def __init__(self, workdir):
        for _ in range(3):
            self.port = _free_port()
            self.proc = subprocess.Popen(
                [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                 "--appendonly", "no", "--dir", str(workdir)],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            client = redis.Redis(port=self.port)
            for _ in range(100):
                try:
                    client.ping()
                    return
                except redis.ConnectionError:
                    if self.proc.poll() is not None:
                        break
                    time.sleep(0.05)
            self.stop()
        raise RuntimeError("redis-server did not start")

    def url(self, db):
        return f"redis://127.0.0.1:{self.port}/{db}"

    def client(self, db):
        return redis.Redis(port=self.port, db=db, decode_responses=True)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory):
    server = RedisServer(tmp_path_factory.mktemp("redis"))
    yield server
    server.stop()


def seed(base_url, redis_url, *args):
    proc = subprocess.run([sys.executable, "-m", "crawler.commands.seed", "-s", f"GBAF_BASE_URL={base_url}",
                           "-s", f"GBAF_REDIS_URL={redis_url}", *args],
                          cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


class Worker:
    """One `scrapy crawl gbaf` worker with its own data directory (as on its own machine)."""

    def __init__(self, base_url, data_dir, redis_url, settings=None):
        self.data_dir = Path(data_dir)
        cmd = crawl_command(base_url, self.data_dir, settings={
            "GBAF_REDIS_URL": redis_url, "GBAF_STATE_URL": redis_url, "GBAF_REDIS_IDLE_SECONDS": IDLE,
            **(settings or {})})
        self.log_path = self.data_dir / "worker.log"
        self._log = open(self.log_path, "w")
        self.proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=self._log)

    def wait(self, timeout=180):
        try:
            return self.proc.wait(timeout)
        finally:
            self._log.close()

    @property
    def log(self):
        return self.log_path.read_text()

    @property
    def records(self):
        return delivered_records(self.data_dir)

    @property
    def report(self):
        reports = sorted((self.data_dir / "articles").glob("*/*.report.json"))
        return json.loads(reports[-1].read_text()) if reports else {}

    def delivered(self):
        """Outputs in place (a killed run leaves at most hidden .part files, which no glob takes)."""
        return sorted(p.name for p in (self.data_dir / "articles").glob("*/*")
                      if p.name.endswith((".jsonl", ".manifest.json")) and not p.name.startswith("."))


def start_crew(base_url, data_dir, redis_url, workers, client):
    """Start the workers, wait until each has joined (they wait for work up to the idle time), then
    seed: every worker then takes a share, however slowly a busy machine starts each process."""
    from crawler.distributed.worker import Workers

    crew = [Worker(base_url, Path(data_dir) / f"worker{i + 1}", redis_url) for i in range(workers)]
    deadline = time.monotonic() + 60
    while len(Workers(client, "gbaf").live()) < workers:
        assert time.monotonic() < deadline, "workers did not start:\n" + crew[0].log[-2000:]
        assert all(w.proc.poll() is None for w in crew), [w.log[-2000:] for w in crew if w.proc.poll() is not None]
        time.sleep(0.05)
    return crew, seed(base_url, redis_url)


def crawl_together(base_url, data_dir, redis_url, workers, client):
    crew, seeded = start_crew(base_url, data_dir, redis_url, workers, client)
    for worker in crew:
        worker.wait()
    return crew, seeded


def _union(crews):
    return [r for crew in crews for w in crew for r in w.records]


@pytest.fixture(scope="module")
def generations(redis_server, tmp_path_factory):
    """A one-worker crawl without Redis (the baseline); then two crawl generations over the
    replica at step 0 (3 workers) and step 1 (3 workers), sharing one Redis."""
    data = tmp_path_factory.mktemp("distributed")
    url, client = redis_server.url(1), redis_server.client(1)
    out = {}
    replica = Replica("--articles", ARTICLES, "--seed", 1, "--step", 0)
    try:
        out["single"] = run_crawl(replica.url, data / "single")
        out["first"], out["seed"] = crawl_together(replica.url, data / "first", url, 3, client)
    finally:
        replica.stop()
    replica = Replica("--articles", ARTICLES, "--seed", 1, "--step", 1)
    try:
        out["second"], out["seed2"] = crawl_together(replica.url, data / "second", url, 3, client)
    finally:
        replica.stop()
    out["data"] = data
    return out


def test_three_workers_export_the_replica_exactly_once(generations):
    crew = generations["first"]
    for worker in crew:
        assert worker.proc.returncode == 0, worker.log[-3000:]
    expected = Site(articles=ARTICLES, seed=1).expected_by_url()
    records = _union([crew])
    urls = [r["url"] for r in records]
    assert len(urls) == len(set(urls)), "an article was exported by two workers"
    assert set(urls) == set(expected)
    mismatches = [(r["url"], k) for r in records for k, v in expected[r["url"]].items()
                  if k not in IGNORED and r[k] != v]
    assert not mismatches, mismatches[:5]
    # The work was shared, and every worker stopped on its own once the queue stayed empty.
    assert all(w.records for w in crew), [len(w.records) for w in crew]
    assert all("no worker busy for" in w.log for w in crew)


def test_workers_make_no_more_requests_than_one_crawler(generations):
    single = generations["single"].report["pages"]["requests"]
    together = sum(w.report["pages"]["requests"] for w in generations["first"])
    assert together <= 1.05 * single, (together, single)


def test_a_later_generation_exports_only_new_and_changed_with_versions(generations):
    assert generations["seed2"]["new"] and generations["seed2"]["generation"] != generations["seed"]["generation"]
    crew = generations["second"]
    for worker in crew:
        assert worker.proc.returncode == 0, worker.log[-3000:]
    site = Site(articles=ARTICLES, seed=1, step=1)
    changes = site.changes_since(0)
    got = {}
    for record in _union([crew]):
        assert record["url"] not in got, f"{record['url']} exported twice"
        got[record["url"]] = record
    assert set(got) == set(changes["new"]) | set(changes["updated"])
    for url in changes["new"]:
        assert got[url]["version"] == 1
    for url in changes["updated"]:
        assert got[url]["version"] == 2
        assert got[url]["content_hash"] == site.expected_by_url()[url]["content_hash"]


def test_merge_gives_one_dataset_of_a_generation(generations, redis_server, tmp_path):
    first = generations["data"] / "first"
    out = tmp_path / "merged" / "gbaf.jsonl"
    proc = subprocess.run([sys.executable, "-m", "crawler.commands.merge", str(out), str(first), str(generations["data"] / "second"),
                           "--generation", generations["seed"]["generation"], "-s",
                           f"GBAF_REDIS_URL={redis_server.url(1)}"],
                          cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(records) == ARTICLES == len({r["url"] for r in records})
    manifest = json.loads(out.with_name("gbaf.manifest.json").read_text())
    assert len(manifest["merged_from"]) == 3 and manifest["records"]["duplicates"] == 0


def test_seeding_is_done_once_through_the_duplicate_filter(redis_server):
    url, r = redis_server.url(2), redis_server.client(2)
    base = "http://127.0.0.1:9"  # nothing is fetched by seeding
    first = seed(base, url)
    assert first["new"] and first["queued"] == first["seeds"] >= 10
    again = seed(base, url)
    assert again["generation"] == first["generation"] and not again["new"]
    assert again["queued"] == 0 and r.zcard("gbaf:requests") == first["seeds"]
    assert r.scard("gbaf:dupefilter") == first["seeds"]
    raw = redis.Redis(port=redis_server.port, db=2).zrange("gbaf:requests", 0, -1)
    requests = [pickle.loads(x) for x in raw]
    assert not any(q["dont_filter"] for q in requests)
    callbacks = {q["url"].replace(base, ""): q["callback"] for q in requests}
    assert callbacks["/sitemap-news.xml"] == "parse_cheap" and callbacks["/"] == "parse_home"
    assert callbacks["/category/banking/"] == "parse_listing"
    # --new starts over: the previous crawl's fingerprints are forgotten.
    fresh = seed(base, url, "--new")
    assert fresh["new"] and fresh["generation"] != first["generation"] and fresh["queued"] == first["seeds"]


def test_a_worker_killed_half_way_loses_no_article(redis_server, replica, tmp_path):
    url, r = redis_server.url(3), redis_server.client(3)
    crew, seeded = start_crew(replica.url, tmp_path, url, 3, r)
    claims = f"gbaf:state:claims:{seeded['generation']}:url"
    victim = crew[1]
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        owners = list(r.hgetall(claims).values())
        mine = [o for o in owners if o.endswith(f"-{victim.proc.pid}")]  # run ids end with the pid
        if len(owners) >= ARTICLES // 3 and len(mine) >= 5:
            break
        assert victim.proc.poll() is None, "the worker to kill finished first:\n" + victim.log[-2000:]
        time.sleep(0.02)
    else:
        pytest.fail("the crawl did not get half way")
    os.kill(victim.proc.pid, signal.SIGKILL)
    assert victim.wait() == -signal.SIGKILL
    others = [w for w in crew if w is not victim]
    for worker in others:
        assert worker.wait() == 0, worker.log[-3000:]
    assert victim.delivered() == [], "a killed worker delivers nothing"
    expected = set(Site(articles=ARTICLES, seed=1).expected_by_url())
    first = [rec["url"] for w in others for rec in w.records]
    assert len(first) == len(set(first)) and set(first) < expected
    missing = expected - set(first)
    assert len(missing) >= 5  # at least what the killed worker had claimed

    # The killed worker counts as alive until its heartbeat expires; then the next crawl is seeded.
    deadline = time.monotonic() + 30
    while r.exists(f"gbaf:worker:{mine[0]}") and time.monotonic() < deadline:
        time.sleep(0.2)
    again = seed(replica.url, url)
    assert again["new"], again
    follow_up = Worker(replica.url, tmp_path / "follow-up", url)
    assert follow_up.wait() == 0, follow_up.log[-3000:]
    # The workers that finished beside the killed one committed the sitemaps' and the feed's
    # validators; a 304 would make the follow-up take them for "nothing new" and miss the killed
    # worker's share (seen: 1-2 articles lost in one run of 3). Settling the dead run forgot them.
    assert "304" not in follow_up.report["pages"]["by_status"], follow_up.report["pages"]
    recovered = [rec["url"] for rec in follow_up.records]
    assert set(recovered) == missing and len(recovered) == len(missing)  # the lost ones, only those


def test_an_aborted_run_makes_the_store_forget_the_cheap_sources_validators(redis_server, tmp_path):
    """A run that aborts (or dies and is settled) may not have fetched its share of what the cheap
    sources listed: no later run may send their validators (a 304 would hide that share)."""
    from crawler.state.redis_store import RedisStateStore
    from crawler.state.sqlite_store import SqliteStateStore

    validator = ("validators", "http://x/sitemap.xml", {"url": "http://x/sitemap.xml", "etag": '"v1"',
                                                        "last_modified": None})
    for store in (SqliteStateStore(tmp_path / "state.sqlite"), RedisStateStore(redis_server.url(9))):
        try:
            store.begin_run("run-1")
            store.stage("run-1", [validator])
            store.commit_run("run-1")
            assert store.get_validators(["http://x/sitemap.xml"])  # a finished run's: kept
            store.begin_run("run-2")
            store.abort_run("run-2")
            assert store.get_validators(["http://x/sitemap.xml"]) == {}, type(store).__name__
        finally:
            store.close()


def test_a_waiting_worker_whose_snapshot_went_stale_steps_aside(redis_server, replica, tmp_path):
    """A worker started before the seeding, while another run was still committing: its snapshot of
    the state store misses that run, so it must not crawl (it would export those articles again)."""
    from crawler.state.redis_store import RedisStateStore

    url, r = redis_server.url(8), redis_server.client(8)
    early = Worker(replica.url, tmp_path / "early", url, settings={"GBAF_REDIS_IDLE_SECONDS": "60"})
    deadline = time.monotonic() + 60
    while not r.smembers("gbaf:workers"):
        assert time.monotonic() < deadline and early.proc.poll() is None, early.log[-2000:]
        time.sleep(0.05)
    store = RedisStateStore(url)  # a run of the previous crawl commits after the worker's snapshot
    store.begin_run("late-run", None)
    store.commit_run("late-run")
    store.close()
    seeded = seed(replica.url, url)
    assert seeded["new"] and seeded["working"] == 0  # a waiting worker does not hold a crawl open
    assert early.wait(60) == 1
    assert "'finish_reason': 'stale_snapshot'" in early.log
    assert r.zcard("gbaf:requests") == seeded["seeds"]  # the request it took went back
    assert early.delivered() == []


def test_redis_unreachable_is_a_clear_failure_not_a_local_crawl(replica, tmp_path):
    dead = f"redis://127.0.0.1:{_free_port()}/0"
    result = run_crawl(replica.url, tmp_path, settings={"GBAF_REDIS_URL": dead, "GBAF_STATE_URL": dead})
    assert result.returncode != 0
    assert "is unreachable" in result.log and "no local crawl" in result.log
    assert "'finish_reason': 'redis_unreachable'" in result.log
    assert result.records == [] and result.report["pages"]["requests"] == 0
    assert "Traceback" not in result.log.split("[Spidermon]")[0]
    proc = subprocess.run([sys.executable, "-m", "crawler.commands.seed", "-s", f"GBAF_REDIS_URL={dead}"],
                          cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1 and "unreachable" in proc.stderr


def test_redis_lost_during_the_run_stops_the_worker_without_delivering(replica, tmp_path):
    server = RedisServer(tmp_path)
    try:
        generation = seed(replica.url, server.url(0))["generation"]
        worker = Worker(replica.url, tmp_path / "worker", server.url(0))
        r = server.client(0)
        deadline = time.monotonic() + 120
        while r.hlen(f"gbaf:state:claims:{generation}:url") < 50 and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        server.stop()
    assert worker.wait(120) == 1
    log = worker.log
    assert "Redis connection lost" in log and "'finish_reason': 'redis_lost'" in log
    assert worker.delivered() == []  # nothing delivered, nothing committed: the next generation has it
    assert "Scraper close failure" not in log and "Error caught on signal handler" not in log


def test_a_worker_on_a_local_state_store_refuses_to_start(redis_server, replica, tmp_path):
    # crawl_command points GBAF_STATE_URL at a local SQLite file: workers could not share it.
    result = run_crawl(replica.url, tmp_path, settings={"GBAF_REDIS_URL": redis_server.url(4)})
    assert result.returncode != 0
    assert "workers must share a Redis state store" in result.log
    assert result.records == []


def test_redis_state_store_commits_runs_and_claims_articles(redis_server, tmp_path):
    from crawler.state.redis_store import RedisStateStore

    url = redis_server.url(5)
    row = {"url": "https://www.globalbankingandfinance.com/a/", "content_hash": "h1", "version": 1,
           "published_at": "2026-03-01T00:00:00+00:00", "record": json.dumps({"url": "a"}), "signature": b"\x01\x02"}
    store = RedisStateStore(url)
    store.new_generation("g1")
    store.begin_run("run1", str(tmp_path / "run1.manifest.json"))
    store.begin_run("run2", None)
    store.stage("run1", [("article", "id-a", row), ("alias", "alias-a", {"alias": "https://x/a-alias/", "id": "id-a"})])
    assert store.snapshot() == {}  # staged, not visible
    # Claims: the first run to claim a URL, or a content under another URL, exports it.
    assert store.claim("run1", row["url"], "h1") is None
    assert store.claim("run2", row["url"], "h1") == row["url"]
    assert store.claim("run2", "https://www.globalbankingandfinance.com/b/", "h1") == row["url"]
    assert store.claim("run2", "https://www.globalbankingandfinance.com/c/", "h3") is None
    store.commit_run("run1")
    known = store.snapshot()
    assert set(known) == {row["url"], "https://x/a-alias/"}
    assert known[row["url"]].signature == b"\x01\x02" and known[row["url"]].version == 1
    assert store.latest(5) == [{"url": "a"}]
    # A new generation claims afresh.
    store.new_generation("g2")
    assert store.claim("run3", row["url"], "h1") is None
    store.close()


def test_redis_state_store_settles_runs_that_died(redis_server, tmp_path, monkeypatch):
    import crawler.state.redis_store as state_redis
    from crawler.run.lifecycle import settle_dead_runs

    url, r = redis_server.url(6), redis_server.client(6)
    row = {"url": "https://www.globalbankingandfinance.com/d/", "content_hash": "h", "version": 1}
    store = state_redis.RedisStateStore(url)
    store.begin_run("delivered", str(tmp_path / "delivered.manifest.json"))
    store.stage("delivered", [("article", "id-d", row)])
    store.begin_run("lost", str(tmp_path / "lost.manifest.json"))
    store.stage("lost", [("article", "id-e", dict(row, url="https://www.globalbankingandfinance.com/e/"))])
    (tmp_path / "delivered.manifest.json").write_text('{"outputs": []}')
    store.close()  # both runs stop beating: as if their processes were killed
    r.delete("gbaf:state:run:delivered:alive", "gbaf:state:run:lost:alive")
    store = state_redis.RedisStateStore(url)  # the next run opens the store and settles
    settle_dead_runs(store, "next")
    assert list(store.snapshot()) == [row["url"]]
    assert r.hget("gbaf:state:run:delivered", "status") == "committed"
    assert r.hget("gbaf:state:run:lost", "status") == "aborted"
    assert not r.smembers("gbaf:state:running")
    store.close()


def test_an_idle_worker_waits_while_another_holds_requests(redis_server):
    """scrapy-redis alone closes an idle worker while another still holds requests that may bring
    more: here the idle time counts only while the queue is empty and no live worker is busy."""
    from scrapy import Request, Spider
    from scrapy.exceptions import DontCloseSpider
    from scrapy_redis.queue import PriorityQueue

    from crawler.distributed.worker import RedisScheduler, Workers

    server = redis.Redis(port=redis_server.port, db=7)
    spider = Spider(name="gbaf")
    scheduler = RedisScheduler(server=server, persist=True)
    scheduler.queue = PriorityQueue(server, spider, "gbaf:requests")
    scheduler.workers, scheduler.run_id = Workers(server, "gbaf"), "me"
    scheduler.idle_seconds, scheduler.idle_since = 0.3, None
    other = Workers(server, "gbaf")
    other.beat("other", "busy")
    for _ in range(4):  # well past the idle time: the other worker is busy
        with pytest.raises(DontCloseSpider):
            scheduler.spider_idle(spider)
        time.sleep(0.15)
    other.beat("other", "idle")
    with pytest.raises(DontCloseSpider):  # everyone idle: the idle time starts now
        scheduler.spider_idle(spider)
    scheduler.queue.push(Request("http://127.0.0.1:9/a/"))
    time.sleep(0.4)
    with pytest.raises(DontCloseSpider):  # work arrived meanwhile
        scheduler.spider_idle(spider)
    scheduler.queue.clear()
    with pytest.raises(DontCloseSpider):
        scheduler.spider_idle(spider)
    time.sleep(0.4)
    assert scheduler.spider_idle(spider) is None  # empty and idle for 0.3 s: the worker may stop
    other.leave("other")
    assert Workers(server, "gbaf").live() == {}
