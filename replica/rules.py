"""The record rules of docs/record-rules.md, written for the replica.

The replica is the test oracle for the crawler, so these derivations (url, id, body,
content_hash, word_count, dates, truncated) are implemented here independently of the
crawler's own code: if the two readings of the rules disagree, a test shows it.
"""
from __future__ import annotations

import hashlib
import re
import unicodedata
from datetime import datetime, timezone
from urllib.parse import urlsplit

SITE_ROOT = "https://www.globalbankingandfinance.com"
SITE_HOST = "www.globalbankingandfinance.com"

_WHITESPACE = re.compile(r"\s+")
# A sentence ends with . ! ? or …, possibly followed by closing quotes or brackets.
_SENTENCE_END = re.compile(r"[.!?…][\"'”’»)\]]*$")


def normalise(text: str) -> str:
    """NFC, every whitespace run (non-breaking spaces included) to one space, trimmed."""
    return _WHITESPACE.sub(" ", unicodedata.normalize("NFC", text)).strip()


def canonical_url(path_or_url: str) -> str:
    """The site's canonical https URL for a path or URL: trailing slash, no query, no fragment."""
    path = urlsplit(path_or_url).path or "/"
    if not path.startswith("/"):
        path = "/" + path
    if not path.endswith("/"):
        path += "/"
    return SITE_ROOT + path


def record_id(url: str) -> str:
    return hashlib.sha256(url.encode("utf-8")).hexdigest()[:16]


def join_body(paragraphs) -> str:
    return "\n\n".join(p for p in (normalise(x) for x in paragraphs) if p)


def word_count(body: str) -> int:
    return len(body.split())


def content_hash(title: str, body: str) -> str:
    return hashlib.sha256((title + "\n\n" + body).encode("utf-8")).hexdigest()


def ends_sentence(text: str) -> bool:
    return bool(_SENTENCE_END.search(text))


def is_truncated(body: str) -> bool:
    last = body.rsplit("\n\n", 1)[-1] if body else ""
    return not ends_sentence(last)


def iso_utc(ts: int) -> str:
    """`YYYY-MM-DDTHH:MM:SS+00:00` for a Unix timestamp."""
    return datetime.fromtimestamp(ts, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S+00:00")


def midnight_utc(ts: int) -> int:
    return ts - ts % 86400


def dedupe(names) -> list:
    """Page order, duplicates removed case-insensitively, first spelling kept."""
    seen, out = set(), []
    for name in names:
        name = normalise(name)
        if name and name.casefold() not in seen:
            seen.add(name.casefold())
            out.append(name)
    return out
