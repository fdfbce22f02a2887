"""WARC/1.1 records through warcio: one response's records, the file's warcinfo, each one gzip member.

Pure functions of what a capture holds (crawler.archive.writer copies it off the response), shared by
the writer (crawler/archive/warcfiles.py) and the backfill (crawler/archive/backfill.py).
"""
from __future__ import annotations

import base64
import gzip
import hashlib
import io
import socket
from dataclasses import dataclass
from http import HTTPStatus
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from crawler.items import SCHEMA_VERSION

if TYPE_CHECKING:
    from warcio.recordloader import ArcWarcRecord


@dataclass(frozen=True, slots=True)
class Fetched:
    """One fetched response with its request: what their records need, copied on the crawl's thread."""
    url: str
    status: int
    protocol: str
    ip: str | None
    headers: list
    body: bytes
    encoded: bool  # the body is Content-Encoded as it came: its member is stored, not deflated again
    date: str
    method: str
    request_headers: list
    request_body: bytes


def payload_digest(body: bytes) -> str:
    return "sha1:" + base64.b32encode(hashlib.sha1(body).digest()).decode("ascii")


def response_members(c: Fetched, digest: str, first: tuple[str, str] | None, level: int) -> bytes:
    """The response (or, when first = (URI, date) of an identical payload, the revisit) record and
    its request record (WARC-Concurrent-To), each one gzip member."""
    http = StatusAndHeaders(f"{c.status} {_phrase(c.status)}".strip(), c.headers, protocol=c.protocol)
    writer = _buffer_writer()
    if first is not None:
        uri, first_date = first
        record = writer.create_revisit_record(c.url, digest, uri, first_date, http_headers=http,
                                              warc_headers_dict={"WARC-Date": c.date})
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
    # A body the server compressed already gains nothing from deflate (which cost 80 % of the
    # writing's CPU): its member is stored (level 0), still one gzip member per record.
    return gzip_member(record, 0 if c.encoded else level) + gzip_member(req, level)


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
