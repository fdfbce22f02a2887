"""Downloader middlewares: retries that wait, robots.txt checked for every request, redirect loops reported.

Scrapy's RetryMiddleware retries at once; a site that answers 429 or 503 asks for a pause. This one
retries after `Retry-After` when the response gives it (seconds or an HTTP date, capped by
`GBAF_RETRY_AFTER_MAX`), else after an exponential backoff with jitter
(`GBAF_RETRY_BACKOFF_BASE` * 2^attempt, capped by `GBAF_RETRY_BACKOFF_MAX`). The pause is an
asyncio sleep for that one request: the rest of the crawl goes on meanwhile.
"""
import asyncio
import logging
import random
from email.utils import parsedate_to_datetime
from datetime import datetime, timezone

from scrapy import Request
from scrapy.downloadermiddlewares.redirect import RedirectMiddleware as ScrapyRedirectMiddleware
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware as ScrapyRobotsTxtMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.utils.httpobj import urlparse_cached
from scrapy.utils.response import response_status_message
from twisted.internet.defer import Deferred

logger = logging.getLogger(__name__)


def retry_after_seconds(value, now=None):
    """Seconds a Retry-After header asks for (delta-seconds or HTTP-date), or None."""
    if not value:
        return None
    value = value.decode("latin-1") if isinstance(value, bytes) else str(value)
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - (now or datetime.now(timezone.utc))).total_seconds())


class BackoffRetryMiddleware(RetryMiddleware):
    def __init__(self, settings):
        super().__init__(settings)
        self.base = settings.getfloat("GBAF_RETRY_BACKOFF_BASE", 1.0)
        self.cap = settings.getfloat("GBAF_RETRY_BACKOFF_MAX", 30.0)
        self.retry_after_cap = settings.getfloat("GBAF_RETRY_AFTER_MAX", 120.0)

    def delay(self, request, response=None):
        attempt = request.meta.get("retry_times", 0)
        asked = retry_after_seconds(response.headers.get("Retry-After")) if response is not None else None
        if asked is not None:
            self.crawler.stats.inc_value("retry/retry_after_honoured")
            return min(asked, self.retry_after_cap)
        backoff = min(self.cap, self.base * (2 ** attempt))
        return backoff * random.uniform(0.5, 1.0)

    async def process_response(self, request, response):
        if request.meta.get("dont_retry", False) or response.status not in self.retry_http_codes:
            return response
        wait = self.delay(request, response)
        retry = self._retry(request, response_status_message(response.status))
        if retry is None:
            return response
        if wait > 0:
            await asyncio.sleep(wait)
        return retry

    async def process_exception(self, request, exception):
        if request.meta.get("dont_retry", False) or not isinstance(exception, self.exceptions_to_retry):
            return None
        wait = self.delay(request)
        retry = self._retry(request, exception)
        if retry is not None and wait > 0:
            await asyncio.sleep(wait)
        return retry


class RobotsTxtMiddleware(ScrapyRobotsTxtMiddleware):
    """Scrapy's robots.txt middleware, with every waiting request checked.

    In Scrapy 2.19, the requests that wait for robots.txt to arrive await the same Deferred through
    `maybe_deferred_to_future`; the first gets the parser, every other one gets None (the Future
    adapter passes None down the Deferred's chain) and is fetched without a check: a crawl's first
    requests could fetch disallowed pages. Once the wait is over the parser is in `_parsers`: use it.
    """

    async def robot_parser(self, request):
        parser = await super().robot_parser(request)
        if parser is None:
            current = self._parsers.get(urlparse_cached(request).netloc)
            if current is not None and not isinstance(current, Deferred):
                return current
        return parser


class RedirectMiddleware(ScrapyRedirectMiddleware):
    """Scrapy's redirects, with loops reported: a redirect back to a URL of the same chain would be
    dropped silently by the duplicate filter; it fails the request instead (errback, run report)."""

    async def process_response(self, request, response):
        result = super().process_response(request, response)
        if isinstance(result, Request) and result is not request:
            chain = [*request.meta.get("redirect_urls", []), request.url]
            if result.url in chain:
                self.crawler.stats.inc_value("redirect/loop")
                raise IgnoreRequest(f"redirect loop: {' -> '.join(chain + [result.url])}")
        return result
