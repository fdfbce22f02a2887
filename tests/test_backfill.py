"""Backfill from CC-NEWS and from CDX indexes (Common Crawl, Wayback Machine), against a local
HTTP server that serves a `warc.paths` listing, CC-NEWS-like WARC files, CDX API answers and the
captures (WARC ranges, raw archived pages). Nothing here reaches the internet."""
import gzip
import io
import json
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from crawler.archive import backfill
from crawler.state import SqliteStateStore
from tests.conftest import FAST, ROOT

PAGES = Path(__file__).parent / "fixtures" / "pages"
GBAF = ["gbaf-afp-two-h1", "gbaf-inline-labels", "gbaf-wordpress-era", "gbaf-cut-off"]
OTHERS = ["cnbc-like", "reuters-like", "wordpress-publisher"]


def page(name):
    meta = json.loads((PAGES / f"{name}.json").read_text())
    return meta["url"], (PAGES / f"{name}.html").read_bytes(), meta.get("record") or {}


def warc_file(entries):
    """A gzipped WARC of (url, html) response records, and each record's (offset, length)."""
    buf, spans = io.BytesIO(), []
    writer = WARCWriter(buf, gzip=True)
    for url, html in entries:
        start = buf.tell()
        http = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
        writer.write_record(writer.create_warc_record(url, "response", payload=io.BytesIO(html),
                                                      length=len(html), http_headers=http))
        spans.append((start, buf.tell() - start))
    return buf.getvalue(), spans


class Archive(BaseHTTPRequestHandler):
    routes = {}  # path -> (status, content type, body); set per server
    log = []

    def do_GET(self):
        parts = urlsplit(self.path)
        self.log.append(unquote(self.path))
        query = parse_qs(parts.query)
        key = parts.path
        if key in ("/cc-index", "/ia-cdx"):
            pages = self.routes[key]
            number = int(query.get("page", ["0"])[0])
            if number >= 1:  # the end of the index: pywb answers 400, the Wayback an empty page
                return self._send(400 if key == "/cc-index" else 200, "text/plain", b"")
            return self._send(200, "text/plain", pages)
        if key.startswith("/web/"):  # /web/<timestamp>id_/<url>: the page as archived
            original = unquote(key.split("id_/", 1)[1])
            status, ctype, body = self.routes.get(("wb", original), (404, "text/plain", b"not archived"))
            return self._send(status, ctype, body)
        status, ctype, body = self.routes.get(key, (404, "text/plain", b"not found"))
        ranged = self.headers.get("Range")
        if ranged and status == 200:
            start, end = (int(x) for x in ranged.split("=")[1].split("-"))
            return self._send(206, ctype, body[start:end + 1])
        return self._send(status, ctype, body)

    def _send(self, status, ctype, body):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def server(monkeypatch):
    import cdx_toolkit.myrequests

    # cdx-toolkit waits 3 s between requests to a host it does not know: not for 127.0.0.1.
    monkeypatch.setitem(cdx_toolkit.myrequests.retry_info, "default",
                        {"next_fetch": 0, "minimum_interval": 0.0})
    Archive.routes, Archive.log = {}, []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Archive)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd, f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def read_records(path):
    with open(path, "rb") as f:
        return [(r.rec_headers.get_header("WARC-Target-URI"), r.content_stream().read())
                for r in ArchiveIterator(f) if r.rec_type == "response"]


def reextract(out_dir, data_dir, with_log=False):
    data_dir.mkdir(parents=True, exist_ok=True)
    feeds = json.dumps({str(data_dir / "%(run_id)s.jsonl"): {"format": "jsonlines"}})
    cmd = ["python", "-m", "scrapy", "crawl", "gbaf_warc", "-a", f"warc={out_dir}", "-a", "workers=1",
           "-s", f"GBAF_DATA_DIR={data_dir}", "-s", f"GBAF_STATE_URL={data_dir / 'state.sqlite'}",
           "-s", f"FEEDS={feeds}", "-s", "GBAF_LATEST_FEEDS={}", *sum((["-s", f"{k}={v}"] for k, v in FAST.items()), [])]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stderr[-3000:]
    records = [json.loads(line) for p in data_dir.glob("*.jsonl") for line in p.read_text().splitlines()]
    return (records, proc.stderr) if with_log else records


def test_ccnews_keeps_the_gbaf_host_and_reextracts_it(server, tmp_path):
    _httpd, base = server
    first, _ = warc_file([page(n)[:2] for n in (OTHERS[0], GBAF[0], OTHERS[1], GBAF[1])])
    second, _ = warc_file([page(n)[:2] for n in (GBAF[2], OTHERS[2])])
    names = ["crawl-data/CC-NEWS/2026/11/CC-NEWS-20261101000000-00001.warc.gz",
             "crawl-data/CC-NEWS/2026/11/CC-NEWS-20261102000000-00002.warc.gz"]
    Archive.routes.update({
        "/crawl-data/CC-NEWS/2026/11/warc.paths.gz": (200, "application/gzip", gzip.compress("\n".join(names).encode())),
        f"/{names[0]}": (200, "application/octet-stream", first),
        f"/{names[1]}": (200, "application/octet-stream", second),
    })
    out = tmp_path / "ccnews"
    assert backfill.main(["ccnews", str(out), "--month", "2026-11", "--data-prefix", base, "--delay", "0"]) == 0
    kept = [url for path in sorted(out.glob("*.warc.gz")) for url, _ in read_records(path)]
    assert sorted(kept) == sorted(page(n)[0] for n in GBAF[:3]), "only the GBAF host's records are kept"
    assert not list(out.glob(".*.open"))
    # A second backfill of the month resumes: the files done are not fetched again.
    Archive.log.clear()
    assert backfill.main(["ccnews", str(out), "--month", "2026-11", "--data-prefix", base, "--delay", "0"]) == 0
    assert not [p for p in Archive.log if p.endswith(".warc.gz")]

    records = reextract(out, tmp_path / "data")
    expected = {n: page(n)[2] for n in GBAF[:3]}
    assert sorted(r["title"] for r in records) == sorted(e["title"] for e in expected.values())
    assert all(r["url"].startswith("https://www.globalbankingandfinance.com/") for r in records)


def cc_index_lines(entries, filename):
    lines = []
    for (url, status, mime, timestamp), (offset, length) in entries:
        lines.append(json.dumps({"urlkey": url, "timestamp": timestamp, "url": url, "mime": mime,
                                 "status": status, "filename": filename, "offset": str(offset),
                                 "length": str(length)}))
    return "\n".join(lines).encode()


def test_common_crawl_cdx_fetches_only_what_the_store_does_not_know(server, tmp_path):
    _httpd, base = server
    urls = [page(n) for n in GBAF]
    data, spans = warc_file([(u, html) for u, html, _ in urls])
    filename = "crawl-data/CC-MAIN-2026-40/segments/1/warc/CC-MAIN-1.warc.gz"
    index = [((urls[0][0], "200", "text/html", "20260101000000"), spans[0]),
             ((urls[1][0], "200", "text/html", "20260102000000"), spans[1]),
             ((urls[2][0], "404", "text/html", "20260103000000"), spans[2]),  # not a page to take
             ((urls[3][0], "200", "text/html", "20260104000000"), spans[3])]
    Archive.routes.update({"/cc-index": cc_index_lines(index, filename),
                           f"/{filename}": (200, "application/octet-stream", data)})
    state = tmp_path / "state.sqlite"
    store = SqliteStateStore(state)  # the store knows the first article already
    known = backfill.SiteUrls().site_article(urls[0][0])
    store.begin_run("r1")
    store.stage("r1", [("article", "a1", {"url": known, "content_hash": "x", "version": 1})])
    store.commit_run("r1")
    store.close()
    out = tmp_path / "cc"
    assert backfill.main(["cdx", str(out), "--source", "cc", "--cdx-url", f"{base}/cc-index",
                          "--data-prefix", base, "--delay", "0", "-s", f"GBAF_STATE_URL={state}"]) == 0
    [path] = out.glob("*.warc.gz")
    fetched = {url: body for url, body in read_records(path)}
    assert set(fetched) == {urls[1][0], urls[3][0]}
    assert fetched[urls[1][0]] == urls[1][1], "the capture's page, byte for byte"
    ranges = [p for p in Archive.log if p.startswith(f"/{filename}")]
    assert len(ranges) == 2, "neither the known article nor the 404 capture was fetched"


def test_wayback_cdx_fetches_raw_captures_with_a_limit(server, tmp_path):
    _httpd, base = server
    urls = [page(n) for n in GBAF]
    rows = [["urlkey", "timestamp", "original", "mimetype", "statuscode", "digest", "length"]]
    for i, (url, html, _) in enumerate(urls):
        rows.append([url, f"2015010{i + 1}000000", url, "text/html", "200", "D", str(len(html))])
        Archive.routes[("wb", url)] = (200, "text/html; charset=utf-8", html)
    rows.append([urls[0][0], "20140101000000", urls[0][0], "text/html", "200", "D", "1"])  # older: not taken
    Archive.routes["/ia-cdx"] = json.dumps(rows).encode()
    out = tmp_path / "ia"
    assert backfill.main(["cdx", str(out), "--source", "ia", "--cdx-url", f"{base}/ia-cdx", "--wayback-url",
                          f"{base}/web", "--limit", "3", "--delay", "0",
                          "-s", f"GBAF_STATE_URL={tmp_path / 'none.sqlite'}"]) == 0
    [path] = out.glob("*.warc.gz")
    fetched = dict(read_records(path))
    assert len(fetched) == 3, "--limit bounds the captures fetched"
    assert all(fetched[u] == html for u, html, _ in urls if u in fetched)
    assert not [p for p in Archive.log if p.startswith("/web/20140101")], "only the latest capture of a URL"
    with open(path, "rb") as f:
        dates = [r.rec_headers.get_header("WARC-Date") for r in ArchiveIterator(f) if r.rec_type == "response"]
    assert all(d.startswith("2015-01-0") for d in dates), "dated when the Wayback Machine archived the page"


def test_bad_archive_input_is_counted_not_fatal(tmp_path):
    """A PDF at an article URL, a 404 capture, a capture of another host and a file cut off in the
    middle of a record: the good page gives its record, the rest is counted."""
    url, html, expected = page(GBAF[1])
    pdf_url = page(GBAF[2])[0]
    buf = io.BytesIO()
    writer = WARCWriter(buf, gzip=True)
    for target, status, ctype, body in ((url, "200 OK", "text/html", html),
                                        (pdf_url, "200 OK", "application/pdf", b"%PDF-1.4 binary"),
                                        (page(GBAF[3])[0], "404 Not Found", "text/html", b"<html>gone</html>"),
                                        (page(OTHERS[0])[0], "200 OK", "text/html", page(OTHERS[0])[1])):
        http = StatusAndHeaders(status, [("Content-Type", ctype)], protocol="HTTP/1.1")
        writer.write_record(writer.create_warc_record(target, "response", payload=io.BytesIO(body),
                                                      length=len(body), http_headers=http))
    archive = tmp_path / "archive"
    archive.mkdir()
    (archive / "good.warc.gz").write_bytes(buf.getvalue())
    (archive / "cut.warc.gz").write_bytes(buf.getvalue()[: len(buf.getvalue()) // 3])
    data = tmp_path / "data"
    records, log = reextract(archive, data, with_log=True)
    assert [r["title"] for r in records] == [expected["title"]]
    assert "'gbaf/pages/not_html': 1" in log  # the PDF (its latest capture)
    assert "'archive/files/truncated': 1" in log and "cut.warc.gz ends inside a record" in log
    assert "'archive/records/skipped/http_404'" in log
    assert "'archive/records/skipped/not_wanted'" in log  # the other host
