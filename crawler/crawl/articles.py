"""The article pages of the gbaf spider (spiders/gbaf.py): the record of each (extraction is
crawler.article's), what keeps a page from being one, the run's filters (`since`, categories),
aliases for the state store, and the related links it names.
"""
from __future__ import annotations

import re
from collections.abc import Iterator

from scrapy import Request
from scrapy.http import Response

from crawler.article import ArticlePage
from crawler.crawl.feeding import feeding
from crawler.items import ArticleItem
from crawler.text import html_text, strip_control_chars
from crawler.urls import kind_of_url


class ArticlePages:
    """Mixin of GbafSpider: `site`, `renderer`, `run_state`, `since`, `only_categories`,
    `skipped_other_category` and `_wanted_article` are the spider's."""

    @feeding
    def parse_article(self, response: Response) -> Iterator[ArticleItem | Request]:
        stats = self.crawler.stats
        if not hasattr(response, "text") or binary_media(response):
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

    def article_text(self, response: Response) -> tuple[str, bool, int]:
        """(text, charset header overridden, control characters removed) of an article response
        (spiders/gbaf_warc.py hands in what its worker processes decoded)."""
        text, overridden = html_text(response)
        text, removed = strip_control_chars(text)
        return text, overridden, removed

    def article_page(self, text: str, response: Response) -> ArticlePage:
        """The parsed page of an article response (spiders/gbaf_warc.py hands in pages parsed in
        worker processes, dated by their capture)."""
        return ArticlePage(text, response.url, base_url=self.site.base_url)

    def _note_aliases(self, response, url, aid):
        """Every other URL this article was reached at, so that later runs do not fetch it again."""
        for seen in [response.url, *response.meta.get("redirect_urls", [])]:
            alias = self.site.canonical(seen)
            if alias != url and kind_of_url(alias) == "article":
                self.run_state.stage("alias", alias, {"alias": alias, "id": aid})


_BINARY_MEDIA = re.compile(r"^(?:image|audio|video|font)/|^application/(?:pdf|zip|gzip|x-|msword|vnd\.|octet-stream)")


def binary_media(response: Response) -> bool:
    """Whether the response says it is a PDF, an image, an archive... and its body does not begin
    like markup (Scrapy sniffs a body with few control bytes as text, so a PDF reaches a callback
    as a TextResponse and would be parsed as a page; a lying octet-stream over HTML is still read)."""
    media = response.headers.get("Content-Type", b"").decode("latin-1").split(";")[0].strip().lower()
    return bool(_BINARY_MEDIA.match(media)) and not response.body.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"<"


def _slug(name):
    return "-".join((name or "").lower().replace("&", " ").split())

