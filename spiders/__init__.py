"""Spiders only: every module here is imported by `scrapy list` and by Scrapyd."""
