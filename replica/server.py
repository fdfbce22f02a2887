"""HTTP/1.1 server for the replica: keep-alive, Content-Length always, gzip, ETag and
Last-Modified like a CDN, and conditional GETs answered as RFC 9110 13.1 says (304 Not Modified).

The server only carries bytes: every status, header and body comes from `Site.render`; the
validators are made from those bytes (an ETag from their hash; for sitemaps and feeds a
Last-Modified from the newest date they list).
"""
from __future__ import annotations

import gzip
import hashlib
import logging
import re
import sys
from datetime import datetime, timezone
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from .site import Site

log = logging.getLogger("replica")

COMPRESSIBLE = ("text/", "application/xml", "application/rss+xml", "application/atom+xml",
                "application/javascript", "application/json")


class ReplicaHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "replica"
    sys_version = ""
    # Idle keep-alive connections are closed after this many seconds, so threads do not pile up.
    timeout = 30

    def do_GET(self):
        self._respond(send_body=True)

    def do_HEAD(self):
        self._respond(send_body=False)

    def do_CONNECT(self):
        # Only a crawler using the replica as its proxy sends CONNECT: the fault layer counts it.
        faults = getattr(self.server, "faults", None)
        if faults is None:
            self.send_error(501, "Unsupported method (%r)" % self.command)
            return
        faults.connect(self)

    def _respond(self, send_body: bool):
        site: Site = self.server.site
        faults = getattr(self.server, "faults", None)  # replica.faults.FaultLayer under --faults
        self.drop_mid_body = False
        try:
            if faults is not None:
                status, headers, body = faults.render(self)
            else:
                status, headers, body = site.render(self.path)
        except Exception:  # a bug in the replica must not look like a site outage to the crawler
            log.exception("render failed for %s", self.path)
            status, headers, body = 500, {"Content-Type": "text/plain; charset=utf-8"}, b"Internal Server Error"
        headers = dict(headers)
        if status == 200:
            etag = '"%s"' % hashlib.sha1(body).hexdigest()[:27]
            headers["ETag"] = etag
            modified = last_modified(headers.get("Content-Type", ""), body)
            if modified is not None:
                headers["Last-Modified"] = format_datetime(modified, usegmt=True)
            if not_modified(self.headers, etag, modified):
                status, body = 304, b""
                headers.pop("Content-Type", None)
        content_type = headers.get("Content-Type", "")
        if body and len(body) > 1024 and content_type.startswith(COMPRESSIBLE):
            headers["Vary"] = "Accept-Encoding"
            if "gzip" in (self.headers.get("Accept-Encoding") or ""):
                body = gzip.compress(body, compresslevel=5, mtime=0)
                headers["Content-Encoding"] = "gzip"
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if send_body and body and self.drop_mid_body:  # a fault: half the body, then the connection closes
            self.wfile.write(body[:len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        if send_body and body:
            self.wfile.write(body)

    def log_message(self, format, *args):
        if self.server.verbose:
            sys.stderr.write("%s - %s\n" % (self.address_string(), format % args))


_DATES = re.compile(rb"<(?:lastmod|pubDate|updated|lastBuildDate|news:publication_date)>([^<]{8,40})<")


def last_modified(content_type: str, body: bytes):
    """The newest date a sitemap or feed lists (second precision, as HTTP dates are), or None."""
    if "xml" not in content_type:
        return None
    newest = None
    for raw in _DATES.findall(body):
        text = raw.decode("ascii", "replace").strip()
        try:
            when = datetime.fromisoformat(text.replace("Z", "+00:00")) if text[:4].isdigit() \
                else parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            continue
        when = (when if when.tzinfo else when.replace(tzinfo=timezone.utc)).astimezone(timezone.utc)
        newest = when if newest is None or when > newest else newest
    return newest.replace(microsecond=0) if newest else None


def not_modified(request_headers, etag: str, modified) -> bool:
    """RFC 9110 13.1.2 / 13.1.3: If-None-Match (weak comparison, a list, or *) decides when present;
    else If-Modified-Since, against Last-Modified."""
    none_match = request_headers.get("If-None-Match")
    if none_match is not None:
        tags = {t.strip().removeprefix("W/") for t in none_match.split(",")}
        return "*" in tags or etag.removeprefix("W/") in tags
    since = request_headers.get("If-Modified-Since")
    if since is None or modified is None:
        return False
    try:
        when = parsedate_to_datetime(since)
    except (TypeError, ValueError, IndexError):
        return False  # an invalid date is ignored (13.1.3)
    when = when if when.tzinfo else when.replace(tzinfo=timezone.utc)
    return modified <= when


class ReplicaServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address, site: Site, verbose: bool = False, faults=None):
        super().__init__(address, ReplicaHandler)
        self.site = site
        self.verbose = verbose
        self.faults = faults

    def handle_error(self, request, client_address):
        # A crawler dropping a connection is normal; only real failures deserve a traceback.
        if isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)) and not self.verbose:
            return
        super().handle_error(request, client_address)


def serve(site: Site, host: str = "127.0.0.1", port: int = 8000, verbose: bool = False, faults=None) -> None:
    server = ReplicaServer((host, port), site, verbose, faults=faults)
    real_port = server.server_address[1]
    with_faults = f" with faults {faults.profile.name} (seed {faults.profile.seed})" if faults is not None else ""
    print(f"replica serving {site.article_count} articles{with_faults} at http://{host}:{real_port}/", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        if faults is not None:
            faults.close()  # the counters, to --stats-file
