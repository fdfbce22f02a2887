"""The article's scope: the element the body walk starts from.

The <article> that holds the h1, else the richest top-level <article> (a comment's <article>, nested
in another or one of a row of them, is not it) where it also holds the page's densest text; otherwise, with no <article>
that fits, the <main> holding the densest container and the h1, else that densest container (the
one whose paragraphs, and in half its grandchildren's, hold the most text), widened to take in the h1 where that adds little text (so that the text starts
after the title), instead of the whole <body>.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from crawler.extract.dom import contains, tag_name, text_len
from crawler.extract.names_css import LINKED_ONLY, OVERLAY, names_boilerplate, names_content

if TYPE_CHECKING:
    from lxml.etree import _Element

MIN_ARTICLE_TEXT = 200  # characters of paragraph text an <article> needs to be the article
WIDEN = 1.5
CONTENT_WIDEN = 4  # the named text container is the scope when it holds at most this much more  # the h1's container is the scope when it holds at most this much more paragraph text


LOOSE_TAGS = ("div", "td", "section")  # containers whose own text (text and <br> lines) is counted
LOOSE_MIN = 150  # characters of its own text a container needs to count as a paragraph of it


class ParagraphText:
    """Characters of paragraph text under an element, from one pass over the page's paragraphs:
    the <p>s, and the text standing loose in a div, td or section (lines split by <br>, a forum's or
    blog's post written without <p>), counted for that container."""

    def __init__(self, root: _Element, rows: Iterable[_Element] = ()):
        self.paragraphs = list(root.iter("p"))  # alive: their id()s stay theirs
        self.chars = {id(p): text_len(p) for p in self.paragraphs}
        self.loose = []
        for el in root.iter(*LOOSE_TAGS):
            n = len((el.text or "").strip())
            for c in el:
                tail = c.tail
                if tail:
                    n += len(tail.strip())
                if c.tag in _INLINE:
                    n += text_len(c)
            if n >= LOOSE_MIN:
                self.loose.append(el)  # alive, as above
                self.chars[id(el)] = n
        for article in rows:  # comments and teasers, each an <article> of a row: never the text
            for p in article.iter("p", *LOOSE_TAGS):
                self.chars[id(p)] = 0
        self._tags = ("p", *LOOSE_TAGS) if self.loose else ("p",)
        self._under = {}

    def under(self, el: _Element) -> int:
        known = self._under.get(id(el))
        if known is not None and known[0] is el:
            return known[1]
        chars = self.chars
        n = sum(chars.get(id(p), 0) for p in el.iter(*self._tags))
        self._under[id(el)] = (el, n)  # held: the id stays its (the tree no longer changes)
        return n

    def densest(self) -> tuple[_Element | None, float]:
        """(element, score) of the densest container, or (None, 0)."""
        score, keep = {}, {}
        sole = {}  # id -> (element, _sole_child): a container of N paragraphs is asked once, not N times

        def sole_child(el):
            known = sole.get(id(el))
            if known is None:
                known = sole[id(el)] = (el, _sole_child(el))  # held: the id stays its
            return known[1]

        for p in (*self.paragraphs, *self.loose):
            n = self.chars[id(p)]
            parent = p.getparent() if p.tag == "p" else p
            if not n or parent is None:
                continue
            # A paragraph wrapped alone in its own div (or divs, div > div > p): the wrappers are
            # no container; the text's container is where they end, so such sections add up.
            while sole_child(parent) and parent.getparent() is not None \
                    and tag_name(parent.getparent()) not in ("body", "html"):
                parent = parent.getparent()
            score[id(parent)] = score.get(id(parent), 0) + n
            keep[id(parent)] = parent
            grand = parent.getparent()  # sections of one text, each in its own div, add up there
            if grand is not None:
                score[id(grand)] = score.get(id(grand), 0) + n / 2
                keep[id(grand)] = grand
        if not score:
            return None, 0
        # The densest container that is not a box around the text (comments, a dialog): its own
        # class or id, or its parent's, names one (names_css.names_boilerplate).
        skipped = False
        ranked = sorted(score, key=score.get, reverse=True)
        for best in ranked[:8]:
            el = keep[best]
            if skipped and tag_name(el) in ("body", "html"):
                continue  # the page as a whole scores by the box's text too
            if not boxed(el) and not in_overlay(el):
                return el, score[best]
            skipped = True
        # An overlay (a consent manager's pages of legal text) can fill the first places: the
        # best container outside any overlay, if there is one.
        for best in ranked[8:]:
            el = keep[best]
            if tag_name(el) not in ("body", "html") and not in_overlay(el) and not boxed(el):
                return el, score[best]
        best = ranked[0]
        if in_overlay(keep[best]):
            return None, 0  # all the paragraph text is an overlay's: the page's <main> or body then
        return keep[best], score[best]


_INLINE = frozenset({"a", "b", "strong", "em", "i", "u", "span", "font", "small", "sup", "sub", "mark",
                     "abbr", "cite", "q", "code"})


def _named_boilerplate(el):
    names = f"{el.get('class') or ''} {el.get('id') or ''}"
    if tag_name(el) in ("body", "html"):
        return False
    word = names_boilerplate(names)
    return word is not None and word not in LINKED_ONLY


def _sole_child(el):
    """Whether an element holds one element and no text of its own: a wrapper."""
    return len(el) == 1 or (len(el) > 1 and sum(1 for c in el if isinstance(c.tag, str)) == 1)


def _own_p_text(el):
    return sum(len(p.text or "") for p in el.iter("p"))


_FURNITURE = frozenset({"footer", "nav", "aside"})


def page_furniture(el: _Element) -> _Element | None:
    """The page's footer, navigation, sidebar or header (a <header> not inside an <article> or
    <main>: the site's, not the article's) that an element stands in, or None."""
    header = None
    for x in (el, *el.iterancestors()):
        tag = tag_name(x)
        if tag in _FURNITURE:
            return x
        if tag == "header":
            header = x
        elif tag in ("article", "main"):
            return None
    return header


def in_a_list(article: _Element) -> bool:
    """Whether an <article> is one of a row of them (comments, teasers), not a page's own: beside
    other <article>s, or each wrapped alone in an item of its own (Drupal's div.field__item)."""
    node = article
    for _ in range(3):
        if any(_is_article_or_wraps_one(s) for s in node.itersiblings()) or any(
                _is_article_or_wraps_one(s) for s in node.itersiblings(preceding=True)):
            return True
        parent = node.getparent()
        if parent is None or not _sole_child(parent) or tag_name(parent) in ("body", "html", "main"):
            return False
        node = parent
    return False


def _is_article_or_wraps_one(el):
    """An <article>, or a wrapper holding one <article> alone (one or two levels down)."""
    for _ in range(3):
        if tag_name(el) == "article":
            return True
        if not isinstance(el.tag, str) or not _sole_child(el):
            return False
        el = next(c for c in el if isinstance(c.tag, str))
    return False


def _common_ancestor(a, b):
    chain = {id(x): x for x in (a, *a.iterancestors())}
    for x in (b, *b.iterancestors()):
        if id(x) in chain:
            return x
    return None


def in_overlay(el: _Element) -> bool:
    """Whether an element stands in an overlay named so (names_css.OVERLAY) or marked role=dialog, however
    deep below it."""
    for x in (el, *el.iterancestors()):
        if tag_name(x) in ("body", "html"):
            return False
        names = f"{x.get('class') or ''} {x.get('id') or ''}"
        if x.get("role") == "dialog" or (names.strip() and names_boilerplate(names) in OVERLAY):
            return True
    return False


def boxed(el: _Element) -> bool:
    """Whether an element or one of its four nearest ancestors is named as a box around the text."""
    return any(_named_boilerplate(x) for x in (el, *el.iterancestors())[:5])


def find_scope(page: Any) -> _Element:
    h1 = page.h1
    # A comment's <article> (WordPress: <article class="comment-body">) is never the page's.
    articles = [a for a in page.articles if not boxed(a)]
    root = page.body_el if page.body_el is not None else page.root
    if articles:
        with_h1 = [a for a in articles if h1 is not None and contains(a, h1)]
        # The cheap measure first (each paragraph's first text): the common case needs no more.
        if with_h1 and _own_p_text(with_h1[-1]) > MIN_ARTICLE_TEXT:
            return with_h1[-1]
    text = page.paragraph_text()
    if articles:
        if with_h1 and text.under(with_h1[-1]) > MIN_ARTICLE_TEXT:
            return with_h1[-1]
    dense, _score = text.densest()
    dense_chars = text.under(dense) if dense is not None else 0
    if articles:
        tops = [a for a in articles if not any(tag_name(x) == "article" for x in a.iterancestors())]
        alone = [a for a in tops if not in_a_list(a)]
        best = max(alone or tops or articles, key=text.under)
        best_chars = text.under(best)
        if best_chars > MIN_ARTICLE_TEXT and (
                dense is None or contains(best, dense) or best_chars >= dense_chars / 2):
            return best
    posts = posts_container(page, dense_chars)
    if posts is not None:
        return posts
    found = dense_scope(page, dense, dense_chars)
    if found is not None:
        return found
    return page.mains[0] if page.mains else root


POSTS_MIN = 600  # characters of text a row of <article>s needs to be the page's text
POSTS_OVER = 3  # ... and this many times the densest container's outside the row


def posts_container(page: Any, dense_chars: int) -> _Element | None:
    """The container of a row of <article>s that holds the page's text where nothing outside it
    does (a forum thread's posts, a live ticker's entries, a Q&A's answers): their parent, when
    their text is POSTS_MIN characters or more and POSTS_OVER times the densest container's.
    The row is walked then (`is_posts_scope`); elsewhere a row of <article>s is comments or teasers."""
    if dense_chars >= POSTS_MIN or not page.articles:
        return None
    by_parent = {}
    for a in page.articles:
        parent = a.getparent()
        if parent is None or boxed(a) or not in_a_list(a):
            continue
        entry = by_parent.setdefault(id(parent), [parent, 0])
        entry[1] += text_len(a)
    if not by_parent:
        return None
    parent, chars = max(by_parent.values(), key=lambda e: e[1])
    if chars < POSTS_MIN or chars < POSTS_OVER * max(dense_chars, MIN_ARTICLE_TEXT):
        return None
    page.posts_scope = parent
    return parent


def is_posts_scope(page: Any, scope: _Element) -> bool:
    """Whether the scope is a row of posts found by posts_container."""
    return getattr(page, "posts_scope", None) is scope


def second_scope(page: Any) -> _Element | None:
    """Where the walk looks again when its scope gave almost no text: the densest container (as
    find_scope picks it with no <article>), or None."""
    dense, _score = page.paragraph_text().densest()
    if dense is None:
        return None
    return dense_scope(page, dense, page.paragraph_text().under(dense))


SECTION_LEVELS = 6  # how far up from the densest container a section block is looked for
SECTIONS_WIDEN = 16  # the sections' container is the scope when it holds at most this much more


def _classes(el):
    names = " ".join((el.get("class") or "").split())
    return names or None


def sections_container(text: ParagraphText, dense: _Element, dense_chars: int) -> _Element | None:
    """The container of a text written in sections of one kind (a page builder's text blocks, a
    CMS's content elements: siblings of the same tag and class, each with paragraphs),
    where the densest container is one of them or stands in one (up to SECTION_LEVELS below):
    their parent, when it holds at most SECTIONS_WIDEN times the densest's text and the sections
    hold seven tenths of it. Else None."""
    node = dense
    for _ in range(SECTION_LEVELS):
        parent = node.getparent()
        if parent is None or tag_name(parent) in ("body", "html"):
            return None
        kind = _classes(node)
        if kind is not None:
            sections = [s for s in parent if s is not node and s.tag == node.tag and _classes(s) == kind]
            chars = sum(text.under(s) for s in sections)
            if chars:
                total = text.under(parent)
                if total <= SECTIONS_WIDEN * dense_chars and 10 * (dense_chars + chars) >= 7 * total \
                        and not boxed(parent):
                    return parent
                return None
        node = parent
    return None


def dense_scope(page: Any, dense: _Element | None, dense_chars: int) -> _Element | None:
    """The scope around the densest container: the <main> holding it and the h1, else the h1's
    container where that adds little text, else the container itself; None if it holds little."""
    h1, text = page.h1, page.paragraph_text()
    if dense is not None and dense_chars > MIN_ARTICLE_TEXT:
        # The text's sections each in their own block: the container the CMS names as the
        # article's text (entry-content, article-body) holds them all.
        named = False
        for i, anc in enumerate(dense.iterancestors()):
            if i >= 6 or tag_name(anc) in ("body", "html"):
                break
            names = f"{anc.get('class') or ''} {anc.get('id') or ''}"
            if names.strip() and names_content(names):
                named = True
                if text.under(anc) <= CONTENT_WIDEN * dense_chars:
                    dense, dense_chars = anc, text.under(anc)
                break
        if not named:  # the text's sections as a page builder writes them: blocks of one kind
            widened = sections_container(text, dense, dense_chars)
            if widened is not None:
                dense, dense_chars = widened, text.under(widened)
        for main in page.mains:  # the page's own word for its main content, where it holds both
            if contains(main, dense) and (h1 is None or contains(main, h1)):
                return main
        if h1 is not None and not contains(dense, h1):
            common = _common_ancestor(dense, h1)
            if common is not None and tag_name(common) not in ("html", "body") \
                    and text.under(common) <= WIDEN * dense_chars:
                return common
        return dense
    return None

