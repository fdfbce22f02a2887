"""WARC writing on a live crawl of the replica, and re-extraction of that archive without the site.

One small replica (40 articles) is crawled with GBAF_WARC_DIR on and a small GBAF_WARC_MAX_SIZE;
the files are read back with warcio, as any WARC tool would. A second, incremental crawl finds
unchanged payloads and writes revisit records. The archive of the first crawl is then re-extracted
(`scrapy crawl gbaf_warc`) into a fresh state store, and again into that store.
"""
import json
import subprocess
import sys
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from tests.conftest import ROOT, crawl_command, newest_run_records, run_crawl

MAX_SIZE = 300_000


def read_warc(path):
    with open(path, "rb") as f:
        for record in ArchiveIterator(f):
            body = record.content_stream().read() if record.rec_type == "response" else b""
            yield record.rec_type, dict(record.rec_headers.headers), record.http_headers, body


def reextract(base_url, data_dir, warc, *args):
    cmd = crawl_command(base_url, data_dir, f"warc={warc}", *args)
    cmd[cmd.index("gbaf")] = "gbaf_warc"
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=300)
    reports = sorted(Path(data_dir, "articles").glob("*/*.report.json"), key=lambda p: p.stat().st_mtime)
    return proc, json.loads(reports[-1].read_text()) if reports else {}


@pytest.fixture(scope="module")
def archived(replica_factory_module, tmp_path_factory):
    replica = replica_factory_module("--articles", 40, "--seed", 3)
    data = tmp_path_factory.mktemp("warc-crawl")
    warc_dir = data / "warc"
    settings = {"GBAF_WARC_DIR": str(warc_dir), "GBAF_WARC_MAX_SIZE": str(MAX_SIZE)}
    first = run_crawl(replica.url, data, settings=settings)
    assert first.returncode == 0, first.log[-3000:]
    first_files = sorted(warc_dir.glob("*.warc.gz"))
    first_records = newest_run_records(data)
    second = run_crawl(replica.url, data, settings=settings)  # incremental: the cheap sources again
    assert second.returncode == 0, second.log[-3000:]
    second_files = sorted(set(warc_dir.glob("*.warc.gz")) - set(first_files))
    return {"url": replica.url, "data": data, "dir": warc_dir, "first": first, "files": first_files,
            "records": first_records, "second_files": second_files}


@pytest.fixture(scope="module")
def replica_factory_module():
    from tests.conftest import Replica

    started = []

    def start(*args):
        started.append(Replica(*args))
        return started[-1]

    yield start
    for r in started:
        r.stop()


def test_every_response_is_archived_with_its_request(archived):
    responses, requests = {}, {}
    for path in archived["files"]:
        for rec_type, headers, http, _body in read_warc(path):
            if rec_type == "response":
                responses[headers["WARC-Record-ID"]] = headers["WARC-Target-URI"]
                assert headers["WARC-Payload-Digest"].startswith("sha1:")
            elif rec_type == "request":
                requests[headers["WARC-Concurrent-To"]] = (headers["WARC-Target-URI"], http.protocol)
    # Every response the crawl received is there, each with the request that asked for it.
    assert len(responses) == archived["first"].report["pages"]["responses"]
    assert requests.keys() == responses.keys()
    assert all(requests[rid][0] == uri for rid, uri in responses.items())
    fetched = set(responses.values())
    base = archived["url"]
    for record in archived["records"]:
        assert record["url"].replace("https://www.globalbankingandfinance.com", base) in fetched


def test_files_rotate_by_size_and_are_delivered(archived):
    files = archived["files"]
    assert len(files) >= 2, "a crawl larger than GBAF_WARC_MAX_SIZE is split"
    for path in files[:-1]:
        assert MAX_SIZE <= path.stat().st_size < MAX_SIZE + 2 * 1024 * 1024
    assert [p.name.rsplit("-", 1)[1] for p in files] == [f"{i:05d}.warc.gz" for i in range(len(files))]
    assert not list(archived["dir"].glob(".*.open")), "no file left under its temporary name"
    for path in files:  # each begins with its warcinfo record, naming it
        rec_type, headers, _http, _body = next(read_warc(path))
        assert rec_type == "warcinfo" and headers["WARC-Filename"] == path.name


def test_unchanged_payloads_are_revisit_records(archived):
    digests = {}
    for path in archived["files"]:
        for rec_type, headers, _http, _body in read_warc(path):
            if rec_type == "response":
                digests.setdefault(headers["WARC-Payload-Digest"], headers["WARC-Target-URI"])
    kinds, statuses = Counter(), Counter()
    for path in archived["second_files"]:
        for rec_type, headers, http, _body in read_warc(path):
            kinds[rec_type] += 1
            if rec_type == "revisit":
                assert headers["WARC-Profile"].endswith("identical-payload-digest")
                assert digests[headers["WARC-Payload-Digest"]] == headers["WARC-Refers-To-Target-URI"]
            elif rec_type == "response":
                statuses[http.get_statuscode()] += 1
    # The unchanged site a second time: robots.txt (fetched whole) is a revisit of the first capture;
    # the feed and the sitemaps are asked conditionally and answer 304, recorded as they came.
    assert kinds["revisit"] >= 1, kinds
    assert set(statuses) == {"304"} and statuses["304"] >= 2, (kinds, statuses)


def test_rendered_pages_are_recorded_as_the_parser_saw_them(archived):
    stats_rendered = archived["first"].log.count("'render/pages': ")
    rendered = [(headers, http, body) for path in archived["files"]
                for rec_type, headers, http, body in read_warc(path)
                if rec_type == "response" and http.get_header("GBAF-Rendered")]
    if not stats_rendered:
        pytest.skip("no page was rendered (Chromium missing)")
    assert rendered
    for _headers, http, body in rendered:
        assert http.get_header("Content-Encoding") is None
        assert int(http.get_header("Content-Length")) == len(body)
        assert b"</html>" in body.lower()


def test_reextraction_gives_the_live_records(archived, tmp_path):
    proc, report = reextract(archived["url"], tmp_path, archived["dir"] / "GBAF-*.warc.gz", "workers=2")
    assert proc.returncode == 0, proc.stderr[-3000:]
    live = {r["url"]: r for r in archived["records"]}
    again = {r["url"]: r for r in newest_run_records(tmp_path)}
    assert again.keys() == live.keys()
    for url, record in live.items():
        assert {k: v for k, v in again[url].items() if k != "crawled_at"} == \
               {k: v for k, v in record.items() if k != "crawled_at"}, url
    assert report["pages"]["requests"] == 0, "nothing was fetched"
    # A second re-extraction of the same archive into that store: nothing changed, nothing exported.
    proc, report = reextract(archived["url"], tmp_path, str(archived["dir"]), "workers=1")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert newest_run_records(tmp_path) == []
    assert report["records"]["exported"] == 0
    assert report["records"]["dropped"]["unchanged"] == len(live)
    # A later capture of one article with another paragraph: that article alone, as version 2.
    changed = tmp_path / "later.warc.gz"
    url = write_changed_capture(archived["files"], archived["records"], archived["url"], changed)
    proc, report = reextract(archived["url"], tmp_path, f"{archived['dir']}/*.warc.gz,{changed}", "workers=1")
    assert proc.returncode == 0, proc.stderr[-3000:]
    [record] = newest_run_records(tmp_path)
    assert record["url"] == url and record["version"] == 2
    assert "A sentence the later capture added." in record["body"]
    assert report["records"]["changed"] == 1


@pytest.mark.parametrize("form", ["plain", "one_gzip_stream"])
def test_reextraction_with_workers_of_any_warc_file(archived, tmp_path, form):
    """An uncompressed WARC (its workers read each capture at its offset) and a WARC gzipped as one
    stream (no record at an offset of its own: the spider reads it and hands the captures over)
    give the live records too."""
    import gzip
    import zlib

    from crawler.archive.reader import index_latest, positions
    from crawler.urls import SiteUrls

    raw = b""
    for path in archived["files"]:
        data = Path(path).read_bytes()
        while data:  # one gzip member per record: inflate them all, in order
            inflater = zlib.decompressobj(31)
            raw += inflater.decompress(data)
            data = inflater.unused_data
    out = tmp_path / ("all.warc" if form == "plain" else "all.warc.gz")
    out.write_bytes(raw if form == "plain" else gzip.compress(raw))
    index = index_latest([str(out)], SiteUrls(archived["url"]).site_article)
    assert index and positions([str(out)], index)[1] == ({0} if form == "plain" else set())
    proc, _report = reextract(archived["url"], tmp_path / "data", out, "workers=2")
    assert proc.returncode == 0, proc.stderr[-3000:]
    live = {r["url"]: {k: v for k, v in r.items() if k != "crawled_at"} for r in archived["records"]}
    again = {r["url"]: {k: v for k, v in r.items() if k != "crawled_at"} for r in newest_run_records(tmp_path / "data")}
    assert again == live


def write_changed_capture(files, records, base_url, out):
    """A copy of an archived article page with a sentence added to its body, captured an hour later."""
    import io

    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    by_url = {r["url"].replace("https://www.globalbankingandfinance.com", base_url): r for r in records}
    for path in files:
        for rec_type, headers, http, body in read_warc(path):
            record = by_url.get(headers.get("WARC-Target-URI"))
            if rec_type != "response" or record is None or http.get_header("GBAF-Rendered"):
                continue
            longest = max(record["body"].split("\n\n"), key=len)
            start = body.find(b"<p>" + longest[:30].encode())  # its longest paragraph, in the page
            end = body.find(b"</p>", start)
            if record["extraction"].get("body") != "dom" or start < 0 or end < 0:
                continue
            body = body[:end] + b" A sentence the later capture added." + body[end:]
            # An hour after the original capture: later, but not in the future (a capture date past
            # tomorrow is no date, like any date of the record).
            taken = datetime.fromisoformat(headers["WARC-Date"].replace("Z", "+00:00"))
            date = (taken + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
            kept = [(k, v) for k, v in http.headers if k.lower() not in ("content-length", "content-encoding")]
            with open(out, "wb") as f:
                writer = WARCWriter(f, gzip=True)
                writer.write_record(writer.create_warc_record(
                    headers["WARC-Target-URI"], "response", payload=io.BytesIO(body), length=len(body),
                    http_headers=StatusAndHeaders("200 OK", kept, protocol="HTTP/1.1"),
                    warc_headers_dict={"WARC-Date": date}))
            return record["url"]
    raise AssertionError("no article page of the archive to change")


def _fetched(i):
    """Request and response of a page the way the downloader hands them over."""
    from scrapy.http import HtmlResponse, Request

    url = f"https://www.globalbankingandfinance.com/a-{i}/"
    return Request(url), HtmlResponse(url, body=f"<html><p>page {i}</p>{'x' * 3000}</html>".encode(), status=200)


def _warc_middleware(directory, **settings):
    from scrapy.statscollectors import MemoryStatsCollector
    from scrapy.utils.test import get_crawler

    from crawler.archive import writer as warc

    crawler = get_crawler(settings_dict={"GBAF_WARC_DIR": str(directory), **settings})
    crawler.stats = MemoryStatsCollector(crawler)
    return crawler, warc.WarcWriterMiddleware.from_crawler(crawler)


def _responses_in(path):
    return [headers["WARC-Target-URI"] for rec_type, headers, _http, _body in read_warc(path)
            if rec_type == "response"]


def test_a_full_disk_loses_one_record_counted_and_the_writing_goes_on(tmp_path):
    """A write that the disk cuts off half way is undone (the file never holds half a record,
    which would make every record after it unreadable), counted and logged; the records after it
    are written, in the order they came, and the file is closed for delivery."""
    import errno

    from crawler.archive.warcfiles import WarcFiles
    from crawler.archive.writer import _capture

    class HalfFull:
        """The file on a disk that fills up during the next write: half of it lands, then ENOSPC."""

        def __init__(self, f):
            self.f, self.full = f, True

        def write(self, data):
            if self.full:
                self.full = False
                self.f.write(bytes(data[: len(data) // 2]))
                raise OSError(errno.ENOSPC, "No space left on device")
            return self.f.write(data)

        def __getattr__(self, name):
            return getattr(self.f, name)

    events = []
    files = WarcFiles(tmp_path, 10 ** 9, 6, events.append, prefix="GBAF-test")
    pages = [_fetched(i) for i in range(5)]
    files.write_counted(_capture(*pages[0]))
    files.fh = HalfFull(files.fh)
    for page in pages[1:]:
        files.write_counted(_capture(*page))
    files.close_file()
    files.release()
    counts = {k: v for kind, *rest in events if kind == "stats" for k, v in rest[0].items()}
    assert counts["archive/warc/failed/OSError"] == 1 and counts["archive/warc/records"] == 8
    assert [e for e in events if e[0] == "log"][0][2].startswith("WARC record not written (")
    (_, temp, final), = [e for e in events if e[0] == "closed"]
    assert _responses_in(temp) == [pages[0][1].url] + [r.url for _, r in pages[2:]], \
        "the one lost, the rest in the order they came"


def test_a_crawl_that_exits_without_closing_leaves_its_captures_written(tmp_path):
    """A forced shutdown (Ctrl-C twice) ends the process without spider_closed: the process exits,
    and what it had sent to its writer is in the file it leaves for the next run's salvage."""
    script = ("import sys; from tests.test_warc import _warc_middleware, _fetched\n"
              "crawler, mw = _warc_middleware(sys.argv[1])\n"
              "for i in range(3):\n    mw.process_response(*_fetched(i))\n")
    proc = subprocess.run([sys.executable, "-c", script, str(tmp_path)], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    (left,) = tmp_path.glob(".*.open")
    assert _responses_in(left) == [_fetched(i)[1].url for i in range(3)]


def test_two_writers_share_a_folder_and_its_digest_index(tmp_path):
    """Two crawls (or a crawl and a backfill) may write WARC to one folder at once: each one's
    records are written, none waits on the other's run, and a payload the other archived is a
    full record until the other's file is delivered (a revisit may only refer to a record that is
    there)."""
    import time

    from crawler.archive.warcfiles import WarcFiles
    from crawler.archive.writer import _capture

    events = []
    one = WarcFiles(tmp_path, 10 ** 9, 6, events.append, prefix="GBAF-one")
    two = WarcFiles(tmp_path, 10 ** 9, 6, events.append, prefix="GBAF-two")
    started = time.monotonic()
    for i in range(4):
        one.write_counted(_capture(*_fetched(i)))
        two.write_counted(_capture(*_fetched(i)))
    assert time.monotonic() - started < 4, "neither waited for the other's lock"
    for files in (one, two):
        files.close_file()
        files.release()
    counts = Counter()
    for kind, *rest in events:
        if kind == "stats":
            counts.update(rest[0])
    assert not [k for k in counts if "failed" in k] and counts["archive/warc/records"] == 16
    assert "archive/warc/revisits" not in counts
    for name in ("GBAF-one", "GBAF-two"):
        (temp,) = tmp_path.glob(f".{name}-*.open")
        assert _responses_in(temp) == [_fetched(i)[1].url for i in range(4)]


def test_the_writer_process_archives_in_order_and_its_death_loses_no_later_capture(tmp_path):
    """The writer runs in a process of its own. Its files are delivered when the spider closes;
    killed mid-run, it is counted and said, the crawl's thread writes what comes after into files
    of its own, and the dead writer's file (what it wrote of the captures before) is left for the
    next run's salvage, which delivers it readable."""
    import os
    import signal
    import time

    crawler, mw = _warc_middleware(tmp_path)
    pages = [_fetched(i) for i in range(6)]
    for request, response in pages[:3]:
        assert mw.process_response(request, response) is response
    deadline = time.monotonic() + 20
    while crawler.stats.get_value("archive/warc/records") != 6 and time.monotonic() < deadline:
        time.sleep(0.02)
        mw._take_events()
    assert crawler.stats.get_value("archive/warc/records") == 6, "written by the writer process"
    os.kill(mw.process.pid, signal.SIGKILL)
    mw.process.join(10)
    for request, response in pages[3:]:
        mw.process_response(request, response)
    mw.spider_closed(None, "finished")
    mw.engine_stopped()
    assert crawler.stats.get_value("archive/warc/failed/writer_gone") == 1
    assert crawler.stats.get_value("archive/warc/records") == 12
    delivered = list(tmp_path.glob("*.warc.gz"))
    assert [p.name for p in delivered] == ["GBAF-inproc-00000.warc.gz"]
    assert _responses_in(delivered[0]) == [r.url for _, r in pages[3:]]
    (left,) = tmp_path.glob(".*.open")
    _crawler2, mw2 = _warc_middleware(tmp_path)  # the next run: the dead writer's file salvaged
    mw2.spider_closed(None, "finished")
    mw2.engine_stopped()
    assert not left.exists() and _responses_in(tmp_path / "GBAF-00000.warc.gz") == [r.url for _, r in pages[:3]]


def test_captures_in_the_pipe_of_a_writer_that_dies_are_written_by_the_crawl(tmp_path):
    """The writer dies with captures still in its pipe (sent, not yet read): the crawl's thread
    writes them, in order, before the ones that come after, and counts them; none is lost. The
    captures it had confirmed written are not written again."""
    import os
    import signal
    import time

    crawler, mw = _warc_middleware(tmp_path)
    pages = [_fetched(i) for i in range(6)]
    for request, response in pages[:2]:
        mw.process_response(request, response)
    deadline = time.monotonic() + 20
    while crawler.stats.get_value("archive/warc/records") != 4 and time.monotonic() < deadline:
        time.sleep(0.02)
        mw._take_events()
    assert crawler.stats.get_value("archive/warc/records") == 4, "written by the writer process"
    os.kill(mw.process.pid, signal.SIGSTOP)  # it reads nothing more: the next three stay in its pipe
    for request, response in pages[2:5]:
        mw.process_response(request, response)
    os.kill(mw.process.pid, signal.SIGKILL)
    mw.process.join(10)
    mw.process_response(*pages[5])
    mw.spider_closed(None, "finished")
    mw.engine_stopped()
    assert crawler.stats.get_value("archive/warc/failed/writer_gone") == 1
    assert crawler.stats.get_value("archive/warc/rewritten") == 3
    assert crawler.stats.get_value("archive/warc/records") == 12
    (delivered,) = tmp_path.glob("*.warc.gz")
    assert _responses_in(delivered) == [r.url for _, r in pages[2:]]
    (left,) = tmp_path.glob(".*.open")
    assert _responses_in(left) == [r.url for _, r in pages[:2]]


def test_a_killed_runs_file_is_cut_at_its_last_whole_record_and_delivered_next_run(archived, tmp_path):
    """A run killed before its end leaves its WARC file under the temporary name, its last record
    possibly cut off. The next run cuts the file after its last whole record, delivers it under its
    final name, and keeps the digest index true: every digest it holds names a record that is in
    its file, so no revisit refers to a capture that was lost."""
    import gzip
    import sqlite3

    warc_dir = tmp_path / "warc"
    settings = {"GBAF_WARC_DIR": str(warc_dir)}
    killed = run_crawl(archived["url"], tmp_path / "data", settings=settings, env={"GBAF_CRASH_AT": "closing"})
    assert killed.returncode == 137, killed.log[-3000:]
    left = list(warc_dir.glob(".*.warc.gz.open"))
    assert len(left) == 1 and not list(warc_dir.glob("*.warc.gz"))
    whole = left[0].stat().st_size
    cut_member = gzip.compress(b"WARC/1.1\r\nWARC-Type: response\r\n" + b"x" * 5000)
    with open(left[0], "ab") as f:  # the last record as a kill leaves it: half written
        f.write(cut_member[: len(cut_member) // 2])

    again = run_crawl(archived["url"], tmp_path / "data", settings=settings)
    assert again.returncode == 0, again.log[-3000:]
    assert not list(warc_dir.glob(".*.open"))
    salvaged = warc_dir / left[0].name[1:-len(".open")]
    assert salvaged.stat().st_size <= whole
    assert "'archive/warc/salvage/files': 1" in again.log
    records = list(read_warc(salvaged))  # warcio reads it to the end: whole records only
    assert records[0][0] == "warcinfo" and sum(r[0] == "response" for r in records) > 10
    in_files = {}
    for path in warc_dir.glob("*.warc.gz"):
        for rec_type, headers, _http, _body in read_warc(path):
            if rec_type == "response":
                in_files.setdefault((path.name, headers["WARC-Payload-Digest"]), headers["WARC-Target-URI"])
    db = sqlite3.connect(warc_dir / "digests.sqlite")
    rows = db.execute("SELECT digest, uri, filename FROM digests").fetchall()
    db.close()
    assert rows and all(in_files.get((name, digest)) == uri for digest, uri, name in rows)


def test_a_live_writers_file_is_left_alone(tmp_path):
    """Two crawls may share a WARC folder: a file whose writer is alive (it holds the lock) is
    neither cut nor renamed by the other's salvage."""
    import gzip

    from scrapy.statscollectors import MemoryStatsCollector
    from scrapy.utils.test import get_crawler

    from crawler.archive.salvage import open_locked, salvage, temp_name
    from crawler.archive.digests import DigestIndex

    temp = temp_name(tmp_path / "GBAF-live-00000.warc.gz")
    fh = open_locked(temp)
    fh.write(gzip.compress(b"WARC/1.1\r\n") + b"\x1f\x8b half a member")
    fh.flush()
    size = temp.stat().st_size
    index = DigestIndex(tmp_path / "digests.sqlite")
    stats = MemoryStatsCollector(get_crawler())
    assert salvage(tmp_path, index, stats) == [] and temp.stat().st_size == size
    fh.close()  # the writer is gone: now it is salvaged
    assert salvage(tmp_path, index, stats) == [tmp_path / "GBAF-live-00000.warc.gz"]
    assert not temp.exists() and (tmp_path / "GBAF-live-00000.warc.gz").stat().st_size < size
    index.close()


def test_a_run_not_delivered_keeps_its_captures(archived, tmp_path):
    """A run whose outputs failed (a full disk on its feed) is not delivered and exports its records
    again next run; what it fetched is still true, so its WARC file is renamed into place."""
    warc_dir = tmp_path / "warc"
    failed = run_crawl(archived["url"], tmp_path / "data", settings={"GBAF_WARC_DIR": str(warc_dir)},
                       env={"GBAF_ENOSPC_AT": "1"})
    assert failed.returncode != 0 and "not delivered" in failed.log, failed.log[-3000:]
    assert not list(warc_dir.glob(".*.open"))
    files = list(warc_dir.glob("*.warc.gz"))
    assert len(files) == 1
    assert sum(r[0] == "response" for r in read_warc(files[0])) >= 40
