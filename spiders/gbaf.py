"""Spider `gbaf`: routes the crawl of Global Banking & Finance Review; extraction lives in crawler.article.

Seeds: the home page (its navigation teaches the categories) and the category listings. Listings
give article links and the next page; every article page gives its record and its "More from"
related links and previous/next posts. Each kind of request has a name, a priority and a stats
counter (`gbaf/requests/<kind>`).

Arguments (plain strings, so Scrapyd can pass them):
  categories=headlines,banking   news categories to crawl (default: all)
  max_pages=N                    listing pages per category (default: no limit)
  since=YYYY-MM-DD               skip articles published before that day
"""
from datetime import datetime, timezone

import scrapy

from crawler.article import ArticlePage
from crawler.items import ArticleItem
from crawler.listing import listing_dates, listing_facts
from crawler.text import to_utc_iso
from crawler.urls import KNOWN_CATEGORIES, NON_NEWS_SECTIONS, SiteUrls, category_of, category_page_url

PRIORITY = {"home": 30, "category": 5, "listing": 0, "article": 20, "related": 10}


class GbafSpider(scrapy.Spider):
    name = "gbaf"

    def __init__(self, categories=None, max_pages=None, since=None, _job=None, **kwargs):
        super().__init__(**kwargs)
        self.only_categories = [c.strip().lower() for c in categories.split(",") if c.strip()] \
            if categories else None
        self.max_pages = int(max_pages) if max_pages not in (None, "", "0") else None
        self.since = to_utc_iso(since) if since else None
        if since and not self.since:
            raise ValueError(f"since={since!r} is not a date (YYYY-MM-DD)")
        now = datetime.now(timezone.utc)
        self.run_id = _job or now.strftime("%Y%m%dT%H%M%SZ")
        self.run_date = now.strftime("%Y-%m-%d")
        self.categories_seen = set()

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.site = SiteUrls(crawler.settings.get("GBAF_BASE_URL"))
        return spider

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
        yield self._request(self.site.base_url + "/", "home", self.parse_home)
        for slug in self.only_categories or KNOWN_CATEGORIES:
            request = self._category_request(slug)
            if request:
                yield request

    # --- callbacks -----------------------------------------------------------------------------
    def parse_home(self, response):
        facts = listing_facts(response.selector.root, response.url, self.site)
        for slug in facts["categories"]:
            request = self._category_request(slug)
            if request:
                yield request
        if self.only_categories is None:
            for url in facts["articles"]:
                yield self._request(url, "article", self.parse_article)

    def parse_listing(self, response):
        root = response.selector.root
        facts = listing_facts(root, response.url, self.site)
        for url in facts["articles"]:
            yield self._request(url, "article", self.parse_article)
        page = response.meta.get("page", 1)
        if not facts["articles"]:
            self.crawler.stats.inc_value("gbaf/listing/empty")
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
            yield self._request(facts["next"], "listing", self.parse_listing, page=page + 1)

    def parse_article(self, response):
        stats = self.crawler.stats
        if not hasattr(response, "text"):
            stats.inc_value("gbaf/pages/not_html")
            return
        page = ArticlePage(response.text, response.url, base_url=self.site.base_url)
        for reason, detail in page.problems:
            stats.inc_value(f"gbaf/parse/problem/{reason}")
            self.logger.warning("%s on %s: %s", reason, response.url, detail)
        reason = page.not_article_reason()
        if reason:
            stats.inc_value(f"gbaf/pages/not_article/{reason.split(':')[0]}")
            self.logger.debug("not an article (%s): %s", reason, response.url)
            return
        record = page.record()
        if self.since and record["published_at"] and record["published_at"] < self.since:
            stats.inc_value("gbaf/records/skipped/before_since")
            return
        stats.inc_value("gbaf/pages/article")
        yield ArticleItem(record)
        for url in page.related_fetch_urls():
            fetch = self.site.to_fetch(url, response.url)
            if fetch:
                yield self._request(fetch, "related", self.parse_article)

    def on_error(self, failure):
        request = failure.request
        kind = request.meta.get("kind", "unknown")
        response = getattr(failure.value, "response", None)
        reason = f"http_{response.status}" if response is not None else type(failure.value).__name__
        self.crawler.stats.inc_value(f"gbaf/failures/{reason}")
        self.crawler.stats.inc_value(f"gbaf/failures/by_kind/{kind}")
        failed = self.crawler.stats.get_value("gbaf/failed_urls") or []
        if len(failed) < 1000:
            failed.append({"url": request.url, "kind": kind, "reason": reason})
            self.crawler.stats.set_value("gbaf/failed_urls", failed)
        log = self.logger.info if reason == "http_404" and kind == "related" else self.logger.warning
        log("failed for good (%s) %s: %s", kind, reason, request.url)
