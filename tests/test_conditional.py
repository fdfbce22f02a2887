"""Conditional requests for the cheap sources: a run over an unchanged site asks the sitemaps and the
feed with the validators the last committed run got (kept in the state store), the replica answers
304 as a real server does, and the run reads nothing else."""
import json
import sqlite3

from replica.server import last_modified, not_modified
from tests.conftest import Replica, run_crawl


def test_the_replica_answers_conditional_requests_as_a_server_does():
    lm = last_modified("application/rss+xml", b"<pubDate>Mon, 02 Mar 2026 10:00:00 GMT</pubDate>")
    assert not_modified({"If-None-Match": 'W/"x", "abc"'}, '"abc"', lm)  # weak comparison, a list
    assert not_modified({"If-None-Match": "*"}, '"abc"', lm)
    assert not not_modified({"If-None-Match": '"old"', "If-Modified-Since": "Tue, 03 Mar 2026 00:00:00 GMT"},
                            '"abc"', lm)  # If-None-Match decides when present
    assert not_modified({"If-Modified-Since": "Mon, 02 Mar 2026 10:00:00 GMT"}, '"abc"', lm)
    assert not not_modified({"If-Modified-Since": "Mon, 02 Mar 2026 09:59:59 GMT"}, '"abc"', lm)
    assert not not_modified({"If-Modified-Since": "yesterday"}, '"abc"', lm)  # an invalid date is ignored
    assert last_modified("text/html", b"<lastmod>2026-03-02</lastmod>") is None


def test_an_unchanged_site_costs_conditional_requests_only(tmp_path):
    replica = Replica("--articles", 20, "--seed", 2)
    try:
        first = run_crawl(replica.url, tmp_path)
        assert first.returncode == 0 and len(first.records) == 20, first.log[-3000:]
        with sqlite3.connect(tmp_path / "state.sqlite") as db:
            kept = dict(db.execute("SELECT url, etag FROM validators"))
        assert {"/sitemap-news.xml", "/feed/"} <= set(kept)  # by path: the same on any port
        second = run_crawl(replica.url, tmp_path)
    finally:
        replica.stop()
    assert second.returncode == 0, second.log[-3000:]
    pages = second.report["pages"]
    assert pages["by_status"].get("304", 0) >= 3, pages
    assert pages["requests"] == 1 + pages["by_status"]["304"], pages  # robots.txt and the 304s
    assert "no listing crawl" in second.log
    assert second.report["status"] == "ok"
    assert json.dumps(second.report["records"]["exported"]) == "0"
