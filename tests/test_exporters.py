"""Exporters, atomic feed storage and run manifest, tested through real Scrapy crawls.

Each crawl runs in a subprocess (a Twisted reactor cannot be restarted in one process) with a
tiny spider that yields sample article items from `start()` without downloading anything; its
working folder is the test's tmp_path, so every relative output path lands there.
"""
from __future__ import annotations

import hashlib
import html
import json
import os
import signal
import subprocess
import sys
import time
from html.parser import HTMLParser
from pathlib import Path

import feedparser
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from crawler.outputs.exporters import PARQUET_SCHEMA, build_feed, write_feed  # noqa: E402
from crawler.outputs.storage import (AtomicFileFeedStorage, atomic_path, remove_stale_parts,  # noqa: E402
                                     write_atomically)
from crawler.items import ARTICLE_FIELDS  # noqa: E402

RUN_DATE = "2026-03-06"
TRICKY_TITLE = "Zürich & São Paulo <Ltd> “quotes” \"double\" 'single' — 北京银行 / مصرف"
TRICKY_BODY = (
    "First & <b>not bold</b> paragraph with “typographic” and \"plain\" 'quotes'.\n\n"
    "中国人民银行 said on Friday ‘rates’ hold.\n\n"
    "قال البنك المركزي إن الأسعار & <stable>"
)

SPIDER = '''
import asyncio, json, sys
import scrapy
from scrapy.exceptions import CloseSpider
from crawler.items import ArticleItem


class ExportTestSpider(scrapy.Spider):
    """Yields the records of the JSON file `cfg`, `delay` seconds apart, without downloading;
    with `fail_reason`, then closes the spider with that reason."""

    name = "exporttest"

    async def start(self):
        cfg = json.loads(open(self.cfg, encoding="utf-8").read())
        for record in cfg["records"]:
            if cfg.get("delay"):
                await asyncio.sleep(cfg["delay"])
            yield ArticleItem(**record)
        if cfg.get("fail_reason"):
            yield scrapy.Request("data:,", callback=self.fail, cb_kwargs={"reason": cfg["fail_reason"]})

    def fail(self, response, reason):
        raise CloseSpider(reason)


if __name__ == "__main__":
    from scrapy.crawler import CrawlerProcess
    cfg = json.loads(open(sys.argv[1], encoding="utf-8").read())
    process = CrawlerProcess(cfg["settings"])
    process.crawl(ExportTestSpider, cfg=sys.argv[1], run_id=cfg["run_id"], run_date=cfg["run_date"])
    process.start()
'''

JSONL_URI = "data/articles/%(run_date)s/%(run_id)s.jsonl"
ATOM = "data/feeds/gbaf.atom.xml"
RSS = "data/feeds/gbaf.rss.xml"
PARQUET = "data/articles/%(run_date)s/%(run_id)s.parquet"


def settings(**overrides):
    """The settings the report asks for in crawler/settings.py, plus test-only overrides."""
    base = {
        "FEED_EXPORTERS": {
            "rss": "crawler.outputs.exporters.RssItemExporter",
            "atom": "crawler.outputs.exporters.AtomItemExporter",
            "parquet": "crawler.outputs.exporters.ParquetItemExporter",
        },
        "FEED_STORAGES": {
            "": "crawler.outputs.storage.AtomicFileFeedStorage",
            "file": "crawler.outputs.storage.AtomicFileFeedStorage",
        },
        "EXTENSIONS": {"crawler.run.lifecycle.RunLifecycle": 500},
        "GBAF_STATE_ENABLED": False,  # outputs and manifest only: no state store here
        "FEEDS": {
            JSONL_URI: {"format": "jsonlines", "overwrite": True},
            ATOM: {"format": "atom", "overwrite": True, "store_empty": False},
            RSS: {"format": "rss", "overwrite": True, "store_empty": False},
        },
        "FEED_EXPORT_ENCODING": "utf-8",
        "FEED_EXPORT_FIELDS": list(ARTICLE_FIELDS),
        "TWISTED_REACTOR": "twisted.internet.asyncioreactor.AsyncioSelectorReactor",
        "TELNETCONSOLE_ENABLED": False,
        "LOG_LEVEL": "INFO",
    }
    base.update(overrides)
    return base


def record(i: int, **overrides) -> dict:
    url = "https://www.globalbankingandfinance.com/article-%d/" % i
    rec = {
        "schema_version": 1,
        "id": hashlib.sha256(url.encode()).hexdigest()[:16],
        "url": url,
        "title": "Article %d" % i,
        "category": "Headlines",
        "tags": ["Banking", "Tag %d" % i],
        "authors": ["John Davison"],
        "source": "Reuters" if i % 2 else None,
        "dateline": "BAGHDAD" if i % 2 else None,
        # Arrival order differs from date order, so sorting is really tested.
        "published_at": "2026-03-%02dT14:05:00+00:00" % (1 + (i * 7) % 28),
        "updated_at": "2026-03-%02dT16:00:00+00:00" % (1 + (i * 7) % 28) if i % 3 else None,
        "summary": "Summary %d" % i if i % 2 else None,
        "body": "Paragraph one of %d.\n\nParagraph two." % i,
        "key_takeaways": ["Takeaway %d" % i],
        "faq": [{"question": "Why %d?" % i, "answer": "Because."}],
        "references": [{"title": "Ref", "url": "https://example.org/ref-%d" % i}],
        "related": [{"title": "Related", "url": "https://www.globalbankingandfinance.com/r/"}],
        "image_url": "https://www.globalbankingandfinance.com/img-%d.jpg" % i if i % 2 else None,
        "reading_time_minutes": 6 if i % 2 else None,
        "word_count": 7,
        "language": "en",
        "truncated": bool(i % 4 == 0),
        "content_hash": hashlib.sha256(b"%d" % i).hexdigest(),
        "version": 1 + i % 2,
        "crawled_at": "2026-03-06T15:00:00+00:00",
        "extraction": {"title": "jsonld", "body": "dom", "summary": "meta"},
    }
    rec.update(overrides)
    return rec


def tricky_record() -> dict:
    return record(99, title=TRICKY_TITLE, body=TRICKY_BODY, summary="Résumé & <i>“x”</i> 中文",
                  tags=["M&A", "<Fintech>", "Zürich"], authors=["Zoë O'Brien", "李明"],
                  published_at="2026-03-30T09:00:00+00:00",
                  updated_at="2026-03-30T10:30:00+00:00")


def crawl(tmp_path: Path, records, run_id: str, *, settings_=None, delay=0.0, wait=True,
          fail_reason=None):
    spider = tmp_path / "export_spider.py"
    spider.write_text(SPIDER, encoding="utf-8")
    cfg = tmp_path / ("cfg-%s.json" % run_id)
    cfg.write_text(json.dumps({"records": records, "delay": delay, "fail_reason": fail_reason,
                               "run_id": run_id,
                               "run_date": RUN_DATE, "settings": settings_ or settings()}),
                   encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, str(spider), str(cfg)], cwd=tmp_path, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if not wait:
        return proc
    try:
        out, err = proc.communicate(timeout=30)
    finally:
        proc.kill()  # no-op once it has exited; never leave a hung crawl behind
    assert proc.returncode == 0, err
    assert "Traceback" not in err, err
    return err


def files_under(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file())


class _Paragraphs(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.paragraphs, self._open = [], False

    def handle_starttag(self, tag, attrs):
        if tag == "p":
            self.paragraphs.append("")
            self._open = True

    def handle_endtag(self, tag):
        self._open = False if tag == "p" else self._open

    def handle_data(self, data):
        if self._open:
            self.paragraphs[-1] += data


def body_from_html(value: str) -> str:
    parser = _Paragraphs()
    parser.feed(value)
    return "\n\n".join(parser.paragraphs)


@pytest.fixture(scope="module")
def full_run(tmp_path_factory):
    """One crawl with every output: JSONL, Atom (cap 5 from the feed options), RSS (cap 4 from
    the setting), Parquet, manifest."""
    tmp = tmp_path_factory.mktemp("run")
    records = [record(i) for i in range(1, 9)] + [tricky_record()]
    feeds = settings()["FEEDS"]
    feeds[ATOM]["item_export_kwargs"] = {"max_entries": 5}
    feeds[PARQUET] = {"format": "parquet", "overwrite": True}
    log = crawl(tmp, records, "20260306T150000Z",
                settings_=settings(FEEDS=feeds, GBAF_FEED_MAX_ENTRIES=4))
    return tmp, records, log


def newest_first(records):
    return sorted(records, key=lambda r: (r["published_at"], r["url"]), reverse=True)


def test_jsonl_lines_are_the_records_in_contract_order(full_run):
    tmp, records, _ = full_run
    lines = (tmp / "data/articles" / RUN_DATE / "20260306T150000Z.jsonl").read_text("utf-8")
    exported = [json.loads(line) for line in lines.splitlines()]
    assert exported == records
    assert all(list(row) == list(ARTICLE_FIELDS) for row in exported)
    # The contract's types and nullability, checked by the Parquet schema...
    pa.Table.from_pylist([dict(r, extraction=list(r["extraction"].items())) for r in exported],
                         schema=PARQUET_SCHEMA)
    # ...and by the project's JSON Schema once it exists.
    for schema_file in sorted((ROOT / "schemas").glob("*.json")):
        jsonschema = pytest.importorskip("jsonschema")
        schema = json.loads(schema_file.read_text("utf-8"))
        for row in exported:
            jsonschema.validate(row, schema)


@pytest.mark.parametrize("fmt,path,cap", [("atom", ATOM, 5), ("rss", RSS, 4)])
def test_feeds_parse_cleanly_capped_newest_first(full_run, fmt, path, cap):
    tmp, records, _ = full_run
    parsed = feedparser.parse((tmp / path).read_bytes())
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    assert parsed.version == {"atom": "atom10", "rss": "rss20"}[fmt]
    assert parsed.feed.title == "Global Banking & Finance Review"
    assert parsed.feed.link == "https://www.globalbankingandfinance.com/"
    expected = newest_first(records)[:cap]
    assert [e.id for e in parsed.entries] == [r["url"] for r in expected]
    # The feed's own date is its newest entry's update.
    assert parsed.feed.updated_parsed == parsed.entries[0].updated_parsed
    for entry, rec in zip(parsed.entries, expected):
        assert entry.link == rec["url"]
        assert entry.title == rec["title"]
        assert time.strftime("%Y-%m-%dT%H:%M:%S+00:00", entry.published_parsed) \
            == rec["published_at"]
        assert time.strftime("%Y-%m-%dT%H:%M:%S+00:00", entry.updated_parsed) \
            == (rec["updated_at"] or rec["published_at"])
        assert [t.term for t in entry.tags] == [rec["category"], *rec["tags"]]
        assert [a.name for a in entry.authors] == rec["authors"]
        assert body_from_html(entry.content[0].value) == rec["body"]


@pytest.mark.parametrize("path", [ATOM, RSS])
def test_tricky_text_round_trips_exactly(full_run, path):
    tmp, _, _ = full_run
    entry = feedparser.parse((tmp / path).read_bytes()).entries[0]
    tricky = tricky_record()
    assert entry.title == TRICKY_TITLE
    assert body_from_html(entry.content[0].value) == TRICKY_BODY
    assert [t.term for t in entry.tags] == ["Headlines", "M&A", "<Fintech>", "Zürich"]
    assert [a.name for a in entry.authors] == ["Zoë O'Brien", "李明"]
    # Atom's summary is text; RSS's description is HTML, hence escaped once more.
    summary = entry.summary if path == ATOM else html.unescape(entry.summary)
    assert summary == tricky["summary"]


def test_parquet_has_contract_types_and_values(full_run):
    tmp, records, _ = full_run
    table = pq.read_table(tmp / "data/articles" / RUN_DATE / "20260306T150000Z.parquet")
    assert table.schema.equals(PARQUET_SCHEMA, check_metadata=False)
    assert table.schema.field("faq").type == pa.list_(
        pa.struct([("question", pa.string()), ("answer", pa.string())]))
    assert table.schema.field("extraction").type == pa.map_(pa.string(), pa.string())
    assert table.schema.field("truncated").type == pa.bool_()
    assert table.schema.field("word_count").type == pa.int64()
    rows = table.to_pylist()
    for row in rows:
        row["extraction"] = dict(row["extraction"])
    assert rows == records


def test_manifest_describes_delivered_files(full_run):
    tmp, records, _ = full_run
    folder = tmp / "data/articles" / RUN_DATE
    manifest = json.loads((folder / "20260306T150000Z.manifest.json").read_text("utf-8"))
    assert manifest["run_id"] == "20260306T150000Z"
    assert manifest["schema_version"] == 1
    assert manifest["finish_reason"] == "finished"
    assert manifest["started_at"] <= manifest["finished_at"]
    assert manifest["records"]["item_scraped_count"] == len(records)
    outputs = {o["path"]: o for o in manifest["outputs"]}
    assert set(outputs) == {
        "data/articles/%s/20260306T150000Z.jsonl" % RUN_DATE,
        "data/articles/%s/20260306T150000Z.parquet" % RUN_DATE, ATOM, RSS}
    for path, output in outputs.items():
        data = (tmp / path).read_bytes()
        assert output["sha256"] == hashlib.sha256(data).hexdigest()
        assert output["size"] == len(data)
    assert outputs[ATOM]["records"] == 5 and outputs[RSS]["records"] == 4
    assert outputs["data/articles/%s/20260306T150000Z.jsonl" % RUN_DATE]["records"] == 9
    assert not [p for p in files_under(tmp / "data") if p.name.endswith(".part")]


def test_killed_crawl_leaves_no_final_file_and_next_run_delivers(tmp_path):
    records = [record(i) for i in range(1, 41)]
    proc = crawl(tmp_path, records, "20260306T160000Z", delay=0.1, wait=False)
    deadline = time.monotonic() + 20
    try:
        # Kill once exports are under way: the partial files exist and items keep coming.
        while not any(p.name.endswith(".part") for p in files_under(tmp_path / "data")
                      if (tmp_path / "data").exists()):
            assert proc.poll() is None, proc.communicate()[1]
            assert time.monotonic() < deadline, "the crawl never started exporting"
            time.sleep(0.05)
        time.sleep(0.3)
        assert proc.poll() is None, "crawl finished before it could be killed"
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.kill()
        proc.communicate()
    leftovers = files_under(tmp_path / "data")
    assert leftovers and all(p.name.startswith(".") and p.name.endswith(".part")
                             for p in leftovers), leftovers

    log = crawl(tmp_path, records, "20260306T170000Z")
    exported = (tmp_path / "data/articles" / RUN_DATE / "20260306T170000Z.jsonl").read_text()
    assert [json.loads(line) for line in exported.splitlines()] == records
    assert len(feedparser.parse((tmp_path / ATOM).read_bytes()).entries) == 40
    assert (tmp_path / "data/articles" / RUN_DATE / "20260306T170000Z.manifest.json").is_file()
    # The dead run's partial files are gone, and nothing of it was ever given a final name.
    assert not [p for p in files_under(tmp_path / "data") if p.name.endswith(".part")]
    assert not (tmp_path / "data/articles" / RUN_DATE / "20260306T160000Z.jsonl").exists()
    assert "Removed stale partial output" in log


def test_unsuccessful_close_delivers_nothing_and_keeps_previous_feed(tmp_path):
    feed = tmp_path / ATOM
    feed.parent.mkdir(parents=True)
    feed.write_bytes(b"previous feed")
    records = [record(i) for i in range(1, 6)]
    log = crawl(tmp_path, records, "20260306T180000Z", fail_reason="site_broken")
    assert "Spider closed (site_broken)" in log
    assert files_under(tmp_path / "data") == [feed]
    assert feed.read_bytes() == b"previous feed"
    assert "Not delivering" in log


def test_non_asyncio_reactor_delivers_with_manifest(tmp_path):
    records = [record(i) for i in range(1, 4)]
    crawl(tmp_path, records, "20260306T190000Z",
          settings_=settings(TWISTED_REACTOR="twisted.internet.selectreactor.SelectReactor"))
    folder = tmp_path / "data/articles" / RUN_DATE
    manifest = json.loads((folder / "20260306T190000Z.manifest.json").read_text("utf-8"))
    assert {o["path"] for o in manifest["outputs"]} == {
        "data/articles/%s/20260306T190000Z.jsonl" % RUN_DATE, ATOM, RSS}
    for output in manifest["outputs"]:
        assert output["sha256"] == hashlib.sha256((tmp_path / output["path"]).read_bytes()
                                                  ).hexdigest()


def test_batches_closed_mid_run_are_delivered_only_at_the_end(tmp_path):
    records = [record(i) for i in range(1, 6)]
    feeds = {"data/batches/%(batch_id)d.jsonl": {"format": "jsonlines", "batch_item_count": 2}}
    log = crawl(tmp_path, records, "20260306T200000Z", settings_=settings(FEEDS=feeds))
    delivered = [json.loads(line) for n in (1, 2, 3)
                 for line in (tmp_path / ("data/batches/%d.jsonl" % n)).read_text().splitlines()]
    assert delivered == records
    # Batch 1 was closed after two items, yet renamed into place only once the run ended well,
    # after the manifest that names every batch was written.
    assert log.index("Stored jsonlines feed (2 items) in: data/batches/1.jsonl") \
        < log.index("Closing spider (finished)") < log.index("Wrote run manifest")
    assert [p.name for p in files_under(tmp_path / "data/batches")] == ["1.jsonl", "2.jsonl", "3.jsonl"]
    manifest = json.loads((tmp_path / "data/articles" / RUN_DATE / "20260306T200000Z.manifest.json").read_text())
    assert [(o["path"], o["records"]) for o in manifest["outputs"]] == [
        ("data/batches/1.jsonl", 2), ("data/batches/2.jsonl", 2), ("data/batches/3.jsonl", 1)]


def test_storage_without_crawler_appends_and_delivers_at_once(tmp_path):
    path = tmp_path / "out.jsonl"
    path.write_bytes(b"first\n")
    storage = AtomicFileFeedStorage(str(path), feed_options={"overwrite": False})
    f = storage.open(spider=None)
    f.write(b"second\n")
    assert path.read_bytes() == b"first\n"  # nothing visible before store()
    assert storage.store(f) is None
    assert path.read_bytes() == b"first\nsecond\n"
    assert os.listdir(tmp_path) == ["out.jsonl"]


def test_stale_parts_of_live_processes_or_newer_are_kept(tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True).stdout.strip()
    old_dead = tmp_path / (".x.jsonl.%s.1.part" % dead)
    old_live = tmp_path / (".x.jsonl.%d.1.part" % os.getppid())
    new_dead = tmp_path / (".y.jsonl.%s.abc_12.part" % dead)
    not_ours = tmp_path / "notes.part"
    for p in (old_dead, old_live, not_ours):
        p.write_text("x")
        os.utime(p, (1000, 1000))
    new_dead.write_text("x")
    assert remove_stale_parts(tmp_path, older_than=time.time() - 60) == [old_dead]
    assert sorted(os.listdir(tmp_path)) == sorted(p.name for p in (old_live, new_dead, not_ours))


def test_a_whole_file_is_replaced_whole_or_not_at_all(tmp_path):
    """atomic_path, which every whole file the crawler writes goes through (feeds, manifests, run
    reports, the run history, a paused crawl's frontier, merges, snapshots)."""
    target = tmp_path / "sub" / "report.json"
    write_atomically(target, '{"old": true}')
    assert target.read_text() == '{"old": true}' and oct(target.stat().st_mode & 0o777) == "0o644"
    with pytest.raises(OSError):  # the disk fills half-way through the new file
        with atomic_path(target) as tmp:
            tmp.write_text('{"new": ')
            assert tmp.parent == target.parent and tmp.name.startswith(".report.json.")
            raise OSError(28, "No space left on device")
    assert target.read_text() == '{"old": true}'
    assert os.listdir(target.parent) == ["report.json"]  # no temporary file left behind
    # A process killed before the rename leaves a part that the next run's clean-up knows as its own.
    dead = int(subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                              capture_output=True, text=True).stdout)
    with atomic_path(target) as tmp:
        left = tmp.with_name(tmp.name.replace(f".{os.getpid()}.", f".{dead}."))
        left.write_text("half")
        os.utime(left, (1000, 1000))
        tmp.write_text('{"new": true}')
    assert target.read_text() == '{"new": true}'
    assert remove_stale_parts(target.parent, older_than=time.time()) == [left]


def test_command_line_output_option(tmp_path):
    """`-o feed.xml:atom` works like any Scrapy feed once FEED_EXPORTERS names the format."""
    spider = tmp_path / "export_spider.py"
    spider.write_text(SPIDER, encoding="utf-8")
    cfg = tmp_path / "cfg.json"
    cfg.write_text(json.dumps({"records": [record(1), tricky_record()]}), encoding="utf-8")
    cmd = [sys.executable, "-m", "scrapy", "runspider", str(spider), "-a", "cfg=%s" % cfg,
           "-o", "feed.xml:atom", "-o", "feed.rss:rss",
           "-s", "FEED_EXPORTERS=" + json.dumps(settings()["FEED_EXPORTERS"]),
           "-s", "FEED_STORAGES=" + json.dumps(settings()["FEED_STORAGES"])]
    result = subprocess.run(cmd, cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(ROOT)},
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    for name in ("feed.xml", "feed.rss"):
        parsed = feedparser.parse((tmp_path / name).read_bytes())
        assert parsed.bozo == 0
        assert [e.title for e in parsed.entries] == [TRICKY_TITLE, "Article 1"]


def test_write_feed_caps_sorts_and_replaces_atomically(tmp_path):
    records = [record(i) for i in range(1, 121)]
    path = tmp_path / "feeds" / "gbaf.atom.xml"
    path.parent.mkdir()
    path.write_bytes(b"old")
    assert write_feed(records, path, "atom", 100, {"self_url": "https://example.org/a.xml"}) \
        == 100
    parsed = feedparser.parse(path.read_bytes())
    assert parsed.bozo == 0
    assert [e.id for e in parsed.entries] == [r["url"] for r in newest_first(records)[:100]]
    assert parsed.feed.id == "https://example.org/a.xml"
    assert os.listdir(path.parent) == ["gbaf.atom.xml"]
    # Same records, same bytes: the feed's date comes from its entries, not the clock.
    before = path.read_bytes()
    write_feed(list(reversed(records)), path, "atom", 100,
               {"self_url": "https://example.org/a.xml"})
    assert path.read_bytes() == before


def test_write_feed_failure_keeps_old_file(tmp_path):
    path = tmp_path / "gbaf.rss.xml"
    path.write_bytes(b"old")
    with pytest.raises(ValueError):
        write_feed([record(1)], path, "rdf", 10, None)
    with pytest.raises(KeyError):
        write_feed([{"published_at": "2026-03-01T00:00:00+00:00"}], path, "rss", 10, None)
    assert path.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["gbaf.rss.xml"]


def test_control_characters_do_not_break_the_feed():
    data = build_feed([record(1, title="Bad\x0bchar\x00 title")], "rss")
    parsed = feedparser.parse(data)
    assert parsed.bozo == 0
    assert parsed.entries[0].title == "Badchar title"


def test_a_record_that_does_not_fit_the_parquet_schema_is_left_out_alone(tmp_path, caplog):
    """The batch is the check: a bad record costs only itself, counted and logged with its URL."""
    from scrapy.statscollectors import MemoryStatsCollector
    from scrapy.utils.test import get_crawler

    from crawler.outputs.exporters import ParquetItemExporter

    stats = MemoryStatsCollector(get_crawler())
    good = [record(i) for i in range(5)]
    bad = record(9, word_count="many")  # ArrowInvalid / ArrowTypeError
    huge = record(10, reading_time_minutes=10 ** 20)  # OverflowError, in the last batch
    path = tmp_path / "out.parquet"
    with path.open("wb") as f:
        exporter = ParquetItemExporter(f, batch_size=4, stats=stats)
        exporter.start_exporting()
        for item in [good[0], good[1], bad, good[2], good[3], huge, good[4]]:
            exporter.export_item(item)
        exporter.finish_exporting()
    rows = pq.read_table(path).to_pylist()  # a complete file: its footer was written
    assert [r["url"] for r in rows] == [r["url"] for r in good]
    assert exporter.exported_count == 5
    assert sum(v for k, v in stats.get_stats().items() if k.startswith("parquet_exporter/record_rejected/")) == 2
    errors = [r.getMessage() for r in caplog.records if r.levelname == "ERROR"]
    assert any(bad["url"] in m for m in errors) and any(huge["url"] in m for m in errors)
