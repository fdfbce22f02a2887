"""The WARC folder's payload digest index: digest -> the first capture (URI, date, file).

What a revisit record refers to (crawler/archive/writer.py); made true again for a killed run's
file by crawler/archive/salvage.py. One SQLite file in the WARC folder (`digests.sqlite`, WAL),
shared by the runs that write there.
"""
from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable


class DigestIndex:
    """payload digest -> the first capture (URI, date, file): what a revisit record refers to."""

    def __init__(self, path: str | os.PathLike) -> None:
        # Autocommit: each row is its own short transaction, so that two writers sharing the
        # folder (two crawls, a crawl and a backfill) wait on each other for a row, not for a run
        # (a transaction held open across records made the other's insert fail after 5 s). WAL
        # with synchronous=NORMAL: a commit appends to the log, no fsync (the index is rebuilt from
        # the files by salvage when a run dies; a lost row only means a full record instead of a
        # revisit).
        self.db = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False, timeout=60)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.execute("CREATE TABLE IF NOT EXISTS digests (digest TEXT PRIMARY KEY, uri TEXT NOT NULL,"
                        " date TEXT NOT NULL, filename TEXT NOT NULL)")

    def lookup(self, digest: str, file_exists: Callable[[str], bool]) -> tuple[str, str] | None:
        row = self.db.execute("SELECT uri, date, filename FROM digests WHERE digest=?", (digest,)).fetchone()
        if row is None or not file_exists(row[2]):
            return None  # the first capture's file is gone: this one is archived in full again
        return row[0], row[1]

    def forget_file(self, filename: str) -> None:
        self.db.execute("DELETE FROM digests WHERE filename=?", (filename,))

    def add_if_new(self, digest: str, uri: str, date: str, filename: str) -> None:
        self.db.execute("INSERT OR IGNORE INTO digests VALUES (?, ?, ?, ?)", (digest, uri, date, filename))

    def add(self, digest: str, uri: str, date: str, filename: str) -> None:
        self.db.execute("INSERT OR REPLACE INTO digests VALUES (?, ?, ?, ?)", (digest, uri, date, filename))

    def close(self) -> None:
        if self.db is not None:
            self.db.close()
            self.db = None
