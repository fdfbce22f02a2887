"""`scrapy shell`: Scrapy's, with the settings of a tool (crawler.commands.TOOL_SETTINGS): no browser
to wait for, no run outputs that need a gbaf spider's run id."""
from scrapy.commands.shell import Command as ScrapyShellCommand

from crawler.commands import ToolCommand


class Command(ToolCommand, ScrapyShellCommand):
    pass
