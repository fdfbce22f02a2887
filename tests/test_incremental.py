"""Scheduled runs: each run exports only what is new or changed, with the right versions, and
fetches as little as it can; the state store survives crashes and refuses to be used corrupt."""
import json
import sqlite3
from itertools import combinations

import pytest

from crawler.run.lifecycle import settle_dead_runs
from crawler.state.sqlite_store import SqliteStateStore
from pipelines.dedupe import minhash
from replica.site import Site
from tests.conftest import newest_run_records, run_crawl

ARTICLES = 300


@pytest.fixture(scope="module")
def three_runs(tmp_path_factory):
    """Runs over the replica at step 0, 1 and 2, and an extra run with nothing changed."""
    from tests.conftest import Replica

    data = tmp_path_factory.mktemp("incremental")
    results = {}
    for name, step in (("first", 0), ("second", 1), ("third", 2), ("unchanged", 2)):
        replica = Replica("--articles", ARTICLES, "--seed", 1, "--step", step)
        try:
            result = run_crawl(replica.url, data)
        finally:
            replica.stop()
        result.records = newest_run_records(data)
        results[name] = result
    return results


def test_first_run_exports_everything_at_version_1(three_runs):
    first = three_runs["first"]
    assert first.returncode == 0, first.log[-2000:]
    assert len(first.records) == ARTICLES
    assert {r["version"] for r in first.records} == {1}


@pytest.mark.parametrize("run,step", [("second", 1), ("third", 2)])
def test_later_runs_export_exactly_the_new_and_changed(three_runs, run, step):
    result = three_runs[run]
    assert result.returncode == 0, result.log[-2000:]
    site = Site(articles=ARTICLES, seed=1, step=step)
    changes = site.changes_since(step - 1)
    got = {r["url"]: r for r in result.records}
    assert len(got) == len(result.records), "a record was exported twice"
    assert set(got) == set(changes["new"]) | set(changes["updated"])
    expected = site.expected_by_url()
    for url in changes["new"]:
        assert got[url]["version"] == 1
    for url in changes["updated"]:
        assert got[url]["version"] == 2
        assert got[url]["content_hash"] == expected[url]["content_hash"]
        assert got[url]["updated_at"] == expected[url]["updated_at"]


def test_a_run_over_an_unchanged_site_exports_nothing_and_fetches_little(three_runs):
    result = three_runs["unchanged"]
    assert result.returncode == 0, result.log[-2000:]
    assert result.report["records"]["exported"] == 0
    # robots.txt, the news sitemap, the feed and the sitemap index with its children; no article page.
    assert result.report["pages"]["articles"] == 0
    assert result.report["pages"]["requests"] <= 10


def test_incremental_requests_stay_near_the_minimum(three_runs):
    second = three_runs["second"]
    changes = Site(articles=ARTICLES, seed=1, step=1).changes_since(0)
    needed = len(changes["new"]) + len(changes["updated"])
    # robots.txt and the cheap sources, read whole when they changed (an unchanged run's are 304s)
    overhead = 1 + second.report["pages"]["by_kind"].get("cheap", 0)
    assert second.report["pages"]["requests"] <= 1.1 * needed + overhead


def test_cross_run_feeds_hold_the_latest_articles(three_runs):
    import feedparser

    data = three_runs["third"].data_dir
    newest = sorted(Site(articles=ARTICLES, seed=1, step=2).expected_records(),
                    key=lambda r: r["published_at"], reverse=True)
    for name in ("gbaf.atom.xml", "gbaf.rss.xml"):
        feed = feedparser.parse((data / "feeds" / name).read_bytes())
        assert feed.bozo == 0
        assert len(feed.entries) == 100  # capped, across runs
        links = [e.link for e in feed.entries]
        assert links[:10] == [r["url"] for r in newest[:10]]  # the third run's new ones on top


MISSING_CHEAP_SOURCES = {"/no-sitemap.xml": "sitemap", "/no-feed/": "feed"}


def crawl_two_steps(data, settings):
    """A first run over the replica, then a run over it one step later; the second run's result."""
    from tests.conftest import Replica

    for step in (0, 1):
        replica = Replica("--articles", ARTICLES, "--seed", 1, "--step", step)
        try:
            result = run_crawl(replica.url, data, settings=settings)
        finally:
            replica.stop()
    return result


def test_incremental_run_without_cheap_sources_walks_the_listings(tmp_path_factory):
    data = tmp_path_factory.mktemp("nocheap")
    missing = {"GBAF_CHEAP_SOURCES": json.dumps(MISSING_CHEAP_SOURCES),
               "GBAF_ROBOTS_SITEMAPS": "0"}  # else the sitemaps robots.txt names are read
    result = crawl_two_steps(data, missing)
    assert result.returncode == 0, result.log[-2000:]
    new = set(Site(articles=ARTICLES, seed=1, step=1).changes_since(0)["new"])
    got = {r["url"] for r in newest_run_records(data)}
    assert new <= got  # found through the listings
    assert result.report["pages"]["by_kind"].get("category", 0) >= 1
    assert "gap" in result.log


def test_incremental_run_reads_the_sitemaps_robots_txt_names_when_its_own_are_missing(tmp_path_factory):
    data = tmp_path_factory.mktemp("robotscheap")
    result = crawl_two_steps(data, {"GBAF_CHEAP_SOURCES": json.dumps(MISSING_CHEAP_SOURCES)})
    assert result.returncode == 0, result.log[-2000:]
    new = set(Site(articles=ARTICLES, seed=1, step=1).changes_since(0)["new"])
    assert new <= {r["url"] for r in newest_run_records(data)}
    assert "sitemap named by robots.txt read too" in result.log
    assert result.report["pages"]["by_kind"].get("category", 0) == 0  # the robots sitemaps cover it


def test_full_recrawl_on_request(tmp_path, replica):
    run_crawl(replica.url, tmp_path)
    again = run_crawl(replica.url, tmp_path, "full=1")
    assert again.returncode == 0
    assert again.report["pages"]["articles"] >= ARTICLES  # every page fetched again...
    assert again.report["records"]["exported"] == 0  # ...and nothing unchanged exported


def test_near_duplicate_threshold_separates_edits_from_other_stories():
    """The threshold (0.8) lies between the closest two different replica stories and the
    farthest lightly edited version of one story."""
    before = Site(articles=ARTICLES, seed=1).expected_by_url()
    after = Site(articles=ARTICLES, seed=1, step=2)
    updated = after.changes_since(0)["updated"]
    after_by_url = after.expected_by_url()
    sig = {u: minhash(f"{r['title']} {r['body']}") for u, r in before.items()}
    edits = [sig[u].jaccard(minhash(f"{after_by_url[u]['title']} {after_by_url[u]['body']}"))
             for u in updated]
    others = [sig[a].jaccard(sig[b]) for a, b in combinations(sorted(sig), 2)]
    assert min(edits) >= 0.8 > max(others), (min(edits), max(others))


def test_near_duplicate_story_under_another_url_gives_one_record(tmp_path):
    from scrapy.exceptions import DropItem
    from scrapy.utils.test import get_crawler

    from pipelines.dedupe import DedupePipeline

    crawler = get_crawler(settings_dict={"GBAF_STATE_ENABLED": False})
    crawler.stats = crawler._create_stats() if hasattr(crawler, "_create_stats") else crawler.stats
    pipeline = DedupePipeline(crawler, 0.8)
    pipeline.stats = _Stats()
    record = dict(next(iter(Site(articles=20, seed=1).expected_by_url().values())))
    pipeline.process_item(dict(record))
    twin = dict(record, url="https://www.globalbankingandfinance.com/other-slug/",
                body=record["body"] + " Reporting by Jane Roe.", content_hash="0" * 64)
    with pytest.raises(DropItem):
        pipeline.process_item(twin)
    assert pipeline.stats.values == {"gbaf/records/dropped/duplicate_near": 1}
    same = dict(record, url="https://www.globalbankingandfinance.com/wire-slug/")
    with pytest.raises(DropItem):
        pipeline.process_item(same)
    assert pipeline.stats.values["gbaf/records/dropped/duplicate_content"] == 1


class _Stats:
    def __init__(self):
        self.values = {}

    def inc_value(self, key, count=1):
        self.values[key] = self.values.get(key, 0) + count


def test_state_store_two_phase_commit(tmp_path):
    path = tmp_path / "state.sqlite"
    store = SqliteStateStore(path)
    row = {"url": "https://www.globalbankingandfinance.com/a/", "content_hash": "h1", "version": 1,
           "record": json.dumps({"url": "u"})}
    # A run that died before its manifest existed: its staged rows are dropped.
    store.begin_run("run1", str(tmp_path / "run1.manifest.json"))
    store.stage("run1", [("article", "id-a", row)])
    store.close()
    store = SqliteStateStore(path)
    settle_dead_runs(store, "run2")  # what the run's owner does before anything reads the store
    store.begin_run("run2", str(tmp_path / "run2.manifest.json"))
    assert store.snapshot() == {} and store.dead_runs("run2") == []
    # A run that died after writing its manifest: committed by the next run.
    store.stage("run2", [("article", "id-a", row)])
    (tmp_path / "run2.manifest.json").write_text('{"outputs": []}')
    store.close()
    store = SqliteStateStore(path)
    settle_dead_runs(store, "run3")
    store.begin_run("run3", None)
    assert list(store.snapshot()) == ["https://www.globalbankingandfinance.com/a/"]


def test_corrupt_state_file_is_a_clear_error_before_the_crawl(tmp_path, replica):
    state = tmp_path / "state.sqlite"
    state.write_bytes(b"this is not a database" * 100)
    result = run_crawl(replica.url, tmp_path, settings={"GBAF_STATE_URL": str(state)})
    assert result.returncode != 0
    assert "state store" in result.log and "corrupt" in result.log
    assert result.records == []
    # One clear line, not a stack trace through the store or a crashed component.
    assert "the crawl does not start" in result.log
    assert 'crawler/state/", line' not in result.log
    assert "Error caught on signal handler" not in result.log and "close failure" not in result.log


def test_locked_state_file_is_a_clear_error(tmp_path, replica):
    state = tmp_path / "state.sqlite"
    SqliteStateStore(state).close()
    holder = sqlite3.connect(state)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        result = run_crawl(replica.url, tmp_path, settings={"GBAF_STATE_URL": str(state)})
    finally:
        holder.rollback()
        holder.close()
    assert result.returncode != 0
    assert "locked" in result.log
    assert result.records == []
