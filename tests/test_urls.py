"""URL rules and listing navigation on small HTML: what is followed, what is not, canonical forms."""
import pytest
from lxml import etree

from crawler.listing import listing_facts
from crawler.urls import SiteUrls, canonical_url, category_of, kind_of_url

SITE = SiteUrls("http://127.0.0.1:8000")


@pytest.mark.parametrize("link,expected", [
    ("https://www.globalbankingandfinance.com/some-story", "http://127.0.0.1:8000/some-story/"),
    ("https://globalbankingandfinance.com/some-story/?utm_source=x&utm_medium=y",
     "http://127.0.0.1:8000/some-story/"),
    ("/some-story/#comments", "http://127.0.0.1:8000/some-story/"),
    ("/category/banking/page/2/", "http://127.0.0.1:8000/category/banking/page/2/"),
    ("https://www.reuters.com/world/", None),
    ("javascript:void(0)", None),
    ("data:text/html,hello", None),
    ("mailto:news@example.com", None),
    ("ftp://www.globalbankingandfinance.com/file", None),
    # Tabs and line breaks inside an href are dropped, as urljoin and browsers drop them.
    ("/\n/www.globalbankingandfinance.com/some-story", "http://127.0.0.1:8000/some-story/"),
    ("/some-\tstory/", "http://127.0.0.1:8000/some-story/"),
    ("https://www.globalbankingandfinance.com/some-\r\nstory", "http://127.0.0.1:8000/some-story/"),
    ("#\n", None),
])
def test_links_are_fetched_on_the_base_url(link, expected):
    assert SITE.to_fetch(link) == expected


@pytest.mark.parametrize("url,expected", [
    ("http://127.0.0.1:8000/story?utm_source=a#x", "https://www.globalbankingandfinance.com/story/"),
    ("https://www.globalbankingandfinance.com/story/", "https://www.globalbankingandfinance.com/story/"),
    ("https://globalbankingandfinance.com/EU-BANKS-9426a32e-e2e0/",
     "https://www.globalbankingandfinance.com/EU-BANKS-9426a32e-e2e0/"),
])
def test_canonical_urls(url, expected):
    assert SITE.canonical(url) == expected


def test_other_hosts_keep_their_host():
    assert canonical_url("http://news.example/a/b?x=1") == "https://news.example/a/b/"


@pytest.mark.parametrize("path,kind", [
    ("/", "home"), ("/category/headlines/", "category"), ("/category/headlines/page/3/", "category"),
    ("/some-story/", "article"), ("/EU-BANKS-RUSSIANS-9426a32e-e2e0-40d9-9563-7357c95679d3/", "article"),
    ("/about-us/", "other"), ("/awards/winners/", "other"), ("/tag/finance/", "other"),
    ("/global-banking-finance-review-magazine-issue-79/", "other"), ("/_next/image", "other"),
    ("/sitemap.xml", "other"), ("/feed/", "other"), ("/2026/03/story/", "other"), ("/logo.png", "other"),
])
def test_kind_of_path(path, kind):
    assert kind_of_url("https://www.globalbankingandfinance.com" + path) == kind


def test_category_of():
    assert category_of("http://x/category/banking/page/4/") == ("banking", 4)
    assert category_of("http://x/category/banking/") == ("banking", 1)
    assert category_of("http://x/banking/") == (None, None)


LISTING = b"""<html><body>
<header><nav><a href="/category/banking/">Banking</a><a href="/category/trends/">Trends</a>
<a href="/nav-promoted-story/">Promo</a></nav></header>
<main><div class="grid">
<div><a href="https://www.globalbankingandfinance.com/first-story/"><img alt="x"></a>
<a href="/first-story">First story</a><time datetime="2026-03-06T10:00:00Z">Mar 6</time></div>
<div><a href="/second-story/?utm_source=home">Second</a></div>
<div><a href="/sponsored/" rel="nofollow sponsored">Ad</a></div>
<div><a href="https://twitter.com/gbaf">Twitter</a><a href="javascript:void(0)">JS</a></div>
<div><a href="/about-us/">About</a><a href="/tag/finance/">Finance</a></div>
</div>
<nav aria-label="pagination"><a href="/category/banking/page/1/">1</a><a href="/category/banking/page/2/">2</a></nav>
</main><footer><a href="/contact-us/">Contact</a></footer></body></html>"""


def test_listing_facts():
    root = etree.fromstring(LISTING, etree.HTMLParser())
    facts = listing_facts(root, "http://127.0.0.1:8000/category/banking/", SITE)
    assert facts["articles"] == ["http://127.0.0.1:8000/first-story/", "http://127.0.0.1:8000/second-story/"]
    assert facts["next"] == "http://127.0.0.1:8000/category/banking/page/2/"
    assert facts["categories"] == ["banking", "trends"]


def test_rel_next_wins_and_last_page_has_no_next():
    html = b"""<html><head><link rel="next" href="/category/banking/page/3/"></head><body><main>
    <a href="/a-story/">A</a><a href="/category/banking/page/1/">1</a></main></body></html>"""
    root = etree.fromstring(html, etree.HTMLParser())
    assert listing_facts(root, "http://127.0.0.1:8000/category/banking/page/2/", SITE)["next"] \
        == "http://127.0.0.1:8000/category/banking/page/3/"
    last = b"<html><body><main><a href='/a-story/'>A</a><a href='/category/banking/page/4/'>4</a></main></body></html>"
    root = etree.fromstring(last, etree.HTMLParser())
    assert listing_facts(root, "http://127.0.0.1:8000/category/banking/page/5/", SITE)["next"] is None


def test_a_next_control_that_links_nowhere_is_no_next_page():
    """<a rel="next" href="#"> is a script's control, not the page itself: the real page 2 link
    after it is the next page, and with none the listing has no next."""
    html = b"""<html><body><main><a href="/a-story/">A</a><a rel="next" href="#">Next</a>
    <a href="/category/banking/page/2/">2</a></main></body></html>"""
    root = etree.fromstring(html, etree.HTMLParser())
    facts = listing_facts(root, "http://127.0.0.1:8000/category/banking/", SITE)
    assert facts["next"] == "http://127.0.0.1:8000/category/banking/page/2/"
    alone = b"""<html><body><main><a href="/a-story/">A</a><a rel="next" href=" # ">Next</a></main></body></html>"""
    root = etree.fromstring(alone, etree.HTMLParser())
    assert listing_facts(root, "http://127.0.0.1:8000/category/banking/", SITE)["next"] is None
