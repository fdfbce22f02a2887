"""End-of-run checks (crawler.run.monitors): their rules on made-up figures, then real crawls of the
replica as it is, with its markup changed (no JSON-LD, no Next.js data, renamed containers) and
with a share of its pages answering 503, seen through a small rewriting proxy."""
import hashlib
import http.client
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest
from scrapy.settings import Settings

from crawler.run.monitors import REQUIRED_FIELDS, Limits, evaluate, run_problems
from tests.conftest import Replica, newest_run_records, run_crawl

ARTICLES, SEED = 40, 3


# --- the rules, on made-up figures -------------------------------------------------------------------
def limits():
    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    return Limits.from_settings(settings)


def healthy_stats(**extra):
    stats = {
        "downloader/request_count": 200, "downloader/response_count": 200,
        "downloader/response_status_count/200": 197, "downloader/response_status_count/404": 3,
        "gbaf/requests/article": 300, "gbaf/requests/related": 500,
        "gbaf/pages/article": 150, "gbaf/pages/not_article/section": 6,
        "item_scraped_count": 148, "gbaf/records/dropped/duplicate_url": 2,
        "gbaf/failures/http_404": 3, "gbaf/failures/by_kind/related": 3,
        "log_count/INFO": 20, "log_count/WARNING": 4, "finish_reason": "finished",
    }
    stats.update(extra)
    return stats


# Where each field comes from on the replica (learned by the checks from earlier runs).
LAYERS = {
    **{f: "jsonld" for f in ("url", "title", "category", "tags", "authors", "published_at", "updated_at",
                             "faq", "image_url", "reading_time_minutes", "language")},
    **{f: "dom" for f in ("body", "summary", "key_takeaways", "references", "related", "source", "dateline")},
}


def healthy_coverage(**changes):
    coverage = {}
    for field, layer in LAYERS.items():
        filled = 1.0 if field in REQUIRED_FIELDS else 0.6  # optional blocks: often absent
        coverage[field] = {"filled": filled, "layers": {layer: round(filled * 0.9, 4),
                                                        "meta": round(filled * 0.1, 4)}}
    coverage.update(changes)
    return coverage


def failed(checks):
    return {c.name for c in checks if c.status == "failed"}


def earlier_runs(n=3, records=148, **changes):
    """The history of n runs that passed, each with the healthy coverage."""
    from crawler.run.monitors import _counts

    return [{"status": "ok", "coverage": _counts(healthy_coverage(**changes), records)} for _ in range(n)]


def test_settings_carry_the_thresholds():
    lim = limits()
    assert lim.preferred_layers == {}  # absolute layer expectations only where a user sets them
    assert set(lim.min_filled) == set(REQUIRED_FIELDS)
    assert lim.min_records == 1 and lim.max_error_lines == 0


def test_a_healthy_run_with_broken_links_and_missing_optional_blocks_passes():
    checks = evaluate(healthy_stats(), healthy_coverage(), 148, limits(), history=earlier_runs())
    assert not failed(checks), [c.detail for c in checks if c.status == "failed"]
    assert {c.name for c in checks} >= {"records/new", "errors/server", "coverage_filled/body",
                                        "coverage_layer/title"}


def test_an_incremental_run_over_an_unchanged_site_may_export_nothing():
    stats = {"downloader/request_count": 4, "downloader/response_count": 4,
             "gbaf/incremental/skip/known": 120, "finish_reason": "finished"}
    checks = evaluate(stats, healthy_coverage(), 0, limits(), incremental=True)
    assert not failed(checks)
    assert any(c.name == "coverage" and c.status == "skipped" for c in checks)


def test_a_first_run_that_finds_no_article_fails():
    stats = {"downloader/request_count": 20, "downloader/response_count": 20, "finish_reason": "finished"}
    assert "records/new" in failed(evaluate(stats, None, 0, limits()))


def test_article_pages_that_give_no_record_fail_the_run():
    stats = healthy_stats(**{"gbaf/pages/article": 0, "gbaf/pages/not_article/section": 0,
                             "gbaf/pages/not_article/no_article_signals": 150,
                             "item_scraped_count": 0, "gbaf/records/dropped/duplicate_url": 0})
    assert {"records/new", "records/not_article"} <= failed(evaluate(stats, None, 0, limits()))


def test_records_dropped_as_invalid_are_named_by_rule():
    stats = healthy_stats(**{"gbaf/records/dropped/invalid": 60, "validate/invalid/body/minLength": 60})
    checks = {c.name: c for c in evaluate(stats, healthy_coverage(), 148, limits())}
    assert checks["records/invalid"].status == "failed"
    assert "body/minLength 60" in checks["records/invalid"].detail


def test_server_errors_that_retries_recovered_from_are_no_failure():
    # Transient faults (503/429 with Retry-After, a dropped connection): every record delivered.
    busy = healthy_stats(**{"downloader/response_status_count/503": 40, "retry/count": 45,
                            "downloader/request_count": 245, "downloader/response_count": 245})
    assert not failed(evaluate(busy, healthy_coverage(), 148, limits()))
    gave_up = healthy_stats(**{"gbaf/failures/http_503": 40, "retry/count": 120, "retry/max_reached": 40,
                               "log_count/ERROR": 40})
    assert {"errors/server", "errors/failed"} <= failed(evaluate(gave_up, healthy_coverage(), 148, limits()))


def test_error_log_lines_fail_the_run_but_a_few_requests_given_up_do_not():
    stats = healthy_stats(**{"log_count/ERROR": 1})
    assert failed(evaluate(stats, healthy_coverage(), 148, limits())) == {"errors/log"}
    timeouts = healthy_stats(**{"log_count/ERROR": 2, "retry/max_reached": 2, "retry/count": 6,
                                "gbaf/failures/TimeoutError": 2})
    assert not failed(evaluate(timeouts, healthy_coverage(), 148, limits()))


CHANGED = {"title": {"filled": 1.0, "layers": {"meta": 1.0}},  # JSON-LD gone: from the head instead
           "body": {"filled": 0.9, "layers": {"fallback": 0.9}}}  # body container gone: generic extractor


def test_a_coverage_drop_from_what_earlier_runs_showed_names_the_fields():
    checks = {c.name: c for c in evaluate(healthy_stats(), healthy_coverage(**CHANGED), 148, limits(),
                                          history=earlier_runs())}
    assert failed(checks.values()) == {"coverage_layer/title", "coverage_layer/body", "coverage_filled/body"}
    assert "title: 0% from jsonld in 148 article pages, was 90%" in checks["coverage_layer/title"].detail
    assert "meta 100%" in checks["coverage_layer/title"].detail


def test_a_first_run_has_no_baseline_and_layers_are_not_judged():
    # The live site on first contact: reading time only as visible text, not in JSON-LD.
    coverage = healthy_coverage(reading_time_minutes={"filled": 1.0, "layers": {"dom": 1.0}}, **CHANGED)
    checks = {c.name: c for c in evaluate(healthy_stats(), coverage, 148, limits())}
    assert failed(checks.values()) == {"coverage_filled/body"}  # a required field half empty still is
    assert checks["coverage_layer"].status == "skipped"


def test_an_absolute_layer_expectation_is_judged_where_a_user_sets_it():
    lim = limits()
    lim.preferred_layers = {"title": "jsonld"}
    checks = {c.name: c for c in evaluate(healthy_stats(), healthy_coverage(**CHANGED), 148, lim)}
    assert checks["coverage_preferred/title"].status == "failed"
    assert "title: 0% from jsonld" in checks["coverage_preferred/title"].detail


def test_a_small_incremental_run_is_judged_with_the_runs_before_it():
    # 3 new pages a run since JSON-LD went (each run too small to judge alone), then the runs before
    small = evaluate(healthy_stats(item_scraped_count=3), healthy_coverage(**CHANGED), 3, limits(),
                     history=earlier_runs(n=3, records=3, **CHANGED) + earlier_runs(n=5, records=148))
    checks = {c.name: c for c in small}
    assert checks["coverage_layer/title"].status == "failed", checks
    assert "over the last 4 runs" in checks["coverage_layer/title"].detail
    alone = evaluate(healthy_stats(item_scraped_count=3), healthy_coverage(**CHANGED), 3, limits())
    assert not any(c.name.startswith("coverage_") for c in alone)  # too few, with nothing before


def test_an_optional_block_seldom_present_is_not_judged_on_its_layer():
    coverage = healthy_coverage(faq={"filled": 0.05, "layers": {"meta": 0.05}})  # 7 of 148 records
    checks = {c.name: c for c in evaluate(healthy_stats(), coverage, 148, limits(), history=earlier_runs())}
    assert "coverage_layer/faq" not in checks


def test_an_idle_distributed_worker_is_fine():
    stats = {"downloader/request_count": 0, "finish_reason": "finished"}
    assert not failed(evaluate(stats, None, 0, limits(), distributed=True))
    assert "records/new" in failed(evaluate(stats, None, 0, limits()))


def test_an_unreachable_site_is_said_in_one_line():
    refused = {"downloader/request_count": 3, "downloader/response_count": 0, "log_count/ERROR": 3,
               "robotstxt/unavailable/connection_refused": 1, "robotstxt/forbidden": 11,
               "finish_reason": "finished"}
    checks = evaluate(refused, None, 0, limits())
    assert [(c.name, c.status) for c in checks] == [("site/reachable", "failed")]
    assert checks[0].detail.startswith("site unreachable: robots.txt could not be read (connection_refused)")


def test_run_problems():
    assert run_problems({"finish_reason": "finished"}) == []
    assert run_problems({"finish_reason": "shutdown"}) == ["spider closed with reason 'shutdown'"]
    assert run_problems({"finish_reason": "finished", "gbaf/monitor/status": "failed",
                         "gbaf/monitor/failed": ["errors/log"]}) == ["run checks failed: errors/log"]
    assert run_problems({"finish_reason": "finished", "gbaf/state/error": "database is locked"})
    assert run_problems({"finish_reason": "finished", "feedexport/failed_count/FileFeedStorage": 1})


# --- real crawls -----------------------------------------------------------------------------------
LD_JSON = re.compile(r'<script[^>]*type="application/ld\+json"[^>]*>.*?</script>', re.S | re.I)
NEXT_DATA = re.compile(r'<script[^>]*id="__NEXT_DATA__"[^>]*>.*?</script>', re.S | re.I)
CONTAINERS = re.compile(r"<(/?)(article|main)\b", re.I)


def redesigned(path, status, content_type, body):
    """The site after a redesign: no JSON-LD, no Next.js page data, <article>/<main> now <div>."""
    if content_type.startswith("text/html"):
        html = body.decode("utf-8")
        html = CONTAINERS.sub(r"<\1div", NEXT_DATA.sub("", LD_JSON.sub("", html)))
        body = html.encode("utf-8")
    return status, body


def overloaded(path, status, content_type, body):
    """A third of the article pages answer 503, every time."""
    if content_type.startswith("text/html") and path.count("/") == 2 and not path.startswith("/category/") \
            and hashlib.sha1(path.encode()).digest()[0] % 3 == 0:
        return 503, b"<html><body>Service Unavailable</body></html>"
    return status, body


class RewritingProxy:
    """An HTTP proxy in front of the replica on a free 127.0.0.1 port, rewriting what it answers."""

    def __init__(self, upstream, rewrite):
        up = urlsplit(upstream)

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self):
                conn = http.client.HTTPConnection(up.hostname, up.port, timeout=30)
                try:
                    conn.request("GET", self.path)  # no Accept-Encoding: the replica answers plain
                    resp = conn.getresponse()
                    body = resp.read()
                finally:
                    conn.close()
                status, body = rewrite(self.path, resp.status, resp.getheader("Content-Type", ""), body)
                self.send_response(status)
                for name, value in resp.getheaders():
                    if name.lower() not in ("content-length", "transfer-encoding", "connection", "etag"):
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = "http://127.0.0.1:%d" % self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def site():
    replica = Replica("--articles", ARTICLES, "--seed", SEED)
    yield replica
    replica.stop()


@pytest.fixture
def proxy(site):
    started = []

    def start(rewrite):
        p = RewritingProxy(site.url, rewrite)
        started.append(p)
        return p

    yield start
    for p in started:
        p.stop()


def checks_of(result):
    return {c["name"]: c for c in result.report["checks"]}


def test_a_healthy_crawl_passes_its_checks(site, tmp_path):
    result = run_crawl(site.url, tmp_path)
    assert result.returncode == 0, result.log[-3000:]
    assert result.report["status"] == "ok" and result.report["problems"] == []
    assert not [c for c in result.report["checks"] if c["status"] == "failed"]
    assert "Run checks passed" in result.log
    assert " ERROR: " not in result.log


def jsonld_gone(path, status, content_type, body):
    """The site as it may be on first contact: the same pages without JSON-LD (the reading time,
    the dates, the authors given only as visible text and meta tags)."""
    if content_type.startswith("text/html"):
        body = LD_JSON.sub("", body.decode("utf-8")).encode("utf-8")
    return status, body


def test_first_contact_with_a_site_whose_markup_is_not_the_replicas_passes(site, proxy, tmp_path):
    result = run_crawl(proxy(jsonld_gone).url, tmp_path)
    assert result.returncode == 0, result.log[-3000:]
    assert result.report["status"] == "ok"
    checks = checks_of(result)
    assert checks["coverage_layer"]["status"] == "skipped"  # nothing to compare with yet
    assert all(r["extraction"]["reading_time_minutes"] != "jsonld" for r in result.records if r["reading_time_minutes"])


def test_a_redesign_fails_the_run_against_the_runs_before_it_and_its_records_are_delivered(site, proxy, tmp_path):
    before = run_crawl(site.url, tmp_path)
    assert before.returncode == 0, before.log[-3000:]
    result = run_crawl(proxy(redesigned).url, tmp_path, "full=1")
    assert result.returncode == 1, result.log[-3000:]
    checks = checks_of(result)
    named = {"title", "published_at", "url", "category", "language"}
    for field in named:
        assert checks[f"coverage_layer/{field}"]["status"] == "failed", checks
    errors = [line for line in result.log.splitlines() if " ERROR: Run checks failed" in line]
    assert errors and all(re.search(f"{field}: 0% from jsonld in \\d+ article pages, was \\d+%", errors[0])
                          for field in named), errors
    assert result.report["status"] == "failed"
    assert "coverage_layer/title" in result.report["problems"][0]
    assert re.search(r"ERROR: Run failed: run checks failed: .*coverage_layer/title", result.log)
    # Judged on every article page of the run, delivered or unchanged; what changed is delivered.
    records = result.report["records"]
    assert records["exported"] + records["dropped"].get("unchanged", 0) >= ARTICLES * 0.8
    delivered = newest_run_records(tmp_path)
    assert len(delivered) == records["exported"]
    for record in delivered:
        assert record["title"] and record["body"] and record["published_at"] and record["url"]
        assert record["extraction"]["title"] != "jsonld"
    assert all(checks[f"coverage_filled/{field}"]["status"] == "ok" for field in named)


def test_a_high_share_of_server_errors_fails_the_run(site, proxy, tmp_path):
    result = run_crawl(proxy(overloaded).url, tmp_path, settings={"RETRY_TIMES": "1"})
    assert result.returncode == 1, result.log[-3000:]
    checks = checks_of(result)
    assert checks["errors/server"]["status"] == "failed"
    assert "failed for good with a server error (5xx)" in checks["errors/server"]["detail"]
    assert result.report["status"] == "failed"
    assert result.records, "the pages that answered still gave records"


def test_a_run_that_does_not_finish_exits_non_zero(site, tmp_path):
    result = run_crawl(site.url, tmp_path, settings={"CLOSESPIDER_ITEMCOUNT": "3"})
    assert result.returncode == 1, result.log[-3000:]
    assert "spider closed with reason 'closespider_itemcount'" in result.report["problems"]
    assert result.report["status"] == "failed"
    assert "ERROR: Run failed: spider closed with reason 'closespider_itemcount'" in result.log
