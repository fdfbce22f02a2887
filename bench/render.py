"""Benchmark: what rendering costs (`python -m bench.render`).

1. Per page: the same article pages of the replica, fetched by Scrapy with the crawl's own settings
   (a) as static HTML, (b) rendered in Chromium through scrapy-playwright, (c) rendered and waiting
   for a script-filled "More from" block (the replica fills it after a 400 ms timer). Wall time per
   page (after one warm-up page, so the browser launch is not in it) and peak memory of Scrapy plus
   its Chromium (and Playwright driver) processes.
2. A whole crawl (`scrapy crawl gbaf`, GBAF_RENDER=auto) of a replica where 10% of the article
   pages need rendering (`--js-share 0.1`, plus the "Load more" listing) against the same replica
   with none: wall time, peak memory, pages rendered, records.

Memory is the proportional set size (PSS: pages shared between Chromium's processes counted once)
summed over the crawl's process tree, sampled every 50 ms; RSS would count shared pages in every
process. Times are wall clock on this machine: with other work running they vary, so each
measurement is repeated (`--repeat`) and the median shown.

    python -m bench.render [--articles 300] [--pages 48] [--concurrency 8] [--repeat 3] [--share 0.1]
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHILD_FLAG = "--_child"


# --- the process tree's memory -------------------------------------------------------------------
def _children_map():
    children = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as f:
                stat = f.read().decode("utf-8", "replace")
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(ppid, []).append(int(entry))
    return children


def _pss_kib(pid):
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    try:
        with open(f"/proc/{pid}/statm") as f:
            return int(f.read().split()[1]) * (os.sysconf("SC_PAGE_SIZE") // 1024)
    except OSError:
        return 0


class TreeMemory(threading.Thread):
    """Peak PSS of a process and its descendants: total, and the root (Scrapy) alone."""

    def __init__(self, pid, interval=0.05):
        super().__init__(daemon=True)
        self.pid, self.interval = pid, interval
        self.peak_total = self.peak_root = self.peak_browser = 0
        self._halt = threading.Event()

    def run(self):
        while not self._halt.is_set():
            children = _children_map()
            tree, todo = [], [self.pid]
            while todo:
                pid = todo.pop()
                tree.append(pid)
                todo.extend(children.get(pid, ()))
            root = _pss_kib(self.pid)
            others = sum(_pss_kib(p) for p in tree[1:])
            self.peak_root = max(self.peak_root, root)
            self.peak_browser = max(self.peak_browser, others)
            self.peak_total = max(self.peak_total, root + others)
            self._halt.wait(self.interval)

    def stop(self):
        self._halt.set()
        self.join()


def _run_measured(cmd, env=None, timeout=1800):
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, **(env or {})})
    mem = TreeMemory(proc.pid)
    mem.start()
    started = time.monotonic()
    out, err = proc.communicate(timeout=timeout)
    elapsed = time.monotonic() - started
    mem.stop()
    return proc.returncode, out, err, elapsed, mem


# --- the replica -----------------------------------------------------------------------------------
class Replica:
    def __init__(self, *args):
        self.proc = subprocess.Popen([sys.executable, "-m", "replica", "--port", "0", *map(str, args)], cwd=ROOT,
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        line = self.proc.stdout.readline()
        if " at http" not in line:
            self.stop()
            raise RuntimeError(f"replica did not start: {line!r}")
        self.url = line.rsplit(" at ", 1)[1].strip().rstrip("/")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)


# --- part 1, in a child process: N pages static, rendered, rendered with the wait ----------------------
def _child(mode, url_file, concurrency):
    import scrapy
    from scrapy import signals
    from scrapy.crawler import CrawlerProcess
    from scrapy.utils.project import get_project_settings
    from scrapy_playwright.page import PageMethod

    from crawler.fetch.render import JS_RELATED_FILLED, wait_until

    urls = json.loads(Path(url_file).read_text())
    timing = {}

    class PagesSpider(scrapy.Spider):
        name = "bench_pages"

        def _request(self, url, **kw):
            meta = {}
            if mode != "static":
                meta["playwright"] = True
            if mode == "rendered+wait":
                meta["playwright_page_methods"] = [PageMethod(wait_until, JS_RELATED_FILLED, 10000)]
            return scrapy.Request(url, meta=meta, dont_filter=True, **kw)

        async def start(self):
            yield self._request(urls[0], callback=self.warmed)

        def warmed(self, response):
            timing["start"] = time.monotonic()
            timing["done"] = 0
            for url in urls[1:]:
                yield self._request(url, callback=self.page)

        def page(self, response):
            timing["done"] += 1
            timing["bytes"] = timing.get("bytes", 0) + len(response.body)
            timing["end"] = time.monotonic()

    settings = get_project_settings()
    settings.setdict({
        "GBAF_RENDER": "auto", "GBAF_BASE_URL": "/".join(urls[0].split("/", 3)[:3]),
        "LOG_LEVEL": "WARNING", "ROBOTSTXT_OBEY": False, "DOWNLOAD_DELAY": 0,
        "AUTOTHROTTLE_ENABLED": False, "CONCURRENT_REQUESTS": concurrency,
        "CONCURRENT_REQUESTS_PER_DOMAIN": concurrency, "GBAF_RENDER_MAX_PAGES": concurrency,
        "ITEM_PIPELINES": {}, "FEEDS": {}, "EXTENSIONS": {}, "SPIDERMON_ENABLED": False,
        "TELNETCONSOLE_ENABLED": False, "LOGSTATS_INTERVAL": 0,
    }, priority="cmdline")
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(PagesSpider)
    stats = {}
    def keep_stats(spider):
        stats.update(crawler.stats.get_stats())

    crawler.signals.connect(keep_stats, signal=signals.spider_closed)  # weakly referenced: keep_stats stays alive here
    process.crawl(crawler)
    process.start()
    pages = timing.get("done", 0)
    print(json.dumps({"pages": pages, "seconds": timing.get("end", 0) - timing.get("start", 0),
                      "rendered": stats.get("playwright/page_count", 0),
                      "aborted": stats.get("playwright/request_count/aborted", 0),
                      "bytes": timing.get("bytes", 0)}))


def per_page(replica, site, args):
    from replica.site import Stub  # noqa: F401 - the replica's model, for choosing pages

    static_pages = [s.path for s in site.stubs_newest_first() if not site.related_by_script(s)]
    scripted = [s.path for s in site.stubs_newest_first() if site.related_by_script(s)]
    rows = []
    for mode, paths in (("static", static_pages), ("rendered", static_pages), ("rendered+wait", scripted)):
        urls = [replica.url + p for p in paths[:args.pages + 1]]
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
            json.dump(urls, f)
        runs = []
        for _ in range(args.repeat):
            rc, out, err, elapsed, mem = _run_measured(
                [sys.executable, "-m", "bench.render", CHILD_FLAG, mode, f.name, str(args.concurrency)])
            if rc != 0 or not out.strip():
                raise RuntimeError(f"{mode} run failed: {err[-2000:]}")
            result = json.loads(out.strip().splitlines()[-1])
            if result["pages"] != len(urls) - 1:
                raise RuntimeError(f"{mode}: {result['pages']} of {len(urls) - 1} pages: {err[-2000:]}")
            if result["rendered"] != (0 if mode == "static" else len(urls)):
                raise RuntimeError(f"{mode}: {result['rendered']} of {len(urls)} pages rendered: {err[-2000:]}")
            runs.append((result["seconds"] / result["pages"], mem.peak_total, mem.peak_root, mem.peak_browser,
                         elapsed))
        os.unlink(f.name)
        rows.append((mode, len(urls) - 1, *[statistics.median(x) for x in zip(*runs)]))
    return rows


# --- part 2: whole crawls ---------------------------------------------------------------------------
FAST = {"DOWNLOAD_DELAY": "0", "AUTOTHROTTLE_ENABLED": "0", "CONCURRENT_REQUESTS_PER_DOMAIN": "16",
        "LOG_LEVEL": "INFO", "LOGSTATS_INTERVAL": "0"}


def crawl(base_url, settings):
    data = Path(tempfile.mkdtemp(prefix="bench-render-"))
    try:
        s = {**FAST, "GBAF_BASE_URL": base_url, "GBAF_DATA_DIR": str(data), "GBAF_STATE_URL": str(data / "state.sqlite"),
             "FEEDS": json.dumps({str(data / "articles" / "%(run_date)s" / "%(run_id)s.jsonl"): {"format": "jsonlines"}}),
             "GBAF_LATEST_FEEDS": json.dumps({}), **settings}
        cmd = [sys.executable, "-m", "scrapy", "crawl", "gbaf"]
        for key, value in s.items():
            cmd += ["-s", f"{key}={value}"]
        rc, _out, log, elapsed, mem = _run_measured(cmd)
        dump = log[log.rfind("Dumping Scrapy stats"):]
        stats = {k: int(v) for k, v in re.findall(r"'([a-z_]+/[^']+|item_scraped_count)': (\d+)", dump)}
        if rc != 0:
            raise RuntimeError(f"crawl failed ({rc}): {log[-3000:]}")
        return elapsed, mem, stats
    finally:
        shutil.rmtree(data, ignore_errors=True)


def whole_crawls(args):
    from replica import Site

    rows = []
    for share in (0.0, args.share):
        extra = ("--js-share", share) if share else ()
        site = Site(articles=args.articles, seed=1, js_share=share)
        replica = Replica("--articles", args.articles, "--seed", 1, *extra)
        try:
            runs = []
            for _ in range(args.repeat):
                elapsed, mem, stats = crawl(replica.url, {"GBAF_RENDER": "auto"})
                runs.append((elapsed, mem.peak_total, mem.peak_root, mem.peak_browser, stats))
        finally:
            replica.stop()
        pages = runs[0][4].get("downloader/response_count", 0)
        rows.append((share, len(site.script_filled_paths()), runs[0][4].get("render/pages", 0), pages,
                     runs[0][4].get("item_scraped_count", 0), len(site.expected_records()),
                     *[statistics.median(x[i] for x in runs) for i in range(4)]))
    return rows


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == CHILD_FLAG:
        _child(argv[1], argv[2], int(argv[3]))
        return 0
    parser = argparse.ArgumentParser(prog="python -m bench.render", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=300)
    parser.add_argument("--pages", type=int, default=24, help="pages per per-page measurement")
    parser.add_argument("--concurrency", type=int, default=4, help="pages at once (Scrapy and browser)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--share", type=float, default=0.1, help="share of article pages that need rendering")
    parser.add_argument("--skip-crawls", action="store_true")
    args = parser.parse_args(argv)

    from crawler.fetch.render import unavailable_reason
    from scrapy.utils.project import get_project_settings
    from replica import Site
    why = unavailable_reason(get_project_settings())
    if why:
        print(f"cannot benchmark rendering: {why}", file=sys.stderr)
        return 2
    mib = lambda kib: f"{kib / 1024:.0f} MiB"  # noqa: E731
    print(f"machine: {os.cpu_count()} CPU(s), load average {os.getloadavg()[0]:.2f} at start; "
          f"medians of {args.repeat} run(s); memory: peak PSS, 'browser' = Chromium + the Playwright driver")

    site = Site(articles=args.articles, seed=1, js_share=args.share)
    replica = Replica("--articles", args.articles, "--seed", 1, "--js-share", args.share)
    try:
        rows = per_page(replica, site, args)
    finally:
        replica.stop()
    print(f"\n1. Per page ({args.pages} article pages, {args.concurrency} at a time, after one warm-up page)")
    print(f"{'mode':<15}{'pages':>6}{'wall/page':>11}{'peak total':>12}{'Scrapy':>9}{'browser':>10}{'run':>8}")
    static = rows[0][2]
    for mode, n, per, total, root, browser, elapsed in rows:
        ratio = f" ({per / static:.0f}x static)" if mode != "static" and static else ""
        print(f"{mode:<15}{n:>6}{per * 1000:>9.0f}ms{mib(total):>12}{mib(root):>9}{mib(browser):>10}{elapsed:>7.1f}s{ratio}")

    if not args.skip_crawls:
        rows = whole_crawls(args)
        print(f"\n2. Whole crawl of a {args.articles}-article replica (scrapy crawl gbaf, GBAF_RENDER=auto)")
        print(f"{'needs rendering':<17}{'rendered':>9}{'responses':>10}{'records':>9}{'wall':>8}{'peak total':>12}"
              f"{'Scrapy':>9}{'browser':>10}")
        for share, need, rendered, pages, records, expected, elapsed, total, root, browser in rows:
            label = f"{share:.0%} ({need} pages)"
            print(f"{label:<17}{rendered:>9}{pages:>10}{records:>5}/{expected:<3}{elapsed:>7.1f}s{mib(total):>12}"
                  f"{mib(root):>9}{mib(browser):>10}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
