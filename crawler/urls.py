"""URL rules: canonical article URLs, the base-URL mapping for replicas, and what a link points to."""
from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import parse_qsl, unquote, urlencode, urljoin, urlsplit, urlunsplit

from w3lib.url import safe_url_string

SITE_HOST = "www.globalbankingandfinance.com"
SITE_ROOT = f"https://{SITE_HOST}"
SITE_HOSTS = {SITE_HOST, "globalbankingandfinance.com"}

# News categories we know of; the spider also learns categories from the site's navigation.
KNOWN_CATEGORIES = (
    "headlines", "business", "finance", "banking", "technology", "investing", "trading",
    "interviews", "top-stories", "trends",
)
# Sections that are not news: their pages never make a record.
NON_NEWS_SECTIONS = {"videos", "video", "awards", "magazines", "magazine"}

# Root-level slugs of company pages, award and magazine pages (a cheap pre-filter: the parser
# still decides on the page itself whether it is an article).
COMPANY_SLUGS = {
    "about-us", "advertising", "contact-us", "latest-news", "press-release", "profile",
    "research-reports", "submit-post", "privacy-policy", "cookie-policy", "privacy-cookie-policy",
    "terms-and-conditions", "terms-of-use", "publishing-principles", "ownership-funding",
    "ownership-and-funding", "corrections-policy", "editorial-code-of-ethics",
    "diversity-inclusion-policy", "diversity-and-inclusion-policy", "fact-checking-policy",
    "advertising-terms", "sitemap", "html-sitemap", "tags", "search", "subscribe", "newsletter",
    "magazines", "awards", "videos", "feed", "rss", "login", "register", "account", "cart",
}
_NON_ARTICLE_SLUG = re.compile(r"(?:^|-)magazine-issue-\d+$|^(?:page|wp-[a-z]+)$")
_ASSET = re.compile(
    r"\.(?:jpe?g|png|gif|webp|avif|svg|ico|css|js|mjs|map|json|jsonld|xml|txt|pdf|zip|mp4|mp3|"
    r"woff2?|ttf|eot)$",
    re.I,
)
_SKIP_PREFIXES = (
    "/_next/", "/api/", "/admin/", "/wp-admin/", "/wp-content/", "/wp-json/", "/uploads/",
    "/static/", "/cdn-cgi/", "/tag/", "/tags/", "/author/", "/authors/", "/search",
    "/awards/", "/award/", "/magazines/", "/magazine/", "/videos/", "/video/", "/feed",
    "/sitemap", "/sitemaps/", "/html-sitemap", "/page/", "/amp/",
)
_FILE_NAME = re.compile(r"/[^/]+\.(?:s?html?|php\d?|aspx?|jsp|cfm|cgi)$", re.I)
_CATEGORY = re.compile(r"^/category/([a-z0-9][a-z0-9-]*)/?(?:page/(\d+)/?)?$", re.I)
_TRACKING = re.compile(r"^(?:utm_|fbclid$|gclid$|dclid$|mc_[a-z]+$|ref$|ref_src$|_hs|igshid$|cmpid$)", re.I)


_URL_WHITESPACE = str.maketrans("", "", "\t\r\n")


class SiteUrls:
    """Maps between the site's canonical URLs and the base URL a crawl actually fetches from."""

    def __init__(self, base_url: str = SITE_ROOT) -> None:
        base = urlsplit(base_url.rstrip("/") or SITE_ROOT)
        self.base_scheme, self.base_netloc = base.scheme or "https", base.netloc.lower()
        self.base_url = f"{self.base_scheme}://{self.base_netloc}"

    def is_site(self, url: str) -> bool:
        return _is_site(url, self.base_netloc)

    def site_article(self, url: str) -> str | None:
        """The canonical URL when url is an article page on this site, else None (cached)."""
        return _site_article(url, self.base_netloc)

    def to_fetch(self, url: str | None, base: str | None = None) -> str | None:
        """Absolute URL on the base host for a link (absolute or relative); None when off-site or not http."""
        url = (url or "").strip()
        if "\n" in url or "\t" in url or "\r" in url:
            url = url.translate(_URL_WHITESPACE)  # dropped as urljoin and browsers drop them
        if not url or url.startswith(("#", "javascript:", "data:", "mailto:", "tel:")):
            return None
        # The same links recur on every page (navigation, related blocks): the answer is cached
        # on the absolute URL, made without urljoin where the href is absolute or root-relative.
        base = base or self.base_url + "/"
        if "/." in url:
            absolute = urljoin(base, url)
        elif url.startswith(("http://", "https://")):
            absolute = url
        elif url.startswith("/") and not url.startswith("//"):
            absolute = _origin(base) + url
        else:
            absolute = urljoin(base, url)
        return _to_fetch(absolute, self.base_scheme, self.base_netloc)

    def canonical(self, url: str) -> str:
        """The contract's URL: https on the site host, trailing slash, no query, no fragment."""
        return canonical_url(url, self)


@lru_cache(maxsize=1024)
def _origin(url):
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


@lru_cache(maxsize=8192)
def _to_fetch(absolute, base_scheme, base_netloc):
    """SiteUrls.to_fetch of an absolute URL (a pure function: cached)."""
    parts = urlsplit(absolute)
    if parts.scheme not in ("http", "https") or not _is_site(absolute, base_netloc):
        return None
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
                       if not _TRACKING.match(k)])
    path = parts.path or "/"
    kind = kind_of_path(path)
    if kind == "article":
        query = ""  # an article is its path: a query is tracking, or a trap
        if not path.endswith("/"):
            path += "/"  # the site's canonical form; saves a trailing-slash redirect
    elif kind == "category" and query:
        return None  # listings paginate by path; ?date=... and the like are calendar traps
    return safe_url_string(urlunsplit((base_scheme, base_netloc, path, query, "")))


def canonical_url(url: str, site: SiteUrls | None = None) -> str:
    """https, trailing slash, no query, no fragment; the site's hosts (and a replica's base URL)
    become www.globalbankingandfinance.com, any other host is kept (pages of other sites)."""
    return _canonical(url, site.base_netloc if site is not None else None)


@lru_cache(maxsize=8192)
def _is_site(url, base_netloc):
    parts = urlsplit(url)
    return (parts.hostname or "").lower() in SITE_HOSTS or parts.netloc.lower() == base_netloc


@lru_cache(maxsize=8192)
def _site_article(url, base_netloc):
    if not _is_site(url, base_netloc) or kind_of_url(url) != "article":
        return None
    return _canonical(url, base_netloc)


@lru_cache(maxsize=8192)  # the same links (navigation, related) recur on every page
def _canonical(url, base_netloc):
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower()
    if host in SITE_HOSTS or not host or parts.netloc.lower() == base_netloc:
        host = SITE_HOST
    path = re.sub(r"/{2,}", "/", unquote(parts.path) or "/")
    # The site's articles end with a slash; another site's page named like a file ("story.html") does not.
    if not path.endswith("/") and (host == SITE_HOST or not _FILE_NAME.search(path)):
        path += "/"
    # safe_url_string re-encodes the path the one way (as w3lib's canonicalize_url would).
    return safe_url_string(urlunsplit(("https", host, path, "", "")))


def kind_of_path(path: str | None) -> str:
    """What a site path most likely is: home, category, article, or other (never an article)."""
    path = unquote(path or "/")
    if path in ("", "/"):
        return "home"
    if _CATEGORY.match(path):
        return "category"
    low = path.lower()
    if low.startswith(_SKIP_PREFIXES) or _ASSET.search(low):
        return "other"
    segments = [s for s in path.split("/") if s]
    if len(segments) != 1:
        return "other"
    slug = segments[0].lower()
    if slug in COMPANY_SLUGS or _NON_ARTICLE_SLUG.search(slug):
        return "other"
    return "article"


@lru_cache(maxsize=8192)  # asked of every related and listed link, on every page
def kind_of_url(url: str) -> str:
    return kind_of_path(urlsplit(url).path)


def category_of(url: str) -> tuple[str | None, int | None]:
    """(category slug, page number) of a category listing URL, else (None, None)."""
    m = _CATEGORY.match(unquote(urlsplit(url).path))
    if not m:
        return None, None
    return m.group(1).lower(), int(m.group(2) or 1)


def category_page_url(site: SiteUrls, slug: str, page: int = 1) -> str:
    path = f"/category/{slug}/" if page <= 1 else f"/category/{slug}/page/{page}/"
    return site.base_url + path


def is_http_url(url: str | None) -> bool:
    return urlsplit(url or "").scheme in ("http", "https")
