"""Parsing archived captures, in this process or in worker processes (spiders/gbaf_warc.py).

`capture_response(capture)` makes the Scrapy response a live crawl would have handed the article
callback; `parse_batch(captures, base_url)` runs the parser on a batch of them and returns, for
each, a `ParsedPage`: the answers the spider's article callback asks a page for (problems, not
an article and why, the record, the related links), picklable, so the parsing (the costly part)
runs on every core while one process keeps the pipelines, the state store and the exporters.
"""
from dataclasses import dataclass, field

from scrapy import Request
from scrapy.http import Headers
from scrapy.responsetypes import responsetypes

from crawler.article import ArticlePage
from crawler.text import html_text, strip_control_chars


@dataclass
class ParsedPage:
    """What GbafSpider.parse_article reads of an ArticlePage, computed in a worker."""

    problems: list = field(default_factory=list)
    reason: str | None = None
    record_: dict | None = None
    related: list = field(default_factory=list)
    error: str | None = None  # the parser raised: "ExceptionName: message"

    def not_article_reason(self):
        return self.reason

    def record(self):
        return dict(self.record_)

    def related_fetch_urls(self):
        return self.related


def capture_response(capture, **meta):
    """The response of a capture, as the downloader would have built it (class from its headers)."""
    headers = Headers(capture.headers)
    cls = responsetypes.from_args(headers=headers, url=capture.url, body=capture.body)
    meta = {"kind": "article", "warc_date": capture.date, **meta}
    if capture.rendered:
        meta["gbaf_render"] = capture.rendered  # the rendered page: not rendered again
    return cls(capture.url, status=capture.status, headers=headers, body=capture.body,
               request=Request(capture.url, meta=meta))


def parse_capture(response, base_url):
    """The ParsedPage of one article response, the way the article callback parses it."""
    if not hasattr(response, "text"):
        return None  # the callback counts it as no HTML page
    text, _overridden = html_text(response)
    text, _removed = strip_control_chars(text)
    page = ArticlePage(text, response.url, base_url=base_url, crawled_at=response.meta.get("warc_date"))
    problems = list(page.problems)  # as the callback logs them: before the record is built
    reason = page.not_article_reason()
    record = None if reason else page.record()
    related = list(page.related_fetch_urls()) if record else []
    return ParsedPage(problems, reason, record, related)


def parse_batch(captures, base_url):
    """[ParsedPage or None] of a batch of captures (the worker processes' task). A page the
    parser fails on is one ParsedPage with its error: the batch's other pages still count."""
    out = []
    for capture in captures:
        try:
            out.append(parse_capture(capture_response(capture), base_url))
        except Exception as exc:  # noqa: BLE001 - reported by the spider, as Scrapy reports a callback's
            out.append(ParsedPage(error=f"{type(exc).__name__}: {exc}"))
    return out
