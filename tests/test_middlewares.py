"""Downloader middlewares on their own: Retry-After parsing, backoff bounds."""
import asyncio
from datetime import datetime, timezone

import pytest

from crawler.fetch.middlewares import retry_after_seconds


@pytest.mark.parametrize("value,expected", [
    ("7", 7.0), (b"120", 120.0), ("Wed, 25 Nov 2026 06:00:30 GMT", 30.0), ("garbage", None), ("", None),
    ("Wed, 25 Nov 2026 05:00:00 GMT", 0.0),  # a date in the past: no wait
    ("1.5", 1.5), ("-10", None), ("\u00b2", None), ("\u0663", None),  # "²" and "٣" pass str.isdigit()
    ("99999999999", 99999999999.0),  # capped by GBAF_RETRY_AFTER_MAX where it is used
])
def test_retry_after_seconds(value, expected):
    now = datetime(2026, 11, 25, 6, 0, 0, tzinfo=timezone.utc)
    assert retry_after_seconds(value, now=now) == expected


def _redirect(url, location, kind="article"):
    from scrapy.http import Request, Response
    from scrapy.utils.test import get_crawler

    from crawler.fetch.middlewares import RedirectMiddleware

    crawler = get_crawler(settings_dict={"REDIRECT_MAX_TIMES": 5})
    mw = RedirectMiddleware.from_crawler(crawler)
    request = Request(url, meta={"kind": kind})
    response = Response(url, status=301, headers={"Location": location}, request=request)
    return asyncio.run(mw.process_response(request, response)), crawler.stats


def test_an_article_redirected_to_the_home_page_or_a_listing_fails_as_a_soft_404():
    from scrapy.exceptions import IgnoreRequest

    for target in ("/", "/category/banking/"):
        with pytest.raises(IgnoreRequest, match="non-article page"):
            _redirect("http://127.0.0.1:9/removed-story/", target)
    # Hops of a redirect chain still redirect: an old shortlink, another article, a listing's own move.
    assert _redirect("http://127.0.0.1:9/old-story/", "/?p=123")[0].url == "http://127.0.0.1:9/?p=123"
    assert _redirect("http://127.0.0.1:9/old-story/", "/new-story/")[0].url == "http://127.0.0.1:9/new-story/"
    assert _redirect("http://127.0.0.1:9/category/x/", "/", kind="category")[0].url == "http://127.0.0.1:9/"


@pytest.mark.parametrize("location,why", [
    ("http://169.254.169.254/latest/meta-data/", "other_host"),
    ("http://127.0.0.2:8080/story/", "other_host"),
    ("http://2130706433:8080/story/", "other_host"),  # 127.0.0.1 written as one decimal number
    ("http://localhost:8080/story/", "other_host"),
    ("//127.0.0.2:8080/story/", "other_host"),  # protocol-relative
    ("http://127.0.0.1:8080@127.0.0.2:8080/story/", "userinfo"),
    ("http://user@127.0.0.1:8080/story/", "userinfo"),
    ("http://127.0.0.2:8080\\@127.0.0.1:8080/story/", "backslash"),  # urllib's host is not a browser's
    ("/\\127.0.0.2/story/", "backslash"),
    ("http://127.0.0.1:8081/story/", "other_port"),  # Scrapy's offsite check compares host names only
    ("https://127.0.0.1:8080/story/", "other_port"),
    ("ftp://127.0.0.1:8080/story/", None),  # not followed at all (Scrapy keeps the 301 response)
])
def test_a_redirect_off_the_site_fails_with_its_reason(location, why):
    from scrapy.exceptions import IgnoreRequest

    if why is None:
        result, _ = _redirect("http://127.0.0.1:8080/old-story/", location)
        assert result.status == 301
        return
    with pytest.raises(IgnoreRequest, match=r"leaves the site \(%s\)" % why) as caught:
        _redirect("http://127.0.0.1:8080/old-story/", location)
    from crawler.fetch.middlewares import failure_reason
    assert failure_reason(caught.value) == "redirect_offsite"


@pytest.mark.parametrize("source,target,why", [
    ("http://www.example.com/a/", "https://www.example.com/a/", None),  # the usual upgrade to https
    ("http://www.example.com/a/", "https://www.example.com:443/a/", None),
    ("https://www.example.com/a/", "http://www.example.com/a/", None),
    ("https://www.example.com/a/", "https://www.example.com:8443/a/", "other_port"),
    ("https://www.example.com/a/", "https://example.com/a/", "other_host"),
    ("https://www.example.com/a/", "https://www.example.com/b/", None),
])
def test_the_site_is_its_host_and_port(source, target, why):
    from crawler.fetch.middlewares import offsite_reason

    assert offsite_reason(source, target, target) == why


def test_a_meta_refresh_off_the_site_fails_too():
    from scrapy.exceptions import IgnoreRequest
    from scrapy.http import HtmlResponse, Request
    from scrapy.utils.test import get_crawler

    from crawler.fetch.middlewares import MetaRefreshMiddleware

    mw = MetaRefreshMiddleware.from_crawler(get_crawler())
    request = Request("http://127.0.0.1:8080/story/")
    body = b'<html><head><meta http-equiv="refresh" content="0;url=http://169.254.169.254/"></head></html>'
    response = HtmlResponse(request.url, body=body, request=request)
    with pytest.raises(IgnoreRequest, match="leaves the site"):
        asyncio.run(mw.process_response(request, response))
    body = body.replace(b"http://169.254.169.254/", b"/other-story/")
    response = HtmlResponse(request.url, body=body, request=request)
    assert asyncio.run(mw.process_response(request, response)).url == "http://127.0.0.1:8080/other-story/"
