"""Spider `gbaf_warc`: re-extraction from WARC files, without the site.

    scrapy crawl gbaf_warc -a warc=PATHS [-a workers=N] [-a since=YYYY-MM-DD]

PATHS: comma-separated files, globs or directories (`data/warc/*.warc.gz,cc-news/`): this
crawler's own archive (GBAF_WARC_DIR), CC-NEWS files, any WARC. The GBAF host's article captures
(the host of GBAF_BASE_URL and www.globalbankingandfinance.com; the latest 200 capture of each
article, chosen on the WARC headers before any payload is read, crawler.archive.reader) go
through the article callback of spider `gbaf` and then the same pipelines, state store,
exporters, manifest and report as a live run: a changed extraction is a new version, an unchanged
one exports nothing. `crawled_at` is the capture's WARC-Date.

Nothing is fetched: related links and previous/next posts are not followed, no page is
rendered (a rendered capture is what the parser saw then). With workers=N (default: the CPU
count) N worker processes read the captures at their offsets, parse them and do the pure part of
the pipelines' work (crawler.archive.extract.prepare), batches handed out in order and their results taken
back in the same order, while this process keeps the stateful rest (the pipelines' index and
stats, the versions, the store, the exporters): one run, one store, so no record is lost or
exported twice; memory is bounded by the batches in flight. Stats: `archive/*` beside the usual
`gbaf/*`.
"""
from __future__ import annotations

import asyncio
import multiprocessing
import os
from collections import deque
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ProcessPoolExecutor
from itertools import islice
from typing import TYPE_CHECKING, Any

import scrapy
from scrapy import Request, signals

from crawler.archive.extract import capture_response, parse_batch, warm_up
from crawler.archive.reader import expand_paths, index_latest, iter_captures, positions
from crawler.article import ArticlePage
from crawler.items import ArticleItem
from pipelines.prepared import attach
from spiders.gbaf import GbafSpider

if TYPE_CHECKING:
    from lxml.etree import _Element
    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from scrapy.settings import BaseSettings

    from crawler.archive.extract import ParsedPage

BATCH = 8  # captures per task: large enough to pay for the pickling, small for flat memory
# Batches in flight per worker: enough that the workers still have work while this process waits
# for a core (3 processes on 2 cores); cheap, a task being an offset and a result a parsed page.
IN_FLIGHT = 4


class _NoRendering:
    """The archive holds what the parser saw: no page is sent to the browser again."""

    def article_request(self, response: Response, page: Any, callback: Callable[..., Any]) -> None:
        return None

    def listing_request(self, response: Response, facts: dict[str, Any], root: _Element,
                        callback: Callable[..., Any]) -> None:
        return None


class GbafWarcSpider(GbafSpider):
    name = "gbaf_warc"
    custom_settings = {"GBAF_RENDER": "never", "ROBOTSTXT_OBEY": False, "GBAF_ROBOTS_SITEMAPS": False}

    def __init__(self, warc: str | None = None, workers: str | int | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if not warc:
            raise ValueError("gbaf_warc needs -a warc=PATHS (files, globs or directories, comma-separated)")
        self.warc_spec = warc
        self.workers = int(workers) if workers not in (None, "") else (os.cpu_count() or 1)

    @classmethod
    def update_settings(cls, settings: BaseSettings) -> None:
        # Not the gbaf spider's switch to scrapy-redis under GBAF_REDIS_URL: a re-extraction is one
        # run that parallelises itself (a Redis state store is still used if GBAF_STATE_URL names one).
        scrapy.Spider.update_settings.__func__(cls, settings)

    def setup_distributed(self, crawler: Crawler) -> None:
        self.distributed = False

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> GbafWarcSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.renderer = _NoRendering()
        spider.pool = None
        if spider.workers > 1:  # started now: the workers import while Scrapy and the store start
            spider.pool = ProcessPoolExecutor(spider.workers, mp_context=multiprocessing.get_context("spawn"))
            for _ in range(spider.workers):  # spawn, not fork: no copy of a running reactor
                spider.pool.submit(warm_up)
            crawler.signals.connect(spider._stop_pool, signal=signals.spider_closed)
        return spider

    def _stop_pool(self, spider=None):
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None

    def _wanted_article(self, url, kind="article", defer=False):
        return None  # nothing is fetched

    def article_text(self, response: Response) -> tuple[str, bool, int]:
        parsed = response.meta.get("gbaf_parsed")
        if parsed is not None and parsed.decoded is not None:
            return "", *parsed.decoded  # decoded and parsed in a worker: the text is not needed here
        return super().article_text(response)

    def article_page(self, text: str, response: Response) -> ArticlePage | ParsedPage:
        parsed = response.meta.get("gbaf_parsed")
        if parsed is not None:
            return parsed
        return ArticlePage(text, response.url, base_url=self.site.base_url,
                           crawled_at=response.meta.get("warc_date"))

    async def start(self) -> AsyncIterator[Any]:
        if self.state_failed:
            return  # the run closes with reason "state_error" (crawler.run.lifecycle.RunLifecycle)
        stats = self.crawler.stats
        paths = expand_paths(self.warc_spec)
        stats.set_value("archive/files", len(paths))
        pool = self.pool
        try:
            index = index_latest(paths, self.site.site_article, stats)
            stats.set_value("archive/captures/articles", len(index))
            self.logger.info("%d WARC files, %d article captures to re-extract (%d workers)",
                             len(paths), len(index), self.workers)
            if pool is None:
                for capture in iter_captures(paths, index):
                    for output in self._from_capture(capture):
                        yield output
                return
            async for output in self._parallel(pool, self._tasks(paths, index)):
                yield output
        finally:
            self._stop_pool()

    def _tasks(self, paths, index):
        """What the workers get, in archive order: (path, offset) of each capture in a file whose
        captures can be read at their offsets (gzip member per record: this crawler's files,
        CC-NEWS, any standard WARC), the capture itself read here for any other file."""
        order, seekable = positions(paths, index)
        number = None
        for n, pos in order:
            if n in seekable:
                yield paths[n], pos
            elif n != number:
                number = n
                yield from iter_captures(paths, {k: v for k, v in index.items() if v[1] == n})

    async def _parallel(self, pool, tasks):
        """Batches of BATCH tasks to the workers, at most IN_FLIGHT per worker, the results
        taken back in the order handed out: the outcome does not depend on the worker count."""
        in_flight = deque()
        while True:
            batch = list(islice(tasks, BATCH))
            if batch:
                in_flight.append((batch, pool.submit(parse_batch, batch, self.site.base_url)))
            if not in_flight:
                break
            if batch and len(in_flight) < IN_FLIGHT * self.workers:
                continue
            done, future = in_flight.popleft()
            for task, (capture, parsed) in zip(done, await asyncio.wrap_future(future)):
                if capture is None:
                    self.crawler.stats.inc_value("archive/captures/unreadable")
                    self.logger.error("the capture at offset %d of %s cannot be read: %s", task[1], task[0],
                                      parsed.error)
                    continue
                for output in self._from_capture(capture, parsed):
                    yield output

    def _from_capture(self, capture, parsed=None):
        """The article callback's items for one capture (its requests are none: nothing is fetched)."""
        stats = self.crawler.stats
        stats.inc_value("gbaf/requests/article")  # the run checks count article pages taken
        error = parsed.error if parsed is not None else None
        if error is None:
            meta = {"gbaf_parsed": parsed} if parsed is not None else {}
            try:  # the whole callback first: an exception halfway must not leave half its output
                outputs = [o for o in self.parse_article(capture_response(capture, **meta))
                           if not isinstance(o, Request)]
            except Exception as exc:  # noqa: BLE001 - one page must not end the re-extraction
                error = f"{type(exc).__name__}: {exc}"
                self.logger.debug("callback failed on %s", capture.url, exc_info=True)
        if error is not None:
            stats.inc_value(f"archive/parse/failed/{error.split(':')[0]}")
            self.logger.error("parsing failed on the capture of %s (%s): %s", capture.url, capture.date, error)
            return
        if parsed is not None and parsed.prepared is not None:
            for output in outputs:  # the pipelines take the worker's part of their work from it
                if isinstance(output, ArticleItem):
                    attach(output, parsed.prepared)
        yield from outputs
