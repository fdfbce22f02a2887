"""Project commands of `scrapy` (COMMANDS_MODULE): `crawl`, with an exit code that tells how the run went."""
