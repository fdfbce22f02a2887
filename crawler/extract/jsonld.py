"""JSON-LD and meta tags: the structured layers of a page that hold on any news page.

JSON-LD is read leniently (raw newlines in strings, CDATA wrappers, trailing text), its unsafe
characters dropped, its articles known by the schema.org Article hierarchy (docs/parser.md)."""
from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

# schema.org's Article and its subtypes (https://schema.org/Article, "More specific Types"),
# as the hierarchy gives them, lower-cased: a page of any of them is an article.
ARTICLE_HIERARCHY = {
    "article": ("advertisercontentarticle", "newsarticle", "report", "satiricalarticle",
                "scholarlyarticle", "socialmediaposting", "techarticle"),
    "newsarticle": ("analysisnewsarticle", "askpublicnewsarticle", "backgroundnewsarticle",
                    "opinionnewsarticle", "reportagenewsarticle", "reviewnewsarticle"),
    "scholarlyarticle": ("medicalscholarlyarticle",),
    "socialmediaposting": ("blogposting", "discussionforumposting"),
    "blogposting": ("liveblogposting",),
    "techarticle": ("apireference",),
}


def _subtypes(name):
    out = {name}
    for child in ARTICLE_HIERARCHY.get(name, ()):
        out |= _subtypes(child)
    return out


ARTICLE_TYPES = _subtypes("article") | {"reportagenews"}  # the latter: a misspelling seen in the wild
NON_ARTICLE_TYPES = {
    "videoobject", "collectionpage", "profilepage", "aboutpage", "contactpage", "searchresultspage",
    "event", "product", "itempage", "mediagallery", "imagegallery", "webapplication",
}
_CONTROL_CHARS = "".join(map(chr, [*range(0x09), 0x0B, 0x0C, *range(0x0E, 0x20)]))
_CONTROL = re.compile(f"[{re.escape(_CONTROL_CHARS)}]")
# What no text field may hold: control characters (also from \u0000 escapes) and lone surrogates
# (a \ud800 escape without its pair), which no UTF-8 encoder accepts.
_UNSAFE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]")
_DECODER = json.JSONDecoder(strict=False)  # strict=False: raw newlines and tabs inside strings
_OPENERS = ("//<![CDATA[", "<![CDATA[", "<!--")
_CLOSERS = ("//]]>", "]]>", "//-->", "-->")
# Escapes that decode to what _UNSAFE takes out: only a block holding one is walked for them.
_UNSAFE_ESCAPE = re.compile(r"\\u(?:00[01]|d[89a-f])", re.I)


def _unwrapped(text):
    """The JSON of a script that wraps it in a CDATA section or an HTML comment."""
    text = text.strip()
    for opener in _OPENERS:
        if text.startswith(opener):
            text = text[len(opener):].lstrip()
    for closer in _CLOSERS:
        if text.endswith(closer):
            text = text[:-len(closer)].rstrip()
    return text


def _holds_control(text):
    """_CONTROL.search(text) is not None, by one str find per character (a C scan each: a quarter
    of the regex's time over a block of JSON-LD)."""
    for c in _CONTROL_CHARS:
        if c in text:
            return True
    return False


def loads_lenient(text: str) -> Any:
    """json.loads that survives what CMSes emit: raw control characters and newlines in strings,
    trailing commas, HTML comment or CDATA wrappers, a stray ';' or other text after the value."""
    text = _unwrapped(text)
    try:
        data = _DECODER.raw_decode(text)[0]
    except ValueError:
        fixed = _CONTROL.sub(" ", text)
        fixed = re.sub(r",\s*([}\]])", r"\1", fixed)
        data = _DECODER.raw_decode(fixed)[0]
    if _UNSAFE_ESCAPE.search(text) or _holds_control(text):
        data = _sanitized(data)
    return data


def _sanitized(data):
    """data with the unsafe characters taken out of every string (iteratively: no recursion)."""
    def clean(v):
        return _UNSAFE.sub("", v) if isinstance(v, str) and _UNSAFE.search(v) else v

    data = clean(data)
    stack = [data]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            for k in list(node):
                v = node[k]
                if isinstance(v, (dict, list)):
                    stack.append(v)
                else:
                    cleaned = clean(v)
                    ck = clean(k)
                    if ck is not k:
                        del node[k]
                    node[ck] = cleaned
        elif isinstance(node, list):
            for i, v in enumerate(node):
                if isinstance(v, (dict, list)):
                    stack.append(v)
                else:
                    node[i] = clean(v)
    return data


def _types(node):
    t = node.get("@type") if isinstance(node, dict) else None
    if isinstance(t, str):
        return {t.lower().split("/")[-1]}
    if isinstance(t, list):
        return {x.lower().split("/")[-1] for x in t if isinstance(x, str)}
    return set()


class JsonLd:
    """All JSON-LD nodes of a page, flattened out of @graph and lists."""

    def __init__(self, scripts: Iterable[str]):
        self.nodes = []
        self.errors = 0
        for raw in scripts:
            try:
                data = loads_lenient(raw)
            except (ValueError, RecursionError):
                self.errors += 1
                continue
            self._collect(data, depth=0)
        # Yoast and others name a node once and refer to it elsewhere: "author": {"@id": "...#/person/1"}.
        self.by_id = {n["@id"]: n for n in self.nodes if isinstance(n.get("@id"), str)}
        self.articles = [n for n in self.nodes if _types(n) & ARTICLE_TYPES]
        self.article = self.articles[0] if self.articles else None
        self.breadcrumb = next((n for n in self.nodes if "breadcrumblist" in _types(n)), None)
        self.faq = next((n for n in self.nodes if "faqpage" in _types(n)), None)
        self.non_article = next((n for n in self.nodes if _types(n) & NON_ARTICLE_TYPES), None)

    def _collect(self, data, depth):
        if depth > 4:
            return
        if isinstance(data, list):
            for x in data:
                self._collect(x, depth + 1)
        elif isinstance(data, dict):
            if "@graph" in data:
                self._collect(data["@graph"], depth + 1)
            if "@type" in data:
                self.nodes.append(data)
            # A WebPage whose mainEntity is the NewsArticle: the article is a node of its own.
            if isinstance(data.get("mainEntity"), (dict, list)):
                self._collect(data["mainEntity"], depth + 1)

    def prefer(self, urls: Iterable[str | None], titles: Iterable[str | None]) -> None:
        """Where the page holds several articles (a story's own and others': related stories, a
        live blog's posts), the one whose URL or headline is the page's, else the first."""
        if len(self.articles) < 2:
            return
        keys = {_url_key(u) for u in urls if isinstance(u, str) and u.strip()}
        names = {t.strip().casefold() for t in titles if isinstance(t, str) and t.strip()}
        for node in self.articles:
            claimed = (node.get("url"), node.get("@id"), url_of(node.get("mainEntityOfPage")))
            if keys & {_url_key(u) for u in claimed if isinstance(u, str)}:
                self.article = node
                return
        for node in self.articles:
            headline = text_of(node.get("headline")) or text_of(node.get("name"))
            if headline and headline.strip().casefold() in names:
                self.article = node
                return

    def get(self, key: str) -> Any:
        return self.article.get(key) if self.article else None

    def resolve(self, value: Any) -> Any:
        """A node that is only a reference ({"@id": ...}) replaced by the node it names, where the
        page has it."""
        if isinstance(value, list):
            return [self._resolve_one(v) for v in value[:50]]
        return self._resolve_one(value)

    def _resolve_one(self, value):
        if isinstance(value, dict) and set(value) <= {"@id", "@type"} and isinstance(value.get("@id"), str):
            return self.by_id.get(value["@id"], value)
        return value

    def breadcrumb_names(self) -> list[str]:
        if not self.breadcrumb:
            return []
        items = self.breadcrumb.get("itemListElement") or []
        if isinstance(items, dict):
            items = [items]
        items = [i for i in items if isinstance(i, dict)]
        items.sort(key=lambda i: _int(i.get("position"), 0))
        names = []
        for i in items:
            name = i.get("name")
            if not name and isinstance(i.get("item"), dict):
                name = i["item"].get("name")
            if isinstance(name, str):
                names.append(name)
        return names


def _url_key(url):
    """A URL compared loosely: no scheme, www, query, fragment or trailing slash."""
    url = re.sub(r"^[a-z]+://(?:www\.)?", "", url.strip().lower())
    return re.split(r"[?#]", url)[0].rstrip("/")


def _int(value, default=None):
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def text_of(value: Any) -> str | None:
    """A JSON value that should be a string: str, {'name'|'rendered'|'@value'|'text': str}, or None."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        for key in ("name", "rendered", "@value", "text", "title", "label"):
            if isinstance(value.get(key), str):
                return value[key]
    return None


# Values nest a level or three ({"nodes": [{"name": ...}]}); a hostile page nests a thousand deep.
_MAX_NESTING = 6


def texts_of(value: Any, depth: int = 0) -> list[str]:
    """A JSON value that should be a list of strings."""
    if value is None or depth > _MAX_NESTING:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        if isinstance(value.get("nodes"), list):  # GraphQL connections (WPGraphQL and friends)
            return texts_of(value["nodes"], depth + 1)
        t = text_of(value)
        return [t] if t else []
    if isinstance(value, list):
        out = []
        for x in value[:200]:
            out.extend(texts_of(x, depth + 1))
        return out
    return []


def url_of(value: Any, depth: int = 0) -> str | None:
    """An image/url value: str, ImageObject {url|contentUrl|src|sourceUrl}, or a list of those."""
    if depth > _MAX_NESTING:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        for x in value[:50]:
            u = url_of(x, depth + 1)
            if u:
                return u
        return None
    if isinstance(value, dict):
        for key in ("url", "contentUrl", "src", "sourceUrl", "@id", "node", "original"):
            u = url_of(value.get(key), depth + 1)
            if u:
                return u
    return None


# --- Next.js page data -------------------------------------------------------------------------


class Meta:
    """<meta> tags by lower-cased property/name/itemprop, values in page order."""

    def __init__(self, pairs: Iterable[tuple[str | None, str | None]]):
        self.values = {}
        for key, value in pairs:
            if key and value is not None:
                self.values.setdefault(key.strip().lower(), []).append(value)

    def first(self, *keys: str) -> str | None:
        for key in keys:
            for value in self.values.get(key, ()):
                if value and value.strip():
                    return value.strip()
        return None

    def all(self, *keys: str) -> list[str]:
        out = []
        for key in keys:
            out.extend(v.strip() for v in self.values.get(key, ()) if v and v.strip())
        return out
