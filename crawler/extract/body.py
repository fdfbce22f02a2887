"""The body: the DOM walk over the article's scope (its paragraphs, in order, without the
labelled blocks, promotions and furniture), and the layers that stand in for it when it is empty
(Next.js body, JSON-LD articleBody, trafilatura)."""
import re

from lxml import etree

from crawler import text as tx
from crawler.extract.dom import (
    tag_name, is_heading, visible_text, text_longer_than, contains, has_block_inside, leaf_blocks)
from crawler.extract.patterns import (
    BEGUN_WORDS, TERMINAL_BLOCKS, SKIP_TAGS, SKIP_ROLES, FURNITURE, BYLINE, SENTENCE_END, CREDITS, META_SEPARATORS)
from crawler.extract.registry import field


class Body:
    def _skip_nodes(self):
        """Elements whose subtree is never body text: labelled blocks, promotions with a button.

        Keyed by id(): the dict also holds the element, because an lxml proxy's id is only its
        own while the proxy is alive."""
        skip = {}
        for kind, (label_el, _t, nodes) in self._blocks.items():
            for n in nodes:
                skip[id(n)] = (kind, n)
        for el in self.action_nodes:
            if not contains(self.scope, el):
                continue  # header and footer controls: never near the body
            top, node = None, el.getparent()
            while node is not None and node is not self.scope:
                if text_longer_than(node, 400):
                    break
                top, node = node, node.getparent()
            if top is not None:
                skip.setdefault(id(top), ("promotion", top))
        return skip

    def dom_paragraphs(self):
        """Body paragraphs from the visible page: [(element, text, is_heading)]."""
        if self._body_cache is not None:
            return self._body_cache
        skip = self._skip_nodes()
        h1 = self.h1 if self.h1 is not None and contains(self.scope, self.h1) else None
        h1_chain = ([h1, *h1.iterancestors()] if h1 is not None else [])  # alive: ids stay valid
        h1_path = {id(a) for a in h1_chain}
        out = []
        state = {"stop": False, "started": h1 is None}

        def walk(el):
            if state["stop"]:
                return
            kind = skip.get(id(el), (None,))[0]
            if kind is not None:
                if kind in TERMINAL_BLOCKS and state["started"] and self._text_begun(out, kind):
                    state["stop"] = True
                elif id(el) in h1_path:
                    state["started"] = True
                return
            tag = tag_name(el)
            if not tag or tag in SKIP_TAGS or (el.get("role") or "").lower() in SKIP_ROLES \
                    or el.get("aria-hidden") == "true" or el.get("hidden") is not None:
                if id(el) in h1_path:  # the title sits in a header: the text starts after it
                    state["started"] = True
                return
            if not has_block_inside(el):
                inline = self._inline_block(el) if id(el) in self._label_holders else None
                if inline is not None:  # "<p><b>Tags:</b> <a>..</a></p>": the paragraph is the block
                    if inline in TERMINAL_BLOCKS and state["started"] and self._text_begun(out, inline):
                        state["stop"] = True
                    return
                if state["started"]:
                    t = visible_text(el)
                    if t and not (tag == "li" and self._is_link_item(el, t)) \
                            and not self._is_link_row(el, t):
                        out.append((el, t, is_heading(el)))
                return
            for child in el:
                walk(child)
                if state["stop"]:
                    return

        try:
            walk(self.scope)
        finally:
            del walk  # walk refers to itself: left alone, the cycle keeps the page's tree alive
        self._body_cache = [p for p in out if not self._is_furniture(p[0], p[1])]
        return self._body_cache

    def _text_begun(self, out, kind):
        """Whether the paragraphs so far are the article's text, not a caption or a stray line between
        the title and the blocks that precede the text. Tags end the text only after paragraphs of
        it: GBAF shows them above the text, where a standfirst could stand before them."""
        words = paragraphs = 0
        need = 3 if kind == "tags" else 0
        for e, t, _h in out:
            if not self._is_furniture(e, t):
                words += len(t.split())
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
        if FURNITURE.match(t):
            return True
        if " | " in t or " • " in t or " · " in t:  # "Published by X | Posted on ... | 3 min read"
            pieces = [p for p in META_SEPARATORS.split(t) if p]
            if len(pieces) > 1 and all(FURNITURE.match(p) for p in pieces):
                return True
        # The cheap tests first: most paragraphs have text of their own.
        if not len(el) or (el.text and not el.text.isspace()) \
                or any(c.tail and not c.tail.isspace() for c in el):
            return False
        pieces = [visible_text(c) for c in el if isinstance(c.tag, str)]
        return len(pieces) >= 2 and all(not p or FURNITURE.match(p) for p in pieces)

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

    def _split_byline(self, paragraphs):
        """Take a leading 'By A and B' paragraph out of the body: it gives the authors."""
        for i, (_el, t, is_heading) in enumerate(paragraphs[:6]):
            if not is_heading and BYLINE.match(t) and len(t) < 120 and tx.split_people(t):
                return paragraphs[:i] + paragraphs[i + 1:], tx.split_people(t)
        return paragraphs, []

    def body_paragraphs(self):
        """([(text, is_heading)], layer) of the body: the first layer that has one."""
        if self._body_paragraphs is None:
            self._body_paragraphs = next(self._body_candidates(), ([], None))
        return self._body_paragraphs

    @field("body")
    def field_body(self):
        paragraphs, layer = self.body_paragraphs()
        # The visible page's paragraphs are clean already (visible_text); other layers are cleaned here.
        body = ("\n\n".join(t for t, _h in paragraphs) if layer == "dom"
                else tx.join_paragraphs(t for t, _h in paragraphs))
        return body, layer

    def _body_candidates(self):
        paragraphs = self.dom_paragraphs()
        if paragraphs:
            paras, _ = self._split_byline(paragraphs)
            texts = [(t, h) for _e, t, h in paras]
            if tx.word_count(" ".join(t for t, _h in texts)) >= 20:
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
        fallback = self._trafilatura()
        if fallback:
            yield [(p, False) for p in fallback], "fallback"

    def _trafilatura(self):
        try:
            import trafilatura
        except ImportError as exc:  # a dependency, but the crawl must not die of it: say so
            self.problems.append(("fallback_unavailable", str(exc)[:200]))
            return None
        try:
            extracted = trafilatura.extract(self.html, url=self.url, include_comments=False,
                                            include_tables=False, favor_precision=True)
        except Exception as exc:  # noqa: BLE001 - a third-party extractor on hostile HTML
            self.problems.append(("fallback_failed", repr(exc)[:200]))
            return None
        if not extracted:
            return None
        lines = [line for line in extracted.split("\n") if not FURNITURE.match(line.strip())]
        return lines or None

    def is_truncated(self, body):
        tail = self.html[-2048:].lower()
        if "</html>" not in tail and "</body>" not in tail:
            return True
        paragraphs = body.split("\n\n") if body else []
        # A wire story ends with its credits ("Reporting by A; Editing by B"), which are no sentence.
        while len(paragraphs) > 1 and CREDITS.match(paragraphs[-1]):
            paragraphs.pop()
        last = paragraphs[-1].strip() if paragraphs else ""
        return bool(last) and not SENTENCE_END.search(last)
