"""The home page and the category listings of the gbaf spider (spiders/gbaf.py): the categories
to crawl, article links, pagination and where it stops (nothing new, GBAF_MAX_LISTING_PAGES,
`max_pages`, `since`, the incremental margin).
"""
from __future__ import annotations

from collections.abc import Iterator

from scrapy import Request
from scrapy.http import Response, TextResponse
from scrapy.selector import Selector

from crawler.crawl.articles import binary_media
from crawler.crawl.feeding import feeding
from crawler.listing import listing_dates, listing_facts
from crawler.text import to_utc_iso
from crawler.urls import KNOWN_CATEGORIES, NON_NEWS_SECTIONS, category_of, category_page_url


class ListingPages:
    """Mixin of GbafSpider: `categories_seen`, `listing_links`, `skipped_other_category`,
    `max_listing_pages`, `margin`, `renderer`, ... are the spider's."""

    def _wants(self, slug):
        if slug in NON_NEWS_SECTIONS:
            return False
        return self.only_categories is None or slug in self.only_categories

    def _category_request(self, slug):
        if slug in self.categories_seen or not self._wants(slug):
            return None
        self.categories_seen.add(slug)
        return self._request(category_page_url(self.site, slug), "category", self.parse_listing, page=1)

    def _listing_seeds(self):
        self.listings_started = True
        yield self._request(self.site.base_url + "/", "home", self.parse_home)
        for slug in self.only_categories or KNOWN_CATEGORIES:
            request = self._category_request(slug)
            if request:
                yield request

    def _markup_root(self, response):
        """The lxml root of an HTML (or XML) page; None, counted and logged, for a body that is not
        markup (an image, a PDF, JSON, octet-stream answered with 200 where a listing should be)."""
        # A Selector of its own, not response.selector: that one is cached on the response and
        # points back at it, a cycle that kept every listing page and its tree alive until the
        # cycle collector ran (~45 MiB of RSS through the listing phase of a 20,000-article run).
        selector = Selector(response) if isinstance(response, TextResponse) and not binary_media(response) else None
        if selector is not None and selector.type in ("html", "xml") and isinstance(selector.root.tag, str):
            return selector.root
        kind = response.meta.get("kind", "page")
        self.crawler.stats.inc_value(f"gbaf/pages/not_html/{kind}")
        self.logger.warning("not an HTML page (%s, Content-Type %r): %s", kind,
                            response.headers.get("Content-Type", b"").decode("latin-1"), response.url)
        return None

    @feeding
    def parse_home(self, response: Response) -> Iterator[Request]:
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

    @feeding
    def parse_listing(self, response: Response) -> Iterator[Request]:
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
