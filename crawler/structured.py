"""Structured data embedded in a page: JSON-LD, Next.js page data, and meta tags (the parser's
generic layers). The code is in `crawler.extract.jsonld` and `crawler.extract.nextdata`; these names
stay importable from here."""
from crawler.extract.jsonld import (  # noqa: F401 - re-exported
    ARTICLE_TYPES, NON_ARTICLE_TYPES, JsonLd, Meta, text_of, texts_of, url_of)
from crawler.extract.nextdata import NextData, flight_payload, flight_rows  # noqa: F401 - re-exported

__all__ = ["ARTICLE_TYPES", "NON_ARTICLE_TYPES", "JsonLd", "Meta", "NextData", "flight_payload",
           "flight_rows", "text_of", "texts_of", "url_of"]
