"""Shared cleaners for text, dates and names, used by the parser and the normalize pipeline."""
from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from scrapy.http import TextResponse

_WS = re.compile(r"\s+")
_SURROGATE = re.compile(r"[\ud800-\udfff]")
_TAG = re.compile(r"<[^>]+>")


def clean(value: str | None) -> str | None:
    """Unicode NFC, whitespace runs (nbsp too) collapsed, trimmed; None stays None."""
    if value is None:
        return None
    value = str(value)
    if not value.isascii():
        # A JSON "\ud800" escape: no character, and no UTF-8 for it. The UTF-8 encoder refuses
        # exactly the surrogates: one C pass, half the time of _SURROGATE.search.
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            value = _SURROGATE.sub("\ufffd", value)
        value = unicodedata.normalize("NFC", value)
    return " ".join(value.split())


def strip_tags(value: str | None) -> str | None:
    """Plain text of a small HTML snippet (FAQ answers in JSON-LD are often HTML)."""
    if value is None:
        return None
    if "<" not in value and "&" not in value:
        return clean(value)
    import html

    return clean(html.unescape(_TAG.sub(" ", value)))


def join_paragraphs(paragraphs: Iterable[str | None]) -> str:
    """The contract's body: normalised paragraphs, empty ones dropped, one blank line between."""
    return "\n\n".join(p for p in (clean(x) for x in paragraphs) if p)


# C0 control characters other than tab and line breaks, and DEL: never text. lxml reads NUL as
# U+FFFD, and either kind before a paragraph hides its byline or dateline from the parser.
_CONTROL_CHARS = "".join(map(chr, [*range(0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F]))
_CONTROL = re.compile(f"[{re.escape(_CONTROL_CHARS)}]")
_CONTROL_BYTES = _CONTROL_CHARS.encode("ascii")


def strip_control_chars(text: str) -> tuple[str, int]:
    """(text without control characters, how many were removed).

    Most pages have none: the test is bytes.translate over the UTF-8 form (C, ~0.1 ms for a
    100 KB page; UTF-8 writes U+0000-U+007F as those bytes and uses no byte below 0x80 in any
    other character), and the regex (~0.8 ms, per character) runs only on a page that has one."""
    raw = text.encode("utf-8", "surrogatepass")
    if len(raw.translate(None, _CONTROL_BYTES)) == len(raw):
        return text, 0
    return _CONTROL.subn("", text)


def word_count(body: str | None) -> int:
    return len(body.split()) if body else 0


def content_hash(title: str | None, body: str | None) -> str:
    # surrogatepass: a lone surrogate (which clean() replaces, but a caller may hash raw text) hashes
    # as itself instead of raising.
    return hashlib.sha256(f"{title or ''}\n\n{body or ''}".encode("utf-8", "surrogatepass")).hexdigest()


def article_id(url: str) -> str:
    return hashlib.sha256(url.encode("utf-8")).hexdigest()[:16]


def dedupe_names(names: Iterable[str | None]) -> list[str]:
    """Keep page order and the first spelling; drop case-insensitive repeats and empties."""
    seen, out = set(), []
    for name in names:
        name = clean(name)
        if name and name.casefold() not in seen:
            seen.add(name.casefold())
            out.append(name)
    return out


# --- encodings -----------------------------------------------------------------------------------

def html_text(response: TextResponse) -> tuple[str, bool]:
    """(text, overridden) of an HTML response. Scrapy trusts the charset of the Content-Type
    header, like browsers; a header that says Latin-1 over bytes that are valid UTF-8 with
    multi-byte characters is wrong (a byte string in a single-byte charset is almost never valid
    UTF-8 by chance), so such a page is read as UTF-8. The other lie, UTF-8 declared over a legacy
    page's windows-1252 bytes, is read as windows-1252 (see legacy_text)."""
    text = response.text
    corrected = _corrected_text(response.encoding, response.body, text)
    return (corrected, True) if corrected is not None else (text, False)


def decode_html(body: bytes, content_type: str = "") -> str:
    """The text of an HTML document's bytes: charset from the header, a BOM or the page's <meta>
    (w3lib, as Scrapy does), with the same correction as html_text for a lying UTF-8 declaration."""
    from w3lib.encoding import html_to_unicode

    encoding, text = html_to_unicode(content_type or "", body)
    corrected = _corrected_text(encoding, body, text)
    return corrected if corrected is not None else text


def _corrected_text(declared, body, text):
    """The text of body where its declared charset lies (see html_text), else None. text is body
    as decoded under the declared charset, with U+FFFD for the bytes it cannot read."""
    declared = (declared or "").lower().replace("_", "-")
    if body.find(b"\x00", 0, 4096) >= 0:  # HTML has no NUL: UTF-16 without a BOM, most likely
        utf16 = utf16_without_bom(body)
        if utf16 and utf16 != declared:
            return body.decode(utf16, "replace")
    if declared in ("utf-8", "utf8") and "\ufffd" not in text:
        return None  # read as UTF-8 without a replacement: the bytes are UTF-8 indeed
    if declared.startswith(("utf-16", "utf-32")):
        if body[:2] in (b"\xff\xfe", b"\xfe\xff") or body.find(b"\x00", 0, 4096) >= 0:
            return None  # a BOM, or NULs that were no UTF-16 after all: the declaration stands
        # Markup readable as ASCII is no UTF-16 whatever it says (the HTML standard reads such a
        # <meta> as UTF-8).
        return legacy_text(body) or body.decode("utf-8", "replace")
    if declared not in ("utf-8", "utf8") and not body.isascii():
        # Valid UTF-8 with multi-byte characters is almost never a legacy charset's bytes by chance
        # (single-byte or GB2312/Shift_JIS/EUC-KR alike): a page re-saved as UTF-8 under its old <meta>.
        try:
            return body.decode("utf-8")
        except UnicodeDecodeError:
            pass
    if declared in ("utf-8", "utf8"):
        return legacy_text(body)
    return None


def utf16_without_bom(body: bytes) -> str | None:
    """'utf-16-le' or 'utf-16-be' where the bytes read as UTF-16 without a BOM, else None: markup is
    mostly ASCII, so one byte of each pair is NUL (the second in little-endian, the first in
    big-endian) and the other almost never."""
    head = body[:4096]
    head = head[: len(head) - len(head) % 2]
    pairs = len(head) // 2
    if pairs < 8:
        return None
    even, odd = head[0::2].count(0), head[1::2].count(0)
    if odd >= 0.3 * pairs and even <= 0.05 * pairs:
        return "utf-16-le"
    if even >= 0.3 * pairs and odd <= 0.05 * pairs:
        return "utf-16-be"
    return None


def legacy_text(body: bytes) -> str | None:
    """The text of bytes said to be UTF-8 that are not: windows-1252, else None. A page cut inside
    its last character, or UTF-8 with a few broken bytes among many good ones, is still UTF-8."""
    if body.isascii():  # C speed; max(body) walks every byte in Python ints
        return None
    try:
        body.decode("utf-8")
        return None
    except UnicodeDecodeError as exc:
        if exc.start >= len(body) - 3 and "end of data" in exc.reason:
            return None
    text = body.decode("utf-8", "replace")
    bad = text.count("\ufffd")
    good = sum(1 for ch in text if ch >= "\x80") - bad
    if good >= 4 * bad:
        return None
    return body.decode("cp1252", "replace")


# --- dates -------------------------------------------------------------------------------------
_ISO_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO_DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?!\d)")
# 06/03/2026, 6.3.2026, 06-03-2026 (a four-digit year last), with an optional time after.
_NUMERIC_DATE = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})\b(.*)$")
_RFC822 = re.compile(r"^(?:[A-Za-z]{3},\s*)?\d{1,2}\s+[A-Za-z]{3}\s+\d{2,4}\s+\d{1,2}:\d{2}(?::\d{2})?"
                     r"\s*(?:[+-]\d{4}|[A-Za-z]{1,5})?$")


# The dates a news page can have: none before the web (1990), none past tomorrow of the crawl (a
# page's day in a zone ahead of UTC, or a clock a little fast). Outside it a date is a placeholder
# (0000, 1970, 2999, 9999), a typo or a scheduled post's: no date, so the next layer is asked.
EARLIEST = datetime(1990, 1, 1, tzinfo=timezone.utc)
AHEAD = timedelta(days=1)


def to_utc_iso(value: Any, day_first: bool = True, now: datetime | None = None) -> str | None:
    """ISO 8601 UTC with +00:00 and seconds; date-only is midnight UTC, naive is UTC. None if
    unreadable or outside [EARLIEST, now + AHEAD] (now: the crawl's time, the clock by default).
    Never raises: a page's text cannot stop a crawl.

    A numeric date is read day first (06/03/2026 is 6 March) unless a part over 12 says otherwise
    or day_first is False (a US page): see docs/record-rules.md."""
    dt = parse_utc(value, day_first)
    if dt is None or dt < EARLIEST or dt > (now or datetime.now(timezone.utc)) + AHEAD:
        return None
    return dt.isoformat()


def parse_utc(value: Any, day_first: bool = True) -> datetime | None:
    """The aware UTC datetime (whole seconds) of a date value, or None; never raises."""
    if value is None:
        return None
    try:
        if isinstance(value, datetime):
            dt = value
        else:
            text = clean(str(value))
            if not text:
                return None
            dt = _parse_datetime(text, day_first)
            if dt is None:
                return None
        if dt.tzinfo is None:
            dt = dt.replace(tzinfo=timezone.utc)
        return dt.astimezone(timezone.utc).replace(microsecond=0)
    except (ValueError, OverflowError, TypeError, ArithmeticError):
        # 9999-12-31T23:59:59-01:00 is past datetime.max in UTC; dateparser and email.utils raise
        # these on texts they half-read.
        return None


def _parse_datetime(text, day_first=True):
    iso = text.replace("Z", "+00:00").replace("z", "+00:00")
    if _ISO_DATE_ONLY.match(iso):
        iso += "T00:00:00"
    try:
        return datetime.fromisoformat(iso)
    except ValueError:
        pass
    m = _ISO_DAY.match(text)
    if m:  # 2026-13-01 is no date: dateparser would read it year-day-month
        datetime(*map(int, m.groups()))  # ValueError for an impossible day
    for fmt in ("%B %d, %Y", "%b %d, %Y", "%d %B %Y", "%d %b %Y", "%B %d %Y"):
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            continue
    m = _NUMERIC_DATE.match(text)
    if m:
        a, b, year = int(m.group(1)), int(m.group(2)), int(m.group(3))
        day, month = (a, b) if (day_first and a <= 31 and b <= 12) or a > 12 else (b, a)
        try:
            date = datetime(year, month, day)
        except ValueError:
            return None
        rest = m.group(4).strip(" ,|–-")
        return (_dateparser(f"{date:%Y-%m-%d} {rest}") if rest else None) or date
    if _RFC822.match(text):  # feeds, sitemaps; email.utils reads other texts wrongly ("10:15 AM EST")
        from email.utils import parsedate_to_datetime

        try:
            return parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            pass
    return _dateparser(text)


def _dateparser(text):
    # dateparser is slow to import and to run: only for what the fast paths above cannot read.
    # A text without a year ("Mar 5", "2 hours ago") says nothing exact about a saved page: not read.
    if len(text) > 60 or not re.search(r"(?<!\d)(?:19|20)\d{2}(?!\d)", text):
        return None
    import dateparser

    # A zone in the text ("10:15 AM EST") is honoured; a text without one is UTC.
    # REQUIRE_PARTS: a year or a month alone ("2026", "March 2026") is no date; dateparser would
    # fill the missing parts from today and invent one.
    return dateparser.parse(text, languages=["en"], settings={
        "TIMEZONE": "UTC", "TO_TIMEZONE": "UTC", "RETURN_AS_TIMEZONE_AWARE": True,
        "REQUIRE_PARTS": ["day", "month", "year"]})


# --- people ------------------------------------------------------------------------------------
_BY = re.compile(r"^\s*(?:written\s+)?by[:\s]+", re.I)
_AND = re.compile(r"\s*(?:\band\b|&|\bwith\b)\s*", re.I)
_NOT_PERSON = re.compile(
    r"\b(reuters|associated press|afp|bloomberg|staff|editor(?:s|ial)?|team|desk|newsroom|"
    r"global banking|finance review|gbaf|news agency|press release)\b",
    re.I,
)
# What follows a name after a comma when it is no name: a role ("Senior Correspondent", "Head of
# Payments at Acme") or an organisation ("Acme Bank", "Smith & Co"). Op-ed bylines are full of them.
_ROLE = re.compile(
    r"\b(?:correspondent|reporter|writer|columnist|contributor|journalist|analyst|economist|strategist|"
    r"editor|author|founder|co-founder|director|head|chief|partner|president|chair(?:man|woman)?|"
    r"officer|manager|lead|vice|senior|principal|associate|professor|fellow|consultant|advis[eo]r|"
    r"specialist|expert|owner|executive|managing|member|researcher|student|investor|trader|"
    r"bank|group|ltd|limited|inc|plc|llc|llp|co|corp|corporation|company|capital|partners|holdings|"
    r"solutions|technologies|consulting|university|institute|foundation|association|agency|"
    r"of|at|for|from|the)\b|^[A-Z]{2,5}$",
    re.I,
)
_DATE_TAIL = re.compile(
    r"\s+(?:on\s+)?(?:(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*,?\s+)?"
    r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+\d{1,2}\b.*$|\s+\d.*$", re.I)


def split_people(text: str | None) -> list[str]:
    """'By A and B' / 'A, B' / 'A & B' -> ['A', 'B'], without role words, affiliations
    ('By A, Chief Economist at X'), editing credits ('; Editing by C') or the publisher."""
    if not text:
        return []
    text = _BY.sub("", clean(text))
    text = re.sub(r"\([^)]*\)", " ", text)  # "(Reuters)"
    text = re.split(r"\s*[|;]\s*", text)[0]
    text = _DATE_TAIL.sub("", text)
    people, affiliation = [], False
    for i, part in enumerate(re.split(r"\s*,\s*", text)):
        part = re.sub(r"\s+in\s+[A-Z][\w.-]*(?:\s+[A-Z][\w.-]*)?$", "", part.strip())  # "in London"
        if i == 0:  # a byline opens with names: "A and B", "A of Acme", never a role
            part = re.split(r"\s+(?:of|at|from)\s+", part)[0]
        joined = bool(re.match(r"(?:and|&)\s", part, re.I))
        if i and not joined and (_ROLE.search(part) and not _names_only(part)):
            affiliation = True  # a role; the parts after it, up to the next "and", are its employer
            continue
        if affiliation and not joined:
            continue
        affiliation = False
        for name in _AND.split(part):
            name = name.strip(" .-–—")
            if name and looks_like_person(name):
                people.append(name)
    return dedupe_names(people)


def _names_only(part):
    """'Jane Doe and John Roe' is names joined; 'Head of Payments' is a role."""
    names = [n for n in _AND.split(part) if n.strip()]
    return len(names) > 1 and not any(_ROLE.search(n) for n in names)


def looks_like_person(name: str | None) -> bool:
    name = clean(name)
    if not name or len(name) > 60 or _NOT_PERSON.search(name):
        return False
    if name.startswith(("http://", "https://", "/")):
        return False
    words = name.split()
    return 1 <= len(words) <= 6 and any(w[:1].isupper() for w in words)
