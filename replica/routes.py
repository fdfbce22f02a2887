"""URL routing of the replica: a path and query to (status, headers, body bytes).

Behaves like a Next.js site with `trailingSlash: true`: a page path without the slash is
answered with a 308 to the slashed path (query kept), the query string of a page is
ignored, and anything unknown is the site's 404 page.
"""
from __future__ import annotations

import base64
import re

from . import feeds, pages
from .site import AWARD_PAGES, CATEGORIES_BY_SLUG, COMPANY_PAGES, MAGAZINE_ISSUES, Site, magazine_path

HTML = "text/html; charset=utf-8"
PAGE_HEADERS = {"Content-Type": HTML, "X-Powered-By": "Next.js", "X-Nextjs-Cache": "HIT",
                "Cache-Control": "s-maxage=300, stale-while-revalidate"}
NOT_FOUND_HEADERS = {"Content-Type": HTML, "X-Powered-By": "Next.js",
                     "Cache-Control": "private, no-cache, no-store, max-age=0, must-revalidate"}
XML = {"Content-Type": "application/xml; charset=utf-8", "Cache-Control": "s-maxage=600"}
# A 1x1 transparent GIF: enough for anything that does fetch an image.
PIXEL = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")

_FILE = re.compile(r"\.[A-Za-z0-9]{1,8}$")
_LISTING = re.compile(r"/(category|tag)/([a-z0-9-]+)/(?:page/([1-9][0-9]{0,5})/)?")
_MAGAZINES = {magazine_path(i): i for i in MAGAZINE_ISSUES}


def _ok(text: str, headers=PAGE_HEADERS):
    return 200, dict(headers), text.encode("utf-8")


def not_found(site: Site):
    return 404, dict(NOT_FOUND_HEADERS), pages.not_found_page(site).encode("utf-8")


def redirect(location: str):
    return 308, {"Location": location, "Content-Type": "text/plain; charset=utf-8"}, location.encode("utf-8")


def route(site: Site, path: str, query: str):
    if path == "/robots.txt":
        return _ok(feeds.robots(), {"Content-Type": "text/plain; charset=utf-8"})
    if path == "/sitemap.xml":
        return _ok(feeds.sitemap_index(site), XML)
    if path == "/sitemap-news.xml":
        return _ok(feeds.news_sitemap(site), XML)
    if path == "/sitemap-image.xml":
        return _ok(feeds.image_sitemap(site), XML)
    if path in ("/feed/", "/rss.xml"):
        return _ok(feeds.rss(site), {"Content-Type": "application/rss+xml; charset=utf-8"})
    if path == "/atom.xml":
        return _ok(feeds.atom(site), {"Content-Type": "application/atom+xml; charset=utf-8"})
    if path.startswith("/sitemaps/"):
        m = re.fullmatch(r"/sitemaps/posts-([1-9][0-9]*)\.xml", path)
        text = (feeds.posts_sitemap(site, int(m.group(1))) if m else
                feeds.pages_sitemap(site) if path == "/sitemaps/pages.xml" else
                feeds.categories_sitemap(site) if path == "/sitemaps/categories.xml" else None)
        return _ok(text, XML) if text else not_found(site)
    if path.startswith("/_next/static/"):
        if path.endswith(".js"):
            return 200, {"Content-Type": "application/javascript; charset=utf-8",
                         "Cache-Control": "public, max-age=31536000, immutable"}, b"(self.webpackChunk_N_E=self.webpackChunk_N_E||[]).push([[]]);"
        if path.endswith(".css"):
            return 200, {"Content-Type": "text/css; charset=utf-8",
                         "Cache-Control": "public, max-age=31536000, immutable"}, b"body{margin:0}"
        if path.endswith(".woff2"):
            return 200, {"Content-Type": "font/woff2", "Cache-Control": "public, max-age=31536000, immutable"}, b"wOF2"
        return not_found(site)
    if path == "/_next/image":
        if "url=" not in query:
            return 400, {"Content-Type": "text/plain; charset=utf-8"}, b'"url" parameter is required'
        return 200, {"Content-Type": "image/gif", "Cache-Control": "public, max-age=60"}, PIXEL
    if path.startswith("/wp-content/uploads/") or path == "/favicon.ico":
        return 200, {"Content-Type": "image/gif", "Cache-Control": "public, max-age=86400"}, PIXEL
    if path.startswith("/_next/data/") and site.js_share:  # what script-filled blocks fetch
        from . import scripted
        answer = scripted.data_route(site, path)
        return answer if answer is not None else not_found(site)
    if path.startswith(("/api/", "/admin/", "/_next/")):
        return not_found(site)
    if not path.endswith("/") and not _FILE.search(path):
        return redirect(path + "/" + (f"?{query}" if query else ""))
    text = _page(site, path)
    return _ok(text) if text is not None else not_found(site)


def _page(site: Site, path: str):
    if path == "/":
        return pages.home_page(site)
    m = _LISTING.fullmatch(path)
    if m:
        kind, slug, page = m.group(1), m.group(2), int(m.group(3) or 1)
        if m.group(3) == "1":
            return None  # the site never links /page/1/; its first page is the bare listing
        if kind == "category":
            cat = CATEGORIES_BY_SLUG.get(slug)
            return pages.category_page(site, cat.name, page) if cat else None
        return pages.tag_page(site, slug, page)
    if path in COMPANY_PAGES:
        return pages.company_page(site, path)
    if path in AWARD_PAGES:
        return pages.award_page(site, path)
    if path == "/magazines/":
        return pages.magazines_page(site)
    if path in _MAGAZINES:
        return pages.magazine_issue_page(site, _MAGAZINES[path])
    if path == "/latest-news/":
        return pages.latest_news_page(site)
    if path == "/tags/":
        return pages.tags_index_page(site)
    if path == "/html-sitemap/":
        return pages.html_sitemap_page(site)
    found = site.resolve(path)
    if found is None:
        return None
    kind, target = found
    if kind == "video":
        return pages.video_page(site, target)
    return pages.article_page(site, target, path)
