"""The replica's fault profile (`python -m replica --faults hostile`) and a crawl of it.

Unit tests check each fault over real HTTP and the profile's oracle. `TestHostileCrawl` is the
end-to-end test of the issue: a full `scrapy crawl gbaf` of the hostile replica with the
settings a user would give for the replica must export every article the replica can serve at
all, once, valid and right, list the rest in the run report, never fetch a robots-disallowed
path, another host or a `javascript:`/`data:` URL, and end by itself within bounded time and
memory despite the traps. Run it alone with

    python -m pytest -q tests/test_faults.py::TestHostileCrawl

The crawl sends its http and https traffic for other hosts through the replica (`http_proxy`,
`https_proxy`, `no_proxy=127.0.0.1,localhost`), so the replica counts any off-site request
instead of it failing unseen on DNS.
"""
from __future__ import annotations

import gzip
import http.client
import json
import os
import re
import signal
import socket
import subprocess
import time
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from lxml import html as lxml_html

from replica import Site
from replica.faults import KINDS, TOO_LARGE_BYTES, TRUNCATED_FIELDS, UNSERVABLE_KINDS, FaultProfile
from replica.rules import SITE_HOST, normalise
from tests.conftest import ROOT, Replica, crawl_command

ARTICLES, SEED, FAULT_SEED = 300, 1, 1
TEST_TIMEOUT = 1.5  # --fault-timeout-seconds of the unit-test replica
IGNORED = {"crawled_at", "extraction"}

# Bounds of the end-to-end crawl.
CRAWL_LIMIT_SECONDS = 300   # the crawl must end by itself within this
CRAWL_GRACE_SECONDS = 60    # then SIGINT (Scrapy's graceful stop), then SIGKILL
PEAK_RSS_BYTES = 1 << 30    # the crawler's peak resident memory
TRAP_REQUESTS = 100         # requests into each trap (a correct crawl needs none)
USER_SETTINGS = {"DOWNLOAD_TIMEOUT": "5", "RETRY_TIMES": "3"}


@pytest.fixture(scope="module")
def site():
    return Site(articles=ARTICLES, seed=SEED)


@pytest.fixture(scope="module")
def profile(site):
    return FaultProfile(site, "hostile", FAULT_SEED)


@pytest.fixture(scope="module")
def hostile():
    """A hostile replica for unit tests. Each test touches its own paths: attempts are counted per path."""
    r = Replica("--articles", ARTICLES, "--seed", SEED, "--faults", "hostile", "--fault-seed", FAULT_SEED,
                "--fault-timeout-seconds", TEST_TIMEOUT)
    yield r
    r.stop()


def fetch(base, target, headers=None, timeout=10, method="GET"):
    """(status, headers with lower-case names, body bytes) of one request, no redirect followed."""
    parts = urlsplit(base)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        conn.request(method, target, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    finally:
        conn.close()


def stats(base, timeout=60):
    return json.loads(fetch(base, "/__replica/stats", timeout=timeout)[2])


def path_of(key_or_url, site=None):
    if isinstance(key_or_url, int):
        return site.stub(key_or_url).path
    return urlsplit(key_or_url).path


def key_with(profile, kind, index=0):
    return profile.keys(kind)[index]


# -- the profile ---------------------------------------------------------------------------------------

def test_profile_is_deterministic_small_and_one_fault_per_article(site, profile):
    again = FaultProfile(Site(articles=ARTICLES, seed=SEED), "hostile", FAULT_SEED)
    assert again.kind_of == profile.kind_of
    assert FaultProfile(site, "hostile", 2).kind_of != profile.kind_of
    per_kind = max(2, round(0.02 * ARTICLES))
    for kind in KINDS:
        assert len(profile.keys(kind)) == per_kind, kind
    for key in profile.kind_of:
        assert site.stub(key).alias is None
    assert FaultProfile(site, "none").kind_of == {}
    small = FaultProfile(Site(articles=60, seed=3), "hostile", 5)
    assert all(len(small.keys(kind)) >= 2 for kind in KINDS)


def test_faults_none_is_the_plain_site(site):
    none = FaultProfile(site, "none")
    for path in ["/", "/robots.txt", "/category/trends/", site.stub(5).path, "/archive/2026/03/06/"]:
        assert none.render(path) == site.render(path)
    assert none.expected_records() == site.expected_records()


def test_replica_with_faults_none_serves_the_same_bytes(replica_factory, site):
    r = replica_factory("--articles", ARTICLES, "--seed", SEED, "--faults", "none")
    for path in ["/", "/robots.txt", "/category/trends/page/2/", site.stub(7).path, "/archive/2026/03/06/"]:
        status, headers, body = fetch(r.url, path)
        want = site.render(path)
        assert (status, body) == (want[0], want[2]), path
    assert fetch(r.url, "/__replica/stats")[0] == site.render("/__replica/stats")[0]  # no stats without faults


def test_oracle_lists_what_a_crawl_must_yield_and_report(site, profile):
    expected = profile.expected_by_url()
    unservable = profile.unservable_urls()
    disallowed = set(profile.disallowed_urls())
    assert len(unservable) == 3 * len(profile.keys("always_500"))
    assert len(expected) == ARTICLES - len(unservable) - len(disallowed)
    assert not set(expected) & (set(unservable) | disallowed)
    for url, info in unservable.items():
        assert info["kind"] in UNSERVABLE_KINDS and info["reason"] and urlsplit(url).path in info["paths"]
    for url in profile.truncated_urls():
        assert set(expected[url]) == set(TRUNCATED_FIELDS) and expected[url]["truncated"] is True
    full = site.expected_by_url()
    for url, record in expected.items():
        if url not in profile.truncated_urls():
            assert record == full[url]
    assert set(profile.transient_urls()) <= set(expected)
    assert set(profile.content_fault_urls()) <= set(expected)


def test_every_expected_article_is_reachable_without_traps_sitemaps_or_disallowed_pages(site, profile):
    """Links alone (no sitemap, no trap page, nothing robots.txt disallows, no unservable page) reach every article."""
    unservable = {p for info in profile.unservable_urls().values() for p in info["paths"]}
    real_trends = site.listing_pages("Trends")
    seen, todo, found = {"/"}, ["/"], set()
    while todo:
        target = todo.pop()
        status, headers, body = profile.render(target)
        if status in (301, 302, 308):
            nxt = urlsplit(urljoin(f"https://{SITE_HOST}{target}", headers["Location"]))
            if nxt.hostname == SITE_HOST:
                t = nxt.path + (f"?{nxt.query}" if nxt.query else "")
                if t not in seen:
                    seen.add(t)
                    todo.append(t)
            continue
        if status != 200 or "html" not in headers.get("Content-Type", ""):
            continue
        resolved = site.resolve(urlsplit(target).path)
        if resolved and resolved[0] == "article":
            found.add(site.stub(resolved[1]).url)
        for href in re.findall(r'<a href="([^"]+)"', body.decode("utf-8", "replace")):
            u = urlsplit(urljoin(f"https://{SITE_HOST}{target}", href.strip()))
            if u.scheme not in ("http", "https") or u.hostname != SITE_HOST:
                continue
            t = u.path + (f"?{u.query}" if u.path == "/" and u.query else "")
            m = re.fullmatch(r"/category/trends/page/(\d+)/", t)
            if (profile.is_disallowed(t) or t in unservable or t.startswith("/archive/") or "date=" in u.query
                    or (m and int(m.group(1)) > real_trends)):
                continue
            if t not in seen:
                seen.add(t)
                todo.append(t)
    assert set(profile.expected_by_url()) <= found, sorted(set(profile.expected_by_url()) - found)[:5]


# -- transient faults ------------------------------------------------------------------------------------

def test_server_errors_then_ok(hostile, site, profile):
    for key in profile.keys("server_error")[:2]:
        path = site.stub(key).path
        statuses = [fetch(hostile.url, path)[0] for _ in range(4)]
        failures = profile.transient_failures(key)
        assert statuses == failures + [200] * (4 - len(failures)), (path, statuses)
        assert set(failures) <= {500, 502, 503} and 1 <= len(failures) <= 2


def test_too_many_requests_with_retry_after_then_ok(hostile, site, profile):
    path = site.stub(key_with(profile, "rate_limited")).path
    status, headers, _ = fetch(hostile.url, path)
    assert status == 429 and headers["retry-after"] == "1"
    assert fetch(hostile.url, path)[0] == 200
    events = stats(hostile.url)["events"][path]
    assert [e[1] for e in events] == [429, 200]


def test_first_request_times_out_then_ok(hostile, site, profile):
    path = site.stub(key_with(profile, "timeout")).path
    start = time.monotonic()
    with pytest.raises((socket.timeout, TimeoutError)):
        fetch(hostile.url, path, timeout=TEST_TIMEOUT / 3)
    start = time.monotonic()
    assert fetch(hostile.url, path, timeout=5)[0] == 200
    assert time.monotonic() - start < TEST_TIMEOUT / 2


def test_connection_dropped_mid_body_then_ok(hostile, site, profile):
    path = site.stub(key_with(profile, "dropped")).path
    host, port = urlsplit(hostile.url).hostname, urlsplit(hostile.url).port

    def raw_get():
        with socket.create_connection((host, port), timeout=5) as sock:
            sock.sendall(f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nAccept-Encoding: gzip\r\n\r\n".encode())
            data = b""
            while True:
                chunk = sock.recv(65536)
                if not chunk:
                    return data
                data += chunk
                head, _, body = data.partition(b"\r\n\r\n")
                length = re.search(rb"Content-Length: (\d+)", head)
                if length and len(body) >= int(length.group(1)):
                    return data

    head, _, body = raw_get().partition(b"\r\n\r\n")
    length = int(re.search(rb"Content-Length: (\d+)", head).group(1))
    assert head.startswith(b"HTTP/1.1 200") and 0 < len(body) < length, (len(body), length)
    head, _, body = raw_get().partition(b"\r\n\r\n")
    assert len(body) == int(re.search(rb"Content-Length: (\d+)", head).group(1))
    assert b"</html>" in gzip.decompress(body)


# -- unservable pages ------------------------------------------------------------------------------------

def test_always_500(hostile, site, profile):
    path = site.stub(key_with(profile, "always_500")).path
    assert [fetch(hostile.url, path)[0] for _ in range(5)] == [500] * 5


def test_redirect_loop(hostile, site, profile):
    path = site.stub(key_with(profile, "redirect_loop")).path
    status, headers, _ = fetch(hostile.url, path)
    assert status == 302 and headers["location"] == path + "amp/"
    status, headers, _ = fetch(hostile.url, path + "amp/")
    assert status == 301 and headers["location"] == path
    assert profile.redirect_loops()[path] == path + "amp/"


def test_ten_megabyte_page(hostile, site, profile):
    key = key_with(profile, "too_large")
    path = site.stub(key).path
    status, headers, body = fetch(hostile.url, path, timeout=30)
    assert status == 200 and int(headers["content-length"]) == len(body) == TOO_LARGE_BYTES > 10_000_000
    assert site.stub(key).title.encode() in body and body.rstrip().endswith(b"</html>")
    status, headers, body = fetch(hostile.url, path, {"Accept-Encoding": "gzip"}, timeout=30)
    assert headers["content-encoding"] == "gzip" and int(headers["content-length"]) > 8 * 1024 * 1024


# -- content faults ----------------------------------------------------------------------------------------

def _text_and_data(doc):
    scripts = [json.loads(s.text) for s in doc.xpath('//script[@type="application/ld+json" or @id="__NEXT_DATA__"]')]
    for s in doc.xpath("//script|//style"):
        s.getparent().remove(s)
    return normalise(doc.text_content()), scripts


def test_windows_1252_pages_decode_to_the_same_text(hostile, site, profile):
    for key in profile.keys("cp1252"):
        path = site.stub(key).path
        status, headers, body = fetch(hostile.url, path)
        assert headers["content-type"] == "text/html; charset=windows-1252"
        assert b'<meta charset="windows-1252"/>' in body
        with pytest.raises(UnicodeDecodeError):
            body.decode("utf-8")
        served = lxml_html.fromstring(body.decode("cp1252"))
        reference = lxml_html.fromstring(profile.render(path, encode=False)[2].decode("utf-8"))
        assert _text_and_data(served) == _text_and_data(reference), path


def test_wrong_charset_header_over_utf8_bytes(hostile, site, profile):
    for key in profile.keys("wrong_charset"):
        path = site.stub(key).path
        status, headers, body = fetch(hostile.url, path)
        assert headers["content-type"] == "text/html; charset=iso-8859-1"
        assert b'<meta charSet="utf-8"/>' in body
        text = body.decode("utf-8")  # the bytes are UTF-8
        assert body.decode("latin-1") != text
        assert site.stub(key).title in lxml_html.fromstring(text).text_content()


def _ld_blocks(body: bytes):
    return re.findall(rb'<script type="application/ld\+json">(.*?)</script>', body, re.S)


def test_invalid_and_hostile_json_ld(hostile, site, profile):
    for key in profile.keys("jsonld_broken"):
        body = fetch(hostile.url, site.stub(key).path)[2]
        with pytest.raises(json.JSONDecodeError):
            json.loads(_ld_blocks(body)[0])
        assert f'<meta property="og:title" content="{site.stub(key).title}'.encode() in body.replace(b"&amp;", b"&")
    for key in profile.keys("jsonld_wrong_types"):
        body = fetch(hostile.url, site.stub(key).path)[2]
        news = [n for n in json.loads(_ld_blocks(body)[0])["@graph"] if n.get("@type") in ("NewsArticle", "Article")][0]
        assert news["headline"] == 404 and news["datePublished"] == "not a date"
        depth, author = 0, news.get("author", [])
        while isinstance(author, list) and author:
            author, depth = author[0], depth + 1
        assert depth >= 12 or "author" not in news
        assert b'property="article:published_time"' in body and b'id="__NEXT_DATA__"' in body
    for key in profile.keys("jsonld_deep"):
        body = fetch(hostile.url, site.stub(key).path)[2]
        deep, true = _ld_blocks(body)[:2]
        assert deep.count(b"[") >= 3000 and deep.count(b"{") >= 3000
        with pytest.raises(RecursionError):
            json.loads(deep)
        assert site.stub(key).title in json.dumps(json.loads(true), ensure_ascii=False)


def test_truncated_pages_are_cut_inside_the_body(hostile, site, profile):
    for url in profile.truncated_urls():
        path = urlsplit(url).path
        status, headers, body = fetch(hostile.url, path)
        assert status == 200 and int(headers["content-length"]) == len(body)
        assert b"</body>" not in body and b"</html>" not in body
        full_page = site.render(path)[2]
        assert len(body) < 0.75 * len(full_page)
        doc = lxml_html.fromstring(body.decode("utf-8"))
        div = doc.xpath('//div[starts-with(@class, "ArticleBody_content__")]')[0]
        shown = [normalise(e.text_content()) for e in div if e.tag in ("p", "h2", "h3", "blockquote")]
        shown = [t for t in shown if t and not re.fullmatch(r"By [^.]+", t)]
        full = profile.full_record(url)
        cut_body = "\n\n".join(shown)
        assert full["body"].startswith(cut_body) and len(cut_body) < len(full["body"]), url
        assert re.search(r"[A-Za-z]{2}$", cut_body)  # cut inside a word
        assert site.stub(profile._by_path[path]).title in doc.xpath("//title")[0].text


# -- links, redirects, traps, robots -----------------------------------------------------------------------

def test_redirect_chain_from_the_old_permalink(hostile, site, profile):
    for old, hops in profile.redirect_chains().items():
        seen, target = [], old
        for _ in range(4):
            status, headers, _ = fetch(hostile.url, target)
            seen.append(status)
            if status == 200:
                break
            target = headers["location"]
        assert seen == [301, 302, 308, 200] and target == hops[-1]
    key = key_with(profile, "redirect_chain")
    s = site.stub(key)
    page = site.listing(s.cat).index(s) // 12 + 1
    listing = f"/category/{s.cat.lower()}/" + ("" if page == 1 else f"page/{page}/")
    body = fetch(hostile.url, listing)[2].decode()
    old = [o for o, hops in profile.redirect_chains().items() if hops[-1] == s.path][0]
    assert old in body and f'href="{s.path}"' not in body and f'href="{s.url}"' not in body


def test_offsite_links_and_redirects(hostile, site, profile):
    for path, target in profile.offsite_redirects().items():
        status, headers, _ = fetch(hostile.url, path)
        assert status in (301, 302) and urlsplit(headers["location"]).hostname.endswith("evil.example.com")
    listing = fetch(hostile.url, "/category/banking/")[2].decode()
    article = fetch(hostile.url, site.stub(1).path)[2].decode()
    for href in ("https://evil.example.com/", "//evil.example.com/", "https://www.globalbankingandfinance.com.evil",
                 "https://www.globalbankingandfinance.com@evil.example.com/", "http://evil.example.com:8080/",
                 "/partner/"):
        assert f'href="{href}' in listing, href
    assert 'href="https://evil.example.com/offsite-trap/body/"' in article  # key 1: a body link off-site
    assert set(profile.offsite_hosts()) >= {"evil.example.com"}


def test_offsite_requests_through_the_replica_are_counted_and_refused(replica_factory):
    r = replica_factory("--articles", 60, "--faults", "hostile")
    assert fetch(r.url, "http://evil.example.com/offsite-trap/x/")[0] == 403
    assert fetch(r.url, "http://www.globalbankingandfinance.com/")[0] == 403
    assert fetch(r.url, "/offsite-trap/y/")[0] == 404
    assert fetch(r.url, "evil.example.com:443", method="CONNECT")[0] == 403
    assert fetch(r.url, f"{r.url}/robots.txt")[0] == 200  # a proxy request for the replica itself is served
    counted = stats(r.url)
    assert set(counted["offsite"]) == {"http://evil.example.com/offsite-trap/x/", "CONNECT evil.example.com:443",
                                       "rewritten to the replica: /offsite-trap/y/"}
    assert set(counted["live_site"]) == {"http://www.globalbankingandfinance.com/"}


def test_script_and_data_links(hostile, site):
    for path in ("/", "/category/finance/", site.stub(2).path):
        body = fetch(hostile.url, path)[2].decode()
        for href in ('href="javascript:void(0)"', 'href=" JavaScript:', 'href="data:text/html;', 'href="data:application/pdf',
                     'href="vbscript:', 'href="tel:'):
            assert href in body, (path, href)


def test_pagination_trap_never_ends(hostile, site, profile):
    real = site.listing_pages("Trends")
    last_cards = None
    for page in (real, real + 1, real + 2, real + 3, real + 1000):
        status, _, body = fetch(hostile.url, f"/category/trends/page/{page}/" if page > 1 else "/category/trends/")
        assert status == 200, page
        text = body.decode()
        assert f'rel="next" href="https://www.globalbankingandfinance.com/category/trends/page/{page + 1}/"' in text
        cards = sorted(set(re.findall(r'<h3 class="Card_title[^"]*"><a href="([^"]+)"', text)))
        if page == real:
            last_cards = cards
            assert cards
        elif (page - real) % 2:
            assert cards == last_cards, page
        else:
            assert cards == [], page
    assert profile.trap_entry_points()["pagination"] == f"/category/trends/page/{real + 1}/"


def test_calendar_traps_never_end(hostile, site, profile):
    entry = profile.trap_entry_points()
    assert 'href="%s"' % entry["calendar"] in fetch(hostile.url, "/")[2].decode()
    assert 'href="%s"' % entry["date_query"] in fetch(hostile.url, "/category/headlines/")[2].decode()
    body = fetch(hostile.url, entry["calendar"])[2].decode()
    assert 'rel="prev"' in body and "/archive/2026/03/05/" in body and "/archive/2026/03/07/" in body
    assert re.search(r'<h3 class="Card_title', body)  # the day's real cards
    for far in ("/archive/1999/01/01/", "/archive/2999/12/31/"):
        body = fetch(hostile.url, far)[2].decode()
        assert "/archive/1998/12/31/" in body or "/archive/2999/12/30/" in body
        assert "No articles were published on this day." in body
    body = fetch(hostile.url, "/category/headlines/?date=2020-01-01")[2].decode()
    assert "/category/headlines/?date=2019-12-31" in body and "/category/headlines/?date=2020-01-02" in body
    assert fetch(hostile.url, "/archive/2026/02/30/")[0] == 404
    traps = stats(hostile.url)["traps"]
    assert traps["calendar"]["requests"] >= 3 and traps["calendar"]["max_depth"] > 9000
    assert traps["date_query"]["requests"] >= 1


def test_robots_disallows_a_section_and_some_articles(hostile, site, profile):
    robots = fetch(hostile.url, "/robots.txt")[2].decode()
    assert "Disallow: /category/trading/\n" in robots
    for url in profile.disallowed_urls():
        assert f"Disallow: {urlsplit(url).path}\n" in robots
    path = urlsplit(profile.disallowed_urls()[0]).path
    assert fetch(hostile.url, path)[0] == 200  # the page exists: only robots.txt keeps crawlers out
    fetch(hostile.url, "/category/trading/page/2/")
    counted = stats(hostile.url)["disallowed"]
    assert counted.get(path) == 1 and counted.get("/category/trading/page/2/") == 1


def test_stats_file_is_written_on_exit(tmp_path):
    stats_file = tmp_path / "stats.json"
    r = Replica("--articles", 60, "--faults", "hostile", "--stats-file", stats_file)
    try:
        fetch(r.url, "/robots.txt")
        fetch(r.url, "/")
    finally:
        r.stop()
    counted = json.loads(stats_file.read_text())
    assert counted["requests"] == 2 and counted["paths"] == {"/robots.txt": 1, "/": 1}


# -- the end-to-end crawl --------------------------------------------------------------------------------

class CrawlRun:
    def __init__(self, **kw):
        self.__dict__.update(kw)

    def failures(self):
        return (self.report.get("failures") or {}).get("urls") or []

    def failed_paths(self):
        return {urlsplit(f.get("url", "")).path for f in self.failures()}

    def evidence(self, url):
        """What the replica and the crawl log say about one article URL (for failure messages)."""
        path = urlsplit(url).path
        requests = {p: n for p, n in self.stats["paths"].items() if urlsplit(p).path == path}
        lines = [line[:240] for line in self.log.splitlines() if path in line and "'url':" not in line][:4]
        return {"requests": requests, "events": self.stats["events"].get(path), "log": lines}


def crawl_with_bounds(base_url, data_dir, settings, env):
    """`scrapy crawl gbaf` like conftest.run_crawl, stopped if it runs too long, with its peak memory."""
    data_dir = Path(data_dir)
    cmd = crawl_command(base_url, data_dir, settings=settings)
    log_path = data_dir / "crawl.log"
    start = time.monotonic()
    with open(log_path, "w") as log:
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=log, env=env)
        interrupted, status, usage = None, None, None
        while status is None:
            pid, st, ru = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                status, usage = st, ru
                break
            elapsed = time.monotonic() - start
            if interrupted is None and elapsed > CRAWL_LIMIT_SECONDS:
                interrupted = "SIGINT"
                proc.send_signal(signal.SIGINT)
            elif interrupted == "SIGINT" and elapsed > CRAWL_LIMIT_SECONDS + CRAWL_GRACE_SECONDS:
                interrupted = "SIGKILL"
                proc.kill()
            time.sleep(0.2)
        proc.returncode = os.waitstatus_to_exitcode(status)
    elapsed = time.monotonic() - start
    records = []
    for path in sorted((data_dir / "articles").glob("*/*.jsonl")):
        records.extend(json.loads(line) for line in path.read_text(encoding="utf-8").splitlines())
    reports = sorted((data_dir / "articles").glob("*/*.report.json"), key=lambda p: p.stat().st_mtime)
    report = json.loads(reports[-1].read_text()) if reports else {}
    return CrawlRun(returncode=proc.returncode, records=records, log=log_path.read_text(errors="replace"),
                    report=report, elapsed=elapsed, interrupted=interrupted, peak_rss=usage.ru_maxrss * 1024,
                    data_dir=data_dir)


@pytest.mark.timeout(CRAWL_LIMIT_SECONDS + CRAWL_GRACE_SECONDS + 240)
class TestHostileCrawl:
    """A full crawl of the replica under --faults hostile (the issue's end-to-end test)."""

    @pytest.fixture(scope="class")
    def run(self, tmp_path_factory):
        data_dir = tmp_path_factory.mktemp("hostile")
        replica = Replica("--articles", ARTICLES, "--seed", SEED, "--faults", "hostile", "--fault-seed", FAULT_SEED,
                          "--stats-file", data_dir / "replica-stats.json")
        try:
            env = {k: v for k, v in os.environ.items() if k.lower() not in ("http_proxy", "https_proxy", "no_proxy",
                                                                            "all_proxy")}
            env.update(http_proxy=replica.url, https_proxy=replica.url, no_proxy="127.0.0.1,localhost")
            result = crawl_with_bounds(replica.url, data_dir, USER_SETTINGS, env)
            result.stats = stats(replica.url, timeout=120)
        finally:
            replica.stop()
        return result

    @pytest.fixture(scope="class")
    def oracle(self):
        return FaultProfile(Site(articles=ARTICLES, seed=SEED), "hostile", FAULT_SEED)

    def test_crawl_ends_by_itself_within_bounded_time_and_memory(self, run):
        assert run.interrupted is None, (f"still running after {CRAWL_LIMIT_SECONDS} s: stopped with {run.interrupted}; "
                                         f"traps {run.stats['traps']}; log tail:\n{run.log[-3000:]}")
        assert run.elapsed < CRAWL_LIMIT_SECONDS
        assert run.peak_rss < PEAK_RSS_BYTES, f"peak RSS {run.peak_rss / 2**20:.0f} MiB"
        assert run.report, f"no run report; log tail:\n{run.log[-3000:]}"

    def test_every_servable_article_is_exported_once_and_valid(self, run, oracle):
        from pipelines.validate import load_validator
        urls = [r["url"] for r in run.records]
        dupes = sorted({u for u in urls if urls.count(u) > 1})
        assert not dupes, f"exported more than once: {dupes[:5]}"
        expected = oracle.expected_by_url()
        missing, extra = sorted(set(expected) - set(urls)), sorted(set(urls) - set(expected))
        kinds = {**{u: k for u, k in oracle.content_fault_urls().items()},
                 **{u: v["kind"] for u, v in oracle.transient_urls().items()},
                 **{u: "truncated_html" for u in oracle.truncated_urls()},
                 **{u: v["kind"] for u, v in oracle.unservable_urls().items()},
                 **{u: "disallowed" for u in oracle.disallowed_urls()},
                 **{oracle.url(k): "redirect_chain" for k in oracle.keys("redirect_chain")}}
        assert not missing and not extra, (
            f"missing {len(missing)}: {[(u, kinds.get(u, '-'), run.evidence(u)) for u in missing[:12]]}; "
            f"extra {len(extra)}: {[(u, kinds.get(u, '-'), run.evidence(u)) for u in extra[:12]]}")
        validator = load_validator()
        invalid = [(r["url"], e.message[:120]) for r in run.records for e in validator.iter_errors(r)]
        assert not invalid, invalid[:5]

    def test_records_are_what_the_pages_state(self, run, oracle):
        expected = oracle.expected_by_url()
        cut = set(oracle.truncated_urls())
        mismatches = []
        for record in run.records:
            want = expected.get(record["url"])
            if want is None:
                continue
            for key, value in want.items():
                if key not in IGNORED and record.get(key) != value:
                    mismatches.append((record["url"], key, value, record.get(key)))
            if record["url"] in cut:
                full = oracle.full_record(record["url"])["body"]
                if not (record.get("body") and full.startswith(record["body"]) and len(record["body"]) < len(full)):
                    mismatches.append((record["url"], "body (a prefix of the full body)", full[-80:],
                                       (record.get("body") or "")[-80:]))
        kinds = {**oracle.content_fault_urls(), **{u: v["kind"] for u, v in oracle.transient_urls().items()},
                 **{u: "truncated_html" for u in cut}}
        assert not mismatches, "\n".join(f"{u} [{kinds.get(u, 'no fault')}] {k}:\n  want {w!r:.200}\n  got  {g!r:.200}"
                                         for u, k, w, g in mismatches[:12])

    def test_every_unservable_url_is_reported_as_failed(self, run, oracle):
        failed = run.failed_paths()
        unlisted = [(url, info["kind"], {p: run.stats["events"].get(p) for p in info["paths"]})
                    for url, info in oracle.unservable_urls().items() if not failed & set(info["paths"])]
        assert not unlisted, (f"not in report['failures']['urls']: {unlisted}; "
                              f"the report lists {sorted(failed)[:10]}")

    def test_failures_say_why(self, run, oracle):
        words = {"always_500": ("500",), "redirect_loop": ("redirect",),
                 "too_large": ("size", "large", "maxsize", "bytes")}
        wrong = []
        for url, info in oracle.unservable_urls().items():
            entries = [f for f in run.failures() if urlsplit(f.get("url", "")).path in info["paths"]]
            text = " ".join(f"{f.get('kind', '')} {f.get('reason', '')}".lower() for f in entries)
            if entries and not any(w in text for w in words[info["kind"]]):
                wrong.append((url, info["kind"], entries))
        assert not wrong, wrong[:5]

    def test_no_servable_article_is_reported_as_failed(self, run, oracle):
        wrongly = sorted(run.failed_paths() & {urlsplit(u).path for u in oracle.expected_by_url()})
        assert not wrongly, wrongly

    def test_robots_disallowed_paths_are_never_fetched(self, run, oracle):
        assert run.stats["disallowed"] == {}, {p: run.evidence(p)["log"] for p in run.stats["disallowed"]}
        assert not {r["url"] for r in run.records} & set(oracle.disallowed_urls())

    def test_no_request_leaves_the_site(self, run, oracle):
        assert run.stats["offsite"] == {} and run.stats["live_site"] == {}, (run.stats["offsite"], run.stats["live_site"])
        hosts = "|".join(re.escape(h) for h in oracle.offsite_hosts())
        fetched = re.findall(rf"(?:Crawled|Retrying|Gave up retrying|Error downloading)[^\n]*(?:{hosts})[^\n]*", run.log)
        assert not fetched, fetched[:5]
        assert not [f for f in run.failures() if urlsplit(f.get("url", "")).hostname in oracle.offsite_hosts()]

    def test_script_and_data_urls_are_never_followed_nor_exported(self, run):
        assert run.stats["bad_scheme"] == {}
        bad = [f["url"] for f in run.failures() if not f.get("url", "").startswith(("http://", "https://"))]
        assert not bad, bad[:5]
        assert not re.search(r"Unsupported URL scheme|Missing scheme in request url", run.log)
        assert all(r["url"].startswith("https://www.globalbankingandfinance.com/") for r in run.records)
        links = [link["url"] for r in run.records for link in r.get("related", []) + r.get("references", [])]
        assert not [u for u in links if not u.startswith(("http://", "https://"))]

    def test_traps_are_left_early(self, run):
        deep = {kind: t for kind, t in run.stats["traps"].items() if t["requests"] > TRAP_REQUESTS}
        assert not deep, f"more than {TRAP_REQUESTS} requests into a trap: {deep}"

    def test_retry_after_is_honoured(self, run, oracle):
        early = []
        for url in oracle.transient_urls():
            if oracle.transient_urls()[url]["kind"] != "rate_limited":
                continue
            events = run.stats["events"].get(urlsplit(url).path, [])
            if len(events) >= 2 and events[0][1] == 429 and events[1][0] - events[0][0] < 0.95:
                early.append((url, round(events[1][0] - events[0][0], 3)))
        assert not early, f"retried sooner than Retry-After: 1 allows: {early}"

    def test_server_errors_are_retried_with_backoff(self, run, oracle):
        hasty = []
        for url, info in oracle.transient_urls().items():
            if info["kind"] != "server_error":
                continue
            events = run.stats["events"].get(urlsplit(url).path, [])
            gaps = [round(b[0] - a[0], 3) for a, b in zip(events, events[1:])]
            if any(g < 0.1 for g in gaps):
                hasty.append((url, gaps))
        assert not hasty, f"retried at once after a 5xx: {hasty}"

    def test_transient_faults_were_met_and_outlived(self, run, oracle):
        # Not a check of the crawler: that the crawl did meet each transient fault, so the tests above mean something.
        for url, info in oracle.transient_urls().items():
            events = run.stats["events"].get(urlsplit(url).path, [])
            assert len(events) >= 2 and events[-1][1] == 200, (url, info["kind"], events)
