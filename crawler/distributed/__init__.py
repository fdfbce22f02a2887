"""Distributed crawling on Redis: the worker (crawler.distributed.worker) and the merge of runs."""
