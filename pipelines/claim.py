"""The claim pipeline of distributed crawls: each article exported by one worker only."""
from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from itemadapter import ItemAdapter
from redis.exceptions import RedisError
from scrapy.exceptions import DropItem, NotConfigured

from crawler.defaults import setting
from crawler.distributed.worker import redis_lost
from crawler.run.lifecycle import run_state
from crawler.text import article_id

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)


class ClaimPipeline:
    """Item pipeline of distributed crawls, after the dedupe pipeline (the spider's update_settings
    adds it): the first run of the crawl generation to claim an article exports it, under its URL or
    its content under another URL; any other worker drops it as a duplicate
    (`gbaf/records/dropped/duplicate_claimed`) and remembers its URL as an alias, as the dedupe
    pipeline does. One atomic Redis call per record (RedisStateStore.claim)."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        self.state = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ClaimPipeline:
        if not setting(crawler.settings, "GBAF_REDIS_URL") or not setting(crawler.settings, "GBAF_STATE_ENABLED"):
            raise NotConfigured("not a distributed crawl with a state store")
        return cls(crawler)

    def open_spider(self) -> None:
        self.state = run_state(self.crawler)

    def process_item(self, item: Any) -> Any:
        if self.state is None or not getattr(self.state.store, "claim", None):
            return item
        a = ItemAdapter(item)
        url = a["url"]
        try:
            original = self.state.store.claim(self.state.run_id, url, a["content_hash"])
        except RedisError as exc:
            redis_lost(self.crawler, exc)
            raise DropItem(f"not claimed, Redis is unreachable: {url}") from None
        if original is None:
            return item
        self.stats.inc_value("gbaf/records/dropped/duplicate_claimed")
        logger.info("duplicate (claimed by another worker): %s of %s", url, original)
        if original != url and self.state.lookup(url) is None:
            self.state.stage("alias", url, {"alias": url, "id": article_id(original)})
        raise DropItem(f"duplicate of {original}, claimed by another worker")
