"""A full export from the state store: the latest stored version of every article, in any feed
format, without fetching anything.

    scrapy export -O all.jsonl          (or all.parquet, all.csv, feed.xml:atom, several -O)

(crawler/commands/export.py: `scrapy crawl gbaf_store` with only the outputs asked for, not the
project's per-run JSON Lines file.)

The records are read from the store in batches (`iter_latest`, memory flat) and handed to Scrapy's
feed exports, so every `-o`/`-O`/`FEEDS` output is delivered under the run protocol
(docs/protocol.md) with its manifest in the run's directory, like a crawl's. The store is only read:
the run commits no change. It takes the store's lock like any run, so it waits for no crawl: a
crawl running on the same store makes it stop at once with one clear error.
"""
from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

import scrapy

from crawler.defaults import setting
from crawler.run.lifecycle import run_state

if TYPE_CHECKING:
    from scrapy.crawler import Crawler


class StoreExportSpider(scrapy.Spider):
    name = "gbaf_store"
    custom_settings = {
        "ITEM_PIPELINES": {},  # stored records are the exported ones already
        "GBAF_LATEST_FEEDS": {},
        "SPIDERMON_ENABLED": False,  # the crawl's checks (pages fetched, records made) do not apply
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        now = datetime.now(timezone.utc)
        self.run_id = "export-" + now.strftime("%Y%m%dT%H%M%SZ")
        self.run_date = now.strftime("%Y-%m-%d")

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> StoreExportSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.data_dir = setting(crawler.settings, "GBAF_DATA_DIR")
        return spider

    async def start(self) -> AsyncIterator[dict]:
        state = run_state(self.crawler)
        if state is None:  # the store could not be opened: already one ERROR, closing as state_error
            return
        exported = 0
        for record in state.store.iter_latest():
            exported += 1
            yield record
        self.logger.info("full export: %d articles from the state store", exported)
