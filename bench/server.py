"""A replica server for benchmarks that is not the bottleneck: `python -m bench.server`.

    python -m bench.server --articles 5000 --seed 1 [--step 0] [--port 0] [--no-prerender] [--cache DIR]

`replica/server.py` (a thread per connection, rendering and gzipping every answer under the GIL)
tops out near the rate one Scrapy process reaches, so timings against it measure the server. This
one serves the same bytes: every answer is `Site.render(path)` with the replica server's ETag,
Vary and gzip (level 5, when the client accepts it), computed before the crawl (in a pool of
processes, optionally kept on disk) and served from memory by one asyncio HTTP/1.1 keep-alive
loop. A path it did not render beforehand is rendered when asked (and kept), so it answers
everything the replica answers; those are counted as `rendered_on_demand`.

Control paths (never linked by the site, so a crawl never asks for them):
  /__bench/stats   {"requests", "first", "last" (monotonic seconds), "connections", "rendered_on_demand"}
  /__bench/log     the request targets served since the last reset, in order (JSON list)
  /__bench/reset   forget the log and counters
"""
from __future__ import annotations

import argparse
import asyncio
import gzip
import hashlib
import json
import os
import pickle
import re
import signal
import sys
import time
import zlib
from email.utils import formatdate
from http import HTTPStatus
from multiprocessing import get_context
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CACHE = ROOT / "bench" / "out" / "cache"
# The replica server's rule (replica/server.py): gzip text-like bodies over 1 KiB when accepted.
COMPRESSIBLE = ("text/", "application/xml", "application/rss+xml", "application/atom+xml",
                "application/javascript", "application/json")
REASONS = {s.value: s.phrase for s in HTTPStatus}


# --- what to render --------------------------------------------------------------------------
def crawl_targets(site):
    """The request targets a crawl of the site can ask for: cheap sources, home, every listing page,
    every article (and its aliases), the videos and the broken related links. Tag listings and
    company pages are left to on-demand rendering (the crawler does not follow them)."""
    from replica.site import NEWS_CATEGORIES, TOP_STORIES, VIDEOS

    targets = ["/robots.txt", "/sitemap.xml", "/sitemap-news.xml", "/sitemap-image.xml", "/feed/", "/"]
    _status, _headers, index = site.render("/sitemap.xml")
    targets += [urlsplit(loc.decode()).path for loc in re.findall(rb"<loc>([^<]+)</loc>", index or b"")]
    for cat in NEWS_CATEGORIES + [TOP_STORIES, VIDEOS]:
        targets.append(cat.path)
        targets += [f"{cat.path}page/{n}/" for n in range(2, site.listing_pages(cat.name) + 1)]
    targets += [site.stub(k).path for k in range(site.article_count)]
    targets += list(site.aliases())
    targets += site.broken_paths()
    targets += [v.path for v in site.videos()]
    return list(dict.fromkeys(targets))


def render_answer(site, target):
    """(status, headers, body, gzipped body or None): what replica/server.py would send."""
    status, headers, body = site.render(target)
    headers = dict(headers)
    if status == 200:
        headers["ETag"] = '"%s"' % hashlib.sha1(body).hexdigest()[:27]
    gz = None
    if body and len(body) > 1024 and headers.get("Content-Type", "").startswith(COMPRESSIBLE):
        headers["Vary"] = "Accept-Encoding"
        gz = gzip.compress(body, compresslevel=5, mtime=0)
        body = None  # kept gzipped only (a quarter of the memory); inflated for clients without gzip
    return status, headers, body, gz


_SITE = None  # the pool workers' Site (inherited through fork)


def _render_chunk(targets):
    return [(t, render_answer(_SITE, t)) for t in targets]


def prerender(site, targets, processes=None):
    global _SITE
    _SITE = site
    processes = processes or os.cpu_count() or 1
    chunks = [targets[i:i + 100] for i in range(0, len(targets), 100)]
    answers = {}
    if processes == 1 or len(targets) < 200:
        for chunk in chunks:
            answers.update(_render_chunk(chunk))
        return answers
    with get_context("fork").Pool(processes) as pool:
        for done in pool.imap_unordered(_render_chunk, chunks):
            answers.update(done)
    return answers


def cache_key(articles, seed, step):
    """Cached answers are valid only for the replica's code as it is now."""
    h = hashlib.sha1(f"{articles}:{seed}:{step}".encode())
    for path in sorted((ROOT / "replica").glob("*.py")):
        h.update(path.read_bytes())
    h.update(Path(__file__).read_bytes())
    return h.hexdigest()[:16]


def load_answers(site, args):
    targets = crawl_targets(site)
    path = None
    if args.cache:
        path = Path(args.cache) / f"replica-{args.articles}-{args.seed}-{args.step}-{cache_key(args.articles, args.seed, args.step)}.pickle"
        if path.exists():
            try:
                with open(path, "rb") as f:
                    return pickle.load(f), "cache"
            except (OSError, pickle.UnpicklingError, EOFError):
                pass
    answers = prerender(site, targets)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        for old in path.parent.glob(f"replica-{args.articles}-{args.seed}-{args.step}-*.pickle"):
            old.unlink(missing_ok=True)
        tmp = path.with_suffix(".part")
        with open(tmp, "wb") as f:
            pickle.dump(answers, f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
    return answers, "rendered"


# --- serving ---------------------------------------------------------------------------------
class Answers:
    """Answers keyed by request target, with their header blocks prepared once."""

    def __init__(self, site, answers):
        self.site = site
        self.prepared = {}
        self.rendered_on_demand = 0
        for target, answer in answers.items():
            self.prepared[target] = self._prepare(answer)

    @staticmethod
    def _prepare(answer):
        status, headers, body, gz = answer
        lines = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        return status, headers.get("ETag"), lines.encode("latin-1"), body, gz

    def get(self, target):
        found = self.prepared.get(target)
        if found is None:
            try:
                answer = render_answer(self.site, target)
            except Exception:  # noqa: BLE001 - like the replica: a render bug is a 500, not a dead server
                answer = (500, {"Content-Type": "text/plain; charset=utf-8"}, b"Internal Server Error", None)
            found = self.prepared[target] = self._prepare(answer)
            self.rendered_on_demand += 1
        return found


class Stats:
    def __init__(self):
        self.reset()

    def reset(self):
        self.requests, self.connections, self.first, self.last = 0, 0, None, None
        self.log = []


class HttpProtocol(asyncio.Protocol):
    """HTTP/1.1 with keep-alive and pipelining; GET and HEAD without request bodies."""

    def __init__(self, server):
        self.server = server
        self.buf = b""
        self.transport = None

    def connection_made(self, transport):
        self.transport = transport
        self.server.stats.connections += 1

    def data_received(self, data):
        self.buf += data
        while True:
            end = self.buf.find(b"\r\n\r\n")
            if end < 0:
                if len(self.buf) > 65536:
                    self.transport.close()
                return
            head, self.buf = self.buf[:end], self.buf[end + 4:]
            if not self.server.answer(self.transport, head):
                self.transport.close()
                return

    def connection_lost(self, exc):
        self.transport = None


class BenchServer:
    def __init__(self, answers):
        self.answers = answers
        self.stats = Stats()
        self._date, self._date_at = b"", 0

    def date(self):
        now = int(time.time())
        if now != self._date_at:
            self._date, self._date_at = formatdate(now, usegmt=True).encode(), now
        return self._date

    def answer(self, transport, head):
        """Write the answer to one request; False when the connection must close after it."""
        lines = head.split(b"\r\n")
        try:
            method, target, version = lines[0].split(b" ", 2)
        except ValueError:
            transport.write(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            return False
        accept_gzip, etag_asked, close = False, None, version == b"HTTP/1.0"
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"accept-encoding":
                accept_gzip = b"gzip" in value
            elif name == b"if-none-match":
                etag_asked = value.strip().decode("latin-1")
            elif name == b"connection":
                low = value.strip().lower()
                close = low == b"close" or (close and low != b"keep-alive")
        target = target.decode("latin-1")
        if target.startswith("/__bench/"):
            self.control(transport, target)
            return not close
        stats = self.stats
        now = time.monotonic()
        if stats.first is None:
            stats.first = now
        stats.last = now
        stats.requests += 1
        stats.log.append(target)
        status, etag, header_lines, body, gz = self.answers.get(target)
        extra = b""
        if gz is not None:
            if accept_gzip:
                body, extra = gz, b"Content-Encoding: gzip\r\n"
            else:
                body = zlib.decompress(gz, 31)
        if etag is not None and etag_asked and etag in etag_asked:
            status, body = 304, b""
            header_lines = b"".join(l + b"\r\n" for l in header_lines.split(b"\r\n")
                                    if l and not l.lower().startswith(b"content-type:"))
        body = body or b""
        out = [b"HTTP/1.1 %d %s\r\nServer: replica\r\nDate: %s\r\n" % (
            status, REASONS.get(status, "").encode(), self.date()), header_lines, extra,
            b"Content-Length: %d\r\n" % len(body)]
        if close:
            out.append(b"Connection: close\r\n")
        out.append(b"\r\n")
        if method != b"HEAD":
            out.append(body)
        transport.write(b"".join(out))
        return not close

    def control(self, transport, target):
        stats = self.stats
        if target.startswith("/__bench/reset"):
            stats.reset()
            self.answers.rendered_on_demand = 0
            payload = {"reset": True}
        elif target.startswith("/__bench/log"):
            payload = stats.log
        else:
            payload = {"requests": stats.requests, "first": stats.first, "last": stats.last,
                       "connections": stats.connections,
                       "rendered_on_demand": self.answers.rendered_on_demand, "pid": os.getpid()}
        body = json.dumps(payload).encode()
        transport.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s"
                        % (len(body), body))


async def _serve(server, host, port, ready):
    loop = asyncio.get_running_loop()
    srv = await loop.create_server(lambda: HttpProtocol(server), host, port, backlog=512)
    ready(srv.sockets[0].getsockname()[1])
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    srv.close()


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python -m bench.server", description=__doc__.splitlines()[0])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--articles", type=int, default=300)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--step", type=int, default=0)
    ap.add_argument("--no-prerender", action="store_true", help="render every page when first asked")
    ap.add_argument("--cache", default=str(DEFAULT_CACHE), help="keep pre-rendered answers here ('' for no cache)")
    args = ap.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    from replica.site import Site

    started = time.monotonic()
    site = Site(articles=args.articles, seed=args.seed, step=args.step)
    answers, origin = ({}, "none") if args.no_prerender else load_answers(site, args)
    server = BenchServer(Answers(site, answers))
    built = time.monotonic() - started

    def ready(port):
        print(f"bench server serving {site.article_count} articles ({len(answers)} answers in memory, "
              f"{origin}, {built:.1f} s) at http://{args.host}:{port}/", flush=True)

    asyncio.run(_serve(server, args.host, args.port, ready))
    return 0


if __name__ == "__main__":
    sys.exit(main())
