"""The article page object: one fetched page, from (HTML, URL) to the contract's record.

`ArticlePage` is the sum of the parser's parts, each in its own module: the inputs parsed once
(`inputs`, `scope`), the visible blocks (`blocks`), the body (`walk`, `body`), the generic fields (`fields`, `people`,
`dates`), GBAF's own blocks (`gbaf`) and the article gate (`gate`). Each contract field is one
`@field` method; `record()` walks them in the contract's order (docs/parser.md).
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from crawler import text as tx
from crawler.extract.blocks import Blocks
from crawler.extract.body import Body
from crawler.extract.dates import Dates
from crawler.extract.dom import bounded_attributes
from crawler.extract.fields import Fields
from crawler.extract.gate import Gate
from crawler.extract.gbaf import Gbaf
from crawler.extract.inputs import PageInputs
from crawler.extract.people import People
from crawler.extract.walk import Walk
from crawler.extract.registry import field, registry
from crawler.items import ARTICLE_FIELDS, SCHEMA_VERSION
from crawler.urls import SiteUrls

if TYPE_CHECKING:
    from lxml.etree import _Element

    from crawler.extract.registry import FieldResult


class ArticlePage(PageInputs, Blocks, Walk, Body, Fields, People, Dates, Gbaf, Gate):
    """One fetched page. `record()` gives the contract's record; `is_article()` says whether it is one."""

    def __init__(self, html: str | bytes, url: str, *, base_url: str | None = None,
                 root: _Element | None = None, crawled_at: str | None = None):
        self.url = url
        self.site = SiteUrls(base_url) if base_url else SiteUrls()
        # Bounded before anything parses it (libxml2 here, trafilatura in the fallback).
        self.html = bounded_attributes(html if isinstance(html, str) else tx.decode_html(html))
        self.crawled_at = crawled_at
        parts = urlsplit(url)
        self._origin = f"{parts.scheme}://{parts.netloc}"
        self.problems = []  # (reason, detail): counted by the spider, logged with the URL
        self._values = {}
        self.root = root if root is not None else self._parse(self.html)
        self._precompute()

    def value(self, name: str) -> FieldResult:
        """(value, layer) of one contract field, computed once per page."""
        if name not in self._values:
            spec = FIELDS[name]
            if spec.site_only and not self.is_site_page():
                self._values[name] = (spec.empty() if callable(spec.empty) else spec.empty, None)
            else:
                self._values[name] = getattr(self, spec.method)()
        return self._values[name]

    def record(self) -> dict[str, Any]:
        """The contract's record (version 1, crawled_at now unless given)."""
        rec, extraction = {}, {}
        for name in ARTICLE_FIELDS:
            if name == "extraction":
                continue
            value, layer = self.value(name)
            rec[name] = value
            if layer and value not in (None, "", [], {}):
                extraction[name] = layer
        rec["extraction"] = extraction
        if self.next._parsed and self.next.error:  # only worth saying when it was needed
            self.problems.append(("nextdata_invalid", ""))
        return rec

    # --- fields derived from the others ----------------------------------------------------------
    @field("schema_version")
    def field_schema_version(self) -> FieldResult:
        return SCHEMA_VERSION, None

    @field("id")
    def field_id(self) -> FieldResult:
        return tx.article_id(self.value("url")[0]), None

    @field("word_count")
    def field_word_count(self) -> FieldResult:
        body = self.value("body")[0]
        if self.body_paragraphs()[1] == "dom" and self._dom_word_count is not None:
            return self._dom_word_count, None  # the walk's paragraphs joined: the same words
        return tx.word_count(body), None

    @field("truncated")
    def field_truncated(self) -> FieldResult:
        return self.is_truncated(self.value("body")[0]), None

    @field("content_hash")
    def field_content_hash(self) -> FieldResult:
        return tx.content_hash(self.value("title")[0], self.value("body")[0]), None

    @field("version")
    def field_version(self) -> FieldResult:
        return 1, None

    @field("crawled_at")
    def field_crawled_at(self) -> FieldResult:
        return self.crawled_at or datetime.now(timezone.utc).replace(microsecond=0).isoformat(), None


FIELDS = registry(ArticlePage)
_missing = set(ARTICLE_FIELDS) - set(FIELDS) - {"extraction"}
assert not _missing, f"contract fields without an extractor: {_missing}"


def parse_article(html: str | bytes, url: str, **kwargs: Any) -> dict[str, Any] | None:
    """The record of one article page, or None when the page is not an article."""
    page = ArticlePage(html, url, **kwargs)
    return page.record() if page.is_article() else None
