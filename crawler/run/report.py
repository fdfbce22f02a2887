"""Run report: field coverage per record, one summary at the end of the run, and a JSON report.

Counts, for every exported record, which layer gave each field and which fields are empty, and at
the end logs one summary (pages, records new/changed/dropped by reason, failures, coverage) and
writes it as JSON beside the run's outputs (`GBAF_REPORT_PATH`, default
`<GBAF_DATA_DIR>/articles/<run date>/<run id>.report.json`).
"""
from __future__ import annotations

import json
import logging
import os
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from itemadapter import ItemAdapter
from scrapy import signals

from crawler.defaults import setting
from crawler.items import ARTICLE_FIELDS
from crawler.outputs.storage import write_atomically
from crawler.run.verdict import run_problems

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.crawler import Crawler
    from scrapy.http import Response

logger = logging.getLogger(__name__)
COVERED_FIELDS = [f for f in ARTICLE_FIELDS if f not in (
    "schema_version", "id", "version", "crawled_at", "extraction", "word_count", "truncated",
    "content_hash")]


class Coverage:
    """Per field: the records where it is filled, and the layer each value came from."""

    def __init__(self):
        self.records = 0
        self.filled = dict.fromkeys(COVERED_FIELDS, 0)
        self.layers = {f: {} for f in COVERED_FIELDS}

    def add(self, item: Any) -> None:
        a = ItemAdapter(item)
        self.records += 1
        extraction = a.get("extraction") or {}
        for field in COVERED_FIELDS:
            if a.get(field) not in (None, "", [], {}):
                self.filled[field] += 1
                layer = extraction.get(field, "derived")
                self.layers[field][layer] = self.layers[field].get(layer, 0) + 1

    def shares(self) -> dict[str, dict[str, Any]]:
        n = self.records or 1
        return {
            f: {"filled": round(self.filled[f] / n, 4),
                "layers": {k: round(v / n, 4) for k, v in sorted(self.layers[f].items())}}
            for f in COVERED_FIELDS
        }

    def counts(self) -> dict[str, Any]:
        """What the run history keeps (crawler.run.history): counts, the fields that have some."""
        return {"records": self.records, "filled": {f: n for f, n in self.filled.items() if n},
                "layers": {f: dict(v) for f, v in self.layers.items() if v}}


# Records dropped by these pipelines' reasons were parsed whole: the markup is judged on them too.
_JUDGED_DROPS = ("unchanged", "duplicate")


class RunReport:
    def __init__(self, crawler: Crawler, path_template: str) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        self.path_template = path_template
        self.exported = Coverage()  # the records this run delivers
        # Every article page parsed in this run, exported or dropped as unchanged or duplicate:
        # what the run's checks judge the markup on (crawler.run.monitors).
        self.judged = Coverage()
        self.started = time.monotonic()
        self.report = None
        self.path = None  # where the report went (crawler.commands.crawl updates its status)

    @property
    def records(self) -> int:
        return self.exported.records

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RunReport:
        s = crawler.settings
        template = setting(s, "GBAF_REPORT_PATH") or os.path.join(
            setting(s, "GBAF_DATA_DIR"), "articles", "%(run_date)s", "%(run_id)s.report.json")
        ext = cls(crawler, template)
        crawler.signals.connect(ext.item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(ext.item_dropped, signal=signals.item_dropped)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def item_scraped(self, item: Any) -> None:
        self.exported.add(item)
        self.judged.add(item)

    def item_dropped(self, item: Any, exception: BaseException, response: Response | None = None,
                     spider: Spider | None = None) -> None:
        if str(exception).startswith(_JUDGED_DROPS):
            self.judged.add(item)

    def coverage(self) -> dict[str, dict[str, Any]]:
        return self.exported.shares()

    def build(self, spider: Spider, reason: str) -> dict[str, Any]:
        st = self.stats.get_stats()
        prefixed = lambda p: {k[len(p):]: v for k, v in st.items() if k.startswith(p)}  # noqa: E731
        problems = run_problems({**st, "finish_reason": reason})
        return {
            "run_id": getattr(spider, "run_id", None),
            "spider": spider.name,
            "finish_reason": reason,
            # "failed" when the run did not finish, a check failed or the state store broke
            "status": "failed" if problems else "ok",
            "problems": problems,
            "checks": st.get("gbaf/monitor/checks", []),  # crawler.run.monitors
            "elapsed_seconds": round(time.monotonic() - self.started, 2),
            "pages": {
                "requests": st.get("downloader/request_count", 0),
                "responses": st.get("downloader/response_count", 0),
                "by_status": prefixed("downloader/response_status_count/"),
                "by_kind": prefixed("gbaf/requests/"),
                "articles": st.get("gbaf/pages/article", 0),
                "not_article": prefixed("gbaf/pages/not_article/"),
            },
            "records": {
                "exported": st.get("item_scraped_count", 0),
                "new": st.get("gbaf/records/new", 0),
                "changed": st.get("gbaf/records/changed", 0),
                "dropped": {k: v for k, v in prefixed("gbaf/records/dropped/").items()},
                "invalid": prefixed("validate/invalid/"),
            },
            "failures": {
                "by_reason": {k: v for k, v in prefixed("gbaf/failures/").items()
                              if not k.startswith("by_kind/")},
                "retries": st.get("retry/count", 0),
                "urls": st.get("gbaf/failed_urls", []),
            },
            "coverage": self.coverage(),
        }

    def spider_closed(self, spider: Spider, reason: str) -> None:
        self.report = report = self.build(spider, reason)
        self.stats.set_value("gbaf/report", {"records": report["records"]["exported"]})
        self.stats.set_value("gbaf/coverage/judged", self.judged.counts())  # for the run history
        logger.info(
            "Run summary: %d requests, %d article pages, %d records exported (new %d, changed %d), "
            "dropped %s, failures %s, retries %d, %.1f s",
            report["pages"]["requests"], report["pages"]["articles"], report["records"]["exported"],
            report["records"]["new"], report["records"]["changed"], report["records"]["dropped"] or "{}",
            report["failures"]["by_reason"] or "{}", report["failures"]["retries"],
            report["elapsed_seconds"])
        if self.records:
            low = {f: c["filled"] for f, c in report["coverage"].items() if c["filled"] < 1.0}
            logger.info("Field coverage (share of records with a value, where below 100%%): %s", low)
        else:
            logger.info("Field coverage: no records exported")
        path = Path(self.path_template % {"run_id": report["run_id"],
                                          "run_date": getattr(spider, "run_date", "")})
        write_atomically(path, json.dumps(report, indent=2, ensure_ascii=False))
        self.path = path
        logger.info("Run report written to %s", path)
