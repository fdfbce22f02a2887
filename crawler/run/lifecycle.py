"""The owner of a run's life: begin, stage, deliver, commit, settle (docs/protocol.md).

`RunLifecycle` is a Scrapy extension (reach it with `crawler.get_extension(RunLifecycle)`). Built
before the engine opens, it opens the state store (a store that cannot be used is one ERROR line
and a run closed with reason `state_error`), settles the runs that died (their outputs rolled
forward and their state committed when their manifest exists, their state dropped otherwise)
*before anything reads the store*, registers this run and builds its `RunState` (`.state`),
which the spider and the pipelines use. At the end, when the run closed with a delivering reason
and every output holds what the run exported, it stages what is left, verifies and names every
output in the run's manifest, renames them into place, commits the store and rebuilds the latest
feeds; otherwise it discards the outputs and drops the run's changes, so that the next run
exports those records again. `add_artifact()` puts other files (WARC, snapshots) under the same
protocol.
"""
from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scrapy import signals
from scrapy.extensions.feedexport import FeedExporter
from scrapy.utils.defer import deferred_from_coro

from crawler.crashpoints import crash_point
from crawler.defaults import setting
from crawler.outputs.manifest import (JSONL_FORMATS, OutputError, build_manifest, deliver_outputs,
                                      describe_output, manifest_path, read_manifest,
                                      write_json_atomically)
from crawler.outputs.storage import (OUTPUT_STORED, AtomicFileFeedStorage, deliver_reasons,
                                     fsync_path, remove_stale_parts, replace_durably)
from crawler.run.jobdir import release
from crawler.state import open_store, store_url
from crawler.state.incremental import RunState
from crawler.state.store import StateError

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.crawler import Crawler
    from scrapy.extensions.feedexport import FeedSlot
    from scrapy.statscollectors import StatsCollector

    from crawler.state.redis_store import RedisStateStore
    from crawler.state.sqlite_store import SqliteStateStore

logger = logging.getLogger(__name__)

COUNTED_FORMATS = (*JSONL_FORMATS, "parquet", "json")


class RunLifecycle:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        spider = crawler.spider
        s = crawler.settings
        self.run_id = getattr(spider, "run_id", None) or "run"
        self.data_dir = getattr(spider, "data_dir", None) or setting(s, "GBAF_DATA_DIR")
        self.manifest = manifest_path(self.data_dir, getattr(spider, "run_date", "") or "", self.run_id)
        self.deliver_reasons = deliver_reasons(s)
        self.state = None  # the run's RunState; None when the store is off or unusable
        self.error = None  # why the store cannot be used (the run then closes with state_error)
        self.reason = None
        self.exported = 0  # records handed to the feeds (item_scraped)
        self.slots = []  # Scrapy feed slots, as they close
        self.artifacts = []  # (temp, final, kind, keep_undelivered) from add_artifact()
        self.delivered = False
        self.committed = False
        self._feeds_closed = False

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RunLifecycle:
        ext = cls(crawler)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(ext.feed_slot_closed, signal=signals.feed_slot_closed)
        crawler.signals.connect(ext.output_stored, signal=OUTPUT_STORED)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(ext.feed_exporter_closed, signal=signals.feed_exporter_closed)
        ext.begin()
        return ext

    # --- begin ------------------------------------------------------------------------------------
    def begin(self) -> None:
        try:
            self.manifest.parent.mkdir(parents=True, exist_ok=True)
            if not os.access(self.manifest.parent, os.W_OK):
                raise PermissionError(f"{self.manifest.parent} is read-only")
        except OSError as exc:
            self.error = StateError(f"the run's directory cannot be written ({exc})")
            logger.error("%s: the crawl does not start (its outputs could not be delivered)", self.error)
            return
        try:
            self._begin_state()
        finally:  # after the settlement, which may still need a dead run's files
            for stale in remove_stale_parts(self.manifest.parent, float("inf")):
                logger.info("Removed stale partial output %s", stale)

    def _begin_state(self):
        s = self.crawler.settings
        if not setting(s, "GBAF_STATE_ENABLED"):
            return
        url = store_url(setting(s, "GBAF_STATE_URL"), self.data_dir)
        store = None
        try:
            store = open_store(url)
            settle_dead_runs(store, self.run_id, self.stats)
            store.begin_run(self.run_id, str(self.manifest))
            self.state = RunState(self.crawler, store, self.run_id)
        except (StateError, OSError) as exc:
            self.error = exc if isinstance(exc, StateError) else StateError(f"state store {url}: {exc}")
            logger.error("%s: the crawl does not start (it would export everything again)", self.error)
            if store is not None:
                store.close()
            return
        self.stats.set_value("gbaf/state/known_articles", self.state.known_articles)
        logger.info("state store: %d known articles; run %s", self.state.known_articles, self.run_id)

    def spider_opened(self, spider: Spider) -> None:
        if self.error is not None:
            self.stats.set_value("gbaf/state/error", str(self.error))
            deferred_from_coro(self.crawler.engine.close_spider_async(reason="state_error"))

    # --- during the run ---------------------------------------------------------------------------
    def item_scraped(self, item: Any) -> None:
        self.exported += 1

    def feed_slot_closed(self, slot: FeedSlot) -> None:
        self.slots.append(slot)

    def output_stored(self, storage: Any) -> bool:
        return True  # delivered by finish(), under the protocol

    def add_artifact(self, temp_path: str | os.PathLike, final_path: str | os.PathLike, kind: str,
                     keep_undelivered: bool = False) -> None:
        """Deliver the file at temp_path as final_path under the protocol: fsynced now, checksummed
        and named in the run's manifest, renamed into place before the state commit; removed if the
        run is not delivered, unless keep_undelivered (a WARC file: its captures are true whatever
        became of the run), when it is renamed into place without a manifest. temp_path must be a
        hidden `.<name>.<pid>.<token>.part` beside final_path for a killed run's file to be cleaned
        up by the next run."""
        fsync_path(temp_path)
        self.artifacts.append((Path(temp_path), Path(final_path), kind, keep_undelivered))

    # --- the end ----------------------------------------------------------------------------------
    def spider_closed(self, spider: Spider, reason: str) -> None:
        self.reason = reason
        crash_point("closing")
        feeds = any(isinstance(e, FeedExporter) for e in self.crawler.extensions.middlewares)
        if not feeds or self._feeds_closed:
            self.finish()

    def feed_exporter_closed(self) -> None:
        self._feeds_closed = True
        if self.reason is not None:
            self.finish()

    def finish(self) -> None:
        if self.delivered or self.reason is None:
            return
        self.delivered = True  # once
        if self.error is not None:
            return self._undeliver("the state store could not be used")
        if self.reason not in self.deliver_reasons:
            return self._undeliver(f"the spider closed with reason {self.reason!r}")
        try:
            if self.state is not None:
                self.state.stage_remaining(self.reason)
            outputs = self._verified_outputs()
            crash_point("outputs_synced")
            manifest = build_manifest(self.stats.get_stats(), self.run_id, self.crawler.spider.name,
                                      self.reason, outputs)
            write_json_atomically(manifest, self.manifest, before_rename=lambda: crash_point("manifest_part"))
        except (OutputError, StateError, OSError) as exc:
            return self._undeliver(str(exc))
        crash_point("manifest")
        self.stats.set_value("gbaf/delivery/manifest", str(self.manifest))
        logger.info("Wrote run manifest %s (%d outputs)", self.manifest, len(outputs))
        try:
            problems = deliver_outputs(manifest, after_first=lambda: crash_point("output_renamed"))
            crash_point("outputs_renamed")
            if problems:
                raise OutputError("; ".join(problems))
            if self.state is not None:
                self.state.commit()
                self.committed = True
                logger.info("state store committed for run %s", self.run_id)
        except (OutputError, StateError, OSError) as exc:
            # The manifest is in place: the next run rolls the outputs forward and commits.
            self._fail(f"run {self.run_id} delivered but not settled ({exc}): the next run settles it")
            return
        crash_point("committed")
        self.write_latest_feeds()
        if self.crawler.settings.get("JOBDIR"):
            release(self.crawler.settings.get("JOBDIR"))
        crash_point("settled")

    def _verified_outputs(self):
        if self.stats.get_value("feedexport/failed_count/AtomicFileFeedStorage"):
            raise OutputError("an output could not be written (see the error above)")
        outputs, totals = [], {}
        for slot in self.slots:
            storage = slot.storage
            if not isinstance(storage, AtomicFileFeedStorage):  # remote or stdout: Scrapy delivered it
                outputs.append({"path": slot.uri, "format": slot.format, "records": slot.itemcount,
                                "kind": "feed", "protocol": False})
                continue
            if not storage.stored:
                raise OutputError(f"{storage.path} was not stored")
            expected = getattr(slot.exporter, "exported_count", None)
            out = describe_output(storage.path, storage.tmp_path, slot.format,
                                  slot.itemcount if expected is None else expected, storage.offset)
            outputs.append(out)
            if slot.format in COUNTED_FORMATS and _takes_every_item(slot):
                totals[slot.uri_template] = totals.get(slot.uri_template, 0) + out["records"]
        for template, total in totals.items():
            if total != self.exported:  # a write that failed lost records, and Scrapy went on
                raise OutputError(f"{template}: {total} records written, {self.exported} exported")
        for temp, final, kind, _keep in self.artifacts:
            outputs.append(describe_output(final, temp, kind, None, kind=kind))
        return outputs

    def _undeliver(self, why):
        for slot in self.slots:
            if isinstance(slot.storage, AtomicFileFeedStorage):
                slot.storage.discard(why)
        for temp, final, kind, keep in self.artifacts:
            if keep and temp.exists():
                replace_durably(temp, final)
                logger.warning("%s file kept although the run is not delivered: %s", kind, final)
            else:
                Path(temp).unlink(missing_ok=True)
        if self.state is not None:
            self.state.abort()
        if self._manifest_is_ours():  # a failure after the rename: the run is not delivered
            self.manifest.unlink()
        message = f"run {self.run_id} not delivered: {why}; its records will be exported again next run"
        if self.reason in self.deliver_reasons and self.error is None:
            self._fail(message)
        else:
            logger.warning("%s", message)

    def _manifest_is_ours(self):
        try:
            return (read_manifest(self.manifest) or {}).get("run_id") == self.run_id
        except OutputError:
            return False

    def _fail(self, message):
        logger.error("%s", message)
        self.stats.set_value("gbaf/delivery/error", message)

    def write_latest_feeds(self) -> None:
        """The cross-run feeds: the newest exported articles from the store, rebuilt atomically."""
        from crawler.outputs.exporters import write_feed  # feedgen: only when there are feeds

        s = self.crawler.settings
        feeds = setting(s, "GBAF_LATEST_FEEDS")
        if not feeds or self.state is None:
            return
        limit = setting(s, "GBAF_FEED_MAX_ENTRIES")
        try:
            records = self.state.store.latest(limit)
            for fmt, path in feeds.items():
                path = path % {"data_dir": self.data_dir} if "%(" in path else path
                write_feed(records, path, fmt, limit, setting(s, "GBAF_FEED_META") or None)
                logger.info("latest %s feed: %d entries in %s", fmt, len(records), path)
        except (StateError, OSError, ValueError) as exc:
            self._fail(f"the latest feeds could not be rebuilt: {exc}")


def _takes_every_item(slot):
    options = slot.feed_options or {}
    return not options.get("item_classes") and not options.get("item_filter")


def _set_aside(path):
    if path.exists():
        os.replace(path, path.with_name(path.name + ".void"))


def run_state(crawler: Crawler) -> RunState | None:
    """The run's RunState (None when the store is off or could not be used)."""
    lifecycle = crawler.get_extension(RunLifecycle)
    return lifecycle.state if lifecycle is not None else None


def settle_dead_runs(store: SqliteStateStore | RedisStateStore, current: str | None,
                     stats: StatsCollector | None = None) -> None:
    """Runs that died: delivered (manifest in place) ones rolled forward and committed, the
    others aborted. Before anything reads the store, so that no one sees it half-settled."""
    for run_id, marker in store.dead_runs(current):
        try:
            manifest = read_manifest(marker) if marker else None
        except OutputError as exc:
            logger.error("run %s died and %s: set aside, its records are exported again", run_id, exc)
            _set_aside(Path(marker))
            manifest = None
        if manifest is None:
            logger.warning("run %s died before delivering its outputs: its records will be "
                           "exported again", run_id)
            store.abort_run(run_id)
            continue
        problems = deliver_outputs(manifest)
        if problems:
            logger.error("run %s died after its manifest, but %s: its manifest is set aside and its "
                         "records are exported again", run_id, "; ".join(problems))
            _set_aside(Path(marker))
            store.abort_run(run_id)
            continue
        logger.warning("run %s died after delivering its outputs: outputs in place, committing "
                       "its state", run_id)
        store.commit_run(run_id)
        if stats is not None:
            stats.inc_value("gbaf/state/settled_dead_run")
