"""The cases of issue 15 that the crash-point harness (tests/test_crashpoints.py) does not cover on
its own: the store refuses what is not a store, one lock per real file, one-line errors for bad
values, `-o`/`-O` delivered under the protocol, a graceful stop without JOBDIR, the full export."""
import collections
import json
import os
import sqlite3
import subprocess
from pathlib import Path

import pytest

from crawler.state import open_store
from crawler.state.sqlite_store import SqliteStateStore
from crawler.state.store import StateError
from replica.site import Site
from tests.conftest import ROOT, crawl_command
from tests.test_crashpoints import ARTICLES, ENV, delivered, small_replica  # noqa: F401 (fixture)


def _store_row(url, record="{}"):
    return ("article", url.rsplit("/", 2)[-2], {"url": url, "content_hash": "h" + url, "version": 1,
                                                "record": record, "exported_run": "r1"})


# --- the store: refused, locked, one-line errors ------------------------------------------------
def test_zero_byte_store_is_refused(tmp_path):  # case 5
    path = tmp_path / "state.sqlite"
    path.write_bytes(b"")
    with pytest.raises(StateError, match="empty file, not a state store"):
        SqliteStateStore(path)
    assert path.read_bytes() == b""  # nothing changed


def test_unrecognised_store_is_refused(tmp_path):
    other = tmp_path / "other.sqlite"
    db = sqlite3.connect(other)
    db.execute("CREATE TABLE t (x)")
    db.commit()
    db.close()
    with pytest.raises(StateError, match="not a state store"):
        SqliteStateStore(other)
    (tmp_path / "text.sqlite").write_text("hello, not a database at all, but long enough" * 50)
    with pytest.raises(StateError, match="not a database"):
        SqliteStateStore(tmp_path / "text.sqlite")


def test_lock_holds_through_a_symlink(tmp_path):  # case 4
    first = SqliteStateStore(tmp_path / "state.sqlite")
    (tmp_path / "link.sqlite").symlink_to(tmp_path / "state.sqlite")
    (tmp_path / "dir").mkdir()
    (tmp_path / "dir" / "state.sqlite").symlink_to(tmp_path / "state.sqlite")
    try:
        for other in (tmp_path / "link.sqlite", tmp_path / "dir" / "state.sqlite"):
            with pytest.raises(StateError, match="locked by another run"):
                SqliteStateStore(other)
    finally:
        first.close()


def test_bad_format_value_and_lock_path_a_directory_are_one_line_errors(tmp_path):  # case 9
    store = SqliteStateStore(tmp_path / "state.sqlite")
    store.db.execute("UPDATE store_meta SET value='one' WHERE key='format'")
    store.close()
    with pytest.raises(StateError, match="has format 'one', expected 1"):
        SqliteStateStore(tmp_path / "state.sqlite")
    (tmp_path / "b.sqlite.lock").mkdir()
    with pytest.raises(StateError, match="its lock .* cannot be opened"):
        SqliteStateStore(tmp_path / "b.sqlite")
    (tmp_path / "file").write_text("x")
    with pytest.raises(StateError, match="cannot be opened"):
        open_store(str(tmp_path / "file" / "state.sqlite"))


def test_broken_record_json_is_left_out_of_the_latest_feeds_and_the_full_export(tmp_path, caplog):
    store = SqliteStateStore(tmp_path / "state.sqlite")
    store.begin_run("r1")
    store.stage("r1", [_store_row("https://x.test/a/", json.dumps({"url": "https://x.test/a/"})),
                       _store_row("https://x.test/b/", "{broken")])
    store.commit_run("r1")
    assert [r["url"] for r in store.latest(10)] == ["https://x.test/a/"]
    assert [r["url"] for r in store.iter_latest(batch=1)] == ["https://x.test/a/"]
    assert "https://x.test/b/ is not readable JSON" in caplog.text
    store.close()


def test_broken_staged_payload_does_not_block_the_commit(tmp_path, caplog):  # case 9
    store = SqliteStateStore(tmp_path / "state.sqlite")
    store.begin_run("r1")
    store.stage("r1", [_store_row("https://x.test/a/")])
    store.db.execute("INSERT INTO staged VALUES ('r1', 'b', 'article', '{not json')")
    assert store.commit_run("r1") == 1
    assert store.count() == 1 and store.db.execute("SELECT count(*) FROM staged").fetchone()[0] == 0
    assert "1 staged change(s) of run r1 were unreadable" in caplog.text
    store.close()


def test_iter_latest_reads_in_batches(tmp_path):
    store = SqliteStateStore(tmp_path / "state.sqlite")
    store.begin_run("r1")
    urls = [f"https://x.test/a{i}/" for i in range(7)]
    store.stage("r1", [_store_row(u, json.dumps({"url": u})) for u in urls])
    store.commit_run("r1")
    assert sorted(r["url"] for r in store.iter_latest(batch=3)) == sorted(urls)
    store.close()


# --- crawls -------------------------------------------------------------------------------------
def _crawl(replica, data, *args, settings=None, env=None):
    cmd = crawl_command(replica.url, data, settings=settings) + list(args)
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=600,
                          env={**os.environ, **ENV, **(env or {})})
    return proc.returncode, proc.stderr


def test_a_store_that_is_no_store_stops_the_crawl_with_one_error(small_replica, tmp_path):  # case 5
    data = tmp_path / "data"
    data.mkdir()
    (data / "state.sqlite").write_bytes(b"")
    rc, log = _crawl(small_replica, data)
    assert rc != 0
    errors = [line for line in log.splitlines() if "ERROR" in line]
    assert any("empty file, not a state store" in line for line in errors), log[-3000:]
    # No traceback of the store's (Spidermon prints its failed checks' assertions: not an error of ours).
    assert "crawler/state/" not in log and "lifecycle.py" not in log and "sqlite3." not in log
    assert (data / "state.sqlite").read_bytes() == b""
    assert not list(data.rglob("*.jsonl"))


def test_a_data_dir_that_cannot_be_written_stops_the_crawl_with_one_error(small_replica, tmp_path):  # case 9
    (tmp_path / "file").write_text("a file where the data directory should be")
    data = tmp_path / "file" / "data"
    cmd = crawl_command(small_replica.url, tmp_path / "d", settings={"GBAF_DATA_DIR": str(data)})
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=300, env={**os.environ, **ENV})
    # The check before the crawl (crawler/arguments.py) says it in one line, exit 2, nothing fetched.
    assert proc.returncode == 2, proc.stderr[-3000:]
    assert f"GBAF_DATA_DIR='{data}' cannot be written" in proc.stderr, proc.stderr[-3000:]
    assert "Spider opened" not in proc.stderr
    assert "lifecycle.py" not in proc.stderr and "crawler/state/" not in proc.stderr  # no traceback of ours


def test_output_option_is_delivered_under_the_protocol(small_replica, tmp_path):  # case 7
    data, out = tmp_path / "data", tmp_path / "elsewhere" / "x.jsonl"
    rc, log = _crawl(small_replica, data, "-o", str(out))
    assert rc == 0, log[-3000:]
    manifests = list(data.glob("articles/*/*.manifest.json"))
    assert len(manifests) == 1 and not list(out.parent.glob("*.manifest.json"))
    m = json.loads(manifests[0].read_text())
    entry = {o["path"]: o for o in m["outputs"]}[out.as_posix()]  # named wherever it lies
    assert entry["records"] == ARTICLES == len(out.read_text().splitlines())
    # Appending (-o) again: the manifest counts this run's records, its checksum covers the file.
    rc, log = _crawl(small_replica, data, "-o", str(out), "-a", "full=1")
    assert rc == 0, log[-3000:]
    newest = max(data.glob("articles/*/*.manifest.json"), key=lambda p: p.stat().st_mtime)
    entry = {o["path"]: o for o in json.loads(newest.read_text())["outputs"]}[out.as_posix()]
    assert entry["records"] == 0 and entry["offset"] == entry["size"] == out.stat().st_size
    _records, problems = delivered(data)
    assert [p for p in problems if "lines, manifest says" not in p] == []


def test_graceful_stop_without_jobdir_delivers_what_it_extracted(small_replica, tmp_path):  # case 8
    data = tmp_path / "data"
    rc, log = _crawl(small_replica, data, settings={"CLOSESPIDER_ITEMCOUNT": "5",
                                                    "CONCURRENT_REQUESTS": "2"})
    records, problems = delivered(data)
    assert problems == [] and 5 <= len(records) < ARTICLES, log[-3000:]
    assert f"jsonlines feed ({len(records)} items)" in log  # what Scrapy says is what is there
    rc, log = _crawl(small_replica, data)
    assert rc == 0, log[-3000:]
    records, problems = delivered(data)
    counts = collections.Counter(r["url"] for r in records)
    assert problems == [] and max(counts.values()) == 1
    assert set(counts) == set(Site(articles=ARTICLES, seed=1).expected_by_url())


def test_full_export_from_the_store_in_any_format(small_replica, tmp_path):
    data = tmp_path / "data"
    rc, log = _crawl(small_replica, data)
    assert rc == 0, log[-3000:]
    out = tmp_path / "all.jsonl"
    cmd = ["python", "-m", "scrapy", "export", "-O", str(out), "-O", str(tmp_path / "all.parquet"),
           "-s", f"GBAF_DATA_DIR={data}", "-s", f"GBAF_STATE_URL={data / 'state.sqlite'}", "-s", "LOG_LEVEL=INFO"]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert {r["url"] for r in records} == set(Site(articles=ARTICLES, seed=1).expected_by_url())
    import pyarrow.parquet as pq

    assert pq.read_metadata(tmp_path / "all.parquet").num_rows == ARTICLES
    manifest = max(data.glob("articles/*/export-*.manifest.json"))
    assert {Path(o["path"]).name for o in json.loads(manifest.read_text())["outputs"]} == {"all.jsonl", "all.parquet"}


# --- settling a dead run, without a crawl -------------------------------------------------------
def _dead_run_with_manifest(tmp_path, temp_content):
    from crawler.outputs.manifest import sha256_file

    store = SqliteStateStore(tmp_path / "state.sqlite")
    store.begin_run("dead", str(tmp_path / "dead.manifest.json"))
    store.stage("dead", [_store_row("https://x.test/a/", json.dumps({"url": "https://x.test/a/"}))])
    final, temp = tmp_path / "dead.jsonl", tmp_path / ".dead.jsonl.1.1.part"
    temp.write_bytes(b'{"url": "https://x.test/a/"}\n')
    entry = {"path": str(final), "temp": str(temp), "format": "jsonlines", "records": 1,
             "size": temp.stat().st_size, "sha256": sha256_file(temp)}
    (tmp_path / "dead.manifest.json").write_text(json.dumps({"run_id": "dead", "outputs": [entry]}))
    temp.write_bytes(temp_content)
    store.close()
    return final, temp


def test_a_run_dead_after_its_manifest_is_rolled_forward_and_committed(tmp_path):
    from crawler.run.lifecycle import settle_dead_runs

    final, temp = _dead_run_with_manifest(tmp_path, b'{"url": "https://x.test/a/"}\n')
    store = SqliteStateStore(tmp_path / "state.sqlite")
    settle_dead_runs(store, "next")
    assert final.read_bytes() == b'{"url": "https://x.test/a/"}\n' and not temp.exists()
    assert store.count() == 1 and store.dead_runs("next") == []
    store.close()


def test_a_dead_run_whose_output_differs_from_its_manifest_is_set_aside(tmp_path, caplog):
    from crawler.run.lifecycle import settle_dead_runs

    final, _temp = _dead_run_with_manifest(tmp_path, b'{"url": "https://x.test/a/"}\n{"url": "half')
    store = SqliteStateStore(tmp_path / "state.sqlite")
    settle_dead_runs(store, "next")
    assert not final.exists() and store.count() == 0  # its records are exported again
    assert (tmp_path / "dead.manifest.json.void").exists() and not (tmp_path / "dead.manifest.json").exists()
    assert "differs from its manifest" in caplog.text
    store.close()
