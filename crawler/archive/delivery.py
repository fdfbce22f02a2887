"""Delivering a finished archive file: through the run lifecycle when it runs, else by hand.

The run lifecycle (crawler/run/lifecycle.py, `RunLifecycle.add_artifact`) fsyncs, checksums and
renames the file and names it in the run's manifest before the state commit. Where it is not
there (an older checkout, or switched off), `_deliver_alone` does the durable part itself.
"""
from __future__ import annotations

import logging
import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)


def deliver(crawler: Crawler, temp_path: str | os.PathLike, final_path: str | os.PathLike, kind: str) -> None:
    """Hand temp_path to the run lifecycle, or fsync and rename it into final_path."""
    lifecycle = _lifecycle(crawler)
    if lifecycle is not None:
        lifecycle.add_artifact(str(temp_path), str(final_path), kind)
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
    # The fallback while the lifecycle branch is not merged: remove with it.
    with open(temp_path, "rb") as f:
        os.fsync(f.fileno())
    os.replace(temp_path, final_path)
    dir_fd = os.open(os.path.dirname(os.path.abspath(final_path)), os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
    logger.info("archive file delivered: %s", final_path)
