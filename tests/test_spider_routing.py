"""The spider's routing rules on small responses, without a crawl: what it asks for, and what not twice."""
from scrapy.http import HtmlResponse, Request
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
