"""Scrapy's own tools on the project, as a user types them: `scrapy parse` and `scrapy shell` look at
one page and leave nothing behind (no run, no outputs, no state), `scrapy check gbaf` runs the
callbacks' contracts against the site GBAF_BASE_URL names."""
import re
import subprocess
import sys
from urllib.parse import urlsplit

import pytest

from tests.conftest import ROOT


def scrapy(*args, timeout=120):
    return subprocess.run([sys.executable, "-m", "scrapy", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout)


@pytest.fixture(scope="module")
def article(replica):
    import http.client

    parts = urlsplit(replica.url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    conn.request("GET", "/sitemap-news.xml")
    loc = re.search(r"<loc>([^<]+)</loc>", conn.getresponse().read().decode()).group(1)
    conn.close()
    return replica.url + urlsplit(loc).path


def site_settings(replica, data_dir):
    return ["-s", f"GBAF_BASE_URL={replica.url}", "-s", f"GBAF_DATA_DIR={data_dir}",
            "-s", f"GBAF_STATE_URL={data_dir / 'state.sqlite'}"]


@pytest.mark.parametrize("callback", [[], ["-c", "parse_article"]])
def test_scrapy_parse_parses_that_one_page_and_delivers_nothing(replica, article, tmp_path, callback):
    data = tmp_path / "data"
    proc = scrapy("parse", "--spider", "gbaf", *callback, *site_settings(replica, data), article)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "# Scraped Items" in proc.stdout and f"'url': 'https://www.globalbankingandfinance.com" in proc.stdout
    assert proc.stdout.count("'schema_version'") == 1  # one record
    assert "'downloader/request_count': 2," in proc.stderr  # robots.txt and the page
    assert "Traceback" not in proc.stderr
    assert not data.exists() or not any(data.rglob("*"))  # no outputs, no report, no state store


def test_scrapy_parse_routes_a_listing_by_its_url(replica, tmp_path):
    proc = scrapy("parse", "--spider", "gbaf", *site_settings(replica, tmp_path), replica.url + "/category/banking/")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "# Requests" in proc.stdout and proc.stdout.count("<GET ") > 2


def test_scrapy_shell_works_with_the_default_settings(replica, tmp_path):
    proc = scrapy("shell", replica.url + "/category/banking/", "-c", "(response.status, len(response.css('article a')) > 0)",
                  timeout=90)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.strip() == "(200, True)"
    assert "Traceback" not in proc.stderr


def test_scrapy_check_runs_the_contracts_of_the_callbacks(replica, tmp_path):
    proc = scrapy("check", "gbaf", *site_settings(replica, tmp_path))
    assert proc.returncode == 0, proc.stderr[-3000:]
    ran = int(re.search(r"Ran (\d+) contracts", proc.stderr).group(1))
    assert ran >= 6 and "OK" in proc.stderr


@pytest.mark.parametrize("module, name", [("crawler.commands.parse", "gbaf-afp-two-h1"),
                                          ("crawler.commands.parse", "gbaf-company-page"),
                                          ("crawler.parse", "gbaf-afp-two-h1")])
def test_gbaf_parse_prints_the_record_of_a_saved_page_or_why_it_is_none(module, name):
    """`gbaf-parse PAGE --url URL` (crawler/commands/parse.py, without installing the project; the
    older `python -m crawler.parse` too): the record the parser makes of the saved page, or, for a
    page that is no article, the reason and exit status 1."""
    import json

    page = ROOT / "tests" / "fixtures" / "pages" / f"{name}.html"
    expected = json.loads(page.with_suffix(".json").read_text(encoding="utf-8"))
    proc = subprocess.run([sys.executable, "-m", module, str(page), "--url", expected["url"]],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    printed = json.loads(proc.stdout)
    if "record" in expected:
        assert proc.returncode == 0, proc.stderr[-3000:]
        assert {k: printed[k] for k in ("url", "title", "published_at", "authors")} == \
            {k: expected["record"][k] for k in ("url", "title", "published_at", "authors")}
    else:
        assert proc.returncode == 1 and printed["article"] is False and printed["reason"], proc.stdout


@pytest.mark.parametrize("old, new", [("crawler.seed", "crawler.commands.seed"),
                                      ("crawler.distributed.merge", "crawler.commands.merge"),
                                      ("crawler.parse", "crawler.commands.parse")])
def test_the_commands_old_module_paths_still_run_the_same_command(old, new):
    """An operator's schedule written before the commands moved to crawler/commands/ keeps working:
    the old `python -m` path is the same command (same usage, exit 0 on --help)."""
    def usage(module):
        proc = subprocess.run([sys.executable, "-m", module, "--help"], cwd=ROOT,
                              capture_output=True, text=True, timeout=120)
        assert proc.returncode == 0, proc.stderr[-2000:]
        return proc.stdout

    assert usage(old) == usage(new) and usage(new).startswith("usage: gbaf-")
