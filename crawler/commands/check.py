"""`scrapy check gbaf`: the contracts of the spider's callbacks (crawler.contracts), run with the
settings of a tool (crawler.commands.TOOL_SETTINGS) against GBAF_BASE_URL."""
from scrapy.commands.check import Command as ScrapyCheckCommand

from crawler.commands import ToolCommand


class Command(ToolCommand, ScrapyCheckCommand):
    pass
