"""The spider's routing rules on small responses, without a crawl: what it asks for, and what not twice."""
import gzip

from scrapy.http import HtmlResponse, Request, Response
from scrapy.utils.test import get_crawler

from spiders.gbaf import GbafSpider

BASE = "http://127.0.0.1:9"
LISTING = (b'<html><body><main><article><h2><a href="/some-story/">Some story</a></h2>'
           b'<time datetime="2026-03-06">March 6, 2026</time></article></main></body></html>')


def spider(**args):
    crawler = get_crawler(GbafSpider, {"GBAF_STATE_ENABLED": False, "GBAF_BASE_URL": BASE,
                                       "GBAF_RENDER": "never"})
    crawler._apply_settings()
    return GbafSpider.from_crawler(crawler, **args)


def listing_response():
    url = f"{BASE}/category/banking/"
    return HtmlResponse(url, body=LISTING, request=Request(url, meta={"page": 1}))


def test_an_article_is_requested_once_however_many_pages_link_it():
    s = spider()
    assert s._wanted_article(f"{BASE}/some-story/", "related") is not None
    assert s._wanted_article(f"{BASE}/some-story/", "related") is None
    assert [r for r in s.parse_listing(listing_response()) if "some-story" in r.url] == []


def test_a_listing_brings_back_an_article_skipped_as_another_categorys():
    # A category crawl reached the story first through a related link and skipped it as another
    # category's; the category's own listing shows it, so it is fetched again, past the dupefilter.
    s = spider(categories="banking")
    url = f"{BASE}/some-story/"
    assert s._wanted_article(url, "related") is not None
    s.skipped_other_category.add(url)
    again = [r for r in s.parse_listing(listing_response()) if r.url == url]
    assert len(again) == 1 and again[0].dont_filter and again[0].meta["listed"]


def test_a_gzipped_sitemap_file_is_read_like_a_plain_one():
    sitemap = (b'<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
               b'<url><loc>https://www.globalbankingandfinance.com/some-story/</loc>'
               b'<lastmod>2026-03-06T10:00:00Z</lastmod></url></urlset>')
    s = spider()
    s.cheap_pending = 1
    url = f"{BASE}/sitemaps/post-sitemap1.xml.gz"
    for body in (sitemap, gzip.compress(sitemap)):
        s.requested.clear()
        response = Response(url, body=body, request=Request(url, meta={"source": "sitemap"}))
        s.cheap_pending = 1
        asked = [r.url for r in s.parse_cheap(response)]
        assert f"{BASE}/some-story/" in asked
    assert not s.crawler.stats.get_value("gbaf/cheap/unreadable/sitemap")
