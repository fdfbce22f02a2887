"""The project's commands.

Commands of `scrapy` (COMMANDS_MODULE; a module here with a `Command` class is one): `crawl`, with
an exit code that tells how the run went and its arguments checked first; `export`, the full
export; `parse`, `shell` and `check`, Scrapy's tools for one page. Commands of their own (console
entry points in pyproject.toml, or `python -m crawler.commands.NAME`): `gbaf-seed` (seed.py, seed a
distributed crawl), `gbaf-merge` (merge.py, merge its workers' outputs) and `gbaf-parse` (parse.py,
the parser alone on one saved page). `-s NAME=VALUE` reads the same in all of them
(`add_setting_option`).

The tools look at a page; they are no run. Their settings (`TOOL_SETTINGS`, over the project's,
while `-s` still overrides them) leave out everything a run has besides fetching and
parsing: no state store (nothing read, nothing committed), no outputs, no run report or checks,
no sitemaps taken from robots.txt, no frontier fed behind Scrapy's back, no shared Redis queue,
and no browser (`-s GBAF_RENDER=auto` brings it back).
"""
from __future__ import annotations

import argparse

from scrapy.settings import SETTINGS_PRIORITIES

TOOL_SETTINGS = {
    "GBAF_STATE_ENABLED": False,
    "GBAF_REDIS_URL": None,
    "GBAF_ROBOTS_SITEMAPS": False,
    "GBAF_FRONTIER_TARGET": 0,
    "GBAF_RENDER": "never",
    "GBAF_MANIFEST_ENABLED": False,
    "FEEDS": {},
    "GBAF_LATEST_FEEDS": {},
    "SPIDERMON_ENABLED": False,
    "STATS_CLASS": "scrapy.statscollectors.MemoryStatsCollector",  # no run history either
    "EXTENSIONS": {},  # the run report, manifest, state, JOBDIR guard and Spidermon
    "SPIDER_CONTRACTS": {"crawler.contracts.SiteContract": 10},
}


class ToolCommand:
    """Mixin of the tool commands: TOOL_SETTINGS over the project's settings. Scrapy's own
    `default_settings` of a command rank below the project's, so they would change nothing here."""

    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        super().process_options(args, opts)
        for name, value in TOOL_SETTINGS.items():
            if (self.settings.getpriority(name) or 0) < SETTINGS_PRIORITIES["cmdline"]:
                self.settings.set(name, value, priority="cmdline")


def name_value(text: str) -> tuple[str, str]:
    """An argparse type for `-s NAME=VALUE` and `-a NAME=VALUE`: (NAME, VALUE), or a usage error."""
    name, sep, value = text.partition("=")
    if not sep or not name:
        raise argparse.ArgumentTypeError(f"{text!r}: expected NAME=VALUE")
    return name, value


def add_setting_option(parser: argparse.ArgumentParser, help: str) -> None:
    """`-s NAME=VALUE` (repeatable) as `scrapy crawl` takes it: `dict(args.set)` is what was given."""
    parser.add_argument("-s", "--set", action="append", type=name_value, default=[], metavar="NAME=VALUE",
                        help=help)
