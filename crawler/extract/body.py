"""The body field: the DOM walk's paragraphs (walk.py) where they are the article's text, else the
layers that stand in for them (Next.js body, JSON-LD articleBody, trafilatura); and whether the
text stops short (`truncated`)."""
from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING

from lxml import etree

from crawler import text as tx
from crawler.extract import names as nm
from crawler.extract.dom import leaf_blocks
from crawler.extract.patterns import BYLINE, CJK, CREDITS, furniture_line, SENTENCE_END
from crawler.extract.registry import field
from crawler.extract.scope import page_furniture

if TYPE_CHECKING:
    from crawler.extract.registry import FieldResult
# trafilatura is not run on pages past these bounds: it takes seconds there (a page of 50,000 links).
FALLBACK_MAX_CHARS = 2_000_000
FALLBACK_MAX_LINKS = 5_000
SHORT_BODY_WORDS = 80  # a DOM body shorter than this is doubtful on a page with much paragraph text
PICK_FALLBACK = 1.3
KEPT_BODY_WORDS = 150  # a DOM body shorter than this, which kept under 1/KEPT_SHARE of its scope's
KEPT_SHARE = 3         # paragraph text, is doubtful too
# A byline line near the top in any of the usual languages ("Von t-online, jse", "di Teresa
# Fallavollita", "Par Jean Dupont"): no sentence, a few words. The authors come from it elsewhere.
BYLINE_LINE = re.compile(r"^(?:by|von|di|por|par|door|av|af|od)\s+(?:[^\s.!?]+(?:\s+|$)){1,5}$", re.I)
# The article's HTML in a page's data layer (a JSON string in an inline script), by its usual keys.
_SCRIPT_BODY = re.compile(r'"(?:contentHtml|content_html|bodyHtml|body_html|articleHtml|article_html|'
                          r'htmlContent|html_content)"\s*:\s*"((?:[^"\\]|\\.){200,})"')  # trafilatura's text replaces a doubtful DOM body when it has this many times its words
# A template the page's script renders: `<script type="text/template">` (or text/x-template).
_TEMPLATE = re.compile(r"<script\b[^>]*\btype=[\"']?text/(?:x-)?template[\"']?[^>]*>(.*?)</script>",
                       re.I | re.S)


def _words(text):
    return tuple(re.findall(r"\w+", text.casefold()))


def cjk_words(text: str) -> int:
    """The words of a text's Han and kana, written without spaces: two characters a word."""
    return len(CJK.findall(text)) // 2 if not text.isascii() else 0


def text_words(text: str) -> int:
    """Words of a text, also where it is written without spaces."""
    return tx.word_count(text) + cjk_words(text)


class Body:

    def _split_byline(self, paragraphs):
        """Take a leading 'By A and B' paragraph out of the body: it gives the authors."""
        for i, (_el, t, is_heading) in enumerate(paragraphs[:6]):
            if not is_heading and len(t) < 120 and nm.is_byline(t):
                people = nm.people(t)  # asked once: the names are the test and the answer
                if people:
                    return paragraphs[:i] + paragraphs[i + 1:], people
        return paragraphs, []

    def body_paragraphs(self) -> tuple[list[tuple[str, bool]], str | None]:
        """([(text, is_heading)], layer) of the body: the first layer that has one."""
        if self._body_paragraphs is None:
            self._body_paragraphs = next(self._body_candidates(), ([], None))
        return self._body_paragraphs

    @field("body")
    def field_body(self) -> FieldResult:
        paragraphs, layer = self.body_paragraphs()
        # The visible page's paragraphs are clean already (visible_text); other layers are cleaned here.
        body = ("\n\n".join(t for t, _h in paragraphs) if layer == "dom"
                else tx.join_paragraphs(t for t, _h in paragraphs))
        return body, layer

    def _body_candidates(self):
        paragraphs = self.dom_paragraphs() if not self._cut_before_text() else []
        if paragraphs:
            paras, _ = self._split_byline(paragraphs)
            title = self._title_words()
            names = self._author_names()
            texts = [(t, h) for i, (_e, t, h) in enumerate(paras)
                     if not (i < 8 and (not h and BYLINE_LINE.match(t) or title and _words(t) == title))
                     and not (names and len(t) < 80 and _words(t) in names)]
            joined = " ".join(t for t, _h in texts)
            words = self.paragraph_words(t for t, _h in texts)  # tx.word_count(joined), counted once
            # text_words without counting the words again (a CJK page's characters added)
            dom_words = words + cjk_words(joined)
            if words >= 20 and self._dom_looks_wrong(dom_words, len(joined)):
                fallback = self._trafilatura()
                taken = bool(fallback) and text_words(" ".join(fallback)) >= PICK_FALLBACK * dom_words
                self.problems.append(("dom_body_doubtful", "trafilatura taken" if taken else "dom kept"))
                if taken:
                    yield [(p, False) for p in fallback], "fallback"
                    return
            if words >= 20:
                self._dom_word_count = words  # the body's word_count, counted once
                yield texts, "dom"
        html = self.next.body_html()
        if html and len(html) > 50:
            try:
                frag = etree.fromstring(f"<div>{html}</div>".encode("utf-8"),
                                        parser=etree.HTMLParser(recover=True, encoding="utf-8"))
                leaves = leaf_blocks(frag) if frag is not None else []
            except (etree.ParserError, ValueError):
                leaves = []
            texts = [(t, h) for _e, t, h in leaves if not (BYLINE.match(t) and len(t) < 120)]
            if texts:
                yield texts, "jsonld"
        article_body = self.jsonld.get("articleBody")
        if isinstance(article_body, str) and len(article_body.split()) >= 20:
            yield [(p, False) for p in re.split(r"\n\s*\n|\r?\n", article_body)], "jsonld"
        texts = self._script_body()
        if texts:
            yield texts, "jsonld"
        texts = self._template_body()
        if texts:
            yield texts, "dom"
        fallback = self._trafilatura() if not self.page_cut() else None
        if fallback:
            yield [(p, False) for p in fallback], "fallback"

    def _author_names(self):
        """The authors' names as words: a line that is only an author's name (the author box's
        heading, a byline's name alone) is no paragraph of the text. Other hosts' pages only."""
        if self.is_site_page():
            return None
        return {_words(n) for n in self.value("authors")[0] or [] if n}

    def _title_words(self):
        """The page's headline as words (og:title or JSON-LD headline): a copy of it at the top of
        the text (a second headline in the article's header) is no paragraph of the text."""
        if self.is_site_page():
            return None
        title = self.jsonld.get("headline") or self.meta.first("og:title", "twitter:title")
        return _words(title) if isinstance(title, str) and len(title) > 10 else None

    def _script_body(self):
        """The article's HTML as a page's data layer holds it in an inline script (a React Query
        or Redux state: `"contentHtml":"<p>..."`), for a page whose text is drawn by script: the
        longest such string, read as paragraphs. Asked only when the visible page had no text."""
        best = None
        for m in _SCRIPT_BODY.finditer(self.html):
            if best is None or len(m.group(1)) > len(best):
                best = m.group(1)
        if best is None or len(best) < 200:
            return None
        try:
            html = json.loads(f'"{best}"')
            frag = etree.fromstring(f"<div>{html}</div>".encode("utf-8"),
                                    parser=etree.HTMLParser(recover=True, encoding="utf-8"))
        except (ValueError, etree.ParserError):
            return None
        leaves = leaf_blocks(frag) if frag is not None else []
        texts = [(t, h) for _e, t, h in leaves if not furniture_line(t)]
        return texts if text_words(" ".join(t for t, _h in texts)) >= 20 else None

    def _template_body(self):
        """The article's HTML in a `<script type="text/template">` (a blog platform's theme draws
        the post from it: Blogger), for a page whose visible markup had no text: the longest such
        template with paragraphs, read as paragraphs. Asked only when no other layer had text."""
        best = max((m.group(1) for m in _TEMPLATE.finditer(self.html) if "<p" in m.group(1).lower()),
                   key=len, default=None)
        if best is None or len(best) < 200:
            return None
        try:
            frag = etree.fromstring(f"<div>{best}</div>".encode("utf-8"),
                                    parser=etree.HTMLParser(recover=True, encoding="utf-8"))
        except (ValueError, etree.ParserError):
            return None
        leaves = leaf_blocks(frag) if frag is not None else []
        texts = [(t, h) for _e, t, h in leaves if not furniture_line(t) and not (BYLINE.match(t) and len(t) < 120)]
        return texts if text_words(" ".join(t for t, _h in texts)) >= 20 else None

    def _dom_looks_wrong(self, words, chars=0):
        """The body rule (docs/parser.md): the DOM walk looks wrong when it gave little text on a page
        that holds much more in its paragraphs, or kept under a third of its own scope's paragraph
        text (its skipping rules took the text for boxes: a live ticker's entries named "comment"),
        or far less than the JSON-LD articleBody says. Only then is trafilatura asked (it costs
        four times the whole parse)."""
        if self.is_site_page() or self.page_cut():
            return False
        text = self.paragraph_text()
        page_chars = sum(text.chars.values())
        # The walk started in the site's header, footer or a sidebar (one that holds most of the
        # page's text is no such box: an unclosed <header> around the whole page).
        box = page_furniture(self.scope)
        if box is not None and (2 * text.under(box) < page_chars or words < SHORT_BODY_WORDS):
            return True
        if words < SHORT_BODY_WORDS and page_chars >= max(1500, 3 * 6 * words):
            return True
        if words < KEPT_BODY_WORDS and text.under(self.scope) >= max(1500, KEPT_SHARE * chars):
            return True
        stated = self.jsonld.get("articleBody")
        return isinstance(stated, str) and len(stated) >= 600 and text_words(stated) >= 2 * words

    def page_cut(self) -> bool:
        """Whether the page stops before its end (no </body> or </html> in its last 2 KB)."""
        tail = self.html[-2048:].lower()
        return "</html>" not in tail and "</body>" not in tail

    def _cut_before_text(self):
        """A page cut before its article began: no h1 and no <article> arrived, so what the walk
        would find is the site's menus and newsletter box, not the text."""
        return self.page_cut() and self.h1 is None and not self.articles

    def _trafilatura(self):
        try:
            import trafilatura
        except ImportError as exc:  # a dependency, but the crawl must not die of it: say so
            self.problems.append(("fallback_unavailable", str(exc)[:200]))
            return None
        if len(self.html) > FALLBACK_MAX_CHARS or self.link_count > FALLBACK_MAX_LINKS:
            self.problems.append(("fallback_skipped", f"{len(self.html)} chars, {self.link_count} links"))
            return None
        try:
            extracted = trafilatura.extract(self.html, url=self.url, include_comments=False,
                                            include_tables=True, favor_precision=True)
        except Exception as exc:  # noqa: BLE001 - a third-party extractor on hostile HTML
            self.problems.append(("fallback_failed", repr(exc)[:200]))
            return None
        if not extracted:
            return None
        lines = [line for line in extracted.split("\n") if not furniture_line(line.strip())]
        return lines or None

    def is_truncated(self, body: str | None) -> bool:
        if self.page_cut():
            return True
        paragraphs = body.split("\n\n") if body else []
        # A wire story ends with its credits ("Reporting by A; Editing by B"), which are no sentence.
        while len(paragraphs) > 1 and CREDITS.match(paragraphs[-1]):
            paragraphs.pop()
        last = paragraphs[-1].strip() if paragraphs else ""
        return bool(last) and not SENTENCE_END.search(last)
