"""Distributed crawling on Redis (scrapy-redis): one shared frontier and one memory of what was seen.

`DistributedMixin` is a base of the gbaf spider. When `GBAF_REDIS_URL` is unset it changes
nothing; issue 7 makes workers take their seeds from the shared queue instead of `start()`.
"""


class DistributedMixin:
    distributed = False

    def setup_distributed(self, crawler):
        """Called from the spider's from_crawler."""
        self.distributed = bool(crawler.settings.get("GBAF_REDIS_URL"))

    async def distributed_start(self):
        """The worker's own start requests in distributed mode (none: the seed command fills the queue)."""
        return
        yield
