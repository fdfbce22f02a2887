"""Named crash points and injected write failures, for the crash-point tests (tests/test_crashpoints.py).

`GBAF_CRASH_AT=<point>` makes the process `os._exit(137)` (what a SIGKILL leaves) when it reaches
that point of the run protocol (docs/protocol.md); `GBAF_ENOSPC_AT=<n>` makes the n-th write to a
feed output fail with ENOSPC, once (a disk full for a moment). Unset, both cost one dict lookup.
"""
from __future__ import annotations

import errno
import logging
import os
from typing import IO, Any

logger = logging.getLogger(__name__)

# Every write boundary of the protocol, in the order a run reaches them.
POINTS = (
    "staged",            # a batch of this run's changes is in the store, not yet visible
    "closing",           # the spider closed; nothing is delivered yet
    "outputs_synced",    # outputs fsynced and verified under their temporary names
    "manifest_part",     # the manifest written under its temporary name
    "manifest",          # the manifest in place (the run is delivered); outputs not renamed yet
    "output_renamed",    # the first output renamed into place
    "outputs_renamed",   # every output in place; the store not committed
    "commit_partial",    # inside the store's commit transaction, part of it applied
    "committed",         # the store committed; latest feeds not rebuilt, JOBDIR mark still there
    "settled",           # everything done but the process's exit
)


def crash_point(name: str) -> None:
    """Die here, as a SIGKILL would, when GBAF_CRASH_AT names this point."""
    if os.environ.get("GBAF_CRASH_AT") == name:
        logger.critical("crash point %s: exiting as if killed", name)
        logging.shutdown()
        os._exit(137)


class FailingWrites:
    """A file wrapper whose n-th write (counting every write of the process) raises ENOSPC once."""

    count = 0

    def __init__(self, file: IO, at: int) -> None:
        self._file, self._at = file, at

    def write(self, data: Any) -> Any:
        FailingWrites.count += 1
        if FailingWrites.count == self._at:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return self._file.write(data)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._file, name)


def maybe_failing(file: IO) -> IO | FailingWrites:
    at = os.environ.get("GBAF_ENOSPC_AT")
    return FailingWrites(file, int(at)) if at else file
