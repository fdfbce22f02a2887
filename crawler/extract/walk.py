"""The DOM walk: the article's paragraphs from the visible page, in order, over its scope.

What is skipped and what ends the text is decided by content, and by the class and id words every
CMS gives the boxes around the text (comments, sharing, related, newsletter: `names_css.py`):
- the labelled blocks (`blocks.py`) are skipped; an in-article box ("Read more", "More from ...",
  "Trending", "Also read", "Up next", "Table of contents": `SOFT_ENDS`) is skipped and the walk goes
  on, and what follows it is kept only when it reads as the article's prose (`_reads_as_prose`);
  the other blocks after the text (tags, FAQ, references, previous/next post) end it;
- text standing loose in a container beside block children is a paragraph of its own;
- the h1, also inside a wrapper, marks where the text starts; the walk is iterative, so a page
  nested a thousand levels deep is walked too;
- promotions (a control such as a button or form in a small box) are skipped, but a paragraph of
  text that holds a button keeps its text, without the button's label;
- furniture lines (dates, share rows, "Photo: ...", "Filed under ...", paywall notices) are dropped.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from crawler import text as tx
from crawler.extract.dom import (
    all_text, contains, has_block_inside, is_heading, tag_name, text_len, text_longer_than, visible_text)
from crawler.extract.names_css import LINKED_ONLY, names_boilerplate
from crawler.extract.scope import boxed, in_a_list, is_posts_scope, second_scope
from crawler.extract.patterns import (
    BEGUN_WORDS, BLOCKISH, CJK, furniture_line, META_SEPARATORS, SENTENCE_END, SKIP_ROLES, SKIP_TAGS,
    TERMINAL_BLOCKS, TEXT_BLOCKS)

if TYPE_CHECKING:
    from lxml.etree import _Element

# Boxes that stand inside an article's text as often as after it: skipped, not an end.
SOFT_ENDS = {"related", "more", "toc"}
RETRY_WORDS = 80  # a walk that gave fewer words than this looks again from the densest container
LINK_LIST_MIN = 3  # links a container needs before its link density is asked
LINK_DENSITY = 0.6  # a container with this share of its text in links is a list of links
LOOSE_MIN_CHARS = 25  # loose text shorter than this is a separator or a label, not a paragraph
_CONTROLS = ("button", "select", "input", "textarea")
_HEADER_END = object()  # marks, on the walk's stack, the end of the article header's subtree
# Elements whose id names a box; a heading's id is its own text ("pressure-on-market-share").
_HTML5_BOXES = ("aside", "nav", "figure", "header", "footer", "section", "form")
_BOX_TAGS = frozenset({"div", "section", "ul", "ol", "dl", "table", "span", "aside", "footer", "p", "li", "a"})


def _holds_html5_box(p):
    """Whether a <p> holds a box of HTML5's (an <aside> of links, a <figure>): libxml2's HTML
    parser knows no such tags, so it leaves them inside the paragraph the browser closes before
    them ("...sagte er. (dpa)<aside>Weiterlesen ...</aside>"). Then the paragraph is walked as a
    container: its own text is kept, the box is skipped as anywhere else."""
    return next(p.iter(*_HTML5_BOXES), None) is not None


def _most_of(el, scope):
    """Whether el holds half the scope's text or more (its paragraphs do not count for a row of
    <article>s, so the text itself is measured: asked only for such rows, which are rare)."""
    return 2 * text_len(el) >= text_len(scope)


def _row_most_of(el, scope):
    """Whether the row of <article>s that el stands in holds half the scope's text or more, and its
    items have titles (a listicle's items, each an <article> with its heading: the text; a row of
    comments has no titles, a row of teasers holds less text). Else whether el alone holds half."""
    parent = el.getparent()
    if parent is None:
        return _most_of(el, scope)
    row = [a for a in parent if tag_name(a) == "article"]
    if sum(1 for a in row if _titled(a)) * 3 < 2 * len(row):
        return _most_of(el, scope)  # items of a list have their titles; comments have none
    return 2 * sum(text_len(a) for a in row) >= text_len(scope)


def _titled(article):
    """Whether an <article> holds a heading of its own (h2-h4): a list item's title."""
    return next(article.iter("h2", "h3", "h4"), None) is not None


def _text_without_controls(el):
    """A paragraph's text without the labels of the controls it holds ("add to watchlist")."""
    parts, hidden = [el.text or ""], []  # hidden: the controls and what they hold (kept alive)
    hidden_ids = set()
    for node in el.iterdescendants():
        in_control = id(node.getparent()) in hidden_ids
        if in_control or tag_name(node) in _CONTROLS:
            hidden.append(node)
            hidden_ids.add(id(node))
        else:
            parts.append(node.text or "")
        if not in_control:
            parts.append(node.tail or "")
    return tx.clean("".join(parts))


class Walk:
    def _skip_nodes(self):
        """Elements whose subtree is never body text: labelled blocks, promotions with a control.

        Keyed by id(): the dict also holds the element, because an lxml proxy's id is only its
        own while the proxy is alive."""
        skip = {}
        for kind, (label_el, _t, nodes) in self._blocks.items():
            for n in nodes:
                skip[id(n)] = (kind, n)
        large = {}  # id -> (element, whether it holds 400+ characters): controls share ancestors
        for el in self.action_nodes:
            if not contains(self.scope, el):
                continue  # header and footer controls: never near the body
            top, node = None, el.getparent()
            own = len(visible_text(el)) if el.tag == "button" else 0
            while node is not None and node is not self.scope:
                known = large.get(id(node))
                if known is None:
                    known = large[id(node)] = (node, text_longer_than(node, 400))  # held: id stays its
                if known[1]:
                    break
                if node.tag in TEXT_BLOCKS and text_longer_than(node, own + 80):
                    top = None  # a paragraph of text holding a button: text, not a promotion
                    break
                top, node = node, node.getparent()
            if top is not None:
                skip.setdefault(id(top), ("promotion", top))
        return skip

    def dom_paragraphs(self) -> list[tuple[_Element, str, bool]]:
        """Body paragraphs from the visible page: [(element, text, is_heading)]."""
        if self._body_cache is not None:
            return self._body_cache
        paragraphs = self._walk(self.scope)
        counts = {t: len(t.split()) for _e, t, _h in paragraphs}
        words = sum(counts[t] for _e, t, _h in paragraphs)
        if words < RETRY_WORDS and not self.is_site_page():
            # The scope gave almost no text (a teaser card, a header <article>): the walk looks
            # again from the densest container, and takes it where it holds twice the words.
            other = second_scope(self)
            if other is not None and other is not self.scope:
                again = self._walk(other)
                again_counts = {t: len(t.split()) for _e, t, _h in again}
                if sum(again_counts[t] for _e, t, _h in again) >= 2 * max(words, 20):
                    self.scope, paragraphs, counts = other, again, again_counts
        self._body_cache = paragraphs
        self._paragraph_words = counts
        return self._body_cache

    def paragraph_words(self, texts: Iterable[str]) -> int:
        """tx.word_count of the DOM paragraphs' texts joined by spaces (texts: some of
        dom_paragraphs()' texts), from the words the walk counted in each: a text's words do not
        change when it is joined to others by a space."""
        counts = self._paragraph_words
        return sum(counts[t] for t in texts)

    _scope_chars = None  # (scope, its characters of text): asked once per walk

    def _walk(self, scope):
        skip = self._skip_nodes()
        h1 = self.h1 if self.h1 is not None and contains(scope, self.h1) else None
        if h1 is not None and boxed(h1):
            h1 = None  # a title repeated in a share box at the end: the text does not start after it
        h1_chain = ([h1, *h1.iterancestors()] if h1 is not None else [])  # alive: ids stay valid
        h1_path = {id(a) for a in h1_chain}
        out, tail = [], None  # tail: paragraphs after an in-article box, kept if they read as prose
        started = h1 is None
        # An explicit stack, not recursion: (element, None) to visit, or (container, text) for
        # loose text met in a container.
        stack = [(scope, None)]
        lead = 0  # paragraphs of the header's standfirst: not yet the text, for the boxes' rules
        while stack:
            el, loose = stack.pop()
            if el is _HEADER_END:
                lead = len(out)
                continue
            if loose is not None:
                if started:
                    (out if tail is None else tail).append((el, loose, False))
                continue
            kind = skip.get(id(el), (None,))[0]
            if kind is not None:
                if kind in TERMINAL_BLOCKS and started and self._text_begun(out[lead:], kind):
                    if kind not in SOFT_ENDS:
                        break
                    out, tail = self._close_tail(out, tail), []
                elif id(el) in h1_path:
                    started = True
                continue
            tag = tag_name(el)
            if tag == "header" and id(el) in h1_path and el is not scope and not started \
                    and not self.is_site_page():
                # The article's own header: the title, then its standfirst (the lead the text
                # opens with); its date, byline and share rows are furniture and boxes.
                stack.append((_HEADER_END, None))  # popped once the header's subtree is walked
                stack.extend(reversed(self._children(el)))
                continue
            if not tag or tag in SKIP_TAGS or (el.get("role") or "").lower() in SKIP_ROLES \
                    or el.get("aria-hidden") == "true" or (
                    el.get("hidden") is not None and not (started and self._withheld_text(el))):
                if id(el) in h1_path:  # the title sits in a header: the text starts after it
                    started = True
                continue
            if tag == "article" and el is not scope and id(el) not in h1_path and in_a_list(el) \
                    and not _row_most_of(el, scope) and not (el.getparent() is scope and is_posts_scope(self, scope)):
                continue  # a row of <article>s inside the article: its comments or teasers
            if el is not scope and id(el) not in h1_path and self._is_boilerplate(el, scope):
                continue
            if el is not scope and id(el) not in h1_path and self._is_link_list(el):
                if started and self._text_begun(out[lead:], "more"):  # a box of links: what follows must read as text
                    out, tail = self._close_tail(out, tail), []
                continue
            if not has_block_inside(el) and not (tag == "p" and len(el) and _holds_html5_box(el)):
                if id(el) in h1_path:  # the h1's own wrapper: the title, and the text starts after it
                    started = True
                    continue
                inline = self._inline_block(el) if id(el) in self._label_holders else None
                if inline is not None:  # "<p><b>Tags:</b> <a>..</a></p>": the paragraph is the block
                    if inline in TERMINAL_BLOCKS and started and self._text_begun(out[lead:], inline):
                        if inline not in SOFT_ENDS:
                            break
                        out, tail = self._close_tail(out, tail), []
                    continue
                if started:
                    t = visible_text(el)
                    if t and len(el) and next(el.iterdescendants("button"), None) is not None:
                        t = _text_without_controls(el)
                    if t and not (tag == "li" and self._is_link_item(el, t)) \
                            and not self._is_link_row(el, t):
                        (out if tail is None else tail).append((el, t, is_heading(el)))
                continue
            stack.extend(reversed(self._children(el)))
        out = self._close_tail(out, tail)
        out = [p for p in out if not self._is_furniture(p[0], p[1])]
        # A text never ends with its heading: one last is the label of a box after the text
        # ("Empfehlungen aus der Redaktion", "Mehr lesen:") whose links were skipped.
        while len(out) > 1 and out[-1][2] and not SENTENCE_END.search(out[-1][1]):
            out.pop()  # (a sentence set as a heading, the text's last line, stays)
        return out

    def _is_boilerplate(self, el, scope):
        """A box that CMS class or id words name as comments, sharing, related stories, newsletter,
        author box or footer (BOILERPLATE), unless it holds half the scope's paragraph text."""
        names = el.get("class")
        ident = el.get("id") if el.tag in _BOX_TAGS else None  # a heading's id is its text
        if ident:
            names = f"{names} {ident}" if names else ident
        word = names_boilerplate(names) if names else None
        if word is None or id(el) in self._label_holders:
            return False  # a box that holds a visible label: the label says what it is
        if word in LINKED_ONLY and el.find(".//a[@href]") is None:
            return False
        return not self._holds_most(el, scope)

    def _holds_most(self, el, scope):
        """Whether el holds half the scope's text or more (then it is the text): by the paragraph
        index where the scope search built it, else by the visible text (the scope's once per walk;
        a box's is small), so that a page whose scope is its <article> never builds the index."""
        index = self._paragraph_text  # built where the scope search needed it
        if self._scope_chars is None or self._scope_chars[0] is not scope:
            total = index.under(scope) if index is not None else text_len(scope)
            self._scope_chars = (scope, total)
        total = self._scope_chars[1]
        own = index.under(el) if index is not None else text_len(el)
        return bool(total) and 2 * own >= total

    @staticmethod
    def _is_link_list(el):
        """A container whose text is mostly link text (teasers, menus, "more" lists), not prose."""
        links = list(el.iterdescendants("a"))  # el.findall(".//a") without ElementPath's dispatch
        if len(links) < LINK_LIST_MIN:
            return False
        linked = sum(text_len(a) for a in links)
        if linked < 40:
            return False
        total = text_len(el)
        return linked >= LINK_DENSITY * total

    @staticmethod
    def _withheld_text(el):
        """A hidden block that is the rest of the text (a soft paywall sends it, hidden): paragraphs."""
        return el.find(".//p") is not None and text_longer_than(el, 500)

    @staticmethod
    def _children(el):
        """The children of a container to visit, in order, with the text that stands loose between
        block children as (container, text) pieces of their own."""
        items, run, loose = [], [], False
        if el.text and el.text.strip():
            run.append(el.text)
            loose = True

        def flush():
            text = " ".join(" ".join(run).split())
            if loose and len(text) >= LOOSE_MIN_CHARS:
                items.append((el, text))

        for child in el:
            tag = tag_name(child)
            if tag and tag not in BLOCKISH and tag not in SKIP_TAGS and not has_block_inside(child):
                run.append(all_text(child))
            else:
                if run:
                    flush()
                run, loose = [], False
                items.append((child, None))
            if child.tail and child.tail.strip():
                run.append(child.tail)
                loose = True
        if run:
            flush()
        if not any(t is not None for _e, t in items):
            return [(c, None) for c in el]  # no loose text: every child visited as it is
        return items

    def _close_tail(self, out, tail):
        """out with the paragraphs that followed an in-article box, where they read as prose."""
        if tail and self._reads_as_prose(tail):
            return out + tail
        return out

    @staticmethod
    def _reads_as_prose(paragraphs):
        """Whether paragraphs are an article's text, not the stories listed after it: sentences
        (most of them end as one) of some length."""
        texts = [t for _e, t, h in paragraphs if not h]
        if not texts:
            return False
        words = sum(len(t.split()) for t in texts)
        sentences = sum(1 for t in texts if SENTENCE_END.search(t))
        return words >= 30 and words / len(texts) >= 10 and sentences >= 0.5 * len(texts)

    def _text_begun(self, out, kind):
        """Whether the paragraphs so far are the article's text, not a caption or a stray line between
        the title and the blocks that precede the text. Tags end the text only after paragraphs of
        it: GBAF shows them above the text, where a standfirst could stand before them."""
        words = paragraphs = 0
        need = 3 if kind == "tags" else 0
        for e, t, _h in out:
            if not self._is_furniture(e, t):
                # Han and kana are written without spaces: two characters count as a word there.
                words += len(t.split()) + (len(CJK.findall(t)) // 2 if not t.isascii() else 0)
                paragraphs += 1
                if words >= BEGUN_WORDS and paragraphs >= need:
                    return True
        return False

    _INLINE_KINDS = ("tags", "summary", "takeaways", "faq", "references", "toc")

    def _inline_block(self, leaf):
        """The kind of block whose label opens this leaf paragraph, if any."""
        for kind in self._INLINE_KINDS:
            found = self._blocks.get(kind)
            if found is None:
                continue
            label_el = found[0]
            if label_el is not leaf and contains(leaf, label_el) and visible_text(leaf).startswith(found[1]):
                return kind
        return None

    @staticmethod
    def _is_furniture(el, t):
        """Page furniture: 'Posted on ...', '6 min read', a promotion line; or a row of such pieces
        (<span>Published by ...</span><span>Posted on ...</span>) with no text of its own."""
        if furniture_line(t):
            return True
        if " | " in t or " • " in t or " · " in t:  # "Published by X | Posted on ... | 3 min read"
            pieces = [p for p in META_SEPARATORS.split(t) if p]
            if len(pieces) > 1 and all(furniture_line(p) for p in pieces):
                return True
        # The cheap tests first: most paragraphs have text of their own.
        if not len(el) or (el.text and not el.text.isspace()) \
                or any(c.tail and not c.tail.isspace() for c in el):
            return False
        pieces = [visible_text(c) for c in el if isinstance(c.tag, str)]
        return len(pieces) >= 2 and all(not p or furniture_line(p) for p in pieces)

    @staticmethod
    def _is_link_item(li, t):
        """A list item that is only a short link: a menu or share list, not article text."""
        links = [a for a in li.iter("a")]
        return len(links) == 1 and visible_text(links[0]) == t and len(t.split()) <= 4

    @staticmethod
    def _is_link_row(el, t):
        """A row of links and nothing else (share buttons, 'Read next' rows): not article text."""
        links = [a for a in el.iter("a")]
        if len(links) < 2:
            return False
        linked = sum(len(visible_text(a)) for a in links)
        return linked >= 0.9 * len(t.replace(" ", "")) or linked >= 0.9 * len(t)
