"""The page parsed once into the inputs every field reads: the tree (prepared so that
`itertext()` is the visible text), the JSON-LD, the Next.js data, the meta tags, the h1, the
visible block headings (labels), date lines, bylines, breadcrumbs and the article's scope."""
import re
from urllib.parse import urljoin, urlsplit

from lxml import etree

from crawler import text as tx
from crawler.extract.dom import (
    all_text, tag_name, visible_text, prepare, place_streamed_segments, SPACED, INVISIBLE, HTML_PARSER)
from crawler.extract.scope import ParagraphText, boxed, find_scope, in_a_list
from crawler.extract.patterns import (
    LABELS, LABEL_STARTS, LABEL_TAGS, HEADINGS, BYLINE, POSTED, READING_TIME, META_SEPARATORS)
from crawler.extract.jsonld import JsonLd, Meta
from crawler.extract.nextdata import NextData


# How a label's text starts (LABEL_STARTS after leading space, in any case), by its first letter:
# one dict lookup and one startswith per element, whatever the number of labels and languages.
_LABEL_STARTS_BY_FIRST = {}
for _s in LABEL_STARTS:
    _LABEL_STARTS_BY_FIRST.setdefault(_s[0], []).append(_s)
_LABEL_STARTS_BY_FIRST = {k: tuple(v) for k, v in _LABEL_STARTS_BY_FIRST.items()}
_LABEL_PREFIX = max(len(s) for s in LABEL_STARTS)


# LABELS as one pattern of named alternatives, in their order: the first that matches wins, as
# asking them in turn would give (they share their flags and hold no groups of their own).
_ANY_LABEL = re.compile("|".join(f"(?P<{kind}>{p.pattern})" for kind, p in LABELS), LABELS[0][1].flags)
assert all(p.flags == _ANY_LABEL.flags and p.groups == 0 for _k, p in LABELS)
_AFTER_RELATED = [k for k, _p in LABELS].index("related") + 1


def _label_start(t):
    """Whether a text (under 400 characters) starts as a label, a date line or a byline might."""
    s = t.lstrip() if t[:1].isspace() else t
    if not s:
        return False
    found = _LABEL_STARTS_BY_FIRST.get(s[0].lower())
    return found is not None and s[:_LABEL_PREFIX].lower().startswith(found)


# What one walk of the tree collects for _precompute, by tag (a tag can serve several lists): the
# name of a _Walked list, or one of three roles with a test ("boxes", "main_role", "a").
_ROLES = {}
for _tag in INVISIBLE:
    _ROLES.setdefault(_tag, []).append("invisible")
for _tag in SPACED:
    _ROLES.setdefault(_tag, []).append("spaced")
for _tag, _role in (("meta", "metas"), ("link", "links"), ("article", "articles"), ("main", "mains"),
                    ("div", "main_role"), ("section", "main_role"), ("div", "boxes"), ("nav", "boxes"),
                    ("h1", "h1s"), ("time", "times"), ("ol", "lists"), ("ul", "lists"), ("button", "actions"),
                    ("form", "actions"), ("input", "actions"), ("a", "a")):
    _ROLES.setdefault(_tag, []).append(_role)
_ROLES = {k: tuple(v) for k, v in _ROLES.items()}
_WALKED_TAGS = tuple(sorted(set(_ROLES) | set(LABEL_TAGS)))
# What the walk asks of each tag it meets, in one lookup: (may be a label, is a heading, roles).
_TAG_ROLES = {t: (t in LABEL_TAGS, t in HEADINGS, _ROLES.get(t, ())) for t in _WALKED_TAGS}


# Whether an element's own text may start a label (_label_start, or "read" in it), by the text:
# a site's menus, footers and buttons say the same on every page, so most texts were tested on an
# earlier page. Emptied past this many texts (under 400 characters each).
_TEXT_MAY_LABEL: dict[str, bool] = {}
_TEXT_MAY_LABEL_MAX = 20_000


class _Walked:
    """The elements _precompute reads, each list in document order."""
    __slots__ = ("invisible", "spaced", "metas", "links", "articles", "mains", "h1s", "times", "lists",
                 "boxes", "actions", "link_count", "label_candidates")


_LISTS = tuple(name for name in _Walked.__slots__ if name != "link_count")


def _walk_once(root):
    """The page's scripts and styles, line breaks, meta and link tags, <article>s, main elements,
    h1s, <time>s, lists, nav and div boxes of 2 to 12 children (a flat breadcrumb's shape), controls,
    the number of links and the elements that may be labels, in one walk of the tree: each of lxml's
    filtered walks costs about as much as the next, whatever it finds."""
    found = {name: [] for name in _LISTS}
    boxes, mains, candidates = found["boxes"], found["mains"], found["label_candidates"]
    links_seen = 0
    tag_roles = _TAG_ROLES
    tested = _TEXT_MAY_LABEL
    if len(tested) > _TEXT_MAY_LABEL_MAX:
        tested.clear()
    for el in root.iter(*_WALKED_TAGS):
        labelled, heading, roles = tag_roles[el.tag]  # iter() yields only _WALKED_TAGS
        if labelled:
            # the cheap test first: most text is not a label (a text of whitespace alone starts
            # no label and holds no "read")
            t = el.text
            if t is not None and len(t) < 400:
                may = tested.get(t)
                if may is None:
                    may = tested[t] = bool(_label_start(t) or "read" in t)
            else:
                may = False
            if may or (heading and len(el)):
                candidates.append(el)
        for role in roles:
            if role == "a":
                links_seen += 1
            elif role == "boxes":
                if 2 <= len(el) <= 12:  # the first test of _maybe_flat_breadcrumb
                    boxes.append(el)
            elif role == "main_role":
                if el.get("role") == "main":
                    mains.append(el)
            else:
                found[role].append(el)
    w = _Walked()
    for name, elements in found.items():
        setattr(w, name, elements)
    w.link_count = links_seen
    return w


class PageInputs:
    @staticmethod
    def _parse(html):
        root = etree.fromstring(html.encode("utf-8", "replace") or b"<html/>", parser=HTML_PARSER)
        if root is None:
            root = etree.fromstring(b"<html><body></body></html>", parser=HTML_PARSER)
        return root

    def _precompute(self):
        root = self.root
        walked = _walk_once(root)
        if any(el.tag == "template" and (el.get("id") or "").startswith("B:") for el in walked.invisible):
            place_streamed_segments(root)  # late content moved into place: the walk sees it there
            walked = _walk_once(root)
        ld_scripts, meta_pairs, next_raw, flight = [], [], None, []
        self.canonical_link = None
        self.html_lang = root.get("lang") or root.get("xml:lang")
        self.labels = []  # (kind, element, text) in document order
        self.dated = {}  # 'posted'/'updated'/'reading' -> element
        self.dated_text = {}  # ... -> its text (the piece of a "A | B | C" line)
        self.breadcrumb_lists, self.bylines = [], []
        self.body_el = root.find("body")
        invisible = walked.invisible
        for el in invisible:
            if el.tag == "script":
                stype = (el.get("type") or "").lower()
                if "ld+json" in stype:
                    ld_scripts.append(el.text or "")
                elif el.get("id") == "__NEXT_DATA__":
                    next_raw = el.text
                elif el.text and "__next_f" in el.text:  # the app router's streamed payload
                    flight.append(el.text)
        spaced = walked.spaced
        for el in walked.metas:
            key = el.get("property") or el.get("name") or el.get("itemprop") or el.get("http-equiv")
            meta_pairs.append((key, el.get("content")))
        for el in walked.links:
            if "canonical" in (el.get("rel") or "").lower().split():
                self.canonical_link = el.get("href")
                break
        self.articles = walked.articles
        self.mains = walked.mains
        self.h1 = self._title_h1(walked.h1s)
        self.times = walked.times
        for el in walked.lists:
            self._maybe_breadcrumb(el)
        if not self.breadcrumb_lists:
            for el in walked.boxes:
                self._maybe_flat_breadcrumb(el)
        self.action_nodes = walked.actions
        self.link_count = walked.link_count
        for el in walked.label_candidates:
            self._maybe_label(el, el.tag)
        prepare(invisible, spaced)
        self.labels = [(k, el, t) for k, el, t in self.labels if self._real_label(k, el)]
        self.next = NextData(next_raw, flight)
        # An app-router page without a JSON-LD tag may still render one in its payload: read it
        # from there, but only once a field asks (the jsonld property).
        self._jsonld = JsonLd(ld_scripts) if ld_scripts or not flight else None
        if self._jsonld is not None and self._jsonld.errors:
            self.problems.append(("jsonld_invalid", f"{self._jsonld.errors} block(s)"))
        self.meta = Meta(meta_pairs)
        if self._jsonld is not None:
            self._prefer_own_article(self._jsonld)
        self._paragraph_text = None
        self.scope = self._find_scope()
        self._blocks = {}
        self._label_ids = {id(el) for _k, el, _t in self.labels}
        # Elements holding a label anywhere inside: a block never runs into one of them.
        self._label_holders = {}
        for _k, el, _t in self.labels:
            for anc in el.iterancestors():
                if id(anc) in self._label_holders:
                    break
                self._label_holders[id(anc)] = anc  # holding the proxy keeps its id valid
        for kind, el, label in self.labels:
            if kind not in self._blocks:
                self._blocks[kind] = (el, label, self._block_nodes(el, kind))
        self._body_cache = None
        self._body_paragraphs = None
        self._dom_word_count = None
        self._source_dateline = None
        self._site_page = None
        self._related_cache = None

    def _title_h1(self, h1s):
        """The article's h1: a page can have two (the site's logo as an h1 in the header). The one in
        an <article> or <main> wins, then any outside the header, navigation and footer."""
        if len(h1s) < 2:
            return h1s[0] if h1s else None
        # An h1 inside a share row, a comment or a dialog is not the title.
        h1s = [h for h in h1s if not boxed(h)] or h1s
        for h1 in h1s:
            if any(tag_name(a) in ("article", "main") or a.get("role") == "main" for a in h1.iterancestors()):
                return h1
        for h1 in h1s:
            if not any(tag_name(a) in ("header", "nav", "footer") or a.get("role") in ("banner", "navigation")
                       for a in h1.iterancestors()):
                return h1
        return h1s[0]

    @property
    def jsonld(self) -> JsonLd:
        if self._jsonld is None:
            self._jsonld = JsonLd(self.next.jsonld_scripts())
            self._prefer_own_article(self._jsonld)
            if self._jsonld.errors:
                self.problems.append(("jsonld_invalid", f"{self._jsonld.errors} block(s) in the RSC payload"))
        return self._jsonld

    def _prefer_own_article(self, jsonld):
        """Of several JSON-LD articles, the one that is this page's (another story's NewsArticle
        placed first must not give this page its title, date and authors)."""
        jsonld.prefer((self.canonical_link, self.meta.first("og:url"), self.url),
                      (self.meta.first("og:title", "twitter:title"),
                       visible_text(self.h1) if self.h1 is not None else None))

    def _maybe_label(self, el, tag):
        raw = el.text
        if tag in HEADINGS and len(el):
            own = visible_text(el)  # the tree is not prepared yet, but a heading holds no script
        elif not raw:
            return
        else:
            own = tx.clean(raw)
        if not own or len(own) > 160:
            return
        key = own.rstrip(" :")  # "Key Takeaways:", "Quick Summary:"
        m = _ANY_LABEL.match(key)  # the first of LABELS that matches, in one call
        if m is not None:
            kind = m.lastgroup
            if kind == "related" and tag == "a":  # a link reading "Related ...": the later kinds asked
                kind = next((k for k, pattern in LABELS[_AFTER_RELATED:] if pattern.match(key)), None)
            if kind is not None:
                self.labels.append((kind, el, key))
                return
        # One line can hold several: "Published by X | Posted on 06/03/2026 | Reading time: 3 minutes".
        pieces = META_SEPARATORS.split(own) if len(own) > 20 else [own]
        for piece in pieces:
            self._maybe_dated(el, piece, piece if len(pieces) > 1 else None)
        low = own.lower()
        if BYLINE.match(own) and len(own) < 120:
            self.bylines.append(el)
        elif low.rstrip(":") in ("by", "written by") and len(el):
            full = visible_text(el)  # "by <a href="/author/maria/">Maria Gonzalez</a>"
            if BYLINE.match(full) and len(full) < 120:
                self.bylines.append(el)

    def _maybe_dated(self, el, own, text):
        low = own.lower()
        if low.startswith(("posted", "published on", "published:")) and "posted" not in self.dated:
            if POSTED.match(own) and not low.startswith("published by"):
                self.dated["posted"] = el
                self.dated_text["posted"] = text
        elif low.startswith(("last updated", "updated")) and "updated" not in self.dated:
            self.dated["updated"] = el
            self.dated_text["updated"] = text
        if "reading" not in self.dated and READING_TIME.search(own) and len(own) < 40:
            self.dated["reading"] = el
            self.dated_text["reading"] = text

    @staticmethod
    def _real_label(kind, el):
        """A block heading of the page, not a menu entry ('FAQ', 'Tags' in the header or footer)."""
        if tag_name(el) == "a" and kind not in ("previous", "next", "view_all"):
            return False
        in_content = False
        for anc in el.iterancestors():
            tag = tag_name(anc)
            if tag in ("article", "main"):
                in_content = True
            elif tag in ("nav", "footer") or (tag == "header" and not in_content):
                if kind in ("previous", "next") and tag == "nav":
                    continue  # post navigation is a <nav> too
                return False
        return True

    def _maybe_breadcrumb(self, el):
        if not 2 <= len(el):
            return  # fewer than two children: fewer than two items (the list below not built)
        items = []
        for li in el:
            if li.tag == "li":
                items.append(li)
                if len(items) > 6:
                    return  # a menu's long list: the rest of its items not gathered
        if len(items) < 2:
            return
        first = visible_text(items[0]).strip(" >›»/|").lower()
        label = " ".join((el.get("aria-label") or "", el.getparent().get("aria-label") or "")).lower()
        if "breadcrumb" in label or (first == "home" and self._ends_at_this_page(items[-1])):
            self.breadcrumb_lists.append([visible_text(li).strip(" >›»/|").strip() for li in items])

    def _ends_at_this_page(self, last):
        """An unlabelled trail from Home is a breadcrumb when it ends at this page: its last item is
        not a link, or is the title. A menu (Home, Business, Finance...) ends with a link elsewhere."""
        if not (tag_name(last) == "a" and last.get("href")) and not any(a.get("href") for a in last.iter("a")):
            return True
        return self.h1 is not None and visible_text(last).strip(" >›»/|").casefold() == visible_text(self.h1).casefold()

    def _maybe_flat_breadcrumb(self, el):
        """A breadcrumb written as links and separators, not as a list:
        <nav aria-label="breadcrumb"><a>Home</a> &gt; <a>Headlines</a> &gt; <span>Title</span></nav>."""
        if not 2 <= len(el) <= 12:
            return
        label = f"{el.get('aria-label') or ''} {el.get('class') or ''}".lower()
        if "breadcrumb" not in label:
            # Unlabelled: a link to the home page first, and a trail that ends at this page.
            first = el[0]
            if tag_name(first) != "a" or urlsplit(self._absolute(first.get("href"))).path not in ("", "/"):
                return
        if el.find(".//li") is not None:
            return
        children = [c for c in el
                    if isinstance(c.tag, str) and tx.clean(all_text(c)).strip(" >›»/|")]
        if not children or ("breadcrumb" not in label and not self._ends_at_this_page(children[-1])):
            return
        items = [tx.clean(all_text(c)).strip(" >›»/|") for c in children]
        items = [i for i in items if i]
        if 2 <= len(items) <= 6 and items[0].lower() == "home":
            self.breadcrumb_lists.append(items)

    def _find_scope(self):
        """The element holding the article (scope.py)."""
        return find_scope(self)

    def paragraph_text(self) -> ParagraphText:
        """The page's paragraph text by element (scope.py), built once, when first asked."""
        if self._paragraph_text is None:
            root = self.body_el if self.body_el is not None else self.root
            self._paragraph_text = ParagraphText(root, [a for a in self.articles if in_a_list(a)])
        return self._paragraph_text

    def _absolute(self, href):
        """An href made absolute against the page (urljoin only where a cheap rule will not do)."""
        href = (href or "").strip()
        if href.startswith(("http://", "https://")):
            return href
        if href.startswith("/") and not href.startswith("//"):
            return self._origin + href
        return urljoin(self.url, href)
