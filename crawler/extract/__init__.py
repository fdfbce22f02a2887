"""The article parser, as a package: one module per part (see page.py and docs/parser.md)."""
from crawler.extract.page import ArticlePage, parse_article

__all__ = ["ArticlePage", "parse_article"]
