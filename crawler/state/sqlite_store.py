"""The SQLite state store (the default): one file, `<GBAF_DATA_DIR>/state.sqlite`.

The interface and its crash-safety rules are in crawler.state.store.
"""
from __future__ import annotations

import fcntl
import json
import logging
import os
import sqlite3
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from crawler.crashpoints import crash_point
from crawler.state.store import STORE_FORMAT, Known, StateError, _bytes_hex, _hex_bytes, _now, _payload, _record

logger = logging.getLogger(__name__)


class SqliteStateStore:
    SCHEMA = """
    CREATE TABLE IF NOT EXISTS store_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE IF NOT EXISTS articles (
        id TEXT PRIMARY KEY, url TEXT NOT NULL UNIQUE, content_hash TEXT NOT NULL,
        signature BLOB, version INTEGER NOT NULL, published_at TEXT, updated_at TEXT,
        lastmod TEXT, first_seen TEXT NOT NULL, last_seen TEXT NOT NULL,
        exported_run TEXT, record TEXT);
    CREATE INDEX IF NOT EXISTS articles_hash ON articles (content_hash);
    CREATE INDEX IF NOT EXISTS articles_published ON articles (published_at);
    CREATE TABLE IF NOT EXISTS aliases (alias TEXT PRIMARY KEY, id TEXT NOT NULL);
    CREATE TABLE IF NOT EXISTS non_articles (url TEXT PRIMARY KEY, reason TEXT, lastmod TEXT,
        seen_at TEXT NOT NULL);
    CREATE TABLE IF NOT EXISTS runs (run_id TEXT PRIMARY KEY, marker TEXT, started_at TEXT,
        finished_at TEXT, status TEXT NOT NULL);
    CREATE TABLE IF NOT EXISTS staged (run_id TEXT NOT NULL, id TEXT NOT NULL, kind TEXT NOT NULL,
        payload TEXT NOT NULL, PRIMARY KEY (run_id, id, kind));
    CREATE TABLE IF NOT EXISTS validators (url TEXT PRIMARY KEY, etag TEXT, last_modified TEXT);
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = str(path)
        # The lock and the database are the real file's, however it is reached (a symlink, ..).
        real = os.path.realpath(self.path)
        try:
            Path(real).parent.mkdir(parents=True, exist_ok=True)
            self._lock = open(f"{real}.lock", "a+")
        except OSError as exc:
            raise StateError(f"state store {self.path}: its lock {real}.lock cannot be opened "
                             f"({exc.strerror or exc})") from None
        # One run at a time per store: a second run fails at once instead of interleaving states.
        try:
            fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._lock.close()
            raise StateError(f"state store {self.path} is locked by another run") from None
        try:
            self._open(real)
        except BaseException:
            self._lock.close()
            raise

    def _open(self, real):
        fresh = not os.path.exists(real)
        if not fresh and os.path.getsize(real) == 0:
            raise StateError(f"state store {self.path} is an empty file, not a state store (remove "
                             "it to start a new store, which exports every article again)")
        try:
            self.db = sqlite3.connect(real, timeout=5, isolation_level=None)
            self.db.execute("PRAGMA journal_mode=WAL")
            # FULL: a committed run stays committed through a power loss, not only a kill.
            self.db.execute("PRAGMA synchronous=FULL")
            if not fresh:
                check = self.db.execute("PRAGMA quick_check").fetchone()[0]
                if check != "ok":
                    raise StateError(f"state store {self.path} is corrupt: {check}")
                if not self.db.execute("SELECT 1 FROM sqlite_master WHERE name='store_meta'").fetchone():
                    raise StateError(f"state store {self.path} is an SQLite database but not a state "
                                     "store (no store_meta table)")
            self.db.executescript(self.SCHEMA)
            row = self.db.execute("SELECT value FROM store_meta WHERE key='format'").fetchone()
            if row is None and fresh:
                self.db.execute("INSERT INTO store_meta VALUES ('format', ?)", (str(STORE_FORMAT),))
            elif row is None or str(row[0]).strip() != str(STORE_FORMAT):
                raise StateError(f"state store {self.path} has format {row[0] if row else None!r}, "
                                 f"expected {STORE_FORMAT}")
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc):
                raise StateError(f"state store {self.path} is locked by another run") from None
            raise StateError(f"state store {self.path} cannot be opened: {exc}") from None
        except sqlite3.DatabaseError as exc:
            raise StateError(f"state store {self.path} is corrupt or not a database: {exc}") from None
        if fresh:
            logger.info("state store %s is new: this run exports every article it finds", self.path)

    # --- reading --------------------------------------------------------------------------------
    def snapshot(self) -> dict[str, Known]:
        """{url or alias: Known} of every article, in one query per table."""
        known = {}
        for row in self.db.execute(
                "SELECT id, url, content_hash, version, published_at, updated_at, lastmod, signature "
                "FROM articles"):
            known[row[1]] = Known(*row)
        by_id = {k.id: k for k in known.values()}
        for alias, aid in self.db.execute("SELECT alias, id FROM aliases"):
            if aid in by_id:
                by_id[aid].aliases.append(alias)
                known[alias] = by_id[aid]
        return known

    def non_articles(self) -> dict[str, str | None]:
        return {url: lastmod for url, lastmod in self.db.execute("SELECT url, lastmod FROM non_articles")}

    def count(self) -> int:
        return self.db.execute("SELECT count(*) FROM articles").fetchone()[0]

    def latest(self, n: int) -> list[dict[str, Any]]:
        rows = self.db.execute(
            "SELECT url, record FROM articles WHERE record IS NOT NULL "
            "ORDER BY published_at DESC, url LIMIT ?", (n,))
        return [r for r in (_record(url, raw) for url, raw in rows) if r is not None]

    def iter_latest(self, batch: int = 500) -> Iterator[dict[str, Any]]:
        """The latest stored record of every article, read `batch` rows at a time (memory flat)."""
        after = ""
        while True:
            rows = self.db.execute("SELECT id, url, record FROM articles WHERE record IS NOT NULL "
                                   "AND id > ? ORDER BY id LIMIT ?", (after, batch)).fetchall()
            if not rows:
                return
            after = rows[-1][0]
            for _aid, url, raw in rows:
                record = _record(url, raw)
                if record is not None:
                    yield record

    # --- a run ----------------------------------------------------------------------------------
    def dead_runs(self, current: str | None = None) -> list[tuple[str, str | None]]:
        """[(run id, commit marker)] of runs registered as running that are not `current`: with the
        store's lock held, no other process runs, so these died."""
        return self.db.execute("SELECT run_id, marker FROM runs WHERE status='running' AND run_id != ?",
                               (current or "",)).fetchall()

    def begin_run(self, run_id: str, marker: str | None = None) -> None:
        """Register this run (its dead predecessors are settled first: crawler.run.lifecycle).
        Raises StateError when the store cannot be written."""
        try:
            self.db.execute("INSERT OR REPLACE INTO runs VALUES (?, ?, ?, NULL, 'running')",
                            (run_id, marker, _now()))
        except sqlite3.Error as exc:
            raise StateError(f"state store {self.path} cannot be written ({exc})") from None

    def stage(self, run_id: str, rows: list[tuple[str, str, dict[str, Any]]]) -> None:
        """rows: [(kind, id, payload dict)]; kinds 'article' (a full row), 'alias', 'not_article', 'lastmod',
        'validators' (a cheap source's ETag and Last-Modified, for the next run's conditional request)."""
        if not rows:
            return
        with self._tx():
            self.db.executemany(
                "INSERT OR REPLACE INTO staged VALUES (?, ?, ?, ?)",
                [(run_id, aid, kind, json.dumps(payload, ensure_ascii=False, default=_bytes_hex))
                 for kind, aid, payload in rows])

    def commit_run(self, run_id: str) -> int:
        with self._tx():
            # One staged row at a time (a cursor of its own): the rows hold every exported record,
            # and fetchall() held them all at once (+440 MB at the end of a 20,000-article run).
            broken = 0
            for number, (aid, kind, payload) in enumerate(self.db.cursor().execute(
                    "SELECT id, kind, payload FROM staged WHERE run_id=? ORDER BY "
                    "CASE kind WHEN 'article' THEN 0 ELSE 1 END", (run_id,))):
                if number == 1:
                    crash_point("commit_partial")
                p = _payload(payload)
                if p is None:
                    broken += 1  # that one change is lost; a record it held is exported again
                    continue
                if kind == "article":
                    self.db.execute(
                        "INSERT INTO articles (id, url, content_hash, signature, version, published_at,"
                        " updated_at, lastmod, first_seen, last_seen, exported_run, record) "
                        "VALUES (?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT(id) DO UPDATE SET "
                        "content_hash=excluded.content_hash, signature=coalesce(excluded.signature, signature),"
                        " version=excluded.version, published_at=excluded.published_at,"
                        " updated_at=excluded.updated_at, lastmod=coalesce(excluded.lastmod, lastmod),"
                        " last_seen=excluded.last_seen,"
                        " exported_run=coalesce(excluded.exported_run, exported_run),"
                        " record=coalesce(excluded.record, record)",
                        (aid, p["url"], p["content_hash"], _hex_bytes(p.get("signature")),
                         p["version"], p.get("published_at"), p.get("updated_at"), p.get("lastmod"),
                         p.get("seen_at") or _now(), p.get("seen_at") or _now(),
                         p.get("exported_run"), p.get("record")))
                elif kind == "alias":
                    self.db.execute("INSERT OR REPLACE INTO aliases VALUES (?, ?)", (p["alias"], p["id"]))
                elif kind == "lastmod":
                    self.db.execute("UPDATE articles SET lastmod=? WHERE url=?", (p["lastmod"], p["url"]))
                elif kind == "not_article":
                    self.db.execute("INSERT OR REPLACE INTO non_articles VALUES (?, ?, ?, ?)",
                                    (p["url"], p.get("reason"), p.get("lastmod"), p.get("seen_at") or _now()))
                elif kind == "validators":
                    self.db.execute("INSERT OR REPLACE INTO validators VALUES (?, ?, ?)",
                                    (p["url"], p.get("etag"), p.get("last_modified")))
            self.db.execute("DELETE FROM staged WHERE run_id=?", (run_id,))
            self.db.execute("UPDATE runs SET status='committed', finished_at=? WHERE run_id=?",
                            (_now(), run_id))
        if broken:
            logger.error("state store %s: %d staged change(s) of run %s were unreadable and skipped",
                         self.path, broken, run_id)
        return broken

    def get_validators(self, urls: Iterable[str]) -> dict[str, dict[str, Any]]:
        """{url: {"etag", "last_modified"}} of the cheap sources' last responses (committed runs)."""
        urls = list(urls)
        out = {}
        for start in range(0, len(urls), 500):  # SQLite's bound on the parameters of one query
            batch = urls[start:start + 500]
            rows = self.db.execute(f"SELECT url, etag, last_modified FROM validators WHERE url IN "
                                   f"({','.join('?' * len(batch))})", batch)
            out.update({url: {"etag": etag, "last_modified": lm} for url, etag, lm in rows})
        return out

    def abort_run(self, run_id: str) -> None:
        """The run's staged changes dropped. The cheap sources' validators are forgotten too: an
        aborted run may not have fetched its share of what they listed (in a distributed crawl,
        runs that finished beside it committed validators for the same sources), so the next run
        must read them in full rather than take a 304 for "nothing new"."""
        with self._tx():
            self.db.execute("DELETE FROM staged WHERE run_id=?", (run_id,))
            self.db.execute("DELETE FROM validators")
            self.db.execute("UPDATE runs SET status='aborted', finished_at=? WHERE run_id=?",
                            (_now(), run_id))

    def close(self) -> None:
        self.db.close()
        self._lock.close()

    def _tx(self):
        db = self.db

        class _Tx:
            def __enter__(self):
                db.execute("BEGIN IMMEDIATE")

            def __exit__(self, exc_type, exc, tb):
                db.execute("COMMIT" if exc_type is None else "ROLLBACK")
                return False

        return _Tx()
