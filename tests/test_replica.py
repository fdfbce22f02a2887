"""Tests of the offline replica (the crawler's test oracle), not of the crawler.

They check that the replica is deterministic, serves real HTTP, that its expected records
follow docs/record-rules.md, that every value of a record is what the page shows, that
aliases lead to records, and that time steps add and update what they say.
The page checks look only at visible text, image alt texts and the standard data scripts,
so they say nothing about the replica's markup beyond what a reader sees.
"""
from __future__ import annotations

import hashlib
import http.client
import json
import re
import subprocess
import sys
import time
import unicodedata
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from lxml import html as lxml_html

from replica import SITE_ROOT, Site
from replica import site as model

ROOT = Path(__file__).resolve().parents[1]
ISO_UTC = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00")
CONTRACT_FIELDS = ["schema_version", "id", "url", "title", "category", "tags", "authors", "source", "dateline",
                   "published_at", "updated_at", "summary", "body", "key_takeaways", "faq", "references", "related",
                   "image_url", "reading_time_minutes", "word_count", "language", "truncated", "content_hash",
                   "version"]


def norm(text: str) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", text)).strip()


@pytest.fixture(scope="module")
def site():
    return Site(articles=300, seed=1)


@pytest.fixture(scope="module")
def records(site):
    return site.expected_records()


def parse(body: bytes):
    return lxml_html.fromstring(body.decode("utf-8"))


def element_texts(doc):
    return [norm(e.text_content()) for e in doc.iter() if isinstance(e.tag, str)]


# -- determinism and speed ------------------------------------------------------------------------------

def test_same_seed_gives_same_bytes():
    a, b = Site(articles=120, seed=7), Site(articles=120, seed=7)
    paths = ["/", "/robots.txt", "/feed/", "/sitemap-news.xml", "/category/headlines/", "/category/finance/page/2/",
             "/no-such-article/"] + [a.stub(k).path for k in range(0, 120, 7)]
    for path in paths:
        assert a.render(path) == b.render(path), path
    assert a.expected_records() == b.expected_records()
    other = Site(articles=120, seed=8)
    assert other.stub(0).title != a.stub(0).title


def test_large_site_is_fast():
    start = time.perf_counter()
    big = Site(articles=5000, seed=3)
    assert time.perf_counter() - start < 3.0
    keys = range(0, 5000, 250)
    for key in keys:  # first render builds the article
        big.render(big.stub(key).path)
    start = time.perf_counter()
    for key in keys:
        big.render(big.stub(key).path)
    assert (time.perf_counter() - start) / len(keys) < 0.02


# -- records follow the record rules --------------------------------------------------------------------

def test_records_follow_record_rules(site, records):
    assert len(records) == site.article_count == 300
    assert [r["url"] for r in records] == sorted(r["url"] for r in records)
    assert len({r["url"] for r in records}) == len(records)
    for r in records:
        assert list(r) == CONTRACT_FIELDS
        url = r["url"]
        assert re.fullmatch(re.escape(SITE_ROOT) + r"/[^?#]+/", url)
        assert r["id"] == hashlib.sha256(url.encode()).hexdigest()[:16]
        assert r["word_count"] == len(r["body"].split())
        assert r["content_hash"] == hashlib.sha256((r["title"] + "\n\n" + r["body"]).encode()).hexdigest()
        assert ISO_UTC.fullmatch(r["published_at"])
        assert r["updated_at"] is None or ISO_UTC.fullmatch(r["updated_at"])
        assert r["updated_at"] is None or r["updated_at"] >= r["published_at"][:10]
        assert r["schema_version"] == 1 and r["version"] == 1 and r["language"] == "en"
        paragraphs = r["body"].split("\n\n")
        assert all(p == norm(p) and p for p in paragraphs)
        last_ends = re.search(r"[.!?…][\"'”’»)\]]*$", paragraphs[-1]) is not None
        assert r["truncated"] == (not last_ends)
        assert r["truncated"] == model.is_cut_short(site.resolve(urlsplit(url).path)[1])  # only the pages cut short
        for field in ("title", "summary", "category", "dateline"):
            assert r[field] is None or r[field] == norm(r[field])
        assert len({t.casefold() for t in r["tags"]}) == len(r["tags"])
        assert "Global Banking & Finance Review" not in r["authors"]
        assert all(ref["url"].startswith("https://") for ref in r["references"])
        assert all(rel["url"].startswith(SITE_ROOT + "/") and rel["url"].endswith("/") for rel in r["related"])
        assert r["image_url"] is None or r["image_url"].startswith(SITE_ROOT + "/")
        assert 400 <= r["word_count"] <= 1250


def test_variety_is_present(site, records):
    n = len(records)

    def share(pred):
        return sum(1 for r in records if pred(r)) / n

    assert share(lambda r: r["truncated"]) >= 0.04
    assert share(lambda r: not r["authors"]) >= 0.05
    assert share(lambda r: len(r["authors"]) > 1) >= 0.05
    assert share(lambda r: r["source"] is None) >= 0.2
    assert share(lambda r: r["source"] == "Reuters") >= 0.3
    assert {"AFP", "AP"} <= {r["source"] for r in records}
    for field in ("summary", "image_url", "reading_time_minutes", "updated_at"):
        assert share(lambda r: r[field] is None) >= 0.05, field
    for field in ("faq", "key_takeaways", "references", "tags"):
        assert share(lambda r: not r[field]) >= 0.05, field
    assert share(lambda r: r["published_at"].endswith("T00:00:00+00:00")) >= 0.05
    assert len({r["category"] for r in records}) >= 9
    profiles = [model.head_profile(k) for k in range(n)]
    for profile in ("no_jsonld", "no_meta", "bare", "no_nextdata"):
        assert profiles.count(profile) / n >= 0.05, profile


# -- pages show what the records say ---------------------------------------------------------------------

def check_article_page(site: Site, record: dict, path: str):
    status, headers, body = site.render(path)
    assert status == 200
    doc = parse(body)
    texts = element_texts(doc)
    page_text = norm(doc.text_content())
    text_set = set(texts)
    paragraphs = record["body"].split("\n\n")
    # Every paragraph is the whole text of an element, in order.
    positions, start = [], 0
    for p in paragraphs:
        found = texts.index(p, start)
        positions.append(found)
        start = found + 1
    assert record["title"] in text_set  # the breadcrumb keeps the true case
    assert norm(doc.findtext(".//title")).startswith(record["title"] + " | ")
    alts = [norm(a)[len("Image for "):] for a in doc.xpath("//img/@alt") if a.startswith("Image for ")]
    assert alts == [r["title"] for r in record["related"]]
    for f in record["faq"]:
        assert f["question"] in page_text and f["answer"] in text_set
    for t in record["key_takeaways"]:
        assert t in text_set or "•" + t in text_set
    if record["summary"]:
        assert record["summary"] in text_set
        assert "Quick Summary" in text_set
    for ref in record["references"]:
        assert any(norm(a.text_content()) == ref["title"] and a.get("href") == ref["url"] for a in doc.iter("a"))
    posted = re.search(r"Posted on (\w+ \d+, \d{4})", page_text).group(1)
    assert record["published_at"][:10] == datetime.strptime(posted, "%B %d, %Y").strftime("%Y-%m-%d")
    updated = re.search(r"Last updated: (\w+ \d+, \d{4})", page_text)
    assert (updated is None) == (record["updated_at"] is None)
    minutes = re.search(r"(\d+) min read", page_text)
    assert (int(minutes.group(1)) if minutes else None) == record["reading_time_minutes"]
    if record["authors"] and not any(t.startswith("By ") for t in texts):
        assert doc.xpath('//script[@type="application/ld+json"] | //script[@id="__NEXT_DATA__"]')
    data = doc.xpath('//script[@id="__NEXT_DATA__"]/text()')
    if data:
        post = json.loads(data[0])["props"]["pageProps"]["post"]
        content = lxml_html.fromstring(f"<div>{post['content']}</div>")
        blocks = [norm(e.text_content()) for e in content]
        assert [b for b in blocks if b and not re.fullmatch(r"By [^.]+", b)] == paragraphs
        assert [norm(a["name"]) for a in post["authors"]["nodes"]] == record["authors"]
    ld = doc.xpath('//script[@type="application/ld+json"]/text()')
    if ld:
        article = json.loads(ld[0])["@graph"][0]
        assert norm(article["headline"]) == record["title"]
        published = datetime.fromisoformat(article["datePublished"].replace("Z", "+00:00"))
        assert published.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S+00:00") == record["published_at"]


def test_article_pages_show_their_records(site, records):
    by_url = {r["url"]: r for r in records}
    for key in range(site.article_count):
        stub = site.stub(key)
        check_article_page(site, by_url[stub.url], stub.path)


def test_article_pages_weigh_like_real_pages(site):
    sizes = [len(site.render(site.stub(k).path)[2]) for k in range(0, 300, 10)]
    assert 50_000 <= min(sizes) and max(sizes) <= 130_000


# -- aliases, non-articles, broken links -------------------------------------------------------------

def follow(site: Site, path: str):
    for _ in range(3):
        status, headers, body = site.render(path)
        if status != 308:
            return path, status, body
        path = headers["Location"]
    raise AssertionError("redirect loop")


def linked_paths(site: Site):
    """Every site-internal link on listings, the home page and article pages, as path+query."""
    pages = ["/"] + [p for p in site.non_article_paths() if p.startswith("/category/")]
    pages += [site.stub(k).path for k in range(site.article_count)]
    out = set()
    for page in pages:
        for href in parse(site.render(page)[2]).xpath("//a/@href"):
            parts = urlsplit(href)
            if parts.netloc in ("", "www.globalbankingandfinance.com") and parts.path.startswith("/"):
                out.add(parts.path + (f"?{parts.query}" if parts.query else ""))
    return out


def test_every_alias_is_linked_and_leads_to_its_record(site, records):
    by_url = {r["url"]: r for r in records}
    aliases = site.aliases()
    assert len(aliases) >= 30
    kinds = {"wire": 0, "utm": 0, "noslash": 0}
    links = linked_paths(site)
    for alias, canonical in aliases.items():
        assert canonical in by_url
        assert alias in links, alias
        final, status, body = follow(site, alias)
        assert status == 200
        canon = parse(body).xpath('//link[@rel="canonical"]/@href')
        target = canon[0] if canon else SITE_ROOT + urlsplit(final).path
        assert target == canonical
        if "utm_" in alias:
            kinds["utm"] += 1
        elif not alias.endswith("/"):
            kinds["noslash"] += 1
        else:
            kinds["wire"] += 1
            assert re.fullmatch(r"/[A-Z0-9-]+-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}/", alias)
    assert all(v >= 5 for v in kinds.values()), kinds


def test_non_article_and_broken_paths(site):
    expected_paths = {urlsplit(u).path for u in site.expected_by_url()}
    non_articles = site.non_article_paths()
    for required in ("/", "/about-us/", "/privacy-policy/", "/awards/", "/magazines/", "/category/videos/",
                     "/category/trends/", "/global-banking-finance-review-magazine-issue-79/"):
        assert required in non_articles
    for path in non_articles:
        status, _, body = site.render(path)
        assert status == 200, path
        assert path not in expected_paths
    for video in site.videos():
        doc = parse(site.render(video.path)[2])
        assert doc.xpath('//meta[@property="og:type"]/@content') == ["video.other"]
    broken = site.broken_paths()
    assert len(broken) >= 5
    links = linked_paths(site)
    for path in broken:
        assert site.render(path)[0] == 404
        assert path in links


def test_trends_is_only_in_the_navigation(site):
    home = parse(site.render("/")[2])
    links = [urlsplit(h).path for h in home.xpath("//a/@href")]
    assert links.count("/category/trends/") == 2  # the header and the menu drawer, nothing in the page body
    trends = site.listing("Trends")
    assert trends and not {s.path for s in trends} & set(links)


def test_listings_paginate_newest_first(site):
    pages = site.listing_pages("Headlines")
    assert pages >= 3
    seen = []
    for n in range(1, pages + 1):
        path = "/category/headlines/" if n == 1 else f"/category/headlines/page/{n}/"
        status, _, body = site.render(path)
        assert status == 200
        doc = parse(body)
        if n < pages:
            assert doc.xpath('//a[@rel="next"]')
        seen += [norm(t) for t in doc.xpath("//article//img/@alt")]
    titles = [s.title for s in site.listing("Headlines")]
    assert seen == titles
    assert site.render(f"/category/headlines/page/{pages + 1}/")[0] == 404


def test_feeds_and_robots(site):
    robots = site.render("/robots.txt")[2].decode()
    for line in ("Allow: /_next/static/", "Allow: /_next/image", "Allow: /_next/data/", "Allow: /*.jsonld",
                 "Disallow: /admin/", "Disallow: /api/*", f"Sitemap: {SITE_ROOT}/sitemap.xml",
                 f"Sitemap: {SITE_ROOT}/sitemap-news.xml", f"Sitemap: {SITE_ROOT}/sitemap-image.xml"):
        assert line in robots.splitlines()
    rss = site.render("/feed/")[2].decode()
    assert rss.count("<item>") == 30 and "<pubDate>" in rss
    news = site.render("/sitemap-news.xml")[2].decode()
    assert news.count("<news:publication_date>") == 50
    index = site.render("/sitemap.xml")[2].decode()
    assert f"{SITE_ROOT}/sitemaps/posts-1.xml" in index
    posts = site.render("/sitemaps/posts-1.xml")[2].decode()
    assert posts.count("<lastmod>") >= 300


# -- time steps -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("step", [1, 3])
def test_steps_add_and_update(site, records, step):
    later = Site(articles=300, seed=1, step=step)
    later_records = later.expected_by_url()
    changes = later.changes_since(0)
    assert len(changes["new"]) == 5 * step and len(changes["updated"]) == 3 * step
    assert len(later_records) == 300 + 5 * step
    newest = max(r["published_at"] for r in records)
    for url in changes["new"]:
        assert later_records[url]["published_at"] > newest
    newest_first = [s.url for s in later.stubs_newest_first()]
    assert set(newest_first[:5 * step]) == set(changes["new"])
    assert set(newest_first[:50]) <= {u for u in re.findall(r"<loc>([^<]+)</loc>", later.render("/sitemap-news.xml")[2].decode())}
    before = {r["url"]: r for r in records}
    for url, record in before.items():
        after = later_records[url]
        if url in changes["updated"]:
            assert after["content_hash"] != record["content_hash"]
            assert after["updated_at"] > (record["updated_at"] or record["published_at"])
            assert after["title"] == record["title"] and after["word_count"] > record["word_count"]
        else:
            assert after == record
    assert later.changes_since(step) == {"new": [], "updated": []}


# -- over real HTTP -------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def server():
    proc = subprocess.Popen([sys.executable, "-m", "replica", "--port", "0", "--articles", "60", "--seed", "2"],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        match = re.fullmatch(r"replica serving 60 articles at http://127\.0\.0\.1:(\d+)/\n", line)
        assert match, line + proc.stderr.read() if proc.poll() is not None else line
        yield int(match.group(1))
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_server_speaks_http_with_keep_alive(server):
    reference = Site(articles=60, seed=2)
    article = reference.stub(5).path
    conn = http.client.HTTPConnection("127.0.0.1", server, timeout=10)
    expectations = [("/", 200), (article, 200), ("/category/business/", 200), ("/robots.txt", 200),
                    ("/no-such-page/", 404), (article.rstrip("/"), 308)]
    for path, status in expectations:  # one connection for all: keep-alive
        conn.request("GET", path)
        response = conn.getresponse()
        body = response.read()
        assert response.status == status, path
        assert int(response.getheader("Content-Length")) == len(body)
        if status == 200:
            assert body == reference.render(path)[2]
        if status == 308:
            assert response.getheader("Location") == article
    conn.request("GET", article, headers={"Accept-Encoding": "gzip"})
    response = conn.getresponse()
    import gzip
    assert gzip.decompress(response.read()) == reference.render(article)[2]
    conn.close()


def test_dump_expected(tmp_path):
    out = tmp_path / "expected.jsonl"
    subprocess.run([sys.executable, "-m", "replica", "--dump-expected", str(out), "--articles", "40", "--seed", "4",
                    "--step", "1"], cwd=ROOT, check=True)
    lines = out.read_text(encoding="utf-8").splitlines()
    assert [json.loads(line) for line in lines] == Site(articles=40, seed=4, step=1).expected_records()
    assert len(lines) == 45
