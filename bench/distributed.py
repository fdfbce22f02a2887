"""Benchmark: records per second of a distributed crawl with 1, 2 and 3 workers (`python -m bench.distributed`).

Everything runs on this machine: a redis-server on a free port (in memory only), the replica
(`python -m replica`, `--articles` articles) and N `scrapy crawl gbaf` workers sharing the crawl
through Redis (crawler.distributed), seeded by `python -m crawler.commands.seed`; first, as the baseline,
one plain `scrapy crawl gbaf` without Redis. Each crawl is a first crawl (empty state store).

Per row: the records delivered (the union of the workers' outputs, checked free of duplicates),
the crawl time (first worker's start of crawl to the last one's end, from their manifests, less
the idle wait after which workers stop), records per second over it, the wall time including
process start-up, and CPU seconds (utime + stime, from the kernel) of the workers, of the replica
and of Redis, kept apart: the replica serves every page from Python and is no small part of the
machine's work, which the live site would not be. Requests are the workers' own counts summed.

With C CPUs, workers beyond C (plus the replica's share) cannot add throughput: the table shows
where this machine saturates, not what N machines would do. Times vary with the machine's other
load (shown): `--repeat` runs each row several times and keeps the median.

    python -m bench.distributed [--articles 1000] [--workers 1,2,3] [--repeat 1] [--idle 1]
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TICK = os.sysconf("SC_CLK_TCK")
FAST = {"DOWNLOAD_DELAY": "0", "AUTOTHROTTLE_ENABLED": "0", "CONCURRENT_REQUESTS_PER_DOMAIN": "16",
        "LOG_LEVEL": "INFO", "LOGSTATS_INTERVAL": "0"}


def cpu_seconds(pid):
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            fields = f.read().rsplit(b")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICK


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_redis(workdir):
    import redis

    port = free_port()
    proc = subprocess.Popen([shutil.which("redis-server") or "redis-server", "--port", str(port), "--bind",
                             "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", str(workdir)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(200):
        try:
            redis.Redis(port=port).ping()
            return proc, port
        except redis.ConnectionError:
            time.sleep(0.05)
    proc.kill()
    raise SystemExit("redis-server did not start")


def start_replica(articles):
    proc = subprocess.Popen([sys.executable, "-m", "replica", "--port", "0", "--articles", str(articles),
                             "--seed", "1"], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    line = proc.stdout.readline()
    if " at http" not in line:
        proc.kill()
        raise SystemExit(f"replica did not start: {line!r}")
    return proc, line.rsplit(" at ", 1)[1].strip().rstrip("/")


def crawl_cmd(base_url, data_dir, settings):
    s = {**FAST, "GBAF_BASE_URL": base_url, "GBAF_DATA_DIR": str(data_dir),
         "GBAF_STATE_URL": str(data_dir / "state.sqlite"),
         "FEEDS": json.dumps({str(data_dir / "articles" / "%(run_date)s" / "%(run_id)s.jsonl"):
                              {"format": "jsonlines", "overwrite": True}}),
         "GBAF_LATEST_FEEDS": json.dumps({"atom": str(data_dir / "feeds" / "gbaf.atom.xml")}), **settings}
    cmd = [sys.executable, "-m", "scrapy", "crawl", "gbaf"]
    for key, value in s.items():
        cmd += ["-s", f"{key}={value}"]
    return cmd


def wait_with_rusage(proc):
    """Wait for a child and return its CPU seconds (its whole process tree that it waited for)."""
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return usage.ru_utime + usage.ru_stime


def run_row(base_url, replica_pid, redis_pid, redis_url, workers, work, idle):
    """One crawl: workers=0 is the plain crawl without Redis. Returns the measured row."""
    settings = {} if not workers else {"GBAF_REDIS_URL": redis_url, "GBAF_STATE_URL": redis_url,
                                       "GBAF_REDIS_IDLE_SECONDS": str(idle)}
    if workers:
        import redis

        redis.Redis.from_url(redis_url).flushdb()
        seeded = subprocess.run([sys.executable, "-m", "crawler.commands.seed", "-s", f"GBAF_BASE_URL={base_url}",
                                 "-s", f"GBAF_REDIS_URL={redis_url}"], cwd=ROOT, capture_output=True, text=True)
        if seeded.returncode:
            raise SystemExit(f"seeding failed: {seeded.stderr[-2000:]}")
    replica_cpu, redis_cpu = cpu_seconds(replica_pid), cpu_seconds(redis_pid)
    started = time.monotonic()
    procs, dirs = [], []
    for i in range(max(1, workers)):
        data = work / f"w{i + 1}"
        data.mkdir(parents=True)
        log = open(data / "worker.log", "w")
        procs.append((subprocess.Popen(crawl_cmd(base_url, data, settings), cwd=ROOT, stdout=subprocess.DEVNULL,
                                       stderr=log), log))
        dirs.append(data)
    workers_cpu = 0.0
    for proc, log in procs:
        workers_cpu += wait_with_rusage(proc)
        log.close()
    wall = time.monotonic() - started
    failed = [str(d / "worker.log") for (p, _), d in zip(procs, dirs) if p.returncode]
    if failed:
        raise SystemExit(f"a worker failed, see {', '.join(failed)}")
    records, urls, requests, starts, ends = 0, set(), 0, [], []
    for data in dirs:
        for manifest in (data / "articles").glob("*/*.manifest.json"):
            m = json.loads(manifest.read_text())
            starts.append(datetime.fromisoformat(m["started_at"]))
            ends.append(datetime.fromisoformat(m["finished_at"]))
            jsonl = manifest.with_name(manifest.name.replace(".manifest.json", ".jsonl"))
            for line in jsonl.read_text(encoding="utf-8").splitlines():
                urls.add(json.loads(line)["url"])
                records += 1
        for report in (data / "articles").glob("*/*.report.json"):
            requests += json.loads(report.read_text())["pages"]["requests"]
    if len(urls) != records:
        raise SystemExit(f"{records - len(urls)} records were exported twice")
    crawl = (max(ends) - min(starts)).total_seconds() - (idle if workers else 0)
    return {"workers": workers, "records": records, "crawl": crawl, "rate": records / crawl, "wall": wall,
            "workers_cpu": workers_cpu, "replica_cpu": cpu_seconds(replica_pid) - replica_cpu,
            "redis_cpu": cpu_seconds(redis_pid) - redis_cpu, "requests": requests, "load": os.getloadavg()[0]}


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench.distributed", description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=1000, help="replica size (default 1000)")
    parser.add_argument("--workers", default="1,2,3", help="worker counts to measure (default 1,2,3)")
    parser.add_argument("--repeat", type=int, default=1, help="runs per row; the median is shown")
    parser.add_argument("--idle", type=float, default=1.0, help="GBAF_REDIS_IDLE_SECONDS of the workers")
    args = parser.parse_args(argv)
    counts = [int(x) for x in args.workers.split(",") if x.strip()]
    tmp = Path(tempfile.mkdtemp(prefix="bench-distributed-"))
    redis_proc, port = start_redis(tmp)
    replica, base_url = start_replica(args.articles)
    redis_url = f"redis://127.0.0.1:{port}/0"
    print(f"machine: {os.cpu_count()} CPU(s), load average {os.getloadavg()[0]:.2f} at start; replica of "
          f"{args.articles} articles; {args.repeat} run(s) per row, median shown", flush=True)
    rows = []
    try:
        for workers in [0, *counts]:
            runs = []
            for n in range(args.repeat):
                runs.append(run_row(base_url, replica.pid, redis_proc.pid, redis_url, workers,
                                    tmp / f"{workers}-{n}", args.idle))
            row = sorted(runs, key=lambda r: r["rate"])[len(runs) // 2]
            row["rates"] = [r["rate"] for r in runs]
            rows.append(row)
            print(f"  measured {'no Redis' if not workers else f'{workers} worker(s)'}: "
                  f"{row['rate']:.1f} records/s", flush=True)
    finally:
        replica.terminate()
        redis_proc.terminate()
        replica.wait(10)
        redis_proc.wait(10)
        shutil.rmtree(tmp, ignore_errors=True)
    base = next((r["rate"] for r in rows if r["workers"] == 1), rows[0]["rate"])
    print()
    print(f"{'workers':>9} {'records':>8} {'crawl s':>8} {'records/s':>10} {'vs 1':>5} {'wall s':>7} "
          f"{'workers CPU s':>14} {'replica CPU s':>14} {'redis CPU s':>12} {'requests':>9} {'load':>5}")
    for r in rows:
        name = "no Redis" if not r["workers"] else str(r["workers"])
        print(f"{name:>9} {r['records']:>8} {r['crawl']:>8.1f} {r['rate']:>10.1f} {r['rate'] / base:>5.2f} "
              f"{r['wall']:>7.1f} {r['workers_cpu']:>14.1f} {r['replica_cpu']:>14.1f} {r['redis_cpu']:>12.2f} "
              f"{r['requests']:>9} {r['load']:>5.1f}")
    print()
    print("crawl s: first worker's start of crawl to the last one's end, less the idle wait; wall s: with "
          "process start-up. The replica's CPU is the site's cost, on the same CPUs as the workers. load: the "
          "machine's 1-minute load average after the row (other work on the machine slows every row).")
    if args.repeat > 1:
        print("records/s of every run: " + "; ".join(
            f"{r['workers'] or 'no Redis'}: " + ", ".join(f"{x:.1f}" for x in r["rates"]) for r in rows))
    print(f"load average at end: {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
