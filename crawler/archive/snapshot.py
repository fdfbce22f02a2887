"""The dataset snapshot: the latest version of every article, from the state store, as one table.

    python -m crawler.archive.snapshot OUT_DIR [-s GBAF_STATE_URL=...] [-s GBAF_DATA_DIR=...]

Writes, partitioned by publication month (UTC; `unknown` for an article without a date):

    OUT_DIR/jsonl/month=YYYY-MM/articles.jsonl     one record a line, sorted by URL
    OUT_DIR/parquet/month=YYYY-MM/articles.parquet the contract's columns, timestamps typed
                                                   (timestamp[us, UTC]): a hive-partitioned
                                                   pyarrow dataset
    OUT_DIR/snapshot.manifest.json                 built_at, store, counts, and per month its
                                                   records, content digest, each file's size
                                                   and sha256

readable as is by DuckDB (`read_parquet('OUT_DIR/parquet/*/*.parquet', hive_partitioning=true)`),
pandas, polars and pyarrow.

Incremental: a month's content digest (sha256 of its JSON Lines bytes) is compared with the one
the previous manifest gives; an unchanged month's files are left as they are, a changed one's are
written under a temporary name and renamed into place, a month with no article left is removed,
and the manifest is written last. The store is read once, record by record, into per-month spool
files: memory holds one month, however many articles the store has. The store is opened like a
crawl opens it (a SQLite store locked by a running crawl cannot be read: run it after the crawl).
"""
from __future__ import annotations

import argparse
import hashlib
import json
import logging
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from crawler.commands import add_setting_option
from crawler.outputs.exporters import parquet_schema
from crawler.items import ARTICLE_FIELDS, SCHEMA_VERSION
from crawler.outputs.manifest import sha256_file, write_json_atomically
from crawler.outputs.storage import atomic_path, write_atomically
from crawler.state import open_store, store_url
from crawler.state.store import StateError

if TYPE_CHECKING:
    import pyarrow

logger = logging.getLogger("crawler.archive.snapshot")

MANIFEST = "snapshot.manifest.json"
TIMESTAMPS = ("published_at", "updated_at", "crawled_at")
UNKNOWN_MONTH = "unknown"


def latest_records(store: Any) -> Iterator[dict]:
    """Every article's latest stored record (a dict), one at a time."""
    if hasattr(store, "iter_latest"):  # the state store's own iteration (run-lifecycle branch)
        for item in store.iter_latest():
            if isinstance(item, dict):
                yield item
            else:  # a batch
                yield from item
        return
    db = getattr(store, "db", None)
    if db is not None:  # today's SqliteStateStore: a cursor, not the whole table at once
        for (record,) in db.cursor().execute("SELECT record FROM articles WHERE record IS NOT NULL"):
            yield json.loads(record)
        return
    yield from store.latest(store.count())  # today's RedisStateStore


def month_of(record: dict) -> str:
    value = record.get("published_at")
    try:
        return datetime.fromisoformat(value).astimezone(timezone.utc).strftime("%Y-%m")
    except (TypeError, ValueError):
        return UNKNOWN_MONTH


def build(store: Any, out_dir: str | os.PathLike, store_name: str = "") -> dict[str, Any]:
    """Build or update the snapshot in out_dir; returns its manifest (a dict)."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    previous = _previous_months(out)
    spool = Path(tempfile.mkdtemp(prefix=".snapshot-", dir=out))
    try:
        counts = _spool(latest_records(store), spool)
        months, rebuilt = {}, []
        for month in sorted(counts):
            data = _month_bytes(spool / f"{month}.jsonl")
            digest = hashlib.sha256(data).hexdigest()
            old = previous.get(month)
            if old and old.get("digest") == digest and _files_intact(out, old):
                months[month] = old
                continue
            months[month] = _write_month(out, month, data, digest, counts[month])
            rebuilt.append(month)
        removed = sorted(set(previous) - set(months))
        for month in removed:
            for kind in ("jsonl", "parquet"):
                shutil.rmtree(out / kind / f"month={month}", ignore_errors=True)
    finally:
        shutil.rmtree(spool, ignore_errors=True)
    manifest = {
        "built_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "store": store_name, "schema_version": SCHEMA_VERSION,
        "counts": {"articles": sum(counts.values()), "months": len(months),
                   "months_rebuilt": len(rebuilt), "months_removed": len(removed)},
        "rebuilt": rebuilt, "removed": removed, "months": months,
    }
    write_json_atomically(manifest, out / MANIFEST)
    logger.info("snapshot %s: %d articles in %d months (%d rebuilt, %d removed)", out,
                manifest["counts"]["articles"], len(months), len(rebuilt), len(removed))
    return manifest


def _previous_months(out):
    try:
        return json.loads((out / MANIFEST).read_text(encoding="utf-8")).get("months") or {}
    except (OSError, ValueError):
        return {}  # none, or unreadable: every month is written


def _spool(records, spool):
    """Each record, as one JSON line in the contract's field order, appended to its month's file."""
    files, counts = {}, {}
    try:
        for record in records:
            month = month_of(record)
            f = files.get(month)
            if f is None:
                f = files[month] = open(spool / f"{month}.jsonl", "w", encoding="utf-8")
            f.write(json.dumps({k: record.get(k) for k in ARTICLE_FIELDS}, ensure_ascii=False) + "\n")
            counts[month] = counts.get(month, 0) + 1
    finally:
        for f in files.values():
            f.close()
    return counts


def _month_bytes(path):
    """The month's JSON Lines, sorted by URL: the same articles give the same bytes."""
    lines = path.read_bytes().splitlines(keepends=True)
    lines.sort(key=lambda line: json.loads(line)["url"])
    return b"".join(lines)


def _files_intact(out, entry):
    return all((out / f["path"]).is_file() and (out / f["path"]).stat().st_size == f["size"]
               for f in entry.get("files", []))


def _write_month(out, month, data, digest, count):
    records = [json.loads(line) for line in data.splitlines()]
    files = []
    jsonl = out / "jsonl" / f"month={month}" / "articles.jsonl"
    write_atomically(jsonl, data)
    parquet = out / "parquet" / f"month={month}" / "articles.parquet"
    with atomic_path(parquet) as tmp:
        _write_parquet(records, tmp)
    for path, fmt in ((jsonl, "jsonlines"), (parquet, "parquet")):
        files.append({"path": str(path.relative_to(out)), "format": fmt, "size": path.stat().st_size,
                      "sha256": sha256_file(path)})
    return {"records": count, "digest": digest, "files": files}


def snapshot_schema() -> pyarrow.Schema:
    """The Parquet feed's schema with typed timestamps."""
    import pyarrow as pa

    base = parquet_schema()
    fields = [pa.field(f.name, pa.timestamp("us", tz="UTC"), nullable=f.nullable) if f.name in TIMESTAMPS
              else f for f in base]
    return pa.schema(fields, metadata=base.metadata)


def _write_parquet(records, path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = snapshot_schema()
    rows = []
    for record in records:
        row = {name: record.get(name) for name in schema.names}
        for name in TIMESTAMPS:
            row[name] = _timestamp(row[name])
        if isinstance(row.get("extraction"), dict):
            row["extraction"] = list(row["extraction"].items())
        rows.append(row)
    pq.write_table(pa.Table.from_pylist(rows, schema=schema), path)


def _timestamp(value):
    try:
        return datetime.fromisoformat(value).astimezone(timezone.utc) if value else None
    except (TypeError, ValueError):
        return None  # the schema validated the record: a date it let through that is no date


def _without_password(url):
    parts = urlsplit(url)
    if parts.password is None:
        return url
    return parts._replace(netloc=f"{parts.username or ''}:***@{parts.hostname}"
                          + (f":{parts.port}" if parts.port else "")).geturl()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m crawler.archive.snapshot",
                                     description="Build or update the dataset snapshot from the state store.")
    parser.add_argument("out", help="the snapshot's directory")
    add_setting_option(parser, "GBAF_STATE_URL=... or GBAF_DATA_DIR=... (else from the environment)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s [%(name)s] %(levelname)s: %(message)s")
    given = {**os.environ, **dict(args.set)}
    url = store_url(given.get("GBAF_STATE_URL"), given.get("GBAF_DATA_DIR") or "data")
    try:
        store = open_store(url, create=False)
    except StateError as exc:
        logger.error("%s: no snapshot built", exc)
        return 1
    try:
        build(store, args.out, store_name=_without_password(url))
    except OSError as exc:
        logger.error("snapshot not written (%s): the previous one stays as it was", exc)
        return 1
    finally:
        store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
