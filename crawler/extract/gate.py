"""The article gate: whether a page is a news article, as a decision over independent signals.

Each signal adds or takes away evidence (`SIGNALS` gives the weights); the page is an article when
the evidence reaches `ARTICLE_EVIDENCE`, so no single signal vetoes: a NewsArticle JSON-LD outweighs
`og:type=website`, and an embedded VideoObject takes nothing away. GBAF's own rules (its non-news
sections, its URL kinds) apply to the site's own pages only. The reason for a page that is not an
article is its strongest contrary signal, else `no_article_signals`, as counted by the spider.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import urlsplit

from crawler.extract.body import cjk_words
from crawler.urls import NON_NEWS_SECTIONS, kind_of_url

ARTICLE_EVIDENCE = 3
# Words of visible text a title must stand over to count as an article's text.
LONG_TEXT_WORDS = 150
SHORT_TEXT_WORDS = 60
_DATE_PATH = re.compile(r"/(?:19|20)\d{2}[/-]?(?:0[1-9]|1[0-2])(?:[/-]?(?:0[1-9]|[12]\d|3[01]))?(?:[/-]|$)")
VERY_LONG_TEXT_WORDS = 300
_ID = re.compile(r"\d{5,}")
_SLUG_WORDS = re.compile(r"[^\W_]+")


def url_shape(url: str | None) -> int:
    """+2 for a date in the path, +1 for another article-like path (a slug of several words, a long
    id, a page file), -3 for a site's home page, 0 otherwise (a section path says little)."""
    path = urlsplit(url or "").path
    segments = [s for s in path.split("/") if s]
    if not segments:
        return -3
    last = segments[-1]
    if _DATE_PATH.search(path):
        return 2
    if _ID.search(last) or len(_SLUG_WORDS.findall(last)) >= 3 \
            or re.search(r"\.(?:s?html?|php|aspx?)$", last, re.I) and len(segments) >= 2:
        return 1
    return 0


class Gate:
    def is_article(self) -> bool:
        """Whether this page is a news article (company, award, magazine, video, listing pages are not)."""
        return self.not_article_reason() is None

    def not_article_reason(self) -> str | None:
        if self.is_site_page():
            reason = self._site_reason()
            if reason:
                return reason
        evidence, against = 0, []
        for weight, reason in self._contrary_and_cheap():
            evidence += weight
            if weight < 0:
                against.append((weight, reason))
        # Every contrary signal is counted above: the rest only add, so they are asked (the
        # costlier last) until the evidence is reached.
        for signal in (self._dated, self._date_line, self._text, self._next_post):
            if evidence >= ARTICLE_EVIDENCE:
                break
            found = signal()
            if found:
                evidence += found[0]
        if evidence >= ARTICLE_EVIDENCE:
            return None
        return min(against)[1] if against else "no_article_signals"

    def article_signals(self) -> Iterator[tuple[int, str]]:
        """(weight, name) of every signal the page gives, for and against (for a report)."""
        yield from self._contrary_and_cheap()
        for signal in (self._dated, self._date_line, self._text, self._next_post):
            found = signal()
            if found:
                yield found

    def _site_reason(self):
        """GBAF's own: its non-news sections and the kinds of its URLs (site-model.md)."""
        category = (self.value("category")[0] or "").strip().lower()
        if category in NON_NEWS_SECTIONS:
            return f"section:{category}"
        url, _ = self.value("url")
        if self.site.is_site(url) and kind_of_url(url) != "article":
            return "url"
        return None

    def _contrary_and_cheap(self):
        ld, meta = self.jsonld, self.meta
        if ld.article is not None:
            yield 3, "jsonld_article"
        elif ld.non_article is not None:
            yield -2, "jsonld_type"
        og_type = (meta.first("og:type") or "").lower()
        if og_type == "article":
            yield 3, "og_article"
        elif og_type:
            yield -1, f"og_type:{og_type}"
        if meta.first("article:published_time"):
            yield 1, "published_time"
        if len(self.articles) >= 4 and self.scope.tag != "article":
            yield -2, "listing"  # teasers, each an <article>, and none of them the page's
        shape = url_shape(self.value("url")[0] if self.is_site_page() else self.url)
        if shape:
            yield shape, "url_shape" if shape > 0 else "url"

    def _dated(self):
        if self.value("published_at")[0] or any(t.get("datetime") for t in self.times):
            return 1, "dated"
        return None

    def _date_line(self):
        return (1, "date_line") if self._dom_date("posted") is not None else None

    def _text(self):
        if self.h1 is None and not self.meta.first("og:title"):
            return None
        texts = [t for _e, t, _h in self.dom_paragraphs()]
        # text_words of the paragraphs joined, from the words the walk counted
        words = self.paragraph_words(texts) + cjk_words(" ".join(texts))
        if words >= VERY_LONG_TEXT_WORDS and self.h1 is not None:
            return 3, "title_and_long_text"
        if words >= LONG_TEXT_WORDS:
            return 2, "title_and_text"
        if words >= SHORT_TEXT_WORDS and self.h1 is not None:
            return 1, "title_and_text"
        return None

    def _next_post(self):
        return (3, "nextdata_post") if self.next.post is not None and self.next.published() else None
