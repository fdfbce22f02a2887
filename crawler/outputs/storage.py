"""Atomic local file storage for Scrapy FEEDS: a run's outputs appear whole, verified, or not at all.

Registered for plain paths and `file://` URIs through `FEED_STORAGES` (keys "" and "file").
Each feed is written to a hidden temporary file beside its final name, `.<name>.<pid>.<n>.part`,
which no `*.jsonl` / `*.xml` glob matches. `store()` only closes and fsyncs it: the run's owner
(crawler.run.lifecycle.RunLifecycle, which hears of every closed slot through Scrapy's
`feed_slot_closed`) verifies it, names it in the run's manifest and renames it into place, in the
order docs/protocol.md gives. So a failed or killed run never leaves a file under a final name,
and batch feeds closed mid-run wait for the end of the run like the others.

How the owner takes an output over: `store()` sends `OUTPUT_STORED`; a receiver that returns True
delivers it. With no owner (a crawl without the extension, the storage used on its own) the
storage renames its file into place itself as soon as it is stored, like Scrapy's.

Scrapy's append mode (`overwrite: false`, `-o`) starts the temporary file from a copy of the
delivered one; `offset` is where this run's part begins, for the manifest.
"""
from __future__ import annotations

import itertools
import logging
import os
import re
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from w3lib.url import file_uri_to_path

from crawler.crashpoints import maybe_failing
from crawler.defaults import DEFAULTS, setting
from crawler.pids import pid_alive

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.crawler import Crawler
    from scrapy.settings import BaseSettings
    from scrapy.signalmanager import SignalManager
    from scrapy.statscollectors import StatsCollector

logger = logging.getLogger(__name__)

DEFAULT_DELIVER_REASONS = tuple(DEFAULTS["GBAF_FEED_DELIVER_REASONS"])


def deliver_reasons(settings: BaseSettings) -> tuple[str, ...]:
    """Close reasons whose outputs are delivered (GBAF_FEED_DELIVER_REASONS)."""
    return tuple(setting(settings, "GBAF_FEED_DELIVER_REASONS"))


OUTPUT_STORED = object()  # signal, sent with storage=: True from a receiver that will deliver it
PART_SUFFIX = ".part"
# `.<name>.<pid>.<token>.part`: this storage's and also write_feed()'s and the manifest's.
_PART_RE = re.compile(r"^\.(?P<name>.+)\.(?P<pid>\d+)\.(?P<token>[^.]+)\.part$")
_counter = itertools.count(1)


def fsync_path(path: str | os.PathLike, directory: bool = False) -> None:
    fd = os.open(path, os.O_RDONLY | (os.O_DIRECTORY if directory else 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def replace_durably(src: str | os.PathLike, dst: str | os.PathLike) -> None:
    """Rename src onto dst and fsync the folder: the rename is durable only once its entry is."""
    os.replace(src, dst)
    fsync_path(Path(dst).parent, directory=True)


@contextmanager
def atomic_path(path: str | os.PathLike, before_rename: Callable[[], object] | None = None) -> Iterator[Path]:
    """A temporary name beside `path` for the caller to write the whole file at. When the block
    ends without an exception the file is fsynced, made readable by others (0644: mkstemp's 0600
    would hide a published file), `before_rename()` runs, and it is renamed onto `path` with the
    folder fsynced (replace_durably); with one it is removed. Readers see the old file or the new
    one, never half of one, even across a power cut. The name is `.<name>.<pid>.<token>.part`, which
    no `*.jsonl`/`*.json`/`*.xml` glob matches and remove_stale_parts() knows.

    Every whole file the crawler writes goes through it (feeds, manifests, run reports, the run
    history, the frontier of a paused crawl, merges, snapshots); only the outputs of a running
    crawl, delivered by the run's owner, use AtomicFileFeedStorage below.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.{os.getpid()}.", suffix=PART_SUFFIX, dir=path.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        fsync_path(tmp)
        os.chmod(tmp, 0o644)
        if before_rename is not None:
            before_rename()
        replace_durably(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def write_atomically(path: str | os.PathLike, data: bytes | str,
                     before_rename: Callable[[], object] | None = None) -> None:
    """The whole of `data` (str: UTF-8) at `path`, through atomic_path."""
    with atomic_path(path, before_rename) as tmp:
        if isinstance(data, str):
            tmp.write_text(data, encoding="utf-8")
        else:
            tmp.write_bytes(data)


def remove_stale_parts(folder: str | os.PathLike, older_than: float) -> list[Path]:
    """Remove `.part` files in `folder` left by dead processes before `older_than` (epoch s)."""
    removed = []
    try:
        candidates = list(Path(folder).iterdir())
    except FileNotFoundError:
        return removed
    for path in candidates:
        match = _PART_RE.match(path.name)
        if not match or int(match["pid"]) == os.getpid() or pid_alive(int(match["pid"])):
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
    """Scrapy's FileFeedStorage, but written beside the final name; delivered by the run's owner."""

    def __init__(self, uri: str, *, feed_options: dict[str, Any] | None = None,
                 stats: StatsCollector | None = None, started: float | None = None,
                 signals: SignalManager | None = None) -> None:
        self.path = Path(file_uri_to_path(uri) if uri.startswith("file:") else uri)
        self.overwrite = bool((feed_options or {}).get("overwrite", False))
        self.stats = stats
        self.started = time.time() if started is None else started
        self.tmp_path: Path | None = None
        self.offset = 0  # bytes of the delivered file this run appends to
        self.stored = False  # closed and fsynced under the temporary name
        self.signals = signals

    @classmethod
    def from_crawler(cls, crawler: Crawler, uri: str, *,
                     feed_options: dict[str, Any] | None = None) -> AtomicFileFeedStorage:
        return cls(uri, feed_options=feed_options, stats=crawler.stats, signals=crawler.signals)

    def open(self, spider: Spider) -> IO[bytes]:
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
            self.offset = self.tmp_path.stat().st_size
            return maybe_failing(self.tmp_path.open("ab"))
        return maybe_failing(self.tmp_path.open("xb"))

    def store(self, file: IO[bytes]) -> None:
        if not file.closed:
            file.close()  # a write failing at the last flush raises here: the slot is not stored
        fsync_path(self.tmp_path)
        self.stored = True
        if self.signals is not None and any(
                taken is True for _r, taken in self.signals.send_catch_log(OUTPUT_STORED, storage=self)):
            return None  # the run's owner delivers it
        replace_durably(self.tmp_path, self.path)
        return None

    def discard(self, why: str) -> None:
        if self.tmp_path is not None:
            self.tmp_path.unlink(missing_ok=True)
        logger.warning("Not delivering %s: %s; partial output removed", self.path, why)
        self._inc("feedstorage/discarded")

    def _inc(self, key: str) -> None:
        if self.stats is not None:
            self.stats.inc_value(key)
