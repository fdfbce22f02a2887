"""Feed exporters for article records: RSS 2.0, Atom 1.0 and Parquet.

Siblings of Scrapy's `XmlItemExporter`, registered in `FEED_EXPORTERS`, so a run asks for them
like any Scrapy feed (`scrapy crawl gbaf -o feed.xml:atom`, `-o x.parquet:parquet`).

RSS and Atom: items are buffered, the newest `max_entries` by `published_at` are written newest
first at `finish_exporting`. The cap comes from the feed's `item_export_kwargs`
(`{"max_entries": 20}`) or else the `GBAF_FEED_MAX_ENTRIES` setting (default 100); feed-level
metadata likewise from `item_export_kwargs["feed_meta"]` over the `GBAF_FEED_META` setting over
`DEFAULT_FEED_META`. `write_feed()` builds the same XML outside a crawl, e.g. the cross-run feeds
from the state store's latest records, and replaces the file atomically.

Parquet: one row per record with the contract's types (`parquet_schema()`); a record that does not
fit the schema is left out on its own (an ERROR line and a `parquet_exporter/record_rejected/*` stat)
instead of breaking the file; the other feeds still get it.
"""
from __future__ import annotations

import heapq
import html
import logging
import os
import re
from datetime import datetime, timezone
from functools import lru_cache
from typing import IO, TYPE_CHECKING, Any, Iterable

from feedgen.ext.base import BaseEntryExtension, BaseExtension
from feedgen.feed import FeedGenerator
from feedgen.util import xml_elem
from itemadapter import ItemAdapter
from scrapy.exporters import BaseItemExporter

from crawler.defaults import setting
from crawler.items import ARTICLE_FIELDS, SCHEMA_VERSION
from crawler.outputs.storage import write_atomically

if TYPE_CHECKING:
    import pyarrow
    from lxml.etree import _Element
    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector

logger = logging.getLogger(__name__)

DEFAULT_MAX_ENTRIES = 100
DEFAULT_FEED_META = {
    "title": "Global Banking & Finance Review",
    "link": "https://www.globalbankingandfinance.com/",
    "description": "Latest articles from Global Banking & Finance Review",
    "language": "en",
    # Atom feed id; None means self_url when given, else link.
    "id": None,
    # Where the feed itself is published (Atom rel="self", RSS atom:link); None leaves it out.
    "self_url": None,
}
FEED_FORMATS = ("rss", "atom")

_DC_NS = "http://purl.org/dc/elements/1.1/"
_DCTERMS_NS = "http://purl.org/dc/terms/"
# XML 1.0 cannot carry these at all; lxml refuses the whole document if one slips through.
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml_text(value: Any) -> str:
    return _XML_INVALID.sub("", str(value))


def _parse_date(value: Any) -> datetime | None:
    if not value:
        return None
    if isinstance(value, datetime):
        parsed = value
    else:
        try:
            parsed = datetime.fromisoformat(str(value))
        except ValueError:
            return None
    # The contract's dates are UTC; a naive one is read as UTC as well.
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def _body_html(body: str) -> str:
    """The body's paragraphs as escaped HTML `<p>`s: feed readers expect HTML full text."""
    paragraphs = [p for p in body.split("\n\n") if p.strip()]
    return "\n".join("<p>%s</p>" % html.escape(p, quote=False) for p in paragraphs)


class _RssExtrasFeed(BaseExtension):
    def extend_ns(self) -> dict[str, str]:
        return {"dc": _DC_NS, "dcterms": _DCTERMS_NS}


class _RssExtrasEntry(BaseEntryExtension):
    """dc:creator and dcterms:modified for RSS items.

    RSS's own <author> must be an e-mail address and it has no "updated" date; these two are the
    usual RSS extensions for both, and feedparser reads them as authors and `updated`.
    """

    def __init__(self):
        self.creators: list[str] = []
        self.modified: datetime | None = None  # updated_at, else published_at as in Atom

    def extend_rss(self, item: _Element) -> _Element:
        for name in self.creators:
            xml_elem("{%s}creator" % _DC_NS, item).text = name
        if self.modified:
            xml_elem("{%s}modified" % _DCTERMS_NS, item).text = self.modified.isoformat()
        return item


def _sort_key(record: dict) -> tuple:
    # Newest first; the URL breaks ties so the output does not depend on arrival order.
    return (_parse_date(record.get("published_at")), record.get("url") or "")


def latest_records(records: Iterable[dict], limit: int) -> list[dict]:
    """The `limit` newest records by published_at, newest first; records without a date skipped."""
    dated = (r for r in records if _parse_date(r.get("published_at")))
    return heapq.nlargest(limit, dated, key=_sort_key)


def build_feed(records: Iterable[dict], fmt: str, feed_meta: dict | None = None,
               encoding: str = "utf-8") -> bytes:
    """The RSS or Atom document of `records`, in the order given."""
    if fmt not in FEED_FORMATS:
        raise ValueError("unknown feed format %r, expected one of %r" % (fmt, FEED_FORMATS))
    meta = {**DEFAULT_FEED_META, **(feed_meta or {})}
    records = list(records)
    fg = FeedGenerator()
    if fmt == "rss":
        fg.register_extension("gbaf", _RssExtrasFeed, _RssExtrasEntry, atom=False, rss=True)
    fg.title(_xml_text(meta["title"]))
    fg.id(meta["id"] or meta["self_url"] or meta["link"])
    fg.link(href=meta["link"], rel="alternate")
    if meta["self_url"]:
        fg.link(href=meta["self_url"], rel="self")
    fg.description(_xml_text(meta["description"]))
    fg.language(meta["language"])

    newest = None
    for record in records:
        entry_updated = _add_entry(fg, record, fmt)
        newest = entry_updated if newest is None else max(newest, entry_updated)
    # The feed's date is its newest entry's, so rebuilding unchanged records gives the same bytes.
    feed_updated = newest or datetime.now(timezone.utc).replace(microsecond=0)
    fg.updated(feed_updated)
    fg.lastBuildDate(feed_updated)
    if fmt == "rss":
        return fg.rss_str(pretty=True, encoding=encoding.upper())
    return fg.atom_str(pretty=True, encoding=encoding.upper())


def _add_entry(fg: FeedGenerator, record: dict, fmt: str) -> datetime:
    published = _parse_date(record.get("published_at"))
    updated = _parse_date(record.get("updated_at")) or published
    fe = fg.add_entry(order="append")
    # The canonical URL is the article's stable identity across runs and replicas.
    fe.id(record["url"])
    fe.guid(record["url"], permalink=True)
    fe.title(_xml_text(record.get("title") or record["url"]))
    fe.link(href=record["url"], rel="alternate")
    fe.published(published)
    fe.updated(updated)
    summary = record.get("summary")
    body = record.get("body") or ""
    if fmt == "atom":
        if summary:
            fe.summary(_xml_text(summary), type="text")
        if body:
            fe.content(_xml_text(_body_html(body)), type="html")
        for name in record.get("authors") or []:
            fe.author(name=_xml_text(name))
    else:
        # RSS <description> is HTML by convention, so plain text goes in escaped once more.
        first_paragraph = body.split("\n\n", 1)[0]
        description = summary or first_paragraph
        if description:
            fe.description(_xml_text(html.escape(description, quote=False)))
        if body:
            fe.content(_xml_text(_body_html(body)))  # content:encoded beside the description
        fe.gbaf.creators = [_xml_text(a) for a in record.get("authors") or []]
        fe.gbaf.modified = updated
    categories = [record.get("category"), *(record.get("tags") or [])]
    seen = set()
    for name in categories:
        if name and name not in seen:
            seen.add(name)
            fe.category(term=_xml_text(name))
    return updated


def write_feed(records: Iterable[dict], path: str | os.PathLike, fmt: str,
               limit: int = DEFAULT_MAX_ENTRIES, feed_meta: dict | None = None) -> int:
    """(Re)build the `fmt` feed at `path` from record dicts, atomically; returns the entry count.

    Used outside a crawl for the cross-run feeds (data/feeds/gbaf.atom.xml, gbaf.rss.xml): the
    newest `limit` records are written to a temporary file beside `path`, fsynced and renamed
    over it, so readers see the old feed or the new one, never half of one.
    """
    entries = latest_records(records, limit)
    data = build_feed(entries, fmt, feed_meta)
    write_atomically(path, data)
    logger.info("Wrote %s feed with %d entries to %s", fmt, len(entries), path)
    return len(entries)


class _FeedItemExporter(BaseItemExporter):
    feed_format = ""

    def __init__(self, file: IO[bytes], *, max_entries: int = DEFAULT_MAX_ENTRIES,
                 feed_meta: dict | None = None, stats: StatsCollector | None = None,
                 **kwargs: Any) -> None:
        super().__init__(dont_fail=True, **kwargs)
        self.file = file
        self.max_entries = int(max_entries)
        self.feed_meta = feed_meta or {}
        self.stats = stats
        self.exported_count = 0
        self._heap: list[tuple] = []
        self._seq = 0
        self._offered = 0  # records offered to the feed, to say how many the cap left out

    @classmethod
    def from_crawler(cls, crawler: Crawler, file: IO[bytes], **kwargs: Any) -> _FeedItemExporter:
        settings = crawler.settings
        kwargs.setdefault("max_entries", setting(settings, "GBAF_FEED_MAX_ENTRIES"))
        kwargs["feed_meta"] = {**setting(settings, "GBAF_FEED_META"),
                               **(kwargs.get("feed_meta") or {})}
        return cls(file, stats=crawler.stats, **kwargs)

    def export_item(self, item: Any) -> None:
        record = dict(self._record_fields(item))
        if not record.get("url"):
            logger.warning("%s feed: skipping an item without url", self.feed_format)
            self._inc("entry_skipped/no_url")
            return
        published = _parse_date(record.get("published_at"))
        if published is None:
            logger.warning("%s feed: skipping %s, unreadable published_at %r", self.feed_format,
                           record.get("url"), record.get("published_at"))
            self._inc("entry_skipped/bad_published_at")
            return
        # A bounded min-heap keeps memory at max_entries records however long the run.
        self._seq += 1
        self._offered += 1
        key = (_sort_key(record), -self._seq)
        if len(self._heap) < self.max_entries:
            heapq.heappush(self._heap, (key, record))
        elif self._heap and key > self._heap[0][0]:
            heapq.heapreplace(self._heap, (key, record))

    def _record_fields(self, item: Any):
        # Feeds need the raw values (lists, dates), not serialized ones; all fields, always.
        adapter = ItemAdapter(item)
        return ((name, adapter.get(name)) for name in adapter.field_names())

    def finish_exporting(self) -> None:
        entries = [record for _, record in sorted(self._heap, reverse=True)]
        self.file.write(build_feed(entries, self.feed_format, self.feed_meta,
                                   self.encoding or "utf-8"))
        self.exported_count = len(entries)
        self._inc("entries/written", len(entries))
        left_out = self._offered - len(entries)
        if left_out > 0:
            self._inc("entries/left_out/max_entries", left_out)
            logger.info("%s feed: the newest %d of %d records written (GBAF_FEED_MAX_ENTRIES, or the "
                        "feed's max_entries option)", self.feed_format, len(entries), len(entries) + left_out)

    def _inc(self, key: str, count: int = 1) -> None:
        if self.stats is not None:
            self.stats.inc_value("%s_exporter/%s" % (self.feed_format, key), count)


class RssItemExporter(_FeedItemExporter):
    """RSS 2.0 with content:encoded, dc:creator and dcterms:modified."""

    feed_format = "rss"


class AtomItemExporter(_FeedItemExporter):
    """Atom 1.0."""

    feed_format = "atom"


_REQUIRED = {"schema_version", "id", "url", "title", "category", "tags", "authors",
             "published_at", "body", "key_takeaways", "faq", "references", "related",
             "word_count", "language", "truncated", "content_hash", "version", "crawled_at",
             "extraction"}


@lru_cache(maxsize=1)
def _arrow():
    """pyarrow, imported on first use: Scrapy loads every FEED_EXPORTERS class at start, and
    pyarrow costs a crawl without a Parquet feed 25 MiB of memory for nothing."""
    import pyarrow
    import pyarrow.parquet

    return pyarrow, pyarrow.parquet


@lru_cache(maxsize=1)
def parquet_schema() -> pyarrow.Schema:
    """The contract's types as an Arrow schema."""
    pa, _pq = _arrow()
    link = pa.struct([("title", pa.string()), ("url", pa.string())])
    types = {
        "schema_version": pa.int64(),
        "tags": pa.list_(pa.string()),
        "authors": pa.list_(pa.string()),
        "key_takeaways": pa.list_(pa.string()),
        "faq": pa.list_(pa.struct([("question", pa.string()), ("answer", pa.string())])),
        "references": pa.list_(link),
        "related": pa.list_(link),
        "reading_time_minutes": pa.int64(),
        "word_count": pa.int64(),
        "truncated": pa.bool_(),
        "version": pa.int64(),
        # field name -> jsonld|meta|dom|fallback; a map because which fields are present varies.
        "extraction": pa.map_(pa.string(), pa.string()),
    }
    return pa.schema(
        [pa.field(name, types.get(name, pa.string()), nullable=name not in _REQUIRED)
         for name in ARTICLE_FIELDS],
        metadata={"schema_version": str(SCHEMA_VERSION)},
    )


def __getattr__(name: str) -> Any:
    if name == "PARQUET_SCHEMA":  # kept importable by name, built on first use
        return parquet_schema()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class ParquetItemExporter(BaseItemExporter):
    """Article records as Parquet with `parquet_schema()`, written in row groups of `batch_size`."""

    def __init__(self, file: IO[bytes], *, batch_size: int = 250, stats: StatsCollector | None = None,
                 **kwargs: Any) -> None:
        super().__init__(dont_fail=True, **kwargs)
        self.file = file
        self.batch_size = int(batch_size)
        self.stats = stats
        names = list(self.fields_to_export or ARTICLE_FIELDS)
        if isinstance(self.fields_to_export, dict):
            names = list(self.fields_to_export)
        pa, _pq = _arrow()
        full = parquet_schema()
        self.schema = pa.schema([full.field(n) for n in names], metadata=full.metadata)
        self.exported_count = 0
        self._rows: list[dict] = []
        self._writer = None

    @classmethod
    def from_crawler(cls, crawler: Crawler, file: IO[bytes], **kwargs: Any) -> ParquetItemExporter:
        return cls(file, stats=crawler.stats, **kwargs)

    def start_exporting(self) -> None:
        self._writer = _arrow()[1].ParquetWriter(self.file, self.schema)

    def export_item(self, item: Any) -> None:
        adapter = ItemAdapter(item)
        row = {name: adapter.get(name) for name in self.schema.names}
        if isinstance(row.get("extraction"), dict):
            row["extraction"] = list(row["extraction"].items())
        self._rows.append(row)
        if len(self._rows) >= self.batch_size:
            self._flush()

    def _flush(self) -> None:
        if self._rows:
            pa = _arrow()[0]
            rows, self._rows = self._rows, []
            try:
                batch = pa.RecordBatch.from_pylist(rows, schema=self.schema)
            except Exception:  # noqa: BLE001 - whatever Arrow raises (OverflowError too), no row is lost
                # Converting the batch is the check (one row at a time cost 0.5 ms per record):
                # only a batch that fails is converted row by row, to leave out the bad records alone.
                batch = pa.RecordBatch.from_pylist(self._fitting(rows), schema=self.schema)
            self._writer.write_batch(batch)
            self.exported_count += batch.num_rows
            # Arrow's allocator keeps what a batch freed for reuse: ~50 MiB per 1000 records.
            pa.default_memory_pool().release_unused()

    def _fitting(self, rows: list[dict]) -> list[dict]:
        pa = _arrow()[0]
        fitting = []
        for row in rows:
            try:
                pa.RecordBatch.from_pylist([row], schema=self.schema)
            except Exception as exc:  # noqa: BLE001 - ArrowInvalid, ArrowTypeError, OverflowError...
                if self.stats is not None:
                    self.stats.inc_value("parquet_exporter/record_rejected/%s" % type(exc).__name__)
                logger.error("record left out of the Parquet file, it does not fit the schema (%s: %s): %s",
                             type(exc).__name__, exc, row.get("url"))
            else:
                fitting.append(row)
        return fitting

    def finish_exporting(self) -> None:
        self._flush()
        # Closing writes the footer; the file object itself stays open for the feed storage.
        self._writer.close()
