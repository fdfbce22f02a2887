"""Safe resume with a job directory (`-s JOBDIR=...`).

Scrapy keeps a paused crawl's queue and seen-requests in JOBDIR, but it writes the queue's index
only when the crawl closes: after a SIGKILL the seen-requests file lists requests the queue no
longer holds, and a resumed crawl would never fetch them (articles lost for good). This extension
marks JOBDIR while a crawl runs; a crawl that finds the mark of a process that is gone starts its
JOBDIR afresh. Nothing is lost by that: the state store holds exactly what was delivered before
(a killed run delivered nothing), so the new crawl exports the rest, and only the rest.

A graceful stop (Ctrl-C once, SIGTERM) is a pause: the run delivers what it extracted so far
(see crawler.outputs.storage.deliver_reasons) and the next start resumes the queue. The mark goes
only once the run is delivered and committed (crawler.run.lifecycle calls `release`): a crawl killed
while it closes leaves it, and its JOBDIR is not trusted.
"""
from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

from scrapy.exceptions import NotConfigured

from crawler.pids import pid_alive

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector

logger = logging.getLogger(__name__)

MARK = "gbaf.running"
# Scrapy's files, and the spider's frontier of a paused crawl (spiders/gbaf.py, FRONTIER_FILE).
SCRAPY_FILES = ("requests.seen", "requests.queue", "spider.state", "gbaf.frontier.json")


def prepare(jobdir: str | os.PathLike) -> bool:
    """Clear a JOBDIR left by a killed crawl; mark it as ours. Returns True when it was cleared."""
    jobdir = Path(jobdir)
    jobdir.mkdir(parents=True, exist_ok=True)
    mark = jobdir / MARK
    cleared = False
    if mark.exists():
        try:
            pid = int(mark.read_text().strip() or 0)
        except ValueError:
            pid = 0
        if pid and pid != os.getpid() and pid_alive(pid):
            raise RuntimeError(f"JOBDIR {jobdir} is in use by process {pid}")
        for name in SCRAPY_FILES:
            path = jobdir / name
            if path.is_dir():
                shutil.rmtree(path)
            elif path.exists():
                path.unlink()
        cleared = True
    mark.write_text(str(os.getpid()))
    return cleared


class JobDirGuard:
    def __init__(self, jobdir: str | os.PathLike, stats: StatsCollector) -> None:
        self.jobdir, self.stats = Path(jobdir), stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> JobDirGuard:
        jobdir = crawler.settings.get("JOBDIR")
        if not jobdir:
            raise NotConfigured  # no JOBDIR: nothing to guard (without a message Scrapy says nothing)
        # Runs before the scheduler opens JOBDIR (extensions are built before the engine).
        if prepare(jobdir):
            logger.warning("JOBDIR %s was left by a crawl that was killed: its queue cannot be "
                           "trusted, starting it afresh (the state store keeps what was delivered)",
                           jobdir)
            crawler.stats.set_value("gbaf/jobdir/restarted_after_kill", True)
        return cls(jobdir, crawler.stats)


def release(jobdir: str | os.PathLike) -> None:
    """The run is delivered and committed: its saved queue can be trusted, the mark goes."""
    (Path(jobdir) / MARK).unlink(missing_ok=True)
