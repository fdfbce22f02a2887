"""Normalize pipeline: every text NFC and whitespace-collapsed, canonical URLs, UTC dates, names
without duplicates, and the derived fields (id, word_count, truncated, content_hash) recomputed
from the normalised values, so that equal texts give equal hashes whatever layer they came from.

An item of the wrong shape (no URL, a string where a list is due, a list body, a FAQ entry or a
link that is not an object, a link without url, ...) is dropped first, logged with the field and
counted (`normalize/malformed/<field>` and `gbaf/records/dropped/malformed`): never coerced (a
`tags: "Banking"` would become seven letters) and never a crash of the pipeline."""
from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from itemadapter import ItemAdapter
from scrapy.exceptions import DropItem

from crawler import text as tx
from crawler.urls import canonical_url
from pipelines.prepared import prepared_of

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector

logger = logging.getLogger(__name__)

TEXT_FIELDS = ("title", "category", "source", "dateline", "summary", "language")
NAME_LISTS = ("tags", "authors")


class NormalizePipeline:
    def __init__(self, stats: StatsCollector) -> None:
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> NormalizePipeline:
        return cls(crawler.stats)

    def process_item(self, item: Any) -> Any:
        a = ItemAdapter(item)
        prepared = prepared_of(item)
        if prepared is not None:  # normalised in a worker process already (pipelines.prepared)
            for field, value in prepared.changes.items():
                a[field] = value
            prepared.applied = True
            return item
        field = malformed(a)
        if field is not None:
            self.stats.inc_value(f"normalize/malformed/{field}")
            self.stats.inc_value("gbaf/records/dropped/malformed")
            url = a.get("url")
            logger.warning("malformed item %s: field %s has the wrong shape; dropped",
                           url if isinstance(url, str) else "(no url)", field)
            raise DropItem(f"malformed item: {field}")
        normalize_fields(a)
        return item


def normalize_fields(a: ItemAdapter | dict) -> None:
    """Normalise a well-shaped record (an ItemAdapter or a plain dict; `malformed(a)` is None) in
    place: the pipeline's work, a pure function of the record, so that spiders/gbaf_warc.py can
    run it in its worker processes (crawler.archive.extract.prepare)."""
    for field in TEXT_FIELDS:
        a[field] = tx.clean(a.get(field)) or None
    if a.get("language"):
        a["language"] = a["language"].lower()
    a["url"] = canonical_url(a["url"])
    a["tags"] = tx.dedupe_names(a.get("tags") or [])
    authors = []
    for name in a.get("authors") or []:
        authors.extend(tx.split_people(name) or [])
    a["authors"] = tx.dedupe_names(authors)
    for field in ("published_at", "updated_at", "crawled_at"):
        value = a.get(field)
        a[field] = tx.to_utc_iso(value) if value else None
    body = tx.join_paragraphs((a.get("body") or "").split("\n\n"))
    a["body"] = body
    a["key_takeaways"] = [t for t in (tx.clean(x) for x in a.get("key_takeaways") or []) if t]
    a["faq"] = [{"question": tx.clean(f.get("question")), "answer": tx.clean(f.get("answer"))}
                for f in a.get("faq") or [] if f.get("question") and f.get("answer")]
    a["references"] = [{"title": tx.clean(r.get("title")), "url": r["url"].strip()}
                       for r in a.get("references") or [] if r.get("url")]
    related, seen = [], set()
    for r in a.get("related") or []:
        url = canonical_url(r["url"])
        if url not in seen and url != a["url"]:
            seen.add(url)
            related.append({"title": tx.clean(r.get("title")), "url": url})
    a["related"] = related
    a["id"] = tx.article_id(a["url"])
    a["word_count"] = tx.word_count(body)
    a["content_hash"] = tx.content_hash(a.get("title"), body)


def _texts(value):
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def _objects(value, required, optional=()):
    return isinstance(value, list) and all(
        isinstance(v, dict) and all(isinstance(v.get(k), str) for k in required)
        and all(v.get(k) is None or isinstance(v.get(k), str) for k in optional) for v in value)


def malformed(a: ItemAdapter | dict) -> str | None:
    """The first field whose value has a shape the record cannot have, or None."""
    if not isinstance(a.get("url"), str) or not a.get("url").strip():
        return "url"
    for field in (*TEXT_FIELDS, "body", "published_at", "updated_at", "crawled_at"):
        if a.get(field) is not None and not isinstance(a.get(field), str):
            return field
    for field in (*NAME_LISTS, "key_takeaways"):
        if a.get(field) is not None and not _texts(a.get(field)):
            return field
    if a.get("faq") is not None and not _objects(a.get("faq"), (), ("question", "answer")):
        return "faq"
    for field in ("references", "related"):
        if a.get(field) is not None and not _objects(a.get(field), ("url",), ("title",)):
            return field
    return None
