"""Next.js page data: `__NEXT_DATA__` and the app router's streamed payload (`self.__next_f.push`),
read for the post a page shows (title, body, dates, authors, image) and its JSON-LD."""
from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from typing import Any

from crawler.extract.jsonld import loads_lenient, text_of, texts_of, url_of

_TITLE_KEYS = ("title", "headline", "name")
_BODY_KEYS = ("content", "contentHtml", "content_html", "body", "bodyHtml", "html", "articleBody")
_PUBLISHED_KEYS = ("publishedAt", "published_at", "datePublished", "publishDate", "publish_date",
                   "firstPublishedAt", "date", "createdAt", "created_at", "dateGmt", "date_gmt")
_MODIFIED_KEYS = ("updatedAt", "updated_at", "dateModified", "modified", "modifiedAt",
                  "lastUpdated", "modified_gmt", "modifiedGmt")


# The app router streams its React Server Components payload as script chunks:
# self.__next_f.push([1, "<id>:<row>\n..."]). Concatenated, the strings are rows: `<hex id>:` then JSON
# (elements are ["$", tag, key, props]), a letter-prefixed row (I[ import, HL[ hint, E{ error...), or
# `T<hex byte length>,<text>` (a long string, e.g. the post's HTML, referred to as "$<id>").
_PUSH = "__next_f.push("
_ROW_ID = re.compile(rb"[0-9a-fA-F]{1,8}")
_REF = re.compile(r"^\$[L@]?([0-9a-fA-F]{1,8})$")
MAX_FLIGHT_BYTES = 8 * 1024 * 1024
MAX_FLIGHT_ROWS = 20000
MAX_FLIGHT_NODES = 200000
_decoder = json.JSONDecoder()


def flight_payload(scripts: Iterable[str]) -> bytes:
    """The RSC payload as UTF-8 bytes: the string parts of every push([1, "..."]), in page order."""
    parts, size = [], 0
    for text in scripts:
        at = text.find(_PUSH)
        while at >= 0 and size < MAX_FLIGHT_BYTES:
            start = at + len(_PUSH)
            try:
                arg, end = _decoder.raw_decode(text, start)
            except (ValueError, RecursionError):
                end = start
                arg = None
            if isinstance(arg, list) and len(arg) >= 2 and arg[0] == 1 and isinstance(arg[1], str):
                chunk = arg[1].encode("utf-8", "replace")
                parts.append(chunk)
                size += len(chunk)
            at = text.find(_PUSH, end)
    return b"".join(parts)[:MAX_FLIGHT_BYTES]


def flight_rows(scripts: Iterable[str]) -> dict[str, Any]:
    """{row id: decoded value} of the RSC payload; rows that do not decode are left out."""
    payload, rows, i, n = flight_payload(scripts), {}, 0, 0
    size = len(payload)
    while i < size and n < MAX_FLIGHT_ROWS:
        n += 1
        colon = payload.find(b":", i, i + 10)
        newline = payload.find(b"\n", i)
        if colon < 0 or not _ROW_ID.fullmatch(payload[i:colon]) or 0 <= newline < colon:
            if newline < 0:  # not a row: resynchronise at the next line
                break
            i = newline + 1
            continue
        row_id = payload[i:colon].decode("ascii").lower()
        j = colon + 1
        if payload[j:j + 1] == b"T":
            comma = payload.find(b",", j, j + 12)
            try:
                length = int(payload[j + 1:comma], 16) if comma > j + 1 else -1
            except ValueError:
                length = -1
            if length >= 0:
                # The length counts UTF-8 bytes; a row cut short (a truncated page) keeps what came.
                rows[row_id] = payload[comma + 1:comma + 1 + length].decode("utf-8", "replace")
                i = comma + 1 + length
                continue
        end = newline if newline >= 0 else size
        line = payload[j:end]
        if line[:1] in (b"[", b"{", b'"'):
            try:
                rows[row_id] = json.loads(line)
            except (ValueError, RecursionError):
                pass
        i = end + 1
    return rows


def _element_props(node):
    """The props of a React element row value ["$", type, key, props, ...], else None."""
    if len(node) >= 4 and node[0] == "$" and isinstance(node[1], str) and isinstance(node[3], dict):
        return node[3]
    return None


def _walk_flight(rows, looks_like_post):
    """(post-shaped objects, JSON-LD texts) in the RSC rows, walked without recursion and within
    a node budget (a hostile payload costs bounded time)."""
    posts, jsonld, budget = [], [], MAX_FLIGHT_NODES
    stack = [(v, 0) for v in reversed(list(rows.values())) if isinstance(v, (dict, list))]
    while stack and budget > 0 and len(posts) < 50:
        node, depth = stack.pop()
        budget -= 1
        if depth > 80:
            continue
        if isinstance(node, dict):
            if looks_like_post(node):
                posts.append(node)
                continue
            children = node.values()
        else:
            props = _element_props(node)
            if props is not None:
                if node[1] == "script" and "ld+json" in str(props.get("type", "")).lower():
                    inner = props.get("dangerouslySetInnerHTML")
                    text = inner.get("__html") if isinstance(inner, dict) else props.get("children")
                    if isinstance(text, str):
                        jsonld.append(text)
                    continue
                children = (props,)
            elif sum(1 for x in node[:50] if isinstance(x, dict) and looks_like_post(x)) > 1:
                continue  # a list of posts is a listing, not this page's post
            else:
                children = node
        stack.extend((c, depth + 1) for c in reversed(list(children)) if isinstance(c, (dict, list)))
    return posts, jsonld


def _resolve(value, rows, depth=0, seen=(), budget=None):
    """A value of the payload with its references filled in: "$1f" (another row, e.g. a T text),
    "$D<iso>" (a date), "$$..." (an escaped dollar), "$undefined" (absent). Bounded in depth and
    in the number of values made, so that rows referring to each other cannot blow up."""
    budget = budget if budget is not None else [20000]
    budget[0] -= 1
    if isinstance(value, str):
        if not value.startswith("$"):
            return value
        if value.startswith("$$"):
            return value[1:]
        if value.startswith("$D"):
            return value[2:]
        if value == "$undefined":
            return None
        m = _REF.match(value)
        if m and depth < 6 and budget[0] > 0:
            row = m.group(1).lower()
            if row in rows and row not in seen:
                return _resolve(rows[row], rows, depth + 1, (*seen, row), budget)
        return value
    if depth >= 6 or budget[0] <= 0:
        return value
    if isinstance(value, dict):
        return {k: _resolve(v, rows, depth + 1, seen, budget) for k, v in list(value.items())[:200]}
    if isinstance(value, list):
        return [_resolve(v, rows, depth + 1, seen, budget) for v in value[:200]]
    return value


class NextData:
    """The post object of a Next.js page, found by its shape, not its path: in `__NEXT_DATA__`
    (pages router) or in the streamed RSC payload (app router, `self.__next_f.push`)."""

    def __init__(self, raw: str | None, flight: Sequence[str] = ()):
        self._raw = raw
        self._flight = flight  # texts of the inline scripts that push RSC chunks
        self._parsed = False
        self._post = None
        self._error = False
        self._jsonld = []

    def _parse(self):
        # Parsed on first use: a page whose JSON-LD answers every field never pays for it.
        self._parsed = True
        if self._raw:
            try:
                data = loads_lenient(self._raw)
            except (ValueError, RecursionError):
                self._error = True
                data = None
            props = data.get("props", data) if isinstance(data, dict) else data
            self._post = self._find_post(props, 0)
        if self._post is None and self._flight:
            rows = flight_rows(self._flight)
            posts, self._jsonld = _walk_flight(rows, self._looks_like_post)
            budget = [50000]
            resolved = [_resolve(p, rows, budget=budget) for p in posts]
            # The page's own post has the whole text; a card of a related post has at most an excerpt.
            self._post = max(resolved, key=lambda p: len(str(self._body_of(p) or "")), default=None)

    @staticmethod
    def _body_of(post):
        return next((post[k] for k in _BODY_KEYS if post.get(k)), None)

    def jsonld_scripts(self) -> list[str]:
        """JSON-LD texts rendered by the app router (`<script type="application/ld+json">` in the payload)."""
        if not self._parsed:
            self._parse()
        return self._jsonld

    @property
    def post(self) -> dict[str, Any] | None:
        if not self._parsed:
            self._parse()
        return self._post

    @property
    def error(self) -> bool:
        if not self._parsed:
            self._parse()
        return self._error

    def _find_post(self, node, depth):
        if depth > 7:
            return None
        if isinstance(node, dict):
            if self._looks_like_post(node):
                return node
            for value in node.values():
                if isinstance(value, (dict, list)):
                    found = self._find_post(value, depth + 1)
                    if found is not None:
                        return found
        elif isinstance(node, list):
            for value in node[:5]:  # a list of posts is a listing, not this page's post
                if isinstance(value, (dict, list)) and len(node) == 1:
                    return self._find_post(value, depth + 1)
        return None

    @staticmethod
    def _looks_like_post(node):
        has_title = any(text_of(node.get(k)) for k in _TITLE_KEYS)
        has_body = any(isinstance(node.get(k), (str, dict)) for k in _BODY_KEYS)
        has_date = any(isinstance(node.get(k), str) for k in _PUBLISHED_KEYS)
        return has_title and has_body and has_date

    def first(self, keys: Iterable[str]) -> Any:
        if not self.post:
            return None
        for key in keys:
            if self.post.get(key) not in (None, "", [], {}):
                return self.post[key]
        return None

    def title(self) -> str | None:
        return text_of(self.first(_TITLE_KEYS))

    def body_html(self) -> str | None:
        value = self.first(_BODY_KEYS)
        return value if isinstance(value, str) else text_of(value)

    def published(self) -> Any:
        return self.first(_PUBLISHED_KEYS)

    def modified(self) -> Any:
        return self.first(_MODIFIED_KEYS)

    def category(self) -> str | None:
        value = self.first(("primaryCategory", "category", "categories", "section"))
        names = texts_of(value)
        return names[0] if names else None

    def tags(self) -> list[str]:
        return texts_of(self.first(("tags", "keywords", "tagList")))

    def authors(self) -> list[str]:
        return texts_of(self.first(("authors", "author", "byline", "creators")))

    def image(self) -> str | None:
        return url_of(self.first(("featuredImage", "featured_image", "coverImage", "image",
                                  "ogImage", "heroImage", "mainImage", "thumbnail")))

    def url(self) -> Any:
        return self.first(("canonical", "canonicalUrl", "url", "link", "permalink"))

    def slug(self) -> str | None:
        value = self.first(("slug", "uri"))
        return value if isinstance(value, str) else None
