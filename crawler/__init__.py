"""The GBAF Scrapy project: settings, the article record, the article parser and URL rules."""
