"""Distributed crawling on Redis: the worker (crawler.distributed.worker). Seeding a crawl and merging
its workers' outputs are commands: crawler/commands/seed.py and merge.py."""
