"""The dataset snapshot: built from a state store, read back with DuckDB and pyarrow, rebuilt
incrementally (only the months that changed are written again)."""
import hashlib
import json
import subprocess
import sys
from datetime import datetime, timezone

import duckdb
import pyarrow as pa
import pyarrow.dataset as ds
import pytest

from crawler.archive.snapshot import build
from crawler.state import SqliteStateStore
from replica.site import Site
from tests.conftest import ROOT


def store_records(store, run_id, records):
    """Records committed to the store as a crawl's version pipeline stages them."""
    store.begin_run(run_id)
    store.stage(run_id, [("article", r["id"], {
        "url": r["url"], "content_hash": r["content_hash"], "version": r["version"],
        "published_at": r["published_at"], "updated_at": r["updated_at"], "seen_at": r["crawled_at"],
        "exported_run": run_id, "record": json.dumps(r, ensure_ascii=False)}) for r in records])
    store.commit_run(run_id)


@pytest.fixture
def records():
    out = []
    for r in Site(articles=120, seed=2).expected_by_url().values():
        out.append({**r, "crawled_at": "2026-11-30T08:00:00+00:00", "extraction": {"title": "jsonld"}})
    return out


def snapshot(out, state):
    return subprocess.run([sys.executable, "-m", "crawler.archive.snapshot", str(out), "-s",
                           f"GBAF_STATE_URL={state}"], cwd=ROOT, capture_output=True, text=True, timeout=120)


def rebuild(out, state):
    """The same build, in this process (the command's start-up is tested once above)."""
    store = SqliteStateStore(state)
    try:
        return build(store, out)
    finally:
        store.close()


def month_files(out):
    return {p.relative_to(out).as_posix(): p.stat().st_mtime_ns
            for p in out.glob("*/month=*/*") if p.is_file()}


def test_snapshot_is_the_latest_version_of_every_article(tmp_path, records):
    state = tmp_path / "state.sqlite"
    store = SqliteStateStore(state)
    store_records(store, "run1", records)
    changed = {**records[0], "title": "A new title", "version": 2, "content_hash": "0" * 40}
    store_records(store, "run2", [changed])
    store.close()
    out = tmp_path / "snapshot"
    proc = snapshot(out, state)
    assert proc.returncode == 0, proc.stderr
    manifest = json.loads((out / "snapshot.manifest.json").read_text())
    assert manifest["counts"]["articles"] == len(records)
    months = {datetime.fromisoformat(r["published_at"]).astimezone(timezone.utc).strftime("%Y-%m")
              for r in records}
    assert set(manifest["months"]) == months

    con = duckdb.connect()
    parquet = f"{out}/parquet/*/*.parquet"
    rows = con.execute(f"SELECT url, title, version, published_at, month FROM read_parquet('{parquet}', "
                       "hive_partitioning=true)").fetchall()
    assert len(rows) == len(records) and len({r[0] for r in rows}) == len(records)
    by_url = {r[0]: r for r in rows}
    assert by_url[changed["url"]][1:3] == ("A new title", 2)
    types = {name: kind for name, kind, *_ in con.execute(
        f"DESCRIBE SELECT * FROM read_parquet('{parquet}', hive_partitioning=true)").fetchall()}
    assert types["published_at"] == "TIMESTAMP WITH TIME ZONE" and types["crawled_at"] == "TIMESTAMP WITH TIME ZONE"
    for url, _title, _version, published, month in rows:
        assert published.astimezone(timezone.utc).strftime("%Y-%m") == month
    # The JSON Lines side holds the same records, as the store gave them.
    jsonl = con.execute(f"SELECT count(*), count(DISTINCT url) FROM read_json_auto('{out}/jsonl/*/*.jsonl')").fetchone()
    assert jsonl == (len(records), len(records))
    # pyarrow's dataset API reads the partitions with their typed columns, as pandas and polars do.
    table = ds.dataset(out / "parquet", format="parquet", partitioning="hive").to_table()
    assert table.num_rows == len(records)
    assert table.schema.field("updated_at").type == pa.timestamp("us", tz="UTC")
    # The manifest's checksums are the files' own.
    for entry in manifest["months"].values():
        for f in entry["files"]:
            assert hashlib.sha256((out / f["path"]).read_bytes()).hexdigest() == f["sha256"]


def test_a_rebuild_rewrites_only_the_months_that_changed(tmp_path, records):
    state = tmp_path / "state.sqlite"
    store = SqliteStateStore(state)
    store_records(store, "run1", records)
    store.close()
    out = tmp_path / "snapshot"
    rebuild(out, state)
    before = month_files(out)
    assert rebuild(out, state)["rebuilt"] == []  # nothing changed: nothing written
    assert month_files(out) == before

    target = records[5]
    month = datetime.fromisoformat(target["published_at"]).astimezone(timezone.utc).strftime("%Y-%m")
    store = SqliteStateStore(state)
    store_records(store, "run2", [{**target, "body": target["body"] + "\n\nA correction.", "version": 2,
                                   "content_hash": "f" * 40}])
    store.close()
    rebuild(out, state)
    after = month_files(out)
    manifest = json.loads((out / "snapshot.manifest.json").read_text())
    assert manifest["rebuilt"] == [month]
    assert {p for p in after if after[p] != before.get(p)} == {
        f"jsonl/month={month}/articles.jsonl", f"parquet/month={month}/articles.parquet"}
    lines = (out / "jsonl" / f"month={month}" / "articles.jsonl").read_text().splitlines()
    assert any(json.loads(l)["body"].endswith("A correction.") for l in lines)


def test_no_store_no_snapshot(tmp_path):
    proc = snapshot(tmp_path / "out", tmp_path / "missing.sqlite")
    assert proc.returncode == 1 and "no state store" in proc.stderr
    assert not (tmp_path / "out" / "snapshot.manifest.json").exists()
