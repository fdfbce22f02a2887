"""Navigation facts of a listing or home page: article links, the next listing page, categories.

Pure functions of an lxml tree, so the spider stays a router and the rules are unit-tested on
small HTML.
"""
from __future__ import annotations

import re

from lxml import etree

from crawler.urls import SiteUrls, category_of, kind_of_url

CHROME = {"header", "footer", "nav"}
_LOAD_MORE = re.compile(r"^\s*(?:load|show|view)\s+more\b", re.I)


def _tag(el):
    return el.tag.lower() if isinstance(el.tag, str) else ""


def page_links(root: etree._Element) -> list[tuple[str, bool, list[str]]]:
    """[(href, in_chrome, rel)] of every <a href> (and <link rel=next>), in page order."""
    out = []
    # A stack, not recursion: a page nested thousands of elements deep (broken or hostile markup)
    # would raise RecursionError.
    stack = [(root, False)]
    while stack:
        el, chrome = stack.pop()
        tag = _tag(el)
        if not tag or tag in ("script", "style", "template", "svg"):
            continue
        chrome = chrome or tag in CHROME or (el.get("role") or "") in ("navigation", "banner", "contentinfo")
        if tag in ("a", "link"):
            href = el.get("href")
            if href:
                rel = (el.get("rel") or "").lower().split()
                if tag == "a" or "next" in rel:
                    out.append((href.strip(), chrome, rel))
        stack.extend((child, chrome) for child in reversed(el))
    return out


def listing_facts(root: etree._Element, page_url: str, site: SiteUrls) -> dict:
    """What a crawler needs from a listing/home page:
    article URLs (fetchable, content area first), the next page URL, category slugs seen, whether a
    'Load more' control stands where pagination would."""
    articles, seen, categories = [], set(), []
    next_url = None
    current_slug, current_page = category_of(page_url)
    for href, chrome, rel in page_links(root):
        if "nofollow" in rel:
            continue
        fetch = site.to_fetch(href, page_url)  # made absolute against the page, cheaply and cached
        if not fetch:
            continue
        kind = kind_of_url(fetch)
        if kind == "category":
            slug, page = category_of(fetch)
            if slug not in categories:
                categories.append(slug)
            if current_slug and slug == current_slug and (
                    "next" in rel or (page == current_page + 1 and next_url is None)):
                next_url = fetch if "next" in rel or next_url is None else next_url
        elif kind == "article" and not chrome and fetch not in seen:
            seen.add(fetch)
            articles.append(fetch)
    return {"articles": articles, "next": next_url, "categories": categories, "load_more": _has_load_more(root)}


# The controls whose text holds "more" (XPath, in C), before the exact test on their text: joining
# the text nodes with spaces never makes a "more" that the plain concatenation does not hold.
_MAYBE_MORE = etree.XPath("//button[contains(translate(., 'MORE', 'more'), 'more')]"
                          " | //a[contains(translate(., 'MORE', 'more'), 'more')]")


def _has_load_more(root):
    return any(_LOAD_MORE.match(" ".join(b.itertext())) for b in _MAYBE_MORE(root))


def listing_dates(root: etree._Element) -> list[str]:
    """Datetime strings of the cards on a listing page (<time datetime>)."""
    return [t.get("datetime") for t in root.iter("time") if t.get("datetime")]
