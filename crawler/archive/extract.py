"""Parsing archived captures, in this process or in worker processes (spiders/gbaf_warc.py).

`capture_response(capture)` makes the Scrapy response a live crawl would have handed the article
callback; `parse_batch(tasks, base_url)` reads a batch of captures (or takes them as given), runs
the parser on them and returns, for each, the capture and a `ParsedPage`: the answers the
spider's article callback asks a page for (problems, not an article and why, the record, the
related links) and the pure part of the pipelines' work on its record (pipelines.prepared: the
normalised record, the schema's verdict, the MinHash signature: `prepare`), picklable, so that the costly
part runs on every core while one process keeps the stateful rest: the pipelines' index and
stats, the state store and the exporters.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any

from scrapy import Request
from scrapy.http import Headers, Response
from scrapy.responsetypes import responsetypes

from crawler.archive.reader import Capture, read_capture
from crawler.article import ArticlePage
from crawler.text import html_text, strip_control_chars
from pipelines.dedupe import minhash
from pipelines.normalize import malformed, normalize_fields
from pipelines.prepared import Prepared
from pipelines.validate import compiled, load_schema


@dataclass
class ParsedPage:
    """What GbafSpider.parse_article reads of an ArticlePage, computed in a worker."""

    problems: list = field(default_factory=list)
    reason: str | None = None
    record_: dict | None = None
    related: list = field(default_factory=list)
    error: str | None = None  # the parser raised: "ExceptionName: message"
    prepared: object = None  # pipelines.prepared.Prepared of the record, when asked for
    decoded: tuple | None = None  # (charset header overridden, control characters removed) of its text

    def not_article_reason(self) -> str | None:
        return self.reason

    def record(self) -> dict:
        return dict(self.record_)

    def related_fetch_urls(self) -> list:
        return self.related


_HTML = re.compile(rb"\s*(text/html|application/xhtml\+xml)\s*(;|$)", re.I)


def capture_response(capture: Capture, **meta: Any) -> Response:
    """The response of a capture, as the downloader would have built it (class from its headers)."""
    headers = Headers(capture.headers)
    cls = responsetypes.from_args(headers=headers, url=capture.url, body=capture.body)
    meta = {"kind": "article", "warc_date": capture.date, **meta}
    if capture.rendered:
        meta["gbaf_render"] = capture.rendered  # the rendered page: not rendered again
    return cls(capture.url, status=capture.status, headers=headers, body=capture.body,
               request=Request(capture.url, meta=meta))


@lru_cache(maxsize=1)
def _is_valid():
    return compiled(load_schema())  # the schema itself is checked by the pipeline, in the spider's process


def prepare(record: dict) -> Prepared | None:
    """The Prepared of a record as the parser made it, or None for a record the normalize
    pipeline drops as malformed (the pipeline then counts and logs it, as for any item)."""
    if malformed(record) is not None:
        return None
    normal = dict(record)
    normalize_fields(normal)
    changes = {k: v for k, v in normal.items() if k not in record or record[k] != v}
    # The record's own strings where unchanged: pickled once with it, and compared by identity.
    title, body = (changes["title"] if "title" in changes else record.get("title"),
                   changes["body"] if "body" in changes else record.get("body"))
    signature = minhash(f"{title or ''} {body}").hashvalues.tobytes() if body else None
    return Prepared(changes, _is_valid()(dict(normal)), signature, (title, body) if body else ())


def parse_capture(response: Response, base_url: str, prepared: bool = False) -> ParsedPage | None:
    """The ParsedPage of one article response, the way the article callback parses it (and
    with prepared=True the Prepared of its record)."""
    if not hasattr(response, "text"):
        return None  # the callback counts it as no HTML page
    text, overridden = html_text(response)
    text, removed = strip_control_chars(text)
    page = ArticlePage(text, response.url, base_url=base_url, crawled_at=response.meta.get("warc_date"))
    problems = list(page.problems)  # as the callback logs them: before the record is built
    reason = page.not_article_reason()
    record = None if reason else page.record()
    related = list(page.related_fetch_urls()) if record else []
    return ParsedPage(problems, reason, record, related,
                      prepared=prepare(record) if prepared and record else None, decoded=(overridden, removed))


def parse_batch(tasks: Iterable[Capture | tuple[str, int]], base_url: str,
                prepared: bool = True) -> list[tuple[Capture | None, ParsedPage | None]]:
    """[(Capture, ParsedPage or None)] of a batch (the worker processes' task): each task a
    Capture, or (WARC path, offset) of one to read here (crawler.archive.reader.positions). A page
    the parser fails on is one ParsedPage with its error (and a capture that cannot be read is
    None with one): the batch's other pages still count."""
    out = []
    for task in tasks:
        capture = task if isinstance(task, Capture) else None
        try:
            if capture is None:
                capture = read_capture(*task)
            response = capture_response(capture)
            parsed = parse_capture(response, base_url, prepared)
            if parsed is not None and not parsed.decoded[0] and _HTML.match(response.headers.get("Content-Type", b"")):
                # The spider's process needs no body then: the page is parsed and its text's
                # findings are in `decoded`; the Content-Type alone gives the response's class
                # (HTML) and says it is no binary medium. Not sent back: no pickling, no decoding.
                capture = replace(capture, body=b"")
        except Exception as exc:  # noqa: BLE001 - reported by the spider, as Scrapy reports a callback's
            parsed = ParsedPage(error=f"{type(exc).__name__}: {exc}")
        out.append((capture, parsed))
    return out


def warm_up() -> bool:
    """A worker's first task: its imports done (and the schema compiled) while the spider reads
    the WARC headers, not when the first batch is waiting."""
    prepare({"url": "https://www.globalbankingandfinance.com/warm-up", "title": "t", "body": "b"})
    return True
