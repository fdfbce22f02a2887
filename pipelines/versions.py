"""Version pipeline: new, changed or unchanged against the state store.

A new article is exported with `version` 1, a changed one (new content hash) with the stored
version + 1, an unchanged one not at all (counted `gbaf/records/dropped/unchanged`). Every outcome
is staged for the store in batches; the store commits it when the run's outputs are delivered.
"""
from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING, Any

from itemadapter import ItemAdapter
from scrapy.exceptions import DropItem, NotConfigured

from crawler.defaults import setting
from crawler.run.lifecycle import run_state

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)


class VersionPipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        self.state = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> VersionPipeline:
        if not setting(crawler.settings, "GBAF_STATE_ENABLED"):
            raise NotConfigured("GBAF_STATE_ENABLED is off")
        return cls(crawler)

    def open_spider(self) -> None:
        self.state = run_state(self.crawler)

    def close_spider(self) -> None:
        if self.state is not None:
            self.state.flush()

    def process_item(self, item: Any) -> Any:
        if self.state is None:
            raise DropItem("no state store: nothing can be versioned")
        a = ItemAdapter(item)
        signature = a.pop("_signature", None)  # private, from the dedupe pipeline: never exported
        url, digest = a["url"], a["content_hash"]
        known = self.state.lookup(url)
        self.state.processed.add(url)
        row = {
            "url": url, "content_hash": digest, "published_at": a.get("published_at"),
            "updated_at": a.get("updated_at"), "lastmod": self.state.lastmods.get(url),
            "seen_at": a.get("crawled_at"), "signature": signature,
        }
        if known is not None and known.content_hash == digest:
            row.update(version=known.version, record=None, exported_run=None)
            self.state.stage("article", a["id"], row)
            self.stats.inc_value("gbaf/records/dropped/unchanged")
            raise DropItem(f"unchanged since version {known.version}: {url}", log_level="DEBUG")
        a["version"] = 1 if known is None else known.version + 1
        self.stats.inc_value("gbaf/records/new" if known is None else "gbaf/records/changed")
        if known is not None:
            logger.info("changed: %s (version %d)", url, a["version"])
        row.update(version=a["version"], exported_run=self.state.run_id,
                   record=json.dumps(dict(a.items()), ensure_ascii=False))
        self.state.stage("article", a["id"], row)
        return item
