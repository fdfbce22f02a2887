"""The state store that outlives a run: what was exported, at which version, under which URLs.

The interface is small and knows nothing of SQLite, so a Redis store can stand in:
  snapshot()                    every known article, for the spider's incremental decisions (one batch)
  non_articles()                URLs known not to be articles (videos, company pages), with lastmod
  dead_runs(current)            [(run id, commit marker)] of runs that died while running
  begin_run(run_id, marker)     register a run (its marker: where its manifest will be)
  stage(run_id, rows)           changes of this run, written in batches, not yet visible
  commit_run(run_id)            make the run's staged changes the store's state (one transaction)
  abort_run(run_id)             forget them
  latest(n)                     the newest exported records across runs (for the cross-run feeds)
  iter_latest(batch)            the latest record of every article, read in batches (a full export)

Crash safety (docs/protocol.md): a run's changes are staged under its run id and committed only
after its outputs were delivered. The run's owner (crawler.run.lifecycle) settles a dead run before
anything reads the store: committed when its manifest exists (its outputs rolled forward into
place), aborted otherwise, so a record is never exported twice nor lost.
"""
import json
import logging
import time
from dataclasses import dataclass, field

logger = logging.getLogger(__name__)

STORE_FORMAT = 1


class StateError(RuntimeError):
    """The state store cannot be used: the crawl must not start (it would re-export everything)."""


@dataclass
class Known:
    """What the store knows of one article."""

    id: str
    url: str
    content_hash: str
    version: int
    published_at: str | None = None
    updated_at: str | None = None
    lastmod: str | None = None
    signature: bytes | None = None
    aliases: list = field(default_factory=list)


def _now():
    return time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime())


def _bytes_hex(value):
    if isinstance(value, (bytes, bytearray)):
        return value.hex()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def _hex_bytes(value):
    return bytes.fromhex(value) if isinstance(value, str) else value


def _payload(raw):
    """A staged change's payload, or None when it is not readable JSON of an object."""
    try:
        value = json.loads(raw)
    except (TypeError, ValueError):
        return None
    return value if isinstance(value, dict) and value.get("url", "") is not None else None


def _record(url, raw):
    """A stored record, or None (logged, counted by nobody: the store is read outside a crawl too)
    when its JSON is broken: one bad row must not stop the latest feeds or a full export."""
    try:
        value = json.loads(raw)
    except (TypeError, ValueError):
        value = None
    if not isinstance(value, dict):
        logger.error("state store: the stored record of %s is not readable JSON: left out", url)
        return None
    return value
