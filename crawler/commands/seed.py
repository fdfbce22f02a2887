"""Seed a distributed crawl: put the start pages into the shared scrapy-redis queue, once.

    gbaf-seed [-s NAME=VALUE ...] [-a NAME=VALUE ...] [--new]
    python -m crawler.commands.seed ...   (the same, without installing the project)

Run it once per crawl, before (or while) workers start (`scrapy crawl gbaf` or Scrapyd jobs with
the same settings, GBAF_REDIS_URL among them; see docs/distributed.md). The seeds are the requests
the spider makes itself on a first run: the cheap sources (news sitemap, feed, sitemap index),
the home page and the category listings (`-a categories=...` narrows them as for the spider).

They are built by the spider's own code (`GbafSpider.seed_requests()`) and pushed exactly as
scrapy-redis's scheduler would: through the shared duplicate filter (not `dont_filter`, unlike
scrapy-redis's start URLs) into the shared priority queue, serialized with their callbacks named,
so any worker routes them. Running the command twice adds nothing.

Crawl generations: when the previous crawl is over (its queue empty, no worker alive but those
still waiting for their first request) or with `--new`, the command starts a new generation: it
forgets the previous crawl's request fingerprints (otherwise nothing could be fetched again) and
opens a new scope for the state store's article claims. While a crawl is under way it joins it:
the seeds are already seen, so nothing is added. Workers may be started before the seeding: they
wait for work up to GBAF_REDIS_IDLE_SECONDS. Exit status: 0 when seeded or joined, 1 when Redis cannot be used, 2 on bad usage.
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import secrets
import sys
import time
from typing import TYPE_CHECKING

from redis.exceptions import RedisError
from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.statscollectors import MemoryStatsCollector
from scrapy.utils.misc import load_object
from scrapy.utils.project import get_project_settings
from scrapy_redis import defaults

from crawler.commands import add_setting_option, name_value
from crawler.defaults import setting
from crawler.distributed.worker import Workers, configuration_problem, generation_key, redis_client
from crawler.state import is_redis_url, open_store
from crawler.state.redis_store import redacted
from crawler.state.store import StateError

if TYPE_CHECKING:
    from spiders.gbaf import GbafSpider

logger = logging.getLogger("crawler.commands.seed")

LOCK_SECONDS = 60


def worker_crawler(overrides: dict[str, str]) -> Crawler:
    """A crawler (not started) with the settings a worker given the same `-s` options would have:
    the spider's switch to scrapy-redis applied."""
    from spiders.gbaf import GbafSpider  # not at import: `scrapy` imports this module at start

    settings = get_project_settings()
    settings.setdict(overrides, priority="cmdline")
    return Crawler(GbafSpider, settings)


def seed_requests(crawler: Crawler, spider_args: dict[str, str]) -> tuple[GbafSpider, list[Request]]:
    """(spider, requests): the first-run seeds of the gbaf spider, built by its own code."""
    from spiders.gbaf import GbafSpider

    crawler.stats = MemoryStatsCollector(crawler)
    spider = GbafSpider.for_seeding(crawler, **spider_args)
    return spider, spider.seed_requests()


def seed(crawler: Crawler, spider_args: dict[str, str], new: bool = False) -> dict:
    """Seed (or join) the crawl generation; returns a summary dict."""
    settings = crawler.settings
    spider, requests = seed_requests(crawler, spider_args)
    server = redis_client(settings)
    server.ping()
    lock = f"{spider.name}:seed-lock"
    if not server.set(lock, os.getpid(), nx=True, ex=LOCK_SECONDS):
        raise RuntimeError("another seed command is running")
    try:
        queue = load_object(settings.get("SCHEDULER_QUEUE_CLASS", defaults.SCHEDULER_QUEUE_CLASS))(
            server=server, spider=spider,
            key=settings.get("SCHEDULER_QUEUE_KEY", defaults.SCHEDULER_QUEUE_KEY) % {"spider": spider.name},
            serializer=_serializer(settings))
        dupefilter = load_object(settings.get("DUPEFILTER_CLASS")).from_spider(spider)
        live = Workers(server, spider.name).live()
        # Workers still waiting for their first request do not hold a crawl open; any other does
        # (busy, idle with requests done, or closing: delivering and committing its run).
        working = sorted(r for r, info in live.items() if info.get("state") != "waiting")
        current = server.hgetall(generation_key(spider.name))
        current = {_text(k): _text(v) for k, v in current.items()}
        waiting = len(queue)
        if new and working:
            raise RuntimeError(f"{len(working)} worker(s) of generation {current.get('id')} are running "
                               f"({', '.join(working)}): stop them before starting a new crawl")
        fresh = new or not current or (not waiting and not working)
        if fresh:
            generation = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()) + "-" + secrets.token_hex(3)
            server.unlink(dupefilter.key, queue.key)  # the previous crawl's fingerprints and leftovers
            record = {"id": generation, "seeded_at": time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime()),
                      "base_url": spider.site.base_url, "args": json.dumps(spider_args, sort_keys=True),
                      "categories": json.dumps(spider.only_categories)}
            store = _state_store(settings)
            if store is not None:
                store.new_generation(generation)
                # Workers started before this seeding check their snapshot against it.
                record["commits"] = store.commit_count()
                store.close()
            with server.pipeline() as pipe:
                pipe.delete(generation_key(spider.name))
                pipe.hset(generation_key(spider.name), mapping=record)
                pipe.execute()
        else:
            generation = current.get("id")
        pushed = 0
        for request in requests:
            if request.dont_filter or not dupefilter.request_seen(request):
                queue.push(request)
                pushed += 1
        server.hset(generation_key(spider.name), "seeds", len(requests))
        return {"generation": generation, "new": fresh, "seeds": len(requests), "queued": pushed,
                "already_seen": len(requests) - pushed, "queue": len(queue), "workers": len(live),
                "working": len(working)}
    finally:
        server.delete(lock)


def _serializer(settings):
    import importlib

    name = settings.get("SCHEDULER_SERIALIZER")
    return importlib.import_module(name) if isinstance(name, str) else name


def _state_store(settings):
    """The Redis state store whose claims follow the generation (None when the state is elsewhere)."""
    if not setting(settings, "GBAF_STATE_ENABLED"):
        return None
    url = setting(settings, "GBAF_STATE_URL")
    return open_store(url) if is_redis_url(url) else None


def _text(value):
    return value.decode() if isinstance(value, bytes) else value


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="gbaf-seed", description=__doc__.split("\n\n")[0])
    add_setting_option(parser, "a setting, as for scrapy crawl (GBAF_REDIS_URL, GBAF_BASE_URL, ...)")
    parser.add_argument("-a", dest="spider_args", action="append", type=name_value, metavar="NAME=VALUE", default=[],
                        help="a spider argument, as for scrapy crawl (categories=...)")
    parser.add_argument("--new", action="store_true",
                        help="start a new crawl generation even if the queue still holds requests")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s [%(name)s] %(levelname)s: %(message)s")
    for name in ("scrapy", "crawler.state.redis_store"):  # their run-time notes are not the seeder's
        logging.getLogger(name).setLevel(logging.WARNING)
    crawler = worker_crawler(dict(args.set))
    settings = crawler.settings
    url = setting(settings, "GBAF_REDIS_URL")
    if not url:
        logger.error("GBAF_REDIS_URL is not set: there is no shared queue to seed")
        return 2
    problem = configuration_problem(settings)
    if problem:
        logger.error("%s", problem)
        return 2
    try:
        summary = seed(crawler, dict(args.spider_args), new=args.new)
    except RedisError as exc:
        logger.error("Redis at %s is unreachable (%s): nothing seeded", redacted(url), exc)
        return 1
    except (RuntimeError, StateError) as exc:
        logger.error("%s: nothing seeded", exc)
        return 1
    if summary["new"]:
        logger.info("crawl generation %s: %d seed requests queued in %s", summary["generation"],
                    summary["queued"], redacted(url))
    else:
        logger.info("crawl generation %s is under way (%d requests queued, %d workers at work): joined it, "
                    "%d new seed requests queued, %d already seen", summary["generation"], summary["queue"],
                    summary["working"], summary["queued"], summary["already_seen"])
    print(json.dumps(summary, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
