"""The article parser: one page object from (HTML, URL) to the contract's record.

The page is parsed once (`ArticlePage.__init__`): the tree, the JSON-LD, the Next.js data, the meta
tags and the visible blocks (found by their headings, as a reader sees them) are shared by every
field. Each field method returns `(value, layer)`, trying the layers in the order the field prefers:
`jsonld` (JSON-LD or Next.js page data: `__NEXT_DATA__` or the app router's streamed payload),
`meta` (head metadata), `dom` (the visible page, anchored on semantic elements and block
headings, never on class names) and `fallback` (a generic extractor or a default). No layer knows
the replica: everything here must hold on the live site and, for the generic layers, on any news page.
"""
import logging
import re
from datetime import datetime, timezone
from urllib.parse import parse_qs, urljoin, urlsplit

from lxml import etree

from crawler import text as tx
from crawler.items import ARTICLE_FIELDS, SCHEMA_VERSION
from crawler.structured import JsonLd, Meta, NextData, texts_of, text_of, url_of
from crawler.urls import NON_NEWS_SECTIONS, SITE_HOST, SiteUrls, canonical_url, kind_of_path, kind_of_url

logger = logging.getLogger(__name__)

# --- visible block headings (site-model.md): what a reader sees, matched on normalised text ---
LABELS = (
    ("summary", re.compile(r"^(?:quick summary|summary|in brief|at a glance|tl;?dr)$", re.I)),
    ("takeaways", re.compile(r"^key (?:takeaways|points|facts)$", re.I)),
    ("faq", re.compile(r"^(?:frequently asked questions|faqs?)\b", re.I)),
    ("references", re.compile(r"^(?:references|sources|further reading)$", re.I)),
    ("toc", re.compile(r"^(?:table of contents|contents|in this article|on this page)$", re.I)),
    ("related", re.compile(r"^(?:more from\b|related(?: (?:articles|stories|posts|news|content|coverage|"
                           r"links|reading)\b.*)?$|"
                           r"you (?:may|might)(?: also)? like|read more\b|more stories\b)", re.I)),
    ("previous", re.compile(r"^previous\b.{0,40}\bpost$", re.I)),
    ("next", re.compile(r"^next\b.{0,40}\bpost$", re.I)),
    ("view_all", re.compile(r"^view all\b.{0,40}$", re.I)),
    ("tags", re.compile(r"^(?:tags?|tagged(?: with)?|topics|related topics)\s*:?$", re.I)),
    # Other lists of stories after the text (not the related block: a "Trending" box can come first).
    ("more", re.compile(r"^(?:read next|up next|what to read next|recommended(?: for you| stories)?|"
                        r"most (?:read|popular|viewed)|trending(?: now| stories)?|popular(?: now| stories)?|"
                        r"latest (?:news|stories)|also read|more on this(?: story| topic)?|"
                        r"don.t miss\b.{0,60})$", re.I)),
)
LABELS_BY_KIND = dict(LABELS)
# Blocks that come after the article text: the body ends at the first of them once it has begun (a
# table of contents or "Key Points" above the text is skipped; tags after it end it, as on WordPress).
# How every label, date line and byline above starts: a cheap test before the patterns.
LABEL_STARTS = ("quick", "summary", "in brief", "at a glance", "tl", "key ", "frequently", "faq",
                "references", "sources", "further", "table of", "contents", "in this", "on this",
                "more ", "related", "you ", "read more", "previous", "next", "view all", "tag",
                "posted", "published", "last", "updated", "modified", "by ", "by\n", "written",
                "up next", "what to", "recommended", "most ", "trending", "popular", "latest", "also", "read",
                "don")
SUMMARY_WORDS = 20
MAX_READING_MINUTES = 24 * 60  # a stated reading time past this is no reading time
BEGUN_WORDS = 25  # the text has begun once it holds this many words: a caption above the blocks has not
TERMINAL_BLOCKS = {"takeaways", "faq", "references", "toc", "related", "previous", "next", "view_all", "tags",
                   "more"}
LABEL_TAGS = {"h2", "h3", "h4", "h5", "h6", "div", "span", "p", "strong", "b", "dt", "summary",
              "button", "header", "legend", "caption", "label", "em", "a", "li"}

HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
TEXT_BLOCKS = {"p", "h2", "h3", "h4", "h5", "h6", "li", "blockquote", "pre", "dd", "dt"}
# Elements that start a block of their own: a leaf paragraph is an element with none of them inside.
BLOCKISH = TEXT_BLOCKS | {"div", "section", "article", "main", "ul", "ol", "dl", "table", "tbody",
                          "tr", "td", "th", "thead", "details", "summary", "header", "footer",
                          "aside", "nav", "figure", "form", "center", "address", "fieldset"}
# A <time> standing as a block of its own is the date line ("March 5, 2026 12:04 PM GMT Updated 2 hours
# ago"); inside a paragraph it is text, and a paragraph's text is taken whole.
SKIP_TAGS = {"script", "style", "noscript", "template", "svg", "nav", "header", "footer", "aside", "time",
             "form", "button", "figure", "figcaption", "iframe", "select", "h1", "input", "textarea",
             "dialog", "video", "audio", "picture", "img", "object", "embed", "canvas", "head",
             "title", "meta", "link"}
SKIP_ROLES = {"navigation", "complementary", "banner", "contentinfo", "search", "dialog", "menu",
              "toolbar", "alert"}
# Lines of page furniture that can sit among the paragraphs (GBAF's and common ones).
FURNITURE = re.compile(
    r"^(?:published by\b.{0,80}|(?:posted|published|updated|last updated)(?: on)?:?\s.{0,40}|"
    r"\d+\s*min(?:ute)?s?\s*read|read(?:ing)? time:?\s*\d{1,3}\s*min(?:ute)?s?|tags?:.*|"
    r"share(?: this(?: article)?)?:?|advertisement|sponsored|"
    r"tweet|email|print|pin it|copy link|facebook|twitter|linkedin|whatsapp|reddit|telegram|"
    r"video\s*\d{1,2}:\d{2}.*|"
    r"subscribe|follow us.{0,40}|share (?:this|on)\b.{0,20}|why waste money on news and opinion.*|"
    r"take advantage of our newsletter subscription.*|original content:.*|"
    r"editorial & advertiser disclosure|continue reading|read more|"
    r"(?:explore more articles in the\b.*))$",
    re.I,
)
BYLINE = re.compile(r"^(?:written\s+)?by\s+\S", re.I)
UP = "A-ZÀ-ÖØ-ÞĀ-ſ"  # capitals, Latin-1 and Latin Extended-A (KRAKÓW, REYKJAVÍK, ŁÓDŹ)
DATELINE = re.compile(
    rf"^(?P<place>[{UP}][{UP} .'’\-/]{{1,40}}?(?:,\s*[{UP}][^\W\d_ .'’-]*(?:[ .'’-]+[^\W\d_]+){{0,3}})?)"
    r"(?:,\s*(?P<date>[A-Z][a-z]{2,8}\.?\s+\d{1,2}))?\s*"
    r"\((?P<agency>[A-Za-z][A-Za-z .&’'-]{0,30}?)\)\s*(?:[-–—]+|:)\s*"
)
# AFP and some others write the place in title case: "Paris (AFP) –", "Rio de Janeiro (AFP) -". Taken
# only with a known agency, since "Apple (AAPL) -" has the same shape.
TITLE_DATELINE = re.compile(
    r"^(?P<place>[A-Z][^\W\d_]*(?:[ '’.-]+(?:[A-Z][^\W\d_]*|de|da|do|dos|del|la|el|al|es|of|sur|am)){0,4}"
    r"(?:,\s*[A-Z][^\W\d_]*(?: [A-Z][^\W\d_]*){0,2})?)"
    r"(?:,\s*(?P<date>[A-Z][a-z]{2,8}\.?\s+\d{1,2}))?\s*"
    r"\((?P<agency>[A-Za-z][A-Za-z .&’'-]{0,30}?)\)\s*(?:[-–—]+|:)\s*"
)
PLAIN_DATELINE = re.compile(
    rf"^(?P<place>[{UP}][{UP}.'’\-/]{{2,}}(?: [{UP}][{UP}.'’\-/]+){{0,3}}(?:,\s*[{UP}][^\W\d_.'’-]{{1,20}})?)"
    r"(?:,\s*[A-Z][a-z]{2,8}\.?\s+\d{1,2})?\s+[-–—]{1,2}\s+\S"
)
WIRE_AGENCIES = {
    "reuters": "Reuters", "afp": "AFP", "ap": "AP", "associated press": "AP",
    "bloomberg": "Bloomberg", "dpa": "dpa", "xinhua": "Xinhua", "pti": "PTI", "ians": "IANS",
    "efe": "EFE", "ansa": "ANSA", "kyodo": "Kyodo", "yonhap": "Yonhap", "upi": "UPI",
}
SENTENCE_END = re.compile(r"[.!?…](?:[\"'”’»)\]]+)?$|[.!?…][\"'”’»)\]]*\s*\(?[A-Za-z.]{0,20}\)?$")
CREDITS = re.compile(r"^\(?(?:(?:additional )?reporting|editing|writing|compiled|edited|written|research)"
                     r"(?: and \w+)? by\b.{0,200}$", re.I)
POSTED = re.compile(r"^(?:posted|published)(?:\s+on)?\s*:?\s*(?P<rest>.*)$", re.I)
UPDATED = re.compile(r"^(?:last\s+)?(?:updated|modified)(?:\s+on)?\s*:?\s*(?P<rest>.*)$", re.I)
READING_TIME = re.compile(r"(\d{1,3})\s*(?:min(?:ute)?s?)\.?\s*read\b|"
                          r"\bread(?:ing)?\s+time\s*:?\s*(\d{1,3})\s*min", re.I)
IMAGE_FOR = re.compile(r"^image (?:for|of)\s*:?\s*", re.I)
BULLET = re.compile(r"^[\s•·▪◦‣∙●○■□\-–—*]+")
FAQ_NUMBER = re.compile(r"^(?:q(?:uestion)?\s*)?\d{1,2}(?:[.):]\s*|\s+|(?=[A-Z“\"‘']))", re.I)
SITE_NAME = re.compile(r"global banking\s*(?:&|and|&amp;)\s*finance review|\bGBAF\b", re.I)
META_SEPARATORS = re.compile(r"\s+[|•·]\s+")
TITLE_SEPARATORS = re.compile(r"\s+[|–—-]\s+|\s+::\s+")
# The site's name as a title suffix, also where it holds a separator itself ("Global Banking |
# Finance", the WordPress-era name) or follows a phrase ("- Headlines news and analysis from Global
# Banking & Finance Review").
SITE_SUFFIX = re.compile(
    r"\s+(?:[|–—-]|::)\s+(?:(?!\s[|–—-]\s).){0,60}?"
    r"(?:global banking\s*(?:&amp;|&|and|\|)\s*finance(?:\s+review)?|\bGBAF\b)\s*®?\s*$", re.I)


def _tag(el):
    t = el.tag
    return t if isinstance(t, str) else ""  # lxml's HTML parser gives lower-case names


# A line break is a space in the visible text ("line<br>next").
_SPACED = frozenset({"br"})
_NEVER_HOLD_BLOCKS = frozenset({"p"})
_INVISIBLE = frozenset({"script", "style", "noscript", "template"})


def _is_heading(el):
    return _tag(el) in HEADINGS or el.get("role") == "heading"


def _text(el):
    """Visible text of an element, whitespace-collapsed (the tree was prepared by _prepare).
    Pieces are joined as written: right for a paragraph ("U.S.-<b>san</b>"); for an element that
    holds several blocks use _blocks_text."""
    return tx.clean("".join(el.itertext()))


def _blocks_text(el):
    """Visible text of an element holding several blocks ("<h3>Title</h3><p>Excerpt</p>"): one
    space between pieces, so that two blocks never glue into one word."""
    return tx.clean(" ".join(el.itertext()))


def _holds_only(parent, child):
    """Whether parent shows nothing but child (a wrapper): no text of its own, no other child
    with text. Checked without building the texts of large siblings."""
    if (parent.text or "").strip():
        return False
    for c in parent:
        if (c.tail or "").strip():
            return False
        if c is not child and isinstance(c.tag, str) and _text_longer_than(c, 0):
            return False
    return True


def _text_longer_than(el, limit):
    n = 0
    for piece in el.itertext():
        n += len(piece.strip())
        if n > limit:
            return True
    return False


_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _set(el, attr, value):
    """el.text/el.tail = value; lxml refuses control characters that its parser let through."""
    try:
        setattr(el, attr, value)
    except ValueError:
        setattr(el, attr, _NOT_XML.sub("", value))


def _prepare(invisible, spaced):
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
                _set(prev, "tail", (prev.tail or "") + tail)
            else:
                _set(parent, "text", (parent.text or "") + tail)
        parent.remove(el)
    for el in spaced:
        tail = el.tail
        try:
            el.tail = " " + tail if tail else " "
        except ValueError:
            _set(el, "tail", " " + tail)


def _place_streamed_segments(root):
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
                _set(prev, "tail", (prev.tail or "") + div.text)
            else:
                _set(parent, "text", (parent.text or "") + div.text)
        if tail and tail.strip():
            before = div.getprevious()
            if before is not None:
                _set(before, "tail", (before.tail or "") + tail)
            else:
                _set(div.getparent(), "text", (div.getparent().text or "") + tail)
        div.getparent().remove(div)


# libxml2 stops reading a page nested more than 256 elements deep (unclosed <div>s in every card
# get there) unless told it is a huge tree: the rest of the page, its article too, was lost.
_HTML_PARSER = etree.HTMLParser(recover=True, encoding="utf-8", remove_comments=True, huge_tree=True)

def _own_text(el):
    return tx.clean(el.text or "")


class ArticlePage:
    """One fetched page. `record()` gives the contract's record; `is_article()` says whether it is one."""

    def __init__(self, html, url, *, base_url=None, root=None, crawled_at=None):
        self.url = url
        self.site = SiteUrls(base_url) if base_url else SiteUrls()
        self.html = html if isinstance(html, str) else tx.decode_html(html)
        self.crawled_at = crawled_at
        parts = urlsplit(url)
        self._origin = f"{parts.scheme}://{parts.netloc}"
        self.problems = []  # (reason, detail): counted by the spider, logged with the URL
        self.root = root if root is not None else self._parse(self.html)
        self._precompute()

    # --- the one parse -----------------------------------------------------------------------
    @staticmethod
    def _parse(html):
        root = etree.fromstring(html.encode("utf-8", "replace") or b"<html/>", parser=_HTML_PARSER)
        if root is None:
            root = etree.fromstring(b"<html><body></body></html>", parser=_HTML_PARSER)
        return root

    def _precompute(self):
        root = self.root
        _place_streamed_segments(root)
        ld_scripts, meta_pairs, next_raw, flight = [], [], None, []
        self.canonical_link = None
        self.html_lang = root.get("lang") or root.get("xml:lang")
        self.h1 = None
        self.labels = []  # (kind, element, text) in document order
        self.dated = {}  # 'posted'/'updated'/'reading' -> element
        self.dated_text = {}  # ... -> its text (the piece of a "A | B | C" line)
        self.articles, self.times, self.breadcrumb_lists = [], [], []
        self.mains, self.action_nodes, self.bylines = [], [], []
        self.body_el = root.find("body")
        # Each kind of element is found by lxml's own (C) iteration filtered by tag: Python code
        # runs only for the elements that matter, not for every node of a 100 KB page.
        invisible = list(root.iter(*_INVISIBLE))
        for el in invisible:
            if el.tag == "script":
                stype = (el.get("type") or "").lower()
                if "ld+json" in stype:
                    ld_scripts.append(el.text or "")
                elif el.get("id") == "__NEXT_DATA__":
                    next_raw = el.text
                elif el.text and "__next_f" in el.text:  # the app router's streamed payload
                    flight.append(el.text)
        spaced = list(root.iter(*_SPACED))
        for el in root.iter("meta"):
            key = el.get("property") or el.get("name") or el.get("itemprop") or el.get("http-equiv")
            meta_pairs.append((key, el.get("content")))
        for el in root.iter("link"):
            if "canonical" in (el.get("rel") or "").lower().split():
                self.canonical_link = el.get("href")
                break
        self.articles = list(root.iter("article"))
        self.mains = [el for el in root.iter("main", "div", "section")
                      if el.tag == "main" or el.get("role") == "main"]
        self.h1 = self._title_h1(list(root.iter("h1")))
        self.times = list(root.iter("time"))
        for el in root.iter("ol", "ul"):
            self._maybe_breadcrumb(el)
        if not self.breadcrumb_lists:
            for el in root.iter("nav", "div"):
                self._maybe_flat_breadcrumb(el)
        self.action_nodes = list(root.iter("button", "form", "input"))
        candidates = [  # the cheap test inline: most text is not a label
            el for el in root.iter(*LABEL_TAGS)
            if ((t := el.text) is not None and len(t) < 400
                and (t.lstrip()[:16].lower().startswith(LABEL_STARTS) or "read" in t))
            or (el.tag in HEADINGS and len(el))]
        for el in candidates:
            self._maybe_label(el, el.tag)
        _prepare(invisible, spaced)
        self.labels = [(k, el, t) for k, el, t in self.labels if self._real_label(k, el)]
        self.next = NextData(next_raw, flight)
        # An app-router page without a JSON-LD tag may still render one in its payload: read it
        # from there, but only once a field asks (the jsonld property).
        self._jsonld = JsonLd(ld_scripts) if ld_scripts or not flight else None
        if self._jsonld is not None and self._jsonld.errors:
            self.problems.append(("jsonld_invalid", f"{self._jsonld.errors} block(s)"))
        self.meta = Meta(meta_pairs)
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
        self._related_cache = None

    def _title_h1(self, h1s):
        """The article's h1: a page can have two (the site's logo as an h1 in the header). The one in
        an <article> or <main> wins, then any outside the header, navigation and footer."""
        if len(h1s) < 2:
            return h1s[0] if h1s else None
        for h1 in h1s:
            if any(_tag(a) in ("article", "main") or a.get("role") == "main" for a in h1.iterancestors()):
                return h1
        for h1 in h1s:
            if not any(_tag(a) in ("header", "nav", "footer") or a.get("role") in ("banner", "navigation")
                       for a in h1.iterancestors()):
                return h1
        return h1s[0]

    @property
    def jsonld(self):
        if self._jsonld is None:
            self._jsonld = JsonLd(self.next.jsonld_scripts())
            if self._jsonld.errors:
                self.problems.append(("jsonld_invalid", f"{self._jsonld.errors} block(s) in the RSC payload"))
        return self._jsonld

    def _maybe_label(self, el, tag):
        raw = el.text
        if tag in HEADINGS and len(el):
            own = _text(el)  # the tree is not prepared yet, but a heading holds no script
        elif not raw:
            return
        else:
            own = tx.clean(raw)
        if not own or len(own) > 160:
            return
        key = own.rstrip(" :")  # "Key Takeaways:", "Quick Summary:"
        for kind, pattern in LABELS:
            if pattern.match(key):
                if kind == "related" and tag == "a":
                    continue
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
            full = _text(el)  # "by <a href="/author/maria/">Maria Gonzalez</a>"
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
        if _tag(el) == "a" and kind not in ("previous", "next", "view_all"):
            return False
        in_content = False
        for anc in el.iterancestors():
            tag = _tag(anc)
            if tag in ("article", "main"):
                in_content = True
            elif tag in ("nav", "footer") or (tag == "header" and not in_content):
                if kind in ("previous", "next") and tag == "nav":
                    continue  # post navigation is a <nav> too
                return False
        return True

    def _maybe_breadcrumb(self, el):
        items = [li for li in el if _tag(li) == "li"]
        if not 2 <= len(items) <= 6:
            return
        first = _text(items[0]).strip(" >›»/|").lower()
        label = " ".join((el.get("aria-label") or "", el.getparent().get("aria-label") or "")).lower()
        if "breadcrumb" in label or (first == "home" and self._ends_at_this_page(items[-1])):
            self.breadcrumb_lists.append([_text(li).strip(" >›»/|").strip() for li in items])

    def _ends_at_this_page(self, last):
        """An unlabelled trail from Home is a breadcrumb when it ends at this page: its last item is
        not a link, or is the title. A menu (Home, Business, Finance...) ends with a link elsewhere."""
        if not (_tag(last) == "a" and last.get("href")) and not any(a.get("href") for a in last.iter("a")):
            return True
        return self.h1 is not None and _text(last).strip(" >›»/|").casefold() == _text(self.h1).casefold()

    def _maybe_flat_breadcrumb(self, el):
        """A breadcrumb written as links and separators, not as a list:
        <nav aria-label="breadcrumb"><a>Home</a> &gt; <a>Headlines</a> &gt; <span>Title</span></nav>."""
        if not 2 <= len(el) <= 12:
            return
        label = f"{el.get('aria-label') or ''} {el.get('class') or ''}".lower()
        if "breadcrumb" not in label:
            # Unlabelled: a link to the home page first, and a trail that ends at this page.
            first = el[0]
            if _tag(first) != "a" or urlsplit(self._absolute(first.get("href"))).path not in ("", "/"):
                return
        if el.find(".//li") is not None:
            return
        children = [c for c in el
                    if isinstance(c.tag, str) and tx.clean("".join(c.itertext())).strip(" >›»/|")]
        if not children or ("breadcrumb" not in label and not self._ends_at_this_page(children[-1])):
            return
        items = [tx.clean("".join(c.itertext())).strip(" >›»/|") for c in children]
        items = [i for i in items if i]
        if 2 <= len(items) <= 6 and items[0].lower() == "home":
            self.breadcrumb_lists.append(items)

    def _find_scope(self):
        """The element holding the article: the <article> with the h1, or the richest <article>, <main>, <body>."""
        def p_text(el):
            return sum(len(p.text or "") for p in el.iter("p"))

        if self.articles:
            with_h1 = [a for a in self.articles if self.h1 is not None and self._contains(a, self.h1)]
            if with_h1 and p_text(with_h1[-1]) > 200:
                return with_h1[-1]
            best = max(self.articles, key=p_text)
            if p_text(best) > 200:
                return best
        if self.mains:
            return self.mains[0]
        return self.body_el if self.body_el is not None else self.root

    @staticmethod
    def _contains(ancestor, el):
        node = el
        while node is not None:
            if node is ancestor:
                return True
            node = node.getparent()
        return False

    # --- blocks found by their visible heading -----------------------------------------------
    @staticmethod
    def _level(el):
        tag = _tag(el)
        if tag in HEADINGS:
            return int(tag[1])
        level = el.get("aria-level") if el.get("role") == "heading" else None
        return int(level) if level and level.isdigit() else 2

    def _block_nodes(self, label_el, kind):
        """The label's element (climbed out of wrappers holding nothing else) and the siblings that
        follow it up to the next heading of the same or a higher level: the block's content. Where
        that holds nothing of substance (the heading sits in a header div of its own), the block is
        looked for one level up."""
        x = label_el
        while True:
            parent = x.getparent()
            if parent is None or _tag(parent) in ("body", "html", "article", "main"):
                break
            if not _holds_only(parent, x):
                break
            x = parent
        level = self._level(label_el)
        narrowest = None
        for _attempt in range(3):
            nodes = [x] + self._following(x, level)
            narrowest = narrowest or nodes
            if self._has_substance(kind, nodes, label_el):
                return self._short_summary(nodes, label_el) if kind == "summary" else nodes
            parent = x.getparent()
            if parent is None or _tag(parent) in ("body", "html", "article", "main"):
                break
            if any(_text_longer_than(prev, 0) for prev in x.itersiblings(preceding=True)):
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
        words = len(_text(nodes[0]).split()) - len(_text(label_el).split())
        if words >= 5:  # the summary stands in its label's own paragraph: that paragraph is all of it
            return kept
        for node in nodes[1:]:
            if words >= SUMMARY_WORDS:
                break
            kept.append(node)
            words += len(_text(node).split())
        return kept

    def _following(self, x, level):
        nodes = []
        for sib in x.itersiblings():
            if not isinstance(sib.tag, str):
                continue
            stag = _tag(sib)
            if _is_heading(sib) and self._level(sib) <= level:
                break
            if id(sib) in self._label_ids or id(sib) in self._label_holders:
                break
            nodes.append(sib)
        return nodes

    @staticmethod
    def _has_substance(kind, nodes, label_el):
        if kind in ("related", "tags", "references", "toc", "previous", "next", "view_all"):
            if kind in ("previous", "next", "view_all") and any(
                    _tag(a) == "a" for a in label_el.iterancestors()):
                return True
            return any(a.get("href") for n in nodes for a in n.iter("a") if a is not label_el)
        own = len(_text(nodes[0])) - len(_text(label_el)) if len(nodes[0]) else 0
        left = 19 - own
        for n in nodes[1:]:
            if left < 0:
                break
            for piece in n.itertext():  # stop counting as soon as there is enough
                left -= len(piece.strip())
                if left < 0:
                    break
        return left < 0

    def block(self, kind):
        """(label element, label text, nodes) of a visible block, or None."""
        return self._blocks.get(kind)

    def _block_leaves(self, kind):
        found = self.block(kind)
        if not found:
            return []
        label_el, _label, nodes = found
        leaves = []
        for node in nodes:
            for leaf in self._leaves(node, label_el):
                leaves.append(leaf)
        return leaves

    @staticmethod
    def _has_block_inside(el):
        if el.tag in _NEVER_HOLD_BLOCKS or not len(el):
            return False  # the HTML parser closes a <p> before any block element
        # lxml's filtered iteration yields el itself first when it is a block; it stops at the first hit.
        for d in el.iter(*BLOCKISH):
            if d is not el:
                return True
        return False

    def _leaves(self, node, exclude=None):
        """Leaf text blocks under node, in order: (element, text, is_heading)."""
        out = []

        def walk(el):
            if el is exclude:
                return
            tag = _tag(el)
            if not tag or tag in ("script", "style", "noscript", "template", "svg", "img"):
                return
            if not self._has_block_inside(el):
                t = _text(el)
                if t:
                    out.append((el, t, _is_heading(el)))
                return
            for child in el:
                walk(child)

        try:
            walk(node)
        finally:
            del walk  # walk refers to itself: left alone, the cycle keeps the page's tree alive
        return out

    # --- the body ------------------------------------------------------------------------------
    def _skip_nodes(self):
        """Elements whose subtree is never body text: labelled blocks, promotions with a button.

        Keyed by id(): the dict also holds the element, because an lxml proxy's id is only its
        own while the proxy is alive."""
        skip = {}
        for kind, (label_el, _t, nodes) in self._blocks.items():
            for n in nodes:
                skip[id(n)] = (kind, n)
        for el in self.action_nodes:
            if not self._contains(self.scope, el):
                continue  # header and footer controls: never near the body
            top, node = None, el.getparent()
            while node is not None and node is not self.scope:
                if _text_longer_than(node, 400):
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
        h1 = self.h1 if self.h1 is not None and self._contains(self.scope, self.h1) else None
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
            tag = _tag(el)
            if not tag or tag in SKIP_TAGS or (el.get("role") or "").lower() in SKIP_ROLES \
                    or el.get("aria-hidden") == "true" or el.get("hidden") is not None:
                if id(el) in h1_path:  # the title sits in a header: the text starts after it
                    state["started"] = True
                return
            if not self._has_block_inside(el):
                inline = self._inline_block(el) if id(el) in self._label_holders else None
                if inline is not None:  # "<p><b>Tags:</b> <a>..</a></p>": the paragraph is the block
                    if inline in TERMINAL_BLOCKS and state["started"] and self._text_begun(out, inline):
                        state["stop"] = True
                    return
                if state["started"]:
                    t = _text(el)
                    if t and not (tag == "li" and self._is_link_item(el, t)) \
                            and not self._is_link_row(el, t):
                        out.append((el, t, _is_heading(el)))
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

    # Blocks whose label can open a paragraph that is the whole block. Not "related": "Read more: <a>"
    # inside an article's text is a link in it, not the end of it.
    _INLINE_KINDS = ("tags", "summary", "takeaways", "faq", "references", "toc")

    def _inline_block(self, leaf):
        """The kind of block whose label opens this leaf paragraph, if any."""
        for kind in self._INLINE_KINDS:
            found = self._blocks.get(kind)
            if found is None:
                continue
            label_el = found[0]
            if label_el is not leaf and self._contains(leaf, label_el) and _text(leaf).startswith(found[1]):
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
        pieces = [_text(c) for c in el if isinstance(c.tag, str)]
        return len(pieces) >= 2 and all(not p or FURNITURE.match(p) for p in pieces)

    @staticmethod
    def _is_link_item(li, t):
        """A list item that is only a short link: a menu or share list, not article text."""
        links = [a for a in li.iter("a")]
        return len(links) == 1 and _text(links[0]) == t and len(t.split()) <= 4

    @staticmethod
    def _is_link_row(el, t):
        """A row of links and nothing else (share buttons, 'Read next' rows): not article text."""
        links = [a for a in el.iter("a")]
        if len(links) < 2:
            return False
        linked = sum(len(_text(a)) for a in links)
        return linked >= 0.9 * len(t.replace(" ", "")) or linked >= 0.9 * len(t)

    def _split_byline(self, paragraphs):
        """Take a leading 'By A and B' paragraph out of the body: it gives the authors."""
        for i, (_el, t, is_heading) in enumerate(paragraphs[:6]):
            if not is_heading and BYLINE.match(t) and len(t) < 120 and tx.split_people(t):
                return paragraphs[:i] + paragraphs[i + 1:], tx.split_people(t)
        return paragraphs, []

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
                leaves = self._leaves(frag) if frag is not None else []
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

    # --- fields ------------------------------------------------------------------------------
    def field_url(self):
        for get, layer in (
            (lambda: url_of(self.jsonld.get("mainEntityOfPage")) or self.jsonld.get("url"), "jsonld"),
            (lambda: self.canonical_link, "meta"),
            (lambda: self.meta.first("og:url"), "meta"),
        ):
            value = get()
            url = self._site_article_url(value)
            if url:
                return url, layer
        return self.site.canonical(self.url), "fallback"

    def _site_article_url(self, value):
        """A canonical URL the page claims for itself, if it is one of an article on this host."""
        if not isinstance(value, str) or not value.strip():
            return None
        absolute = urljoin(self.url, value.strip())
        if self.site.is_site(absolute):
            return self.site.canonical(absolute) if kind_of_url(absolute) == "article" else None
        if urlsplit(absolute).hostname == urlsplit(self.url).hostname and urlsplit(absolute).path.strip("/"):
            return canonical_url(absolute)
        return None

    def field_title(self):
        sources = (
            (lambda: text_of(self.jsonld.get("headline")) or text_of(self.jsonld.get("name")), "jsonld"),
            (self.next.title, "jsonld"),
            (lambda: self._strip_site_name(self.meta.first("og:title", "twitter:title")), "meta"),
            (self._dom_title, "dom"),
            (lambda: self._strip_site_name(self._head_title(), short_suffix=True), "meta"),
        )
        candidates = ((tx.strip_tags(v), layer) for v, layer in ((get(), layer) for get, layer in sources) if v)
        # The site's name cut from any source ("... - Headlines news and analysis from Global Banking
        # & Finance Review" also turns up in JSON-LD headlines).
        candidates = ((SITE_SUFFIX.sub("", v) or v, layer) for v, layer in candidates if v)
        title, layer = next(candidates, (None, None))
        if title is None:
            return None, None
        # JSON-LD headlines are often cut at 110 characters: a longer source with the same start wins.
        if len(title) >= 100 or title.endswith(("…", "...")):
            stem = title.rstrip(".… ")
            for other, other_layer in candidates:
                if len(other) > len(title) + 1 and other.casefold().startswith(stem.casefold()):
                    if other_layer == "dom" and not other.startswith(stem):
                        # The visible title is mangled: its true case as far as the cut headline goes.
                        return stem + other[len(stem):], layer
                    return other, other_layer
        return title, layer

    def _head_title(self):
        el = self.root.find(".//title")
        return _text(el) if el is not None else None

    def _strip_site_name(self, value, short_suffix=False):
        """'Title | Site Name' -> 'Title' (a <title> nearly always ends with the site's name)."""
        if not value:
            return value
        site_name = self.meta.first("og:site_name", "application-name")
        cut = SITE_SUFFIX.sub("", value)
        if site_name and len(cut) > len(site_name) + 3 and cut.casefold().endswith(site_name.casefold()):
            cut = re.sub(r"\s+(?:[|–—-]|::)\s*$", "", cut[: len(cut) - len(site_name)]) or cut
        if cut and cut != value:
            return cut  # the site's name is gone: what is left is the title, separators and all
        parts = TITLE_SEPARATORS.split(value)
        while len(parts) > 1 and (SITE_NAME.search(parts[-1]) or (
                site_name and parts[-1].strip().casefold() == site_name.casefold()) or (
                short_suffix and len(parts) == len(TITLE_SEPARATORS.split(value))
                and len(parts[-1].split()) <= 4)):
            parts.pop()
        if len(parts) < len(TITLE_SEPARATORS.split(value)):
            # rebuild from the original, cutting at the removed separator
            cut = value
            for _ in range(len(TITLE_SEPARATORS.split(value)) - len(parts)):
                m = list(TITLE_SEPARATORS.finditer(cut))
                cut = cut[: m[-1].start()]
            return cut
        return value

    def _dom_title(self):
        h1 = _text(self.h1) if self.h1 is not None else None
        candidates = []
        if self.breadcrumb_lists and len(self.breadcrumb_lists[0]) >= 3:
            candidates.append(self.breadcrumb_lists[0][-1])
        faq = self.block("faq")
        if faq:
            m = re.match(r"^frequently asked questions (?:about|on|for)\s+(.+)$", faq[1], re.I)
            if m:
                candidates.append(m.group(1))
        lead = self._lead_image()
        if lead is not None and lead.get("alt"):
            candidates.append(re.split(r"\s+[-–—|]\s+", lead.get("alt"))[0])
        if h1 is None:
            return candidates[0] if candidates else None
        # The head's <title> keeps the true case of a mangled h1 too (after the site's name is cut).
        candidates.append(self._strip_site_name(self._head_title(), short_suffix=True))
        same = [tx.clean(c) for c in candidates if c and tx.clean(c).casefold() == h1.casefold()]
        # Mangling lower-cases words: of the spellings of the h1's words, the true case has the most capitals.
        return max(same, key=lambda c: sum(ch.isupper() for ch in c), default=h1)

    def field_category(self):
        section = self.jsonld.get("articleSection")
        section = texts_of(section)
        for get, layer in (
            (lambda: section[0] if section else None, "jsonld"),
            (lambda: self.next.category(), "jsonld"),
            (lambda: self.meta.first("article:section", "section", "parsely-section"), "meta"),
            (lambda: self._dom_category(), "dom"),
        ):
            value = get()
            value = tx.clean(value)
            if value:
                return value, layer
        return None, None

    def _dom_category(self):
        crumbs = self.breadcrumb_lists[0] if self.breadcrumb_lists else None
        if not crumbs:
            names = self.jsonld.breadcrumb_names()
            crumbs = names if len(names) >= 3 else None
        if crumbs and len(crumbs) >= 3:
            return crumbs[-2]
        link = self._category_link()
        if link:
            return link
        for kind, pattern in (("related", r"^more from\s+(?:the\s+)?(.+?)$"),
                              ("previous", r"^previous\s+(.+?)\s+post$"),
                              ("view_all", r"^view all\s+(.+?)\s+posts?$")):
            found = self.block(kind)
            if found:
                m = re.match(pattern, found[1], re.I)
                if m:
                    return m.group(1)
        return None

    def _category_link(self):
        """The category as the page shows it by the title: a link to a /category/<name>/ listing
        beside the h1 (a kicker), or one marked rel="category" (WordPress). Menus are not it: the
        link must stand with the h1 in a container that holds no more than two such links."""
        for a in self.scope.iter("a"):
            if "category" in (a.get("rel") or "").lower().split() and _text(a):
                return _text(a)
        if self.h1 is None:
            return None
        near = self.h1.getparent()
        if near is not None and near.getparent() is not None and _tag(near) not in (
                "article", "main", "body"):
            near = near.getparent()
        if near is None:
            return None
        h1 = self.h1

        def in_menu(a):  # a <header> is a menu's place unless it is the article's, holding the h1
            for x in a.iterancestors():
                if x is near:
                    return False
                if _tag(x) in ("nav", "footer", "aside") or (
                        _tag(x) == "header" and not self._contains(x, h1)):
                    return True
            return False

        links = [a for a in near.iter("a") if kind_of_path(urlsplit(a.get("href") or "").path) == "category"
                 and not in_menu(a)]
        if not 1 <= len(links) <= 2:
            return None
        text = _text(links[0])
        return text if text and len(text.split()) <= 4 else None

    def field_tags(self):
        keywords = self.jsonld.get("keywords")
        if isinstance(keywords, str):
            keywords = [k for k in re.split(r"\s*,\s*", keywords)]
        for get, layer in (
            (lambda: texts_of(keywords), "jsonld"),
            (lambda: self.next.tags(), "jsonld"),
            (lambda: self.meta.all("article:tag") or self._split_csv(self.meta.first("news_keywords")), "meta"),
            (lambda: self._dom_tags(), "dom"),
        ):
            values = get()
            values = tx.dedupe_names(values)
            if values:
                return values, layer
        return [], None

    @staticmethod
    def _split_csv(value):
        return [v for v in re.split(r"\s*,\s*", value)] if value else []

    def _dom_tags(self):
        found = self.block("tags")
        if not found:
            return []
        label_el, _label, nodes = found
        names = []
        for node in nodes:
            links = [a for a in node.iter("a")] if _tag(node) != "a" else [node]
            for a in links:
                names.append(_text(a))
        if not names:  # tags as plain text: list items, or "Tags: Finance, Banking" in one line
            texts = [t for _e, t, _h in self._block_leaves("tags")]
            parent = label_el.getparent()
            if not texts and parent is not None:
                line = _blocks_text(parent)
                if line.startswith(_label):
                    texts = [line[len(_label):].lstrip(" :")]
            names = [n for t in texts for n in re.split(r"\s*[,|•·;]\s*", t)]
            if any(len(n.split()) > 5 for n in names) or len(names) > 40:
                return []  # prose, not a list of tags
        return [re.sub(r"^#", "", n) for n in names if n and not LABELS_BY_KIND["tags"].match(n)]

    def field_authors(self):
        for get, layer in (
            (lambda: self._ld_people(self.jsonld.resolve(self.jsonld.get("author"))), "jsonld"),
            (lambda: self._people(self.next.authors()), "jsonld"),
            (lambda: self._people(self.meta.all("author", "article:author", "parsely-author",
                                        "sailthru.author", "dc.creator", "byl")), "meta"),
            (lambda: self._dom_authors(), "dom"),
        ):
            values = get()
            if values:
                return values, layer
        return [], None

    def _ld_people(self, value):
        people = []
        for node in value if isinstance(value, list) else [value]:
            if isinstance(node, dict):
                types = node.get("@type")
                types = [types] if isinstance(types, str) else (types if isinstance(types, list) else [])
                if any(isinstance(t, str) and t.lower().endswith("organization") for t in types):
                    continue
                name = text_of(node)
                if name:
                    people.extend(tx.split_people(name))
            elif isinstance(node, str):
                people.extend(tx.split_people(node))
        return tx.dedupe_names(people)

    def _people(self, names):
        people = []
        for name in names:
            if not name.startswith(("http://", "https://")):
                people.extend(tx.split_people(name))
        return tx.dedupe_names(people)

    def _dom_authors(self):
        _paras, people = self._split_byline(self.dom_paragraphs())
        if people:
            return people
        for el in self.bylines:
            people = tx.split_people(_text(el))
            if people:
                return people
        for el in self.root.iter("a"):
            if "author" in (el.get("rel") or "").split():
                people = tx.split_people(_text(el))
                if people:
                    return people
        return []

    def field_source_and_dateline(self, paragraphs):
        """(source, dateline, layer): the wire agency and place from the dateline paragraph.
        paragraphs: [(text, is_heading)] of the body."""
        # The dateline opens the first paragraph of text (section headings may stand before it).
        first = next((t for t, heading in paragraphs[:12] if not heading and tx.clean(t)), None)
        if first:
            m = DATELINE.match(first)
            if m is None:
                m = TITLE_DATELINE.match(first)
                if m and m.group("agency").strip().lower() not in WIRE_AGENCIES:
                    m = None
            if m:
                agency = m.group("agency").strip()
                # "(Reuters Breakingviews)", "(AFP Relaxnews)": the agency's own service.
                source = (WIRE_AGENCIES.get(agency.lower()) or WIRE_AGENCIES.get(agency.split()[0].lower())
                          or (agency if len(agency) <= 30 else None))
                if source:
                    return source, tx.clean(m.group("place")), "dom"
            m = PLAIN_DATELINE.match(first)
            if m:
                return None, tx.clean(m.group("place")), "dom"
        for node in self._as_list(self.jsonld.resolve(self.jsonld.get("author"))) + self._as_list(
                self.jsonld.resolve(self.jsonld.get("sourceOrganization"))):
            name = text_of(node) or ""
            m = re.match(r"^(\w[\w .&]*?)\s*(?:\(via\b.*\))?$", name)
            if m and m.group(1).strip().lower() in WIRE_AGENCIES:
                return WIRE_AGENCIES[m.group(1).strip().lower()], None, "jsonld"
        return None, None, None

    @staticmethod
    def _as_list(value):
        return value if isinstance(value, list) else ([value] if value else [])

    def field_published(self):
        return self._date(
            (lambda: self.jsonld.get("datePublished") or self.jsonld.get("dateCreated"), "jsonld"),
            (lambda: self.next.published(), "jsonld"),
            (lambda: self.meta.first("article:published_time", "datepublished", "og:published_time",
                             "parsely-pub-date", "sailthru.date", "dc.date", "pubdate",
                             "publish-date", "date"), "meta"),
            (lambda: self._dom_date("posted"), "dom"),
        )

    def field_updated(self, published=None):
        """A modification date before the publication date is not an update (a CMS that reset one
        of them): such a value is skipped, and the next layer asked."""
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
                        self._contains(other, node) or self._contains(node, other))):
                    continue
                if node.get("datetime"):
                    return node.get("datetime")
            text = self.dated_text.get(which) or _text(el)
            m = (POSTED if which == "posted" else UPDATED).match(text)
            rest = m.group("rest") if m else ""
            if not rest:
                sib = el.getnext()
                rest = _text(sib) if sib is not None else ""
            if rest:
                return rest
        if which == "posted":
            for t in self.times:
                if self._contains(self.scope, t) and t.get("datetime") and not self._in_block(t):
                    return t.get("datetime")
        return None

    def _in_block(self, el):
        node = el
        block_ids = {id(n) for _k, (_l, _t, nodes) in self._blocks.items() for n in nodes}
        while node is not None:
            if id(node) in block_ids:
                return True
            node = node.getparent()
        return False

    def field_summary(self):
        leaves = self._block_leaves("summary")
        label = self.block("summary")[1] if leaves else ""
        # "<div><b>Quick Summary:</b> text</div>" is one leaf, label and all.
        texts = [t[len(label):].lstrip(" :") if t.startswith(label) else t for _e, t, h in leaves if not h]
        texts = [t for t in texts if t]
        value = " ".join(texts) if texts else None
        return (tx.clean(value), "dom") if value else (None, None)

    def field_key_takeaways(self):
        found = self.block("takeaways")
        if not found:
            return [], None
        items = []
        for node in found[2]:
            items.extend(_blocks_text(li) for li in node.iter("li"))
        if not items:  # bullets as paragraphs, or in one line: "<b>Key Takeaways:</b><br>• A<br>• B"
            label = found[1]
            for _e, t, _h in self._block_leaves("takeaways"):
                t = t[len(label):].lstrip(" :") if t.startswith(label) else t
                several = len(re.findall("[•▪●■◦‣∙]", t)) > 1
                items.extend(re.split(r"\s*[•▪●■◦‣∙]\s*", t) if several else [t])
        items = [tx.clean(BULLET.sub("", i)) for i in items]
        items = [i for i in items if i]
        return (items, "dom") if items else ([], None)

    def field_faq(self):
        faq = self.jsonld.faq
        if faq:
            items = []
            for q in self._as_list(faq.get("mainEntity")):
                if not isinstance(q, dict):
                    continue
                answer = q.get("acceptedAnswer") or q.get("suggestedAnswer")
                answer = answer[0] if isinstance(answer, list) and answer else answer
                question, answer_text = tx.strip_tags(text_of(q)), tx.strip_tags(text_of(answer))
                if question and answer_text:
                    items.append({"question": question, "answer": answer_text})
            if items:
                return items, "jsonld"
        items = self._dom_faq()
        return (items, "dom") if items else ([], None)

    def _dom_faq(self):
        items, current = [], None
        for _e, t, _h in self._block_leaves("faq"):
            if re.fullmatch(r"\d{1,2}[.)]?", t):
                continue
            question = FAQ_NUMBER.sub("", t, count=1) if FAQ_NUMBER.match(t) else t
            # A question is marked up as one (<summary>, <dt>, a heading) or asks ("...?").
            if question.rstrip().endswith("?") or _is_heading(_e) or _tag(_e) in ("summary", "dt"):
                current = {"question": tx.clean(question), "answer": []}
                items.append(current)
            elif current is not None:
                current["answer"].append(t)
        return [{"question": i["question"], "answer": tx.clean(" ".join(i["answer"]))}
                for i in items if i["answer"]]

    def field_references(self):
        found = self.block("references")
        if not found:
            return [], None
        refs, seen = [], set()
        for node in found[2]:
            for a in node.iter("a"):
                url = self._absolute(a.get("href"))
                if not url.startswith(("http://", "https://")) or self.site.is_site(url) or url in seen:
                    continue
                title = _text(a) or tx.clean(a.get("title")) or url
                seen.add(url)
                refs.append({"title": title, "url": url})
        return (refs, "dom") if refs else ([], None)

    def field_related(self):
        # record() and related_fetch_urls() both ask for it: computed once per page.
        if self._related_cache is None:
            self._related_cache = self._field_related()
        return self._related_cache

    def _field_related(self):
        found = self.block("related")
        if not found:
            return [], None
        by_url, order = {}, []
        for node in found[2]:
            for a in node.iter("a"):
                url = self.site.site_article(self._absolute(a.get("href")))
                if url is None:
                    continue
                title = None
                for img in a.iter("img"):
                    alt = tx.clean(img.get("alt"))
                    if alt:
                        title = IMAGE_FOR.sub("", alt)
                        break
                entry = by_url.get(url)
                if entry is None:
                    entry = by_url[url] = {"title": None, "url": url, "_anchors": []}
                    order.append(url)
                if title and not entry["title"]:
                    entry["title"] = title
                entry["_anchors"].append(a)
        related = []
        for url in order:
            e = by_url[url]
            # The visible card text only where no image names the title (walking it costs).
            title = e["title"] or next((t for t in map(self._card_title, e["_anchors"]) if t), None)
            if title:
                related.append({"title": title, "url": url})
        return (related, "dom") if related else ([], None)

    def _card_title(self, a):
        """The title a related card shows: its heading, else its longest line (a card also shows its
        category and '2 years ago'), else the link's title attribute."""
        leaves = self._leaves(a)
        heads = [t for _e, t, h in leaves if h]
        if heads:
            return heads[0]
        if leaves:
            return max((t for _e, t, _h in leaves), key=lambda t: len(t.split()))
        return _blocks_text(a) or tx.clean(a.get("title"))

    def _absolute(self, href):
        """An href made absolute against the page (urljoin only where a cheap rule will not do)."""
        href = (href or "").strip()
        if href.startswith(("http://", "https://")):
            return href
        if href.startswith("/") and not href.startswith("//"):
            return self._origin + href
        return urljoin(self.url, href)

    def related_fetch_urls(self):
        """Links the spider follows from an article: related, previous and next posts."""
        urls = [r["url"] for r in self.field_related()[0]]
        for kind in ("previous", "next"):
            found = self.block(kind)
            if not found:
                continue
            label_el = found[0]
            anchors = [n for n in found[2] for n in n.iter("a")]
            node = label_el
            while node is not None and _tag(node) != "a":
                node = node.getparent()
            if node is not None:
                anchors.insert(0, node)
            for a in anchors[:1]:
                urls.append(urljoin(self.url, a.get("href") or ""))
        return urls

    def _lead_image(self):
        if not hasattr(self, "_lead_cache"):
            self._lead_cache = None
            block_ids = {id(n) for _k, (_l, _t, nodes) in self._blocks.items() for n in nodes}
            for img in self.scope.iter("img"):
                if self._under(img, block_ids):
                    continue
                width = img.get("width")
                if width and width.isdigit() and int(width) < 200:
                    continue
                src = img.get("src") or img.get("data-src") or (img.get("srcset") or "").split(" ")[0]
                if not src or src.startswith("data:") or re.search(r"(?:^|[/_.-])(?:logo|avatar|icon|sprite|favicon)s?(?:[/_.-]|$)", src, re.I):
                    continue
                self._lead_cache = img
                break
        return self._lead_cache

    @staticmethod
    def _under(el, ids):
        node = el
        while node is not None:
            if id(node) in ids:
                return True
            node = node.getparent()
        return False

    def field_image(self):
        for get, layer in (
            (lambda: url_of(self.jsonld.get("image")) or url_of(self.jsonld.get("thumbnailUrl")), "jsonld"),
            (lambda: self.next.image(), "jsonld"),
            (lambda: self.meta.first("og:image", "og:image:url", "og:image:secure_url", "twitter:image",
                             "twitter:image:src"), "meta"),
            (self._lead_image_src, "dom"),
        ):
            value = get()
            url = self._image_url(value)
            if url:
                return url, layer
        return None, None

    def _lead_image_src(self):
        lead = self._lead_image()
        if lead is None:
            return None
        return lead.get("src") or lead.get("data-src") or (lead.get("srcset") or "").split(" ")[0]

    def _image_url(self, value):
        if not isinstance(value, str) or not value.strip() or value.startswith("data:"):
            return None
        url = urljoin(self.url, value.strip())
        parts = urlsplit(url)
        if parts.path.startswith("/_next/image"):  # Next.js image optimiser: the real src is ?url=
            inner = parse_qs(parts.query).get("url")
            if inner:
                url = urljoin(url, inner[0])
                parts = urlsplit(url)
        if parts.scheme not in ("http", "https"):
            return None
        if self.site.is_site(url):
            url = f"https://{SITE_HOST}{parts.path}" + (f"?{parts.query}" if parts.query else "")
        return url

    def field_reading_time(self):
        # A reading time past a day is no reading time a page can mean (a hostile or broken value
        # such as PT99999999999999999999M, which no int64 Parquet column holds): the next one counts.
        for minutes, layer in self._reading_times():
            if 0 <= minutes <= MAX_READING_MINUTES:
                return minutes, layer
        return None, None

    def _reading_times(self):
        """(minutes, layer) each layer states, in the order they are trusted."""
        required = self.jsonld.get("timeRequired")
        if isinstance(required, str):
            m = re.match(r"^PT(?:(\d+)H)?(?:(\d+)M)?", required)
            if m and (m.group(1) or m.group(2)):
                yield int(m.group(1) or 0) * 60 + int(m.group(2) or 0), "jsonld"
        for n in range(1, 5):  # WordPress/Yoast: twitter:label2 "Est. reading time", data2 "3 minutes"
            label = self.meta.first(f"twitter:label{n}")
            if label and "read" in label.lower():
                m = re.search(r"(\d+)", self.meta.first(f"twitter:data{n}") or "")
                if m:
                    yield int(m.group(1)), "meta"
        el = self.dated.get("reading")
        if el is not None:
            m = READING_TIME.search(self.dated_text.get("reading") or _own_text(el))
            if m:
                yield int(m.group(1) or m.group(2)), "dom"

    def field_language(self):
        for get, layer in (
            (lambda: text_of(self.jsonld.get("inLanguage")), "jsonld"),
            (lambda: self.meta.first("og:locale", "content-language", "dc.language", "language"), "meta"),
            (lambda: self.html_lang, "dom"),
        ):
            value = get()
            if isinstance(value, str):
                m = re.match(r"^\s*([A-Za-z]{2,3})(?:[-_]|\s*$)", value)
                if m:
                    return m.group(1).lower(), layer
        return "en", "fallback"

    # --- the page as a whole -------------------------------------------------------------------
    def is_article(self):
        """Whether this page is a news article (company, award, magazine, video, listing pages are not)."""
        return self.not_article_reason() is None

    def not_article_reason(self):
        category = (self.field_category()[0] or "").strip().lower()
        if category in NON_NEWS_SECTIONS:
            return f"section:{category}"
        url, _ = self.field_url()
        if self.site.is_site(url) and kind_of_url(url) != "article":
            return "url"
        if self.jsonld.article is not None:
            return None
        og_type = (self.meta.first("og:type") or "").lower()
        if self.jsonld.non_article is not None:
            return "jsonld_type"
        if og_type == "article":
            return None
        if og_type and og_type != "article":
            return f"og_type:{og_type}"
        if self.next.post is not None and self.next.published():
            return None
        has_date = self._dom_date("posted") is not None
        words = tx.word_count(" ".join(t for _e, t, _h in self.dom_paragraphs()))
        if self.h1 is not None and has_date and words >= 60:
            return None
        return "no_article_signals"

    def is_site_page(self):
        """Whether this is a page of the site (or of its replica): the summary, takeaways, FAQ,
        references and related blocks are the site's own, and stay empty on another publisher's page
        (whose "Key Points" or "Sources" are not what the contract means)."""
        if self.site.is_site(self.url):
            return True
        claimed = (self.canonical_link, self.meta.first("og:url"),
                   url_of(self.jsonld.get("mainEntityOfPage")), self.jsonld.get("url"))
        if any(isinstance(u, str) and self.site.is_site(urljoin(self.url, u.strip())) for u in claimed):
            return True
        names = [self.meta.first("og:site_name", "application-name"),
                 text_of(self.jsonld.resolve(self.jsonld.get("publisher")))]
        return any(isinstance(n, str) and SITE_NAME.search(n) for n in names)

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

    def record(self):
        """The contract's record (version 1, crawled_at now unless given)."""
        rec, extraction = {}, {}

        def put(field, value, layer):
            rec[field] = value
            if layer and value not in (None, "", [], {}):
                extraction[field] = layer

        put("url", *self.field_url())
        put("title", *self.field_title())
        put("category", *self.field_category())
        put("tags", *self.field_tags())
        body_paragraphs, body_layer = next(self._body_candidates(), ([], None))
        # The visible page's paragraphs are clean already (_text); other layers are cleaned here.
        body = ("\n\n".join(t for t, _h in body_paragraphs) if body_layer == "dom"
                else tx.join_paragraphs(t for t, _h in body_paragraphs))
        put("authors", *self.field_authors())
        source, dateline, layer = self.field_source_and_dateline(body_paragraphs)
        put("source", source, layer)
        put("dateline", dateline, layer if dateline else None)
        put("published_at", *self.field_published())
        put("updated_at", *self.field_updated(rec["published_at"]))
        gbaf = self.is_site_page()
        put("summary", *(self.field_summary() if gbaf else (None, None)))
        put("body", body, body_layer)
        put("key_takeaways", *(self.field_key_takeaways() if gbaf else ([], None)))
        put("faq", *(self.field_faq() if gbaf else ([], None)))
        put("references", *(self.field_references() if gbaf else ([], None)))
        put("related", *(self.field_related() if gbaf else ([], None)))
        put("image_url", *self.field_image())
        put("reading_time_minutes", *self.field_reading_time())
        put("language", *self.field_language())
        rec["schema_version"] = SCHEMA_VERSION
        rec["id"] = tx.article_id(rec["url"])
        rec["word_count"] = tx.word_count(body)
        rec["truncated"] = self.is_truncated(body)
        rec["content_hash"] = tx.content_hash(rec.get("title"), body)
        rec["version"] = 1
        rec["crawled_at"] = self.crawled_at or datetime.now(timezone.utc).replace(
            microsecond=0).isoformat()
        rec["extraction"] = extraction
        if self.next._parsed and self.next.error:  # only worth saying when it was needed
            self.problems.append(("nextdata_invalid", ""))
        return {field: rec.get(field) for field in ARTICLE_FIELDS}


def parse_article(html, url, **kwargs):
    """The record of one article page, or None when the page is not an article."""
    page = ArticlePage(html, url, **kwargs)
    return page.record() if page.is_article() else None
