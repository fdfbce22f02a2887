"""The frontier's side of the gbaf spider (spiders/gbaf.py): article URLs waiting in crawler.frontier
are turned into requests as the scheduler empties, and kept beside a paused crawl's JOBDIR.

`feeding` marks a callback whose output is followed by requests from the frontier.
"""
from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import scrapy.exceptions

from crawler.frontier import FILE_NAME as FRONTIER_FILE


def feeding(callback: Callable[..., Iterable | None]) -> Callable[..., Iterator]:
    """A callback whose output is followed by requests from the frontier (FrontierFeeding._feed)."""
    @functools.wraps(callback)
    def wrapper(self, *args, **kwargs):
        yield from callback(self, *args, **kwargs) or ()
        yield from self._feed()
    return wrapper


class FrontierFeeding:
    """Mixin of GbafSpider: `self.frontier` (crawler.frontier.Frontier), `frontier_target`, `lazy`,
    `requested`, `_request` and `parse_article` are the spider's."""

    # Every callback tops the scheduler up to GBAF_FRONTIER_TARGET requests from the frontier, so
    # the downloader never waits for work.
    def _room(self):
        try:
            return self.frontier_target - len(self.crawler.engine._slot.scheduler)
        except (AttributeError, RuntimeError, TypeError):  # no engine yet (tests) or another scheduler
            return self.frontier_target

    def _feed(self, room=None):
        for kind, url in self.frontier.take(self._room() if room is None else room):
            self.requested.add(url)
            yield self._request(url, kind, self.parse_article)

    def _frontier_idle(self, spider):
        """Nothing scheduled nor downloading: the frontier goes on (a batch of pages that gave no
        output, or failed, cannot end the crawl before it is empty)."""
        if spider is not self or not self.frontier:
            return
        for request in self._feed(self.frontier_target):
            self.crawler.engine.crawl(request)
        raise scrapy.exceptions.DontCloseSpider

    # A paused crawl (JOBDIR) keeps the frontier next to Scrapy's queue, and resumes it.
    def _frontier_path(self):
        jobdir = self.crawler.settings.get("JOBDIR")
        return Path(jobdir) / FRONTIER_FILE if jobdir and self.lazy else None

    def _frontier_closed(self, spider, reason):
        path = self._frontier_path()
        if spider is not self or path is None:
            return
        saved = self.frontier.save(path)
        if saved:
            self.logger.info("frontier saved for the resume: %d article URLs in %s", saved, path)

    def _frontier_restore(self, spider=None):
        path = self._frontier_path()
        if spider is not self or path is None or not path.exists():
            return
        try:
            waiting = self.frontier.restore(path)
        except (OSError, ValueError) as exc:
            self.logger.warning("frontier of the paused crawl unreadable (%s): %s", exc, path)
            return
        self.crawler.stats.set_value("gbaf/frontier/resumed", waiting)
        self.logger.info("resuming the frontier of the paused crawl: %d article URLs", waiting)
