"""WARC writing: every fetched response with its request, as WARC/1.1 records (off by default).

`GBAF_WARC_DIR=DIR` switches it on. A downloader middleware next to the downloader (so it sees
every response as it came off the wire: redirects, errors and retried answers too, bodies still
Content-Encoded) writes a `response` record and its `request` record (WARC-Concurrent-To), each
its own gzip member, through warcio. The crawl's thread only copies what the records need; one
writer thread builds, digests, compresses and writes them in the order they came (a bounded
queue: a writer behind the crawl slows it down, memory stays flat), so that the crawl's thread
does not wait on it. Files are named `GBAF-<run id>-<serial>.warc.gz`, written as
`.<name>.open` and rotated past `GBAF_WARC_MAX_SIZE` bytes; each is delivered when it is closed (at
rotation, and the last one when the spider closes: before the feeds are stored and the manifest
written) through crawler.archive.delivery (the run lifecycle's artifact protocol, or fsync and rename).

A file is locked by its writer for the writer's life: the file a killed run left is cut at its
last whole record and delivered by the next writer in DIR (crawler/archive/salvage.py).

A payload already archived (the same WARC-Payload-Digest, in this run or in an earlier run whose
file is still in DIR) is written as a `revisit` record (identical-payload-digest profile) that
refers to the first capture, found in `DIR/digests.sqlite`.

Rendered pages (crawler/fetch/render.py) are recorded as the parser saw them: the browser's HTML, with
the header `GBAF-Rendered: <reason>` and no Content-Encoding, so that a re-extraction reads the
same bytes as the crawl did. Stats: `archive/warc/<records|revisits|files|bytes|cpu_ms>` (cpu_ms: the
CPU both threads spent on the archive).
"""
from __future__ import annotations

import base64
import gzip
import hashlib
import io
import logging
import os
import queue
import socket
import threading
import time
from collections import deque
from dataclasses import dataclass
from datetime import datetime, timezone
from http import HTTPStatus
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from scrapy import signals
from scrapy.exceptions import NotConfigured
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from crawler.defaults import setting
from crawler.archive.delivery import deliver
from crawler.archive.digests import DigestIndex
from crawler.archive.salvage import append_whole, open_locked, salvage, temp_name
from crawler.items import SCHEMA_VERSION

if TYPE_CHECKING:
    from scrapy import Request, Spider
    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from warcio.recordloader import ArcWarcRecord

logger = logging.getLogger(__name__)

RENDERED_HEADER = "GBAF-Rendered"
# Headers that describe the bytes on the wire, not the body Scrapy hands over: Twisted has
# removed the chunking already, and a rendered body is the browser's serialized DOM.
_WIRE_HEADERS = {"transfer-encoding"}
_RENDERED_DROP = {"transfer-encoding", "content-encoding", "content-length"}


class WarcWriterMiddleware:
    def __init__(self, crawler: Crawler, directory: str | os.PathLike, max_size: int,
                 gzip_level: int, queue_size: int = 64) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        self.dir = Path(directory)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.max_size = max_size
        self.gzip_level = gzip_level
        self.prefix = None
        self.serial = 0
        self.fh = None
        self.current = None  # (temp path, final path)
        self.files = []  # [(temp path, final path)] of this run, in order
        self.closed = deque()  # files the writer closed, for the crawl's thread to deliver
        self.digests = DigestIndex(self.dir / "digests.sqlite")
        self.held = []  # this run's closed files, locked until the process ends (salvage asks)
        salvage(self.dir, self.digests, self.stats)  # files of killed runs, before this run's own
        # The writing (record building, digests, gzip, the file and the digest index) runs in one
        # thread of its own, in the order the responses came; the crawl's thread only copies what a
        # record needs. The queue is bounded: a writer behind the crawl slows it, memory stays flat.
        self.queue = queue.Queue(maxsize=queue_size)
        self.cpu = {"capture": 0.0, "writer": 0.0}  # CPU seconds of each thread's part (a stat)
        self.thread = threading.Thread(target=self._run, name="warc-writer", daemon=True)
        self.thread.start()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> WarcWriterMiddleware:
        s = crawler.settings
        directory = setting(s, "GBAF_WARC_DIR")
        if not directory:
            raise NotConfigured("GBAF_WARC_DIR is not set")
        mw = cls(crawler, directory, setting(s, "GBAF_WARC_MAX_SIZE"), setting(s, "GBAF_WARC_GZIP_LEVEL"))
        crawler.signals.connect(mw.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(mw.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(mw.engine_stopped, signal=signals.engine_stopped)
        return mw

    def spider_opened(self, spider: Spider) -> None:
        run_id = getattr(spider, "run_id", None) or time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
        self.prefix = f"GBAF-{run_id}"

    # --- the crawl's thread -----------------------------------------------------------------------
    def process_response(self, request: Request, response: Response) -> Response:
        started = time.thread_time()
        self._deliver_closed()
        if not self.thread.is_alive():  # the writer has stopped (spider_closed): not queued for no
            self._write_counted(_capture(request, response))  # one; written here, or counted as failed
        else:
            self.queue.put(_capture(request, response))
        self.cpu["capture"] += time.thread_time() - started
        return response

    def _deliver_closed(self):
        while self.closed:
            deliver(self.crawler, *self.closed.popleft(), "warc", keep_undelivered=True)

    def spider_closed(self, spider: Spider, reason: str) -> None:
        # A run's captures are true whatever its close reason: they are delivered either way.
        self.queue.put(None)
        self.thread.join()
        self._close_file()
        self._deliver_closed()
        self.digests.close()
        # What the archive cost the crawl's CPU, whatever the machine was doing meanwhile.
        self.stats.set_value("archive/warc/cpu_ms", round(1000 * (self.cpu["capture"] + self.cpu["writer"])))
        if self.files:
            logger.info("WARC: %d file(s) in %s (%s records, %s revisits)", len(self.files), self.dir,
                        self.stats.get_value("archive/warc/records", 0),
                        self.stats.get_value("archive/warc/revisits", 0))

    def engine_stopped(self) -> None:
        """The run's files are delivered (renamed) by now: their locks can go."""
        while self.held:
            self.held.pop().close()

    # --- the writer's thread ----------------------------------------------------------------------
    def _run(self):
        while (capture := self.queue.get()) is not None:
            self._write_counted(capture)
        self.cpu["writer"] = time.thread_time()  # this thread's CPU since it started

    def _write_counted(self, capture):
        try:
            self._write(capture)
        except OSError as exc:  # a full disk must not stop the crawl; the gap is counted
            self.stats.inc_value(f"archive/warc/failed/{type(exc).__name__}")
            logger.error("WARC record not written (%s) for %s", exc, capture.url)
        except Exception:  # never the writer's end: the next captures are still written
            self.stats.inc_value("archive/warc/failed/error")
            logger.exception("WARC record not written for %s", capture.url)

    def _write(self, c):
        http = StatusAndHeaders(f"{c.status} {_phrase(c.status)}".strip(), c.headers, protocol=c.protocol)
        digest = "sha1:" + base64.b32encode(hashlib.sha1(c.body).digest()).decode("ascii")
        writer = _buffer_writer()
        first = self.digests.lookup(digest, self._delivered_or_ours) if c.body else None
        if first is not None:
            uri, first_date = first
            record = writer.create_revisit_record(c.url, digest, uri, first_date, http_headers=http,
                                                  warc_headers_dict={"WARC-Date": c.date})
            self.stats.inc_value("archive/warc/revisits")
        else:
            record = writer.create_warc_record(
                c.url, "response", payload=io.BytesIO(c.body), length=len(c.body), http_headers=http,
                warc_headers_dict={"WARC-Date": c.date, "WARC-Payload-Digest": digest,
                                   **({"WARC-IP-Address": c.ip} if c.ip else {})})
        req = writer.create_warc_record(
            c.url, "request", payload=io.BytesIO(c.request_body), length=len(c.request_body),
            http_headers=_request_headers(c.url, c.method, c.request_headers),
            warc_headers_dict={"WARC-Date": c.date,
                               "WARC-Concurrent-To": record.rec_headers.get_header("WARC-Record-ID")})
        fh = self._file()
        name = self.current[1].name
        # A body the server compressed already gains nothing from deflate (which cost 80 % of the
        # writing's CPU): its member is stored (level 0), still one gzip member per record.
        append_whole(fh, gzip_member(record, 0 if c.encoded else self.gzip_level) + self._member(req))
        if first is None and c.body:
            self.digests.add(digest, c.url, c.date, name)
        self.stats.inc_value("archive/warc/records", 2)
        if fh.tell() >= self.max_size:
            self._close_file()

    def _member(self, record):
        return gzip_member(record, self.gzip_level)

    def _delivered_or_ours(self, filename):
        return (self.dir / filename).exists() or any(final.name == filename for _, final in self.files)

    def _file(self):
        if self.fh is None:
            name = f"{self.prefix or 'GBAF'}-{self.serial:05d}.warc.gz"
            self.serial += 1
            final = self.dir / name
            temp = temp_name(final)
            self.current = (temp, final)
            self.files.append(self.current)
            self.fh = open_locked(temp)
            append_whole(self.fh, self._member(warcinfo_record(name)))
            self.stats.inc_value("archive/warc/files")
        return self.fh

    def _close_file(self):
        """Close the current file, to be delivered at once by the crawl's thread: a complete file is
        never left under its temporary name (as Heritrix does), whatever becomes of the run."""
        if self.fh is not None:
            self.stats.inc_value("archive/warc/bytes", self.fh.tell())
            os.fsync(self.fh.fileno())
            self.held.append(self.fh)  # not closed: closing would give up the lock before delivery
            self.fh = None
            self.closed.append(self.current)


@dataclass(frozen=True, slots=True)
class _Capture:
    """What the records of one response need, copied on the crawl's thread."""
    url: str
    status: int
    protocol: str
    ip: str | None
    headers: list
    body: bytes
    encoded: bool
    date: str
    method: str
    request_headers: list
    request_body: bytes


def _capture(request, response):
    rendered = request.meta.get("gbaf_render") if request.meta.get("playwright") else None
    headers = _str_headers(response.headers, _RENDERED_DROP if rendered else _WIRE_HEADERS)
    body = response.body
    if rendered:
        headers += [("Content-Length", str(len(body))), (RENDERED_HEADER, str(rendered))]
    return _Capture(
        url=response.url, status=response.status, protocol=response.protocol or "HTTP/1.1",
        ip=str(response.ip_address) if response.ip_address else None, headers=headers, body=body,
        encoded=bool(not rendered and response.headers.get("Content-Encoding")), date=_warc_date(),
        method=request.method, request_body=request.body or b"",
        request_headers=_str_headers(request.headers, {"host"}))


def _str_headers(headers, drop):
    """(name, value) pairs of Scrapy's headers, as latin-1 text, but the names in drop (lower case)."""
    return [(k.decode("latin-1"), v.decode("latin-1")) for k, values in headers.items()
            for v in values if k.decode("latin-1").lower() not in drop]


def gzip_member(record: ArcWarcRecord, level: int = 6) -> bytes:
    """One record as one gzip member (warcio compresses at level 9: twice the CPU for 3 %)."""
    buf = io.BytesIO()
    WARCWriter(buf, gzip=False, warc_version="WARC/1.1").write_record(record)
    return gzip.compress(buf.getvalue(), compresslevel=level)


def _buffer_writer():
    return WARCWriter(io.BytesIO(), gzip=False, warc_version="WARC/1.1")


def _phrase(status):
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


def _warc_date():
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _request_headers(url, method, headers):
    parts = urlsplit(url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return StatusAndHeaders(f"{method} {target} HTTP/1.1", [("Host", parts.netloc)] + headers,
                            is_http_request=True)


def warcinfo_record(filename: str) -> ArcWarcRecord:
    writer = _buffer_writer()
    return writer.create_warcinfo_record(filename, {
        "software": "gbaf-crawler (Scrapy; warcio)", "format": "WARC File Format 1.1",
        "conformsTo": "https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/",
        "hostname": socket.gethostname(), "robots": "obey", "gbaf-schema-version": str(SCHEMA_VERSION),
    })
