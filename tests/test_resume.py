"""Resume with a job directory: a crawl paused, or killed with SIGKILL at any point, and started
again ends with exactly the records of an uninterrupted crawl: none lost, none twice."""
import collections
import signal
import subprocess
import tempfile
import time

from replica.site import Site
from tests.conftest import ROOT, crawl_command, delivered_records, run_crawl

SLOW = {"CONCURRENT_REQUESTS": "4", "CONCURRENT_REQUESTS_PER_DOMAIN": "4", "DOWNLOAD_DELAY": "0.02"}


def interrupted(cmd, after, sig, scraped=0):
    """Run cmd and send it sig `after` seconds after it has scraped `scraped` items (counted in
    its DEBUG log): a fixed delay alone lands in the start-up on a loaded machine, or after the end
    on a fast one."""
    with tempfile.TemporaryFile("w+") as err:  # a pipe nobody reads could fill and block the crawl
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=err, text=True)
        deadline = time.monotonic() + 120
        while scraped and proc.poll() is None and time.monotonic() < deadline:
            err.seek(0)
            if err.read().count("Scraped from <") >= scraped:
                break
            time.sleep(0.05)
        time.sleep(after)
        proc.send_signal(sig)
        proc.wait(timeout=120)
        err.seek(0)
        return proc.returncode, err.read()


def test_pause_and_three_kills_then_resume_give_every_record_once(replica, tmp_path):
    data, jobdir = tmp_path / "data", tmp_path / "job"
    settings = {**SLOW, "JOBDIR": str(jobdir)}
    debug = crawl_command(replica.url, data, settings={**settings, "LOG_LEVEL": "DEBUG"})
    # A graceful stop (SIGTERM) is a pause: what was extracted so far is delivered.
    _rc, err = interrupted(debug, 0.2, signal.SIGTERM, scraped=20)
    paused = delivered_records(data)
    assert 0 < len(paused) < 300, err[-2000:]
    # Then killed three times, at different points of the resumed crawl, each once it has scraped
    # a few records (a fixed delay alone lands before the JOBDIR is even marked on a loaded machine).
    for after, scraped in ((0.0, 3), (0.5, 5), (1.0, 8)):
        rc, err = interrupted(debug, after, signal.SIGKILL, scraped=scraped)
        assert rc == -signal.SIGKILL, "the crawl ended before it could be killed"
    final = run_crawl(replica.url, data, settings=settings)
    assert "was killed" in final.log  # the JOBDIR of a killed crawl is not trusted
    records = delivered_records(data)
    counts = collections.Counter(r["url"] for r in records)
    assert [u for u, n in counts.items() if n > 1] == []
    assert set(counts) == set(Site(articles=300, seed=1).expected_by_url())
    assert {r["version"] for r in records} == {1}


def test_no_partial_file_under_a_final_name_after_a_kill(replica, tmp_path):
    data = tmp_path / "data"
    cmd = crawl_command(replica.url, data, settings={**SLOW, "JOBDIR": str(tmp_path / "job")})
    interrupted(cmd, 2.0, signal.SIGKILL)
    finals = [p for p in data.rglob("*") if p.is_file() and not p.name.startswith(".")
              and p.suffix in (".jsonl", ".json", ".xml")]
    assert finals == []


def test_a_paused_crawl_resumes_its_frontier_and_misses_nothing(replica, tmp_path):
    """The article URLs waiting for a request (the sitemap's, as URLs, not Requests in Scrapy's
    queue) are saved in JOBDIR by a pause and requested by the resumed crawl, which alone (no
    later run) brings the delivered records to the whole site, each once. One listing page per
    category (max_pages=1), so that most articles come from the sitemap, through the frontier (on
    the replica, related links would still reach the rest: the log line says it was resumed)."""
    import json

    data, jobdir = tmp_path / "data", tmp_path / "job"
    settings = {**SLOW, "JOBDIR": str(jobdir)}
    _rc, err = interrupted(crawl_command(replica.url, data, "max_pages=1",
                                         settings={**settings, "LOG_LEVEL": "DEBUG"}),
                           0.2, signal.SIGTERM, scraped=20)
    paused = delivered_records(data)
    waiting = json.loads((jobdir / "gbaf.frontier.json").read_text())
    assert 0 < len(paused) < 300 and waiting, err[-2000:]
    resumed = run_crawl(replica.url, data, "max_pages=1", settings=settings)
    assert resumed.returncode == 0, resumed.log[-3000:]
    counts = collections.Counter(r["url"] for r in delivered_records(data))
    assert [u for u, n in counts.items() if n > 1] == []
    missing = set(Site(articles=300, seed=1).expected_by_url()) - set(counts)
    assert not missing, f"{len(missing)} articles never delivered"
    assert "resuming the frontier of the paused crawl" in resumed.log
