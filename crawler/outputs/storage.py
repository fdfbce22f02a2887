"""Atomic local file storage for Scrapy FEEDS: a run's outputs appear whole or not at all.

Registered for plain paths and `file://` URIs through `FEED_STORAGES` (keys "" and "file").
Each feed is written to a hidden temporary file beside its final name,
`.<name>.<pid>.<n>.part`; when the spider closes with a delivering reason (setting
`GBAF_FEED_DELIVER_REASONS`, default `["finished"]`) the file is fsynced and `os.replace`d onto
the final name. Any other close reason removes it, so a failed run leaves the previous output
untouched. A run killed outright (SIGKILL, power loss) leaves at most `.part` files, which no
`*.jsonl` / `*.xml` glob matches; a later run removes those of dead processes that are older
than its own start, in the folders it writes to.

Why the storage listens to `spider_closed` itself: Scrapy's FeedExporter calls `store()` from
its own `spider_closed` handler, where the close reason is not passed on, and the order of
handlers is not something to rely on. So `store()` returns a Deferred that fires once this
storage's own `spider_closed` handler has seen the reason; FeedExporter awaits it before sending
`feed_slot_closed` and `feed_exporter_closed`. Batch feeds closed mid-run wait the same way, so
nothing is renamed into place before the run has ended well.
"""
from __future__ import annotations

import itertools
import logging
import os
import re
import shutil
import time
from pathlib import Path
from typing import IO, Any

from scrapy import signals
from twisted.internet.defer import Deferred
from w3lib.url import file_uri_to_path

from crawler.defaults import setting

logger = logging.getLogger(__name__)

DEFAULT_DELIVER_REASONS = ("finished",)


def deliver_reasons(settings):
    """Close reasons whose outputs are delivered. With a JOBDIR a graceful stop ('shutdown') is a
    pause: what was extracted so far is delivered, and the resumed crawl does the rest."""
    reasons = setting(settings, "GBAF_FEED_DELIVER_REASONS")
    if settings.get("JOBDIR") and "shutdown" not in reasons:
        reasons = [*reasons, "shutdown"]
    return tuple(reasons)
PART_SUFFIX = ".part"
# `.<name>.<pid>.<token>.part`: this storage's and also write_feed()'s and the manifest's.
_PART_RE = re.compile(r"^\.(?P<name>.+)\.(?P<pid>\d+)\.(?P<token>[^.]+)\.part$")
_counter = itertools.count(1)


def _fsync(path: str | os.PathLike, directory: bool = False) -> None:
    fd = os.open(path, os.O_RDONLY | (os.O_DIRECTORY if directory else 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's live process
    return True


def remove_stale_parts(folder: str | os.PathLike, older_than: float) -> list[Path]:
    """Remove `.part` files in `folder` left by dead processes before `older_than` (epoch s)."""
    removed = []
    try:
        candidates = list(Path(folder).iterdir())
    except FileNotFoundError:
        return removed
    for path in candidates:
        match = _PART_RE.match(path.name)
        if not match or int(match["pid"]) == os.getpid() or _pid_alive(int(match["pid"])):
            continue
        try:
            if path.stat().st_mtime >= older_than:
                continue
            path.unlink()
        except FileNotFoundError:
            continue  # another run cleaned it first
        removed.append(path)
    return removed


class AtomicFileFeedStorage:
    """Scrapy's FileFeedStorage, but written beside the final name and renamed on success."""

    def __init__(self, uri: str, *, feed_options: dict[str, Any] | None = None,
                 deliver_reasons: tuple[str, ...] | list[str] = DEFAULT_DELIVER_REASONS,
                 stats=None, started: float | None = None, wait_for_close: bool = False):
        self.path = Path(file_uri_to_path(uri) if uri.startswith("file:") else uri)
        self.overwrite = bool((feed_options or {}).get("overwrite", False))
        self.deliver_reasons = tuple(deliver_reasons)
        self.stats = stats
        self.started = time.time() if started is None else started
        # Without a crawler there is no close reason to wait for: store() delivers at once.
        self.wait_for_close = wait_for_close
        self.tmp_path: Path | None = None
        self.delivered_path: Path | None = None
        self.reason: str | None = None
        self._pending: Deferred | None = None

    @classmethod
    def from_crawler(cls, crawler, uri: str, *, feed_options: dict[str, Any] | None = None):
        storage = cls(
            uri,
            feed_options=feed_options,
            deliver_reasons=deliver_reasons(crawler.settings),
            stats=crawler.stats,
            wait_for_close=True,
        )
        crawler.signals.connect(storage.spider_closed, signal=signals.spider_closed)
        return storage

    def open(self, spider) -> IO[bytes]:
        folder = self.path.parent
        folder.mkdir(parents=True, exist_ok=True)
        for stale in remove_stale_parts(folder, self.started):
            logger.info("Removed stale partial output %s", stale)
            self._inc("feedstorage/stale_part/removed")
        self.tmp_path = folder / (".%s.%d.%d%s" % (self.path.name, os.getpid(), next(_counter),
                                                   PART_SUFFIX))
        if not self.overwrite and self.path.exists():
            # Scrapy's append mode (overwrite=False): start from the delivered file's content.
            shutil.copyfile(self.path, self.tmp_path)
            return self.tmp_path.open("ab")
        return self.tmp_path.open("xb")

    def store(self, file: IO[bytes]) -> Deferred | None:
        if not file.closed:
            file.close()
        if self.wait_for_close and self.reason is None:
            self._pending = Deferred()
            return self._pending
        self._finish()
        return None

    def spider_closed(self, spider, reason: str) -> None:
        self.reason = reason
        if self._pending is not None:
            pending, self._pending = self._pending, None
            try:
                self._finish()
            except Exception as exc:
                pending.errback(exc)
            else:
                pending.callback(None)
        # Otherwise store() is still to come (FeedExporter closes its slots in tasks of its
        # own) and will finish at once now that the reason is known.

    def _finish(self) -> None:
        if self.wait_for_close and self.reason not in self.deliver_reasons:
            self._discard("spider closed with reason %r" % self.reason)
            return
        _fsync(self.tmp_path)
        os.replace(self.tmp_path, self.path)
        # The rename is durable only once the folder's entry is on disk too.
        _fsync(self.path.parent, directory=True)
        self.delivered_path = self.path
        self._inc("feedstorage/delivered/%s" % (self.reason or "stored"))

    def _discard(self, why: str) -> None:
        self.tmp_path.unlink(missing_ok=True)
        logger.warning("Not delivering %s: %s; partial output removed", self.path, why)
        self._inc("feedstorage/discarded/%s" % (self.reason or "unknown"))

    def _inc(self, key: str) -> None:
        if self.stats is not None:
            self.stats.inc_value(key)
