"""The exported article record (../shared/article-contract.md), as a Scrapy item.

`ARTICLE_FIELDS` is the contract's field order; exporters write exactly these fields.
"""
import scrapy

SCHEMA_VERSION = 1

ARTICLE_FIELDS = (
    "schema_version",
    "id",
    "url",
    "title",
    "category",
    "tags",
    "authors",
    "source",
    "dateline",
    "published_at",
    "updated_at",
    "summary",
    "body",
    "key_takeaways",
    "faq",
    "references",
    "related",
    "image_url",
    "reading_time_minutes",
    "word_count",
    "language",
    "truncated",
    "content_hash",
    "version",
    "crawled_at",
    "extraction",
)


class ArticleItem(scrapy.Item):
    """One article, every field of the contract (null or empty where the page has none)."""

    locals().update({name: scrapy.Field() for name in ARTICLE_FIELDS})
    # Private, not in ARTICLE_FIELDS (never exported): the near-duplicate signature the dedupe
    # pipeline computed, carried to the version pipeline, which stores it and removes it.
    _signature = scrapy.Field()
