"""Incremental crawling: the run's view of the state store, shared by the spider and the pipelines.

`RunState.of(crawler)` opens the store once per crawl (`GBAF_STATE_URL`, default
`<GBAF_DATA_DIR>/state.sqlite`) and loads one snapshot of what is known. The spider asks it
whether an article page must be fetched; the dedupe and version pipelines ask it what an article
was; changes are staged in batches and committed only once the run's manifest (its commit marker)
is written, so a run that dies exports its records again next time instead of losing them.
"""
import logging
import os
from datetime import datetime, timedelta, timezone

from scrapy import signals
from scrapy.exceptions import NotConfigured

from crawler.defaults import setting
from crawler.outputs.storage import deliver_reasons
from crawler.outputs.manifest import MANIFEST_WRITTEN, expected_manifest_path
from crawler.state import open_store
from crawler.state.store import StateError

logger = logging.getLogger(__name__)


class RunState:
    """One crawl's access to the state store (created on first use by any component)."""

    BATCH = 500

    def __init__(self, crawler, store):
        s = crawler.settings
        self.crawler, self.store = crawler, store
        self.known = store.snapshot()
        self.non_articles = store.non_articles()
        self.by_hash = {k.content_hash: k for k in self.known.values()}
        self.revisit = timedelta(hours=setting(s, "GBAF_REVISIT_HOURS"))
        self.now = datetime.now(timezone.utc)
        self.run_id = None
        self.pending = []
        self.committed = False
        self.lastmods = {}  # url -> lastmod shown by a sitemap or the feed in this run
        self.signatures = {}  # url -> near-duplicate signature computed in this run
        self.processed = set()  # article URLs fetched and parsed in this run
        self.known_articles = len({k.id for k in self.known.values()})

    @classmethod
    def of(cls, crawler):
        state = getattr(crawler, "_gbaf_state", None)
        if state is None:
            s = crawler.settings
            if not setting(s, "GBAF_STATE_ENABLED"):
                raise NotConfigured("GBAF_STATE_ENABLED is off")
            error = getattr(crawler, "_gbaf_state_error", None)
            if error is not None:
                raise error
            url = setting(s, "GBAF_STATE_URL") or os.path.join(setting(s, "GBAF_DATA_DIR"), "state.sqlite")
            try:
                store = open_store(url)
            except StateError as exc:
                logger.error("%s: the crawl does not start (it would export everything again)", exc)
                crawler._gbaf_state_error = exc
                raise
            state = crawler._gbaf_state = cls(crawler, store)
        return state

    @classmethod
    def start_run(cls, crawler, spider):
        """Open the store and register the run before anything is fetched; None (logged once,
        the run then closes with reason 'state_error') when the store cannot be used."""
        state = cls.get(crawler)
        if state is None:
            return None
        marker = expected_manifest_path(crawler.settings, spider)
        try:
            state.begin(spider.run_id, str(marker) if marker else None)
        except StateError as exc:
            logger.error("%s: the crawl does not start (it would export everything again)", exc)
            crawler._gbaf_state, crawler._gbaf_state_error = None, exc
            state.store.close()
            return None
        return state

    @classmethod
    def get(cls, crawler):
        """The run's state, or None when it is switched off or could not be opened (already logged)."""
        if not setting(crawler.settings, "GBAF_STATE_ENABLED"):
            return None
        try:
            return cls.of(crawler)
        except StateError:
            return None

    # --- what the spider asks ----------------------------------------------------------------------
    @property
    def empty(self):
        return not self.known

    def lookup(self, canonical_url):
        return self.known.get(canonical_url)

    def note_lastmod(self, canonical_url, lastmod):
        """Keep the newest modification time any cheap source shows (the news sitemap may give only
        the publication date of a page the full sitemap shows as modified since)."""
        if lastmod and lastmod > self.lastmods.get(canonical_url, ""):
            self.lastmods[canonical_url] = lastmod

    def needs_fetch(self, canonical_url):
        """(fetch?, reason): unknown, shown modified since, or published within the revisit window."""
        known = self.known.get(canonical_url)
        if known is None:
            if canonical_url in self.non_articles:
                lastmod, stored = self.lastmods.get(canonical_url), self.non_articles[canonical_url]
                if not (lastmod and stored and lastmod > stored):
                    return False, "not_article"
            return True, "unknown"
        lastmod = self.lastmods.get(canonical_url)
        stored = known.lastmod or known.updated_at or known.published_at
        if lastmod and (not stored or lastmod > stored):
            return True, "modified"
        if known.published_at and _parse(known.published_at) > self.now - self.revisit:
            return True, "recent"
        return False, "known"

    # --- what the pipelines ask -------------------------------------------------------------------
    def note_not_article(self, canonical_url, reason):
        if canonical_url not in self.non_articles:
            self.stage("not_article", canonical_url, {"url": canonical_url, "reason": reason,
                                                      "lastmod": self.lastmods.get(canonical_url)})

    def stage(self, kind, aid, payload):
        self.pending.append((kind, aid, payload))
        if len(self.pending) >= self.BATCH:
            self.flush()

    def flush(self):
        if self.pending and self.run_id:
            self.store.stage(self.run_id, self.pending)
            self.pending = []

    def begin(self, run_id, marker):
        self.run_id = run_id
        self.store.begin_run(run_id, marker)

    def commit(self):
        # Sitemaps may be read after an article was processed: store the lastmod each processed
        # page had in this run's cheap sources, so the next run does not take it for modified.
        for url in self.processed:
            if url in self.lastmods:
                self.stage("lastmod", url, {"url": url, "lastmod": self.lastmods[url]})
        self.flush()
        self.store.commit_run(self.run_id)
        self.committed = True

    def abort(self):
        self.pending = []
        self.store.abort_run(self.run_id)


def _parse(iso):
    try:
        return datetime.fromisoformat(iso)
    except (TypeError, ValueError):
        return datetime.min.replace(tzinfo=timezone.utc)


class StateExtension:
    """Opens the store before the crawl (a corrupt or locked store stops it with a clear error),
    registers the run and commits its staged changes once the run's manifest is written."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.state = None
        self.reason = None

    @classmethod
    def from_crawler(cls, crawler):
        if not setting(crawler.settings, "GBAF_STATE_ENABLED"):
            raise NotConfigured("GBAF_STATE_ENABLED is off")
        ext = cls(crawler)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(ext.manifest_written, signal=MANIFEST_WRITTEN)
        return ext

    def spider_opened(self, spider):
        self.state = RunState.get(self.crawler)  # begun by the spider (RunState.start_run)
        if self.state is None:
            self.crawler.stats.set_value("gbaf/state/error", str(self.crawler._gbaf_state_error))
            self.crawler.engine.close_spider(spider, "state_error")
            return
        self.crawler.stats.set_value("gbaf/state/known_articles", self.state.known_articles)
        logger.info("state store: %d known articles; run %s", self.state.known_articles, spider.run_id)

    def manifest_written(self, path):
        if self.state is not None and not self.state.committed and (
                self.reason is None or self.reason in deliver_reasons(self.crawler.settings)):
            self.state.commit()
            logger.info("state store committed for run %s", self.state.run_id)
            self.write_latest_feeds()

    def write_latest_feeds(self):
        """The cross-run feeds: the newest exported articles from the store, rebuilt atomically."""
        from crawler.outputs.exporters import write_feed

        s = self.crawler.settings
        limit = setting(s, "GBAF_FEED_MAX_ENTRIES")
        feeds = setting(s, "GBAF_LATEST_FEEDS")
        if not feeds:
            return
        records = self.state.store.latest(limit)
        data_dir = setting(s, "GBAF_DATA_DIR")
        for fmt, path in feeds.items():
            path = path % {"data_dir": data_dir} if "%(" in path else path
            write_feed(records, path, fmt, limit, setting(s, "GBAF_FEED_META") or None)
            logger.info("latest %s feed: %d entries in %s", fmt, len(records), path)

    def spider_closed(self, spider, reason):
        self.reason = reason
        if self.state is None or self.state.committed:
            return
        if reason == "finished" and not self.crawler.settings.getdict("FEEDS"):
            self.state.commit()  # no outputs to wait for
            self.write_latest_feeds()
        elif reason not in deliver_reasons(self.crawler.settings):
            logger.warning("run %s closed with reason %r: its records will be exported again next "
                           "run", self.state.run_id, reason)
            self.state.abort()
        else:
            self.state.flush()  # committed when the manifest is written (manifest_written)

