"""A killed writer's WARC file: cut at its last whole record and delivered by the next run.

A WARC file is written under a temporary name (`.<name>.open`) by a process that holds an exclusive
`flock` on it (`open_locked`) until the process ends. A process killed mid-run leaves its file
there, its last gzip member possibly cut short, and the run's lifecycle does not know it (the run
never reached its manifest). The next crawl writing WARC to that folder (`salvage`) takes each such file
whose lock nobody holds, truncates it after its last complete gzip member (one member is one
record, so what stays is whole records, each checked by its CRC), and renames it to its final name
at once (fsync, rename, folder fsync: not through the new run, whose failure would remove it). The
digest index is made true again: the dead file's rows are replaced by the digests of the records
it still holds, so that no revisit refers to a record that was cut off. A file a live process
writes is locked and left alone; one with no whole record is removed.
"""
from __future__ import annotations

import fcntl
import logging
import os
import zlib
from pathlib import Path
from typing import IO

from scrapy.statscollectors import StatsCollector
from warcio.archiveiterator import ArchiveIterator

from crawler.archive.digests import DigestIndex
from crawler.outputs.storage import replace_durably

logger = logging.getLogger(__name__)

TEMP_SUFFIX = ".open"
_CHUNK = 1 << 20


def temp_name(final: Path) -> Path:
    return final.with_name(f".{final.name}{TEMP_SUFFIX}")


def open_locked(path: str | os.PathLike) -> IO[bytes]:
    """A new file opened for writing (unbuffered: append_whole writes each record with its own
    calls) and locked for this process's life (what salvage asks)."""
    fh = open(path, "wb", buffering=0)
    fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    return fh


def append_whole(fh: IO[bytes], data: bytes) -> None:
    """Append data (whole gzip members) to an unbuffered file, whole or not at all: a write that
    fails part way (a full disk) is undone before the error goes up, so that the file never holds
    half a member, which would make every record after it unreadable."""
    start = fh.tell()
    view = memoryview(data)
    try:
        while view:
            view = view[fh.write(view):]
    except OSError:
        os.ftruncate(fh.fileno(), start)
        fh.seek(start)
        raise


def whole_members_end(fh: IO[bytes]) -> int:
    """The offset after the last complete gzip member from the start of fh."""
    fh.seek(0)
    end = pos = 0
    d = zlib.decompressobj(wbits=31)
    while chunk := fh.read(_CHUNK):
        data = chunk
        while data:
            try:
                d.decompress(data)
            except zlib.error:  # a corrupt member: what came before it stays
                return end
            if not d.eof:
                pos += len(data)
                break
            used = len(data) - len(d.unused_data)
            pos += used
            end = pos
            data = d.unused_data
            d = zlib.decompressobj(wbits=31)
    return end


def salvage(directory: Path, digests: DigestIndex, stats: StatsCollector) -> list[Path]:
    """Deliver every dead writer's file in directory; returns the final paths."""
    delivered = []
    for temp in sorted(directory.glob(f".*.warc.gz{TEMP_SUFFIX}")):
        try:
            final = _salvage_one(temp, digests, stats)
        except Exception as exc:  # noqa: BLE001 - one unreadable file must not stop the crawl
            logger.error("WARC: %s of a killed run not salvaged (%r): left as it is", temp.name, exc)
            stats.inc_value("archive/warc/salvage/failed")
            continue
        if final is not None:
            delivered.append(final)
    return delivered


def _salvage_one(temp, digests, stats):
    try:
        fh = open(temp, "r+b")
    except FileNotFoundError:
        return None  # delivered meanwhile
    with fh:
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return None  # a live writer's
        if not temp.exists():
            return None  # renamed by its writer between the glob and the lock
        final = temp.with_name(temp.name[1:-len(TEMP_SUFFIX)])
        size = os.fstat(fh.fileno()).st_size
        end = whole_members_end(fh)
        digests.forget_file(final.name)
        if end == 0:
            temp.unlink()
            logger.warning("WARC: %s of a killed run held no whole record: removed", temp.name)
            stats.inc_value("archive/warc/salvage/removed")
            return None
        fh.truncate(end)
        fh.flush()
        os.fsync(fh.fileno())
        fh.seek(0)
        records = 0
        for record in ArchiveIterator(fh):
            if record.rec_type == "response":
                h = record.rec_headers
                digests.add_if_new(h.get_header("WARC-Payload-Digest"), h.get_header("WARC-Target-URI"),
                                   h.get_header("WARC-Date"), final.name)
            records += 1
        replace_durably(temp, final)
        logger.warning("WARC: %s of a killed run delivered with its %d whole records (%d bytes cut)",
                       final.name, records, size - end)
        stats.inc_value("archive/warc/salvage/files")
        stats.inc_value("archive/warc/salvage/bytes_cut", size - end)
        return final
