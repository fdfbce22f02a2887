"""Downloader middlewares: retries that wait, robots.txt checked for every request and read as RFC 9309
says, redirects kept on the site and their loops reported.

Scrapy's RetryMiddleware retries at once; a site that answers 429 or 503 asks for a pause. This one
retries after `Retry-After` when the response gives it (seconds or an HTTP date, capped by
`GBAF_RETRY_AFTER_MAX`), else after an exponential backoff with jitter
(`GBAF_RETRY_BACKOFF_BASE` * 2^attempt, capped by `GBAF_RETRY_BACKOFF_MAX`). The pause is an
asyncio sleep for that one request: the rest of the crawl goes on meanwhile. A 200 with an empty
body is retried the same way (a server that had nothing to send then), and fails for good after
the retries, rather than pass for a page that has no article in it.
"""
from __future__ import annotations

import asyncio
import logging
import random
import re
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from scrapy import Request, signals
from scrapy.downloadermiddlewares.redirect import MetaRefreshMiddleware as ScrapyMetaRefreshMiddleware
from scrapy.downloadermiddlewares.redirect import RedirectMiddleware as ScrapyRedirectMiddleware
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware as ScrapyRobotsTxtMiddleware
from scrapy.exceptions import IgnoreRequest, StopDownload
from scrapy.utils.httpobj import urlparse_cached
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.response import response_status_message
from twisted.internet.defer import Deferred

from crawler.defaults import setting

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from scrapy.robotstxt import RobotParser
    from scrapy.settings import BaseSettings

logger = logging.getLogger(__name__)
_SECONDS = re.compile(r"[0-9]+(?:\.[0-9]+)?")
# RFC 9309 2.3.1.4: a robots.txt the server cannot give means "disallow everything".
DISALLOW_ALL = b"User-agent: *\nDisallow: /\n"
# RFC 9309 2.5: a crawler must parse at least the first 500 KiB of a robots.txt; past that (Google
# stops at 500 KiB too) the rest is not read, rather than the whole file lost to DOWNLOAD_MAXSIZE.
ROBOTS_PARSE_LIMIT = 500 * 1024
_DEFAULT_PORTS = {"http": 80, "https": 443}


def retry_after_seconds(value: str | bytes | None, now: datetime | None = None) -> float | None:
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
    def __init__(self, settings: BaseSettings) -> None:
        super().__init__(settings)
        self.base = setting(settings, "GBAF_RETRY_BACKOFF_BASE")
        self.cap = setting(settings, "GBAF_RETRY_BACKOFF_MAX")
        self.retry_after_cap = setting(settings, "GBAF_RETRY_AFTER_MAX")

    def delay(self, request: Request, response: Response | None = None) -> float:
        attempt = request.meta.get("retry_times", 0)
        asked = retry_after_seconds(response.headers.get("Retry-After")) if response is not None else None
        if asked is not None:
            self.crawler.stats.inc_value("retry/retry_after_honoured")
            return min(asked, self.retry_after_cap)
        backoff = min(self.cap, self.base * (2 ** attempt))
        return backoff * random.uniform(0.5, 1.0)

    async def process_response(self, request: Request, response: Response) -> Request | Response:
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

    async def process_exception(self, request: Request, exception: BaseException) -> Request | None:
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
    """Scrapy's robots.txt middleware, with every waiting request checked, and robots.txt read as
    RFC 9309 says: an unreachable one (refused, dropped, timed out, a 5xx after the retries)
    disallows everything, and a large one is parsed up to its first 500 KiB.

    In Scrapy 2.19, the requests that wait for robots.txt to arrive await the same Deferred through
    `maybe_deferred_to_future`; the first gets the parser, every other one gets None (the Future
    adapter passes None down the Deferred's chain) and is fetched without a check: a crawl's first
    requests could fetch disallowed pages. Once the wait is over the parser is in `_parsers`: use it.
    Scrapy itself allows everything when robots.txt could not be downloaded at all.
    """

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self.allow_unavailable = setting(crawler.settings, "GBAF_ROBOTS_UNAVAILABLE") == "allow"
        self.maxsize = crawler.settings.getint("DOWNLOAD_MAXSIZE")
        crawler.signals.connect(self._robots_bytes, signal=signals.bytes_received)

    async def process_request(self, request: Request, spider: Spider | None = None) -> None:
        if request.meta.get("dont_obey_robotstxt") and urlparse_cached(request).path == "/robots.txt":
            # Downloaded whole up to ROBOTS_PARSE_LIMIT, then stopped (_robots_bytes): DOWNLOAD_MAXSIZE
            # would cancel a large file before its first byte (Content-Length) and leave no rules.
            # Each attempt (a retry too) counts from 0.
            request.meta["gbaf_robots_read"] = 0
            request.meta["download_maxsize"] = 0
            return None
        return await super().process_request(request)

    def _robots_bytes(self, data, request, spider=None):
        if "gbaf_robots_read" not in request.meta:
            return
        # The transfer's bound was read when the body began: from here on download_maxsize bounds
        # only the decompression of the body (HttpCompressionMiddleware), as for any page.
        request.meta["download_maxsize"] = self.maxsize
        request.meta["gbaf_robots_read"] += len(data)
        if request.meta["gbaf_robots_read"] >= ROBOTS_PARSE_LIMIT:
            raise StopDownload(fail=False)

    async def robot_parser(self, request: Request) -> RobotParser | None:
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
        stats = self.crawler.stats
        if status >= 400:
            # 429 is the server asking for a pause, not saying there is no robots.txt (as Google reads it).
            allow = (status < 500 and status != 429) or self.allow_unavailable
            stats.inc_value(f"robotstxt/unavailable/http_{status}")
            if allow:
                logger.info("robots.txt of %s answered %d: no rules, everything allowed", netloc, status)
            else:
                logger.error("robots.txt of %s answered %d after retries: everything disallowed (RFC 9309; "
                             "GBAF_ROBOTS_UNAVAILABLE=allow crawls anyway)", netloc, status)
            response = response.replace(body=b"" if allow else DISALLOW_ALL)
        elif len(response.body) >= ROBOTS_PARSE_LIMIT or "download_stopped" in response.flags:
            stats.inc_value("robotstxt/truncated")
            logger.warning("robots.txt of %s is larger than %d KiB: its first %d KiB are read (RFC 9309 2.5)",
                           netloc, ROBOTS_PARSE_LIMIT // 1024, ROBOTS_PARSE_LIMIT // 1024)
            body = response.body[:ROBOTS_PARSE_LIMIT]
            response = response.replace(body=body[:body.rfind(b"\n") + 1] or body)  # no half rule
        await super()._parse_robots(response, netloc, request)
        sitemaps = getattr(getattr(self._parsers.get(netloc), "rp", None), "sitemaps", None)
        hook = getattr(self.crawler.spider, "robots_sitemaps", None)
        if sitemaps and hook is not None:
            try:
                hook(list(sitemaps))
            except Exception:  # a spider's hook must not cost the crawl its robots.txt
                logger.exception("robots.txt sitemaps of %s not taken", netloc)

    def _robots_error(self, exc, netloc):
        """robots.txt not downloaded at all (refused, dropped, timed out after the retries, a
        redirect off the site): unreachable, so everything is disallowed (RFC 9309 2.3.1.4)."""
        reason = failure_reason(exc).lower()
        self.crawler.stats.inc_value(f"robotstxt/unavailable/{reason}")
        if self.allow_unavailable:
            logger.warning("robots.txt of %s unreachable (%s): everything allowed (GBAF_ROBOTS_UNAVAILABLE=allow)",
                           netloc, reason)
            parser = None
        else:
            logger.error("robots.txt of %s unreachable (%s): everything disallowed (RFC 9309; "
                         "GBAF_ROBOTS_UNAVAILABLE=allow crawls anyway)", netloc, reason)
            parser = build_from_crawler(self._parserimpl, self.crawler, DISALLOW_ALL)
        waiting = self._parsers[netloc]
        self._parsers[netloc] = parser  # before the waiting requests resume
        waiting.callback(parser)


_REASONS = (("leaves the site", "redirect_offsite"), ("empty body", "empty_body"),
            ("non-article page", "redirect_to_non_article"),
            ("robots.txt", "forbidden_by_robots"), ("offsite", "offsite"),
            ("max redirections", "redirect_loop"), ("redirect loop", "redirect_loop"),
            ("maxsize", "too_large"), ("max size", "too_large"), ("exceeds", "too_large"),
            ("downloadcancelled", "too_large"), ("timed out", "timeout"), ("timeout", "timeout"),
            ("connection was closed", "connection_lost"), ("connectionlost", "connection_lost"),
            ("dataloss", "connection_lost"), ("dns", "dns"), ("refused", "connection_refused"),
            ("gzip", "bad_content_encoding"), ("decompress", "bad_content_encoding"),
            ("parseerror", "bad_response"), ("wrong number of parts", "bad_response"))


def failure_reason(exc: BaseException) -> str:
    """A short, stable reason for a request that failed for good (report and stats keys)."""
    text = f"{type(exc).__name__} {exc}".lower()
    for needle, reason in _REASONS:
        if needle in text:
            return reason
    return type(exc).__name__


def offsite_reason(source: str, target: str, location: str = "") -> str | None:
    """Why a redirect from source to target leaves the site, or None when it stays on it.

    The site is its host and port: Scrapy's offsite check compares host names only, so a redirect
    to another port of the same host (another service) was followed. The scheme may change only
    between the default ports (http://host -> https://host). A Location with a backslash or with
    user info is refused whatever it resolves to: browsers and URL parsers disagree on its host
    (`http://evil\\@site/` is evil's for a browser, site's for urllib), a classic way out."""
    if "\\" in location:
        return "backslash"
    src, dst = urlsplit(source), urlsplit(target)
    if "@" in dst.netloc or "@" in urlsplit(location).netloc:
        return "userinfo"
    if dst.scheme not in _DEFAULT_PORTS:
        return "scheme"
    if (dst.hostname or "") != (src.hostname or ""):
        return "other_host"
    try:
        src_port = src.port or _DEFAULT_PORTS.get(src.scheme)
        dst_port = dst.port or _DEFAULT_PORTS[dst.scheme]
    except ValueError:  # a port that is no number
        return "other_port"
    same = src.scheme == dst.scheme and src_port == dst_port
    upgrade = src_port == _DEFAULT_PORTS.get(src.scheme) and dst_port == _DEFAULT_PORTS[dst.scheme]
    return None if same or upgrade else "other_port"


class _SiteBound:
    """The checks both redirect middlewares make of the request they would follow."""

    def _checked(self, request, response, result):
        if not isinstance(result, Request) or result is request:
            return result
        chain = [*request.meta.get("redirect_urls", []), request.url]
        location = (response.headers.get("Location") or b"").decode("latin-1")
        why = offsite_reason(chain[0], result.url, location)
        if why:
            self.crawler.stats.inc_value(f"redirect/offsite/{why}")
            logger.info("redirect leaves the site (%s), not followed: %s -> %s", why, request.url, result.url)
            raise IgnoreRequest(f"redirect leaves the site ({why}): {request.url} -> {result.url}")
        if result.url in chain:
            self.crawler.stats.inc_value("redirect/loop")
            raise IgnoreRequest(f"redirect loop: {' -> '.join(chain + [result.url])}")
        if request.meta.get("kind") in ("article", "related") and _soft_404_target(result.url):
            self.crawler.stats.inc_value("redirect/to_non_article")
            raise IgnoreRequest(f"redirected to a non-article page (removed?): {request.url} -> {result.url}")
        return result


class RedirectMiddleware(_SiteBound, ScrapyRedirectMiddleware):
    """Scrapy's redirects, kept on the site and with loops reported. A redirect elsewhere (another
    host or port, see offsite_reason) was dropped by Scrapy's offsite filter when scheduled, with
    no errback; a redirect back to a URL of the same chain would be dropped silently by the
    duplicate filter. Both fail the request instead (errback, run report).

    An article redirected to the home page or a category listing (how sites answer a removed
    story: a soft 404) fails too: that page was fetched already, so the duplicate filter would drop
    the redirect and the article would vanish from the run without a word."""

    async def process_response(self, request: Request, response: Response,
                               spider: Spider | None = None) -> Request | Response:
        return self._checked(request, response, super().process_response(request, response))


class MetaRefreshMiddleware(_SiteBound, ScrapyMetaRefreshMiddleware):
    """Scrapy's <meta http-equiv=refresh> redirects, with the checks of RedirectMiddleware."""

    async def process_response(self, request: Request, response: Response,
                               spider: Spider | None = None) -> Request | Response:
        return self._checked(request, response, super().process_response(request, response))


def _soft_404_target(url):
    """Whether a redirect target is the home page or a category listing (without a query: an old
    `/?p=123` shortlink is a hop of a redirect chain, not a landing page)."""
    from crawler.urls import kind_of_url

    return not urlparse_cached(Request(url)).query and kind_of_url(url) in ("home", "category")
