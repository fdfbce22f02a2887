"""Distributed crawling on Redis (scrapy-redis): one shared frontier and one memory of what was seen.

`GBAF_REDIS_URL=redis://host:6379/0` turns a `scrapy crawl gbaf` (or a Scrapyd job) into one worker
of a crawl shared by any number of machines; unset, nothing here changes anything. Set, the
spider's `update_settings` (`DistributedMixin`) switches, before Scrapy freezes the settings:

- the scheduler and duplicate filter to scrapy-redis's (`RedisScheduler` below, a subclass of
  `scrapy_redis.scheduler.Scheduler`; `scrapy_redis.dupefilter.RFPDupeFilter`): one priority queue
  (`gbaf:requests`) and one set of request fingerprints (`gbaf:dupefilter`) for every worker, kept
  when a worker closes (`SCHEDULER_PERSIST`), so a worker that stops never flushes the others' work;
- the state store (crawler.state) to the Redis one (crawler.state.redis_store), unless `GBAF_STATE_URL`
  already names a Redis: dedupe and versions hold across workers and runs, and a pipeline after
  the dedupe one claims each article for one run (`ClaimPipeline`), so two workers never export
  the same article.

Workers take no seeds of their own: `python -m crawler.commands.seed` puts the start pages into the shared
queue once per crawl generation (see there). A worker stops when the shared queue has been empty,
and no live worker busy, for `GBAF_REDIS_IDLE_SECONDS`: a worker whose requests are done keeps
waiting while another still holds requests that may bring more. Workers announce themselves in
Redis twice a second (`gbaf:worker:<run id>`, expiring after `WORKER_TTL` seconds): a killed worker
stops counting once its key has expired.

A worker killed in the middle loses the requests it had taken from the queue and the records it
had not delivered; its run is never committed to the state store, so the next crawl generation
(seeded once this one is over) fetches those articles again, and only those.

Redis unreachable at start is one clear ERROR and a run closed with reason `redis_unreachable`
(`scrapy crawl` then exits 1): never a local crawl that pretends to be distributed. Redis lost
during the run closes it with reason `redis_lost`; nothing of that run is delivered or committed.
"""
from __future__ import annotations

import json
import logging
import os
import re
import socket
import time
import warnings
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

from redis.exceptions import RedisError
from scrapy import signals
from scrapy.exceptions import DontCloseSpider, ScrapyDeprecationWarning
from scrapy.settings import SETTINGS_PRIORITIES
from scrapy.utils.defer import deferred_from_coro
from scrapy.utils.misc import load_object
from scrapy_redis.connection import get_redis_from_settings
from scrapy_redis.scheduler import Scheduler as ScrapyRedisScheduler

from crawler.defaults import setting
from crawler.run.lifecycle import run_state
from crawler.state import is_redis_url
from crawler.state.redis_store import redacted

if TYPE_CHECKING:
    from redis import Redis
    from scrapy import Request, Spider
    from scrapy.crawler import Crawler
    from scrapy.settings import BaseSettings

logger = logging.getLogger(__name__)
# scrapy-redis 0.9.1 still calls Spider.log() and passes spider= to the stats, which Scrapy 2.19
# deprecates: warnings about the library, not about the run.
warnings.filterwarnings("ignore", category=ScrapyDeprecationWarning, module="scrapy_redis")

SCHEDULER = "crawler.distributed.worker.RedisScheduler"
DUPEFILTER = "scrapy_redis.dupefilter.RFPDupeFilter"
HEARTBEAT_SECONDS = 0.5  # how often a worker says whether it is busy (and re-checks when idle)
WORKER_TTL = 10  # seconds: a worker that stops beating counts as gone after this
CLAIM_ORDER = 350  # ITEM_PIPELINES: after pipelines.dedupe (300), before pipelines.versions (400)


def distributed_settings(settings: BaseSettings) -> dict[str, Any]:
    """The Scrapy settings a worker needs on top of the project's (GBAF_REDIS_URL is set)."""
    url = setting(settings, "GBAF_REDIS_URL")
    values = {
        "SCHEDULER": SCHEDULER,
        "DUPEFILTER_CLASS": DUPEFILTER,
        "SCHEDULER_PERSIST": True,  # a closing worker must not flush the others' queue
        "SCHEDULER_FLUSH_ON_START": False,
        "SCHEDULER_QUEUE_CLASS": "scrapy_redis.queue.PriorityQueue",  # honours request priorities
        "REDIS_URL": url,
    }
    if not settings.get("REDIS_PARAMS"):
        # scrapy-redis waits 30 s to connect: an unreachable Redis should be reported sooner.
        values["REDIS_PARAMS"] = {"socket_connect_timeout": 10, "socket_timeout": 30,
                                  "retry_on_timeout": True}
    if not setting(settings, "GBAF_STATE_URL"):
        values["GBAF_STATE_URL"] = url
    return values


def configuration_problem(settings: BaseSettings) -> str | None:
    """Why these settings cannot run a distributed worker (None when they can)."""
    scheduler = load_object(settings.get("SCHEDULER"))
    if not (isinstance(scheduler, type) and issubclass(scheduler, ScrapyRedisScheduler)):
        return (f"GBAF_REDIS_URL is set but SCHEDULER is {settings.get('SCHEDULER')!r}, not "
                f"scrapy-redis's: unset SCHEDULER (the spider sets {SCHEDULER})")
    if not settings.getbool("SCHEDULER_PERSIST"):
        return "GBAF_REDIS_URL is set but SCHEDULER_PERSIST is off: a closing worker would flush the shared queue"
    state_url = setting(settings, "GBAF_STATE_URL")
    if setting(settings, "GBAF_STATE_ENABLED") and not is_redis_url(state_url):
        return (f"GBAF_REDIS_URL is set but GBAF_STATE_URL is {state_url!r}: workers must share a Redis "
                "state store (unset GBAF_STATE_URL to use GBAF_REDIS_URL)")
    return None


def redis_client(settings: BaseSettings) -> Redis:
    return get_redis_from_settings(settings)


def worker_id(run_id: str) -> str:
    """A run id unique to this worker: the spider's timestamp id is the same for workers started in
    the same second, so it gets host and pid; an id given by Scrapyd (`_job`) is unique already."""
    if re.fullmatch(r"\d{8}T\d{6}Z", run_id or ""):
        return f"{run_id}-{socket.gethostname().split('.')[0]}-{os.getpid()}"
    return run_id


class DistributedMixin:
    """Base of the gbaf spider: the switch to scrapy-redis (`update_settings`) and the worker's checks."""

    distributed = False
    distributed_error = None

    @classmethod
    def update_settings(cls, settings: BaseSettings) -> None:
        super().update_settings(settings)
        if setting(settings, "GBAF_REDIS_URL"):
            # "spider" priority: over the project's settings, under `-s` on the command line (which
            # setup_distributed then checks).
            for name, value in distributed_settings(settings).items():
                settings.set(name, value, priority="spider")
            # At "spider" priority at least: `scrapy crawl` merges the project's pipelines back in
            # over anything set at the project's priority.
            pipelines = settings.getdict("ITEM_PIPELINES")
            pipelines["pipelines.claim.ClaimPipeline"] = CLAIM_ORDER
            settings.set("ITEM_PIPELINES", pipelines,
                         max(settings.getpriority("ITEM_PIPELINES") or 0, SETTINGS_PRIORITIES["spider"]))

    def setup_distributed(self, crawler: Crawler) -> None:
        """Called from the spider's from_crawler, before the state store is opened."""
        settings = crawler.settings
        url = setting(settings, "GBAF_REDIS_URL")
        self.distributed = bool(url)
        if not url:
            return
        self.run_id = worker_id(self.run_id)
        # The seed command decided what to walk: a worker only routes callbacks, it never starts
        # the listings on its own (the spider's cheap-sources-first counters are per process).
        self.listings_started = True
        self.generation = None
        problem = configuration_problem(settings)
        if problem:
            self.distributed_error = "distributed_misconfigured"
            logger.error("%s: this worker does not start", problem)
        else:
            try:
                server = redis_client(settings)
                server.ping()
                generation = {_text(k): _text(v) for k, v in server.hgetall(generation_key(self.name)).items()}
                server.close()
            except RedisError as exc:
                self.distributed_error = "redis_unreachable"
                logger.error("Redis at %s is unreachable (%s): this distributed worker does not start "
                             "(no local crawl instead)", redacted(url), exc)
            else:
                self._check_generation(generation, url)
        if not setting(settings, "GBAF_STATE_ENABLED"):
            logger.warning("GBAF_STATE_ENABLED is off: without the shared state store nothing stops two "
                           "workers exporting one article reached under two URLs")
        crawler.signals.connect(self._distributed_opened, signal=signals.spider_opened)

    def _check_generation(self, generation, url):
        if not generation:
            logger.warning("no crawl generation seeded in %s yet: this worker waits %s s for work "
                           "(run `python -m crawler.commands.seed` first)", redacted(url),
                           setting(self.crawler.settings, "GBAF_REDIS_IDLE_SECONDS"))
            return
        self.generation = generation.get("id")
        seeded = json.loads(generation.get("categories") or "null")
        if seeded != self.only_categories:
            logger.warning("generation %s was seeded for categories %s, this worker was started with %s",
                           generation.get("id"), seeded or "all", self.only_categories or "all")
        logger.info("worker %s starts; the current crawl generation is %s (seeded %s)", self.run_id,
                    generation.get("id"), generation.get("seeded_at"))

    def _distributed_opened(self, spider):
        self.crawler.stats.set_value("gbaf/distributed/worker", self.run_id)
        if self.distributed_error:
            self.crawler.stats.set_value("gbaf/distributed/error", self.distributed_error)
            deferred_from_coro(self.crawler.engine.close_spider_async(reason=self.distributed_error))

    async def distributed_start(self) -> AsyncIterator[Request]:
        """The worker's own start requests in distributed mode: none, the seed command fills the queue."""
        return
        yield


def generation_key(spider_name: str) -> str:
    return f"{spider_name}:generation"


class Workers:
    """The live workers of a spider: each sets `<name>:worker:<run id>` (a short TTL) on every heartbeat,
    with its state: `waiting` (has taken no request yet), `busy`, `idle`, `closing` (delivering its
    outputs and committing its run: until then the next generation must not start)."""

    def __init__(self, server: Redis, spider_name: str) -> None:
        self.server = server
        self.members = f"{spider_name}:workers"
        self.prefix = f"{spider_name}:worker:"

    def beat(self, run_id: str, state: str) -> None:
        info = json.dumps({"state": state, "host": socket.gethostname(), "pid": os.getpid()})
        with self.server.pipeline() as pipe:
            pipe.set(self.prefix + run_id, info, ex=WORKER_TTL)
            pipe.sadd(self.members, run_id)
            pipe.execute()

    def leave(self, run_id: str) -> None:
        with self.server.pipeline() as pipe:
            pipe.delete(self.prefix + run_id)
            pipe.srem(self.members, run_id)
            pipe.execute()

    def live(self) -> dict[str, dict[str, Any]]:
        """{run id: {"state", "host", "pid"}} of every worker whose heartbeat has not expired."""
        ids = sorted(self.server.smembers(self.members))
        if not ids:
            return {}
        found = {}
        values = self.server.mget([self.prefix + _text(i) for i in ids])
        gone = []
        for run_id, value in zip(ids, values):
            if value is None:
                gone.append(run_id)
            else:
                found[_text(run_id)] = json.loads(value)
        if gone:
            self.server.srem(self.members, *gone)
        return found


def _text(value):
    return value.decode() if isinstance(value, bytes) else value


def redis_lost(crawler: Crawler, exc: BaseException) -> None:
    """Redis went away during the run: say it once and close the run (reason `redis_lost`), which
    then delivers and commits nothing; the next crawl generation fetches what it had."""
    if getattr(crawler, "_gbaf_redis_lost", False):
        return
    crawler._gbaf_redis_lost = True
    logger.error("Redis connection lost (%s): this worker stops; what it had taken is crawled again by "
                 "the next crawl generation", exc)
    crawler.stats.set_value("gbaf/distributed/error", "redis_lost")
    try:
        engine = crawler.engine
    except RuntimeError:  # not started yet
        return
    if engine.spider is not None:
        deferred_from_coro(engine.close_spider_async(reason="redis_lost"))


class RedisScheduler(ScrapyRedisScheduler):
    """scrapy-redis's scheduler, plus what several workers sharing it need.

    - Idle stop: the spider closes only when the shared queue has been empty, and no live worker
      busy, for `GBAF_REDIS_IDLE_SECONDS`.
    - Heartbeat: twice a second the worker says what it does (`Workers`) and has its engine look at
      the shared queue (Scrapy itself looks again only when a download ends, or every 5 s). A worker stays listed,
      as `closing`, until its engine has stopped (outputs delivered, run committed).
    - A worker started before its crawl generation was seeded checks, before its first request,
      that its snapshot of the state store is not older than the generation (no run committed in
      between); if it is, it puts the request back and stops (reason `stale_snapshot`) rather than
      export again what another run has just committed.
    - Redis unreachable at start: an inert scheduler, so that the spider (which reported it)
      closes with reason `redis_unreachable` instead of the crawl dying in a traceback; Redis lost
      later closes the spider with reason `redis_lost`.
    """

    crawler = None
    lost = False
    closing = False
    taken = 0

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RedisScheduler | UnavailableScheduler:
        try:
            scheduler = super().from_crawler(crawler)
        except RedisError:  # reported by the spider (DistributedMixin.setup_distributed)
            return UnavailableScheduler()
        scheduler.crawler = crawler
        scheduler.idle_seconds = setting(crawler.settings, "GBAF_REDIS_IDLE_SECONDS")
        scheduler.idle_since = None
        scheduler.loop = None
        scheduler.seen_here = set()
        crawler.signals.connect(scheduler.spider_idle, signal=signals.spider_idle)
        crawler.signals.connect(scheduler.engine_stopped, signal=signals.engine_stopped)
        return scheduler

    def open(self, spider: Spider) -> None:
        from twisted.internet import task

        self.run_id = spider.run_id
        self.started_in = getattr(spider, "generation", None)
        self.workers = Workers(self.server, spider.name)
        try:
            super().open(spider)
            waiting = len(self.queue)
            self.workers.beat(self.run_id, "waiting")
        except RedisError as exc:
            self._lose(exc)
            return
        logger.info("shared queue %s: %d requests waiting; this worker stops after %.0f s with "
                    "nothing to do", self.queue.key, waiting, self.idle_seconds)
        self.loop = task.LoopingCall(self._heartbeat)
        self.loop.start(HEARTBEAT_SECONDS, now=False)

    def close(self, reason: str) -> None:
        self.closing = True  # still listed (as closing) until the engine has stopped
        if self.lost:
            return
        try:
            self.workers.beat(self.run_id, "closing")
            super().close(reason)  # SCHEDULER_PERSIST: the shared queue and fingerprints stay
        except RedisError as exc:
            logger.warning("could not tell Redis this worker is closing: %s", exc)

    def engine_stopped(self) -> None:
        if self.loop is not None and self.loop.running:
            self.loop.stop()
        if self.lost:
            return
        try:
            self.workers.leave(self.run_id)
        except RedisError as exc:
            logger.warning("could not leave the worker list in Redis: %s", exc)

    # --- the shared queue, guarded ------------------------------------------------------------
    def enqueue_request(self, request: Request) -> bool:
        if self.lost:
            return False
        if not request.dont_filter:
            # Fingerprints this worker has sent to the shared filter are seen for good (the set only
            # grows during a crawl generation): most links (related articles) repeat within a worker,
            # and each would otherwise cost a round trip to Redis.
            fingerprint = self.df.request_fingerprint(request)
            if fingerprint in self.seen_here:
                self.df.log(request, self.spider)
                return False
            self.seen_here.add(fingerprint)
        try:
            return super().enqueue_request(request)
        except RedisError as exc:
            self._lose(exc)
            return False

    def next_request(self) -> Request | None:
        if self.lost or self.closing:
            return None
        try:
            request = super().next_request()
            if request is not None and not self.taken and not self._may_work():
                self.queue.push(request)  # back for another worker
                return None
        except RedisError as exc:
            self._lose(exc)
            return None
        if request is not None:
            self.taken += 1
            self.idle_since = None
            if self.stats is not None:
                self.stats.inc_value("gbaf/distributed/requests_taken")
        return request

    def has_pending_requests(self) -> bool:
        if self.lost or self.closing:
            return False
        try:
            return super().has_pending_requests()
        except RedisError as exc:
            self._lose(exc)
            return False

    def _lose(self, exc):
        if not self.lost:
            self.lost = True
            redis_lost(self.crawler, exc)

    # --- several workers ----------------------------------------------------------------------
    def _may_work(self):
        """Before the first request: may this worker's run take part in the current generation?"""
        generation = {_text(k): _text(v) for k, v in self.server.hgetall(generation_key(self.spider.name)).items()}
        current = generation.get("id")
        if self.stats is not None and current:
            self.stats.set_value("gbaf/distributed/generation", current)
        if current == self.started_in or not generation.get("commits"):
            return True  # seeded before this worker started (or no shared state store to go stale)
        state = run_state(self.crawler)
        seen = getattr(getattr(state, "store", None), "snapshot_commits", None)
        if seen is None or seen == int(generation["commits"]):
            logger.info("worker %s takes part in crawl generation %s, seeded after it started", self.run_id, current)
            return True
        logger.error("worker %s started before crawl generation %s was seeded and runs have been committed "
                     "since its snapshot of the state store: it stops, its request goes back to the queue "
                     "(start workers after seeding, or again)", self.run_id, current)
        self.closing = True
        deferred_from_coro(self.crawler.engine.close_spider_async(reason="stale_snapshot"))
        return False

    def _heartbeat(self):
        if self.lost:
            return
        engine = self.crawler.engine
        if self.closing or engine.spider is None:
            state = "closing"
        else:
            idle = engine.spider_is_idle()
            # Nothing taken, nothing in flight: a worker waiting for its first request never holds
            # a crawl open (its start-up may look busy to the engine).
            state = "waiting" if not self.taken else ("busy" if not idle else "idle")
        try:
            self.workers.beat(self.run_id, state)
        except RedisError as exc:
            self._lose(exc)
            return
        if state != "closing":
            # Scrapy's engine asks the scheduler for more only when a download ends, or on its own 5 s
            # heartbeat: wake it, so that requests another worker queued are taken now (the shared
            # queue fills while this worker has nothing in flight) and the idle limit is checked.
            slot = getattr(engine, "_slot", None)
            nextcall = getattr(slot, "nextcall", None)
            if nextcall is not None:
                nextcall.schedule()

    def spider_idle(self, spider: Spider) -> None:
        if self.lost or self.closing:
            return  # let it close
        now = time.monotonic()
        try:
            waiting = len(self.queue)
            busy = sorted(r for r, info in self.workers.live().items()
                          if info.get("state") == "busy" and r != self.run_id)
        except RedisError as exc:
            self._lose(exc)
            return
        if waiting or busy:
            self.idle_since = None
            raise DontCloseSpider
        if self.idle_since is None:
            self.idle_since = now
            logger.info("shared queue empty and no worker busy: stopping in %.0f s unless work arrives",
                        self.idle_seconds)
        if now - self.idle_since < self.idle_seconds:
            raise DontCloseSpider
        logger.info("shared queue empty and no worker busy for %.0f s: this worker stops",
                    now - self.idle_since)


class UnavailableScheduler:
    """Stands in for the Redis scheduler when Redis cannot be reached: holds nothing, so the run
    closes (with the reason the spider gave) without touching the network."""

    def open(self, spider: Spider) -> None:
        return None

    def close(self, reason: str) -> None:
        return None

    def has_pending_requests(self) -> bool:
        return False

    def enqueue_request(self, request: Request) -> bool:
        return False

    def next_request(self) -> Request | None:
        return None

    def __len__(self):
        return 0
