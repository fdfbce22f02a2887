"""The crash-point harness: a run killed at every write boundary of docs/protocol.md, or starved of
disk for one write, and then run again to completion, delivers every record exactly once.

Each scenario is a chain of real `scrapy crawl gbaf` runs of a 30-article replica sharing one data
directory (and store): runs that die at a named crash point (`GBAF_CRASH_AT`, the process
`os._exit(137)`s there, as a SIGKILL would) or lose one write to ENOSPC (`GBAF_ENOSPC_AT=<n>`),
each run settling the one before it, then a clean run. At the end:
- every expected article is in exactly one delivered output (an output named by a manifest), at
  version 1;
- every output a manifest names is in place with the manifest's size and sha256;
- no final-named JSON Lines file without a manifest, no partial file left;
- the store passes its integrity check, holds the 30 articles and no run still running or staged.

A chain exercises several points at once: points before the manifest (the dead run is aborted
and the next run exports everything again) come first, then one point after it (the dead run is
committed by the next run, which then has nothing new). Chains run side by side to keep the time
down. Without and with JOBDIR, on the SQLite store and on a Redis store.
"""
import collections
import json
import os
import shutil
import sqlite3
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from crawler.crashpoints import POINTS
from replica.site import Site
from tests.conftest import ROOT, Replica, crawl_command

ARTICLES = 30
ENV = {"GBAF_RENDER": "never"}  # the replica's few script-filled blocks are not what is tested
SETTINGS = {"GBAF_STATE_BATCH": "5"}  # several store writes during the run ("staged")

BEFORE = ["staged", "closing", "outputs_synced", "manifest_part"]
AFTER = ["manifest", "output_renamed", "outputs_renamed", "commit_partial", "committed", "settled"]
ENOSPC = [1, 12, ARTICLES]  # the first, a middle and the last record's write
assert set(BEFORE + AFTER) == set(POINTS)


def chains(before, after, enospc):
    """Spread the points over one chain per point after the manifest."""
    steps = [("crash", p) for p in before] + [("enospc", n) for n in enospc]
    out = [[] for _ in after]
    for i, step in enumerate(steps):
        out[i % len(after)].append(step)
    return [chain + [("crash", point)] for chain, point in zip(out, after)]


@pytest.fixture(scope="module")
def small_replica():
    r = Replica("--articles", ARTICLES, "--seed", 1)
    yield r
    r.stop()


@pytest.fixture(scope="module")
def expected():
    return set(Site(articles=ARTICLES, seed=1).expected_by_url())


def _run(cmd, env):
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=600,
                          env={**os.environ, **ENV, **env})
    return proc.returncode, proc.stderr


def run_chain(replica, data, chain, settings):
    """Run the chain's failing runs, then a clean one; returns [(step, returncode, log tail)]."""
    cmd = crawl_command(replica.url, data, settings={**SETTINGS, **settings})
    results = []
    for kind, value in chain + [("clean", None)]:
        env = {"crash": {"GBAF_CRASH_AT": str(value)}, "enospc": {"GBAF_ENOSPC_AT": str(value)},
               "clean": {}}[kind]
        rc, log = _run(cmd, env)
        results.append(((kind, value), rc, log[-3000:]))
    return results


def delivered(data):
    """(records of every delivered JSON Lines output, problems with what the manifests say)."""
    records, problems = [], []
    named = set()
    for manifest in sorted(Path(data, "articles").glob("*/*.manifest.json")):
        m = json.loads(manifest.read_text(encoding="utf-8"))
        for out in m["outputs"]:
            path = Path(out["path"])
            named.add(path)
            if not path.is_file():
                problems.append(f"{manifest.name}: {path} missing")
                continue
            import hashlib

            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            if digest != out["sha256"] or path.stat().st_size != out["size"]:
                problems.append(f"{manifest.name}: {path} differs from its manifest")
            if out["format"] == "jsonlines":
                lines = path.read_text(encoding="utf-8").splitlines()
                if len(lines) != out["records"]:
                    problems.append(f"{path}: {len(lines)} lines, manifest says {out['records']}")
                records.extend(json.loads(line) for line in lines)
    for path in Path(data).rglob("*"):
        if path.name.endswith(".part"):
            problems.append(f"partial file left: {path}")
        if path.suffix == ".jsonl" and path not in named:
            problems.append(f"orphan output without a manifest: {path}")
    return records, problems


def sqlite_intact(data):
    db = sqlite3.connect(data / "state.sqlite")
    try:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        return {"articles": db.execute("SELECT count(*) FROM articles WHERE record IS NOT NULL").fetchone()[0],
                "staged": db.execute("SELECT count(*) FROM staged").fetchone()[0],
                "running": db.execute("SELECT count(*) FROM runs WHERE status='running'").fetchone()[0]}
    finally:
        db.close()


def check(data, results, expected, store):
    steps = "\n".join(f"{step}: exit {rc}" for step, rc, _ in results)
    (_step, rc, log) = results[-1]
    assert rc == 0, f"{steps}\nthe clean run failed:\n{log}"
    for step, rc, log in results[:-1]:
        if step[0] == "crash":
            assert rc == 137, f"{step} did not crash there (exit {rc}):\n{log}"
        else:
            assert rc != 0 and "not delivered" in log, f"{step}: a failed write went unnoticed:\n{log}"
    records, problems = delivered(data)
    assert problems == [], steps
    counts = collections.Counter(r["url"] for r in records)
    assert sorted(u for u, n in counts.items() if n > 1) == [], f"delivered twice\n{steps}"
    assert set(counts) == expected, f"lost: {sorted(expected - set(counts))}\n{steps}"
    assert {r["version"] for r in records} == {1}
    assert store() == {"articles": ARTICLES, "staged": 0, "running": 0}, steps


def run_all(replica, tmp_path, plan, settings_of, store_of, expected):
    with ThreadPoolExecutor(max_workers=3) as pool:
        futures = []
        for i, chain in enumerate(plan):
            data = tmp_path / f"chain{i}"
            futures.append((data, pool.submit(run_chain, replica, data, chain, settings_of(i, data))))
        outcomes = [(data, f.result()) for data, f in futures]
    for i, (data, results) in enumerate(outcomes):
        check(data, results, expected, lambda: store_of(i, data))
    return sum(len(r) - 1 for _, r in outcomes)


def warc_intact(warc_dir, expected):
    """Problems with a chain's WARC folder after its clean run: every file delivered (none left
    under its temporary name), read to its end by warcio (whole records only), every article
    archived, every digest of the index naming a response record of its file."""
    import sqlite3
    from urllib.parse import urlsplit

    from warcio.archiveiterator import ArchiveIterator

    problems = [f"left under its temporary name: {p.name}" for p in warc_dir.glob(".*.open")]
    archived, in_files = set(), set()
    for path in warc_dir.glob("*.warc.gz"):
        try:
            with open(path, "rb") as f:
                for record in ArchiveIterator(f):
                    if record.rec_type == "response":
                        uri = record.rec_headers.get_header("WARC-Target-URI")
                        archived.add(urlsplit(uri).path)
                        in_files.add((path.name, record.rec_headers.get_header("WARC-Payload-Digest"), uri))
        except Exception as exc:  # noqa: BLE001 - a file any WARC tool fails on is the finding
            problems.append(f"{path.name} unreadable: {exc!r}")
    problems += [f"never archived: {url}" for url in sorted(expected) if urlsplit(url).path not in archived]
    db = sqlite3.connect(warc_dir / "digests.sqlite")
    rows = db.execute("SELECT filename, digest, uri FROM digests").fetchall()
    db.close()
    problems += [f"digest index names a record that is not there: {row}" for row in rows if row not in in_files]
    return problems


def test_sqlite_without_jobdir_every_point(small_replica, tmp_path, expected):
    """Every crash point and failed write, with WARC writing on: the feeds and the store as in
    every test here, and the archive whole (tests/test_warc.py has the writer's own faults)."""
    plan = chains(BEFORE, AFTER, ENOSPC)
    scenarios = run_all(small_replica, tmp_path, plan, lambda i, d: {"GBAF_WARC_DIR": str(d / "warc")},
                        lambda i, d: sqlite_intact(d), expected)
    assert scenarios == len(POINTS) + len(ENOSPC)
    for i in range(len(plan)):
        assert warc_intact(tmp_path / f"chain{i}" / "warc", expected) == [], f"chain {i}: {plan[i]}"


def test_sqlite_with_jobdir(small_replica, tmp_path, expected):
    plan = chains(["closing", "outputs_synced"], ["manifest", "output_renamed", "committed"], [12])
    run_all(small_replica, tmp_path, plan, lambda i, d: {"JOBDIR": str(d / "job")},
            lambda i, d: sqlite_intact(d), expected)


REDIS_SERVER = shutil.which("redis-server")


@pytest.mark.skipif(not REDIS_SERVER, reason="redis-server is not installed")
def test_redis_store(small_replica, tmp_path, expected):
    from tests.test_distributed import RedisServer

    (tmp_path / "redis").mkdir()
    server = RedisServer(tmp_path / "redis")
    try:
        def store(i, data):
            r = server.client(i + 1)
            staged = sum(1 for _ in r.scan_iter("gbaf:state:staged:*"))
            return {"articles": r.hlen("gbaf:state:records"), "staged": staged,
                    "running": r.scard("gbaf:state:running")}

        plan = chains(["closing", "manifest_part"], ["manifest", "outputs_renamed", "committed"], [12])
        run_all(small_replica, tmp_path, plan, lambda i, d: {"GBAF_STATE_URL": server.url(i + 1)},
                store, expected)
    finally:
        server.stop()
