"""Scrapy settings of the GBAF crawler.

Polite defaults for the live site; `GBAF_BASE_URL=http://127.0.0.1:PORT` points the whole crawl at
the bundled replica. Every GBAF_* setting can also be given as an environment variable of the same
name (handy for Scrapyd and cron), and, as any Scrapy setting, with `-s NAME=VALUE`. Their
defaults, each said once, are in crawler/defaults.py.
"""
from crawler.defaults import from_environ

BOT_NAME = "gbaf"
SPIDER_MODULES = ["spiders"]
NEWSPIDER_MODULE = "spiders"

# --- politeness ----------------------------------------------------------------------------
# Who is crawling, and how to reach them: GBAF_CONTACT (a URL or mailto:, environment or
# crawler/defaults.py) is added as "+contact", as site owners expect; set it for the live site.
USER_AGENT = "gbaf-crawler/1.0 (news archive crawler; obeys robots.txt)"
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 4
DOWNLOAD_DELAY = 0.5
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 2.0
RETRY_TIMES = 3
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
# Retries wait: Retry-After when the site sends it, else exponential backoff (crawler/fetch/middlewares.py);
# redirects stay on the site's host and port.
DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawler.fetch.middlewares.BackoffRetryMiddleware": 550,
    # Scrapy 2.19 skips the robots.txt check for requests that waited for robots.txt (see there).
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "crawler.fetch.middlewares.RobotsTxtMiddleware": 100,
    "scrapy.downloadermiddlewares.redirect.RedirectMiddleware": None,
    "crawler.fetch.middlewares.RedirectMiddleware": 600,
    "scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware": None,
    "crawler.fetch.middlewares.MetaRefreshMiddleware": 580,
    # Next to the downloader: every response as it came (crawler/archive/writer.py; off without GBAF_WARC_DIR).
    "crawler.archive.writer.WarcWriterMiddleware": 960,
}
REDIRECT_MAX_TIMES = 5
DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 8 * 1024 * 1024
DOWNLOAD_WARNSIZE = 2 * 1024 * 1024
# Bounds: the spider never leaves the site's host (allowed_domains), stops a listing that brings
# nothing new, and these cap what a trap could make it do.
DEPTH_LIMIT = 10000
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

# --- outputs -----------------------------------------------------------------------------------
FEED_EXPORTERS = {
    "rss": "crawler.outputs.exporters.RssItemExporter",
    "atom": "crawler.outputs.exporters.AtomItemExporter",
    "parquet": "crawler.outputs.exporters.ParquetItemExporter",
}
# Every local output is written to a temporary name and renamed into place when the run finishes.
FEED_STORAGES = {
    "": "crawler.outputs.storage.AtomicFileFeedStorage",
    "file": "crawler.outputs.storage.AtomicFileFeedStorage",
}
# %(data_dir)s is the spider's GBAF_DATA_DIR at run time, so `-s GBAF_DATA_DIR=...` moves everything.
FEEDS = {
    "%(data_dir)s/articles/%(run_date)s/%(run_id)s.jsonl": {"format": "jsonlines", "overwrite": True},
}

EXTENSIONS = {
    "crawler.run.report.RunReport": 500,
    # The run's owner: store, settlement of dead runs, delivery under docs/protocol.md, commit.
    "crawler.run.lifecycle.RunLifecycle": 520,
    "crawler.run.jobdir.JobDirGuard": 0,
}

# --- monitoring and deployment (issue 5) ---
# `scrapy crawl` exits non-zero when a run failed (crawler/commands/crawl.py), under Scrapyd too.
COMMANDS_MODULE = "crawler.commands"
# End-of-run checks (crawler/run/monitors.py). Spidermon runs them before the run report is written
# (order 490 < 500), so the report carries their outcome in its `status` and `checks`.
SPIDERMON_ENABLED = True
EXTENSIONS = {**EXTENSIONS, "spidermon.contrib.scrapy.extensions.Spidermon": 490}
SPIDERMON_SPIDER_CLOSE_MONITORS = ["crawler.run.monitors.RunMonitorSuite"]
# Scrapy's stats, with the history of the runs before (crawler/run/history.py) that the checks
# learn the site's usual markup from.
STATS_CLASS = "crawler.run.history.RunHistoryStatsCollector"

# --- rendering (issue 6) ---
# JavaScript-filled pages are rendered in Chromium (scrapy-playwright), only where the static HTML
# shows a block filled by script (crawler/fetch/render.py). GBAF_RENDER: auto | always | never.
# crawler.fetch.render.RenderAddon enables the Playwright download handler (http/https; only requests with
# meta playwright=True use the browser) when rendering is on and GBAF_CHROMIUM_PATH exists, and sets
# executable_path and the PLAYWRIGHT_MAX_* bounds from the GBAF_RENDER_* values; otherwise the crawl
# reads static HTML and says once, at the end, what it could not render.
ADDONS = {**globals().get("ADDONS", {}), "crawler.fetch.render.RenderAddon": 100}
PLAYWRIGHT_BROWSER_TYPE = "chromium"
# Headless, as root (no sandbox), and quiet on a closed network (no background connections).
PLAYWRIGHT_LAUNCH_OPTIONS = {
    "headless": True,
    "args": ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
             "--disable-component-update", "--no-first-run", "--disable-sync"],
}
PLAYWRIGHT_ABORT_REQUEST = "crawler.fetch.render.abort_request"  # no images, fonts or media
PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT = DOWNLOAD_TIMEOUT * 1000

# --- distributed (issue 7) ---
# Several workers (machines, Scrapyd jobs) share one frontier and one memory of what was seen, on
# Redis with scrapy-redis (crawler/distributed/, docs/distributed.md). GBAF_REDIS_URL (environment
# or `-s`) switches it on: the spider's update_settings then sets SCHEDULER, DUPEFILTER_CLASS,
# SCHEDULER_PERSIST and REDIS_URL, adds the claim pipeline, and points GBAF_STATE_URL at the same
# Redis unless it names one already. Unset, nothing changes. Seed with `python -m crawler.commands.seed`.

# --- the GBAF_* settings: crawler/defaults.py, each overridden by the environment ---
globals().update(from_environ())
if GBAF_CONTACT:  # noqa: F821 (from the table above)
    USER_AGENT = f"gbaf-crawler/1.0 (+{GBAF_CONTACT}; news archive crawler; obeys robots.txt)"  # noqa: F821

