"""Structured data embedded in a page: JSON-LD, Next.js page data, and meta tags.

These are the generic layers of the parser: they hold on any news page, not only GBAF's.
"""
import json
import logging
import re

logger = logging.getLogger(__name__)

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
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
# What no text field may hold: control characters (also from \u0000 escapes) and lone surrogates
# (a \ud800 escape without its pair), which no UTF-8 encoder accepts.
_UNSAFE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]")
_DECODER = json.JSONDecoder(strict=False)  # strict=False: raw newlines and tabs inside strings
_WRAPPERS = re.compile(r"^\s*(?://\s*)?(?:<!--|<!\[CDATA\[)\s*|\s*(?://\s*)?(?:-->|\]\]>)\s*$")


def _loads_lenient(text):
    """json.loads that survives what CMSes emit: raw control characters and newlines in strings,
    trailing commas, HTML comment or CDATA wrappers, a stray ';' or other text after the value."""
    text = _WRAPPERS.sub("", text.strip())
    try:
        data = _DECODER.raw_decode(text)[0]
    except ValueError:
        fixed = _CONTROL.sub(" ", text)
        fixed = re.sub(r",\s*([}\]])", r"\1", fixed)
        data = _DECODER.raw_decode(fixed)[0]
    if "\\u" in text or _CONTROL.search(text):
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

    def __init__(self, scripts):
        self.nodes = []
        self.errors = 0
        for raw in scripts:
            try:
                data = _loads_lenient(raw)
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

    def prefer(self, urls, titles):
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

    def get(self, key):
        return self.article.get(key) if self.article else None

    def resolve(self, value):
        """A node that is only a reference ({"@id": ...}) replaced by the node it names, where the
        page has it."""
        if isinstance(value, list):
            return [self._resolve_one(v) for v in value[:50]]
        return self._resolve_one(value)

    def _resolve_one(self, value):
        if isinstance(value, dict) and set(value) <= {"@id", "@type"} and isinstance(value.get("@id"), str):
            return self.by_id.get(value["@id"], value)
        return value

    def breadcrumb_names(self):
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


def text_of(value):
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


def texts_of(value, depth=0):
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


def url_of(value, depth=0):
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


def flight_payload(scripts):
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


def flight_rows(scripts):
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

    def __init__(self, raw, flight=()):
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
                data = _loads_lenient(self._raw)
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

    def jsonld_scripts(self):
        """JSON-LD texts rendered by the app router (`<script type="application/ld+json">` in the payload)."""
        if not self._parsed:
            self._parse()
        return self._jsonld

    @property
    def post(self):
        if not self._parsed:
            self._parse()
        return self._post

    @property
    def error(self):
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

    def first(self, keys):
        if not self.post:
            return None
        for key in keys:
            if self.post.get(key) not in (None, "", [], {}):
                return self.post[key]
        return None

    def title(self):
        return text_of(self.first(_TITLE_KEYS))

    def body_html(self):
        value = self.first(_BODY_KEYS)
        return value if isinstance(value, str) else text_of(value)

    def published(self):
        return self.first(_PUBLISHED_KEYS)

    def modified(self):
        return self.first(_MODIFIED_KEYS)

    def category(self):
        value = self.first(("primaryCategory", "category", "categories", "section"))
        names = texts_of(value)
        return names[0] if names else None

    def tags(self):
        return texts_of(self.first(("tags", "keywords", "tagList")))

    def authors(self):
        return texts_of(self.first(("authors", "author", "byline", "creators")))

    def image(self):
        return url_of(self.first(("featuredImage", "featured_image", "coverImage", "image",
                                  "ogImage", "heroImage", "mainImage", "thumbnail")))

    def url(self):
        return self.first(("canonical", "canonicalUrl", "url", "link", "permalink"))

    def slug(self):
        value = self.first(("slug", "uri"))
        return value if isinstance(value, str) else None


class Meta:
    """<meta> tags by lower-cased property/name/itemprop, values in page order."""

    def __init__(self, pairs):
        self.values = {}
        for key, value in pairs:
            if key and value is not None:
                self.values.setdefault(key.strip().lower(), []).append(value)

    def first(self, *keys):
        for key in keys:
            for value in self.values.get(key, ()):
                if value and value.strip():
                    return value.strip()
        return None

    def all(self, *keys):
        out = []
        for key in keys:
            out.extend(v.strip() for v in self.values.get(key, ()) if v and v.strip())
        return out
