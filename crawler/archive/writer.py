"""WARC writing: every fetched response with its request, as WARC/1.1 records (off by default).

`GBAF_WARC_DIR=DIR` switches it on. A downloader middleware next to the downloader (so it sees
every response as it came off the wire: redirects, errors and retried answers too, bodies still
Content-Encoded) writes a `response` record and its `request` record (WARC-Concurrent-To), each
its own gzip member, through warcio (crawler/archive/records.py). The crawl's thread only copies
what the records need and sends it down a pipe to one writer process (crawler/archive/warcfiles.py),
which builds, digests, compresses and writes them in the order they came, on another core and
outside the crawl's GIL. The pipe is bounded: a writer behind the crawl slows it down, memory
stays flat. Files are named `GBAF-<run id>-<serial>.warc.gz`, written as `.<name>.open` and
rotated past `GBAF_WARC_MAX_SIZE` bytes; each is delivered by the crawl when the writer has closed it
(at rotation, and the last one when the spider closes: before the feeds are stored and the
manifest written) through crawler.archive.delivery (the run lifecycle's artifact protocol, or
fsync and rename).

A file is locked by its writer until it is delivered: the file a killed run left is cut at its last
whole record and delivered by the next writer in DIR (crawler/archive/salvage.py). A writer process
that dies is logged and counted (`archive/warc/failed/writer_gone`); the crawl's thread writes
the rest itself, into files of its own (`GBAF-<run id>-inproc-<serial>`), beginning with the
captures the writer had not confirmed written (`archive/warc/rewritten`: in its pipe, or written
in the last second; such a capture may then be in both files, never in neither); the dead
writer's last file is salvaged by the next run, as a killed run's.

A payload already archived (the same WARC-Payload-Digest, in this run or in an earlier run whose
file is still in DIR) is written as a `revisit` record (identical-payload-digest profile) that
refers to the first capture, found in `DIR/digests.sqlite`.

Rendered pages (crawler/fetch/render.py) are recorded as the parser saw them: the browser's HTML, with
the header `GBAF-Rendered: <reason>` and no Content-Encoding, so that a re-extraction reads the
same bytes as the crawl did. Stats: `archive/warc/<records|revisits|files|bytes|cpu_ms>` (cpu_ms: the
CPU the crawl's thread and the writer spent on the archive).
"""
from __future__ import annotations

import atexit
import fcntl
import logging
import multiprocessing
import os
import time
from collections import deque
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from scrapy import signals
from scrapy.exceptions import NotConfigured

from crawler.archive.delivery import deliver
from crawler.archive.digests import DigestIndex
from crawler.archive.records import Fetched
from crawler.archive.salvage import salvage
from crawler.archive.warcfiles import WarcFiles, serve
from crawler.defaults import setting

if TYPE_CHECKING:
    from scrapy import Request, Spider
    from scrapy.crawler import Crawler
    from scrapy.http import Response

logger = logging.getLogger(__name__)

RENDERED_HEADER = "GBAF-Rendered"
# Headers that describe the bytes on the wire, not the body Scrapy hands over: Twisted has
# removed the chunking already, and a rendered body is the browser's serialized DOM.
_WIRE_HEADERS = {"transfer-encoding"}
_RENDERED_DROP = {"transfer-encoding", "content-encoding", "content-length"}
_PIPE_SIZE = 1 << 20  # bytes of captures in flight to the writer (Linux's default limit for a pipe)


class WarcWriterMiddleware:
    def __init__(self, crawler: Crawler, directory: str | os.PathLike, max_size: int,
                 gzip_level: int) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        self.dir = Path(directory)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.config = (str(self.dir), max_size, gzip_level)
        self.prefix = "GBAF"
        self.inproc = None  # the crawl's own WarcFiles, once the writer process is gone
        self.cpu = 0.0  # CPU seconds: the crawl's thread's part, then the writer's (a stat)
        # Captures sent to the writer and not yet confirmed written (("done", n)): written by the
        # crawl's thread if the writer dies. Bounded by the pipe and a second of the writer's work.
        self.unconfirmed = deque()
        self.confirmed = 0
        digests = DigestIndex(self.dir / "digests.sqlite")
        salvage(self.dir, digests, self.stats)  # files of killed runs, before this run's own
        digests.close()
        self.process = self._start()

    def _start(self):
        """The writer process, or None (said and counted) when it cannot be started."""
        # spawn, not fork: no copy of a running reactor (as the re-extraction's workers)
        context = multiprocessing.get_context("spawn")
        captures_in, self.captures = context.Pipe(duplex=False)
        self.events, events_out = context.Pipe(duplex=False)
        _widen(self.captures)
        process = context.Process(target=serve, args=(captures_in, events_out, *self.config),
                                  name="warc-writer", daemon=True)
        try:
            process.start()
        except Exception as exc:  # noqa: BLE001 - the crawl writes its archive itself then
            logger.error("WARC writer process not started (%r): the crawl writes the archive itself", exc)
            self.stats.inc_value("archive/warc/failed/writer_gone")
            return None
        finally:
            captures_in.close()
            events_out.close()
        atexit.register(self._hang_up)
        return process

    def _hang_up(self) -> None:
        """At the process's exit without engine_stopped (a forced shutdown: Ctrl-C twice): the
        writer is given the end of its pipe and the time to write what is in it, before
        multiprocessing's own exit handler terminates it (its file is then salvaged by the next run)."""
        if self.process is not None:
            self.captures.close()
            self.process.join(_PATIENCE)
            self.process = None

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
        self._send(("open", self.prefix))

    def process_response(self, request: Request, response: Response) -> Response:
        started = time.thread_time()
        self._take_events()
        capture = _capture(request, response)
        if self._send(capture):
            self.unconfirmed.append(capture)
        else:
            self._in_process().write_counted(capture)
            self.inproc.flush_counts()
        self.cpu += time.thread_time() - started
        return response

    def spider_closed(self, spider: Spider, reason: str) -> None:
        # A run's captures are true whatever its close reason: they are delivered either way.
        if self._send(("close",)):
            self._take_events(until="flushed")
        if self.inproc is not None:
            self.inproc.close_file()
            self.inproc.flush_counts()
        # What the archive cost in CPU (the crawl's thread and the writer), whatever the machine did meanwhile.
        self.stats.set_value("archive/warc/cpu_ms", round(1000 * self.cpu))
        records = self.stats.get_value("archive/warc/records", 0)
        if records:
            logger.info("WARC: %d file(s) in %s (%s records, %s revisits)",
                        self.stats.get_value("archive/warc/files", 0), self.dir, records,
                        self.stats.get_value("archive/warc/revisits", 0))

    def engine_stopped(self) -> None:
        """The run's files are delivered (renamed) by now: their locks can go."""
        if self._send(("release",)):
            self._take_events(until="end")
        atexit.unregister(self._hang_up)
        if self.inproc is not None:
            self.inproc.release()

    # --- the writer process's pipes -----------------------------------------------------------------
    def _send(self, message) -> bool:
        """Send a message to the writer process; False when it is gone."""
        if self.process is None:
            return False
        try:
            self.captures.send(message)
            return True
        except OSError:  # BrokenPipeError: it has died
            self._gone()
            return False

    def _take_events(self, until: str | None = None) -> None:
        """Handle what the writer reported; with until, wait for that event (an event's name, or
        "end": the writer's end, once it is told to release)."""
        while self.process is not None and (until is not None or self.events.poll()):
            if until is not None and not self.events.poll(_PATIENCE):
                logger.error("WARC writer silent for %d s: not waited for", _PATIENCE)
                return
            try:
                event = self.events.recv()
            except (EOFError, OSError):
                if until == "end":
                    self.process.join(30)
                    self.process = None
                    if self.unconfirmed:  # it died as it released, the run's files delivered by then
                        logger.error("WARC writer ended without confirming %d captures", len(self.unconfirmed))
                        self.stats.inc_value("archive/warc/failed/unconfirmed", len(self.unconfirmed))
                        self.unconfirmed.clear()
                else:
                    self._gone()
                return
            self._event(event)
            if event[0] == until:
                return

    def _event(self, event) -> None:
        kind = event[0]
        if kind == "stats":
            for key, count in event[1].items():
                self.stats.inc_value(key, count)
        elif kind == "closed":
            deliver(self.crawler, event[1], event[2], "warc", keep_undelivered=True)
        elif kind == "log":
            logger.log(event[1], "%s", event[2])
        elif kind == "cpu":
            self.cpu += event[1]
        elif kind == "done":
            for _ in range(event[1] - self.confirmed):
                self.unconfirmed.popleft()
            self.confirmed = event[1]

    def _gone(self) -> None:
        """The writer process died (killed, out of memory): counted and said; the crawl's thread
        writes the rest. Its last file stays `.open`, cut and delivered by the next writer in the folder."""
        self.process.join(5)
        while True:  # what it said before it died: the captures it confirmed are not written again
            try:
                if not self.events.poll():
                    break
                self._event(self.events.recv())
            except (EOFError, OSError):
                break
        logger.error("WARC writer process ended (exit code %s): the crawl writes the rest itself "
                     "(%d captures it had not confirmed first); its last file is salvaged by the next run",
                     self.process.exitcode, len(self.unconfirmed))
        self.stats.inc_value("archive/warc/failed/writer_gone")
        self.process = None
        # Some of them may be in its file already: they are written again in full (no revisit
        # refers to a file not delivered), so a capture is in two files rather than in none.
        if self.unconfirmed:
            self.stats.inc_value("archive/warc/rewritten", len(self.unconfirmed))
        inproc = self._in_process()
        while self.unconfirmed:
            inproc.write_counted(self.unconfirmed.popleft())
        inproc.flush_counts()

    def _in_process(self) -> WarcFiles:
        if self.inproc is None:
            self.inproc = WarcFiles(*self.config, report=self._event, prefix=f"{self.prefix}-inproc")
        return self.inproc


_PATIENCE = 600  # seconds the crawl waits for its writer to close its file


def _widen(connection) -> None:
    """Let the pipe hold _PIPE_SIZE bytes (Linux; elsewhere the system's default stays)."""
    try:
        fcntl.fcntl(connection.fileno(), 1031, _PIPE_SIZE)  # F_SETPIPE_SZ
    except OSError:
        pass


def _capture(request, response):
    rendered = request.meta.get("gbaf_render") if request.meta.get("playwright") else None
    headers = _str_headers(response.headers, _RENDERED_DROP if rendered else _WIRE_HEADERS)
    body = response.body
    if rendered:
        headers += [("Content-Length", str(len(body))), (RENDERED_HEADER, str(rendered))]
    return Fetched(
        url=response.url, status=response.status, protocol=response.protocol or "HTTP/1.1",
        ip=str(response.ip_address) if response.ip_address else None, headers=headers, body=body,
        encoded=bool(not rendered and response.headers.get("Content-Encoding")), date=_warc_date(),
        method=request.method, request_body=request.body or b"",
        request_headers=_str_headers(request.headers, {"host"}))


def _str_headers(headers, drop):
    """(name, value) pairs of Scrapy's headers, as latin-1 text, but the names in drop (lower case)."""
    return [(k.decode("latin-1"), v.decode("latin-1")) for k, values in headers.items()
            for v in values if k.decode("latin-1").lower() not in drop]


def _warc_date():
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
