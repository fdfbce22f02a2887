"""Faults beyond the replica's hostile profile, over real HTTP: a small front server on 127.0.0.1
passes the replica through and breaks chosen article pages (empty 200 bodies, a gzip bomb, a
server that drips bytes, broken chunked encoding, odd Retry-After values, a PDF at an article URL)
and robots.txt (an unavailable one, one that names another sitemap). One `scrapy crawl` per
front; each must end by itself, export what could be served and report the rest with its reason.
"""
from __future__ import annotations

import gzip
import http.client
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest

from tests.conftest import Replica, run_crawl

SITE = "https://www.globalbankingandfinance.com"
SETTINGS = {"GBAF_STATE_ENABLED": "0", "DOWNLOAD_TIMEOUT": "3", "RETRY_TIMES": "2",
            "GBAF_RETRY_BACKOFF_BASE": "0.05", "GBAF_RETRY_BACKOFF_MAX": "0.2", "GBAF_RETRY_AFTER_MAX": "0.5"}
BOMB = gzip.compress(b"<html><body>" + b" " * (64 << 20), 9)  # 64 MiB once inflated, 64 KiB sent


class Front(ThreadingHTTPServer):
    """The replica behind a server that answers some paths with a fault (path -> handler)."""
    daemon_threads = True

    def __init__(self, upstream, faults):
        super().__init__(("127.0.0.1", 0), Handler)
        self.upstream, self.faults, self.hits, self.lock = upstream, faults, {}, threading.Lock()
        self.url = f"http://127.0.0.1:{self.server_address[1]}"
        threading.Thread(target=self.serve_forever, daemon=True).start()

    def hit(self, path):
        with self.lock:
            self.hits[path] = self.hits.get(path, 0) + 1
            return self.hits[path]

    def fetch(self, path):
        parts = urlsplit(self.upstream)
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        try:
            conn.request("GET", path)
            resp = conn.getresponse()
            return resp.status, resp.getheaders(), resp.read()
        finally:
            conn.close()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def send(self, status, body=b"", headers=()):
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def upstream(self):
        status, headers, body = self.server.fetch(self.path)
        keep = [(k, v) for k, v in headers if k.lower() in ("content-type", "location", "retry-after")]
        return status, body, keep

    def do_GET(self):
        path = self.path.split("?")[0]
        attempt = self.server.hit(path)
        fault = self.server.faults.get(path)
        try:
            if fault is None:
                self.send(*self.upstream())
            else:
                fault(self, attempt)
        except (BrokenPipeError, ConnectionResetError):
            pass


def empty_once(h, attempt):
    h.send(200, b"", [("Content-Type", "text/html; charset=utf-8")]) if attempt == 1 else h.send(*h.upstream())


def always_empty(h, attempt):
    h.send(200, b"  \n", [("Content-Type", "text/html; charset=utf-8")])


def gzip_bomb(h, attempt):
    h.send(200, BOMB, [("Content-Type", "text/html"), ("Content-Encoding", "gzip")])


def drip(h, attempt):
    h.send_response(200)
    h.send_header("Content-Type", "text/html")
    h.send_header("Content-Length", "100000")
    h.end_headers()
    for _ in range(100):  # 20 s: far past DOWNLOAD_TIMEOUT
        h.wfile.write(b"<")
        h.wfile.flush()
        time.sleep(0.2)


def broken_chunks(h, attempt):
    h.send_response(200)
    h.send_header("Content-Type", "text/html")
    h.send_header("Transfer-Encoding", "chunked")
    h.end_headers()
    h.wfile.write(b"10\r\n<html><body><p>ab\r\nzz\r\ngarbage")
    h.wfile.flush()
    h.close_connection = True


def retry_after(value):
    def fault(h, attempt):
        if attempt == 1:
            h.send(503, b"busy", [("Retry-After", value), ("Content-Type", "text/plain")])
        else:
            h.send(*h.upstream())
    return fault


def to_home(h, attempt):  # a removed story
    h.send(301, b"", [("Location", "/")])


def not_gzip(h, attempt):
    h.send(200, b"<html>not gzip at all</html>", [("Content-Type", "text/html"), ("Content-Encoding", "gzip")])


def new_query_each_time(h, attempt):
    h.send(302, b"", [("Location", f"{h.path.split('?')[0]}?v={attempt}")])


def pdf(h, attempt):
    h.send(200, b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n%%EOF", [("Content-Type", "application/pdf")])


@pytest.fixture(scope="module")
def replica():
    r = Replica("--articles", 20, "--seed", 1)
    yield r
    r.stop()


@pytest.fixture(scope="module")
def articles(replica):
    """Article paths of the replica, from its news sitemap."""
    parts = urlsplit(replica.url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    conn.request("GET", "/sitemap-news.xml")
    body = conn.getresponse().read().decode()
    conn.close()
    return [urlsplit(u).path for u in re.findall(r"<loc>([^<]+)</loc>", body)]


def served(records, path):
    return any(urlsplit(r["url"]).path == path for r in records)


def test_pages_that_break_in_transport_fail_with_their_reason_and_the_rest_is_exported(replica, articles, tmp_path):
    a = articles
    faults = {a[0]: empty_once, a[1]: always_empty, a[2]: gzip_bomb, a[3]: drip, a[4]: broken_chunks,
              a[5]: retry_after("\u00b2"), a[6]: retry_after("-10"), a[7]: retry_after("99999999999"),
              a[8]: pdf, a[9]: to_home, a[10]: not_gzip, a[11]: new_query_each_time}
    front = Front(replica.url, faults)
    started = time.monotonic()
    try:
        result = run_crawl(front.url, tmp_path, settings=SETTINGS, timeout=180)
    finally:
        front.shutdown()
    assert time.monotonic() - started < 120
    # No callback or middleware raised (the run's checks fail, rightly: a third of it failed).
    for crash in ("Spider error processing", "Error downloading", "Error caught on signal"):
        assert crash not in result.log, result.log[result.log.find(crash) - 200:][:3000]
    for path in (a[0], a[5], a[6], a[7]):  # served in the end: exported
        assert served(result.records, path), path
    reasons = {urlsplit(f["url"]).path: f["reason"] for f in result.report["failures"]["urls"]}
    assert reasons.get(a[1]) == "empty_body"
    assert reasons.get(a[2]) == "too_large"
    assert reasons.get(a[3]) == "timeout"
    assert a[4] in reasons
    assert reasons.get(a[9]) == "redirect_to_non_article"
    assert reasons.get(a[10]) == "bad_content_encoding"
    assert reasons.get(a[11]) == "redirect_loop"
    assert front.hits[a[11]] <= 6  # REDIRECT_MAX_TIMES bounds the unique URLs
    assert a[8] not in reasons and f"not an HTML page (article, Content-Type 'application/pdf'): {front.url}{a[8]}" \
        in result.log  # the PDF: counted (gbaf/pages/not_html), no record
    # (a story can also be reached at its wire-id alias, so "no record" is not asserted per path)
    assert len(result.records) >= len(articles) - 8


def robots_front(replica, robots_fault):
    return Front(replica.url, {"/robots.txt": robots_fault})


def test_a_robots_txt_the_server_cannot_give_disallows_everything(replica, tmp_path):
    front = robots_front(replica, lambda h, attempt: h.send(
        503, b"<html><body><h1>Service unavailable</h1></body></html>", [("Content-Type", "text/html")]))
    try:
        result = run_crawl(front.url, tmp_path, settings=SETTINGS, timeout=120)
    finally:
        front.shutdown()
    assert result.records == []
    assert set(front.hits) == {"/robots.txt"}  # retried, then nothing else asked for
    assert "everything disallowed" in result.log


def test_a_missing_robots_txt_is_no_rules_whatever_its_error_page_says(replica, tmp_path):
    # A "not found" page whose text reads as a rule: no robots.txt means everything is allowed.
    page = b"User-agent: *\nDisallow: /\n<html><body>Not found</body></html>"
    front = robots_front(replica, lambda h, attempt: h.send(404, page, [("Content-Type", "text/html")]))
    try:
        result = run_crawl(front.url, tmp_path, settings=SETTINGS, timeout=120)
    finally:
        front.shutdown()
    assert len(result.records) == 20


def test_the_sitemaps_robots_txt_names_are_read_once_each(replica, articles, tmp_path):
    def robots(h, attempt):
        status, body, headers = h.upstream()
        h.send(status, body + f"Sitemap: {SITE}/sitemaps/extra.xml\nSitemap: {SITE}/sitemaps/*\n"
                              f"Sitemap: https://other.example/sitemap.xml\n".encode(), headers)

    def extra(h, attempt):
        h.send(200, (f'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                     f'<url><loc>{SITE}{articles[0]}</loc></url></urlset>').encode(),
               [("Content-Type", "application/xml")])

    front = Front(replica.url, {"/robots.txt": robots, "/sitemaps/extra.xml": extra})
    try:
        result = run_crawl(front.url, tmp_path, settings=SETTINGS, timeout=120)
    finally:
        front.shutdown()
    assert front.hits.get("/sitemaps/extra.xml") == 1
    assert front.hits.get("/sitemap.xml") == 1 and front.hits.get("/sitemap-news.xml") == 1
    assert "/sitemaps/*" not in front.hits and "/sitemaps/%2A" not in front.hits
    assert len(result.records) == 20


def test_a_robots_txt_that_cannot_be_downloaded_disallows_everything(replica, tmp_path):
    def dropped(h, attempt):  # the connection closed before any answer
        h.close_connection = True
        h.connection.shutdown(2)

    front = robots_front(replica, dropped)
    try:
        result = run_crawl(front.url, tmp_path, settings=SETTINGS, timeout=120)
    finally:
        front.shutdown()
    assert result.records == []
    assert set(front.hits) == {"/robots.txt"}
    assert "unreachable (connection_lost): everything disallowed" in result.log, result.log[-3000:]


def test_a_robots_txt_past_the_size_limit_is_read_up_to_its_first_500_kib(replica, articles, tmp_path):
    rules = f"User-agent: *\nDisallow: {articles[0]}\n".encode()
    body = rules + (b"# " + b"x" * 97 + b"\n") * (9 * 1024 * 1024 // 100)  # 9 MiB: past DOWNLOAD_MAXSIZE
    front = robots_front(replica, lambda h, attempt: h.send(200, body, [("Content-Type", "text/plain")]))
    try:
        result = run_crawl(front.url, tmp_path, settings=SETTINGS, timeout=120)
    finally:
        front.shutdown()
    assert articles[0] not in front.hits  # the rule in the first 500 KiB holds
    assert sum(p in front.hits for p in articles) == len(articles) - 1
    assert "robots.txt of %s is larger than 500 KiB" % urlsplit(front.url).netloc in result.log


class Other(ThreadingHTTPServer):
    """Another service on the same host: a redirect must never reach it."""
    daemon_threads = True

    def __init__(self):
        hits = self.hits = []

        class Counting(BaseHTTPRequestHandler):
            def do_GET(self):
                hits.append(self.path)
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        super().__init__(("127.0.0.1", 0), Counting)
        self.port = self.server_address[1]
        threading.Thread(target=self.serve_forever, daemon=True).start()


def test_a_redirect_off_the_site_is_a_failure_with_its_reason(replica, articles, tmp_path):
    other = Other()
    port = None  # the front's, known once it listens

    def to(target):
        return lambda h, attempt: h.send(302, b"", [("Location", target.format(port=port, other=other.port))])

    targets = ["http://169.254.169.254/latest/meta-data/", "http://127.0.0.2:{port}/story/",
               "http://2130706433:{port}/story/", "http://127.0.0.1:{port}@127.0.0.2:{port}/story/",
               "http://127.0.0.2:{port}\\@127.0.0.1:{port}/story/", "//127.0.0.2:{port}/story/",
               "http://localhost:{port}/story/", "http://127.0.0.1:{other}/story/"]
    front = Front(replica.url, {articles[i]: to(t) for i, t in enumerate(targets)})
    port = front.server_address[1]
    try:
        result = run_crawl(front.url, tmp_path, settings=SETTINGS, timeout=120)
    finally:
        front.shutdown()
        other.shutdown()
    assert other.hits == []
    reasons = {urlsplit(f["url"]).path: f["reason"] for f in result.report["failures"]["urls"]}
    for path in articles[:len(targets)]:
        assert reasons.get(path) == "redirect_offsite", (path, reasons)
    assert result.report["failures"]["by_reason"].get("redirect_offsite") == len(targets), result.report["failures"]
    assert len(result.records) >= len(articles) - len(targets)


def test_a_crawl_behind_transient_faults_that_delivered_every_record_passes(replica, articles, tmp_path):
    def busy_once(h, attempt):  # 503 or 429 with Retry-After, then the page
        if attempt == 1:
            h.send(429 if len(h.path) % 2 else 503, b"busy", [("Retry-After", "0"), ("Content-Type", "text/plain")])
        else:
            h.send(*h.upstream())

    def dropped_once(h, attempt):
        if attempt == 1:
            h.close_connection = True
            h.connection.shutdown(2)
        else:
            h.send(*h.upstream())

    faults = {path: busy_once for path in articles[:11]}  # retries a quarter of the requests
    faults[articles[11]] = dropped_once
    front = Front(replica.url, faults)
    try:
        result = run_crawl(front.url, tmp_path, settings=SETTINGS, timeout=120)
    finally:
        front.shutdown()
    assert result.returncode == 0, result.report.get("problems")
    assert result.report["status"] == "ok"
    assert result.report["failures"]["retries"] >= 11  # (a dropped keep-alive connection may be retried by Twisted itself)
    assert all(served(result.records, path) for path in articles[:12])
