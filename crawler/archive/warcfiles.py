"""The WARC files of one writer: records appended whole, files rotated, the digest index kept.

`WarcFiles` is the writing's state and its one owner: the current file (locked for the writer's
life, crawler/archive/salvage.py), its serial, the files written, the digest index that makes an
unchanged payload a revisit record. It runs in the writer process (`serve`, started by
crawler.archive.writer) or, when that process is gone, in the crawl's own. It reports what
becomes of the files and records through `report(event)`: ("closed", temp, final) when a file is
complete (fsynced, for the crawl to deliver), ("stats", {key: n}) and ("log", level, message).

The writer process (`serve`) reads captures from a pipe in the order the crawl sent them. The
pipe is bounded (a writer behind the crawl slows it, memory stays flat). Its messages:
("open", prefix) names the run's files; a Fetched is written, and confirmed with the counts
(("done", n): the first n captures are written, the crawl may forget them); ("close",) closes the
current file and answers ("cpu", seconds so far) and ("flushed",);
("release",) gives up the locks of the closed files (delivered by then) and ends the process, as
does the end of the pipe (the crawl was killed: the current file stays `.open`, salvaged later).
"""
from __future__ import annotations

import logging
import os
import signal
import time
import traceback
from collections import Counter
from collections.abc import Callable
from multiprocessing.connection import Connection
from pathlib import Path

from crawler.archive.digests import DigestIndex
from crawler.archive.records import Fetched, gzip_member, payload_digest, response_members, warcinfo_record
from crawler.archive.salvage import append_whole, open_locked, temp_name

Report = Callable[[tuple], None]


class WarcFiles:
    def __init__(self, directory: str | os.PathLike, max_size: int, gzip_level: int, report: Report,
                 prefix: str = "GBAF") -> None:
        self.dir = Path(directory)
        self.max_size = max_size
        self.gzip_level = gzip_level
        self.report = report
        self.prefix = prefix
        self.serial = 0
        self.fh = None
        self.current = None  # (temp path, final path)
        self.finals = set()  # names of this writer's files, delivered or not yet
        self.held = []  # closed files, locked until they are delivered (salvage asks)
        self.digests = DigestIndex(self.dir / "digests.sqlite")
        self.counts = Counter()

    def write_counted(self, capture: Fetched) -> None:
        """Write one capture's records; a failure is counted and logged, never raised: the
        captures after it are still written."""
        try:
            self._write(capture)
        except OSError as exc:  # a full disk must not stop the crawl; the gap is counted
            self.counts[f"archive/warc/failed/{type(exc).__name__}"] += 1
            self.report(("log", logging.ERROR, f"WARC record not written ({exc}) for {capture.url}"))
        except Exception:  # noqa: BLE001 - never the writer's end
            self.counts["archive/warc/failed/error"] += 1
            self.report(("log", logging.ERROR,
                         f"WARC record not written for {capture.url}\n{traceback.format_exc()}"))

    def _write(self, c):
        digest = payload_digest(c.body)
        first = self.digests.lookup(digest, self._delivered_or_ours) if c.body else None
        members = response_members(c, digest, first, self.gzip_level)
        fh = self._file()
        append_whole(fh, members)
        if first is not None:
            self.counts["archive/warc/revisits"] += 1
        elif c.body:
            self.digests.add(digest, c.url, c.date, self.current[1].name)
        self.counts["archive/warc/records"] += 2
        if fh.tell() >= self.max_size:
            self.close_file()

    def _delivered_or_ours(self, filename):
        return filename in self.finals or (self.dir / filename).exists()

    def _file(self):
        if self.fh is None:
            final = self.dir / f"{self.prefix}-{self.serial:05d}.warc.gz"
            self.serial += 1
            self.current = (temp_name(final), final)
            self.finals.add(final.name)
            self.fh = open_locked(self.current[0])
            append_whole(self.fh, gzip_member(warcinfo_record(final.name), self.gzip_level))
            self.counts["archive/warc/files"] += 1
        return self.fh

    def close_file(self) -> None:
        """Close the current file, to be delivered at once by the crawl: a complete file is never
        left under its temporary name (as Heritrix does), whatever becomes of the run."""
        if self.fh is not None:
            self.counts["archive/warc/bytes"] += self.fh.tell()
            os.fsync(self.fh.fileno())
            self.held.append(self.fh)  # not closed: closing would give up the lock before delivery
            self.fh = None
            self.flush_counts()
            self.report(("closed", *self.current))

    def flush_counts(self) -> None:
        if self.counts:
            self.report(("stats", dict(self.counts)))
            self.counts.clear()

    def release(self) -> None:
        """The closed files are delivered: their locks can go; the digest index is closed."""
        self.digests.close()
        while self.held:
            self.held.pop().close()


def serve(captures: Connection, events: Connection, directory: str, max_size: int, gzip_level: int) -> None:
    """The writer process: captures from one pipe, events to the other (see the module's doc)."""
    # Ctrl-C reaches the whole process group: the crawl closes gracefully and still needs its writer.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    files = WarcFiles(directory, max_size, gzip_level, events.send)
    sent = time.monotonic()
    handled = confirmed = 0  # captures taken out of the pipe and written (or counted as failed)

    def report():
        # ("done", n) first: the crawl forgets the captures confirmed before it sees their counts.
        nonlocal confirmed
        if handled != confirmed:
            events.send(("done", handled))
            confirmed = handled
        files.flush_counts()

    try:
        while True:
            try:
                message = captures.recv()
            except EOFError:  # the crawl is gone (killed): what is written stays, salvaged later
                break
            if isinstance(message, Fetched):
                files.write_counted(message)
                handled += 1
            elif message[0] == "open":
                files.prefix = message[1]
            elif message[0] == "close":
                files.close_file()
                report()
                events.send(("cpu", time.process_time()))
                events.send(("flushed",))
            elif message[0] == "release":
                report()
                files.release()
                break
            # The counts go back when the pipe is idle, or each second under load: a few messages a
            # second, not one per record.
            if (handled != confirmed or files.counts) and (not captures.poll() or time.monotonic() - sent > 1):
                report()
                sent = time.monotonic()
    except (BrokenPipeError, EOFError):
        pass  # the crawl is gone
