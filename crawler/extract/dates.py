"""Publication and modification dates from JSON-LD, Next.js data, meta tags or the visible
date line, normalised to UTC ISO 8601."""
from __future__ import annotations

import re
from typing import TYPE_CHECKING

from crawler import text as tx
from crawler.extract.dom import visible_text, contains
from crawler.extract.patterns import POSTED, UPDATED
from crawler.extract.registry import field

if TYPE_CHECKING:
    from crawler.extract.registry import FieldResult


class Dates:
    @field("published_at")
    def field_published(self) -> FieldResult:
        return self._date(
            (lambda: self.jsonld.get("datePublished") or self.jsonld.get("dateCreated"), "jsonld"),
            (lambda: self.next.published(), "jsonld"),
            (lambda: self.meta.first("article:published_time", "datepublished", "og:published_time",
                             "parsely-pub-date", "sailthru.date", "dc.date", "pubdate",
                             "publish-date", "date"), "meta"),
            (lambda: self._dom_date("posted"), "dom"),
            (self._htmldate, "fallback"),
        )

    def _htmldate(self):
        """The date htmldate (trafilatura's own date finder, installed with it) reads off the page:
        asked only when no other layer gives one (dates written as "25.04.2024, 14:07 Uhr" or
        "2024年04月24日" in the visible page), since it parses the page again."""
        if self.page_cut() or len(self.html) > 2_000_000:
            return None
        try:
            from htmldate import find_date
            in_url = _htmldate_url(self.url, self.html)
            if in_url is not None:
                return in_url
            return find_date(self.html, url=self.url, original_date=True, extensive_search=False,
                             outputformat="%Y-%m-%d")
        except Exception as exc:  # noqa: BLE001 - a third-party reader on hostile HTML
            self.problems.append(("date_fallback_failed", repr(exc)[:200]))
            return None

    @field("updated_at")
    def field_updated(self) -> FieldResult:
        """A modification date before the publication date is not an update (a CMS that reset one
        of them): such a value is skipped, and the next layer asked."""
        published = self.value("published_at")[0]
        return self._date(
            (lambda: self.jsonld.get("dateModified"), "jsonld"),
            (lambda: self.next.modified(), "jsonld"),
            (lambda: self.meta.first("article:modified_time", "og:updated_time", "datemodified",
                             "last-modified", "dc.date.modified"), "meta"),
            (lambda: self._dom_date("updated"), "dom"),
            not_before=published,
        )

    def _date(self, *candidates, not_before=None):
        for get, layer in candidates:
            value = get()
            if isinstance(value, str) and value.strip():
                iso = tx.to_utc_iso(value, day_first=self._day_first())
                # Both UTC in one format: text order is time order. A date without a time ("Last
                # updated: March 6, 2026") is compared by its day: midnight is no earlier than 09:12.
                earlier = iso and not_before and (iso[:10] < not_before[:10] if ":" not in value
                                                   else iso < not_before)
                if earlier:
                    self.problems.append(("updated_before_published", value[:80]))
                    continue
                if iso:
                    return iso, layer
                self.problems.append(("date_unreadable", value[:80]))
        return None, None

    def _day_first(self):
        """How a numeric date (06/03/2026) reads: month first only on a US page, day first elsewhere
        (GBAF is a British publication)."""
        locale = self.html_lang or self.meta.first("og:locale") or ""
        return not re.match(r"^[a-z]{2,3}[-_]us\b", locale.strip(), re.I)

    def _dom_date(self, which):
        el = self.dated.get(which)
        if el is not None:
            # The <time> of this line: inside it, just after it, or beside it; not one that holds
            # it ("<time datetime=published>March 5 <span>Updated 2 hours ago</span></time>").
            around = set(id(a) for a in el.iterancestors())
            other = self.dated.get("updated" if which == "posted" else "posted")
            nodes = (list(el.iter("time")) + [n for s in list(el.itersiblings())[:2] for n in s.iter("time")]
                     + (list(el.getparent().iter("time")) if el.getparent() is not None else []))
            if other is el:
                nodes = []  # both lines in one element: which <time> is which is not known, the text is
            for node in nodes:
                if id(node) in around or (other is not None and other is not el and (
                        contains(other, node) or contains(node, other))):
                    continue
                if node.get("datetime"):
                    return node.get("datetime")
            text = self.dated_text.get(which) or visible_text(el)
            m = (POSTED if which == "posted" else UPDATED).match(text)
            rest = m.group("rest") if m else ""
            if not rest:
                sib = el.getnext()
                rest = visible_text(sib) if sib is not None else ""
            if rest:
                return rest
        if which == "posted":
            for t in self.times:
                if contains(self.scope, t) and t.get("datetime") and not self._in_block(t):
                    return t.get("datetime")
        return None


def _htmldate_url(url: str, html: str) -> str | None:
    """The date htmldate's find_date gives from the URL alone (its first test, made before it
    looks at the page: the page is not parsed for it), or None where find_date would go on: no
    date in the URL, or a text it may refuse before that test (no "html" in its first 50
    characters; a text that is a URL, which it would download)."""
    if "html" not in html[:50].lower() or (html.startswith("http") and " " not in html):
        return None
    try:
        from htmldate.extractors import extract_url_date
        from htmldate.utils import Extractor
        from htmldate.validators import get_max_date, get_min_date
    except ImportError:  # another htmldate: find_date does it all
        return None
    # find_date's own options for (extensive_search=False, original_date=True, "%Y-%m-%d").
    return extract_url_date(url, Extractor(False, get_max_date(None), get_min_date(None), True, "%Y-%m-%d"))
