"""Visible blocks found by their heading ("Key Takeaways", "Related", "Tags", ...): the
heading's element climbed out of its wrappers and the siblings that follow it, up to the next
heading of the same or a higher level."""
from __future__ import annotations

from typing import TYPE_CHECKING

from crawler.extract.dom import (
    tag_name, is_heading, visible_text, holds_only, text_longer_than, text_len, heading_level, leaf_blocks)
from crawler.extract.patterns import SUMMARY_WORDS

if TYPE_CHECKING:
    from lxml.etree import _Element


_BOXES = ("related", "more")  # boxes that stand inside the text as often as after it
PROSE_CHARS = 80  # a paragraph of this much text, little of it in links, is the article's prose


def _is_prose(el):
    if not text_longer_than(el, PROSE_CHARS):
        return False
    linked = sum(text_len(a) for a in el.iter("a"))
    return linked * 3 < text_len(el)


class Blocks:
    def _block_nodes(self, label_el, kind):
        """The label's element (climbed out of wrappers holding nothing else) and the siblings that
        follow it up to the next heading of the same or a higher level: the block's content. Where
        that holds nothing of substance (the heading sits in a header div of its own), the block is
        looked for one level up."""
        x = label_el
        while True:
            parent = x.getparent()
            if parent is None or tag_name(parent) in ("body", "html", "article", "main"):
                break
            if not holds_only(parent, x):
                break
            x = parent
        level = heading_level(label_el)
        narrowest = None
        for _attempt in range(3):
            nodes = [x] + self._following(x, level, kind)
            narrowest = narrowest or nodes
            if self._has_substance(kind, nodes, label_el):
                return self._short_summary(nodes, label_el) if kind == "summary" else nodes
            parent = x.getparent()
            if parent is None or tag_name(parent) in ("body", "html", "article", "main"):
                break
            if any(text_longer_than(prev, 0) for prev in x.itersiblings(preceding=True)):
                break  # the heading stands among other content: its parent is not its block
            x = parent
        # Nothing found: the block is empty (filled by script, or inline in its label's paragraph),
        # and is no more than its label's place; a wider one would swallow what follows it.
        return narrowest

    @staticmethod
    def _short_summary(nodes, label_el):
        """A summary is a paragraph or two: where its heading stands among the body's paragraphs
        (one flat container), the block ends once it holds SUMMARY_WORDS words (its first node's
        own words count: "<div><b>Quick Summary:</b> text</div>")."""
        kept = [nodes[0]]
        words = len(visible_text(nodes[0]).split()) - len(visible_text(label_el).split())
        if words >= 5:  # the summary stands in its label's own paragraph: that paragraph is all of it
            return kept
        for node in nodes[1:]:
            if words >= SUMMARY_WORDS:
                break
            kept.append(node)
            words += len(visible_text(node).split())
        return kept

    def _following(self, x, level, kind=None):
        nodes = []
        for sib in x.itersiblings():
            if not isinstance(sib.tag, str):
                continue
            if is_heading(sib) and heading_level(sib) <= level:
                break
            if kind in _BOXES and _is_prose(sib):
                break  # a box of stories inside the text ("Auch interessant"): the text resumes here
            if id(sib) in self._label_ids or id(sib) in self._label_holders:
                break
            nodes.append(sib)
        return nodes

    @staticmethod
    def _has_substance(kind, nodes, label_el):
        if kind in ("related", "tags", "references", "toc", "previous", "next", "view_all"):
            if kind in ("previous", "next", "view_all") and any(
                    tag_name(a) == "a" for a in label_el.iterancestors()):
                return True
            return any(a.get("href") for n in nodes for a in n.iter("a") if a is not label_el)
        own = len(visible_text(nodes[0])) - len(visible_text(label_el)) if len(nodes[0]) else 0
        left = 19 - own
        for n in nodes[1:]:
            if left < 0:
                break
            for piece in n.itertext():  # stop counting as soon as there is enough
                left -= len(piece.strip())
                if left < 0:
                    break
        return left < 0

    def block(self, kind: str) -> tuple[_Element, str, list[_Element]] | None:
        """(label element, label text, nodes) of a visible block, or None."""
        return self._blocks.get(kind)

    def _block_leaves(self, kind):
        found = self.block(kind)
        if not found:
            return []
        label_el, _label, nodes = found
        leaves = []
        for node in nodes:
            for leaf in leaf_blocks(node, label_el):
                leaves.append(leaf)
        return leaves

    def _in_block(self, el):
        node = el
        block_ids = {id(n) for _k, (_l, _t, nodes) in self._blocks.items() for n in nodes}
        while node is not None:
            if id(node) in block_ids:
                return True
            node = node.getparent()
        return False
