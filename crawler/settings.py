"""Scrapy settings of the GBAF crawler.

Polite defaults for the live site; `GBAF_BASE_URL=http://127.0.0.1:PORT` points the whole crawl at
the bundled replica. Every GBAF_* setting can also be given as an environment variable of the same
name (handy for Scrapyd and cron), and, as any Scrapy setting, with `-s NAME=VALUE`.
"""
import os

BOT_NAME = "gbaf"
SPIDER_MODULES = ["spiders"]
NEWSPIDER_MODULE = "spiders"

# --- the site ------------------------------------------------------------------------------
GBAF_BASE_URL = os.environ.get("GBAF_BASE_URL", "https://www.globalbankingandfinance.com")
GBAF_DATA_DIR = os.environ.get("GBAF_DATA_DIR", "data")

# --- politeness ----------------------------------------------------------------------------
USER_AGENT = (
    "gbaf-crawler/1.0 (+https://github.com/gbaf-crawler; news archive crawler; obeys robots.txt)"
)
ROBOTSTXT_OBEY = True
# robots.txt answering 5xx/429 after the retries: "disallow" everything (RFC 9309) or "allow" (crawler/middlewares.py).
GBAF_ROBOTS_UNAVAILABLE = os.environ.get("GBAF_ROBOTS_UNAVAILABLE", "disallow")
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 4
DOWNLOAD_DELAY = 0.5
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 2.0
RETRY_TIMES = 3
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
# Retries wait: Retry-After when the site sends it, else exponential backoff (crawler/middlewares.py).
DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawler.middlewares.BackoffRetryMiddleware": 550,
    # Scrapy 2.19 skips the robots.txt check for requests that waited for robots.txt (see there).
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "crawler.middlewares.RobotsTxtMiddleware": 100,
    "scrapy.downloadermiddlewares.redirect.RedirectMiddleware": None,
    "crawler.middlewares.RedirectMiddleware": 600,
    "scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware": None,
    "crawler.middlewares.MetaRefreshMiddleware": 580,
}
GBAF_RETRY_BACKOFF_BASE = 1.0
GBAF_RETRY_BACKOFF_MAX = 30.0
GBAF_RETRY_AFTER_MAX = 120.0
REDIRECT_MAX_TIMES = 5
DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 8 * 1024 * 1024
DOWNLOAD_WARNSIZE = 2 * 1024 * 1024
# Bounds: the spider never leaves the site's host (allowed_domains), stops a listing that brings
# nothing new, and these cap what a trap could make it do.
DEPTH_LIMIT = 10000
GBAF_MAX_LISTING_PAGES = 5000  # per category
CLOSESPIDER_PAGECOUNT = 0  # e.g. 500000 to cap a whole run
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
# Scrapy 2.19's remote control runs any Python code it is sent over HTTP (a token file in the
# user's profile guards it): a scheduled crawler on a shared host has no use for that door.
REMOTE_CONTROL_ENABLED = False
HTTPCACHE_ENABLED = False

# --- items ---------------------------------------------------------------------------------
# The pipelines are synchronous: more items at once only adds asyncio tasks (Scrapy 2.19 starts
# CONCURRENT_ITEMS of them for every response), a third of the crawl's time beside parsing.
CONCURRENT_ITEMS = 1
# Scrapy checks every callback for a generator returning a value by reading its source with `ast`,
# cached in a weak dict keyed by the bound method: a Request's bound method dies with it, so the
# source was parsed again and again (3 % of the crawl's CPU). The callbacks are tested instead.
WARN_ON_GENERATOR_RETURN_VALUE = False
ITEM_PIPELINES = {
    "pipelines.normalize.NormalizePipeline": 100,
    "pipelines.validate.ValidatePipeline": 200,
    "pipelines.dedupe.DedupePipeline": 300,
    "pipelines.versions.VersionPipeline": 400,
}

FEED_EXPORT_ENCODING = "utf-8"
FEED_EXPORT_FIELDS = None  # set below from the contract

from crawler.items import ARTICLE_FIELDS  # noqa: E402

FEED_EXPORT_FIELDS = list(ARTICLE_FIELDS)

LOG_LEVEL = "INFO"
LOGSTATS_INTERVAL = 30.0

REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"

# --- state across runs (incremental crawling) ----------------------------------------------------
GBAF_STATE_ENABLED = True
GBAF_STATE_URL = os.environ.get("GBAF_STATE_URL")  # default: <GBAF_DATA_DIR>/state.sqlite
GBAF_REVISIT_HOURS = 48
GBAF_LISTING_MARGIN = 1
# The cheap sources read first on incremental runs (path -> "sitemap" | "feed").
GBAF_CHEAP_SOURCES = {"/sitemap-news.xml": "sitemap", "/feed/": "feed", "/sitemap.xml": "sitemap"}
# The sitemaps robots.txt names (`Sitemap:` lines) are read too, each once (spiders/gbaf.py robots_sitemaps).
GBAF_ROBOTS_SITEMAPS = True
GBAF_NEAR_DUP_THRESHOLD = 0.8
# Article URLs wait in the spider's frontier (a string each) and are handed to the scheduler as it
# empties, this many at a time at most (spiders/gbaf.py _feed); 0 queues every Request at once.
GBAF_FRONTIER_TARGET = 64

# --- outputs -----------------------------------------------------------------------------------
FEED_EXPORTERS = {
    "rss": "crawler.exporters.RssItemExporter",
    "atom": "crawler.exporters.AtomItemExporter",
    "parquet": "crawler.exporters.ParquetItemExporter",
}
# Every local output is written to a temporary name and renamed into place when the run finishes.
FEED_STORAGES = {
    "": "crawler.feedstorage.AtomicFileFeedStorage",
    "file": "crawler.feedstorage.AtomicFileFeedStorage",
}
GBAF_FEED_MAX_ENTRIES = int(os.environ.get("GBAF_FEED_MAX_ENTRIES", "100"))
GBAF_FEED_DELIVER_REASONS = ["finished"]
GBAF_MANIFEST_ENABLED = True
# %(data_dir)s is the spider's GBAF_DATA_DIR at run time, so `-s GBAF_DATA_DIR=...` moves everything.
FEEDS = {
    "%(data_dir)s/articles/%(run_date)s/%(run_id)s.jsonl": {"format": "jsonlines", "overwrite": True},
}
# The cross-run feeds: the newest articles from the state store, rebuilt after each committed run.
GBAF_LATEST_FEEDS = {
    "atom": "%(data_dir)s/feeds/gbaf.atom.xml",
    "rss": "%(data_dir)s/feeds/gbaf.rss.xml",
}

EXTENSIONS = {
    "crawler.report.RunReport": 500,
    "crawler.manifest.RunManifest": 510,
    "crawler.incremental.StateExtension": 520,
    "crawler.jobdir.JobDirGuard": 0,
}

# --- monitoring and deployment (issue 5) ---
# `scrapy crawl` exits non-zero when a run failed (crawler/commands/crawl.py), under Scrapyd too.
COMMANDS_MODULE = "crawler.commands"
# End-of-run checks (crawler/monitors.py). Spidermon runs them before the run report is written
# (order 490 < 500), so the report carries their outcome in its `status` and `checks`.
SPIDERMON_ENABLED = True
EXTENSIONS = {**EXTENSIONS, "spidermon.contrib.scrapy.extensions.Spidermon": 490}
SPIDERMON_SPIDER_CLOSE_MONITORS = ["crawler.monitors.RunMonitorSuite"]
# Counts up to this pass whatever their share: a few broken links, retries or odd pages in a small
# incremental run are normal.
GBAF_MONITOR_ALLOWED_COUNT = 5
# Records: at least this many when more than GBAF_MONITOR_ALLOWED_COUNT article pages were fetched
# (a run over an unchanged site fetches none and legitimately exports nothing). A first or full
# run that finds no article link at all fails.
GBAF_MONITOR_MIN_RECORDS = 1
GBAF_MONITOR_MAX_NOT_ARTICLE_SHARE = 0.5  # fetched article pages that did not parse as articles
GBAF_MONITOR_MAX_INVALID_SHARE = 0.1  # records dropped by the schema, of records produced
GBAF_MONITOR_MAX_ERROR_LINES = 0  # ERROR log lines before the checks, besides retry give-ups
GBAF_MONITOR_MAX_SERVER_ERROR_SHARE = 0.05  # 5xx responses, of responses (retried ones included)
GBAF_MONITOR_MAX_FAILED_SHARE = 0.1  # requests failed for good (any reason), of requests
GBAF_MONITOR_MAX_RETRY_SHARE = 0.2  # retries, of requests
# Field coverage, judged from this many exported records on (fewer: skipped).
GBAF_MONITOR_COVERAGE_MIN_RECORDS = 10
# Share of records where the field must be filled: the required fields. Optional blocks (FAQ,
# image, summary, ...) are often absent from a page, so they have no minimum.
GBAF_MONITOR_MIN_FILLED = {field: 0.95 for field in (
    "title", "url", "published_at", "body", "category", "language")}
# The layer each field should come from while the site's markup is as we know it, and the share of
# its filled values that must come from there: a drop means the markup changed.
GBAF_MONITOR_PREFERRED_LAYERS = {
    **{field: "jsonld" for field in (
        "url", "title", "category", "tags", "authors", "published_at", "updated_at", "faq",
        "image_url", "reading_time_minutes", "language")},
    **{field: "dom" for field in (
        "body", "summary", "key_takeaways", "references", "related", "source", "dateline")},
}
GBAF_MONITOR_MIN_PREFERRED_SHARE = 0.7
GBAF_MONITOR_MIN_PREFERRED_SHARE_BY_FIELD = {}  # e.g. {"body": 0.9}

# --- rendering (issue 6) ---
# JavaScript-filled pages are rendered in Chromium (scrapy-playwright), only where the static HTML
# shows a block filled by script (crawler/render.py). GBAF_RENDER: auto | always | never.
# crawler.render.RenderAddon enables the Playwright download handler (http/https; only requests with
# meta playwright=True use the browser) when rendering is on and GBAF_CHROMIUM_PATH exists, and sets
# executable_path and the PLAYWRIGHT_MAX_* bounds from the GBAF_* values below; otherwise the crawl
# reads static HTML and says once, at the end, what it could not render.
GBAF_RENDER = os.environ.get("GBAF_RENDER", "auto")
GBAF_CHROMIUM_PATH = os.environ.get("GBAF_CHROMIUM_PATH", "/usr/bin/chromium")  # Debian's chromium
GBAF_RENDER_MAX_CONTEXTS = 2  # browser contexts at once (PLAYWRIGHT_MAX_CONTEXTS)
GBAF_RENDER_MAX_PAGES = 4  # open pages per context (PLAYWRIGHT_MAX_PAGES_PER_CONTEXT)
GBAF_RENDER_PAGES_PER_CONTEXT = 100  # then the context is closed and a fresh one used
GBAF_RENDER_WAIT = 10.0  # seconds to wait for a script-filled block (or one "Load more" click)
GBAF_RENDER_MAX_CLICKS = 50  # "Load more" clicks per listing
ADDONS = {**globals().get("ADDONS", {}), "crawler.render.RenderAddon": 100}
PLAYWRIGHT_BROWSER_TYPE = "chromium"
# Headless, as root (no sandbox), and quiet on a closed network (no background connections).
PLAYWRIGHT_LAUNCH_OPTIONS = {
    "headless": True,
    "args": ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
             "--disable-component-update", "--no-first-run", "--disable-sync"],
}
PLAYWRIGHT_ABORT_REQUEST = "crawler.render.abort_request"  # no images, fonts or media
PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT = DOWNLOAD_TIMEOUT * 1000

# --- distributed (issue 7) ---
# Several workers (machines, Scrapyd jobs) share one frontier and one memory of what was seen, on
# Redis with scrapy-redis (crawler/distributed.py, docs/distributed.md). GBAF_REDIS_URL (environment
# or `-s`) switches it on: the spider's update_settings then sets SCHEDULER, DUPEFILTER_CLASS,
# SCHEDULER_PERSIST and REDIS_URL, adds the claim pipeline, and points GBAF_STATE_URL at the same
# Redis unless it names one already. Unset, nothing changes. Seed with `python -m crawler.seed`.
GBAF_REDIS_URL = os.environ.get("GBAF_REDIS_URL") or None
# A worker stops once the shared queue has been empty, and no worker busy, for this many seconds.
GBAF_REDIS_IDLE_SECONDS = float(os.environ.get("GBAF_REDIS_IDLE_SECONDS", "30"))
