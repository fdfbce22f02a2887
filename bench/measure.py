"""Measuring processes from the outside: CPU, peak and sampled RSS (from /proc), the bench server.

Every figure comes from the kernel, not from the measured process: CPU time is utime + stime of
/proc/<pid>/stat (the process alone, not its children), peak RSS is VmHWM of /proc/<pid>/status
(read until the process exits; `os.wait4`'s ru_maxrss as the final word), and the progress of a
crawl is the bench server's request counter, so that RSS can be shown at 25/50/75/100 % of a crawl.
"""
from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
    """utime + stime of one process (its own threads, not its children), or None once it is gone."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            fields = f.read().rsplit(b")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / TICK


def memory_kib(pid):
    """(VmRSS, VmHWM) in KiB, or (None, None) once the process is gone."""
    rss = hwm = None
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    rss = int(line.split()[1])
                elif line.startswith("VmHWM:"):
                    hwm = int(line.split()[1])
    except OSError:
        pass
    return rss, hwm


def machine():
    """One line about the machine and one about the versions, for the results."""
    model = ""
    try:
        with open("/proc/cpuinfo") as f:
            model = next((l.split(":", 1)[1].strip() for l in f if l.startswith("model name")), "")
    except OSError:
        pass
    mem = ""
    try:
        with open("/proc/meminfo") as f:
            mem = f"{int(f.readline().split()[1]) / 1024 / 1024:.0f} GiB RAM"
    except OSError:
        pass
    versions = []
    for name in ("scrapy", "twisted", "lxml", "parsel", "trafilatura", "numpy", "pyarrow"):
        try:
            from importlib.metadata import version
            versions.append(f"{name} {version(name)}")
        except Exception:  # noqa: BLE001 - a missing package is just not listed
            pass
    load = os.getloadavg()
    return {
        "machine": f"{os.cpu_count()} CPU(s) {model}, {mem}, {platform.system()} {platform.release()}",
        "python": f"Python {platform.python_version()} ({platform.python_implementation()})",
        "versions": ", ".join(versions),
        "load": f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} at start",
    }


# --- the bench server as a subprocess ---------------------------------------------------------------
class Server:
    """`python -m bench.server` on a free port, stopped by stop()."""

    def __init__(self, articles, seed=1, step=0, prerender=True, cache=True):
        cmd = [sys.executable, "-m", "bench.server", "--articles", str(articles), "--seed", str(seed),
               "--step", str(step)]
        if not prerender:
            cmd.append("--no-prerender")
        if not cache:
            cmd += ["--cache", ""]
        self.proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        if " at http" not in line:
            self.stop()
            raise RuntimeError(f"bench server did not start: {line!r} {self.proc.stderr.read()[-2000:]}")
        self.banner = line.strip()
        self.url = line.rsplit(" at ", 1)[1].strip().rstrip("/")
        self.pid = self.proc.pid

    def _get(self, what):
        with urllib.request.urlopen(f"{self.url}/__bench/{what}", timeout=30) as r:
            return json.loads(r.read())

    def stats(self):
        return self._get("stats")

    def log(self):
        return self._get("log")

    def reset(self):
        return self._get("reset")

    def cpu(self):
        return cpu_seconds(self.pid)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


# --- a measured run ---------------------------------------------------------------------------------
@dataclass
class Run:
    returncode: int
    wall: float  # process start to exit, seconds
    cpu: float  # the process's own CPU seconds
    peak_rss_kib: int  # VmHWM of the process
    log: str
    samples: list = field(default_factory=list)  # (seconds since start, VmRSS KiB, server requests)
    server: dict = field(default_factory=dict)  # the bench server's counters after the run
    server_cpu: float = 0.0  # CPU seconds the server spent during the run
    targets: list = field(default_factory=list)  # request targets the server answered, in order
    own_cpu: float = 0.0  # CPU seconds of the process alone (last sample), not of its children

    @property
    def span(self):
        """First to last request the server saw: the crawl itself, without start-up and shutdown."""
        first, last = self.server.get("first"), self.server.get("last")
        return (last - first) if first is not None and last is not None and last > first else self.wall

    @property
    def requests(self):
        return self.server.get("requests", 0)

    def rss_at(self, shares=(0.25, 0.5, 0.75, 1.0)):
        """VmRSS (KiB) when the server had answered each share of the crawl's requests."""
        total = self.requests or 1
        out = []
        for share in shares:
            hit = next((rss for _t, rss, n in self.samples if n >= share * total and rss), None)
            if hit is None and self.samples:
                hit = max((rss for _t, rss, _n in self.samples if rss), default=None)
            out.append(hit)
        return out


class _Sampler(threading.Thread):
    def __init__(self, pid, server, interval):
        super().__init__(daemon=True)
        self.pid, self.server, self.interval = pid, server, interval
        self.samples, self.hwm, self.cpu = [], 0, 0.0
        self.halt = threading.Event()
        self.started = time.monotonic()

    def run(self):
        while not self.halt.is_set():
            rss, hwm = memory_kib(self.pid)
            cpu = cpu_seconds(self.pid)
            if rss is None:
                break
            self.hwm = max(self.hwm, hwm or 0)
            self.cpu = cpu if cpu is not None else self.cpu
            requests = 0
            if self.server is not None:
                try:
                    requests = self.server.stats()["requests"]
                except OSError:
                    pass
            self.samples.append((time.monotonic() - self.started, rss, requests))
            self.halt.wait(self.interval)


def run_measured(cmd, server=None, env=None, interval=0.25, timeout=7200, log_path=None):
    """Run cmd (cwd: the project), sampling its RSS against the server's request count."""
    if server is not None:
        server.reset()
        server_cpu0 = server.cpu() or 0.0
    log_path = Path(log_path) if log_path else None
    log_file = open(log_path, "w+", encoding="utf-8") if log_path else None
    import tempfile
    tmp = log_file or tempfile.TemporaryFile("w+", encoding="utf-8")
    started = time.monotonic()
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=tmp, stderr=subprocess.STDOUT, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})})
    sampler = _Sampler(proc.pid, server, interval)
    sampler.start()
    deadline = started + timeout
    rusage = None
    while True:
        pid, status, rusage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            proc.returncode = os.waitstatus_to_exitcode(status)
            break
        if time.monotonic() > deadline:
            proc.kill()
            continue
        time.sleep(0.05)
    wall = time.monotonic() - started
    sampler.halt.set()
    sampler.join()
    tmp.seek(0)
    log = tmp.read()
    tmp.close()
    cpu = rusage.ru_utime + rusage.ru_stime  # the process and the children it waited for
    peak = max(sampler.hwm, rusage.ru_maxrss)
    run = Run(proc.returncode, wall, cpu, peak, log, sampler.samples, own_cpu=sampler.cpu)
    if server is not None:
        run.server = server.stats()
        run.targets = server.log()
        run.server_cpu = (server.cpu() or 0.0) - server_cpu0
    return run
