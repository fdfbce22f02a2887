"""Where the time and memory go: `python -m bench.profile` (the findings are in bench/PROFILE.md).

    python -m bench.profile [--articles 1000] [--pages 300] [--parts parser,pipelines,crawl,imports]

  parser     cProfile of the spider's per-page work (ArticlePage, the rendering check,
             not_article_reason, record, related_fetch_urls) over replica article pages: the
             functions of crawler/ by own time, and the page's stages in ms per page (no profiler)
  pipelines  each item pipeline (and the ItemAdapter/JSON work inside) in ms per record, on the
             records of those pages, without a profiler; and the memory the dedupe state keeps
  crawl      py-spy (sampling only the thread holding the GIL) over a whole `scrapy crawl gbaf` of
             a replica served by bench.server; samples grouped by component, as ms of CPU per
             response; cProfile (`scrapy crawl --profile`) when py-spy is not installed
  reextract  py-spy over `scrapy crawl gbaf_warc -a workers=1` of the WARC files of --warc (a
             `python -m bench.archive --work DIR` keeps them in DIR/on/warc, and the replica's
             base URL in DIR/section1.json): the spider process's samples grouped by
             REEXTRACT_COMPONENTS, as ms of CPU per record
  imports    the RSS the crawler's imports take before it fetches anything
"""
from __future__ import annotations

import argparse
import cProfile
import gc
import io
import json
import pstats
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from bench.measure import ROOT

# (component, frame needle): a sample belongs to the first component whose needle is in its stack.
CRAWL_COMPONENTS = [
    ("start-up (imports, settings, spider, store)", "_find_and_load"),
    ("spider close (feeds, manifest, state commit, monitors)", "spider_closed"),
    ("parse: lxml tree (ArticlePage._parse)", "ArticlePage._parse"),
    ("parse: precompute (ArticlePage._precompute)", "ArticlePage._precompute"),
    ("parse: rendering check (Renderer.article_request)", "Renderer.article_request"),
    ("parse: not_article_reason", "ArticlePage.not_article_reason"),
    ("parse: record()", "ArticlePage.record"),
    ("parse: related_fetch_urls", "ArticlePage.related_fetch_urls"),
    ("parse: html_text (decode)", "html_text"),
    ("listings: listing_facts", "listing_facts"),
    # The spider's callbacks live in crawler/crawl/ (mixins of GbafSpider: their frames are named
    # CheapSources.parse_cheap, ListingPages.parse_listing, ArticlePages.parse_article, ...).
    ("spider: related/listing links to requests (to_fetch, _wanted_article)", "crawler/crawl/"),
    ("pipeline: normalize", "NormalizePipeline.process_item"),
    ("pipeline: validate (jsonschema, ItemAdapter.asdict)", "ValidatePipeline.process_item"),
    ("pipeline: dedupe (MinHash, LSH)", "DedupePipeline.process_item"),
    ("pipeline: versions (json.dumps, state staging)", "VersionPipeline.process_item"),
    ("feed exporters (jsonl, parquet, rss, atom)", "FeedExporter.item_scraped"),
    ("run report (coverage)", "RunReport.item_scraped"),
    ("item dropped: log line with the whole item", "LogFormatter.dropped"),
    ("logging", "logging/__init__"),
    ("scheduler: enqueue, dupefilter fingerprint", "Scheduler.enqueue_request"),
    ("spider middlewares on requests (referer, depth, offsite)", "spidermiddlewares"),
    ("engine: schedule requests", "ExecutionEngine.crawl"),
    ("downloader: HTTP, decompression, middlewares", "scrapy/core/downloader"),
    ("manifest, state store, feed storage", "crawler/outputs/manifest.py"),
    # Scrapy's own per-response machinery, once the work above is taken out of it:
    ("Scrapy: spider output (CONCURRENT_ITEMS tasks per response)", "Scraper.handle_spider_output_async"),
    ("Scrapy: per-item task machinery (_parallel_asyncio)", "_parallel_asyncio"),
    ("Scrapy: calling the callback through the spider middlewares", "SpiderMiddlewareManager.scrape_response_async"),
    ("asyncio event loop itself", "BaseEventLoop"),
]


def _py_spy(cmd, data, rate):
    """Run cmd under py-spy (raw stacks of the main thread at `rate` Hz) into data/spy.txt."""
    raw = data / "spy.txt"
    # Not --gil: lxml and zlib release the GIL while they work, and that is the crawl's time too.
    full = ["py-spy", "record", "-r", str(rate), "-f", "raw", "-o", str(raw), "--", *cmd]
    proc = subprocess.run(full, cwd=ROOT, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr[-2000:])
    return raw


# --- parser ------------------------------------------------------------------------------------------
def profile_parser(docs, top=25):
    from crawler.article import ArticlePage
    from crawler.fetch.render import Renderer

    def work():
        for html, url in docs:
            page = ArticlePage(html, url)
            Renderer.article_need(page, url)
            if page.not_article_reason() is None:
                page.record()
                page.related_fetch_urls()

    work()  # warm caches, as a crawl's later pages find them
    stages = stage_times(docs)
    prof = cProfile.Profile()
    prof.enable()
    work()
    prof.disable()
    out = io.StringIO()
    stats = pstats.Stats(prof, stream=out)
    stats.sort_stats("tottime").print_stats(r"crawler/|lxml|urllib|w3lib|re\.py|json", top)
    stats.sort_stats("cumulative").print_stats(r"crawler/(article|render|structured|text|urls)\.py", top)
    return stages, out.getvalue()


def stage_times(docs):
    """ms per page of each stage of the spider's work, without a profiler."""
    from crawler.article import ArticlePage
    from crawler.fetch.render import Renderer

    totals = Counter()
    for html, url in docs:
        t0 = time.perf_counter()
        page = ArticlePage(html, url)
        t1 = time.perf_counter()
        Renderer.article_need(page, url)
        t2 = time.perf_counter()
        reason = page.not_article_reason()
        t3 = time.perf_counter()
        if reason is None:
            page.record()
        t4 = time.perf_counter()
        page.related_fetch_urls()
        t5 = time.perf_counter()
        totals.update({"ArticlePage() (parse + precompute)": t1 - t0, "rendering check": t2 - t1,
                       "not_article_reason()": t3 - t2, "record()": t4 - t3, "related_fetch_urls()": t5 - t4})
    parse = Counter()
    for html, url in docs:
        t0 = time.perf_counter()
        ArticlePage._parse(html)
        parse["of which the lxml tree"] += time.perf_counter() - t0
    totals.update(parse)
    return {k: v * 1000 / len(docs) for k, v in totals.items()}


# --- pipelines ----------------------------------------------------------------------------------------
def profile_pipelines(docs):
    from itemadapter import ItemAdapter
    from scrapy.exceptions import DropItem
    from scrapy.utils.test import get_crawler

    from crawler.article import ArticlePage
    from crawler.items import ArticleItem
    from pipelines.dedupe import DedupePipeline, minhash
    from pipelines.normalize import NormalizePipeline
    from pipelines.validate import ValidatePipeline, load_validator, problems

    records = [ArticlePage(h, u).record() for h, u in docs]
    crawler = get_crawler(settings_dict={"GBAF_STATE_ENABLED": False})
    stats = crawler.stats
    out = {}

    def timed(name, fn):
        gc.collect()
        t0 = time.perf_counter()
        for r in records:
            try:
                fn(r)
            except DropItem:
                pass
        out[name] = (time.perf_counter() - t0) * 1000 / len(records)

    normalize = NormalizePipeline(stats)
    timed("normalize: process_item", lambda r: normalize.process_item(ArticleItem(r)))
    validator = load_validator()
    validate = ValidatePipeline(stats, validator)
    timed("validate: process_item", lambda r: validate.process_item(ArticleItem(r)))
    timed("  of which ItemAdapter(item).asdict()", lambda r: ItemAdapter(ArticleItem(r)).asdict())
    timed("  of which jsonschema iter_errors", lambda r: problems(validator, r))
    timed("  dict(item) instead of asdict()", lambda r: dict(ArticleItem(r)))
    dedupe = DedupePipeline(crawler, 0.8)
    timed("dedupe: process_item", lambda r: dedupe.process_item(ArticleItem(r)))
    timed("  of which minhash()", lambda r: minhash(f"{r['title']} {r['body']}"))
    timed("versions: json.dumps(ItemAdapter.asdict())",
          lambda r: json.dumps(ItemAdapter(ArticleItem(r)).asdict(), ensure_ascii=False))
    timed("versions: json.dumps(dict(item))", lambda r: json.dumps(dict(ArticleItem(r)), ensure_ascii=False))
    memory = dedupe_memory(records)
    return out, memory


def dedupe_memory(records):
    """Bytes the dedupe state keeps per record (tracemalloc over a fresh pipeline)."""
    import tracemalloc

    from scrapy.utils.test import get_crawler

    from crawler.items import ArticleItem
    from pipelines.dedupe import DedupePipeline

    crawler = get_crawler(settings_dict={"GBAF_STATE_ENABLED": False})
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    dedupe = DedupePipeline(crawler, 0.8)
    for r in records:
        try:
            dedupe.process_item(ArticleItem(r))
        except Exception:  # noqa: BLE001 - a duplicate is dropped: fine here
            pass
    gc.collect()
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    return (after - before) / len(records)


# --- a whole crawl ---------------------------------------------------------------------------------------
def profile_crawl(articles, rate=250):
    from bench import crawl as crawls
    from bench.measure import Server

    server = Server(articles)
    data = Path(tempfile.mkdtemp(prefix="gbaf-profile-"))
    try:
        cmd = crawls.gbaf_command(server.url, data)
        if shutil.which("py-spy"):
            raw = _py_spy(cmd, data, rate)
            report = crawls.latest_report(data)
            return group_samples(raw.read_text().splitlines(), report, rate), "py-spy, main thread"
        prof = data / "crawl.prof"
        crawls.gbaf(server, data, profile=prof)
        out = io.StringIO()
        pstats.Stats(str(prof), stream=out).sort_stats("cumulative").print_stats(60)
        return out.getvalue(), "cProfile"
    finally:
        server.stop()
        shutil.rmtree(data, ignore_errors=True)


def group_samples(lines, report, rate, components=CRAWL_COMPONENTS, per=None):
    """Samples of the main thread (Playwright's and asyncio's helper threads only wait), less those
    waiting in epoll, grouped by CRAWL_COMPONENTS."""
    counts, leaves, total, idle = Counter(), Counter(), 0, 0
    for line in lines:
        stack, _, n = line.rpartition(" ")
        if not n.isdigit() or "_run_module_as_main" not in stack:
            continue
        n = int(n)
        leaf = stack.rsplit(";", 1)[-1]
        if "selectors.py" in leaf or "epoll" in leaf:
            idle += n
            continue
        total += n
        for name, needle in components:
            if needle in stack:
                counts[name] += n
                break
        else:
            name = "no Python frame (garbage collector, C code)" if not stack.strip() else "other"
            counts[name] += n
            if stack.strip():
                leaves[stack.split(";")[-1].strip()] += n
    unit, responses = per or ("response", report.get("pages", {}).get("responses", 0) or 1)
    seconds = total / rate
    rows = [f"{seconds:.1f} s of the main thread busy ({idle / rate:.1f} s waiting in epoll) over "
            f"{report.get('pages', {}).get('responses', 0)} responses, "
            f"{report.get('records', {}).get('exported', 0)} records: {seconds * 1000 / responses:.2f} ms per {unit}",
            f"{'component':<72}{'share':>7}{'ms/' + unit:>13}"]
    for name, n in counts.most_common():
        rows.append(f"{name:<72}{n / total:>7.1%}{n / rate * 1000 / responses:>13.2f}")
    rows.append("\nlargest leaves of 'other':")
    for leaf, n in leaves.most_common(15):
        rows.append(f"  {n / total:6.1%}  {leaf}")
    return "\n".join(rows)


# --- a re-extraction from WARC ---------------------------------------------------------------------------
# Where the one process of `gbaf_warc -a workers=1` spends a record: first match wins, so the parts
# of a stage come before the stage.
REEXTRACT_COMPONENTS = [
    ("start-up (imports, settings, spider, store)", "_find_and_load"),
    ("WARC: first pass, index of the latest captures (reader.index_latest)", "index_latest"),
    ("spider close: feeds (RSS/Atom build, Parquet footer)", "FeedExporter.close_spider"),
    ("spider close: state commit", "commit_run"),
    ("spider close: other (manifest, report, monitors)", "spider_closed"),
    ("WARC: reading the chosen captures (reader.iter_captures, fastwarc)", "iter_captures"),
    ("capture to Scrapy response (extract.capture_response)", "capture_response"),
    ("parse: decode (html_text, strip_control_chars)", "html_text"),
    ("parse: decode (html_text, strip_control_chars)", "strip_control_chars"),
    ("parse: ArticlePage (tree, precompute)", "article_page"),
    ("parse: not_article_reason", "not_article_reason"),
    ("parse: record()", "ArticlePage.record"),
    ("parse: related_fetch_urls", "related_fetch_urls"),
    ("parse: in worker form (extract.parse_capture)", "parse_capture"),
    ("pipeline: normalize", "NormalizePipeline.process_item"),
    ("pipeline: validate", "ValidatePipeline.process_item"),
    ("pipeline: dedupe: minhash", "minhash"),
    ("pipeline: dedupe: index (SQLite, LSH)", "DedupePipeline.process_item"),
    ("state store: staged batch written", "RunState.flush"),
    ("pipeline: versions (json.dumps, staging)", "VersionPipeline.process_item"),
    ("exporter: JSON Lines", "JsonLinesItemExporter.export_item"),
    ("exporter: Parquet", "ParquetItemExporter"),
    ("exporter: RSS / Atom (buffer)", "_FeedItemExporter.export_item"),
    ("exporter: Scrapy's feed slot (item filter, counts)", "FeedExporter.item_scraped"),
    ("run report (coverage)", "RunReport.item_scraped"),
    ("spider: the rest of parse_article (stats, aliases, item)", "parse_article"),
    ("Scrapy: the item path (scraper, pipelines manager, signals)", "scrapy/core/scraper"),
    ("Scrapy: the engine, start requests", "scrapy/core/engine"),
    ("logging", "logging/__init__"),
    ("asyncio event loop itself", "BaseEventLoop"),
]


def profile_reextract(work, rate=250, workers=1):
    """py-spy over a re-extraction of the WARC kept in WORK/on/warc by `bench.archive --work WORK`."""
    from bench import crawl as crawls

    work = Path(work)
    base_url = json.loads((work / "section1.json").read_text())["base_url"]
    data = Path(tempfile.mkdtemp(prefix="gbaf-profile-warc-"))
    try:
        cmd = crawls.gbaf_command(base_url, data, {"GBAF_LATEST_FEEDS": "{}"},
                                  [f"warc={work / 'on' / 'warc'}/*.warc.gz", f"workers={workers}"])
        cmd[cmd.index("gbaf")] = "gbaf_warc"
        raw = _py_spy(cmd, data, rate)
        report = crawls.latest_report(data)
        records = report.get("records", {}).get("exported", 0) or 1
        shutil.copy(raw, work / f"reextract-{workers}.spy.txt")  # for a closer look at the stacks
        return group_samples(raw.read_text().splitlines(), report, rate, REEXTRACT_COMPONENTS,
                             per=("record", records))
    finally:
        shutil.rmtree(data, ignore_errors=True)


# --- imports ---------------------------------------------------------------------------------------------------
IMPORTS = ["scrapy", "scrapy.crawler", "twisted.internet.asyncioreactor", "lxml.etree", "crawler.article",
           "trafilatura", "jsonschema", "datasketch", "pyarrow", "feedgen.feed", "spidermon",
           "scrapy_playwright.handler", "dateparser", "crawler.settings", "spiders.gbaf", "pipelines.dedupe",
           "pipelines.validate", "crawler.outputs.exporters", "crawler.run.monitors", "crawler.fetch.render", "scrapy_redis"]


def profile_imports():
    """RSS after each import, in the order a crawl meets them (one fresh interpreter)."""
    code = ("import json,sys,importlib\n"
            "def rss():\n"
            "    for l in open('/proc/self/status'):\n"
            "        if l.startswith('VmRSS:'): return int(l.split()[1])\n"
            "out=[('python', rss())]\n"
            f"for m in {IMPORTS!r}:\n"
            "    try: importlib.import_module(m)\n"
            "    except Exception as e: out.append((m+' (failed: '+type(e).__name__+')', rss())); continue\n"
            "    out.append((m, rss()))\n"
            "print(json.dumps(out))\n")
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    steps = json.loads(proc.stdout.strip().splitlines()[-1])
    rows, prev = [], 0
    for name, kib in steps:
        rows.append(f"{name:<36}{kib / 1024:>8.0f} MiB  (+{(kib - prev) / 1024:.0f})")
        prev = kib
    return "\n".join(rows)


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python -m bench.profile", description=__doc__.splitlines()[0])
    ap.add_argument("--articles", type=int, default=1000, help="replica size of the profiled crawl")
    ap.add_argument("--pages", type=int, default=300, help="article pages of the parser and pipeline profiles")
    ap.add_argument("--parts", default="parser,pipelines,crawl,imports")
    ap.add_argument("--warc", help="reextract: a `bench.archive --work` folder (its on/warc, section1.json)")
    ap.add_argument("--workers", type=int, default=1, help="reextract: processes of the profiled re-extraction")
    args = ap.parse_args(argv)
    parts = set(args.parts.split(","))
    from bench.extraction import pages

    docs = pages(max(args.articles, args.pages), args.pages) if parts & {"parser", "pipelines"} else []
    if "parser" in parts:
        stages, text = profile_parser(docs)
        print(f"## parser: the spider's per-page work, {len(docs)} pages, ms per page (no profiler)")
        for name, ms in stages.items():
            print(f"  {name:<40}{ms:7.2f}")
        print("\n## parser: cProfile (own time, then cumulative)\n" + text)
    if "pipelines" in parts:
        times, per_record = profile_pipelines(docs)
        print(f"## pipelines: ms per record ({len(docs)} records, no profiler)")
        for name, ms in times.items():
            print(f"  {name:<48}{ms:7.3f}")
        print(f"  dedupe state kept per record: {per_record / 1024:.1f} KiB\n")
    if "crawl" in parts:
        text, how = profile_crawl(args.articles)
        print(f"## crawl: scrapy crawl gbaf of {args.articles} articles ({how})\n{text}\n")
    if "reextract" in parts:
        if not args.warc:
            ap.error("reextract needs --warc DIR (a `python -m bench.archive --work DIR` folder)")
        text = profile_reextract(args.warc, workers=args.workers)
        print(f"## reextract: scrapy crawl gbaf_warc -a workers={args.workers} (py-spy, the spider's main thread)\n"
              f"{text}\n")
    if "imports" in parts:
        print("## imports: RSS of a fresh interpreter after each import\n" + profile_imports())
    return 0


if __name__ == "__main__":
    sys.exit(main())
