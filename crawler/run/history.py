"""The run history: what each earlier run showed of the site's markup, for the run's checks.

Spidermon's convention (its `LocalStorageStatsHistoryCollector`): the stats collector loads the
history when the spider opens, as `spider.stats_history` (newest first), and adds this run to it
when the stats are closed, after every `spider_closed` handler (so after the checks, which judge
this run against the ones before it, and after the run report, which leaves this run's field
coverage in the stats). Spidermon pickles every stat of every run in the project folder; this
keeps a few facts a run (id, finish reason, status, field coverage counts) as JSON in the run's
own data folder, `<GBAF_DATA_DIR>/runs/<spider>.history.json`, so that each data folder (a
deployment, a test) and each spider has its own history. Removing the file makes the next run a first one again (how a changed
markup is accepted as the new normal).
"""
from __future__ import annotations

import json
import logging
import os
from collections import deque
from pathlib import Path

from scrapy import Spider
from scrapy.statscollectors import MemoryStatsCollector

from crawler.outputs.storage import write_atomically

logger = logging.getLogger(__name__)
KEEP = 30  # runs; the checks use GBAF_MONITOR_LAYER_BASELINE_RUNS of them at most


def history_path(data_dir: str | os.PathLike, spider_name: str = "gbaf") -> Path:
    return Path(data_dir) / "runs" / f"{spider_name}.history.json"


class RunHistoryStatsCollector(MemoryStatsCollector):
    """STATS_CLASS: Scrapy's in-memory stats, with the run history loaded and saved."""

    def _path(self, spider):
        data_dir = getattr(spider, "data_dir", None)
        return history_path(data_dir, spider.name) if data_dir else None

    def open_spider(self, spider: Spider | None = None) -> None:
        super().open_spider()
        spider = self._crawler.spider
        path = self._path(spider)
        runs = []
        if path is not None and path.is_file():
            try:
                runs = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                logger.warning("run history unreadable (%s), starting a new one: %s", exc, path)
        spider.stats_history = deque(runs if isinstance(runs, list) else [], maxlen=KEEP)

    def _persist_stats(self, stats):
        super()._persist_stats(stats)
        spider = self._crawler.spider
        path, history = self._path(spider), getattr(spider, "stats_history", None)
        if path is None or history is None:
            return
        history.appendleft({
            "run_id": getattr(spider, "run_id", None),
            "finish_reason": stats.get("finish_reason"),
            "status": stats.get("gbaf/monitor/status"),
            "coverage": stats.get("gbaf/coverage/judged") or {},
        })
        try:
            write_atomically(path, json.dumps(list(history), ensure_ascii=False))
        except OSError as exc:
            logger.warning("run history not saved (%s): %s", exc, path)

    def __str__(self) -> str:
        # The end-of-run dump: the counters. Lists and tables (failed URLs, checks, coverage) are
        # in the run report, where they are read; in the log they were most of 230 lines.
        import pprint

        flat = {k: v for k, v in self._stats.items() if not isinstance(v, (list, dict, tuple))}
        return pprint.pformat(flat)
