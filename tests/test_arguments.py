"""Spider arguments and GBAF_* settings that cannot be used: one clear line, exit 2, nothing fetched;
and every GBAF_* setting read from the environment, with its default from one table."""
import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from crawler.arguments import ArgumentError, SpiderArguments
from crawler.defaults import DEFAULTS, check_settings, setting
from tests.conftest import ROOT, crawl_command


class Counting(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self):
        hits = self.hits = []

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                hits.append(self.path)
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        super().__init__(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server_address[1]}"
        threading.Thread(target=self.serve_forever, daemon=True).start()


@pytest.fixture(scope="module")
def site():
    server = Counting()
    yield server
    server.shutdown()


@pytest.mark.parametrize("args,env,says", [
    (["since=garbage"], {}, "since='garbage' is not a date"),
    (["max_pages=abc"], {}, "max_pages='abc' is not a whole number"),
    (["max_pages=-1"], {}, "max_pages='-1' is negative"),
    (["categores=banking"], {}, "unknown spider argument categores='banking' (did you mean categories?)"),
    (["categories=nonexistent"], {}, "no news category nonexistent"),
    ([], {"GBAF_FEED_MAX_ENTRIES": "abc"}, "GBAF_FEED_MAX_ENTRIES='abc' is not a whole number"),
    ([], {"GBAF_DATA_DIR": "unwritable"}, "cannot be written (Not a directory)"),
])
def test_an_unusable_argument_or_setting_stops_the_crawl_before_its_first_request(site, tmp_path, args, env, says):
    if env.get("GBAF_DATA_DIR") == "unwritable":
        (tmp_path / "file").write_text("")
        env = {"GBAF_DATA_DIR": str(tmp_path / "file" / "data")}
    cmd = crawl_command(site.url, tmp_path / "data", *args)
    if "GBAF_DATA_DIR" in env:  # given by the environment only: drop the -s the helper adds
        i = cmd.index(f"GBAF_DATA_DIR={tmp_path / 'data'}")
        del cmd[i - 1:i + 1]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=120,
                          env={**os.environ, **env})
    assert proc.returncode == 2, proc.stderr[-2000:]
    lines = [line for line in proc.stderr.splitlines() if line.startswith("scrapy crawl gbaf: ")]
    assert len(lines) == 1 and says in lines[0], proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr
    assert site.hits == []


def test_scrapy_list_works_whatever_a_setting_says():
    proc = subprocess.run([sys.executable, "-m", "scrapy", "list"], cwd=ROOT, capture_output=True, text=True,
                          timeout=120, env={**os.environ, "GBAF_FEED_MAX_ENTRIES": "abc"})
    assert proc.returncode == 0 and "gbaf" in proc.stdout.split(), proc.stderr[-2000:]


def test_every_gbaf_setting_is_read_from_the_environment():
    env = {**os.environ, "GBAF_REVISIT_HOURS": "1", "GBAF_MONITOR_ALLOWED_COUNT": "7",
           "GBAF_LATEST_FEEDS": '{"atom": "x.xml"}'}
    out = {}
    for name in ("GBAF_REVISIT_HOURS", "GBAF_MONITOR_ALLOWED_COUNT", "GBAF_LATEST_FEEDS"):
        out[name] = subprocess.run([sys.executable, "-m", "scrapy", "settings", "--get", name], cwd=ROOT,
                                   capture_output=True, text=True, timeout=120, env=env).stdout.strip()
    assert out == {"GBAF_REVISIT_HOURS": "1", "GBAF_MONITOR_ALLOWED_COUNT": "7", "GBAF_LATEST_FEEDS": '{"atom": "x.xml"}'}


def test_the_project_settings_take_every_default_of_the_one_table():
    from scrapy.settings import Settings

    import crawler.settings as project

    for name, default in DEFAULTS.items():
        if name not in os.environ:
            assert getattr(project, name) == default, name
    # A crawler without the project's settings (a test, a tool) reads the same defaults.
    assert setting(Settings(), "GBAF_STATE_ENABLED") is True
    assert setting(Settings({"GBAF_STATE_ENABLED": "0"}), "GBAF_STATE_ENABLED") is False
    with pytest.raises(KeyError):
        setting(Settings(), "GBAF_STATE_ENABLE")  # a misspelt name is no silent None


def test_check_settings_names_each_value_that_cannot_be_read():
    from scrapy.settings import Settings

    assert check_settings(Settings(DEFAULTS)) == []
    bad = Settings({**DEFAULTS, "GBAF_NEAR_DUP_THRESHOLD": "1.5", "GBAF_RENDER": "sometimes",
                    "GBAF_STATE_ENABLED": "maybe", "GBAF_CHEAP_SOURCES": "{", "GBAF_LISTING_MARGIN": "-2"})
    problems = check_settings(bad)
    assert len(problems) == 5, problems


@pytest.mark.parametrize("given,expected", [
    ({}, SpiderArguments()),
    ({"categories": "Banking, finance,banking"}, SpiderArguments(categories=["banking", "finance"])),
    ({"max_pages": "0"}, SpiderArguments()),
    ({"max_pages": "3", "full": "1", "_job": "abc", "_version": "r1"},
     SpiderArguments(max_pages=3, full=True, job="abc")),
    ({"since": "2026-01-02"}, SpiderArguments(since="2026-01-02T00:00:00+00:00")),
])
def test_spider_arguments(given, expected):
    assert SpiderArguments.parse(**given) == expected


@pytest.mark.parametrize("given", [{"max_pages": "²"}, {"full": "maybe"}, {"since": "2999-01-01"},
                                   {"start_urls": "http://evil.example/"}])
def test_spider_arguments_that_cannot_be_used(given):
    with pytest.raises(ArgumentError):
        SpiderArguments.parse(**given)
