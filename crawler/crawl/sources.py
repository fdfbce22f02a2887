"""The cheap sources of the gbaf spider (spiders/gbaf.py): sitemaps (index, urlset, news) and the
feed (first on an incremental run, asked conditionally); whether the listings must be walked
after them (`_cheap_done`); the sitemaps robots.txt names.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from urllib.parse import urlsplit

from lxml import etree
from scrapy import Request
from scrapy.http import Response
from scrapy.utils._compression import _DecompressionMaxSizeExceeded
from scrapy.utils.gz import gunzip
from scrapy.utils.sitemap import Sitemap

from crawler.crawl.feeding import feeding
from crawler.defaults import setting
from crawler.text import to_utc_iso
from crawler.urls import kind_of_url


class CheapSources:
    """Mixin of GbafSpider: its state (`cheap`, `cheap_pending`, `cheap_requested`, `validators`,
    `cheap_sources`, `run_state`, `incremental`, ...) is set up by the spider."""

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
        key = source_key(url)
        if key not in self.validators:
            self.validators.update(self.run_state.validators([key]))
        known = self.validators.get(key) or {}
        headers = {"If-None-Match": known.get("etag"), "If-Modified-Since": known.get("last_modified")}
        return {k: v for k, v in headers.items() if v}

    @feeding
    def parse_cheap(self, response: Response) -> Iterator[Request]:
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
                entries = feed_entries(body)
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
            self.run_state.note_validators(source_key(response.url), _header(response, "ETag"),
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

    def robots_sitemaps(self, urls: Iterable[str]) -> None:
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


def source_key(url: str) -> str:
    """A cheap source as the state store keeps its validators: its path on the site (the same
    for the live site and a replica on any port: an ETag only matches the same bytes anyway)."""
    parts = urlsplit(url)
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


def _header(response, name):
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None


def feed_entries(body: bytes) -> list[tuple[str, str | None]]:
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
