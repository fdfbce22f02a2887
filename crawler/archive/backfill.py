"""Backfill: the GBAF pages other archives hold, gathered into local WARC files.

    python -m crawler.archive.backfill ccnews OUT_DIR --month 2024-01 [--max-files N]
    python -m crawler.archive.backfill cdx OUT_DIR --source cc --crawl CC-MAIN-2024-10 [--limit N]
    python -m crawler.archive.backfill cdx OUT_DIR --source ia [--from 2012] [--to 2016] [--limit N]

then `scrapy crawl gbaf_warc -a warc=OUT_DIR`: the same parser, pipelines and store as a live run.

- `ccnews`: Common Crawl's news crawl. Its month listing (`warc.paths.gz`) names the WARC files;
  each is streamed (never stored whole) and only the GBAF host's `response` records are kept,
  filtered on their WARC-Target-URI before any payload is read. One output file per input file,
  named after it: a backfill that stopped resumes at the first file not done.
- `cdx`: the CDX index of Common Crawl (`cc`, one crawl or a time range) or of the Wayback Machine
  (`ia`), through cdx-toolkit, for `www.globalbankingandfinance.com/*`: the latest 200 HTML
  capture of each article URL the state store does not know (nor knows as an alias or a
  non-article), fetched politely (`--delay` between captures, `--limit`, cdx-toolkit's own
  per-host interval and retries with backoff for 429 and 5xx).

Every base URL is an option (`--data-prefix`, `--paths-url`, `--cdx-url`, `--wayback-url`), so
the tests point them at a local server. Outputs are written under a temporary name and renamed
when complete. Exit status 0, or 1 when the source could not be read at all.
"""
from __future__ import annotations

import argparse
import gzip
import io
import logging
import os
import sys
import time
from collections.abc import Iterable, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from crawler.archive.salvage import append_whole, open_locked, temp_name
from crawler.archive.records import gzip_member, warcinfo_record
from crawler.commands import add_setting_option
from crawler.outputs.storage import replace_durably
from crawler.state import store_url
from crawler.urls import SITE_HOST, SITE_HOSTS, SiteUrls

if TYPE_CHECKING:
    import cdx_toolkit
    import requests

logger = logging.getLogger("crawler.archive.backfill")

CC_DATA = "https://data.commoncrawl.org"
USER_AGENT = "gbaf-crawler/1.0 backfill (+https://github.com/gbaf-crawler; obeys robots.txt)"
_DECODED = {"content-encoding", "transfer-encoding", "content-length"}


class WarcOut:
    """One output WARC: records appended as gzip members, renamed into place by close()."""

    def __init__(self, path: str | os.PathLike) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.temp = temp_name(self.path)
        self.fh = open_locked(self.temp)  # a killed backfill's file is salvaged by the next writer
        append_whole(self.fh, gzip_member(warcinfo_record(self.path.name)))
        self.records = 0

    def write_raw(self, data: bytes) -> None:
        append_whole(self.fh, gzip.compress(data, compresslevel=6))
        self.records += 1

    def write_response(self, url: str, date: str, status_line: str, headers: Iterable[tuple[str, str]],
                       body: bytes) -> None:
        from warcio.statusandheaders import StatusAndHeaders
        from warcio.warcwriter import WARCWriter

        kept = [(k, v) for k, v in headers if k.lower() not in _DECODED]
        http = StatusAndHeaders(status_line, kept, protocol="HTTP/1.1")
        record = WARCWriter(io.BytesIO(), gzip=False, warc_version="WARC/1.1").create_warc_record(
            url, "response", payload=io.BytesIO(body), length=len(body), http_headers=http,
            warc_headers_dict={"WARC-Date": date})
        append_whole(self.fh, gzip_member(record))
        self.records += 1

    def close(self) -> None:
        self.fh.flush()
        os.fsync(self.fh.fileno())
        replace_durably(self.temp, self.path)  # renamed while still locked: no salvage takes it
        self.fh.close()


def _session():
    import requests
    from requests.adapters import HTTPAdapter
    from urllib3.util.retry import Retry

    session = requests.Session()
    retry = Retry(total=5, backoff_factor=2, status_forcelist=(429, 500, 502, 503, 504),
                  respect_retry_after_header=True)
    session.mount("http://", HTTPAdapter(max_retries=retry))
    session.mount("https://", HTTPAdapter(max_retries=retry))
    session.headers["User-Agent"] = USER_AGENT
    return session


def _is_gbaf(url):
    return (urlsplit(url.strip().strip("<>")).hostname or "").lower() in SITE_HOSTS


# --- CC-NEWS ------------------------------------------------------------------------------------
def ccnews_paths(session: requests.Session, paths_url: str) -> list[str]:
    response = session.get(paths_url, timeout=60)
    response.raise_for_status()
    data = response.content
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    return [line.strip() for line in data.decode("utf-8").splitlines() if line.strip()]


def ccnews(out_dir: str | os.PathLike, month: str, data_prefix: str = CC_DATA, paths_url: str | None = None,
           max_files: int | None = None, delay: float = 1.0,
           session: requests.Session | None = None) -> dict[str, int]:
    """Stream the month's CC-NEWS files, keep the GBAF records; returns {files, records, skipped}."""
    from fastwarc.warc import ArchiveIterator, WarcRecordType

    session = session or _session()
    year, mon = month.split("-")
    paths_url = paths_url or f"{data_prefix}/crawl-data/CC-NEWS/{year}/{mon}/warc.paths.gz"
    paths = ccnews_paths(session, paths_url)[:max_files] if max_files else ccnews_paths(session, paths_url)
    summary = {"files": 0, "records": 0, "skipped_done": 0, "failed": 0}
    for number, path in enumerate(paths):
        out = Path(out_dir) / (Path(path).name.replace(".warc.gz", "") + ".gbaf.warc.gz")
        if out.exists():
            summary["skipped_done"] += 1
            continue
        if number and delay:
            time.sleep(delay)
        url = path if "://" in path else f"{data_prefix.rstrip('/')}/{path.lstrip('/')}"
        writer = WarcOut(out)
        try:
            with session.get(url, stream=True, timeout=120) as response:
                response.raise_for_status()
                response.raw.decode_content = False  # the WARC's own gzip members, read by fastwarc
                for record in ArchiveIterator(response.raw, record_types=WarcRecordType.response,
                                              parse_http=False,
                                              func_filter=lambda r: _is_gbaf(r.headers.get("WARC-Target-URI") or "")):
                    buf = io.BytesIO()
                    record.write(buf)
                    writer.write_raw(buf.getvalue())
        except Exception as exc:  # noqa: BLE001 - one broken file must not stop the month
            writer.fh.close()
            writer.temp.unlink(missing_ok=True)
            summary["failed"] += 1
            logger.error("CC-NEWS file %s not read (%s: %s): left for the next backfill", url,
                         type(exc).__name__, exc)
            continue
        writer.close()
        summary["files"] += 1
        summary["records"] += writer.records
        logger.info("%s: %d GBAF records -> %s", url, writer.records, out)
    return summary


# --- CDX indexes ---------------------------------------------------------------------------------
def known_urls(state_url: str | None) -> set[str]:
    """Canonical URLs (and aliases, and non-articles) the state store knows; empty without a store."""
    from crawler.state import open_store
    from crawler.state.store import StateError

    try:
        store = open_store(state_url, create=False)
    except StateError:  # no store yet: nothing is known, every capture is wanted
        return set()
    try:
        return set(store.snapshot()) | set(store.non_articles())
    finally:
        store.close()


def cdx_fetcher(source: str, crawl: str | None = None, cdx_url: str | None = None,
                data_prefix: str | None = None, wayback_url: str | None = None) -> cdx_toolkit.CDXFetcher:
    import cdx_toolkit

    if cdx_url:  # one CDX API endpoint (a local server in the tests, a mirror)
        if source == "cc":
            return cdx_toolkit.CDXFetcher(source=cdx_url, warc_download_prefix=data_prefix or CC_DATA)
        return cdx_toolkit.CDXFetcher(source=cdx_url, wb=wayback_url or "https://web.archive.org/web")
    return cdx_toolkit.CDXFetcher(source=source, crawl=crawl)


def latest_unknown_captures(captures: Iterable[Any], known: set[str] | dict,
                            site: SiteUrls) -> dict[str, Any]:
    """{canonical URL: capture} of the latest 200 HTML capture of each article URL not known."""
    chosen = {}
    for capture in captures:
        canonical = site.site_article(capture.get("url", ""))
        if canonical is None or canonical in known:
            continue
        if str(capture.get("status")) != "200" or "html" not in (capture.get("mime") or "html"):
            continue
        old = chosen.get(canonical)
        if old is None or capture.get("timestamp", "") >= old.get("timestamp", ""):
            chosen[canonical] = capture
    return chosen


def cdx(out_dir: str | os.PathLike, source: str, state_url: str | None, url: str = f"{SITE_HOST}/*",
        limit: int | None = None, delay: float = 1.0, crawl: str | None = None,
        from_ts: str | None = None, to_ts: str | None = None, cdx_url: str | None = None,
        data_prefix: str | None = None, wayback_url: str | None = None) -> dict[str, int]:
    """Fetch the captures of url the store does not know into one WARC; returns a summary."""
    fetcher = cdx_fetcher(source, crawl, cdx_url, data_prefix, wayback_url)
    params = {k: v for k, v in (("from_ts", from_ts), ("to", to_ts)) if v}
    known = known_urls(state_url)
    chosen = latest_unknown_captures(fetcher.iter(url, **params), known, SiteUrls())
    summary = {"captures": len(chosen), "fetched": 0, "failed": 0, "known": len(known)}
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    writer = WarcOut(Path(out_dir) / f"GBAF-backfill-{source}-{stamp}.warc.gz")
    try:
        for number, capture in enumerate(sorted(chosen.values(), key=lambda c: c["url"])):
            if limit and summary["fetched"] >= limit:
                break
            if number and delay:
                time.sleep(delay)
            try:
                record = capture.fetch_warc_record()
                body = record.content_stream().read()
            except Exception as exc:  # noqa: BLE001 - cdx-toolkit raises ValueError, RuntimeError, requests errors
                summary["failed"] += 1
                logger.warning("capture not fetched (%s: %s): %s %s", type(exc).__name__, exc,
                               capture.get("timestamp"), capture.get("url"))
                continue
            writer.write_response(capture["url"], _warc_date(capture.get("timestamp", "")),
                                  record.http_headers.statusline, record.http_headers.headers, body)
            summary["fetched"] += 1
    finally:
        writer.close()
    logger.info("%s CDX: %d unknown article captures, %d fetched, %d failed -> %s", source,
                summary["captures"], summary["fetched"], summary["failed"], writer.path)
    summary["path"] = str(writer.path)
    return summary


def _warc_date(timestamp):
    """The capture's CDX timestamp (YYYYMMDDhhmmss) as a WARC-Date: when the page was archived."""
    try:
        return datetime.strptime(timestamp[:14], "%Y%m%d%H%M%S").strftime("%Y-%m-%dT%H:%M:%SZ")
    except ValueError:
        return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m crawler.archive.backfill",
                                     description="Gather GBAF pages from CC-NEWS or a CDX index into WARC files.")
    sub = parser.add_subparsers(dest="command", required=True)
    news = sub.add_parser("ccnews", help="Common Crawl's news crawl, one month")
    news.add_argument("out")
    news.add_argument("--month", required=True, help="YYYY-MM")
    news.add_argument("--data-prefix", default=CC_DATA)
    news.add_argument("--paths-url", help="the month's warc.paths(.gz) (default: under --data-prefix)")
    news.add_argument("--max-files", type=int)
    news.add_argument("--delay", type=float, default=1.0, help="seconds between files")
    index = sub.add_parser("cdx", help="the CDX index of Common Crawl (cc) or the Wayback Machine (ia)")
    index.add_argument("out")
    index.add_argument("--source", choices=("cc", "ia"), required=True)
    index.add_argument("--crawl", help="cc: a crawl (CC-MAIN-2024-10) or a number of latest crawls")
    index.add_argument("--url", default=f"{SITE_HOST}/*")
    index.add_argument("--from", dest="from_ts")
    index.add_argument("--to", dest="to_ts")
    index.add_argument("--limit", type=int, help="captures fetched at most")
    index.add_argument("--delay", type=float, default=1.0, help="seconds between captures")
    index.add_argument("--cdx-url", help="one CDX API endpoint instead of the source's")
    index.add_argument("--data-prefix", help="cc: where the WARC files are (default data.commoncrawl.org)")
    index.add_argument("--wayback-url", help="ia: the Wayback prefix (default https://web.archive.org/web)")
    add_setting_option(index, "GBAF_STATE_URL=... or GBAF_DATA_DIR=... (else from the environment)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s [%(name)s] %(levelname)s: %(message)s")
    try:
        if args.command == "ccnews":
            summary = ccnews(args.out, args.month, args.data_prefix, args.paths_url, args.max_files, args.delay)
            return 1 if summary["failed"] and not summary["files"] else 0
        given = {**os.environ, **dict(args.set)}
        state = store_url(given.get("GBAF_STATE_URL"), given.get("GBAF_DATA_DIR") or "data")
        cdx(args.out, args.source, state, args.url, args.limit, args.delay, args.crawl, args.from_ts,
            args.to_ts, args.cdx_url, args.data_prefix, args.wayback_url)
    except Exception as exc:  # noqa: BLE001 - the listing or the index unreachable: said, exit 1
        logger.error("backfill failed: %s: %s", type(exc).__name__, exc)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
