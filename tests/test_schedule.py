"""The scheduled-run recipe as an operator installs it: the cron line of deploy/cron.example runs
deploy/gbaf-crawl.sh with the settings of an environment file; each run resumes the state of the
previous one, two runs never overlap, a failed run exits non-zero and says so, and
deploy/gbaf-last-run.sh tells how the newest run went."""
import json
import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, Replica

DEPLOY = ROOT / "deploy"
FAST_ARGS = ("-s DOWNLOAD_DELAY=0 -s AUTOTHROTTLE_ENABLED=0 -s CONCURRENT_REQUESTS_PER_DOMAIN=16 "
             "-s LOGSTATS_INTERVAL=0")


def cron_command(script, commented=False):
    """The command of the cron.example line that runs `script` (its 6th field on)."""
    for line in (DEPLOY / "cron.example").read_text().splitlines():
        if line.startswith("#") and commented:
            line = line[1:]
        fields = line.split(None, 5)
        if len(fields) == 6 and not line.startswith("#") and script in fields[5]:
            return fields[5]
    raise AssertionError(f"no cron line runs {script}")


def operator_env(tmp_path, **settings):
    """The environment cron gives the command: GBAF_HOME from the crontab, the rest from an env file."""
    env_file = tmp_path / "gbaf.env"
    # GBAF_CRAWL_ARGS holds spaces, unquoted as gbaf.env.example writes it (and systemd reads it).
    settings = {"GBAF_CRAWL_ARGS": FAST_ARGS, **settings}
    env_file.write_text("".join(f"{k}={v}\n" for k, v in settings.items()))
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("GBAF_", "SCRAPY_", "SCRAPYD_"))}
    env.update(GBAF_HOME=str(ROOT), GBAF_ENV_FILE=str(env_file), GBAF_PYTHON=sys.executable)
    return env


def run_cron_line(env, script="gbaf-crawl.sh", timeout=300):
    return subprocess.run(["/bin/sh", "-c", cron_command(script)], env=env, capture_output=True,
                          text=True, timeout=timeout, cwd="/")


def reports(data_dir):
    found = sorted(Path(data_dir, "articles").glob("*/*.report.json"), key=lambda p: p.stat().st_mtime)
    return [json.loads(p.read_text()) for p in found]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def site():
    replica = Replica("--articles", 30, "--seed", 7)
    yield replica
    replica.stop()


def test_cron_runs_crawl_and_each_run_resumes_the_previous_state(site, tmp_path):
    data = tmp_path / "data"
    env = operator_env(tmp_path, GBAF_BASE_URL=site.url, GBAF_DATA_DIR=data,
                       GBAF_STATE_URL=data / "state.sqlite")

    first = run_cron_line(env)
    assert first.returncode == 0, first.stderr
    assert first.stdout == first.stderr == "", "a good run prints nothing (cron mails output)"
    [report] = reports(data)
    assert report["status"] == "ok" and report["records"]["new"] > 0
    logs = sorted((data / "logs").glob("crawl-*.log"))
    assert len(logs) == 1 and "Run checks passed" in logs[0].read_text()
    assert (data / "state.sqlite").is_file()

    second = run_cron_line(env)
    assert second.returncode == 0, second.stderr
    first_report, second_report = reports(data)
    assert second_report["run_id"] != first_report["run_id"]
    assert second_report["status"] == "ok"
    # The second run started from what the first one committed: it knew its articles and
    # exported none of them again (the site did not change).
    log = max((data / "logs").glob("crawl-*.log"), key=lambda p: p.stat().st_mtime).read_text()
    known = re.search(r"state store: (\d+) known articles", log)
    assert known and int(known.group(1)) == first_report["records"]["new"], log[-2000:]
    assert second_report["records"]["new"] == 0
    assert second_report["pages"]["requests"] < first_report["pages"]["requests"]

    probe = subprocess.run([str(DEPLOY / "gbaf-last-run.sh")], env=env, capture_output=True, text=True)
    assert probe.returncode == 0 and probe.stdout.startswith("ok " + second_report["run_id"])


def test_two_runs_never_overlap(site, tmp_path):
    data = tmp_path / "data"
    env = operator_env(tmp_path, GBAF_BASE_URL=site.url, GBAF_DATA_DIR=data,
                       GBAF_STATE_URL=data / "state.sqlite")
    procs = [subprocess.Popen(["/bin/sh", "-c", cron_command("gbaf-crawl.sh")], env=env, cwd="/",
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(2)]
    outcomes = sorted((p.wait(300), p.stderr.read()) for p in procs)
    for p in procs:
        p.stdout.close()
        p.stderr.close()
    assert [code for code, _ in outcomes] == [0, 75], outcomes
    assert "skipped, another run holds" in outcomes[1][1]
    assert len(reports(data)) == 1


def test_a_failed_run_exits_non_zero_and_says_why(tmp_path):
    data = tmp_path / "data"
    env = operator_env(tmp_path, GBAF_BASE_URL=f"http://127.0.0.1:{free_port()}",  # the site is down
                       GBAF_DATA_DIR=data, GBAF_STATE_URL=data / "state.sqlite")
    env["GBAF_CRAWL_ARGS"] = FAST_ARGS + " -s RETRY_TIMES=0"  # the caller's value wins over the file
    run = run_cron_line(env)
    assert run.returncode == 1, run.stderr
    assert "gbaf-crawl: run failed (exit status 1)" in run.stderr
    assert "ERROR: Run failed: run checks failed" in run.stderr
    [report] = reports(data)
    assert report["status"] == "failed"
    assert report["problems"] == ["run checks failed: site/reachable"]
    assert "site unreachable: robots.txt could not be read (connection_refused)" in run.stderr
    probe = subprocess.run([str(DEPLOY / "gbaf-last-run.sh")], env=env, capture_output=True, text=True)
    assert probe.returncode == 1 and probe.stdout.startswith("failed ")


def test_systemd_units_run_the_recipe_scripts():
    units = {p.name: p.read_text() for p in (DEPLOY / "systemd").iterdir()}
    for name in ("gbaf-crawl", "gbaf-schedule"):
        service, timer = units[f"{name}.service"], units[f"{name}.timer"]
        exec_start = re.search(r"^ExecStart=/opt/gbaf/(\S+)$", service, re.M).group(1)
        script = ROOT / exec_start
        assert script.is_file() and os.access(script, os.X_OK), exec_start
        assert re.search(r"^SuccessExitStatus=75$", service, re.M), "a skipped run is no failure"
        assert re.search(r"^EnvironmentFile=/etc/gbaf/gbaf.env$", service, re.M)
        assert re.search(r"^OnCalendar=\S+", timer, re.M)
    assert "ExecStart=/opt/gbaf/venv/bin/scrapyd" in units["scrapyd.service"]
    assert cron_command("gbaf-schedule.sh", commented=True)


@pytest.mark.parametrize("script", ["gbaf-crawl.sh", "gbaf-schedule.sh", "gbaf-last-run.sh"])
def test_every_script_has_a_help_and_a_dry_run_that_do_nothing(tmp_path, script):
    env = operator_env(tmp_path, GBAF_DATA_DIR=tmp_path / "data", SCRAPYD_URL=f"http://127.0.0.1:{free_port()}",
                       GBAF_LOCK_FILE=tmp_path / "lock")
    for option in ("--help", "-h"):
        proc = subprocess.run(["/bin/sh", str(DEPLOY / script), option], env=env, capture_output=True, text=True,
                              timeout=60)
        assert proc.returncode == 0 and "Options: -h/--help" in proc.stdout and "Exit status" in proc.stdout
    proc = subprocess.run(["/bin/sh", str(DEPLOY / script), "--dry-run", "full=1"], env=env,
                          capture_output=True, text=True, timeout=60)
    if script == "gbaf-last-run.sh":
        assert proc.returncode == 2 and "no run report" in proc.stdout  # it only reads, dry or not
    else:
        assert proc.returncode == 0 and "would" in proc.stdout and "full=1" in proc.stdout, proc.stderr
    assert not (tmp_path / "data").exists() and not (tmp_path / "lock").exists()


def test_the_callers_environment_wins_over_the_env_file(tmp_path):
    env = operator_env(tmp_path, GBAF_DATA_DIR=tmp_path / "from-file")
    env["GBAF_DATA_DIR"] = str(tmp_path / "from-caller")
    proc = subprocess.run(["/bin/sh", str(DEPLOY / "gbaf-crawl.sh"), "-n"], env=env, capture_output=True,
                          text=True, timeout=60)
    assert f"data in {tmp_path / 'from-caller'}" in proc.stdout, proc.stdout
    assert "-s DOWNLOAD_DELAY=0 -s AUTOTHROTTLE_ENABLED=0" in proc.stdout  # GBAF_CRAWL_ARGS, from the file
