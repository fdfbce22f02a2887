"""The state store that outlives a run (interface in crawler.state.store) and `open_store`."""
import os
from urllib.parse import urlsplit

from crawler.state.sqlite_store import SqliteStateStore


def open_store(url, data_dir="data"):
    """A store from `GBAF_STATE_URL`: `sqlite:///path`, a plain path, or `redis://...`."""
    url = url or os.path.join(data_dir, "state.sqlite")
    scheme = urlsplit(url).scheme
    if scheme in ("redis", "rediss", "unix"):
        from crawler.state.redis_store import RedisStateStore

        return RedisStateStore(url)
    path = url[len("sqlite:///"):] if url.startswith("sqlite:///") else url
    return SqliteStateStore(path)
