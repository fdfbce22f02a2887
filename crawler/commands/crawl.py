"""`scrapy crawl` with an exit code that schedulers can trust (COMMANDS_MODULE = "crawler.commands").

Scrapy's own `crawl` exits 0 once the crawl has started, whatever happened. This one exits 1 when
the run failed: the spider closed for another reason than `finished`, a run check failed
(crawler.run.monitors), the state store broke or did not commit, or an output was not delivered.
The reasons are logged as one ERROR line and, when they appear only after the run report was
written, added to the report (`status: failed`, `problems`). Scrapyd starts its jobs through
this same command (`python -m scrapyd.runner crawl ...`), so a failed job's process exits 1 too.

Before anything is fetched, the spider's arguments, the GBAF_* settings and the data directory are
checked (`preflight`): a value that cannot be used is one line on stderr and exit code 2.
"""
from __future__ import annotations

import argparse
import json
import logging
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from scrapy.commands.crawl import Command as ScrapyCrawlCommand

from crawler.arguments import ArgumentError, SpiderArguments
from crawler.defaults import check_settings, setting
from crawler.outputs.storage import write_atomically
from crawler.run.lifecycle import RunLifecycle
from crawler.run.verdict import run_problems

if TYPE_CHECKING:
    from scrapy.settings import BaseSettings

logger = logging.getLogger(__name__)


class Command(ScrapyCrawlCommand):
    crawler = None

    def _create_crawler(self, spidercls):
        self.crawler = super()._create_crawler(spidercls)
        return self.crawler

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        problems = preflight(self.settings, opts.spargs if args[:1] == ["gbaf"] else None)
        if problems:
            for problem in problems:
                sys.stderr.write(f"scrapy crawl {' '.join(args[:1])}: {problem}\n")
            self.exitcode = 2
            return
        super().run(args, opts)
        if self.exitcode or self.crawler is None or self.crawler.stats is None:
            return
        problems = run_problems(self.crawler.stats.get_stats())
        try:
            lifecycle = self.crawler.get_extension(RunLifecycle)
        except RuntimeError:  # the crawl never got as far as its extensions
            lifecycle = None
        if lifecycle is not None and lifecycle.state is not None and not lifecycle.committed and not problems:
            problems.append("state store: the run was not committed")
        if problems:
            self.exitcode = 1
            logger.error("Run failed: %s", "; ".join(problems))
            _mark_report_failed(self.crawler, problems)


def preflight(settings: BaseSettings, spider_args: dict | None) -> list[str]:
    """What makes a run impossible before it starts: one line each (empty when it can start).
    spider_args: the gbaf spider's arguments, to check (None: another spider's)."""
    problems = check_settings(settings)
    bad = {p.split("=", 1)[0] for p in problems}
    try:
        if spider_args is not None:
            SpiderArguments.parse(**spider_args)
    except ArgumentError as exc:
        problems.append(str(exc))
    if "GBAF_DATA_DIR" not in bad:
        data_dir = setting(settings, "GBAF_DATA_DIR")
        why = _unwritable(Path(data_dir))
        if why:
            problems.append(f"GBAF_DATA_DIR={data_dir!r} cannot be written ({why}): nothing could be delivered")
    state_url = settings.get("GBAF_STATE_URL") or ""
    if "GBAF_STATE_ENABLED" not in bad and setting(settings, "GBAF_STATE_ENABLED") and state_url \
            and "://" not in state_url:
        why = _unwritable(Path(state_url).parent)
        if why:
            problems.append(f"GBAF_STATE_URL={state_url!r}: its directory cannot be written ({why})")
    return problems


def _unwritable(directory: Path) -> str | None:
    """Why files cannot be created in directory (made if missing), or None when they can."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=directory):
            pass
    except OSError as exc:
        return exc.strerror or type(exc).__name__
    return None


def _mark_report_failed(crawler, problems):
    from crawler.run.report import RunReport

    report = next((e for e in crawler.extensions.middlewares if isinstance(e, RunReport)), None)
    if report is None or report.path is None or not report.path.is_file():
        return
    data = json.loads(report.path.read_text(encoding="utf-8"))
    if data.get("status") == "failed" and set(problems) <= set(data.get("problems") or []):
        return
    data["status"] = "failed"
    data["problems"] = list(dict.fromkeys([*(data.get("problems") or []), *problems]))
    write_atomically(report.path, json.dumps(data, indent=2, ensure_ascii=False))
