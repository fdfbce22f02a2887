"""Structured data embedded in a page: JSON-LD, Next.js page data, and meta tags.

These are the generic layers of the parser: they hold on any news page, not only GBAF's.
"""
import json
import logging
import re

logger = logging.getLogger(__name__)

ARTICLE_TYPES = {
    "newsarticle", "article", "reportagenews", "analysisnewsarticle", "opinionnewsarticle",
    "backgroundnewsarticle", "reviewnewsarticle", "blogposting", "liveblogposting", "techarticle",
    "scholarlyarticle", "report", "socialmediaposting",
}
NON_ARTICLE_TYPES = {
    "videoobject", "collectionpage", "profilepage", "aboutpage", "contactpage", "searchresultspage",
    "event", "product", "itempage", "mediagallery", "imagegallery", "webapplication",
}
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _loads_lenient(text):
    """json.loads that survives what CMSes emit: control characters, trailing commas, HTML comments."""
    text = text.strip()
    if text.startswith("<!--"):
        text = text.strip("<!->").strip()
    try:
        return json.loads(text)
    except ValueError:
        pass
    fixed = _CONTROL.sub(" ", text)
    fixed = re.sub(r",\s*([}\]])", r"\1", fixed)
    return json.loads(fixed)


def _types(node):
    t = node.get("@type") if isinstance(node, dict) else None
    if isinstance(t, str):
        return {t.lower().split("/")[-1]}
    if isinstance(t, list):
        return {str(x).lower().split("/")[-1] for x in t}
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
        self.article = next((n for n in self.nodes if _types(n) & ARTICLE_TYPES), None)
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
            elif "mainEntity" in data:
                self._collect(data["mainEntity"], depth + 1)

    def get(self, key):
        return self.article.get(key) if self.article else None

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


def texts_of(value):
    """A JSON value that should be a list of strings."""
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        if isinstance(value.get("nodes"), list):  # GraphQL connections (WPGraphQL and friends)
            return texts_of(value["nodes"])
        t = text_of(value)
        return [t] if t else []
    if isinstance(value, list):
        out = []
        for x in value:
            out.extend(texts_of(x))
        return out
    return []


def url_of(value):
    """An image/url value: str, ImageObject {url|contentUrl|src|sourceUrl}, or a list of those."""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        for x in value:
            u = url_of(x)
            if u:
                return u
        return None
    if isinstance(value, dict):
        for key in ("url", "contentUrl", "src", "sourceUrl", "@id", "node", "original"):
            u = url_of(value.get(key))
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


class NextData:
    """The post object of a Next.js pages-router page (`__NEXT_DATA__`), found by its shape, not its path."""

    def __init__(self, raw):
        self._raw = raw
        self._parsed = False
        self._post = None
        self._error = False

    def _parse(self):
        # Parsed on first use: a page whose JSON-LD answers every field never pays for it.
        self._parsed = True
        if not self._raw:
            return
        try:
            data = _loads_lenient(self._raw)
        except (ValueError, RecursionError):
            self._error = True
            return
        props = data.get("props", data) if isinstance(data, dict) else data
        self._post = self._find_post(props, 0)

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
