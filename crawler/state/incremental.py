"""Incremental crawling: the run's view of the state store, shared by the spider and the pipelines.

The run's owner (crawler.run.lifecycle.RunLifecycle) opens the store, settles dead runs, registers
the run and then builds its `RunState`, one snapshot of what is known; the spider and the
pipelines reach it as `crawler.get_extension(RunLifecycle).state`. The spider asks it whether an
article page must be fetched; the dedupe and version pipelines ask it what an article was;
changes are staged in batches and committed by the owner once the run's outputs are delivered.
"""
from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

from crawler.crashpoints import crash_point
from crawler.defaults import setting


if TYPE_CHECKING:
    from scrapy.crawler import Crawler

    from crawler.state.redis_store import RedisStateStore
    from crawler.state.sqlite_store import SqliteStateStore
    from crawler.state.store import Known

logger = logging.getLogger(__name__)


class RunState:
    """One crawl's access to the state store (built by the run's owner, crawler.run.lifecycle)."""

    def __init__(self, crawler: Crawler, store: SqliteStateStore | RedisStateStore, run_id: str) -> None:
        s = crawler.settings
        self.crawler, self.store = crawler, store
        self.known = store.snapshot()
        self.non_articles = store.non_articles()
        self.by_hash = {k.content_hash: k for k in self.known.values()}
        self.revisit = timedelta(hours=setting(s, "GBAF_REVISIT_HOURS"))
        self.now = datetime.now(timezone.utc)
        self.run_id = run_id
        self.batch = setting(s, "GBAF_STATE_BATCH")  # changes staged in one store write
        self.pending = []
        self.committed = False
        self.lastmods = {}  # url -> lastmod shown by a sitemap or the feed in this run
        self.seen_validators = {}  # cheap source -> its ETag / Last-Modified in this run
        self.processed = set()  # article URLs fetched and parsed in this run
        self.known_articles = len({k.id for k in self.known.values()})

    # --- what the spider asks ----------------------------------------------------------------------
    @property
    def empty(self) -> bool:
        return not self.known

    def lookup(self, canonical_url: str) -> Known | None:
        return self.known.get(canonical_url)

    def note_lastmod(self, canonical_url: str, lastmod: str | None) -> None:
        """Keep the newest modification time any cheap source shows (the news sitemap may give only
        the publication date of a page the full sitemap shows as modified since)."""
        if lastmod and lastmod > self.lastmods.get(canonical_url, ""):
            self.lastmods[canonical_url] = lastmod

    def needs_fetch(self, canonical_url: str) -> tuple[bool, str]:
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

    def validators(self, urls: Iterable[str]) -> dict[str, dict[str, Any]]:
        """{url: {"etag", "last_modified"}}: what the last committed run saw of these cheap sources."""
        return self.store.get_validators(urls)

    def note_validators(self, url: str, etag: str | None, last_modified: str | None) -> None:
        """A cheap source's validators, for the next run's conditional request. Staged only when
        this run finishes (stage_remaining): a run that fails, or stops early (a pause, a time
        limit) before fetching everything its sources listed, must not make the next one take
        those sources for unchanged."""
        if etag or last_modified:
            self.seen_validators[url] = {"url": url, "etag": etag, "last_modified": last_modified}

    # --- what the pipelines ask -------------------------------------------------------------------
    def note_not_article(self, canonical_url: str, reason: str) -> None:
        if canonical_url not in self.non_articles:
            self.stage("not_article", canonical_url, {"url": canonical_url, "reason": reason,
                                                      "lastmod": self.lastmods.get(canonical_url)})

    def stage(self, kind: str, aid: str, payload: dict[str, Any]) -> None:
        self.pending.append((kind, aid, payload))
        if len(self.pending) >= self.batch:
            self.flush()

    def flush(self) -> None:
        if self.pending and self.run_id:
            self.store.stage(self.run_id, self.pending)
            self.pending = []
            crash_point("staged")

    def commit(self) -> None:
        # Sitemaps may be read after an article was processed: store the lastmod each processed
        # page had in this run's cheap sources, so the next run does not take it for modified.
        for url in self.processed:
            if url in self.lastmods:
                self.stage("lastmod", url, {"url": url, "lastmod": self.lastmods[url]})
        self.flush()
        self.store.commit_run(self.run_id)
        self.committed = True

    def stage_remaining(self, reason: str = "finished") -> None:
        """Stage what is left before the outputs are delivered (the commit then only applies it);
        the cheap sources' validators only for a run that finished."""
        if reason == "finished":
            for url, payload in self.seen_validators.items():
                self.stage("validators", url, payload)
        self.seen_validators = {}
        for url in self.processed:
            if url in self.lastmods:
                self.stage("lastmod", url, {"url": url, "lastmod": self.lastmods[url]})
        self.processed = set()
        self.flush()

    def abort(self) -> None:
        self.pending = []
        self.store.abort_run(self.run_id)


def _parse(iso: str | None) -> datetime:
    try:
        return datetime.fromisoformat(iso)
    except (TypeError, ValueError):
        return datetime.min.replace(tzinfo=timezone.utc)
