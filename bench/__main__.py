"""The benchmark suite: `python -m bench` (or `make bench`).

    python -m bench [--articles 5000] [--memory-articles 20000] [--extract-pages 500]
                    [--concurrent-items 100,1] [--jobdir both|off|on] [--sections 1,2,3,4]
                    [--out bench/results.md] [--quick]

Prints one table, every figure of it measured in this run, side by side with its baseline, and
writes it to --out with the machine, the versions and the details:
  1. extraction: ms per page of our parser (every contract field) vs trafilatura.bare_extraction
     vs lxml parsing alone, on the same replica article pages;
  2. full crawl: `scrapy crawl gbaf` (every pipeline and exporter) of an --articles replica against
     the fetch-only spider requesting exactly the same targets, at each CONCURRENT_ITEMS value;
     articles/s, pages/s, wall time, CPU, peak RSS, and the server's CPU;
  3. memory: peak RSS of a --memory-articles crawl, RSS at 25/50/75/100 % of it, with and
     without a JOBDIR (disk queues);
  4. incremental: a second run over the unchanged replica and one over the replica a step later
     (5 new articles, 3 updated), requests made vs the minimum; and the output of
     `python -m bench.render` and `python -m bench.distributed` where they exist.
The replica is served by bench.server (pre-rendered, keep-alive), whose CPU is reported so that
it can be seen not to be the bottleneck. --quick is a smoke run (small sizes, under a minute).
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

from bench import crawl as crawls
from bench import extraction
from bench.measure import ROOT, Server, machine

TARGETS = {"parser": 0.25, "crawl": 0.6, "rss_mib": 300}


def mib(kib):
    return f"{kib / 1024:.0f} MiB" if kib else "?"


class Table:
    """Rows of (section, measure, value, baseline, ratio, target, ok) and notes below the table."""

    def __init__(self):
        self.rows, self.details = [], []

    def add(self, section, measure, value, baseline="", ratio=None, target="", ok=None):
        r = f"{ratio:.2f}" if isinstance(ratio, float) else (ratio or "")
        self.rows.append((section, measure, value, baseline, r, target,
                          "" if ok is None else ("yes" if ok else "**no**")))

    def note(self, title, text):
        self.details.append((title, text.rstrip()))

    def markdown(self):
        head = ("#", "measure", "this crawler", "baseline, same run", "ratio", "target", "met")
        lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        for row in self.rows:
            lines.append("| " + " | ".join(str(c) for c in row) + " |")
        return "\n".join(lines)


# --- 1. extraction ------------------------------------------------------------------------------
def section_extraction(table, args):
    docs = extraction.pages(max(args.articles, args.extract_pages), args.extract_pages)
    res = extraction.measure(docs, rounds=args.rounds)
    traf = res["trafilatura.bare_extraction"]
    kib = sum(len(h) for h, _u in docs) / len(docs) / 1024
    n = f"{len(docs)} pages"
    table.add("1", f"parser `ArticlePage(...).record()`, every contract field ({n})",
              f"{res['parser: record()']:.2f} ms/page", f"trafilatura.bare_extraction {traf:.2f} ms/page",
              res["parser: record()"] / traf, f"≤ {TARGETS['parser']}", res["parser: record()"] / traf <= TARGETS["parser"])
    table.add("1", "spider's per-page work (page, render check, not_article_reason, record, related links)",
              f"{res['parser: spider callback']:.2f} ms/page", f"trafilatura {traf:.2f} ms/page",
              res["parser: spider callback"] / traf)
    table.add("1", "lxml parse alone (the tree the parser builds)", f"{res['lxml parse']:.2f} ms/page",
              f"trafilatura {traf:.2f} ms/page", res["lxml parse"] / traf)
    table.note("1. Extraction", f"{len(docs)} replica article pages, {kib:.0f} KiB of HTML each on average; "
               f"median over {args.rounds} interleaved round(s) of the mean per page.")


# --- 2. full crawl vs fetch-only ----------------------------------------------------------------------
def _crawl_row(run, records=None):
    span = run.span
    return {"requests": run.requests, "span": span, "wall": run.wall, "cpu": run.cpu,
            "peak": run.peak_rss_kib, "pages_s": run.requests / span if span else 0,
            "articles_s": (records / span) if records is not None and span else None,
            "server_cpu": run.server_cpu / span if span else 0, "rss_at": run.rss_at(),
            "connections": run.server.get("connections"), "on_demand": run.server.get("rendered_on_demand")}


def section_crawl(table, args, work, server):
    kept = None
    for ci in args.concurrent_items:
        settings = {"CONCURRENT_ITEMS": str(ci)} if ci else {}
        label = f"CONCURRENT_ITEMS={ci}" if ci else "default CONCURRENT_ITEMS"
        data = work / f"crawl-ci{ci}"
        shutil.rmtree(data, ignore_errors=True)  # a --work reused: an old state store would make it incremental
        result = crawls.gbaf(server, data, settings, log_path=work / f"crawl-ci{ci}.log")
        if not result.ok:
            raise RuntimeError(f"gbaf crawl failed (exit {result.run.returncode}): see {work / f'crawl-ci{ci}.log'}")
        targets = result.run.targets
        base = crawls.fetch_only(server, targets, settings, log_path=work / f"fetchonly-ci{ci}.log")
        if base.returncode != 0:
            raise RuntimeError(f"fetch-only crawl failed (exit {base.returncode}): see {work / f'fetchonly-ci{ci}.log'}")
        g, f = _crawl_row(result.run, result.records), _crawl_row(base)
        ratio = g["articles_s"] / f["pages_s"]
        table.add("2", f"{label}: gbaf articles/s ({result.records} records, {g['requests']} requests)",
                  f"{g['articles_s']:.0f} articles/s", f"fetch-only {f['pages_s']:.0f} pages/s", ratio,
                  f"≥ {TARGETS['crawl']}", ratio >= TARGETS["crawl"])
        table.add("2", f"{label}: gbaf pages/s (same {g['requests']} targets)", f"{g['pages_s']:.0f} pages/s",
                  f"fetch-only {f['pages_s']:.0f} pages/s", g["pages_s"] / f["pages_s"])
        # Per second of the crawler's own CPU: what the rates would be with a core to itself, so
        # this ratio holds when other work shares the machine (the rates above then drop).
        g_cpu_rate, f_cpu_rate = result.records / g["cpu"], f["requests"] / f["cpu"]
        table.add("2", f"{label}: per second of crawler CPU: gbaf articles vs fetch-only pages",
                  f"{g_cpu_rate:.0f} articles/CPU-s", f"fetch-only {f_cpu_rate:.0f} pages/CPU-s",
                  g_cpu_rate / f_cpu_rate, f"≥ {TARGETS['crawl']}", g_cpu_rate / f_cpu_rate >= TARGETS["crawl"])
        table.add("2", f"{label}: wall time, process (crawl span)", f"{g['wall']:.1f} s ({g['span']:.1f} s)",
                  f"{f['wall']:.1f} s ({f['span']:.1f} s)", g["wall"] / f["wall"])
        table.add("2", f"{label}: crawler CPU (per request)", f"{g['cpu']:.1f} s ({g['cpu'] * 1000 / max(g['requests'], 1):.1f} ms)",
                  f"{f['cpu']:.1f} s ({f['cpu'] * 1000 / max(f['requests'], 1):.1f} ms)", g["cpu"] / f["cpu"])
        table.add("2", f"{label}: crawler peak RSS", mib(g["peak"]), mib(f["peak"]), g["peak"] / f["peak"])
        table.add("2", f"{label}: bench server CPU during the crawl (one core = 100 %)",
                  f"{g['server_cpu']:.0%}", f"{f['server_cpu']:.0%}")
        table.note(f"2. Full crawl, {label}",
                   f"gbaf: {result.records} records from {g['requests']} requests "
                   f"({json.dumps(result.report.get('pages', {}).get('by_status', {}))} by status; "
                   f"requests created by kind {json.dumps(result.report.get('pages', {}).get('by_kind', {}))}, "
                   f"most dropped by the duplicate filter), dropped records "
                   f"{json.dumps(result.report.get('records', {}).get('dropped', {}))}; "
                   f"RSS at 25/50/75/100 % of the requests: {', '.join(mib(x) for x in g['rss_at'])}; "
                   f"{g['connections']} connections to the server, {g['on_demand']} answers rendered on demand.\n"
                   f"fetch-only: the same {f['requests']} targets in the same order, redirects off; "
                   f"RSS at 25/50/75/100 %: {', '.join(mib(x) for x in f['rss_at'])}; {f['connections']} connections.")
        if kept is None:
            kept = data
        else:
            shutil.rmtree(data, ignore_errors=True)
    return kept


# --- 3. memory ---------------------------------------------------------------------------------------
def section_memory(table, args, work):
    server = Server(args.memory_articles, cache=args.cache)
    try:
        modes = {"both": (False, True), "off": (False,), "on": (True,)}[args.jobdir]
        for jobdir in modes:
            data = work / f"memory-{'jobdir' if jobdir else 'plain'}"
            shutil.rmtree(data, ignore_errors=True)
            settings = {"JOBDIR": str(data / "job")} if jobdir else {}
            label = "with JOBDIR (disk queues)" if jobdir else "memory queues"
            result = crawls.gbaf(server, data, settings, log_path=work / f"memory-{'jobdir' if jobdir else 'plain'}.log")
            if not result.ok:
                raise RuntimeError(f"memory crawl failed (exit {result.run.returncode}): see {data}")
            g = _crawl_row(result.run, result.records)
            at = g["rss_at"]
            growth = (at[3] / at[1]) if at[1] and at[3] else None
            table.add("3", f"peak RSS, {args.memory_articles}-article crawl, {label} ({result.records} records)",
                      mib(g["peak"]), "", None, f"< {TARGETS['rss_mib']} MiB", g["peak"] / 1024 < TARGETS["rss_mib"])
            table.add("3", f"RSS at 25/50/75/100 % of that crawl, {label}", " / ".join(mib(x) for x in at),
                      "100 % vs 50 %", growth, "flat")
            table.add("3", f"throughput of that crawl, {label}",
                      f"{g['articles_s']:.0f} articles/s, {g['wall']:.0f} s", "", None)
            curve = ", ".join(f"{t:.0f}s:{rss // 1024}MiB@{n}" for t, rss, n in result.run.samples[::max(1, len(result.run.samples) // 24)])
            table.note(f"3. Memory, {label}", f"samples (time: RSS @ requests answered): {curve}")
            shutil.rmtree(data, ignore_errors=True)
    finally:
        server.stop()


# --- 4. incremental ----------------------------------------------------------------------------------
def minimum_requests(articles, seed=1):
    """(listing pages to reach the new articles, new, updated) a step after the first run."""
    from replica.site import NEWS_CATEGORIES, PER_PAGE, Site

    site = Site(articles=articles, seed=seed, step=1)
    changes = site.changes_since(0)
    new = set(changes["new"])
    best = {}  # new article -> (pages, category) of the category listing it highest
    for cat in NEWS_CATEGORIES:
        for pos, stub in enumerate(site.listing(cat.name)):
            if stub.url in new:
                page = pos // PER_PAGE + 1
                if stub.url not in best or page < best[stub.url][0]:
                    best[stub.url] = (page, cat.name)
    depth = {}
    for page, cat in best.values():
        depth[cat] = max(depth.get(cat, 0), page)
    return sum(depth.values()), len(new), len(changes["updated"])


def section_incremental(table, args, work, data, server):
    if data is None:
        return
    unchanged = crawls.gbaf(server, data, {}, log_path=work / "incremental-unchanged.log")
    server.stop()
    later = Server(args.articles, step=1, prerender=False, cache=args.cache)
    try:
        step = crawls.gbaf(later, data, {}, log_path=work / "incremental-step1.log")
    finally:
        later.stop()
    listing, new, updated = minimum_requests(args.articles)
    for name, result, minimum, what in (
            ("unchanged replica", unchanged, 1, "1 page showing nothing is new"),
            ("a step later (new + updated)", step, listing + new + updated,
             f"{listing} listing page(s) to reach the new articles + {new} new + {updated} updated article pages")):
        pages = result.report.get("pages", {})
        reqs = pages.get("requests", 0)
        table.add("4", f"incremental re-run, {name}: requests (article pages; records)",
                  f"{reqs} ({pages.get('articles', 0)}; {result.records})", f"minimum {minimum}: {what}",
                  reqs / minimum if minimum else None)
        table.note(f"4. Incremental, {name}",
                   f"exit {result.run.returncode}; requests by kind {json.dumps(pages.get('by_kind', {}))}; "
                   f"by status {json.dumps(pages.get('by_status', {}))}; records {json.dumps(result.report.get('records', {}))}; "
                   f"robots.txt is one of the requests; wall {result.run.wall:.1f} s.")


def section_helpers(table, args):
    """bench.render and bench.distributed, where another part of the project provides them."""
    for module, extra in (("bench.render", ["--repeat", "1"]), ("bench.distributed", [])):
        if importlib.util.find_spec(module) is None:
            table.add("4", f"`python -m {module}`", "not present")
            continue
        if args.quick:
            table.add("4", f"`python -m {module}`", "skipped under --quick")
            continue
        started = time.monotonic()
        try:
            proc = subprocess.run([sys.executable, "-m", module, *extra], cwd=ROOT, capture_output=True,
                                  text=True, timeout=args.helper_timeout)
            out, rc = proc.stdout, proc.returncode
            err = proc.stderr[-1500:] if rc else ""
        except subprocess.TimeoutExpired as exc:
            out, rc, err = (exc.stdout or b"").decode() if isinstance(exc.stdout, bytes) else (exc.stdout or ""), "timeout", ""
        table.add("4", f"`python -m {module} {' '.join(extra)}`".replace(" `", "`"),
                  f"exit {rc}, {time.monotonic() - started:.0f} s", "its own table below")
        table.note(f"4. `python -m {module}`", "```\n" + (out.strip() or "(no output)") + ("\n" + err if err else "")
                   + "\n```")


# --- the run -----------------------------------------------------------------------------------------
def parse_args(argv):
    ap = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    ap.add_argument("--articles", type=int, default=5000, help="replica size of the full crawl (2) and incremental runs (4)")
    ap.add_argument("--memory-articles", type=int, default=20000, help="replica size of the memory crawl (3)")
    ap.add_argument("--extract-pages", type=int, default=500, help="article pages of the extraction benchmark (1)")
    ap.add_argument("--rounds", type=int, default=3, help="rounds of the extraction benchmark")
    ap.add_argument("--concurrent-items", default="100,1",
                    help="CONCURRENT_ITEMS values of the full crawl, comma-separated (100 is Scrapy's default)")
    ap.add_argument("--jobdir", choices=("both", "off", "on"), default="both", help="memory crawl with/without JOBDIR")
    ap.add_argument("--sections", default="1,2,3,4", help="which sections to run")
    ap.add_argument("--out", default=None,
                    help="where the results go (default bench/results.md; under --quick, a temporary file: "
                         "a smoke run must not replace the committed figures)")
    ap.add_argument("--work", default=None, help="keep crawl outputs and logs here (default: a temporary folder)")
    ap.add_argument("--no-cache", dest="cache", action="store_false",
                    help="do not keep pre-rendered replicas in bench/out/cache")
    ap.add_argument("--helper-timeout", type=float, default=1800)
    ap.add_argument("--quick", action="store_true", help="smoke run: small sizes, one CONCURRENT_ITEMS value")
    args = ap.parse_args(argv)
    if args.quick:
        args.articles, args.memory_articles, args.extract_pages, args.rounds = 200, 400, 20, 1
        args.concurrent_items, args.jobdir = "100", "off"
    if args.out is None:
        args.out = str(Path(tempfile.gettempdir()) / "gbaf-bench-quick.md") if args.quick \
            else str(ROOT / "bench" / "results.md")
    args.concurrent_items = [int(x) for x in str(args.concurrent_items).split(",") if x.strip()]
    args.sections = {s.strip() for s in args.sections.split(",")}
    return args


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    info = machine()
    started = time.monotonic()
    work = Path(args.work) if args.work else Path(tempfile.mkdtemp(prefix="gbaf-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    table = Table()
    try:
        if "1" in args.sections:
            print("1. extraction ...", file=sys.stderr, flush=True)
            section_extraction(table, args)
        if "2" in args.sections or "4" in args.sections:
            print(f"2. full crawl of {args.articles} articles ...", file=sys.stderr, flush=True)
            server = Server(args.articles, cache=args.cache)
            table.note("The replica server", f"{server.banner}. Same bytes as `python -m replica` (Site.render, "
                       "ETag, gzip level 5); one asyncio process, HTTP/1.1 keep-alive.")
            try:
                data = section_crawl(table, args, work, server) if "2" in args.sections else None
                if "4" in args.sections:
                    if data is None:
                        data = work / "incremental"
                        shutil.rmtree(data, ignore_errors=True)
                        crawls.gbaf(server, data, {}, log_path=work / "incremental-first.log")
                    print("4. incremental ...", file=sys.stderr, flush=True)
                    section_incremental(table, args, work, data, server)
            finally:
                server.stop()
        if "3" in args.sections:
            print(f"3. memory, {args.memory_articles} articles ...", file=sys.stderr, flush=True)
            section_memory(table, args, work)
        if "4" in args.sections:
            section_helpers(table, args)
    finally:
        if not args.work:
            shutil.rmtree(work, ignore_errors=True)
    elapsed = time.monotonic() - started
    command = "python -m bench " + " ".join(sys.argv[1:] if argv is None else argv)
    text = "\n".join([
        "# Benchmark results", "",
        f"`{command.strip()}` on {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, {elapsed:.0f} s.", "",
        f"- Machine: {info['machine']}; {info['load']}, {os.getloadavg()[0]:.2f} at the end",
        f"- {info['python']}; {info['versions']}", "",
        "Every ratio compares two figures of this same run. Rates are per second of crawl span "
        "(first to last request the server answered); wall time is the whole process (start-up, "
        "shutdown, feeds). CPU and RSS are the crawler process's own (/proc). The fetch-only "
        "baseline requests exactly the targets the gbaf crawl requested (basis: pages).", "",
        table.markdown(), "",
        *[f"### {title}\n\n{text}\n" for title, text in table.details],
    ])
    print(table.markdown())
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text + "\n", encoding="utf-8")
    print(f"\nwritten to {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
