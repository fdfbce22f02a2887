"""Downloader middlewares: retries that wait, robots.txt checked for every request and read as RFC 9309
says, redirect loops reported.

Scrapy's RetryMiddleware retries at once; a site that answers 429 or 503 asks for a pause. This one
retries after `Retry-After` when the response gives it (seconds or an HTTP date, capped by
`GBAF_RETRY_AFTER_MAX`), else after an exponential backoff with jitter
(`GBAF_RETRY_BACKOFF_BASE` * 2^attempt, capped by `GBAF_RETRY_BACKOFF_MAX`). The pause is an
asyncio sleep for that one request: the rest of the crawl goes on meanwhile. A 200 with an empty
body is retried the same way (a server that had nothing to send then), and fails for good after
the retries, rather than pass for a page that has no article in it.
"""
import asyncio
import logging
import random
import re
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
_SECONDS = re.compile(r"[0-9]+(?:\.[0-9]+)?")
# RFC 9309 2.3.1.4: a robots.txt the server cannot give means "disallow everything".
DISALLOW_ALL = b"User-agent: *\nDisallow: /\n"


def retry_after_seconds(value, now=None):
    """Seconds a Retry-After header asks for (delta-seconds or HTTP-date), or None."""
    if not value:
        return None
    value = value.decode("latin-1") if isinstance(value, bytes) else str(value)
    value = value.strip()
    if _SECONDS.fullmatch(value):  # ASCII digits only: str.isdigit() takes "²", float() does not
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
        if request.meta.get("dont_retry", False):
            return response
        if response.status == 200 and _empty(request, response):
            self.crawler.stats.inc_value("retry/empty_body")
            retry = await self._paused_retry(request, "empty body")
            if retry is None:
                raise IgnoreRequest(f"empty body (200, no content) after retries: {request.url}")
            return retry
        if response.status not in self.retry_http_codes:
            return response
        retry = await self._paused_retry(request, response_status_message(response.status), response)
        return response if retry is None else retry

    async def process_exception(self, request, exception):
        if request.meta.get("dont_retry", False) or not isinstance(exception, self.exceptions_to_retry):
            return None
        return await self._paused_retry(request, exception)

    async def _paused_retry(self, request, reason, response=None):
        """The retry of request after its pause, or None when its retries are spent."""
        wait = self.delay(request, response)
        retry = self._retry(request, reason)
        if retry is not None and wait > 0:
            await asyncio.sleep(wait)
        return retry


def _empty(request, response):
    """A 200 answer to a GET with no content at all (robots.txt may be empty: it allows everything)."""
    return (request.method == "GET" and not request.meta.get("dont_obey_robotstxt")
            and not response.body.strip())


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

    async def _parse_robots(self, response, netloc, request):
        """Rules from a robots.txt that is there; none from an error page (RFC 9309 2.3.1).

        Scrapy parses whatever body came back: an HTML "not found" or "service unavailable" page
        read as robots.txt gives rules by chance. A 4xx means there is no robots.txt (everything
        allowed); a 5xx (or 429) after the retries means the server cannot say (everything disallowed, unless
        `GBAF_ROBOTS_UNAVAILABLE=allow`). The sitemaps robots.txt names go to the spider."""
        status = response.status
        if status >= 400:
            stats = self.crawler.stats
            # 429 is the server asking for a pause, not saying there is no robots.txt (as Google reads it).
            allow = (status < 500 and status != 429) or \
                self.crawler.settings.get("GBAF_ROBOTS_UNAVAILABLE", "disallow") == "allow"
            stats.inc_value(f"robotstxt/unavailable/http_{status}")
            if allow:
                logger.info("robots.txt of %s answered %d: no rules, everything allowed", netloc, status)
            else:
                logger.error("robots.txt of %s answered %d after retries: everything disallowed (RFC 9309; "
                             "GBAF_ROBOTS_UNAVAILABLE=allow crawls anyway)", netloc, status)
            response = response.replace(body=b"" if allow else DISALLOW_ALL)
        await super()._parse_robots(response, netloc, request)
        sitemaps = getattr(getattr(self._parsers.get(netloc), "rp", None), "sitemaps", None)
        hook = getattr(self.crawler.spider, "robots_sitemaps", None)
        if sitemaps and hook is not None:
            try:
                hook(list(sitemaps))
            except Exception:  # a spider's hook must not cost the crawl its robots.txt
                logger.exception("robots.txt sitemaps of %s not taken", netloc)


class RedirectMiddleware(ScrapyRedirectMiddleware):
    """Scrapy's redirects, with loops reported: a redirect back to a URL of the same chain would be
    dropped silently by the duplicate filter; it fails the request instead (errback, run report).

    An article redirected to the home page or a category listing (how sites answer a removed
    story: a soft 404) fails too: that page was fetched already, so the duplicate filter would drop
    the redirect and the article would vanish from the run without a word."""

    async def process_response(self, request, response):
        result = super().process_response(request, response)
        if isinstance(result, Request) and result is not request:
            chain = [*request.meta.get("redirect_urls", []), request.url]
            if result.url in chain:
                self.crawler.stats.inc_value("redirect/loop")
                raise IgnoreRequest(f"redirect loop: {' -> '.join(chain + [result.url])}")
            if request.meta.get("kind") in ("article", "related") and _soft_404_target(result.url):
                self.crawler.stats.inc_value("redirect/to_non_article")
                raise IgnoreRequest(f"redirected to a non-article page (removed?): {request.url} -> {result.url}")
        return result


def _soft_404_target(url):
    """Whether a redirect target is the home page or a category listing (without a query: an old
    `/?p=123` shortlink is a hop of a redirect chain, not a landing page)."""
    from crawler.urls import kind_of_url

    return not urlparse_cached(Request(url)).query and kind_of_url(url) in ("home", "category")
