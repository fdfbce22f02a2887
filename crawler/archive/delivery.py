"""Delivering a finished archive file: through the run lifecycle when it runs, else by hand.

The run lifecycle (crawler/run/lifecycle.py, `RunLifecycle.add_artifact`) fsyncs, checksums and
renames the file and names it in the run's manifest before the state commit. Where it is not
there (an older checkout, or switched off), `_deliver_alone` does the durable part itself.
"""
from __future__ import annotations

import logging
import os
from typing import TYPE_CHECKING

from crawler.outputs.storage import fsync_path, replace_durably

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)


def deliver(crawler: Crawler, temp_path: str | os.PathLike, final_path: str | os.PathLike, kind: str,
            keep_undelivered: bool = False) -> None:
    """Hand temp_path to the run lifecycle, or fsync and rename it into final_path."""
    lifecycle = _lifecycle(crawler)
    if lifecycle is not None:
        lifecycle.add_artifact(str(temp_path), str(final_path), kind, keep_undelivered=keep_undelivered)
        return
    _deliver_alone(temp_path, final_path)


def _lifecycle(crawler):
    try:
        from crawler.run.lifecycle import RunLifecycle
    except ImportError:
        return None
    try:
        return crawler.get_extension(RunLifecycle)
    except RuntimeError:  # no extension manager yet
        return None


def _deliver_alone(temp_path, final_path):
    """Without the run's owner (the extension switched off): fsynced and renamed durably."""
    fsync_path(temp_path)
    replace_durably(temp_path, final_path)
    logger.info("archive file delivered: %s", final_path)
