"""Benchmark of the archive features: `python -m bench.archive`.

    python -m bench.archive [--articles 5000] [--snapshot-articles N] [--workers 2] [--pairs 4] [--sections 1,2,3]
                            [--work DIR] [--out FILE] [--quick] [--skip-loop]

Every figure below comes from this one run (prints a table; --out also writes it as Markdown):
  1. WARC writing: `scrapy crawl gbaf` of an --articles replica (bench.server) with GBAF_WARC_DIR
     off then on, the next pair on then off, --pairs times (default 4): articles per second of
     crawl span, judged on the median of the pairs' ratios (target: on costs at most 10 %); and
     the archive's own CPU per record (its stat), against the crawl's.
  2. Re-extraction of that crawl's WARC files with `scrapy crawl gbaf_warc` into a fresh store,
     with 1 and with --workers processes: records/s (target: >= 1.7 x) and the CPU per record of
     the spider's process and of the workers (on a shared machine the figure to trust; from it,
     the speed-up 2 idle cores allow); against the loop a user would write over the same file,
     warcio + trafilatura.bare_extraction with metadata, one JSON line per page (target: one
     process >= 3 x, in time over the file); records identical (but crawled_at) to the live
     crawl's; peak RSS of the spider's process and its RSS at 25/50/75/100 % of the run (flat).
  3. Snapshot: `python -m crawler.archive.snapshot` of the store of a crawl, wall time against that
     crawl's (target: < 0.2 x); the crawl is the WARC-off crawl of section 1, or a crawl of a
     --snapshot-articles replica when that is larger.

With --work DIR the crawls of section 1 are kept there (and DIR/section1.json says what they
were), so that `--sections 2` or `--sections 2,3 --work DIR` re-runs the re-extraction (and the
snapshot) on them alone: `python -m bench.archive --sections 2 --skip-loop --work DIR` takes
about two minutes for 5000 articles.
"""
from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

from bench import crawl as crawls
from bench.measure import Run, Server, machine, run_measured

KEPT = "section1.json"  # in --work: what a later --sections 2,3 re-uses of section 1
TARGETS = {"warc_cost": 0.10, "workers": 1.7, "vs_loop": 3.0, "snapshot": 0.2}


class Rows:
    def __init__(self):
        self.rows = []

    def add(self, measure, value, baseline="", ratio=None, target="", ok=None):
        self.rows.append((measure, value, baseline, f"{ratio:.2f}" if ratio is not None else "", target,
                          "" if ok is None else ("yes" if ok else "**no**")))
        print(" | ".join(str(c) for c in self.rows[-1]), file=sys.stderr, flush=True)

    def markdown(self):
        head = ("measure", "value", "baseline, same run", "ratio", "target", "met")
        return "\n".join(["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
                         + ["| " + " | ".join(str(c) for c in row) + " |" for row in self.rows])


def records_of(data_dir):
    out = {}
    for path in Path(data_dir, "articles").glob("*/*.jsonl"):
        for line in path.read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            out[record["url"]] = record
    return out


def rss_curve(run):
    """VmRSS (MiB) at 25/50/75/100 % of the run's wall time."""
    if not run.samples:
        return "?"
    end = run.samples[-1][0]
    picks = [next((rss for t, rss, _n in run.samples if t >= share * end and rss), None)
             for share in (0.25, 0.5, 0.75, 1.0)]
    return " / ".join(f"{(rss or 0) // 1024} MiB" for rss in picks)


# --- 1. WARC writing ----------------------------------------------------------------------------
def section_warc(rows, args, work):
    """--pairs crawls with WARC off then on, against one server: the cost is judged on the median of
    the pairs' ratios (one pair moved from 0.78 to 1.07 between two runs on the same machine)."""
    import statistics

    server = Server(args.articles)
    pairs = []
    try:
        for n in range(args.pairs):
            tag = "" if n == args.pairs - 1 else f"-{n + 1}"  # the last pair's crawls are the ones kept
            crawl = {
                "off": lambda: crawls.gbaf(server, work / f"off{tag}", {}, log_path=work / f"off{tag}.log"),
                "on": lambda: crawls.gbaf(server, work / f"on{tag}", {"GBAF_WARC_DIR": str(work / f"on{tag}" / "warc")},
                                          log_path=work / f"on{tag}.log")}
            # off/on, then on/off (ABBA): a machine getting faster or slower favours neither
            order = ("off", "on") if n % 2 == 0 else ("on", "off")
            done = {name: crawl[name]() for name in order}
            off, on = done["off"], done["on"]
            if not (off.ok and on.ok):
                raise RuntimeError(f"a crawl failed: see {work}/off{tag}.log, {work}/on{tag}.log")
            pairs.append((off, on))
    finally:
        server.stop()
    ratios = [(on.records / on.run.span) / (off.records / off.run.span) for off, on in pairs]
    ratio = statistics.median(ratios)
    size = sum(p.stat().st_size for p in (work / "on" / "warc").glob("*.warc.gz"))
    rate_off = statistics.median(off.records / off.run.span for off, _ in pairs)
    rate_on = statistics.median(on.records / on.run.span for _, on in pairs)
    rows.add(f"1. crawl with WARC on ({on.records} records, {size / 2 ** 20:.0f} MiB of WARC), median of "
             f"{len(pairs)} off/on pairs (ratios {', '.join(f'{r:.2f}' for r in ratios)})",
             f"{rate_on:.1f} articles/s", f"WARC off {rate_off:.1f} articles/s", ratio,
             f"cost ≤ {TARGETS['warc_cost']:.0%}", 1 - ratio <= TARGETS["warc_cost"])
    cpu_on = sum(on.run.cpu for _, on in pairs) / sum(on.records for _, on in pairs)
    cpu_off = sum(off.run.cpu for off, _ in pairs) / sum(off.records for off, _ in pairs)
    rows.add("1. crawler CPU per record, WARC on vs off (all pairs; the crawl's process, not its writer's)",
             f"{cpu_on * 1000:.1f} ms",
             f"{cpu_off * 1000:.1f} ms", cpu_on / cpu_off)
    own = [warc_cpu_ms(on.run.log) for _, on in pairs]
    if all(v is not None for v in own):
        per_record = sum(own) / sum(on.records for _, on in pairs)
        rows.add("1. the archive's own CPU per record (stat `archive/warc/cpu_ms`: the crawl's thread "
                 "copying and sending, the writer process building, digesting, compressing, writing), against the "
                 "crawler's CPU per record with WARC off", f"{per_record:.2f} ms", f"{cpu_off * 1000:.1f} ms",
                 per_record / (cpu_off * 1000))
    off, on = pairs[-1]
    (work / KEPT).write_text(json.dumps({"base_url": server.url, "articles": args.articles,
                                         "wall": {"off": off.run.wall, "on": on.run.wall},
                                         "cpu": {"off": off.run.cpu, "on": on.run.cpu}}))
    return off, on, server.url


def warc_cpu_ms(log):
    """The writer's stat in the crawl's final stats dump, or None."""
    import re

    found = re.findall(r"'archive/warc/cpu_ms': (\d+)", log or "")
    return int(found[-1]) if found else None


def kept_crawls(work):
    """The two crawls of section 1 kept in --work by an earlier run (its KEPT file: the replica's
    base URL, the bench server's port changing with every run, and the crawls' wall times)."""
    kept = json.loads((work / KEPT).read_text())
    off, on = (crawls.CrawlResult(Run(0, kept["wall"][name], kept["cpu"][name], 0, ""),
                                  crawls.latest_report(work / name), work / name) for name in ("off", "on"))
    print(f"re-using the crawls of {kept['articles']} articles in {work} ({kept['base_url']})", file=sys.stderr)
    return off, on, kept["base_url"]


# --- 2. re-extraction ---------------------------------------------------------------------------
def reextract(warc_glob, base_url, data_dir, workers, log_path):
    data_dir = Path(data_dir)
    shutil.rmtree(data_dir, ignore_errors=True)
    data_dir.mkdir(parents=True)
    cmd = crawls.gbaf_command(base_url, data_dir, {"GBAF_LATEST_FEEDS": "{}"},
                              [f"warc={warc_glob}", f"workers={workers}"])
    cmd[cmd.index("gbaf")] = "gbaf_warc"
    return run_measured(cmd, log_path=log_path)


def plain_loop(paths, host, out_path):
    """The loop a user would write for the same records: warcio's ArchiveIterator over the files,
    the article responses (this host, 200), trafilatura's extraction of what we export (the body
    with its metadata: title, author, date, categories, tags) and one JSON line per page written
    out. trafilatura's defaults otherwise (its fallback extractors on, as a user gets them).
    (records, wall seconds, CPU seconds)."""
    import trafilatura
    from warcio.archiveiterator import ArchiveIterator

    from crawler.urls import kind_of_url

    started, cpu0, count = time.monotonic(), time.process_time(), 0
    with open(out_path, "w", encoding="utf-8") as out:
        for path in paths:
            with open(path, "rb") as f:
                for record in ArchiveIterator(f):
                    if record.rec_type != "response":
                        continue
                    url = record.rec_headers.get_header("WARC-Target-URI")
                    if urlsplit(url).netloc != host or kind_of_url(url) != "article" \
                            or record.http_headers.get_statuscode() != "200":
                        continue
                    html = record.content_stream().read().decode("utf-8", "replace")
                    doc = trafilatura.bare_extraction(html, url=url, with_metadata=True)
                    if doc:
                        doc = doc.as_dict()
                        out.write(json.dumps({k: doc.get(k) for k in LOOP_FIELDS}, ensure_ascii=False) + "\n")
                        count += 1
    return count, time.monotonic() - started, time.process_time() - cpu0


LOOP_FIELDS = ("url", "title", "author", "date", "categories", "tags", "description", "text")


def section_loop(rows, work, warc, base_url, one):
    """The 1-process re-extraction against the loop a user would write over the same file. The
    time over the file is the measure (the loop extracts every article page, 200 section pages and
    364 second captures of a URL included, where the re-extraction exports 5000 records of 5564
    captures); records/s and CPU per page are shown beside it."""
    run1, records1 = one
    count, seconds, cpu = plain_loop(sorted(warc.glob("*.warc.gz")), urlsplit(base_url).netloc, work / "loop.jsonl")
    rows.add("2. re-extraction of the same WARC file, 1 process vs a warcio + trafilatura loop: time",
             f"{run1.wall:.1f} s ({len(records1) / run1.wall:.1f} records/s)",
             f"loop {seconds:.1f} s ({count / seconds:.1f} pages/s, {count} pages)", seconds / run1.wall,
             f"≥ {TARGETS['vs_loop']}", seconds / run1.wall >= TARGETS["vs_loop"])
    captures = run1_captures(work)
    rows.add("2. CPU per page parsed, 1 process vs the loop", f"{run1.cpu * 1000 / (captures or 1):.1f} ms "
             f"({captures} captures)", f"loop {cpu * 1000 / (count or 1):.1f} ms", cpu / (count or 1) / (run1.cpu / (captures or 1)))


def run1_captures(work):
    """Article captures the 1-process re-extraction parsed (its report: one article request each)."""
    return crawls.latest_report(work / "re-1").get("pages", {}).get("by_kind", {}).get("article", 0)


def section_reextract(rows, args, work, live, base_url):
    warc = work / "on" / "warc"
    runs = {}
    for workers in (1, args.workers):
        run = reextract(f"{warc}/*.warc.gz", base_url, work / f"re-{workers}", workers, work / f"re-{workers}.log")
        if run.returncode != 0:
            raise RuntimeError(f"re-extraction with {workers} workers failed: see {work}/re-{workers}.log")
        runs[workers] = (run, records_of(work / f"re-{workers}"))
    one, many = runs[1], runs[args.workers]
    rate1, rate_n = len(one[1]) / one[0].wall, len(many[1]) / many[0].wall
    rows.add(f"2. re-extraction, {args.workers} processes ({len(many[1])} records)", f"{rate_n:.1f} records/s",
             f"1 process {rate1:.1f} records/s", rate_n / rate1, f"≥ {TARGETS['workers']}",
             rate_n / rate1 >= TARGETS["workers"])
    for workers, (run, records) in runs.items():
        n = len(records) or 1
        rows.add(f"2. CPU per record, {workers} process(es): the spider's process; the workers'",
                 f"{run.own_cpu * 1000 / n:.1f} ms", f"workers {(run.cpu - run.own_cpu) * 1000 / n:.1f} ms "
                 f"(wall {run.wall:.0f} s, CPU {run.cpu:.0f} s in all)")
    run1, run_n = one[0], many[0]
    allowed = run1.cpu / max(run_n.own_cpu, run_n.cpu / args.workers)
    rows.add(f"2. bound of the speed-up from the CPU times, {args.workers} idle cores (1-process CPU / max(spider's, "
             f"all processes' / {args.workers}); start-up and close not overlapped, so an upper bound)",
             f"{allowed:.2f}", f"measured {rate_n / rate1:.2f}", None, f"≥ {TARGETS['workers']}")
    if not args.skip_loop:
        section_loop(rows, work, warc, base_url, one)
    live_records = records_of(live.data_dir)
    for workers, (_run, records) in runs.items():
        differing = sum(1 for url, r in live_records.items()
                        if {k: v for k, v in (records.get(url) or {}).items() if k != "crawled_at"}
                        != {k: v for k, v in r.items() if k != "crawled_at"})
        rows.add(f"2. records of the {workers}-process re-extraction that differ from the live crawl's "
                 "(but crawled_at)", f"{differing} of {len(live_records)}", "", None, "0", differing == 0)
    for workers, (run, _records) in runs.items():
        rows.add(f"2. spider process peak RSS, {workers} process(es); RSS at 25/50/75/100 %",
                 f"{run.peak_rss_kib // 1024} MiB", rss_curve(run), None, "flat")


# --- 3. snapshot --------------------------------------------------------------------------------
def section_snapshot(rows, args, work, crawl):
    if args.snapshot_articles > args.articles:
        server = Server(args.snapshot_articles)
        try:
            crawl = crawls.gbaf(server, work / "big", {}, log_path=work / "big.log")
        finally:
            server.stop()
    cmd = [sys.executable, "-m", "crawler.archive.snapshot", str(work / "snapshot"), "-s",
           f"GBAF_STATE_URL={crawl.data_dir / 'state.sqlite'}"]
    run = run_measured(cmd, log_path=work / "snapshot.log")
    if run.returncode != 0:
        raise RuntimeError(f"snapshot failed: see {work}/snapshot.log")
    manifest = json.loads((work / "snapshot" / "snapshot.manifest.json").read_text())
    rows.add(f"3. snapshot of {manifest['counts']['articles']} articles ({manifest['counts']['months']} months)",
             f"{run.wall:.1f} s", f"the crawl that fetched them {crawl.run.wall:.1f} s", run.wall / crawl.run.wall,
             f"< {TARGETS['snapshot']}", run.wall / crawl.run.wall < TARGETS["snapshot"])
    again = run_measured(cmd, log_path=work / "snapshot-again.log")
    rows.add("3. snapshot rebuilt, nothing changed (months rewritten: "
             f"{json.loads((work / 'snapshot' / 'snapshot.manifest.json').read_text())['counts']['months_rebuilt']})",
             f"{again.wall:.1f} s", f"first build {run.wall:.1f} s", again.wall / run.wall)


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python -m bench.archive", description=__doc__.splitlines()[0])
    ap.add_argument("--articles", type=int, default=5000)
    ap.add_argument("--snapshot-articles", type=int, default=0, help="a larger crawl for the snapshot (3)")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--pairs", type=int, default=4, help="1: pairs of crawls with WARC off and on (ABBA), judged on the median ratio")
    ap.add_argument("--work", help="keep the crawls, WARC files and logs here (default: a temporary folder)")
    ap.add_argument("--out", help="also write the table here (Markdown)")
    ap.add_argument("--sections", default="1,2,3", help="2 needs 1's WARC crawl; 3 uses 1's WARC-off crawl")
    ap.add_argument("--quick", action="store_true", help="smoke run: 300 articles")
    ap.add_argument("--skip-loop", action="store_true", help="2 without the warcio + trafilatura loop (minutes)")
    args = ap.parse_args(argv)
    if args.quick:
        args.articles, args.snapshot_articles, args.pairs = 300, 0, 1
    work = Path(args.work) if args.work else Path(tempfile.mkdtemp(prefix="gbaf-bench-archive-"))
    work.mkdir(parents=True, exist_ok=True)
    info, rows, started = machine(), Rows(), time.monotonic()
    try:
        sections = {x.strip() for x in args.sections.split(",")}
        if "1" in sections or not (work / KEPT).is_file():
            off, on, base_url = section_warc(rows, args, work)
        else:  # --work kept from an earlier run: its crawls are re-used, so 2 and 3 re-run alone
            off, on, base_url = kept_crawls(work)
        if "2" in sections:
            section_reextract(rows, args, work, on, base_url)
        if "3" in sections:
            section_snapshot(rows, args, work, off)
    finally:
        if not args.work:
            shutil.rmtree(work, ignore_errors=True)
    text = "\n".join([f"# Archive benchmark ({time.monotonic() - started:.0f} s)", "",
                      f"- {info['machine']}; {info['load']}", f"- {info['python']}; {info['versions']}", "",
                      rows.markdown()])
    print(text)
    if args.out:
        Path(args.out).write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
