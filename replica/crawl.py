"""The main job on the bundled replica: serve it, crawl it with every pipeline and exporter, check.

    python -m replica.crawl [--articles 300] [--seed 1] [--step 0] [--data-dir data/replica]

Starts the replica on a free 127.0.0.1 port, runs `scrapy crawl gbaf` against it (outputs under
--data-dir: the run's JSON Lines, manifest and report, the state store, the cross-run feeds),
then prints the run's summary and how the exported records compare with the replica's expected
ones. Exits non-zero when the crawl failed or the records differ.
"""
import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FAST = ["-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=0",
        "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=16", "-s", "CONCURRENT_REQUESTS=16"]


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python -m replica.crawl", description=__doc__.splitlines()[0])
    ap.add_argument("--articles", type=int, default=300)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--step", type=int, default=0)
    ap.add_argument("--data-dir", default=str(ROOT / "data" / "replica"))
    ap.add_argument("--fresh", action="store_true", help="forget the state of earlier runs first")
    args = ap.parse_args(argv)
    data = Path(args.data_dir).resolve()
    if args.fresh and (data / "state.sqlite").exists():
        for suffix in ("", "-wal", "-shm"):
            Path(f"{data / 'state.sqlite'}{suffix}").unlink(missing_ok=True)
    server = subprocess.Popen([sys.executable, "-m", "replica", "--port", "0", "--articles",
                               str(args.articles), "--seed", str(args.seed), "--step", str(args.step)],
                              cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        line = server.stdout.readline()
        print(line.strip())
        base = line.rsplit(" at ", 1)[1].strip().rstrip("/")
        feeds = {str(data / "articles" / "%(run_date)s" / "%(run_id)s.jsonl"): {"format": "jsonlines"}}
        latest = {"atom": str(data / "feeds" / "gbaf.atom.xml"), "rss": str(data / "feeds" / "gbaf.rss.xml")}
        cmd = [sys.executable, "-m", "scrapy", "crawl", "gbaf", "-s", f"GBAF_BASE_URL={base}",
               "-s", f"GBAF_DATA_DIR={data}", "-s", f"GBAF_STATE_URL={data / 'state.sqlite'}",
               "-s", f"FEEDS={json.dumps(feeds)}", "-s", f"GBAF_LATEST_FEEDS={json.dumps(latest)}",
               "-s", "LOG_LEVEL=INFO", *FAST]
        started = time.monotonic()
        crawl = subprocess.run(cmd, cwd=ROOT, env={**os.environ, "PYTHONUNBUFFERED": "1"},
                               stderr=subprocess.PIPE, text=True)
        wall = time.monotonic() - started
    finally:
        server.terminate()
        server.wait(10)
    for line in crawl.stderr.splitlines():
        if any(key in line for key in ("Run summary", "Field coverage", "] ERROR:", "Run report")):
            print(line)
    return report(data, args, crawl.returncode, wall)


def report(data, args, returncode, wall):
    from replica.site import Site

    manifests = sorted((data / "articles").glob("*/*.manifest.json"), key=lambda p: p.stat().st_mtime)
    if not manifests:
        print(f"crawl failed (exit {returncode}): no run was delivered")
        return 1
    manifest = json.loads(manifests[-1].read_text())
    out = manifests[-1].with_name(manifests[-1].name.replace(".manifest.json", ".jsonl"))
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    site = Site(articles=args.articles, seed=args.seed, step=args.step)
    expected = site.expected_by_url()
    got = {r["url"]: r for r in records}
    fields_off = sum(1 for u, r in got.items() if u in expected for k, v in expected[u].items()
                     if k not in ("crawled_at", "extraction", "version") and r.get(k) != v)
    report_path = out.with_name(out.name.replace(".jsonl", ".report.json"))
    pages = json.loads(report_path.read_text())["pages"] if report_path.exists() else {}
    print(f"\nrun {manifest['run_id']}: {pages.get('requests', '?')} requests, "
          f"{len(records)} records in {wall:.1f} s wall time -> {out}")
    first_run = manifest.get("records", {}).get("gbaf/records/new", 0) == len(expected) or (
        args.step == 0 and len(records) == len(expected))
    if first_run or len(records) != len(got):
        missing, extra = set(expected) - set(got), set(got) - set(expected)
        print(f"vs the replica's {len(expected)} expected records: {len(missing)} missing, "
              f"{len(extra)} unexpected, {len(records) - len(got)} duplicated, {fields_off} fields differ")
        ok = not missing and not extra and len(records) == len(got) and not fields_off
    else:  # an incremental run exports only what is new or changed
        print(f"incremental run: {len(records)} new or changed records, {fields_off} fields differ "
              f"from the replica's; all known: {set(got) <= set(expected)}")
        ok = set(got) <= set(expected) and not fields_off
    print("OK" if ok and returncode == 0 else f"NOT OK (exit {returncode})")
    return 0 if ok and returncode == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
