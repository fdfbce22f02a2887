"""The fetch-only baseline: plain Scrapy fetching a list of URLs and doing nothing with the responses.

    python -m bench.fetchonly URLS.json [-s NAME=VALUE ...]

Scrapy's own defaults (not the project's settings: no pipelines, extensions or middlewares of ours)
with the concurrency the crawl is measured at, the asyncio reactor the project uses, and redirects
off and duplicates allowed, so that it requests exactly the targets in URLS.json (the ones the
benchmarked crawl requested, as the bench server logged them) once each, in that order. It lives in
bench/, not in spiders/, so that `scrapy list` and Scrapyd never see it.
"""
import json
import sys

import scrapy
from scrapy.crawler import CrawlerProcess

SETTINGS = {
    "TWISTED_REACTOR": "twisted.internet.asyncioreactor.AsyncioSelectorReactor",
    "ROBOTSTXT_OBEY": False,  # robots.txt is in the list when the crawl fetched it
    "REDIRECT_ENABLED": False,  # the crawl's redirect targets are in the list too
    "RETRY_ENABLED": False,
    "COOKIES_ENABLED": False,
    "TELNETCONSOLE_ENABLED": False,
    "DOWNLOAD_DELAY": 0,
    "AUTOTHROTTLE_ENABLED": False,
    "CONCURRENT_REQUESTS": 16,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 16,
    "LOG_LEVEL": "INFO",
    "LOGSTATS_INTERVAL": 0,
    "HTTPERROR_ALLOW_ALL": True,  # a 404 of the list is a page fetched, not an error to log
}


class FetchOnlySpider(scrapy.Spider):
    name = "fetchonly"

    def __init__(self, urls, **kwargs):
        super().__init__(**kwargs)
        self.urls = urls

    async def start(self):
        for url in self.urls:
            yield scrapy.Request(url, callback=self.parse, dont_filter=True)

    def parse(self, response):
        return None


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if not argv:
        print(__doc__, file=sys.stderr)
        return 2
    with open(argv[0], encoding="utf-8") as f:
        urls = json.load(f)
    settings = dict(SETTINGS)
    rest = argv[1:]
    while rest:
        if rest[0] != "-s" or len(rest) < 2 or "=" not in rest[1]:
            print(f"unexpected argument {rest[0]!r}", file=sys.stderr)
            return 2
        name, value = rest[1].split("=", 1)
        settings[name] = value
        rest = rest[2:]
    process = CrawlerProcess(settings, install_root_handler=True)
    crawler = process.create_crawler(FetchOnlySpider)
    process.crawl(crawler, urls=urls)
    process.start()
    count = crawler.stats.get_value("response_received_count", 0)
    print(json.dumps({"responses": count, "urls": len(urls)}))
    return 0 if count == len(urls) else 1


if __name__ == "__main__":
    sys.exit(main())
