"""The gbaf spider's arguments (`-a NAME=VALUE`, Scrapyd's spider arguments): read and checked once.

They are plain strings (Scrapyd passes nothing else). A value that cannot be read, or a name the
spider does not take, is an `ArgumentError` with a one-line message, raised before anything is
fetched: `scrapy crawl` (crawler/commands/crawl.py) prints it and exits 2.
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass
from datetime import datetime, timezone

from crawler.text import to_utc_iso
from crawler.urls import KNOWN_CATEGORIES

ARGUMENTS = {
    "categories": "news categories to crawl, comma-separated (default: all)",
    "max_pages": "listing pages per category (default: no limit; 0: no limit)",
    "since": "skip articles published before that day (YYYY-MM-DD)",
    "full": "1: fetch every article page, whatever the state store knows",
}
_TRUE, _FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off", "")


class ArgumentError(ValueError):
    """A spider argument that cannot be used; str() is the line to show."""


@dataclass(frozen=True)
class SpiderArguments:
    categories: list[str] | None = None
    max_pages: int | None = None
    since: str | None = None  # ISO 8601 UTC
    full: bool = False
    job: str | None = None  # Scrapyd's job id

    @classmethod
    def parse(cls, categories: str | None = None, max_pages: str | None = None, since: str | None = None,
              full: str | None = None, _job: str | None = None, **others: str) -> "SpiderArguments":
        """The arguments as the spider uses them; ArgumentError for any that cannot be."""
        # Scrapyd passes its own (_job, _version...): a leading underscore is never a typo of ours.
        unknown = sorted(k for k in others if not k.startswith("_"))
        if unknown:
            name = unknown[0]
            close = difflib.get_close_matches(name, ARGUMENTS, n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
            raise ArgumentError(f"unknown spider argument {name}={others[name]!r}{hint}; "
                                f"the gbaf spider takes {', '.join(ARGUMENTS)}")
        return cls(categories=_categories(categories), max_pages=_max_pages(max_pages),
                   since=_since(since), full=_flag("full", full), job=_job)


def _categories(value):
    if value is None:
        return None
    wanted = list(dict.fromkeys(c.strip().lower() for c in str(value).split(",") if c.strip()))
    if not wanted:
        return None
    unknown = [c for c in wanted if c not in KNOWN_CATEGORIES]
    if unknown:
        raise ArgumentError(f"categories={value!r}: no news category {', '.join(unknown)}; "
                            f"the site's are {', '.join(KNOWN_CATEGORIES)}")
    return wanted


def _max_pages(value):
    if value in (None, ""):
        return None
    text = str(value).strip()
    if not text.isascii() or not text.lstrip("-").isdigit():
        raise ArgumentError(f"max_pages={value!r} is not a whole number of pages")
    pages = int(text)
    if pages < 0:
        raise ArgumentError(f"max_pages={value!r} is negative (0 or nothing means no limit)")
    return pages or None


def _since(value):
    if value in (None, ""):
        return None
    iso = to_utc_iso(value)
    if iso is None:
        raise ArgumentError(f"since={value!r} is not a date (YYYY-MM-DD)")
    if iso > datetime.now(timezone.utc).isoformat():
        raise ArgumentError(f"since={value!r} is in the future: nothing would be crawled")
    return iso


def _flag(name, value):
    text = "" if value is None else str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ArgumentError(f"{name}={value!r} is not 1 or 0")
