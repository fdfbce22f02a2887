"""`scrapy crawl` with an exit code that schedulers can trust (COMMANDS_MODULE = "crawler.commands").

Scrapy's own `crawl` exits 0 once the crawl has started, whatever happened. This one exits 1 when
the run failed: the spider closed for another reason than `finished`, a run check failed
(crawler.run.monitors), the state store broke or did not commit, or an output was not delivered.
The reasons are logged as one ERROR line and, when they appear only after the run report was
written, added to the report (`status: failed`, `problems`). Scrapyd starts its jobs through
this same command (`python -m scrapyd.runner crawl ...`), so a failed job's process exits 1 too.
"""
import json
import logging
import os

from scrapy.commands.crawl import Command as ScrapyCrawlCommand

from crawler.run.lifecycle import RunLifecycle
from crawler.run.verdict import run_problems

logger = logging.getLogger(__name__)


class Command(ScrapyCrawlCommand):
    crawler = None

    def _create_crawler(self, spidercls):
        self.crawler = super()._create_crawler(spidercls)
        return self.crawler

    def run(self, args, opts):
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
    tmp = report.path.with_name(f".{report.path.name}.part")
    tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, report.path)
