"""Reading WARC files (this crawler's, CC-NEWS, any WARC/1.0 or 1.1) with fastwarc.

Two passes, so that memory stays flat however big the archive is:
1. `index_latest(paths, keep)`: the WARC headers and HTTP status line of every `response` record
   whose target URI `keep(url)` accepts (the host and article filter, before any payload is
   read); for each kept key (the canonical URL) the latest 200 capture's (file, offset). Memory:
   one small tuple per article, not per record.
2. `iter_captures(paths, index)`: those captures, file by file, with their decoded payload
   (Transfer- and Content-Encoding undone by fastwarc).

`revisit` records carry no payload: the capture they refer to gives the article (it is in the
archive as a `response` record), so they are skipped and counted.
"""
from __future__ import annotations

import glob
import logging
import os
import zlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from fastwarc.warc import ArchiveIterator, WarcRecord, WarcRecordType

logger = logging.getLogger(__name__)

RENDERED_HEADER = "GBAF-Rendered"  # crawler.archive.writer writes it; read here without importing warcio
_DECODED = {"content-encoding", "transfer-encoding", "content-length"}


@dataclass
class Capture:
    """One archived HTTP response, payload decoded."""

    url: str
    status: int
    headers: list  # [(name, value)] without the encodings fastwarc undid
    body: bytes
    date: str  # WARC-Date, ISO 8601 UTC, seconds
    rendered: str | None = None  # the rendering reason when the page was rendered by the crawler


def expand_paths(spec: str) -> list[str]:
    """WARC files named by a comma-separated list of paths, globs and directories, sorted."""
    found = []
    for part in (p.strip() for p in (spec or "").split(",")):
        if not part:
            continue
        if os.path.isdir(part):
            matches = [os.path.join(part, n) for n in os.listdir(part) if _is_warc_name(n)]
        else:
            matches = glob.glob(part) if glob.has_magic(part) else [part]
        if not matches:
            logger.warning("no WARC file matches %s", part)
        found.extend(sorted(matches))
    return list(dict.fromkeys(found))


def _is_warc_name(name):
    return not name.startswith(".") and name.endswith((".warc", ".warc.gz", ".arc.gz"))


def target_uri(record: WarcRecord) -> str:
    return (record.headers.get("WARC-Target-URI") or "").strip().strip("<>")


def index_latest(paths: Sequence[str], keep: Callable[[str], str | None],
                 stats: dict[str, Any] | None = None) -> dict[str, tuple[str, int, int]]:
    """{key: (WARC-Date, file number, offset)} of the latest 200 response per key.
    keep(url) returns the key (the canonical URL) of a record to take, or None."""
    latest = {}
    for number, path in enumerate(paths):
        try:
            last = None
            with open(path, "rb") as stream:
                for record in ArchiveIterator(stream, parse_http=False):
                    last = record.stream_pos
                    if record.record_type not in (WarcRecordType.response, WarcRecordType.revisit):
                        continue
                    url = target_uri(record)
                    key = keep(url)
                    if key is None:
                        _inc(stats, "archive/records/skipped/not_wanted")
                        continue
                    if record.record_type == WarcRecordType.revisit:
                        _inc(stats, "archive/records/skipped/revisit")
                        continue
                    record.parse_http()
                    status = record.http_headers.status_code if record.http_headers else None
                    if status != 200:
                        _inc(stats, f"archive/records/skipped/http_{status}")
                        continue
                    date = _date(record)
                    if key in latest:
                        _inc(stats, "archive/records/skipped/older_capture")
                        if latest[key][0] > date:
                            continue
                    latest[key] = (date, number, record.stream_pos)
            if _cut_off(path, last):
                _inc(stats, "archive/files/truncated")
                logger.warning("WARC file %s ends inside a record (cut off?): the records before it are kept",
                               path)
        except OSError as exc:  # a truncated or unreadable file: what was read counts, the rest is said
            _inc(stats, "archive/files/unreadable")
            logger.warning("WARC file %s unreadable from some point (%s): the captures before it are kept",
                         path, exc)
    return latest


def _cut_off(path, last):
    """Whether a gzipped WARC has bytes after its last readable record that are no whole record
    (fastwarc stops there without an error). Reads the last record's member only."""
    if last is None or not str(path).endswith(".gz"):
        return False
    with open(path, "rb") as f:
        f.seek(last)
        inflater = zlib.decompressobj(31)
        while not inflater.eof:
            chunk = f.read(1 << 16)
            if not chunk:
                return True  # the last member never ends
            try:
                inflater.decompress(chunk, 0)
            except zlib.error:
                return True
        return bool(inflater.unused_data or f.read(1))


def iter_captures(paths: Sequence[str], index: Mapping[str, tuple[str, int, int]]) -> Iterator[Capture]:
    """The captures the index chose, file by file, in file order."""
    wanted = {}
    for _date_, number, pos in index.values():
        wanted.setdefault(number, set()).add(pos)
    for number, path in enumerate(paths):
        positions = wanted.get(number)
        if not positions:
            continue
        try:
            with open(path, "rb") as stream:
                for record in ArchiveIterator(stream, record_types=WarcRecordType.response,
                                              parse_http=True, auto_decode="all",
                                              func_filter=lambda r: r.stream_pos in positions):
                    yield _capture(record)
        except OSError as exc:
            logger.warning("WARC file %s unreadable from some point (%s)", path, exc)


def positions(paths: Sequence[str],
              index: Mapping[str, tuple[str, int, int]]) -> tuple[list[tuple[int, int]], set[int]]:
    """The chosen captures as (file number, offset), in the order iter_captures yields them, and
    the set of file numbers whose every chosen capture starts a gzip member of its own (or that
    are not gzipped): those can be read at their offsets, one capture at a time (read_capture)."""
    order = sorted((number, pos) for _date_, number, pos in index.values())
    by_file = {}
    for number, pos in order:
        by_file.setdefault(number, []).append(pos)
    seekable = set()
    for number, wanted in by_file.items():
        path = paths[number]
        if not str(path).endswith(".gz"):
            seekable.add(number)
            continue
        try:
            with open(path, "rb") as f:
                if all(f.seek(pos) == pos and f.read(2) == b"\x1f\x8b" for pos in wanted):
                    seekable.add(number)
        except OSError:
            pass  # read in order then, which says what it cannot read
    return order, seekable


_open = {}  # this process's open WARC file (read_capture)


def read_capture(path: str, pos: int) -> Capture:
    """The capture at an offset iter_captures reported (a record of a gzip member of its own),
    read from the process's open file of that path (a worker reads a batch from one file)."""
    f = _open.get(path)
    if f is None:
        for other in _open.values():
            other.close()
        _open.clear()
        f = _open[path] = open(path, "rb")
    f.seek(pos)
    for record in ArchiveIterator(f, record_types=WarcRecordType.response, parse_http=True, auto_decode="all"):
        return _capture(record)
    raise OSError(f"no WARC response record at offset {pos} of {path}")


def _capture(record):
    http = record.http_headers
    headers = [(k, v) for k, v in http.astuples() if k.lower() not in _DECODED]
    return Capture(url=target_uri(record), status=http.status_code, headers=headers,
                   body=record.reader.read(), date=_date(record), rendered=http.get(RENDERED_HEADER))


def _date(record):
    date = record.record_date
    return date.replace(microsecond=0).isoformat() if date is not None else ""


def _inc(stats, key):
    if stats is not None:
        stats.inc_value(key)
