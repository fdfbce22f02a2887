"""Rendering JavaScript-filled pages (crawler/fetch/render.py) only where the static HTML needs it.

Detection rules on small HTML; the replica's script-filled variant (`--js-share`) as an oracle; and
real crawls of it: in `auto` mode the script-filled related links and the articles behind
"Load more" are found and only the pages that need it are rendered; in `never` mode (or with no
Chromium) they are missing and the run says so once.
"""
import asyncio
import os
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from crawler.article import ArticlePage
from crawler.listing import listing_facts
from crawler.fetch.render import (JS_RELATED_FILLED, Renderer, abort_request, related_links,
                            unavailable_reason, wait_until)
from crawler.urls import SiteUrls
from replica import Site
from replica.site import PER_PAGE
from tests.conftest import run_crawl

ARTICLES, SEED, SHARE = 200, 1, 0.1
REPLICA_ARGS = ("--articles", ARTICLES, "--seed", SEED, "--js-share", SHARE)
CHROMIUM = os.environ.get("GBAF_CHROMIUM_PATH", "/usr/bin/chromium")
IGNORED = {"crawled_at", "extraction"}
FIXTURES = Path(__file__).parent / "fixtures" / "pages"
BASE = "http://127.0.0.1:8000"

needs_chromium = pytest.mark.skipif(
    not os.path.exists(CHROMIUM) and not os.environ.get("CI"),
    reason=f"no Chromium at {CHROMIUM} (CI installs Debian's chromium)")


def stats_of(log):
    """The render/* and playwright/* counters of the crawl log's final stats dump."""
    dump = log[log.rfind("Dumping Scrapy stats"):]
    return {k: int(v) for k, v in re.findall(r"'((?:render|playwright)/[^']+)': (\d+)", dump)}


def page_of(html, url=BASE + "/some-article/"):
    parts = urlsplit(url)
    return ArticlePage(html, url, base_url=f"{parts.scheme}://{parts.netloc}")


@pytest.fixture(scope="module")
def site():
    return Site(articles=ARTICLES, seed=SEED, js_share=SHARE)


# -- detection rules, on small HTML ---------------------------------------------------------------------

BODY = "<p>" + " ".join(["Banks raised rates again on Tuesday as inflation stayed high."] * 8) + "</p>"


def article_html(related_cards, extra=""):
    return (f"<html><body><main><article><h1>Title</h1><p>Posted on March 6, 2026</p>{BODY}</article>"
            f"<section><div><h2>More from Banking</h2><p>Explore more articles in the Banking category</p></div>"
            f"<div>{related_cards}</div><div><a href='/category/banking/'>View All Banking Posts</a></div></section>"
            f"{extra}</main></body></html>")


POST_NAV = ("<nav aria-label='Post navigation'><a href='/older-story/' rel='prev'><span>Previous Banking Post</span>"
            "<span>Older story</span></a></nav>")


def test_an_empty_more_from_block_needs_rendering():
    page = page_of(article_html("<div aria-busy='true'></div>", POST_NAV))
    assert related_links(page) == []  # the post navigation after it is not the block
    assert Renderer.article_need(page, page.url) == "related_empty"


def test_links_in_a_nav_inside_the_block_are_not_related_articles():
    cards = "<a href='/story-1/'><img alt='Image for Story 1'/><p>Story 1</p></a>"
    pager = "<NAV class='pager'><A href='/story-2/'>Story 2</A><a href='/story-3/'>Story 3</a></NAV>"
    page = page_of(article_html(cards + pager))
    assert [u.rsplit("/", 2)[-2] for u in related_links(page)] == ["story-1"]
    only_nav = page_of(article_html(pager))
    assert related_links(only_nav) == [] and Renderer.article_need(only_nav, only_nav.url) == "related_empty"


def test_a_section_holding_the_whole_article_is_not_the_related_block():
    html = (f"<html><body><main><section><article><h1>Title</h1>{BODY}<p>See <a href='/other-story/'>other story</a>"
            f" for more.</p></article><h2>More from Banking</h2><div aria-busy='true'></div></section></main></body></html>")
    page = page_of(html)
    assert Renderer.article_need(page, page.url) == "related_empty", related_links(page)


def test_a_filled_block_or_no_block_needs_nothing():
    cards = "".join(f"<a href='/story-{i}/'><img alt='Image for Story {i}'/><p>Story {i}</p></a>" for i in range(3))
    page = page_of(article_html(cards, POST_NAV))
    assert len(related_links(page)) == 3
    assert Renderer.article_need(page, page.url) is None
    plain = page_of(f"<html><body><article><h1>Title</h1>{BODY}</article></body></html>")
    assert related_links(plain) is None and Renderer.article_need(plain, plain.url) is None


def test_a_body_less_shell_needs_rendering_unless_its_data_has_the_body():
    html = (FIXTURES / "nextjs-shell.html").read_text(encoding="utf-8")
    url = "https://www.marketwire.example/news/chipmakers-rally-on-ai-demand/"
    with_data = ArticlePage(html, url)
    assert Renderer.article_need(with_data, "https://www.globalbankingandfinance.com/chipmakers/") is None
    without = re.sub(r'<script id="__NEXT_DATA__".*?</script>', "", html, flags=re.S)
    shell = ArticlePage(without, url)
    assert Renderer.article_need(shell, "https://www.globalbankingandfinance.com/chipmakers/") == "shell"
    # a section page is not an article: no shell rendering for it
    assert Renderer.article_need(shell, "https://www.globalbankingandfinance.com/category/banking/") is None


def test_load_more_where_pagination_would_be_needs_rendering():
    site = SiteUrls(BASE)
    cards = "".join(f"<article><h3><a href='/story-{i}/'>Story {i}</a></h3></article>" for i in range(3))
    from lxml import html as lxml_html
    button = lxml_html.fromstring(f"<html><body><main>{cards}<button type='button'>Load more</button></main></body></html>")
    facts = listing_facts(button, BASE + "/category/banking/", site)
    assert Renderer.listing_need(facts, button) == "load_more"
    paged = lxml_html.fromstring(f"<html><body><main>{cards}<button>Show more</button>"
                                 f"<a rel='next' href='/category/banking/page/2/'>Next</a></main></body></html>")
    assert Renderer.listing_need(listing_facts(paged, BASE + "/category/banking/", site), paged) is None
    plain = lxml_html.fromstring(f"<html><body><main>{cards}</main></body></html>")
    assert Renderer.listing_need(listing_facts(plain, BASE + "/category/banking/", site), plain) is None
    # a "View more" link to another page is not a control a script answers
    elsewhere = lxml_html.fromstring(f"<html><body><main>{cards}<a href='/latest-news/'>View more</a></main></body></html>")
    assert Renderer.listing_need(listing_facts(elsewhere, BASE + "/category/banking/", site), elsewhere) is None


def test_images_fonts_and_media_are_not_downloaded():
    class Req:
        def __init__(self, kind):
            self.resource_type = kind
    assert all(abort_request(Req(k)) for k in ("image", "font", "media"))
    assert not any(abort_request(Req(k)) for k in ("document", "script", "fetch", "xhr", "stylesheet"))


def test_rendering_is_off_without_chromium_or_in_never_mode():
    from scrapy.settings import Settings
    assert unavailable_reason(Settings({"GBAF_RENDER": "never", "GBAF_CHROMIUM_PATH": CHROMIUM})) == "GBAF_RENDER=never"
    assert "no Chromium" in unavailable_reason(Settings({"GBAF_RENDER": "auto", "GBAF_CHROMIUM_PATH": "/nonexistent"}))
    with pytest.raises(ValueError):
        unavailable_reason(Settings({"GBAF_RENDER": "sometimes"}))


# -- the replica's script-filled variant ------------------------------------------------------------------

def test_default_replica_has_no_script_filled_pages():
    plain = Site(articles=ARTICLES, seed=SEED)
    assert plain.script_filled_paths() == [] and plain.static_misses() == {"records": [], "related": []}
    assert plain.render("/_next/data/" + "x" * 21 + "/anything.json")[0] == 404


def test_script_filled_pages_ship_an_empty_block_and_its_data(site):
    assert site.script_filled_paths(), "the variant has pages to render"
    expected = site.expected_by_url()
    for path in site.script_filled_paths():
        status, _headers, body = site.render(path)
        assert status == 200
        html = body.decode("utf-8")
        if path == site.load_more.path:
            assert ">Load more</button>" in html and "/page/2/" not in html
            continue
        page = page_of(html, BASE + path)
        assert related_links(page) == [], path
        data_url = re.search(r'"data": "(/_next/data/[^"]+)"', html).group(1)
        status, headers, data = site.render(data_url)
        assert status == 200 and headers["Content-Type"].startswith("application/json")
        import json
        related = json.loads(data)["pageProps"]["relatedPosts"]
        want = expected["https://www.globalbankingandfinance.com" + path]["related"]
        assert [("https://www.globalbankingandfinance.com" + p["uri"]) for p in related] == [r["url"] for r in want]
    robots = site.render("/robots.txt")[2].decode()
    assert "Allow: /_next/data/" in robots


def test_listing_only_articles_have_no_static_link(site):
    hidden = site.listing_only_urls()
    assert hidden and set(hidden) <= set(site.behind_load_more())
    slugs = {urlsplit(u).path.strip("/") for u in hidden}
    paths = ["/", "/feed/", "/atom.xml", "/sitemap-news.xml", "/sitemap-image.xml", "/sitemaps/posts-1.xml",
             "/latest-news/", "/html-sitemap/"] + site.non_article_paths()
    paths += [s.path for s in site._stubs if s.path.strip("/") not in slugs]
    for path in paths:
        status, _headers, body = site.render(path)
        text = body.decode("utf-8", "replace")
        leaked = [slug for slug in slugs if slug in text]
        assert not leaked, f"{path} links {leaked}"
    # ... and the "Load more" data does list them
    build = re.search(r'/_next/data/([^/]+)/category/', site.render(site.load_more.path)[2].decode()).group(1)
    listed = ""
    for n in range(2, site.listing_pages(site.load_more.name) + 1):
        listed += site.render(f"/_next/data/{build}/category/{site.load_more.slug}/page/{n}.json")[2].decode()
    assert all(slug in listed for slug in slugs)
    assert len(site.listing(site.load_more.name)) > PER_PAGE


@needs_chromium
def test_a_renderer_that_does_not_wait_misses_the_block(site, replica_factory):
    """The block is filled after a timer: at the load event it is still empty."""
    from playwright.async_api import async_playwright
    replica = replica_factory(*REPLICA_ARGS)
    path = next(p for p in site.script_filled_paths() if p != site.load_more.path)

    async def load():
        async with async_playwright() as p:
            browser = await p.chromium.launch(executable_path=CHROMIUM, headless=True,
                                              args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"])
            page = await browser.new_page()
            # The block's data is held until the page at its load event has been read: on a loaded
            # machine the replica's timer could otherwise fire before page.content() returns.
            release = asyncio.Event()

            async def hold(route):
                await release.wait()
                await route.continue_()

            await page.route("**/_next/data/**", hold)
            await page.goto(replica.url + path)
            at_load = await page.content()
            release.set()
            filled = await wait_until(page, JS_RELATED_FILLED, 10000)
            after = await page.content()
            await browser.close()
            return at_load, filled, after

    at_load, filled, after = asyncio.run(load())
    assert related_links(page_of(at_load, replica.url + path)) == []
    assert filled
    assert len(related_links(page_of(after, replica.url + path))) == len(
        site.expected_by_url()["https://www.globalbankingandfinance.com" + path]["related"])


# -- real crawls -------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def js_replica():
    from tests.conftest import Replica
    r = Replica(*REPLICA_ARGS)
    yield r
    r.stop()


@pytest.fixture(scope="module")
def auto_crawl(js_replica, tmp_path_factory):
    if not os.path.exists(CHROMIUM) and not os.environ.get("CI"):
        pytest.skip(f"no Chromium at {CHROMIUM}")
    return run_crawl(js_replica.url, tmp_path_factory.mktemp("auto"), settings={"GBAF_RENDER": "auto"})


@pytest.fixture(scope="module")
def never_crawl(js_replica, tmp_path_factory):
    return run_crawl(js_replica.url, tmp_path_factory.mktemp("never"), settings={"GBAF_RENDER": "never"})


def test_auto_crawl_finds_script_filled_links_and_load_more_articles(auto_crawl, site):
    assert auto_crawl.returncode == 0, auto_crawl.log[-3000:]
    expected = site.expected_by_url()
    got = auto_crawl.by_url()
    assert set(got) == set(expected), (sorted(set(expected) - set(got))[:5], sorted(set(got) - set(expected))[:5])
    assert set(site.listing_only_urls()) <= set(got)
    mismatches = [(url, key) for url, record in got.items() for key, value in expected[url].items()
                  if key not in IGNORED and record[key] != value]
    assert not mismatches, mismatches[:10]
    for url in site.static_misses()["related"]:
        assert got[url]["related"] and got[url]["extraction"]["related"] == "dom"


def test_auto_crawl_renders_only_the_pages_that_need_it(auto_crawl, site):
    stats = stats_of(auto_crawl.log)
    need = site.script_filled_paths()
    assert stats.get("render/pages") == len(need), stats
    assert stats.get("render/requests/related_empty", 0) + stats.get("render/requests/load_more", 0) == len(need)
    assert stats.get("render/requests/load_more") == 1
    assert stats.get("render/load_more/clicks") == site.listing_pages(site.load_more.name) - 1
    assert not any(k.startswith(("render/incomplete", "render/failed", "render/unavailable")) for k in stats), stats
    # the browser fetched no image, font or media, and each page was closed after use
    assert stats.get("playwright/request_count/aborted", 0) >= 1
    assert not any(k.startswith("playwright/response_count/resource_type/") and k.rsplit("/", 1)[1] in
                   ("image", "font", "media") for k in stats), stats
    assert "could not be rendered" not in auto_crawl.log


def test_never_crawl_misses_them_and_says_so_once(never_crawl, site):
    assert never_crawl.returncode == 0, never_crawl.log[-3000:]
    expected = site.expected_by_url()
    got = never_crawl.by_url()
    misses = site.static_misses()
    assert set(got) == set(expected) - set(misses["records"])
    for url in misses["related"]:
        assert got[url]["related"] != expected[url]["related"], url
    for url, record in got.items():
        if url not in misses["related"]:
            assert record["related"] == expected[url]["related"], url
    stats = stats_of(never_crawl.log)
    assert not any(k.startswith(("render/pages", "render/requests", "playwright/")) for k in stats), stats
    reached = [p for p in site.script_filled_paths()
               if "https://www.globalbankingandfinance.com" + p not in misses["records"]]
    assert sum(v for k, v in stats.items() if k.startswith("render/unavailable/")) == len(reached)
    warnings = [line for line in never_crawl.log.splitlines() if "could not be rendered" in line]
    assert len(warnings) == 1 and "GBAF_RENDER=never" in warnings[0] and f"{len(reached)} page(s)" in warnings[0]


def test_without_chromium_auto_degrades_to_static_html(js_replica, tmp_path, site):
    result = run_crawl(js_replica.url, tmp_path, settings={"GBAF_RENDER": "auto",
                                                             "GBAF_CHROMIUM_PATH": str(tmp_path / "no-chromium")})
    assert result.returncode == 0, result.log[-3000:]
    assert len(result.records) == len(site.expected_records()) - len(site.static_misses()["records"])
    warnings = [line for line in result.log.splitlines() if "could not be rendered" in line]
    assert len(warnings) == 1 and "no Chromium at GBAF_CHROMIUM_PATH" in warnings[0]
    assert not any(k.startswith("playwright/") for k in stats_of(result.log))
