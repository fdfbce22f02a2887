"""Spider `gbaf`: routes the crawl of Global Banking & Finance Review; extraction lives in crawler.article.

Seeds: the home page (its navigation teaches the categories) and the category listings. Listings
give article links and the next page; every article page gives its record and its "More from"
related links and previous/next posts. Each kind of request has a name, a priority and a stats
counter (`gbaf/requests/<kind>`).

Arguments (plain strings, so Scrapyd can pass them):
  categories=headlines,banking   news categories to crawl (default: all)
  max_pages=N                    listing pages per category (default: no limit)
  since=YYYY-MM-DD               skip articles published before that day
  full=1                         fetch every article page, whatever the state store knows

Incremental runs (the state store knows articles already): the cheap sources the site names
(news sitemap, feed, sitemap index) come first; article pages are fetched only when unknown,
shown modified since the stored time, or published within the revisit window; listings are
walked only when the cheap sources leave a gap (missing, failing, or not reaching back to what is
known), and a category's pagination stops after `GBAF_LISTING_MARGIN` pages holding nothing new.

This module holds the spider's set-up from its arguments and settings, its seeds, its requests
and their routing (`parse`, `on_error`); the callbacks live in crawler/crawl/ by concern: the
cheap sources (sources.py), the home page and listings (listings.py), the article pages
(articles.py), and the frontier's feeding (feeding.py).
"""
from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Iterator
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urlsplit

import scrapy
import scrapy.signals
from scrapy.crawler import Crawler
from scrapy.http import Response
from twisted.python.failure import Failure

from crawler.arguments import SpiderArguments
from crawler.crawl.articles import ArticlePages
from crawler.crawl.feeding import FrontierFeeding, feeding
from crawler.crawl.listings import ListingPages
from crawler.crawl.sources import CheapSources, source_key
from crawler.defaults import setting
from crawler.distributed.worker import DistributedMixin
from crawler.fetch.middlewares import failure_reason
from crawler.fetch.render import Renderer
from crawler.frontier import Frontier
from crawler.run.lifecycle import run_state
from crawler.urls import SiteUrls, kind_of_url

PRIORITY = {"home": 30, "cheap": 40, "category": 5, "listing": 0, "article": 20, "related": 10}


class GbafSpider(DistributedMixin, CheapSources, ListingPages, ArticlePages, FrontierFeeding,
                 scrapy.Spider):
    name = "gbaf"

    def __init__(self, categories: str | None = None, max_pages: str | None = None, since: str | None = None,
                 full: str | None = None, _job: str | None = None, **kwargs: str):
        # Every -a argument but Scrapy's `name` is checked: a typo is an error, not ignored.
        own = {k: kwargs.pop(k) for k in list(kwargs) if k not in ("name",)}
        super().__init__(**kwargs)
        args = SpiderArguments.parse(categories=categories, max_pages=max_pages, since=since, full=full,
                                     _job=_job, **own)
        self.full, self.only_categories = args.full, args.categories
        self.max_pages, self.since = args.max_pages, args.since
        now = datetime.now(timezone.utc)
        self.run_id = _job or now.strftime("%Y%m%dT%H%M%SZ")
        self.run_date = now.strftime("%Y-%m-%d")
        self.categories_seen = set()
        self.cheap_pending = 0
        self.cheap = {"ok": 0, "failed": 0, "not_modified": 0, "urls": set(), "complete_sitemap": False}
        self.validators = {}  # cheap source URL -> the last committed run's ETag and Last-Modified
        # Sitemaps and feeds asked for: an index that lists itself, or a child that lists its index,
        # must not be asked for again (the duplicate filter would drop it unseen, and the run would
        # wait for ever for that source before deciding on the listings).
        self.cheap_requested = set()
        self.listings_started = False
        self.requested = set()  # article URLs this run made a request for (before the dupefilter)
        # Article URLs from sitemaps, the home page and related links, waiting for a request (_feed).
        self.frontier = Frontier()
        self.skipped_other_category = set()  # fetch URLs skipped as another category's (see parse_listing)

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> GbafSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        s = crawler.settings
        spider._configure(s)
        spider.setup_distributed(crawler)
        # Scrapy-redis shares its queue between workers: there, every request goes to it at once.
        target = setting(s, "GBAF_FRONTIER_TARGET")
        spider.lazy = not spider.distributed and target > 0
        spider.frontier_target = max(target, 2 * s.getint("CONCURRENT_REQUESTS", 16))
        crawler.signals.connect(spider._frontier_idle, signal=scrapy.signals.spider_idle)
        crawler.signals.connect(spider._frontier_closed, signal=scrapy.signals.spider_closed)
        # After crawler.run.jobdir.JobDirGuard has cleared the JOBDIR of a killed crawl (extensions are
        # built after the spider).
        crawler.signals.connect(spider._run_begun, signal=scrapy.signals.spider_opened)
        crawler.signals.connect(spider._frontier_restore, signal=scrapy.signals.spider_opened)
        spider.renderer = Renderer.from_crawler(crawler)
        # The run's state comes from its owner (crawler.run.lifecycle), built after the spider.
        spider.run_state, spider.state_failed, spider.incremental = None, False, False
        # Sitemaps and feeds do not say an article's category: a category crawl takes only their dates.
        spider.discover_from_cheap = spider.only_categories is None
        return spider

    def _configure(self, s):
        """What the spider takes from the settings, for a crawl and for the seeder alike."""
        self.site = SiteUrls(setting(s, "GBAF_BASE_URL"))
        self.data_dir = setting(s, "GBAF_DATA_DIR")  # %(data_dir)s in FEEDS
        # Never leave the site: offsite links are dropped by Scrapy, redirects elsewhere fail
        # (crawler.fetch.middlewares).
        self.allowed_domains = [urlsplit(self.site.base_url).hostname]
        self.max_listing_pages = setting(s, "GBAF_MAX_LISTING_PAGES")
        self.listing_links = {}  # category -> article links seen on its listing pages
        self.margin = setting(s, "GBAF_LISTING_MARGIN")
        self.cheap_sources = list(setting(s, "GBAF_CHEAP_SOURCES").items())
        self.run_state, self.state_failed, self.incremental = None, False, False
        self.lazy, self.frontier_target = False, 0

    @classmethod
    def for_seeding(cls, crawler: Crawler, **spider_args: str) -> GbafSpider:
        """A spider that only builds the first requests of a crawl (crawler.commands.seed puts them in the
        shared queue of a distributed crawl): no state store, no run, no signals, no Redis."""
        spider = cls(**spider_args)
        spider._set_crawler(crawler)
        spider._configure(crawler.settings)
        return spider

    def seed_requests(self) -> list[scrapy.Request]:
        """The first requests of a crawl from nothing: the cheap sources, then the home page and
        the category listings (what `start` yields on a first run)."""
        cheap = (self._cheap_request(self.site.base_url + path, kind) for path, kind in self.cheap_sources)
        return [r for r in cheap if r is not None] + list(self._listing_seeds())

    def _run_begun(self, spider=None):
        """The run as its owner began it: the store's view, or why there is none."""
        self.run_state = run_state(self.crawler)
        self.state_failed = self.run_state is None and setting(self.crawler.settings, "GBAF_STATE_ENABLED")
        self.incremental = bool(self.run_state is not None and not self.run_state.empty and not self.full)

    def _wanted_article(self, url, kind="article", defer=False):
        """A request for an article page, or None when the state store says it is not needed or
        this run asked for it already (most related links point at pages already requested: a
        Request built only for the duplicate filter to drop costs more than parsing the page).
        With defer, a wanted URL joins the frontier instead (None is returned; _feed requests it);
        without, a URL waiting there is requested now (a listing claims it)."""
        if url in self.requested:
            return None
        if url in self.frontier:
            if defer:
                return None
            self.frontier.claim(url)  # its frontier entry is skipped by _feed
        elif self.incremental:
            fetch, reason = self.run_state.needs_fetch(self.site.canonical(url))
            self.crawler.stats.inc_value(f"gbaf/incremental/{'fetch' if fetch else 'skip'}/{reason}")
            if not fetch:
                return None  # not remembered: a later source may show it modified
        if defer and self.lazy:
            self.frontier.add(url, kind)
            return None
        self.requested.add(url)
        return self._request(url, kind, self.parse_article)

    # --- requests ------------------------------------------------------------------------------
    def _request(self, url, kind, callback, **meta):
        self.crawler.stats.inc_value(f"gbaf/requests/{kind}")
        return scrapy.Request(url, callback=callback, errback=self.on_error, priority=PRIORITY[kind],
                              meta={"kind": kind, **meta})

    async def start(self) -> AsyncIterator[scrapy.Request]:
        if self.state_failed:
            return  # crawler.run.lifecycle.RunLifecycle closes the run with reason "state_error"
        if self.distributed:  # seeds come from the shared queue (crawler.distributed)
            async for request in self.distributed_start():
                yield request
            return
        if self.incremental:  # one batch for the validators of every cheap source
            self.validators = self.run_state.validators([source_key(path) for path, _ in self.cheap_sources])
        if not self.incremental:
            for request in self.seed_requests():
                yield request
            return
        for path, kind in self.cheap_sources:
            request = self._cheap_request(self.site.base_url + path, kind)
            if request:
                yield request

    # --- callbacks -----------------------------------------------------------------------------
    def parse(self, response: Response) -> Iterable | None:
        """A page of any kind, routed by its URL to the callback for it (`scrapy parse --spider gbaf
        URL`, a request made without a callback): a sitemap or the feed, the home page, a
        category listing, or an article."""
        path = urlsplit(response.url).path
        cheap = dict(self.cheap_sources).get(path) or ("sitemap" if path.endswith((".xml", ".xml.gz")) else None)
        if cheap or path.startswith("/feed"):
            response.meta.setdefault("source", cheap or "feed")
            response.meta.setdefault("kind", "cheap")
            self.cheap_pending += 1  # parse_cheap counts it done
            return self.parse_cheap(response)
        kind = kind_of_url(response.url)
        response.meta.setdefault("kind", kind)
        if kind == "home":
            return self.parse_home(response)
        if kind == "category":
            return self.parse_listing(response)
        if kind == "article":
            return self.parse_article(response)
        self.logger.info("no callback for a page of kind %r: %s", kind, response.url)
        return None

    @feeding
    def on_error(self, failure: Failure) -> Iterator[scrapy.Request]:
        request = failure.request
        kind = request.meta.get("kind", "unknown")
        response = getattr(failure.value, "response", None)
        reason = f"http_{response.status}" if response is not None else failure_reason(failure.value)
        if reason == "forbidden_by_robots":  # the site asked us not to: not a failure
            self.crawler.stats.inc_value("gbaf/skipped/robots")
            if kind == "cheap":  # a disallowed sitemap or feed is a source that gave nothing
                yield from self._cheap_done(ok=False)
            return
        if reason == "redirect_to_non_article" and self.run_state is not None:
            # A removed story: remembered like a page that is no article, not fetched every run.
            first = (request.meta.get("redirect_urls") or [request.url])[0]
            self.run_state.note_not_article(self.site.canonical(first), reason)
        self.crawler.stats.inc_value(f"gbaf/failures/{reason}")
        self.crawler.stats.inc_value(f"gbaf/failures/by_kind/{kind}")
        failed = self.crawler.stats.get_value("gbaf/failed_urls") or []
        if len(failed) < 1000:
            failed.append({"url": request.url, "kind": kind, "reason": reason})
            self.crawler.stats.set_value("gbaf/failed_urls", failed)
        quiet = reason == "http_404" and kind in ("related", "cheap")
        (self.logger.info if quiet else self.logger.warning)(
            "failed for good (%s) %s: %s", kind, reason, request.url)
        if kind == "cheap":
            if request.meta.get("child_of_index"):
                self.cheap["sitemap_failed"] = True
            yield from self._cheap_done(ok=False)
