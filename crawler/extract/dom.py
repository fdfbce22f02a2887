"""Tree helpers: the one parse of a page with lxml, the preparation that makes `itertext()` the
visible text, and the small tests on elements (tag, heading, visible text, leaves) that every
layer shares."""
from __future__ import annotations

import re
from collections.abc import Container, Iterable

from lxml import etree

from crawler import text as tx
from crawler.extract.patterns import BLOCKISH, HEADINGS

def tag_name(el: etree._Element) -> str:
    t = el.tag
    return t if isinstance(t, str) else ""  # lxml's HTML parser gives lower-case names


# A line break is a space in the visible text ("line<br>next").
SPACED = frozenset({"br"})
_NEVER_HOLD_BLOCKS = frozenset({"p"})
INVISIBLE = frozenset({"script", "style", "noscript", "template"})


def is_heading(el: etree._Element) -> bool:
    return tag_name(el) in HEADINGS or el.get("role") == "heading"


def all_text(el: etree._Element) -> str:
    """The text of an element's subtree, as `"".join(el.itertext())` gives it, in one call: libxml2
    writes it (no Python string per piece; the same string, checked on a million elements of the
    real and replica pages)."""
    return etree.tostring(el, method="text", encoding=str, with_tail=False)


def text_len(el: etree._Element) -> int:
    """Characters of text in an element's subtree: len(all_text(el))."""
    return len(etree.tostring(el, method="text", encoding=str, with_tail=False))


def visible_text(el: etree._Element) -> str:
    """Visible text of an element, whitespace-collapsed (the tree was prepared by prepare).
    Pieces are joined as written: right for a paragraph ("U.S.-<b>san</b>"); for an element that
    holds several blocks use blocks_text."""
    return tx.clean(all_text(el))


def blocks_text(el: etree._Element) -> str:
    """Visible text of an element holding several blocks ("<h3>Title</h3><p>Excerpt</p>"): one
    space between pieces, so that two blocks never glue into one word."""
    return tx.clean(" ".join(el.itertext()))


def holds_only(parent: etree._Element, child: etree._Element) -> bool:
    """Whether parent shows nothing but child (a wrapper): no text of its own, no other child
    with text. Checked without building the texts of large siblings."""
    if (parent.text or "").strip():
        return False
    for c in parent:
        if (c.tail or "").strip():
            return False
        if c is not child and isinstance(c.tag, str) and text_longer_than(c, 0):
            return False
    return True


def text_longer_than(el: etree._Element, limit: int) -> bool:
    n = 0
    for piece in el.itertext():
        n += len(piece.strip())
        if n > limit:
            return True
    return False


_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def set_text(el: etree._Element, attr: str, value: str) -> None:
    """el.text/el.tail = value; lxml refuses control characters that its parser let through."""
    try:
        setattr(el, attr, value)
    except ValueError:
        setattr(el, attr, _NOT_XML.sub("", value))


def prepare(invisible: Iterable[etree._Element], spaced: Iterable[etree._Element]) -> None:
    """Drop script/style elements (keeping their tails) and give line breaks a spacing tail, so
    that itertext() is the visible text: one C-level pass per use instead of a Python walk."""
    for el in invisible:
        parent = el.getparent()
        if parent is None:
            continue
        tail = el.tail
        if tail:
            prev = el.getprevious()
            if prev is not None:
                set_text(prev, "tail", (prev.tail or "") + tail)
            else:
                set_text(parent, "text", (parent.text or "") + tail)
        parent.remove(el)
    for el in spaced:
        tail = el.tail
        try:
            el.tail = " " + tail if tail else " "
        except ValueError:
            set_text(el, "tail", " " + tail)


def place_streamed_segments(root: etree._Element) -> None:
    """React streaming SSR (the app router with Suspense) sends late content at the end of the body
    as <div hidden id="S:n"> and a script that moves it over the <template id="B:n"> placeholder:
    done here as the browser does it, since the hidden copy is what a reader sees."""
    holes = {t.get("id")[2:]: t for t in root.iter("template") if (t.get("id") or "").startswith("B:")}
    if not holes:
        return
    for div in list(root.iter("div")):
        sid = div.get("id") or ""
        hole = holes.pop(sid[2:], None) if sid.startswith("S:") and div.get("hidden") is not None else None
        if hole is None or hole.getparent() is None or div.getparent() is None:
            continue
        if any(a is div for a in hole.iterancestors()):
            continue
        parent, at = hole.getparent(), hole.getparent().index(hole)
        tail, div.tail = div.tail, None
        for i, child in enumerate(list(div)):
            parent.insert(at + i, child)  # lxml moves the element, with its tail
        if div.text and div.text.strip():
            prev = parent[at - 1] if at > 0 else None
            if prev is not None:
                set_text(prev, "tail", (prev.tail or "") + div.text)
            else:
                set_text(parent, "text", (parent.text or "") + div.text)
        if tail and tail.strip():
            before = div.getprevious()
            if before is not None:
                set_text(before, "tail", (before.tail or "") + tail)
            else:
                set_text(div.getparent(), "text", (div.getparent().text or "") + tail)
        div.getparent().remove(div)


# libxml2 stops reading a page nested more than 256 elements deep (unclosed <div>s in every card
# get there) unless told it is a huge tree: the rest of the page, its article too, was lost.
# collect_ids=False: libxml2 keeps no table of the id attributes (nothing here looks an element up
# by its id; the tree is the same), a sixth of the parse's time.
HTML_PARSER = etree.HTMLParser(recover=True, encoding="utf-8", remove_comments=True, huge_tree=True,
                               collect_ids=False)

def own_text(el: etree._Element) -> str:
    return tx.clean(el.text or "")



def contains(ancestor: etree._Element, el: etree._Element | None) -> bool:
    node = el
    while node is not None:
        if node is ancestor:
            return True
        node = node.getparent()
    return False


def under(el: etree._Element | None, ids: Container[int]) -> bool:
    """Whether el or one of its ancestors has its id() in ids."""
    node = el
    while node is not None:
        if id(node) in ids:
            return True
        node = node.getparent()
    return False


def heading_level(el: etree._Element) -> int:
    tag = tag_name(el)
    if tag in HEADINGS:
        return int(tag[1])
    lvl = el.get("aria-level") if el.get("role") == "heading" else None
    return int(lvl) if lvl and lvl.isdigit() else 2


def has_block_inside(el: etree._Element) -> bool:
    if el.tag in _NEVER_HOLD_BLOCKS or not len(el):
        return False  # the HTML parser closes a <p> before any block element
    # A container's blocks are mostly its children: those first (one set lookup each), then the
    # subtree in lxml's filtered iteration, which stops at the first block.
    for child in el:
        if child.tag in BLOCKISH:
            return True
    for _d in el.iterdescendants(*BLOCKISH):
        return True
    return False


def leaf_blocks(node: etree._Element,
                exclude: etree._Element | None = None) -> list[tuple[etree._Element, str, bool]]:
    """Leaf text blocks under node, in order: (element, text, is_heading). Iterative: a page nested
    a thousand levels deep is no RecursionError."""
    out, stack = [], [node]
    while stack:
        el = stack.pop()
        if el is exclude:
            continue
        tag = tag_name(el)
        if not tag or tag in ("script", "style", "noscript", "template", "svg", "img"):
            continue
        if not has_block_inside(el):
            t = visible_text(el)
            if t:
                out.append((el, t, is_heading(el)))
            continue
        stack.extend(reversed(el))
    return out


# A tag longer than this is checked for its number of attributes before libxml2 sees it: libxml2
# takes 7 s over 30,000 attributes on one element, and a minute over 100,000.
LONG_TAG_CHARS = 20_000
MAX_ATTRIBUTES = 200
_LONG_TAG = re.compile(r"<([a-zA-Z][\w:-]*)(\s[^>]{%d,})>" % LONG_TAG_CHARS)
_ATTRIBUTE = re.compile(r"""\s*[^\s=>/]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s>]+))?""")


def _holds_long_tag(html):
    """Whether html holds a tag of LONG_TAG_CHARS (_LONG_TAG), looked for only where one can be.
    Such a tag has no '>' before its end, so it holds a whole block of LONG_TAG_CHARS / 2
    characters, aligned on that size, without a '>' (a few str.find calls find those blocks), and
    it lies between the '>' before that block and the first '>' after it: the regex runs over
    those stretches alone, not over the page."""
    step = LONG_TAG_CHARS // 2
    searched_to = -1  # the stretches already searched end here (the blocks of one long run share one)
    for k in range(0, len(html) - step + 1, step):
        if k < searched_to or html.find(">", k, k + step) >= 0:
            continue
        start = html.rfind(">", 0, k) + 1
        end = html.find(">", k + step)
        end = len(html) if end < 0 else end + 1
        if _LONG_TAG.search(html, start, end):
            return True
        searched_to = end
    return False


def bounded_attributes(html: str) -> str:
    """html with each element's attributes past the first MAX_ATTRIBUTES dropped (only elements
    whose tag is longer than LONG_TAG_CHARS are looked at: one regex pass on an ordinary page)."""
    if len(html) < LONG_TAG_CHARS or not _holds_long_tag(html):
        return html

    def trim(m):
        attrs = []
        for i, a in enumerate(_ATTRIBUTE.finditer(m.group(2))):
            if i >= MAX_ATTRIBUTES:
                break
            attrs.append(a.group(0))
        return f"<{m.group(1)}{''.join(attrs)}>"

    return _LONG_TAG.sub(trim, html)
