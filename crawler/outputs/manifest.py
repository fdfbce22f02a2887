"""Per-run manifest: what a successful run delivered, with sizes and checksums.

A Scrapy extension (enabled by `GBAF_MANIFEST_ENABLED`, default True). When the run ends with a
delivering close reason (`GBAF_FEED_DELIVER_REASONS`, default `["finished"]`) it writes
`<stem>.manifest.json` beside the run's JSON Lines output (`data/articles/<date>/<run id>.jsonl`
gives `data/articles/<date>/<run id>.manifest.json`, one per run even with several runs a day),
atomically like the outputs: run id, start and end, schema_version, record counts (items
scraped and dropped plus every `gbaf/records/*` stats counter) and, for each FEEDS output
actually delivered, its path (as given in FEEDS), format, record count, size and sha256.

Ordering: outputs are only final once FeedExporter has stored them, which happens inside its
`spider_closed` handler; it then sends `feed_exporter_closed`. The manifest is written when both
that signal and `spider_closed` (which carries the close reason) have been seen, whichever comes
last, so it never describes a file that is not in place yet.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from datetime import datetime, timezone
from pathlib import Path

from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy.extensions.feedexport import FileFeedStorage

from crawler.defaults import setting
from crawler.outputs.storage import DEFAULT_DELIVER_REASONS, deliver_reasons
from crawler.items import SCHEMA_VERSION

logger = logging.getLogger(__name__)

JSONL_FORMATS = ("jsonlines", "jsonl", "jl")
MANIFEST_WRITTEN = object()  # signal: sent with path= once the manifest is in place
MANIFEST_SUFFIX = ".manifest.json"


def sha256_file(path: str | os.PathLike) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _iso(value) -> str | None:
    if isinstance(value, datetime):
        value = value if value.tzinfo else value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc).isoformat()
    return value


def write_json_atomically(data: dict, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".%s.%d." % (path.name, os.getpid()), suffix=".part",
                               dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(data, f, ensure_ascii=False, indent=2)
            f.write("\n")
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)  # mkstemp's 0600 would hide it from other readers
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def expected_manifest_path(settings, spider):
    """Where this run's manifest will be written (known at the start, for crash recovery), or None."""
    feeds = settings.getdict("FEEDS")
    uris = [u for u, opts in feeds.items() if (opts or {}).get("format") in JSONL_FORMATS] or list(feeds)
    if not uris:
        return None
    params = {"run_id": getattr(spider, "run_id", ""), "run_date": getattr(spider, "run_date", ""),
              "data_dir": getattr(spider, "data_dir", setting(settings, "GBAF_DATA_DIR")),
              "name": spider.name}
    try:
        path = Path(str(uris[0]).replace("file://", "") % params)
    except (KeyError, ValueError, TypeError):
        return None  # the path depends on values only known later (%(time)s, %(batch_id)s)
    return path.with_name(path.stem + MANIFEST_SUFFIX)


class RunManifest:
    def __init__(self, stats, deliver_reasons=DEFAULT_DELIVER_REASONS, signals_=None):
        self.signals = signals_
        self.stats = stats
        self.deliver_reasons = tuple(deliver_reasons)
        self.spider = None
        self.reason: str | None = None
        self.feeds_closed = False
        self.outputs: list[dict] = []
        self.path: Path | None = None  # where the manifest went, once written

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        if not setting(settings, "GBAF_MANIFEST_ENABLED"):
            raise NotConfigured("GBAF_MANIFEST_ENABLED is off")
        if not settings.getdict("FEEDS"):
            raise NotConfigured("no FEEDS, nothing to describe")
        ext = cls(crawler.stats, deliver_reasons(settings), crawler.signals)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.feed_slot_closed, signal=signals.feed_slot_closed)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(ext.feed_exporter_closed, signal=signals.feed_exporter_closed)
        return ext

    def spider_opened(self, spider) -> None:
        self.spider = spider

    def feed_slot_closed(self, slot) -> None:
        storage = slot.storage
        path = getattr(storage, "delivered_path", None)
        if path is None and type(storage) is FileFeedStorage:
            path = storage.path  # Scrapy's plain storage writes in place
        if path is None or not Path(path).is_file():
            return  # not delivered (failed run) or not local: nothing to checksum
        # Capped feeds hold fewer entries than the items handed to them.
        records = getattr(slot.exporter, "exported_count", None)
        self.outputs.append({
            "path": Path(path).as_posix(),
            "format": slot.format,
            "records": slot.itemcount if records is None else records,
            "size": Path(path).stat().st_size,
            "sha256": sha256_file(path),
        })

    def spider_closed(self, spider, reason: str) -> None:
        self.reason = reason
        self._maybe_write()

    def feed_exporter_closed(self) -> None:
        self.feeds_closed = True
        self._maybe_write()

    def _maybe_write(self) -> None:
        if self.reason is None or not self.feeds_closed or self.path is not None:
            return
        if self.reason not in self.deliver_reasons:
            logger.info("No manifest: spider closed with reason %r", self.reason)
            self.stats.inc_value("manifest/skipped/%s" % self.reason)
            return
        if not self.outputs:
            logger.warning("No manifest: no local output was delivered")
            self.stats.inc_value("manifest/skipped/no_output")
            return
        anchor = next((o for o in self.outputs if o["format"] in JSONL_FORMATS), self.outputs[0])
        anchor_path = Path(anchor["path"])
        self.path = anchor_path.with_name(anchor_path.stem + MANIFEST_SUFFIX)
        write_json_atomically(self._manifest(), self.path)
        self.stats.inc_value("manifest/written/%s" % self.reason)
        logger.info("Wrote run manifest %s (%d outputs)", self.path, len(self.outputs))
        if self.signals is not None:  # the manifest is the run's commit marker (crawler.state.incremental)
            self.signals.send_catch_log(MANIFEST_WRITTEN, path=self.path)

    def _manifest(self) -> dict:
        stats = self.stats.get_stats()
        started = stats.get("start_time")
        run_id = getattr(self.spider, "run_id", None)
        if not run_id and isinstance(started, datetime):
            run_id = started.strftime("%Y%m%dT%H%M%SZ")
        records = {key: stats[key] for key in ("item_scraped_count", "item_dropped_count")
                   if key in stats}
        records.update({k: v for k, v in sorted(stats.items()) if k.startswith("gbaf/records/")})
        return {
            "run_id": run_id,
            "spider": getattr(self.spider, "name", None),
            "started_at": _iso(started),
            "finished_at": _iso(stats.get("finish_time") or datetime.now(timezone.utc)),
            "finish_reason": self.reason,
            "schema_version": SCHEMA_VERSION,
            "records": records,
            "outputs": self.outputs,
        }
