"""Scrapy contracts for the gbaf spider's callbacks (`scrapy check gbaf`).

`@site PATH` is Scrapy's `@url` on the site the crawl is pointed at (GBAF_BASE_URL): the same
contracts check the live site and a replica.
"""
from typing import Any

from scrapy.contracts import Contract


class SiteContract(Contract):
    """@site /category/banking/"""

    name = "site"

    def adjust_request_args(self, args: dict[str, Any]) -> dict[str, Any]:
        spider = args["callback"].__self__  # the bound callback of the spider under test
        args["url"] = spider.site.base_url + self.args[0]
        return args
