"""The state store that outlives a run (interface in crawler.state.store) and `open_store`."""
from __future__ import annotations

import os
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from crawler.state.sqlite_store import SqliteStateStore
from crawler.state.store import StateError

if TYPE_CHECKING:  # redis is imported only when a Redis store is used
    from crawler.state.redis_store import RedisStateStore

REDIS_SCHEMES = ("redis", "rediss", "unix")


def store_url(url: str | None, data_dir: str = "data") -> str:
    """`GBAF_STATE_URL` as given, or the default store: `state.sqlite` in the data directory."""
    return url or os.path.join(data_dir, "state.sqlite")


def is_redis_url(url: str | None) -> bool:
    """Whether a `GBAF_STATE_URL` names a Redis store (else it is an SQLite file)."""
    return urlsplit(url or "").scheme in REDIS_SCHEMES


def open_store(url: str | None, data_dir: str = "data",
               create: bool = True) -> SqliteStateStore | RedisStateStore:
    """A store from `GBAF_STATE_URL`: `sqlite:///path`, a plain path, or `redis://...` (None: the
    default store in data_dir). With create=False, an SQLite file that is not there is a
    StateError ("no state store at PATH") instead of a new, empty store."""
    url = store_url(url, data_dir)
    if is_redis_url(url):
        from crawler.state.redis_store import RedisStateStore

        return RedisStateStore(url)
    path = url[len("sqlite:///"):] if url.startswith("sqlite:///") else url
    if not create and not os.path.exists(path):
        raise StateError(f"no state store at {path}")
    return SqliteStateStore(path)
