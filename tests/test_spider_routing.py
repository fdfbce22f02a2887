"""The spider's routing rules on small responses, without a crawl: what it asks for, and what not twice."""
import gzip
from pathlib import Path

from scrapy.http import HtmlResponse, Request, Response, TextResponse

from spiders.gbaf import GbafSpider
from tests.conftest import SPIDER_BASE as BASE, gbaf_spider, incremental

LISTING = (b'<html><body><main><article><h2><a href="/some-story/">Some story</a></h2>'
           b'<time datetime="2026-03-06">March 6, 2026</time></article></main></body></html>')


def listing_response():
    url = f"{BASE}/category/banking/"
    return HtmlResponse(url, body=LISTING, request=Request(url, meta={"page": 1}))


def test_an_article_is_requested_once_however_many_pages_link_it():
    s = gbaf_spider()
    assert s._wanted_article(f"{BASE}/some-story/", "related") is not None
    assert s._wanted_article(f"{BASE}/some-story/", "related") is None
    assert [r for r in s.parse_listing(listing_response()) if "some-story" in r.url] == []


def test_a_listing_brings_back_an_article_skipped_as_another_categorys():
    # A category crawl reached the story first through a related link and skipped it as another
    # category's; the category's own listing shows it, so it is fetched again, past the dupefilter.
    s = gbaf_spider(categories="banking")
    url = f"{BASE}/some-story/"
    assert s._wanted_article(url, "related") is not None
    s.skipped_other_category.add(url)
    again = [r for r in s.parse_listing(listing_response()) if r.url == url]
    assert len(again) == 1 and again[0].dont_filter and again[0].meta["listed"]


def test_a_gzipped_sitemap_file_is_read_like_a_plain_one():
    sitemap = (b'<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
               b'<url><loc>https://www.globalbankingandfinance.com/some-story/</loc>'
               b'<lastmod>2026-03-06T10:00:00Z</lastmod></url></urlset>')
    s = gbaf_spider()
    s.cheap_pending = 1
    url = f"{BASE}/sitemaps/post-sitemap1.xml.gz"
    for body in (sitemap, gzip.compress(sitemap)):
        s.requested.clear()
        response = Response(url, body=body, request=Request(url, meta={"source": "sitemap"}))
        s.cheap_pending = 1
        asked = [r.url for r in s.parse_cheap(response)]
        assert f"{BASE}/some-story/" in asked
    assert not s.crawler.stats.get_value("gbaf/cheap/unreadable/sitemap")


SITEMAP_NS = b'<?xml version="1.0" encoding="UTF-8"?>'
INDEX = (SITEMAP_NS + b'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
         b'<sitemap><loc>https://www.globalbankingandfinance.com/sitemap.xml</loc></sitemap>'
         b'<sitemap><loc>https://www.globalbankingandfinance.com/sitemaps/posts.xml</loc></sitemap>'
         b'</sitemapindex>')


def cheap_response(s, path, body, source="sitemap", **meta):
    url = BASE + path
    return Response(url, body=body, request=Request(url, meta={"source": source, "kind": "cheap", **meta}))


def test_a_sitemap_index_that_lists_itself_or_is_listed_by_its_child_is_read_once():
    # The duplicate filter would drop the second request for the index unseen: the run would wait
    # for ever for a source that never answers, and never decide whether to walk the listings.
    s = incremental(gbaf_spider())
    for path, kind in s.cheap_sources:
        s._cheap_request(BASE + path, kind)
    assert s.cheap_pending == 3
    asked = [r.url for r in s.parse_cheap(cheap_response(s, "/sitemap.xml", INDEX))]
    assert asked == [f"{BASE}/sitemaps/posts.xml"]  # itself not again
    child = INDEX.replace(b"posts.xml", b"other.xml")  # a child that lists the index back
    asked = [r.url for r in s.parse_cheap(cheap_response(s, "/sitemaps/posts.xml", child, child_of_index=True))]
    assert asked == [f"{BASE}/sitemaps/other.xml"]
    assert s.crawler.stats.get_value("gbaf/cheap/skipped/already_requested") == 2
    assert s.cheap_pending == 3  # news sitemap, feed, other.xml


def test_a_cheap_source_forbidden_by_robots_still_lets_the_run_decide_on_listings():
    from scrapy.exceptions import IgnoreRequest
    from twisted.python.failure import Failure

    s = incremental(gbaf_spider())
    requests = [s._cheap_request(BASE + path, kind) for path, kind in s.cheap_sources]
    walked = []
    for request in requests:
        failure = Failure(IgnoreRequest("Forbidden by robots.txt"))
        failure.request = request
        walked += list(s.on_error(failure))
    assert s.cheap_pending == 0
    assert any(r.meta["kind"] == "category" for r in walked)  # nothing read: the listings are walked


def test_a_page_that_is_no_sitemap_or_feed_is_unreadable_not_an_empty_complete_sitemap():
    soft404 = b"<html><head><title>Page not found</title></head><body><h1>Page not found</h1></body></html>"
    s = incremental(gbaf_spider())
    for path, kind in s.cheap_sources:
        s._cheap_request(BASE + path, kind)
    walked = []
    for path, kind in s.cheap_sources:
        walked += list(s.parse_cheap(cheap_response(s, path, soft404, source=kind)))
    assert not s.cheap["complete_sitemap"]
    assert s.crawler.stats.get_value("gbaf/cheap/unreadable/sitemap") == 2
    assert s.crawler.stats.get_value("gbaf/cheap/unreadable/feed") == 1
    assert any(r.meta["kind"] == "category" for r in walked)


def test_listing_and_home_pages_that_are_not_html_are_counted_not_a_crash():
    s = gbaf_spider()
    for url, kind, parse in ((f"{BASE}/category/banking/", "category", s.parse_listing),
                             (f"{BASE}/", "home", s.parse_home)):
        for response in (Response(url, body=b"\x89PNG\r\n\x1a\n", request=Request(url, meta={"kind": kind})),
                         TextResponse(url, body=b'{"page": 1}', encoding="utf-8",
                                      request=Request(url, meta={"kind": kind}))):
            assert list(parse(response)) == []
        assert s.crawler.stats.get_value(f"gbaf/pages/not_html/{kind}") == 2


def test_control_characters_in_a_page_do_not_reach_the_record_or_hide_its_byline():
    from pathlib import Path

    html = (Path(__file__).parent / "fixtures" / "pages" / "gbaf-app-router.html").read_bytes()
    url = f"{BASE}/some-story/"
    records = []
    for body in (html, html.replace(b"<p>", b"<p>\x00", 5), html.replace(b"<p>", b"<p>\x01\x0b\x1f", 5)):
        s = gbaf_spider()
        response = HtmlResponse(url, body=body, request=Request(url, meta={"kind": "article"}))
        records.append([dict(i) for i in s.parse_article(response) if not isinstance(i, Request)][0])
    plain = records[0]
    for record in records[1:]:
        assert record["body"] == plain["body"] and record["authors"] == plain["authors"]
        assert not any(c in record["body"] for c in "\ufffd\x00\x01\x0b\x1f")
    assert s.crawler.stats.get_value("gbaf/encoding/control_chars_removed") == 1


def test_a_sitemap_index_whose_children_cannot_be_read_is_no_complete_picture():
    # Children on another host, or longer than URLLENGTH_LIMIT (Scrapy's middleware would drop the
    # request unseen and the run would wait for it for ever): the listings are walked.
    index = INDEX.replace(b"https://www.globalbankingandfinance.com/sitemap.xml", b"https://cdn.example.com/s1.xml")
    index = index.replace(b"/sitemaps/posts.xml", b"/sitemaps/" + b"p" * 3000 + b".xml")
    s = incremental(gbaf_spider())
    for path, kind in s.cheap_sources:
        s._cheap_request(BASE + path, kind)
    walked = list(s.parse_cheap(cheap_response(s, "/sitemap.xml", index)))
    assert not [r for r in walked if r.meta.get("child_of_index")]
    assert s.crawler.stats.get_value("gbaf/cheap/skipped/unfetchable_child") == 2
    news = cheap_response(s, "/sitemap-news.xml", INDEX.replace(b"sitemapindex", b"urlset").replace(b"sitemap>", b"url>"))
    walked += list(s.parse_cheap(news))
    walked += list(s.parse_cheap(cheap_response(s, "/feed/", b"<rss><channel></channel></rss>", source="feed")))
    assert s.cheap_pending == 0 and any(r.meta["kind"] == "category" for r in walked)


def test_a_pdf_or_image_at_an_article_url_is_not_parsed_as_a_page():
    # Scrapy sniffs a body with few control bytes as text: a PDF reached parse_article as a
    # TextResponse and was parsed, then remembered as "no article signals".
    s = gbaf_spider()
    url = f"{BASE}/some-story/"
    for media, body in (("application/pdf", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n%%EOF"),
                        ("image/svg+xml; charset=utf-8", b"GIF89a not really")):
        response = TextResponse(url, body=body, encoding="utf-8", headers={"Content-Type": media},
                                request=Request(url, meta={"kind": "article"}))
        assert list(s.parse_article(response)) == []
    assert s.crawler.stats.get_value("gbaf/pages/not_html") == 2
    assert not s.crawler.stats.get_value("gbaf/pages/not_article/no_article_signals")
    # HTML served as octet-stream (a misconfigured server) is still read.
    html = (Path(__file__).parent / "fixtures" / "pages" / "gbaf-app-router.html").read_bytes()
    response = HtmlResponse(url, body=html, headers={"Content-Type": "application/octet-stream"},
                            request=Request(url, meta={"kind": "article"}))
    assert [i for i in s.parse_article(response) if not isinstance(i, Request)]


def test_a_listing_nested_thousands_of_elements_deep_is_read_not_a_recursion_error():
    deep = 2000  # past Python's recursion limit, within lxml's depth bound for parsel's huge trees
    body = (b"<html><body><main>" + b"<div>" * deep + b'<article><a href="/deep-story/">Deep</a></article>'
            + b"</div>" * deep + b"</main></body></html>")
    url = f"{BASE}/category/banking/"
    response = HtmlResponse(url, body=body, request=Request(url, meta={"page": 1, "kind": "category"}))
    assert [r.url for r in gbaf_spider().parse_listing(response)] == [f"{BASE}/deep-story/"]


def test_an_article_nested_past_libxml2s_default_depth_still_makes_its_record():
    html = (Path(__file__).parent / "fixtures" / "pages" / "gbaf-app-router.html").read_bytes()
    url = f"{BASE}/some-story/"
    deep = html.replace(b"<body>", b"<body>" + b"<div>" * 1000 + b"x" + b"</div>" * 1000, 1)
    records = []
    for body in (html, deep):
        response = HtmlResponse(url, body=body, request=Request(url, meta={"kind": "article"}))
        records.append([dict(i) for i in gbaf_spider().parse_article(response) if not isinstance(i, Request)])
    assert records[1] and records[1][0]["title"] == records[0][0]["title"]
    assert records[1][0]["body"] == records[0][0]["body"]


def test_a_sitemap_of_thousands_is_queued_as_urls_and_fed_as_the_scheduler_empties():
    """A first run's sitemap lists every article: the spider hands Scrapy's scheduler at most
    GBAF_FRONTIER_TARGET requests at once and keeps the rest as URLs, each requested once, related
    links after the sitemap's articles."""
    urls = [f"https://www.globalbankingandfinance.com/story-{i}/" for i in range(1000)]
    sitemap = (SITEMAP_NS + b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
               + b"".join(b"<url><loc>%s</loc></url>" % u.encode() for u in urls) + b"</urlset>")
    s = gbaf_spider()
    s.cheap_pending = 1
    first = [r for r in s.parse_cheap(cheap_response(s, "/sitemaps/posts.xml", sitemap))
             if r.meta["kind"] == "article"]
    assert len(first) == s.frontier_target == 64
    assert len(s.frontier) == 1000 - 64
    assert s._wanted_article(f"{BASE}/story-500/", "related", defer=True) is None  # waiting already
    assert s._wanted_article(f"{BASE}/related-only/", "related", defer=True) is None  # joins the frontier
    fed = [r.url for r in s._feed(10_000)]
    assert len(fed) == 1000 - 64 + 1 and fed[-1] == f"{BASE}/related-only/"
    assert len(set(fed) | {r.url for r in first}) == 1001 and not s.frontier
    assert list(s._feed(10)) == []


def test_a_listing_claims_an_article_waiting_in_the_frontier():
    s = gbaf_spider(categories="banking")
    url = f"{BASE}/some-story/"
    assert s._wanted_article(url, "related", defer=True) is None
    listed = [r for r in s.parse_listing(listing_response()) if r.url == url]
    assert len(listed) == 1 and listed[0].meta["listed"]
    assert list(s._feed(10)) == []  # not requested a second time from the frontier


def test_a_parsed_page_is_freed_when_its_callback_is_done_not_when_the_cycle_collector_runs():
    """A page kept alive by a reference cycle waits for a full collection with its whole tree (C
    memory Python does not count): in a crawl's listing phase that was ~45 MiB of RSS."""
    import gc
    import weakref

    s = gbaf_spider()
    article = (b'<html><head><title>A story</title></head><body><main><article><h1>A story</h1>'
               b'<p>Posted on March 6, 2026</p>' + b'<p>Words of the story are here for the reader. </p>' * 20 +
               b'<h2>More from Headlines</h2><a href="/other-story/">Other story</a></article></main></body></html>')
    cases = [(s.parse_home, f"{BASE}/", LISTING), (s.parse_listing, f"{BASE}/category/banking/", LISTING),
             (s.parse_article, f"{BASE}/a-story/", article)]
    gc.collect()
    gc.disable()
    try:
        for parse, url, body in cases:
            response = HtmlResponse(url, body=body, request=Request(url, meta={"page": 1}))
            alive = weakref.ref(response)
            output = list(parse(response))
            del response
            assert alive() is None, f"{parse.__name__} left its response in a reference cycle"
            assert output or parse != s.parse_article
    finally:
        gc.enable()


def test_no_callback_is_a_generator_that_returns_a_value():
    """WARN_ON_GENERATOR_RETURN_VALUE is off (Scrapy re-read the source of every callback): the
    check it made at run time, made here once on every generator the spider has."""
    import inspect

    from scrapy.utils.misc import is_generator_with_return_value

    from crawler import settings

    assert settings.WARN_ON_GENERATOR_RETURN_VALUE is False
    generators = [f for _n, f in inspect.getmembers(GbafSpider, inspect.isfunction)
                  if inspect.isgeneratorfunction(inspect.unwrap(f))]
    assert {f.__name__ for f in generators} >= {"parse_home", "parse_listing", "parse_article", "parse_cheap"}
    assert [f.__name__ for f in generators if is_generator_with_return_value(inspect.unwrap(f))] == []


def test_an_incremental_run_asks_the_cheap_sources_conditionally_and_a_304_is_nothing_new():
    s = incremental(gbaf_spider())
    s.run_state.validators = lambda urls: {u: {"etag": '"v1"', "last_modified": "Mon, 02 Mar 2026 10:00:00 GMT"}
                                           for u in urls}
    requests = [s._cheap_request(BASE + path, kind) for path, kind in s.cheap_sources]
    assert all(r.headers.get("If-None-Match") == b'"v1"' for r in requests)
    assert all(r.headers.get("If-Modified-Since") == b"Mon, 02 Mar 2026 10:00:00 GMT" for r in requests)
    assert all(304 in r.meta["handle_httpstatus_list"] for r in requests)
    out = []
    for r in requests:
        out += list(s.parse_cheap(Response(r.url, status=304, request=r)))
    assert out == [] and s.crawler.stats.get_value("gbaf/incremental/listings") == "skipped"
    assert s.crawler.stats.get_value("gbaf/cheap/not_modified/sitemap") == 2
    first = gbaf_spider()  # a first (or full) run reads every source whole
    assert not first._cheap_request(BASE + "/feed/", "feed").headers.get("If-None-Match")
