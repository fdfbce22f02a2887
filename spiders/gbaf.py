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
"""
import functools
import re
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlsplit

import scrapy
import scrapy.exceptions
import scrapy.signals
from scrapy.http import TextResponse
from scrapy.selector import Selector
from lxml import etree
from scrapy.utils._compression import _DecompressionMaxSizeExceeded
from scrapy.utils.gz import gunzip
from scrapy.utils.sitemap import Sitemap

from crawler.arguments import SpiderArguments
from crawler.article import ArticlePage
from crawler.defaults import setting
from crawler.distributed.worker import DistributedMixin
from crawler.frontier import FILE_NAME as FRONTIER_FILE, Frontier
from crawler.run.lifecycle import run_state
from crawler.items import ArticleItem
from crawler.listing import listing_dates, listing_facts
from crawler.fetch.middlewares import failure_reason
from crawler.fetch.render import Renderer
from crawler.text import html_text, strip_control_chars, to_utc_iso
from crawler.urls import (KNOWN_CATEGORIES, NON_NEWS_SECTIONS, SiteUrls, category_of,
                          category_page_url, kind_of_url)

PRIORITY = {"home": 30, "cheap": 40, "category": 5, "listing": 0, "article": 20, "related": 10}


def _feeding(callback):
    """A callback whose output is followed by requests from the frontier (GbafSpider._feed)."""
    @functools.wraps(callback)
    def wrapper(self, *args, **kwargs):
        yield from callback(self, *args, **kwargs) or ()
        yield from self._feed()
    return wrapper


class GbafSpider(DistributedMixin, scrapy.Spider):
    name = "gbaf"

    def __init__(self, categories=None, max_pages=None, since=None, full=None, _job=None, **kwargs):
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
    def from_crawler(cls, crawler, *args, **kwargs):
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
    def for_seeding(cls, crawler, **spider_args) -> "GbafSpider":
        """A spider that only builds the first requests of a crawl (crawler.seed puts them in the
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

    # --- the frontier (crawler/frontier.py) ------------------------------------------------------
    # Every callback tops the scheduler up to GBAF_FRONTIER_TARGET requests from the frontier, so
    # the downloader never waits for work.
    def _room(self):
        try:
            return self.frontier_target - len(self.crawler.engine._slot.scheduler)
        except (AttributeError, RuntimeError, TypeError):  # no engine yet (tests) or another scheduler
            return self.frontier_target

    def _feed(self, room=None):
        for kind, url in self.frontier.take(self._room() if room is None else room):
            self.requested.add(url)
            yield self._request(url, kind, self.parse_article)

    def _frontier_idle(self, spider):
        """Nothing scheduled nor downloading: the frontier goes on (a batch of pages that gave no
        output, or failed, cannot end the crawl before it is empty)."""
        if spider is not self or not self.frontier:
            return
        for request in self._feed(self.frontier_target):
            self.crawler.engine.crawl(request)
        raise scrapy.exceptions.DontCloseSpider

    # A paused crawl (JOBDIR) keeps the frontier next to Scrapy's queue, and resumes it.
    def _frontier_path(self):
        jobdir = self.crawler.settings.get("JOBDIR")
        return Path(jobdir) / FRONTIER_FILE if jobdir and self.lazy else None

    def _frontier_closed(self, spider, reason):
        path = self._frontier_path()
        if spider is not self or path is None:
            return
        saved = self.frontier.save(path)
        if saved:
            self.logger.info("frontier saved for the resume: %d article URLs in %s", saved, path)

    def _frontier_restore(self, spider=None):
        path = self._frontier_path()
        if spider is not self or path is None or not path.exists():
            return
        try:
            waiting = self.frontier.restore(path)
        except (OSError, ValueError) as exc:
            self.logger.warning("frontier of the paused crawl unreadable (%s): %s", exc, path)
            return
        self.crawler.stats.set_value("gbaf/frontier/resumed", waiting)
        self.logger.info("resuming the frontier of the paused crawl: %d article URLs", waiting)

    # --- requests ------------------------------------------------------------------------------
    def _request(self, url, kind, callback, **meta):
        self.crawler.stats.inc_value(f"gbaf/requests/{kind}")
        return scrapy.Request(url, callback=callback, errback=self.on_error, priority=PRIORITY[kind],
                              meta={"kind": kind, **meta})

    def _wants(self, slug):
        if slug in NON_NEWS_SECTIONS:
            return False
        return self.only_categories is None or slug in self.only_categories

    def _category_request(self, slug):
        if slug in self.categories_seen or not self._wants(slug):
            return None
        self.categories_seen.add(slug)
        return self._request(category_page_url(self.site, slug), "category", self.parse_listing, page=1)

    async def start(self):
        if self.state_failed:
            return  # crawler.run.lifecycle.RunLifecycle closes the run with reason "state_error"
        if self.distributed:  # seeds come from the shared queue (crawler.distributed)
            async for request in self.distributed_start():
                yield request
            return
        if self.incremental:  # one batch for the validators of every cheap source
            self.validators = self.run_state.validators([_source_key(path) for path, _ in self.cheap_sources])
        if not self.incremental:
            for request in self.seed_requests():
                yield request
            return
        for path, kind in self.cheap_sources:
            request = self._cheap_request(self.site.base_url + path, kind)
            if request:
                yield request

    def _listing_seeds(self):
        self.listings_started = True
        yield self._request(self.site.base_url + "/", "home", self.parse_home)
        for slug in self.only_categories or KNOWN_CATEGORIES:
            request = self._category_request(slug)
            if request:
                yield request

    # --- cheap sources: sitemaps and the feed --------------------------------------------------
    def _cheap_request(self, url, source, **meta):
        """A request for a sitemap or feed not asked for yet this run (counted as pending), or None."""
        if url in self.cheap_requested:
            self.crawler.stats.inc_value("gbaf/cheap/skipped/already_requested")
            self.logger.info("%s named again, not fetched twice: %s", source, url)
            return None
        limit = self.crawler.settings.getint("URLLENGTH_LIMIT", 2083)
        if limit and len(url) > limit:  # Scrapy's UrlLengthMiddleware would drop it unseen
            self.crawler.stats.inc_value("gbaf/cheap/skipped/url_too_long")
            self.logger.warning("%s URL longer than URLLENGTH_LIMIT (%d), not fetched: %.200s...",
                                source, limit, url)
            return None
        self.cheap_requested.add(url)
        self.cheap_pending += 1
        request = self._request(url, "cheap", self.parse_cheap, source=source, handle_httpstatus_list=[304], **meta)
        request.headers.update(self._conditional_headers(url))
        return request

    def _conditional_headers(self, url):
        """If-None-Match / If-Modified-Since from what the last committed run got for this cheap
        source (incremental runs only: a first or full run reads every source whole)."""
        if not self.incremental or self.run_state is None:
            return {}
        key = _source_key(url)
        if key not in self.validators:
            self.validators.update(self.run_state.validators([key]))
        known = self.validators.get(key) or {}
        headers = {"If-None-Match": known.get("etag"), "If-Modified-Since": known.get("last_modified")}
        return {k: v for k, v in headers.items() if v}

    @_feeding
    def parse_cheap(self, response):
        """A sitemap (index or urlset) or the feed: article URLs and their dates.

        @site /sitemap-news.xml
        @meta {"source": "sitemap", "kind": "cheap"}
        @returns items 0 0
        @returns requests 1
        """
        source = response.meta["source"]
        if response.status == 304:  # unchanged since the last committed run: nothing new in it
            self.crawler.stats.inc_value(f"gbaf/cheap/not_modified/{source}")
            self.cheap["not_modified"] += 1
            self.logger.info("%s not modified since the last run: %s", source, response.url)
            yield from self._cheap_done(ok=True)
            return
        entries, children = [], []
        try:
            body = response.body
            if body[:3] == b"\x1f\x8b\x08":  # a .xml.gz served as a file, not Content-Encoding
                body = gunzip(body, max_size=self.crawler.settings.getint("DOWNLOAD_MAXSIZE"))
            if source == "feed":
                entries = _feed_entries(body)
            else:
                sitemap = Sitemap(body)
                if sitemap.type not in ("urlset", "sitemapindex"):
                    # A page that is no sitemap (an HTML "not found" answered with 200): reading
                    # nothing from it must not pass for a complete sitemap that lists nothing new.
                    raise ValueError(f"not a sitemap (root element {sitemap.type!r})")
                for entry in sitemap:
                    loc = entry.get("loc")
                    if not loc:
                        continue
                    if sitemap.type == "sitemapindex":
                        children.append(loc)
                    else:
                        news = entry.get("news") or {}
                        entries.append((loc, entry.get("lastmod") or (
                            news.get("publication_date") if isinstance(news, dict) else None)))
                if sitemap.type == "sitemapindex" or response.url.endswith("/sitemap.xml"):
                    self.cheap["complete_sitemap"] = True
        except (etree.XMLSyntaxError, ValueError, AttributeError, OSError, _DecompressionMaxSizeExceeded) as exc:
            self.crawler.stats.inc_value(f"gbaf/cheap/unreadable/{source}")
            if response.meta.get("child_of_index"):
                self.cheap["sitemap_failed"] = True
            self.logger.warning("unreadable %s %s: %s", source, response.url, exc)
            yield from self._cheap_done(ok=False)
            return
        self.crawler.stats.inc_value(f"gbaf/cheap/read/{source}")
        if self.run_state is not None:
            self.run_state.note_validators(_source_key(response.url), _header(response, "ETag"),
                                           _header(response, "Last-Modified"))
        for loc in children:
            fetch = self.site.to_fetch(loc)
            if not fetch or len(fetch) > self.crawler.settings.getint("URLLENGTH_LIMIT", 2083):
                # A child this run cannot read (another host, a URL too long): the index is not
                # a complete picture of the site, whatever the children read say.
                self.cheap["sitemap_failed"] = True
                self.crawler.stats.inc_value("gbaf/cheap/skipped/unfetchable_child")
                self.logger.warning("sitemap index %s names a child not fetched: %.200s", response.url, loc)
                continue
            request = self._cheap_request(fetch, "sitemap", child_of_index=True)
            if request:
                yield request
        for loc, lastmod in entries:
            fetch = self.site.to_fetch(loc)
            if not fetch or kind_of_url(fetch) != "article":
                continue
            canonical = self.site.canonical(fetch)
            if source == "feed" or "news" in response.url:
                self.cheap["urls"].add(canonical)
            lastmod = self._entry_date(lastmod, source, loc)
            if self.run_state is not None:
                self.run_state.note_lastmod(canonical, lastmod)
            if not self.discover_from_cheap or (self.since and lastmod and lastmod < self.since):
                continue
            request = self._wanted_article(fetch, defer=True)
            if request:
                yield request
        yield from self._cheap_done(ok=True)

    def _entry_date(self, value, source, loc):
        """An entry's date as UTC ISO, or None. An unreadable or impossible one (year 9999, 0000, a
        typo) costs that entry its date, counted, never the rest of the source."""
        if not value or not value.strip():
            return None
        iso = to_utc_iso(value)
        if iso is None:
            self.crawler.stats.inc_value(f"gbaf/cheap/bad_date/{source}")
            self.logger.warning("%s entry with an unreadable or impossible date %r, read without it: %s",
                                source, value[:80], loc)
        return iso

    def _cheap_done(self, ok):
        self.cheap_pending -= 1
        self.cheap["ok" if ok else "failed"] += 1
        if self.cheap_pending > 0 or self.listings_started:
            return
        # All cheap sources read: walk listings only if they leave a gap in what is known.
        known_overlap = any(self.run_state.lookup(u) for u in self.cheap["urls"]) if self.run_state else False
        # A source unchanged since the last run (304) shows nothing new was published since.
        known_overlap = known_overlap or bool(self.cheap["not_modified"])
        complete = self.cheap["complete_sitemap"] and not self.cheap.get("sitemap_failed")
        if self.discover_from_cheap and (complete or known_overlap):
            self.logger.info("cheap sources cover what is new (%d listed, complete sitemap: %s): "
                             "no listing crawl", len(self.cheap["urls"]), self.cheap["complete_sitemap"])
            self.crawler.stats.set_value("gbaf/incremental/listings", "skipped")
            return
        self.logger.info("cheap sources leave a gap: walking the listings")
        self.crawler.stats.set_value("gbaf/incremental/listings", "walked")
        yield from self._listing_seeds()

    def robots_sitemaps(self, urls):
        """The sitemaps robots.txt names (crawler.fetch.middlewares.RobotsTxtMiddleware calls this once per
        host): read as cheap sources too, each once; the ones this run reads already are skipped by
        _cheap_request. Globs (`/sitemaps/*`) and other hosts are no URL to fetch. Off with
        `GBAF_ROBOTS_SITEMAPS=0` (then GBAF_CHEAP_SOURCES alone)."""
        if self.distributed or self.state_failed or not setting(self.crawler.settings, "GBAF_ROBOTS_SITEMAPS"):
            return
        for url in urls:
            fetch = "*" not in url and self.site.to_fetch(url)
            if not fetch or fetch in self.cheap_requested:
                continue
            self.crawler.stats.inc_value("gbaf/cheap/from_robots")
            self.logger.info("sitemap named by robots.txt read too: %s", fetch)
            request = self._cheap_request(fetch, "sitemap")
            if request is not None:
                self.crawler.engine.crawl(request)

    # --- callbacks -----------------------------------------------------------------------------
    def parse(self, response):
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

    def _markup_root(self, response):
        """The lxml root of an HTML (or XML) page; None, counted and logged, for a body that is not
        markup (an image, a PDF, JSON, octet-stream answered with 200 where a listing should be)."""
        # A Selector of its own, not response.selector: that one is cached on the response and
        # points back at it, a cycle that kept every listing page and its tree alive until the
        # cycle collector ran (~45 MiB of RSS through the listing phase of a 20,000-article run).
        selector = Selector(response) if isinstance(response, TextResponse) and not _binary_media(response) else None
        if selector is not None and selector.type in ("html", "xml") and isinstance(selector.root.tag, str):
            return selector.root
        kind = response.meta.get("kind", "page")
        self.crawler.stats.inc_value(f"gbaf/pages/not_html/{kind}")
        self.logger.warning("not an HTML page (%s, Content-Type %r): %s", kind,
                            response.headers.get("Content-Type", b"").decode("latin-1"), response.url)
        return None

    @_feeding
    def parse_home(self, response):
        """The home page: the categories its navigation names, and the articles it shows.

        @site /
        @meta {"kind": "home"}
        @returns items 0 0
        @returns requests 2
        """
        root = self._markup_root(response)
        if root is None:
            return
        facts = listing_facts(root, response.url, self.site)
        for slug in facts["categories"]:
            request = self._category_request(slug)
            if request:
                yield request
        if self.only_categories is None:
            for url in facts["articles"]:
                request = self._wanted_article(url, defer=True)
                if request:
                    yield request

    @_feeding
    def parse_listing(self, response):
        """A category's listing page: its article links and the next page.

        @site /category/headlines/
        @meta {"kind": "category", "page": 1}
        @returns items 0 0
        @returns requests 1
        """
        root = self._markup_root(response)
        if root is None:
            return
        facts = listing_facts(root, response.url, self.site)
        rendered = self.renderer.listing_request(response, facts, root, self.parse_listing)
        if rendered is not None:
            yield rendered
        wanted = 0
        for url in facts["articles"]:
            if url in self.skipped_other_category:
                self.requested.discard(url)  # fetched once and skipped: this listing wants it
            request = self._wanted_article(url)
            if request:
                wanted += 1
                request.meta["listed"] = True  # listed in a selected category
                if url in self.skipped_other_category:
                    # Reached first through a related link and skipped as another category's: the
                    # duplicate filter knows the URL, but this listing makes it ours after all.
                    self.skipped_other_category.discard(url)
                    request = request.replace(dont_filter=True)
                yield request
        page = response.meta.get("page", 1)
        if not facts["articles"]:
            self.crawler.stats.inc_value("gbaf/listing/empty")
            return
        # A page that lists nothing this category's earlier pages did not is the end, or a trap
        # (pagination that never ends, a page repeated under another URL).
        slug, _ = category_of(response.url)
        seen = self.listing_links.setdefault(slug, set())
        fresh = set(facts["articles"]) - seen
        seen.update(fresh)
        if not fresh:
            self.crawler.stats.inc_value("gbaf/listing/stopped/nothing_new_on_page")
            return
        if page >= self.max_listing_pages:
            self.crawler.stats.inc_value("gbaf/listing/stopped/max_pages_bound")
            self.logger.warning("listing %s reached GBAF_MAX_LISTING_PAGES (%d)", slug, page)
            return
        quiet = response.meta.get("quiet", 0) + (1 if self.incremental and not wanted else 0)
        if self.incremental and quiet >= self.margin:
            self.crawler.stats.inc_value("gbaf/listing/stopped/nothing_new")
            return
        if self.max_pages and page >= self.max_pages:
            return
        if self.since:
            dates = [d for d in (to_utc_iso(x) for x in listing_dates(root)) if d]
            if dates and min(dates) < self.since:
                self.crawler.stats.inc_value("gbaf/listing/stopped/since")
                return
        if facts["next"]:
            slug, _ = category_of(facts["next"])
            yield self._request(facts["next"], "listing", self.parse_listing, page=page + 1, quiet=quiet)

    @_feeding
    def parse_article(self, response):
        stats = self.crawler.stats
        if not hasattr(response, "text") or _binary_media(response):
            stats.inc_value("gbaf/pages/not_html")
            self.logger.warning("not an HTML page (article, Content-Type %r): %s",
                                response.headers.get("Content-Type", b"").decode("latin-1"), response.url)
            return
        text, overridden, removed = self.article_text(response)
        if overridden:
            stats.inc_value("gbaf/encoding/header_overridden")
            self.logger.info("charset header %r contradicts the bytes, read from the bytes "
                             "(UTF-8 or UTF-16): %s", response.encoding, response.url)
        if removed:
            stats.inc_value("gbaf/encoding/control_chars_removed")
            self.logger.info("%d control characters (NUL and the like) removed: %s", removed, response.url)
        page = self.article_page(text, response)
        rendered = self.renderer.article_request(response, page, self.parse_article)
        if rendered is not None:
            yield rendered  # the record comes from the rendered page
            return
        for reason, detail in page.problems:
            stats.inc_value(f"gbaf/parse/problem/{reason}")
            self.logger.warning("%s on %s: %s", reason, response.url, detail)
        reason = page.not_article_reason()
        if reason:
            stats.inc_value(f"gbaf/pages/not_article/{reason.split(':')[0]}")
            if self.run_state is not None:
                self.run_state.note_not_article(self.site.canonical(response.url), reason)
            self.logger.debug("not an article (%s): %s", reason, response.url)
            return
        record = page.record()
        if self.since and record["published_at"] and record["published_at"] < self.since:
            stats.inc_value("gbaf/records/skipped/before_since")
            return
        if self.only_categories and not response.meta.get("listed") and \
                _slug(record["category"]) not in self.only_categories:
            stats.inc_value("gbaf/records/skipped/other_category")
            self.skipped_other_category.add(response.request.url)
            return  # reached through a related link, but outside the categories asked for
        stats.inc_value("gbaf/pages/article")
        if self.run_state is not None:
            self._note_aliases(response, record["url"], record["id"])
        yield ArticleItem(record)
        for url in page.related_fetch_urls():
            fetch = self.site.to_fetch(url, response.url)
            if fetch:
                request = self._wanted_article(fetch, "related", defer=True)
                if request:
                    yield request

    def article_text(self, response):
        """(text, charset header overridden, control characters removed) of an article response
        (spiders/gbaf_warc.py hands in what its worker processes decoded)."""
        text, overridden = html_text(response)
        text, removed = strip_control_chars(text)
        return text, overridden, removed

    def article_page(self, text, response):
        """The parsed page of an article response (spiders/gbaf_warc.py hands in pages parsed in
        worker processes, dated by their capture)."""
        return ArticlePage(text, response.url, base_url=self.site.base_url)

    def _note_aliases(self, response, url, aid):
        """Every other URL this article was reached at, so that later runs do not fetch it again."""
        for seen in [response.url, *response.meta.get("redirect_urls", [])]:
            alias = self.site.canonical(seen)
            if alias != url and kind_of_url(alias) == "article":
                self.run_state.stage("alias", alias, {"alias": alias, "id": aid})

    @_feeding
    def on_error(self, failure):
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


_BINARY_MEDIA = re.compile(r"^(?:image|audio|video|font)/|^application/(?:pdf|zip|gzip|x-|msword|vnd\.|octet-stream)")


def _binary_media(response):
    """Whether the response says it is a PDF, an image, an archive... and its body does not begin
    like markup (Scrapy sniffs a body with few control bytes as text, so a PDF reaches a callback
    as a TextResponse and would be parsed as a page; a lying octet-stream over HTML is still read)."""
    media = response.headers.get("Content-Type", b"").decode("latin-1").split(";")[0].strip().lower()
    return bool(_BINARY_MEDIA.match(media)) and not response.body.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"<"


def _source_key(url):
    """A cheap source as the state store keeps its validators: its path on the site (the same
    for the live site and a replica on any port: an ETag only matches the same bytes anyway)."""
    parts = urlsplit(url)
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


def _header(response, name):
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None


def _slug(name):
    return "-".join((name or "").lower().replace("&", " ").split())


def _feed_entries(body):
    """[(link, date)] of an RSS 2.0 or Atom feed."""
    root = etree.fromstring(body, parser=etree.XMLParser(recover=True, resolve_entities=False,
                                                        no_network=True))
    if root is None:
        raise ValueError("empty feed")
    if etree.QName(root).localname.lower() not in ("rss", "feed", "rdf"):
        raise ValueError(f"not a feed (root element {etree.QName(root).localname!r})")
    out = []
    for el in root.iter():
        tag = etree.QName(el).localname if isinstance(el.tag, str) else ""
        if tag == "item":
            link = el.findtext("link") or ""
            date = el.findtext("pubDate")
            out.append((link.strip(), date))
        elif tag == "entry":
            link = next((l.get("href") for l in el if isinstance(l.tag, str)
                         and etree.QName(l).localname == "link" and l.get("rel", "alternate") == "alternate"), "")
            date = next((d.text for d in el if isinstance(d.tag, str)
                         and etree.QName(d).localname in ("updated", "published")), None)
            out.append(((link or "").strip(), date))
    return out
