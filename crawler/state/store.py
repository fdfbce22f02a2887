"""The state store that outlives a run: what was exported, at which version, under which URLs.

The interface (`StateStore`) is small and knows nothing of SQLite, so a Redis store can stand in:
  snapshot()                    every known article, for the spider's incremental decisions (one batch)
  non_articles()                URLs known not to be articles (videos, company pages), with lastmod
  begin_run(run_id, marker)     open a run; settles runs that died before (see below)
  stage(run_id, rows)           changes of this run, written in batches, not yet visible
  commit_run(run_id)            make the run's staged changes the store's state (one transaction)
  abort_run(run_id)             forget them
  latest(n)                     the newest exported records across runs (for the cross-run feeds)

Crash safety: a run's changes are staged under its run id and committed only after its outputs
were delivered. A run that died leaves staged rows: the next run commits them when the dead run's
commit marker (its manifest, written last) exists, and drops them otherwise, so a record is
never exported twice nor lost.
"""
import time
from dataclasses import dataclass, field

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
