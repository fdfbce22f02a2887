"""The GBAF_* settings: their one table of defaults, the environment that overrides them, and the
check of their values before a crawl starts.

`crawler/settings.py` (Scrapy's project settings) takes every name below, each overridden by an
environment variable of the same name (for Scrapyd, cron and systemd's EnvironmentFile), and
`-s NAME=VALUE` overrides both. Components read them without a default of their own: the value is
here, once (as Scrapy's own `default_settings.py` holds Scrapy's). An environment value is kept as
the string it is: Scrapy's `getint`, `getbool`, `getdict` (JSON) and `getlist` (commas or JSON)
read strings, and `check_settings` says, before the first request, which one does not read.
"""
from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from scrapy.settings import BaseSettings

DEFAULTS: dict[str, object] = {
    # --- the site ---
    "GBAF_BASE_URL": "https://www.globalbankingandfinance.com",  # a replica: http://127.0.0.1:PORT
    "GBAF_DATA_DIR": "data",
    # How the site's owner reaches whoever runs the crawl (a URL or mailto:), in the User-Agent.
    "GBAF_CONTACT": "",
    # robots.txt unreachable, or answering 5xx/429 after the retries: "disallow" everything
    # (RFC 9309) or "allow" (crawler/fetch/middlewares.py).
    "GBAF_ROBOTS_UNAVAILABLE": "disallow",
    # Retries wait: Retry-After when the site sends it (capped), else exponential backoff.
    "GBAF_RETRY_BACKOFF_BASE": 1.0,
    "GBAF_RETRY_BACKOFF_MAX": 30.0,
    "GBAF_RETRY_AFTER_MAX": 120.0,
    "GBAF_MAX_LISTING_PAGES": 5000,  # per category: the bound of a pagination trap
    # --- state across runs (incremental crawling) ---
    "GBAF_STATE_ENABLED": True,
    "GBAF_STATE_URL": None,  # a path (SQLite) or redis://...; default <GBAF_DATA_DIR>/state.sqlite
    "GBAF_STATE_BATCH": 500,  # changes staged in one store write
    "GBAF_REVISIT_HOURS": 48.0,
    "GBAF_LISTING_MARGIN": 1,
    # The cheap sources read first on incremental runs (path -> "sitemap" | "feed").
    "GBAF_CHEAP_SOURCES": {"/sitemap-news.xml": "sitemap", "/feed/": "feed", "/sitemap.xml": "sitemap"},
    # The sitemaps robots.txt names (`Sitemap:` lines) are read too, each once.
    "GBAF_ROBOTS_SITEMAPS": True,
    "GBAF_NEAR_DUP_THRESHOLD": 0.8,
    # Article URLs wait in the spider's frontier (a string each) and are handed to the scheduler as it
    # empties, this many at a time at most (crawler/frontier.py); 0 queues every Request at once.
    "GBAF_FRONTIER_TARGET": 64,
    # --- outputs ---
    "GBAF_FEED_MAX_ENTRIES": 100,  # entries of an Atom/RSS feed (-o and the cross-run feeds)
    "GBAF_FEED_META": {},  # title, link... of the Atom/RSS feeds
    # Close reasons whose outputs are delivered: finished, and a graceful stop (Ctrl-C, SIGTERM, a
    # Scrapyd cancel, a time limit, CLOSESPIDER_*), which delivers what it extracted so far.
    "GBAF_FEED_DELIVER_REASONS": ["finished", "shutdown", "closespider_itemcount", "closespider_pagecount",
                                  "closespider_timeout", "closespider_timeout_no_item", "closespider_errorcount"],
    "GBAF_MANIFEST_ENABLED": True,
    "GBAF_REPORT_PATH": None,  # default <GBAF_DATA_DIR>/articles/<run_date>/<run_id>.report.json
    # The cross-run feeds: the newest articles from the state store, rebuilt after each committed run.
    "GBAF_LATEST_FEEDS": {
        "atom": "%(data_dir)s/feeds/gbaf.atom.xml",
        "rss": "%(data_dir)s/feeds/gbaf.rss.xml",
    },
    # --- the run's checks (crawler/monitors.py) ---
    # Counts up to this pass whatever their share: a few broken links, retries or odd pages in a
    # small incremental run are normal.
    "GBAF_MONITOR_ALLOWED_COUNT": 5,
    # Records: at least this many when more than GBAF_MONITOR_ALLOWED_COUNT article pages were
    # fetched (a run over an unchanged site fetches none and legitimately exports nothing).
    "GBAF_MONITOR_MIN_RECORDS": 1,
    "GBAF_MONITOR_MAX_NOT_ARTICLE_SHARE": 0.5,  # fetched article pages that did not parse as articles
    "GBAF_MONITOR_MAX_INVALID_SHARE": 0.1,  # records dropped by the schema, of records produced
    "GBAF_MONITOR_MAX_ERROR_LINES": 0,  # ERROR log lines before the checks, besides retry give-ups
    "GBAF_MONITOR_MAX_SERVER_ERROR_SHARE": 0.05,  # requests failed for good with a 5xx, of requests
    "GBAF_MONITOR_MAX_FAILED_SHARE": 0.1,  # requests failed for good (any reason), of requests
    # Field coverage is judged over the article pages parsed in the run (exported, unchanged or
    # duplicate), with the newest earlier runs added until there are this many.
    "GBAF_MONITOR_COVERAGE_MIN_RECORDS": 10,
    # Share of records where the field must be filled: the required fields. Optional blocks (FAQ,
    # image, summary, ...) are often absent from a page, so they have no minimum.
    "GBAF_MONITOR_MIN_FILLED": {field: 0.95 for field in (
        "title", "url", "published_at", "body", "category", "language")},
    # The layer each field comes from is learned from the earlier runs that passed (this many, in
    # <GBAF_DATA_DIR>/runs/gbaf.history.json): a field whose usual layer gives a share smaller by more
    # than GBAF_MONITOR_MAX_LAYER_DROP fails the run (the markup changed).
    "GBAF_MONITOR_LAYER_BASELINE_RUNS": 10,
    "GBAF_MONITOR_MAX_LAYER_DROP": 0.3,
    # Absolute expectations, only where set: {field: layer}, e.g. {"title": "jsonld"}, and the
    # share of the field's values that must come from that layer.
    "GBAF_MONITOR_PREFERRED_LAYERS": {},
    "GBAF_MONITOR_MIN_PREFERRED_SHARE": 0.7,
    "GBAF_MONITOR_MIN_PREFERRED_SHARE_BY_FIELD": {},  # e.g. {"body": 0.9}
    # --- rendering (crawler/fetch/render.py): auto | always | never ---
    "GBAF_RENDER": "auto",
    "GBAF_CHROMIUM_PATH": "/usr/bin/chromium",  # Debian's chromium
    "GBAF_RENDER_MAX_CONTEXTS": 2,  # browser contexts at once (PLAYWRIGHT_MAX_CONTEXTS)
    "GBAF_RENDER_MAX_PAGES": 4,  # open pages per context (PLAYWRIGHT_MAX_PAGES_PER_CONTEXT)
    "GBAF_RENDER_PAGES_PER_CONTEXT": 100,  # then the context is closed and a fresh one used
    "GBAF_RENDER_WAIT": 10.0,  # seconds to wait for a script-filled block (or one "Load more" click)
    "GBAF_RENDER_MAX_CLICKS": 50,  # "Load more" clicks per listing
    # --- distributed (crawler/distributed.py, docs/distributed.md): on when GBAF_REDIS_URL is set ---
    "GBAF_REDIS_URL": None,
    # A worker stops once the shared queue has been empty, and no worker busy, for this many seconds.
    "GBAF_REDIS_IDLE_SECONDS": 30.0,
    # --- archives (crawler/archive/, docs/archive.md) ---
    # A directory: every response is recorded with its request as WARC/1.1 (crawler/archive/writer.py),
    # files rotated past GBAF_WARC_MAX_SIZE bytes, one gzip member per record. Unset: off.
    "GBAF_WARC_DIR": None,
    "GBAF_WARC_MAX_SIZE": 1024 ** 3,
    "GBAF_WARC_GZIP_LEVEL": 6,
}

# Values a setting may take, where they are a few words.
CHOICES = {"GBAF_RENDER": ("auto", "always", "never"), "GBAF_ROBOTS_UNAVAILABLE": ("disallow", "allow")}
# Settings that may be 0 but not negative; the shares are checked to lie in [0, 1].
_SHARE = ("_SHARE", "_THRESHOLD", "_DROP")


def from_environ(environ: Mapping[str, str] = os.environ) -> dict[str, object]:
    """DEFAULTS, with the value of each one the environment names (an empty variable is unset)."""
    return {name: environ[name] if environ.get(name, "") != "" else default
            for name, default in DEFAULTS.items()}


def check_settings(settings: BaseSettings) -> list[str]:
    """One line per GBAF_* setting whose value cannot be used (empty when all can)."""
    problems = []
    for name, default in DEFAULTS.items():
        value = settings.get(name)
        if value is None:
            continue
        try:
            if isinstance(default, bool):
                settings.getbool(name)
            elif isinstance(default, (int, float)):
                number = settings.getint(name) if isinstance(default, int) else settings.getfloat(name)
                if number < 0:
                    problems.append(f"{name}={value!r} is negative")
                elif name.endswith(_SHARE) and number > 1:
                    problems.append(f"{name}={value!r} is a share: between 0 and 1")
            elif isinstance(default, dict):
                settings.getdict(name)
            elif isinstance(default, list):
                settings.getlist(name)
        except (TypeError, ValueError):
            kind = {bool: "true or false", int: "a whole number", float: "a number",
                    dict: "a JSON object", list: "a list"}[type(default)]
            problems.append(f"{name}={value!r} is not {kind}")
            continue
        if name in CHOICES and str(value).strip().lower() not in CHOICES[name]:
            problems.append(f"{name}={value!r} is not one of {', '.join(CHOICES[name])}")
    return problems


def setting(settings: BaseSettings, name: str) -> Any:
    """The value of a GBAF_* setting, read with the getter its default's type asks for, and that
    default when the settings do not hold it (a crawler built without the project's settings)."""
    default = DEFAULTS[name]  # a misspelt name fails here, not silently as None
    getter = {bool: settings.getbool, int: settings.getint, float: settings.getfloat,
              dict: settings.getdict, list: settings.getlist}.get(type(default), settings.get)
    value = getter(name, default)
    return value if value is not None or default is None else default
