"""Scrapyd end to end, as an operator runs it: a real Scrapyd with deploy/scrapyd.conf (on a free
127.0.0.1 port, its own folders, basic auth from its environment), a deploy with `scrapyd-deploy`
(the `scrapyd_client.deploy` entry point), jobs scheduled through schedule.json against a running
replica, directly and by the cron recipe deploy/gbaf-schedule.sh.

`scrapyd-deploy` can exit 0 on a failed deploy and a job shows "finished" even when its process
died, so every check here looks at results: Scrapyd's answers, the job's log, its outputs and
run report, and the exit status Scrapyd logged for its process.
"""
import base64
import configparser
import hashlib
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import tomllib
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from pathlib import Path

import pytest

from replica.site import Site
from tests.conftest import ROOT, Replica
from tests.test_schedule import cron_command

ARTICLES, SEED = 30, 11
FAST = {"DOWNLOAD_DELAY": "0", "AUTOTHROTTLE_ENABLED": "0", "CONCURRENT_REQUESTS_PER_DOMAIN": "16",
        "LOGSTATS_INTERVAL": "0"}
USER = "gbaf-operator"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def clean_env(**extra):
    """This machine's environment without anything that could point a job back at the checkout."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("GBAF_", "SCRAPY_", "SCRAPYD_")) and k != "PYTHONPATH"}
    env.update({k: str(v) for k, v in extra.items()})
    return env


class Scrapyd:
    """`scrapyd` started from its own folder with deploy/scrapyd.conf, moved to a free port and to
    folders of its own: the job processes cannot see the checkout, only the deployed egg."""

    def __init__(self, root, env):
        self.root, self.port = Path(root), free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.password = env["SCRAPYD_PASSWORD"]
        config = configparser.ConfigParser()
        config.read(ROOT / "deploy" / "scrapyd.conf")
        section = config["scrapyd"]
        assert section["bind_address"] == "127.0.0.1" and section["username"] == section["password"] == ""
        section.update(http_port=str(self.port), poll_interval="0.2", eggs_dir=str(self.root / "eggs"),
                       dbs_dir=str(self.root / "dbs"), logs_dir=str(self.root / "logs"))
        with open(self.root / "scrapyd.conf", "w") as f:
            config.write(f)
        self.log = self.root / "scrapyd.log"
        with open(self.log, "wb") as out:
            self.proc = subprocess.Popen([sys.executable, "-m", "scrapyd"], cwd=self.root, env=env,
                                         stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while True:
            try:
                if self.get("daemonstatus.json")["status"] == "ok":
                    break
            except (OSError, ValueError):
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("scrapyd did not start:\n" + self.log.read_text()[-3000:])
            time.sleep(0.2)

    def request(self, path, data=None, auth=True):
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        req = urllib.request.Request(f"{self.url}/{path}", data=body)
        if auth:
            token = base64.b64encode(f"{USER}:{self.password}".encode()).decode()
            req.add_header("Authorization", f"Basic {token}")
        with urllib.request.urlopen(req, timeout=30) as resp:
            return json.loads(resp.read())

    def get(self, path, **params):
        return self.request(f"{path}?{urllib.parse.urlencode(params)}" if params else path)

    def wait_finished(self, job, timeout=180):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            jobs = self.get("listjobs.json", project="gbaf")
            if any(j["id"] == job for j in jobs["finished"]):
                return
            time.sleep(0.3)
        raise AssertionError(f"job {job} did not finish: {jobs}\n{self.log.read_text()[-3000:]}")

    def process_outcome(self, job):
        """What Scrapyd logged when the job's process ended: 'finished' or 'died: exitstatus=N'."""
        for line in self.log.read_text().splitlines():
            if f"job='{job}'" in line and "Process finished:" in line:
                return "finished"
            if f"job='{job}'" in line and "Process died:" in line:
                return "died: " + line.split("Process died: ", 1)[1].split(" ", 1)[0]
        return None

    def job_log(self, job):
        return (self.root / "logs" / "gbaf" / "gbaf" / f"{job}.log").read_text()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


@pytest.fixture(scope="module")
def site():
    replica = Replica("--articles", ARTICLES, "--seed", SEED)
    yield replica
    replica.stop()


@pytest.fixture(scope="module")
def deployment(site, tmp_path_factory):
    """A running Scrapyd with the project deployed; the operator's environment for the clients."""
    root = tmp_path_factory.mktemp("scrapyd")
    home, data = root / "home", root / "data"
    home.mkdir()
    password = secrets.token_urlsafe(18)
    server = Scrapyd(root, clean_env(HOME=home, SCRAPYD_USERNAME=USER, SCRAPYD_PASSWORD=password,
                                     GBAF_DATA_DIR=data, GBAF_STATE_URL=data / "state.sqlite"))
    # The operator's deploy target: the URL without a trailing slash, credentials from the
    # environment (scrapyd-client expands ${VARS} in scrapy.cfg files), none in any file.
    (home / ".scrapy.cfg").write_text(
        f"[deploy:itest]\nurl = {server.url}\nproject = gbaf\n"
        "username = ${SCRAPYD_USERNAME}\npassword = ${SCRAPYD_PASSWORD}\n")
    operator = clean_env(HOME=home, SCRAPYD_USERNAME=USER, SCRAPYD_PASSWORD=password)
    try:
        yield server, operator, data
    finally:
        server.stop()


def deploy(operator, *args, cwd=ROOT):
    return subprocess.run([sys.executable, "-m", "scrapyd_client.deploy", *args], cwd=cwd,
                          env=operator, capture_output=True, text=True, timeout=300)


def test_scrapyd_requires_the_credentials(deployment):
    server, _, _ = deployment
    with pytest.raises(urllib.error.HTTPError) as refused:
        server.request("daemonstatus.json", auth=False)
    assert refused.value.code == 401


def test_the_egg_holds_the_crawler_and_nothing_else(deployment, tmp_path):
    """Built in a fresh copy of the checkout's files, as in a new clone: a build/ or *.egg-info
    left by an earlier build would bring files the packaging no longer names."""
    _, operator, _ = deployment
    clone, egg = tmp_path / "clone", tmp_path / "gbaf.egg"
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                            capture_output=True)
    if listed.returncode != 0:  # not a git checkout (an unpacked archive): built where it is
        clone = ROOT
    for name in filter(None, listed.stdout.decode().split("\0") if clone != ROOT else ()):
        if (ROOT / name).is_file():
            (clone / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, clone / name)
    built = deploy(operator, "--build-egg", str(egg), cwd=clone)
    assert built.returncode == 0, built.stderr
    with zipfile.ZipFile(egg) as z:
        names = set(z.namelist())
        entry_points = z.read("EGG-INFO/entry_points.txt").decode()
        schema = z.read("schemas/article.schema.json")
        pkg_info = z.read("EGG-INFO/PKG-INFO").decode()
    tops = {n.split("/")[0] for n in names}
    assert tops == {"EGG-INFO", "crawler", "spiders", "pipelines", "schemas"}, tops
    assert {"crawler/settings.py", "crawler/commands/crawl.py", "crawler/commands/seed.py",
            "crawler/commands/merge.py", "crawler/crawl/sources.py", "crawler/run/monitors.py",
            "spiders/gbaf.py", "pipelines/validate.py"} <= names
    # The schema beside pipelines/ as in the checkout: pipelines/validate.py finds it at ../schemas.
    assert schema == (ROOT / "schemas" / "article.schema.json").read_bytes()
    # Everything comes from pyproject.toml (setup.py is a shim): the name, the version, the entry
    # point by which Scrapyd finds the settings, and the console scripts.
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert f"Name: {project['name']}\n" in pkg_info and f"Version: {project['version']}\n" in pkg_info
    points = configparser.ConfigParser()
    points.read_string(entry_points)
    assert dict(points["scrapy"]) == {"settings": "crawler.settings"}
    assert dict(points["console_scripts"]) == project["scripts"] == {
        "gbaf-seed": "crawler.commands.seed:main", "gbaf-merge": "crawler.commands.merge:main",
        "gbaf-parse": "crawler.commands.parse:main"}


def test_deploy_schedule_and_run(deployment, site):
    server, operator, data = deployment
    deployed = deploy(operator, "itest", "-v", "r1")
    assert deployed.returncode == 0, deployed.stderr
    answer = json.loads(deployed.stdout)  # exit 0 is not enough: read Scrapyd's answer
    assert answer["status"] == "ok" and answer["spiders"] == 3 and answer["version"] == "r1", answer
    assert server.get("listversions.json", project="gbaf")["versions"] == ["r1"]
    assert server.get("listspiders.json", project="gbaf")["spiders"] == ["gbaf", "gbaf_store", "gbaf_warc"]

    # --- a job scheduled through schedule.json --------------------------------------------------
    # WARC on: its writer process starts from the deployed egg, as the crawl's own code does
    params = [("project", "gbaf"), ("spider", "gbaf"), ("setting", f"GBAF_BASE_URL={site.url}"),
              ("setting", f"GBAF_WARC_DIR={data / 'warc'}"), *[("setting", f"{k}={v}") for k, v in FAST.items()]]
    scheduled = server.request("schedule.json", params)
    assert scheduled["status"] == "ok", scheduled
    job = scheduled["jobid"]
    server.wait_finished(job)
    assert server.process_outcome(job) == "finished"
    log = server.job_log(job)
    assert " ERROR: " not in log and " CRITICAL: " not in log, log[-3000:]
    assert "Run checks passed" in log

    # Its outputs, named after the job (Scrapyd's `_job` argument is the run id).
    day = next((data / "articles").iterdir())
    jsonl, manifest = day / f"{job}.jsonl", json.loads((day / f"{job}.manifest.json").read_text())
    report = json.loads((day / f"{job}.report.json").read_text())
    lines = jsonl.read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines]
    [output] = [o for o in manifest["outputs"] if o["format"] == "jsonlines"]
    assert output["records"] == len(records) and manifest["run_id"] == job
    assert output["sha256"] == hashlib.sha256(jsonl.read_bytes()).hexdigest()
    assert report["status"] == "ok" and report["records"]["exported"] == len(records)
    expected = {r["url"] for r in Site(articles=ARTICLES, seed=SEED).expected_records()}
    assert {r["url"] for r in records} == expected
    from urllib.parse import urlsplit

    from warcio.archiveiterator import ArchiveIterator

    [warc] = (data / "warc").glob(f"GBAF-{job}-*.warc.gz")
    with open(warc, "rb") as f:
        archived = {urlsplit(r.rec_headers.get_header("WARC-Target-URI")).path for r in ArchiveIterator(f)
                    if r.rec_type == "response"}
    assert {urlsplit(url).path for url in expected} <= archived

    # --- the cron recipe's next run: resumes the state, never overlaps ---------------------------
    recipe = cron_command("gbaf-schedule.sh", commented=True) + ' "$@"'
    env = {**operator, "GBAF_HOME": str(ROOT), "SCRAPYD_URL": server.url + "/",
           "GBAF_ENV_FILE": str(data.parent / "no-such.env"), "GBAF_PYTHON": sys.executable,
           "GBAF_LOCK_FILE": str(data.parent / "schedule.lock")}
    args = [f"setting=GBAF_BASE_URL={site.url}", "setting=DOWNLOAD_DELAY=0.1",
            "setting=AUTOTHROTTLE_ENABLED=0", "setting=LOGSTATS_INTERVAL=0"]

    def schedule_by_recipe():
        return subprocess.run(["/bin/sh", "-c", recipe, "sh", *args], env=env, capture_output=True,
                              text=True, timeout=60, cwd="/")

    first = schedule_by_recipe()
    assert first.returncode == 0, first.stderr
    second_job = first.stdout.strip()
    again = schedule_by_recipe()  # while that job is pending or running
    assert again.returncode == 75 and "still pending or running" in again.stderr, again
    server.wait_finished(second_job)
    assert server.process_outcome(second_job) == "finished"
    second_log = server.job_log(second_job)
    assert f"state store: {len(records)} known articles" in second_log
    assert " ERROR: " not in second_log, second_log[-3000:]
    second_report = json.loads((day / f"{second_job}.report.json").read_text())
    assert second_report["status"] == "ok" and second_report["records"]["new"] == 0
    listed = server.get("listjobs.json", project="gbaf")
    assert not listed["pending"] and not listed["running"]

    # --- a failed run: its process exits 1, though Scrapyd lists it as finished -------------------
    down = f"http://127.0.0.1:{free_port()}"
    args[0] = f"setting=GBAF_BASE_URL={down}"
    args.append("setting=RETRY_TIMES=0")
    third = schedule_by_recipe()
    assert third.returncode == 0, third.stderr
    third_job = third.stdout.strip()
    server.wait_finished(third_job)
    assert server.process_outcome(third_job) == "died: exitstatus=1"
    assert "ERROR: Run failed: run checks failed" in server.job_log(third_job)
    third_report = json.loads((day / f"{third_job}.report.json").read_text())
    assert third_report["status"] == "failed"
    probe = subprocess.run([str(ROOT / "deploy" / "gbaf-last-run.sh")], capture_output=True, text=True,
                           env={**env, "GBAF_DATA_DIR": str(data)})
    assert probe.returncode == 1 and probe.stdout.startswith(f"failed {third_job}")

    # --- the credentials appear in no log and no output ---------------------------------------
    secret = server.password.encode()
    written = [server.log, *(server.root / "logs").rglob("*.log"), *data.rglob("*.json"),
               *data.rglob("*.jsonl")]
    assert all(secret not in p.read_bytes() for p in written)
