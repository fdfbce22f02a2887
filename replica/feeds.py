"""robots.txt, XML sitemaps, the news and image sitemaps, RSS and Atom feeds of the replica.

All URLs in them are the site's absolute https://www.globalbankingandfinance.com URLs,
whatever host serves the replica.
"""
from __future__ import annotations

from itertools import islice
from xml.sax.saxutils import escape

from .markup import SITE_NAME, iso_variant, rfc822
from .rules import SITE_ROOT
from .site import (AWARD_PAGES, COMPANY_PAGES, EPOCH, MAGAZINE_ISSUES, NEWS_CATEGORIES, STEP_SECONDS, TOP_STORIES,
                   VIDEOS, Site, magazine_path)

POSTS_PER_SITEMAP = 1000
NEWS_SITEMAP_SIZE = 50
FEED_SIZE = 30

ROBOTS = f"""# robots.txt for {SITE_ROOT}
# Last updated: 2026-03-03

User-agent: *
Allow: /_next/static/
Allow: /_next/image
Allow: /_next/data/
Allow: /*.jsonld
Disallow: /admin/
Disallow: /api/*

# Sitemaps: /sitemaps/*, /html-sitemap/
# Feeds: /feed/, /rss.xml, /atom.xml

Sitemap: {SITE_ROOT}/sitemap.xml
Sitemap: {SITE_ROOT}/sitemap-news.xml
Sitemap: {SITE_ROOT}/sitemap-image.xml
"""


def robots() -> str:
    return ROBOTS


def _now(site: Site) -> int:
    return EPOCH + site.step * STEP_SECONDS


def _lastmod(site: Site, s) -> str:
    updated = site.updated_ts(s)
    return iso_variant(updated if updated is not None else s.pub, 0)


def sitemap_index(site: Site) -> str:
    posts = site.article_count + len(site.videos())
    files = [f"/sitemaps/posts-{n}.xml" for n in range(1, -(-posts // POSTS_PER_SITEMAP) + 1)]
    files += ["/sitemaps/pages.xml", "/sitemaps/categories.xml"]
    now = iso_variant(_now(site), 0)
    entries = "".join(f"<sitemap><loc>{SITE_ROOT}{f}</loc><lastmod>{now}</lastmod></sitemap>" for f in files)
    return ('<?xml version="1.0" encoding="UTF-8"?>'
            f'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{entries}</sitemapindex>')


def _urlset(rows) -> str:
    body = "".join(f"<url><loc>{escape(loc)}</loc>" + (f"<lastmod>{lastmod}</lastmod>" if lastmod else "") + "</url>"
                   for loc, lastmod in rows)
    return ('<?xml version="1.0" encoding="UTF-8"?>'
            f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{body}</urlset>')


def posts_sitemap(site: Site, n: int):
    """Articles newest first, then the video posts (the CMS keeps them as posts too)."""
    rows = [(s.url, _lastmod(site, s)) for s in site.stubs_newest_first()]
    rows += [(SITE_ROOT + v.path, iso_variant(v.pub, 0)) for v in site.videos()]
    chunk = rows[(n - 1) * POSTS_PER_SITEMAP: n * POSTS_PER_SITEMAP]
    return _urlset(chunk) if chunk and n >= 1 else None


def pages_sitemap(site: Site) -> str:
    paths = ["/"] + list(COMPANY_PAGES) + list(AWARD_PAGES) + ["/magazines/"] + [magazine_path(i) for i in MAGAZINE_ISSUES]
    return _urlset((SITE_ROOT + p, None) for p in paths)


def categories_sitemap(site: Site) -> str:
    return _urlset((SITE_ROOT + c.path, None) for c in NEWS_CATEGORIES + [TOP_STORIES, VIDEOS])


def news_sitemap(site: Site) -> str:
    items = []
    for s in islice(site.stubs_newest_first(), NEWS_SITEMAP_SIZE):
        items.append(
            f"<url><loc>{s.url}</loc><news:news><news:publication><news:name>{escape(SITE_NAME)}</news:name>"
            f"<news:language>en</news:language></news:publication>"
            f"<news:publication_date>{iso_variant(s.pub, 0)}</news:publication_date>"
            f"<news:title>{escape(s.title)}</news:title></news:news></url>")
    return ('<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
            'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">' + "".join(items) + "</urlset>")


def image_sitemap(site: Site) -> str:
    items = []
    for s in islice(site.stubs_newest_first(), POSTS_PER_SITEMAP):
        image = site.image_url(s)
        if image:
            items.append(f"<url><loc>{s.url}</loc><image:image><image:loc>{escape(image)}</image:loc></image:image></url>")
    return ('<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
            'xmlns:image="http://www.google.com/schemas/sitemap-image/1.1">' + "".join(items) + "</urlset>")


def rss(site: Site) -> str:
    items = []
    for s in islice(site.stubs_newest_first(), FEED_SIZE):
        items.append(
            f"<item><title>{escape(s.title)}</title><link>{s.url}</link>"
            f'<guid isPermaLink="true">{s.url}</guid><pubDate>{rfc822(s.pub)}</pubDate>'
            f"<category>{escape(s.cat)}</category>"
            f"<description><![CDATA[{site.excerpt(s)}]]></description></item>")
    return ('<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom">'
            f"<channel><title>{escape(SITE_NAME)}</title><link>{SITE_ROOT}/</link>"
            f'<atom:link href="{SITE_ROOT}/feed/" rel="self" type="application/rss+xml"/>'
            "<description>Banking, finance, business and technology news.</description><language>en-GB</language>"
            f"<lastBuildDate>{rfc822(_now(site))}</lastBuildDate>" + "".join(items) + "</channel></rss>")


def atom(site: Site) -> str:
    entries = []
    for s in islice(site.stubs_newest_first(), FEED_SIZE):
        updated = site.updated_ts(s) or s.pub
        entries.append(
            f'<entry><title>{escape(s.title)}</title><link href="{s.url}"/><id>{s.url}</id>'
            f"<published>{iso_variant(s.pub, 1)}</published><updated>{iso_variant(updated, 1)}</updated>"
            f"<summary>{escape(site.excerpt(s))}</summary></entry>")
    return ('<?xml version="1.0" encoding="UTF-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
            f"<title>{escape(SITE_NAME)}</title><id>{SITE_ROOT}/</id>"
            f'<link href="{SITE_ROOT}/atom.xml" rel="self"/><updated>{iso_variant(_now(site), 1)}</updated>'
            + "".join(entries) + "</feed>")
