"""`scrapy export -O all.jsonl`: the latest stored version of every article (spiders/store_export.py).

The crawl command (with its exit code) running the `gbaf_store` spider, with only the outputs the
command line names: Scrapy merges `-o`/`-O` into the project's FEEDS, whose per-run JSON Lines file
would otherwise hold the whole archive again as if it were one run's new records.
"""
from __future__ import annotations

import argparse

from crawler.commands.crawl import Command as CrawlCommand


class Command(CrawlCommand):
    def syntax(self) -> str:
        return "[-O FILE[:FORMAT]]..."

    def short_desc(self) -> str:
        return "Export the latest stored version of every article, in any feed format"

    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        feeds = self.settings["FEEDS"]
        for uri in list(feeds):  # the project's outputs; -o/-O are merged in after this
            feeds.delete(uri, priority="cmdline")
        super().process_options(args, opts)

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        super().run(["gbaf_store"], opts)
