"""`scrapy parse`: Scrapy's, on one page and nothing else (crawler.commands.TOOL_SETTINGS).

`scrapy parse --spider gbaf URL` calls the spider's `parse`, which routes the page to the callback
its kind of URL asks for (home, listing, article, sitemap or feed); `-c parse_article` names one.
"""
from scrapy.commands.parse import Command as ScrapyParseCommand

from crawler.commands import ToolCommand


class Command(ToolCommand, ScrapyParseCommand):
    pass
