"""Downloader middlewares on their own: Retry-After parsing, backoff bounds."""
import asyncio
from datetime import datetime, timezone

import pytest

from crawler.middlewares import retry_after_seconds


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

    from crawler.middlewares import RedirectMiddleware

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
