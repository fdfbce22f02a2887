"""The state store on Redis: what crawler.state's SQLite store keeps, shared by every worker of a crawl.

`open_store("redis://host:6379/0")` gives this store (`GBAF_STATE_URL`; a distributed crawl,
crawler.distributed, uses `GBAF_REDIS_URL` by default). Same interface and the same two-phase
commit as `SqliteStateStore`: a run's changes are staged under its run id in batches (one
pipelined command per batch, no round trip per item) and become the store's state in one atomic
step (a Lua script) once the run's manifest, its commit marker, is written.

Unlike the SQLite store, several runs use it at once (one per worker). So:
- a run says it is alive (`run:<id>:alive`, refreshed every 5 s by a thread, expiring after 30 s);
  a run found `running` but no longer alive died: it is committed when its manifest exists and
  aborted otherwise, by the next run that opens the store on the host that can see the manifest
  (any host when the data directory is shared);
- `claim(run_id, url, content_hash)` decides, atomically, which run of the current crawl
  generation exports an article: the first to claim its URL, or its content under another URL.
  Claims live as long as the generation (`python -m crawler.commands.seed` opens a new one), because each
  worker took its snapshot of the store when it started and cannot see the others' commits.

Keys (prefix `gbaf:state:`): `articles` (id -> JSON of what `Known` holds), `records` (id -> the
exported record), `urls` (url -> id), `aliases` (alias -> id), `non_articles` (url -> JSON),
`latest` (sorted set "<published_at>|<id>"), `runs` and `running` (run ids), `run:<id>` (a hash:
status, marker, host, pid, generation, times), `staged:<id>` ("<kind>|<id>" -> payload JSON),
`commits` (runs committed, a counter), `generation`, `claims:<generation>:url` and
`claims:<generation>:hash`, `meta` (format).
"""
from __future__ import annotations

import json
import logging
import os
import socket
import threading
import time
from collections.abc import Iterable, Iterator
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from redis import Redis
from redis.exceptions import RedisError

from crawler.pids import pid_alive
from crawler.state.store import STORE_FORMAT, Known, StateError, _bytes_hex, _now, _record

logger = logging.getLogger(__name__)


def redacted(url: str | None) -> str | None:
    """The Redis URL without its password, for logs."""
    parts = urlsplit(url or "")
    if parts.password:
        netloc = f"{parts.username or ''}:***@{parts.hostname}" + (f":{parts.port}" if parts.port else "")
        return urlunsplit(parts._replace(netloc=netloc))
    return url


PREFIX = "gbaf:state:"
ALIVE_EVERY = 5  # seconds between a run's "still alive" beats
ALIVE_TTL = 30  # a run silent for this long is dead
CLAIM_TTL = 30 * 24 * 3600  # a crawl generation's claims outlive any crawl
FINISHED_RUN_TTL = 90 * 24 * 3600  # how long the record of a finished run is kept

# Make a run's staged rows the store's state, atomically (the SQL of SqliteStateStore.commit_run).
# Article rows first, then aliases, lastmods and non-articles. KEYS: none (keys are built from the
# prefix, a single Redis is assumed); ARGV: prefix, run id, now.
COMMIT = """
local P, run, now = ARGV[1], ARGV[2], ARGV[3]
local null = cjson.null
local function has(v) return v ~= nil and v ~= null end
local function coalesce(a, b) if has(a) then return a end return b end
local rows = redis.call('HGETALL', P .. 'staged:' .. run)
local applied = 0
for pass = 1, 2 do
  for i = 1, #rows, 2 do
    local field = rows[i]
    local sep = string.find(field, '|', 1, true)
    local kind, id = string.sub(field, 1, sep - 1), string.sub(field, sep + 1)
    if (pass == 1) == (kind == 'article') then
      local ok, p = pcall(cjson.decode, rows[i + 1])
      if not ok or type(p) ~= 'table' then
        kind = 'broken'  -- an unreadable change is skipped, not a commit that fails for ever
      end
      if kind == 'article' then
        local old_raw = redis.call('HGET', P .. 'articles', id)
        local old = {}
        if old_raw then old = cjson.decode(old_raw) end
        local seen = coalesce(p.seen_at, now)
        local new = {id = id, url = p.url, content_hash = p.content_hash, version = p.version,
                     published_at = coalesce(p.published_at, null), updated_at = coalesce(p.updated_at, null),
                     signature = coalesce(p.signature, coalesce(old.signature, null)),
                     lastmod = coalesce(p.lastmod, coalesce(old.lastmod, null)),
                     first_seen = coalesce(old.first_seen, seen), last_seen = seen,
                     exported_run = coalesce(p.exported_run, coalesce(old.exported_run, null))}
        redis.call('HSET', P .. 'articles', id, cjson.encode(new))
        redis.call('HSET', P .. 'urls', p.url, id)
        if has(p.record) then redis.call('HSET', P .. 'records', id, p.record) end
        if old_raw then
          local before = old.published_at
          if not has(before) then before = '' end
          redis.call('ZREM', P .. 'latest', before .. '|' .. id)
        end
        if redis.call('HEXISTS', P .. 'records', id) == 1 then
          local published = p.published_at
          if not has(published) then published = '' end
          redis.call('ZADD', P .. 'latest', 0, published .. '|' .. id)
        end
      elseif kind == 'alias' then
        redis.call('HSET', P .. 'aliases', p.alias, p.id)
      elseif kind == 'lastmod' then
        local aid = redis.call('HGET', P .. 'urls', p.url)
        if aid then
          local article = cjson.decode(redis.call('HGET', P .. 'articles', aid))
          article.lastmod = coalesce(p.lastmod, null)
          redis.call('HSET', P .. 'articles', aid, cjson.encode(article))
        end
      elseif kind == 'validators' then
        redis.call('HSET', P .. 'validators', p.url, cjson.encode(
          {etag = coalesce(p.etag, null), last_modified = coalesce(p.last_modified, null)}))
      elseif kind == 'not_article' then
        redis.call('HSET', P .. 'non_articles', p.url, cjson.encode(
          {reason = coalesce(p.reason, null), lastmod = coalesce(p.lastmod, null), seen_at = coalesce(p.seen_at, now)}))
      end
      if kind ~= 'broken' then applied = applied + 1 end
    end
  end
end
redis.call('DEL', P .. 'staged:' .. run)
-- The generation the run worked in: the current one (a new one starts only once no run is closing).
redis.call('HSET', P .. 'run:' .. run, 'status', 'committed', 'finished_at', now,
           'generation', redis.call('GET', P .. 'generation') or '')
redis.call('SREM', P .. 'running', run)
redis.call('INCR', P .. 'commits')
return applied
"""

# Claim an article for a run, in the current crawl generation's scope. ARGV: prefix, run id, url,
# content hash, ttl. Returns {} when the run may export it, else {reason, the URL claimed first}.
CLAIM = """
local P = ARGV[1]
local scope = P .. 'claims:' .. (redis.call('GET', P .. 'generation') or 'none') .. ':'
local owner = redis.call('HGET', scope .. 'url', ARGV[3])
if owner and owner ~= ARGV[2] then return {'url', ARGV[3]} end
local first = redis.call('HGET', scope .. 'hash', ARGV[4])
if first and first ~= ARGV[3] then return {'content', first} end
redis.call('HSET', scope .. 'url', ARGV[3], ARGV[2])
redis.call('HSETNX', scope .. 'hash', ARGV[4], ARGV[3])
redis.call('EXPIRE', scope .. 'url', ARGV[5])
redis.call('EXPIRE', scope .. 'hash', ARGV[5])
return {}
"""


class RedisStateStore:
    def __init__(self, url: str, prefix: str = PREFIX) -> None:
        self.url = url
        self.p = prefix
        self.host = socket.gethostname()
        self._beating = {}  # run id -> threading.Event that stops its heartbeat
        self._beat_lock = threading.Lock()  # a last beat must not land after the run finished
        self.snapshot_commits = None  # how many runs the store had committed when the snapshot was read
        self.broken = None  # why a run's changes could not all be staged: it must not commit
        try:
            self.r = Redis.from_url(url, decode_responses=True, socket_connect_timeout=10,
                                    socket_timeout=60)
            self.r.ping()
            fmt = self.r.hget(self.p + "meta", "format")
            if fmt is None:
                self.r.hsetnx(self.p + "meta", "format", STORE_FORMAT)
            elif str(fmt).strip() != str(STORE_FORMAT):
                raise StateError(f"state store {self._name} has format {fmt!r}, expected {STORE_FORMAT}")
            self._commit = self.r.register_script(COMMIT)
            self._claim = self.r.register_script(CLAIM)
        except RedisError as exc:
            raise StateError(f"state store {self._name} cannot be reached: {exc}") from exc
        if not self.r.exists(self.p + "articles"):
            logger.info("state store %s is new: this run exports every article it finds", self._name)

    @property
    def _name(self):
        return redacted(self.url)

    # --- reading --------------------------------------------------------------------------------
    def snapshot(self) -> dict[str, Known]:
        """{url or alias: Known} of every article: one transaction, so that the count of committed
        runs it notes (`snapshot_commits`) is exactly what it holds."""
        with self.r.pipeline() as pipe:  # MULTI/EXEC
            pipe.get(self.p + "commits")
            pipe.hgetall(self.p + "articles")
            pipe.hgetall(self.p + "aliases")
            commits, articles, aliases = pipe.execute()
        self.snapshot_commits = int(commits or 0)
        known = {}
        by_id = {}
        for aid, raw in articles.items():
            a = json.loads(raw)
            k = Known(aid, a["url"], a["content_hash"], int(a["version"]), a.get("published_at"),
                      a.get("updated_at"), a.get("lastmod"),
                      bytes.fromhex(a["signature"]) if a.get("signature") else None)
            known[k.url] = by_id[aid] = k
        for alias, aid in aliases.items():
            if aid in by_id:
                by_id[aid].aliases.append(alias)
                known[alias] = by_id[aid]
        return known

    def non_articles(self) -> dict[str, str | None]:
        return {url: json.loads(raw).get("lastmod")
                for url, raw in self.r.hgetall(self.p + "non_articles").items()}

    def get_validators(self, urls: Iterable[str]) -> dict[str, dict[str, Any]]:
        """{url: {"etag", "last_modified"}} of the cheap sources' last responses (committed runs)."""
        urls = list(urls)
        if not urls:
            return {}
        raws = self.r.hmget(self.p + "validators", urls)  # one round trip for the batch
        return {url: json.loads(raw) for url, raw in zip(urls, raws) if raw}

    def count(self) -> int:
        return self.r.hlen(self.p + "articles")

    def commit_count(self) -> int:
        """Runs committed so far (a counter): a snapshot read at one count knows every run before it."""
        return int(self.r.get(self.p + "commits") or 0)

    def latest(self, n: int) -> list[dict[str, Any]]:
        members = self.r.zrevrangebylex(self.p + "latest", "+", "-", start=0, num=n)
        ids = [m.rsplit("|", 1)[1] for m in members]
        if not ids:
            return []
        return [r for r in (_record(i, raw) for i, raw in zip(ids, self.r.hmget(self.p + "records", ids)))
                if r is not None]

    def iter_latest(self, batch: int = 500) -> Iterator[dict[str, Any]]:
        """The latest stored record of every article, `batch` at a time (HSCAN: memory flat)."""
        cursor = 0
        while True:
            cursor, chunk = self.r.hscan(self.p + "records", cursor, count=batch)
            for aid, raw in chunk.items():
                record = _record(aid, raw)
                if record is not None:
                    yield record
            if not cursor:
                return

    # --- a run ----------------------------------------------------------------------------------
    def dead_runs(self, current: str | None = None) -> list[tuple[str, str | None]]:
        """[(run id, commit marker)] of runs that died: registered running, not alive any more (its
        beat expired, or its process on this host is gone), and settleable here (on this host, or
        without a manifest). A dead run of another host with a manifest is left to that host."""
        dead = []
        for run_id in sorted(self.r.smembers(self.p + "running")):
            if run_id == current:
                continue
            run = self.r.hgetall(self.p + f"run:{run_id}")
            here = run.get("host") in (self.host, None)
            gone = here and run.get("pid", "").isdigit() and not pid_alive(int(run["pid"]))
            if not gone and self.r.exists(self.p + f"run:{run_id}:alive"):
                continue
            if here or not run.get("marker"):
                dead.append((run_id, run.get("marker") or None))
            else:  # its manifest, if any, is on another machine: that machine's next run settles it
                logger.info("run %s of host %s died: left for a run on that host to settle",
                            run_id, run.get("host"))
        return dead

    def begin_run(self, run_id: str, marker: str | None = None) -> None:
        """Register this run (alive from now on); dead runs are settled first (crawler.run.lifecycle)."""
        try:
            with self.r.pipeline() as pipe:
                pipe.hset(self.p + f"run:{run_id}", mapping={
                    "status": "running", "marker": marker or "", "host": self.host, "pid": os.getpid(),
                    "generation": self.r.get(self.p + "generation") or "", "started_at": _now()})
                pipe.zadd(self.p + "runs", {run_id: time.time()})
                pipe.sadd(self.p + "running", run_id)
                pipe.set(self.p + f"run:{run_id}:alive", 1, ex=ALIVE_TTL)
                pipe.execute()
        except RedisError as exc:
            raise StateError(f"state store {self._name} cannot be written: {exc}") from exc
        self._start_beating(run_id)

    def stage(self, run_id: str, rows: list[tuple[str, str, dict[str, Any]]]) -> None:
        """rows: [(kind, id, payload dict)], as for SqliteStateStore.stage: one command per batch."""
        if not rows:
            return
        try:
            self.r.hset(self.p + f"staged:{run_id}", mapping={
                f"{kind}|{aid}": json.dumps(payload, ensure_ascii=False, default=_bytes_hex)
                for kind, aid, payload in rows})
        except RedisError as exc:
            # Lost rows would make a commit lie about what was exported: this run must not commit.
            if self.broken is None:
                logger.error("state store %s: could not stage changes (%s): run %s will not be committed",
                             self._name, exc, run_id)
            self.broken = exc

    def commit_run(self, run_id: str) -> None:
        if self.broken is not None:
            raise StateError(f"state store {self._name}: run {run_id} lost changes ({self.broken}), not committed")
        try:
            applied = self._commit(args=[self.p, run_id, _now()])
            self._finished(run_id)
        except RedisError as exc:
            raise StateError(f"state store {self._name}: run {run_id} could not be committed: {exc}") from exc
        logger.debug("run %s committed: %d changes", run_id, applied)

    def abort_run(self, run_id: str) -> None:
        """As SqliteStateStore.abort_run: staged changes dropped, the validators forgotten (the
        workers that finished beside a dead one committed them; its share was never fetched)."""
        try:
            with self.r.pipeline() as pipe:
                pipe.delete(self.p + f"staged:{run_id}")
                pipe.delete(self.p + "validators")
                pipe.hset(self.p + f"run:{run_id}", mapping={"status": "aborted", "finished_at": _now()})
                pipe.srem(self.p + "running", run_id)
                pipe.execute()
            self._finished(run_id)
        except RedisError as exc:  # staged rows stay invisible; a later run settles this one as dead
            logger.warning("state store %s: could not mark run %s aborted (%s): a later run will",
                           self._name, run_id, exc)

    def close(self) -> None:
        for stop in self._beating.values():
            stop.set()
        self._beating.clear()
        try:
            self.r.close()
        except RedisError:
            pass

    # --- several runs at once ---------------------------------------------------------------------
    def new_generation(self, generation: str) -> None:
        """A new crawl generation (python -m crawler.commands.seed): claims start afresh."""
        previous = self.r.getset(self.p + "generation", generation)
        if previous and previous != generation:
            self.r.unlink(self.p + f"claims:{previous}:url", self.p + f"claims:{previous}:hash")

    def claim(self, run_id: str, url: str, content_hash: str) -> str | None:
        """None when run_id may export this article, else the URL another run of the current crawl
        generation claimed first (the same URL, or the same content under another URL)."""
        taken = self._claim(args=[self.p, run_id, url, content_hash, CLAIM_TTL])
        return taken[1] if taken else None

    def _start_beating(self, run_id):
        stop = self._beating.setdefault(run_id, threading.Event())
        key = self.p + f"run:{run_id}:alive"

        def beat():
            while not stop.wait(ALIVE_EVERY):
                with self._beat_lock:
                    if stop.is_set():
                        return
                    try:
                        self.r.set(key, 1, ex=ALIVE_TTL)
                    except RedisError as exc:  # the crawl itself reports a lost Redis
                        logger.debug("run %s heartbeat: %s", run_id, exc)

        threading.Thread(target=beat, name=f"state-alive-{run_id}", daemon=True).start()

    def _finished(self, run_id):
        stop = self._beating.pop(run_id, None)
        if stop is not None:
            with self._beat_lock:
                stop.set()
        with self.r.pipeline() as pipe:
            pipe.delete(self.p + f"run:{run_id}:alive")
            pipe.expire(self.p + f"run:{run_id}", FINISHED_RUN_TTL)
            pipe.execute()
