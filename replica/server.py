"""HTTP/1.1 server for the replica: keep-alive, Content-Length always, gzip and ETag like a CDN.

The server only carries bytes: every status, header and body comes from `Site.render`.
"""
from __future__ import annotations

import gzip
import hashlib
import logging
import sys
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
            if etag in (self.headers.get("If-None-Match") or ""):
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
