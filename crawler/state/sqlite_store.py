"""The SQLite state store (the default): one file, `<GBAF_DATA_DIR>/state.sqlite`.

The interface and its crash-safety rules are in crawler.state.store.
"""
import fcntl
import json
import logging
import os
import sqlite3
from pathlib import Path

from crawler.state.store import STORE_FORMAT, StateError, Known, _bytes_hex, _hex_bytes, _now

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
    """

    def __init__(self, path):
        self.path = str(path)
        Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        # One run at a time per store: a second run fails at once instead of interleaving states.
        self._lock = open(f"{self.path}.lock", "a+")
        try:
            fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._lock.close()
            raise StateError(f"state store {self.path} is locked by another run") from None
        fresh = not os.path.exists(self.path) or os.path.getsize(self.path) == 0
        try:
            self.db = sqlite3.connect(self.path, timeout=5, isolation_level=None)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            if not fresh:
                check = self.db.execute("PRAGMA quick_check").fetchone()[0]
                if check != "ok":
                    raise StateError(f"state store {self.path} is corrupt: {check}")
            self.db.executescript(self.SCHEMA)
            row = self.db.execute("SELECT value FROM store_meta WHERE key='format'").fetchone()
            if row is None:
                self.db.execute("INSERT INTO store_meta VALUES ('format', ?)", (str(STORE_FORMAT),))
            elif int(row[0]) != STORE_FORMAT:
                raise StateError(f"state store {self.path} has format {row[0]}, expected {STORE_FORMAT}")
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc):
                raise StateError(f"state store {self.path} is locked by another run") from exc
            raise StateError(f"state store {self.path} cannot be opened: {exc}") from exc
        except sqlite3.DatabaseError as exc:
            raise StateError(f"state store {self.path} is corrupt or not a database: {exc}") from exc
        if fresh:
            logger.info("state store %s is new: this run exports every article it finds", self.path)

    # --- reading --------------------------------------------------------------------------------
    def snapshot(self):
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

    def non_articles(self):
        return {url: lastmod for url, lastmod in self.db.execute("SELECT url, lastmod FROM non_articles")}

    def count(self):
        return self.db.execute("SELECT count(*) FROM articles").fetchone()[0]

    def latest(self, n):
        rows = self.db.execute(
            "SELECT record FROM articles WHERE record IS NOT NULL "
            "ORDER BY published_at DESC, url LIMIT ?", (n,))
        return [json.loads(r[0]) for r in rows]

    # --- a run ----------------------------------------------------------------------------------
    def begin_run(self, run_id, marker=None):
        """Register this run; settle runs that died (commit those whose marker exists).
        Raises StateError when the store cannot be written (locked by another process)."""
        try:
            self._begin_run(run_id, marker)
        except sqlite3.OperationalError as exc:
            raise StateError(f"state store {self.path} cannot be written ({exc}): is another "
                             "process holding it?") from exc

    def _begin_run(self, run_id, marker):
        for old_id, old_marker in self.db.execute(
                "SELECT run_id, marker FROM runs WHERE status='running' AND run_id != ?",
                (run_id,)).fetchall():
            if old_marker and os.path.exists(old_marker):
                logger.warning("run %s died after delivering its outputs: committing its state", old_id)
                self.commit_run(old_id)
            else:
                logger.warning("run %s died before delivering its outputs: its records will be "
                               "exported again", old_id)
                self.abort_run(old_id)
        self.db.execute("INSERT OR REPLACE INTO runs VALUES (?, ?, ?, NULL, 'running')",
                        (run_id, marker, _now()))

    def stage(self, run_id, rows):
        """rows: [(kind, id, payload dict)]; kinds 'article' (a full row), 'alias', 'not_article', 'lastmod'."""
        if not rows:
            return
        with self._tx():
            self.db.executemany(
                "INSERT OR REPLACE INTO staged VALUES (?, ?, ?, ?)",
                [(run_id, aid, kind, json.dumps(payload, ensure_ascii=False, default=_bytes_hex))
                 for kind, aid, payload in rows])

    def commit_run(self, run_id):
        with self._tx():
            # One staged row at a time (a cursor of its own): the rows hold every exported record,
            # and fetchall() held them all at once (+440 MB at the end of a 20,000-article run).
            for aid, kind, payload in self.db.cursor().execute(
                    "SELECT id, kind, payload FROM staged WHERE run_id=? ORDER BY "
                    "CASE kind WHEN 'article' THEN 0 ELSE 1 END", (run_id,)):
                p = json.loads(payload)
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
            self.db.execute("DELETE FROM staged WHERE run_id=?", (run_id,))
            self.db.execute("UPDATE runs SET status='committed', finished_at=? WHERE run_id=?",
                            (_now(), run_id))

    def abort_run(self, run_id):
        with self._tx():
            self.db.execute("DELETE FROM staged WHERE run_id=?", (run_id,))
            self.db.execute("UPDATE runs SET status='aborted', finished_at=? WHERE run_id=?",
                            (_now(), run_id))

    def close(self):
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
