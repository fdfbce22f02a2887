"""`from crawler.article import ArticlePage`: the parser's public name, kept for the spider, the
renderer, the benchmarks and the tests. The parser itself is the `crawler.extract` package."""
from crawler.extract import ArticlePage, parse_article

__all__ = ["ArticlePage", "parse_article"]
