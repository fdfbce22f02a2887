"""Shared HTML pieces of the replica: escaping, hashed class names, dates, site chrome.

The markup imitates a Next.js + Tailwind/CSS-modules build: class names are hashed per
build (three builds are live at once, as after successive deploys with ISR), utilities
are long Tailwind lists, and the page carries the usual /_next/static script tags.
"""
from __future__ import annotations

import base64
import hashlib
import html
import json
from datetime import datetime, timezone
from functools import lru_cache
from random import Random

from . import words as W
from .rules import SITE_ROOT

BUILDS = ("pZ3nQ8vR2kLx7mT1wYc0a", "Hk4sD9fJ2bN6qW8eR1tYu", "c7Vx2Lm9Pq4Rs8Tn1Wz5K")
SITE_NAME = "Global Banking & Finance Review"
PUBLISHER = "Global Banking & Finance Review®"

NAV = [("Top Stories", "/category/top-stories/"), ("Interviews", "/category/interviews/"),
       ("Business", "/category/business/"), ("Finance", "/category/finance/"),
       ("Banking", "/category/banking/"), ("Technology", "/category/technology/"),
       ("Investing", "/category/investing/"), ("Trading", "/category/trading/"),
       ("Videos", "/category/videos/"), ("Awards", "/awards/"), ("Magazines", "/magazines/"),
       ("Headlines", "/category/headlines/"), ("Trends", "/category/trends/")]
COMPANY_MENU = [("About Us", "/about-us/"), ("Advertising", "/advertising/"), ("Contact Us", "/contact-us/"),
                ("Latest News", "/latest-news/"), ("Press Release", "/press-release/"), ("Profile", "/profile/"),
                ("Research Reports", "/research-reports/"), ("Submit Post", "/submit-post/")]
AWARDS_MENU = [("About the Awards", "/awards/about-the-awards/"), ("Awards TimeTable", "/awards/awards-timetable/"),
               ("Submit Nominations", "/awards/submit-nominations/"), ("Testimonials", "/awards/testimonials/"),
               ("Media Room", "/awards/media-room/"), ("Award Winners", "/awards/award-winners/"),
               ("FAQ", "/awards/faq/")]
POLICIES_MENU = [("Publishing Principles", "/publishing-principles/"), ("Ownership & Funding", "/ownership-funding/"),
                 ("Corrections Policy", "/corrections-policy/"), ("Editorial Code of Ethics", "/editorial-code-of-ethics/"),
                 ("Diversity & Inclusion Policy", "/diversity-inclusion-policy/"),
                 ("Fact Checking Policy", "/fact-checking-policy/"), ("Advertising Terms", "/advertising-terms/"),
                 ("Privacy & Cookie Policy", "/privacy-policy/")]
MAGAZINE_MENU_ISSUES = [79, 78, 77, 76, 75, 73, 71, 70, 69, 66]


def esc(text: str) -> str:
    return html.escape(text, quote=False)


def att(text: str) -> str:
    return html.escape(text, quote=True)


def link(path: str, salt: int) -> str:
    """The site links to itself both absolutely and root-relatively."""
    return SITE_ROOT + path if salt % 3 == 0 else path


@lru_cache(maxsize=None)
def _hashed(build: str, name: str) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha1(f"{build}/{name}".encode()).digest()).decode()
    return f"{name}__{digest[:5]}"


class Styles:
    """Class names of one build: `m("ArticleBody_content", "prose max-w-none")`."""

    def __init__(self, build_index: int):
        self.index = build_index % len(BUILDS)
        self.build = BUILDS[self.index]

    def __call__(self, name: str, utilities: str = "") -> str:
        cls = _hashed(self.build, name)
        return f"{cls} {utilities}" if utilities else cls

    def chunk(self, name: str) -> str:
        return hashlib.sha1(f"{self.build}:{name}".encode()).hexdigest()[:16]


# -- dates -------------------------------------------------------------------------------------

def _dt(ts: int) -> datetime:
    return datetime.fromtimestamp(ts, timezone.utc)


def human_date(ts: int) -> str:
    d = _dt(ts)
    return f"{W.MONTHS[d.month - 1]} {d.day}, {d.year}"


def _last_sunday(year: int, month: int) -> int:
    d = datetime(year, month, 31 if month in (3, 10) else 30, 1, tzinfo=timezone.utc)
    return int(d.timestamp()) - ((d.weekday() + 1) % 7) * 86400


def london_offset(ts: int) -> int:
    year = _dt(ts).year
    return 3600 if _last_sunday(year, 3) <= ts < _last_sunday(year, 10) else 0


def iso_variant(ts: int, style: int) -> str:
    """One instant, written the ways real pages write it."""
    style %= 5
    if style == 0:
        return _dt(ts).strftime("%Y-%m-%dT%H:%M:%S+00:00")
    if style == 1:
        return _dt(ts).strftime("%Y-%m-%dT%H:%M:%SZ")
    if style == 2:
        return _dt(ts).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    if style == 3:
        off = london_offset(ts)
        return _dt(ts + off).strftime("%Y-%m-%dT%H:%M:%S") + ("+01:00" if off else "+00:00")
    return _dt(ts - 5 * 3600).strftime("%Y-%m-%dT%H:%M:%S-05:00")


def naive_utc(ts: int) -> str:
    return _dt(ts).strftime("%Y-%m-%dT%H:%M:%S")


def rfc822(ts: int) -> str:
    return _dt(ts).strftime("%a, %d %b %Y %H:%M:%S +0000")


# -- JSON in pages -------------------------------------------------------------------------------

def next_json(obj) -> str:
    """JSON as Next.js embeds it: compact, with <, > and & escaped."""
    text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def ld_json(obj) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).replace("</", "<\\/")


def image_proxy(url: str, width: int) -> str:
    from urllib.parse import quote
    return f"/_next/image?url={quote(url, safe='')}&w={width}&q=75"


def img_tag(m: Styles, url: str, alt: str, width: int, height: int, *, lazy: bool, sizes: str,
            widths=(384, 640, 750, 828, 1080, 1200, 1920), name="Image_img", plain=False) -> str:
    if plain:
        lazy_attr = ' loading="lazy"' if lazy else ""
        return (f'<img alt="{att(alt)}" src="{att(url)}" width="{width}" height="{height}" '
                f'class="{m(name, "h-auto w-full object-cover")}"{lazy_attr}/>')
    srcset = ", ".join(f"{att(image_proxy(url, w))} {w}w" for w in widths)
    loading = ' loading="lazy"' if lazy else ' fetchpriority="high"'
    return (f'<img alt="{att(alt)}"{loading} width="{width}" height="{height}" decoding="async" data-nimg="1" '
            f'class="{m(name, "h-full w-full object-cover transition-transform duration-300 group-hover:scale-105")}" '
            f'style="color:transparent" sizes="{sizes}" srcset="{srcset}" src="{att(image_proxy(url, widths[-1]))}"/>')


PLACEHOLDER_IMAGE = f"{SITE_ROOT}/wp-content/uploads/2024/01/gbaf-placeholder.png"


# -- chrome (the same on every page of a build) --------------------------------------------------------

@lru_cache(maxsize=None)
def _logo_svg() -> str:
    rng = Random("gbaf-logo")
    paths = []
    for _ in range(14):
        pts = " ".join(f"{rng.uniform(0, 240):.2f} {rng.uniform(0, 48):.2f}" for _ in range(rng.randrange(10, 22)))
        paths.append(f'<path d="M{pts}Z" fill="{rng.choice(["#0b2a4a", "#c8102e", "#1d4ed8"])}"/>')
    return ('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 240 48" width="180" height="36" role="img" '
            'aria-label="GBAF Logo">' + "".join(paths) + "</svg>")


def _nav_items(m: Styles, salt: int, item_cls: str) -> str:
    return "".join(
        f'<li class="{m(item_cls, "shrink-0")}"><a class="{m("Nav_link", "block whitespace-nowrap px-3 py-2 text-sm font-semibold text-slate-800 transition-colors hover:text-red-700 focus-visible:outline-none focus-visible:ring-2")}" href="{link(path, salt + i)}">{esc(name)}</a></li>'
        for i, (name, path) in enumerate(NAV))


def _menu(m: Styles, items, salt: int) -> str:
    return "".join(f'<li class="{m("Menu_item", "py-1")}"><a class="{m("Menu_link", "text-sm text-slate-600 hover:text-slate-900 hover:underline")}" href="{link(p, salt + i)}">{esc(n)}</a></li>'
                   for i, (n, p) in enumerate(items))


@lru_cache(maxsize=8)
def header(build_index: int) -> str:
    m = Styles(build_index)
    mags = [(f"Global Banking & Finance Review Magazine Issue {i}",
             f"/global-banking-finance-review-magazine-issue-{i}/") for i in MAGAZINE_MENU_ISSUES]
    return (
        f'<header class="{m("Header_header", "sticky top-0 z-50 w-full border-b border-slate-200 bg-white/95 backdrop-blur supports-[backdrop-filter]:bg-white/60")}">'
        f'<div class="{m("Header_bar", "mx-auto flex h-16 max-w-screen-xl items-center justify-between gap-4 px-4 sm:px-6 lg:px-8")}">'
        f'<button type="button" class="{m("Header_search", "inline-flex h-9 w-9 items-center justify-center rounded-md")}" aria-label="Search">'
        '<svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true"><circle cx="11" cy="11" r="7" fill="none" stroke="currentColor" stroke-width="2"/><path d="m20 20-3.5-3.5" stroke="currentColor" stroke-width="2"/></svg>'
        f'<span class="sr-only">Search</span></button>'
        f'<div class="{m("Header_counter", "hidden text-xs tabular-nums text-slate-500 md:block")}" aria-live="polite">00</div>'
        f'<a href="/" class="{m("Header_logo", "flex items-center")}">{_logo_svg()}</a>'
        f'<a href="{link("/awards/", 0)}" class="{m("Header_trophy", "inline-flex items-center text-amber-600")}" aria-label="Awards">'
        '<svg viewBox="0 0 24 24" width="22" height="22" aria-hidden="true"><path d="M7 4h10v3a5 5 0 0 1-10 0V4Zm5 8v5m-4 3h8" fill="none" stroke="currentColor" stroke-width="2"/></svg>'
        f'<span class="sr-only">trophy</span></a></div>'
        f'<nav aria-label="Main" class="{m("Header_nav", "mx-auto max-w-screen-xl overflow-x-auto px-2 scrollbar-none")}">'
        f'<ul class="{m("Header_navList", "flex items-center gap-1")}">{_nav_items(m, 1, "Header_navItem")}</ul></nav>'
        f'<div class="{m("Newsletter_bar", "hidden border-t border-slate-100 bg-slate-50 lg:block")}"><div class="{m("Newsletter_inner", "mx-auto flex max-w-screen-xl items-center justify-between gap-6 px-8 py-3")}">'
        f'<div><p class="{m("Newsletter_title", "text-sm font-bold")}">Subscribe to our newsletter</p>'
        f'<p class="{m("Newsletter_text", "text-xs text-slate-500")}">Get the latest news and updates from our team.</p></div>'
        f'<form action="/api/newsletter" method="post" class="{m("Newsletter_form", "flex gap-2")}">'
        '<input type="email" name="email" required placeholder="Email address" class="h-9 w-64 rounded-md border border-slate-300 px-3 text-sm"/>'
        f'<button type="submit" class="{m("Newsletter_button", "h-9 rounded-md bg-red-700 px-4 text-sm font-semibold text-white")}">Subscribe</button></form></div></div>'
        '</header>'
        f'<div class="{m("Drawer_root", "fixed inset-y-0 left-0 z-[60] w-80 -translate-x-full overflow-y-auto bg-white shadow-xl transition-transform")}" aria-label="Site menu">'
        f'<p class="{m("Drawer_brand", "px-6 pt-6 text-sm font-bold")}">{esc(PUBLISHER)}</p>'
        f'<p class="{m("Drawer_sub", "px-6 text-xs text-slate-500")}">{esc(PUBLISHER)} - Subscribe to our newsletter</p>'
        f'<div class="{m("Drawer_section", "px-6 py-4")}"><p class="{m("Drawer_heading", "text-xs font-semibold uppercase tracking-wider text-slate-400")}">Company</p>'
        f'<span class="sr-only">GBAF Logo</span><ul>{_menu(m, COMPANY_MENU, 2)}'
        f'<li><details><summary class="{m("Drawer_summary", "cursor-pointer py-1 text-sm")}">Awards▾</summary><ul class="pl-4">{_menu(m, AWARDS_MENU, 1)}</ul></details></li>'
        f'<li><details><summary class="{m("Drawer_summary", "cursor-pointer py-1 text-sm")}">Magazines▾</summary><ul class="pl-4">{_menu(m, mags, 0)}</ul></details></li>'
        f'<li><details><summary class="{m("Drawer_summary", "cursor-pointer py-1 text-sm")}">Principles &amp; Policies▾</summary><ul class="pl-4">{_menu(m, POLICIES_MENU, 2)}</ul></details></li>'
        f'</ul></div><nav aria-label="Sections" class="{m("Drawer_nav", "border-t px-4 py-3")}"><ul class="flex flex-wrap">{_nav_items(m, 2, "Drawer_navItem")}</ul></nav></div>'
    )


@lru_cache(maxsize=8)
def disclosure(build_index: int) -> str:
    m = Styles(build_index)
    return (
        f'<section class="{m("Disclosure_root", "mx-auto max-w-screen-xl space-y-3 px-4 py-4 text-xs leading-relaxed text-slate-500 sm:px-6 lg:px-8")}" aria-label="About this site">'
        f'<p class="{m("Disclosure_origin", "font-medium")}">Original content: Global Banking and Finance Review - '
        f'<a href="{SITE_ROOT}">{SITE_ROOT}</a></p>'
        f'<p>{esc(W.ABOUT_TEXT)}</p>'
        f'<p>Copyright © 2010-2026 GBAF Publications Ltd - All Rights Reserved. | <a href="/html-sitemap/">Sitemap</a> | <a href="{SITE_ROOT}/tags/">Tags</a></p>'
        f'<details class="{m("Disclosure_details", "rounded border border-slate-200 p-3")}"><summary class="{m("Disclosure_summary", "cursor-pointer font-semibold text-slate-700")}">Editorial &amp; Advertiser disclosure</summary>'
        f'<p class="mt-2">{esc(W.DISCLOSURE_TEXT)}</p></details></section>'
    )


@lru_cache(maxsize=8)
def footer(build_index: int) -> str:
    m = Styles(build_index)
    socials = [("LinkedIn", "https://www.linkedin.com/company/global-banking-&-finance-review"),
               ("X", "https://x.com/GBAFReview"), ("Facebook", "https://www.facebook.com/GlobalBankingandFinanceReview"),
               ("YouTube", "https://www.youtube.com/@globalbankingandfinancereview")]
    cols = [("Company", COMPANY_MENU), ("Awards", [("About the Awards", "/awards/")] + AWARDS_MENU[1:]),
            ("Principles & Policies", POLICIES_MENU)]
    col_html = "".join(
        f'<div class="{m("Footer_col", "space-y-2")}"><h4 class="{m("Footer_heading", "text-sm font-semibold text-white")}">{esc(t)}</h4><ul class="space-y-1">{_menu(m, items, j)}</ul></div>'
        for j, (t, items) in enumerate(cols))
    social_html = "".join(f'<a href="{att(u)}" target="_blank" rel="noopener noreferrer" aria-label="{n}" class="{m("Footer_social", "inline-flex h-8 w-8 items-center justify-center rounded-full bg-slate-800")}"><span class="sr-only">{n}</span></a>'
                          for n, u in socials)
    return (
        f'<footer class="{m("Footer_root", "mt-16 bg-slate-900 text-slate-300")}"><div class="{m("Footer_inner", "mx-auto grid max-w-screen-xl gap-8 px-4 py-12 sm:grid-cols-2 lg:grid-cols-4 lg:px-8")}">'
        f'<div class="space-y-3"><a href="/" aria-label="GBAF home">{_logo_svg()}</a><p class="text-sm">{esc(W.ABOUT_TEXT[:180])}…</p>'
        f'<div class="flex gap-2">{social_html}</div></div>{col_html}</div>'
        f'<div class="{m("Footer_bottom", "border-t border-slate-800 py-4 text-center text-xs")}">Copyright © 2010-2026 GBAF Publications Ltd - All Rights Reserved. | '
        f'<a href="{SITE_ROOT}/html-sitemap/">Sitemap</a> | <a href="/tags/">Tags</a></div></footer>'
    )


@lru_cache(maxsize=8)
def critical_css(build_index: int) -> str:
    """A few KB of inline critical CSS, as Next.js inlines it (deterministic per build)."""
    m = Styles(build_index)
    rng = Random(f"css:{m.build}")
    props = ["display:flex", "display:grid", "gap:1rem", "padding:0 1rem", "margin:0 auto", "font-weight:600",
             "line-height:1.5", "color:#0f172a", "color:#475569", "background:#fff", "border-bottom:1px solid #e2e8f0",
             "position:relative", "overflow:hidden", "border-radius:.5rem", "font-size:.875rem", "max-width:80rem",
             "transition:color .15s ease", "text-decoration:none", "letter-spacing:-.01em", "z-index:10"]
    names = ["Header_header", "Header_bar", "Header_nav", "Header_navList", "Header_navItem", "Nav_link", "Drawer_root",
             "Disclosure_root", "Breadcrumb_list", "ArticleHeader_category", "ArticleHeader_title", "ArticleMeta_row",
             "LeadImage_figure", "Promo_box", "Tags_list", "Block_box", "Block_heading", "ArticleBody_content",
             "AdSlot_slot", "Related_grid", "Related_card", "PostNav_link", "Footer_root", "Card_card", "Card_title",
             "Pagination_nav", "Image_img", "Faq_item", "Toc_list", "Takeaways_item"]
    rules = []
    for name in names:
        decls = ";".join(rng.sample(props, rng.randrange(3, 8)))
        rules.append(f".{_hashed(m.build, name)}{{{decls}}}")
        rules.append(f"@media (min-width:1024px){{.{_hashed(m.build, name)}{{{';'.join(rng.sample(props, 2))}}}}}")
    utilities = []
    for size in ("xs", "sm", "base", "lg", "xl", "2xl", "3xl", "4xl"):
        for weight in ("normal", "medium", "semibold", "bold"):
            utilities.append(f".text-{size}.font-{weight}{{font-size:var(--fs-{size});font-weight:var(--fw-{weight})}}")
    for i in range(0, 64):
        utilities.append(f".p-{i}{{padding:{i * 0.25}rem}}.m-{i}{{margin:{i * 0.25}rem}}.gap-{i}{{gap:{i * 0.25}rem}}")
    font = ("@font-face{font-family:'__Inter_d65c78';font-style:normal;font-weight:100 900;font-display:swap;"
            "src:url(/_next/static/media/e4af272ccee01ff0-s.p.woff2) format('woff2');unicode-range:U+0000-00FF}")
    return font + "".join(rules) + "".join(utilities)


def scripts(m: Styles, route: str, app_router: bool) -> str:
    """The usual Next.js script tags; app-router pages stream an RSC payload instead of __NEXT_DATA__."""
    if app_router:
        chunks = ["webpack", "fd9d1056", "main-app", f"app/{route.strip('/') or 'page'}/page"]
        tags = "".join(f'<script src="/_next/static/chunks/{c}-{m.chunk(c)}.js" async=""></script>' for c in chunks)
        pushes = [
            '(self.__next_f=self.__next_f||[]).push([0]);self.__next_f.push([2,null])',
            f'self.__next_f.push([1,"1:HL[\\"/_next/static/css/{m.chunk("css")}.css\\",\\"style\\"]\\n"])',
            'self.__next_f.push([1,"2:I[5751,[],\\"\\"]\\n4:I[9275,[],\\"\\"]\\n5:I[1343,[],\\"\\"]\\n"])',
            f'self.__next_f.push([1,"0:[\\"$\\",\\"$L2\\",null,{{\\"buildId\\":\\"{m.build}\\",\\"assetPrefix\\":\\"\\",\\"initialCanonicalUrl\\":\\"{route}\\"}}]\\n"])',
        ]
        return tags + "".join(f"<script>{p}</script>" for p in pushes)
    chunks = ["webpack", "framework", "main", "pages/_app", "1664", "675", f"pages{route}"]
    tags = f'<script defer="" nomodule="" src="/_next/static/chunks/polyfills-{m.chunk("polyfills")}.js"></script>'
    tags += "".join(f'<script src="/_next/static/chunks/{c}-{m.chunk(c)}.js" defer=""></script>' for c in chunks)
    tags += (f'<script src="/_next/static/{m.build}/_buildManifest.js" defer=""></script>'
             f'<script src="/_next/static/{m.build}/_ssgManifest.js" defer=""></script>')
    return tags


GTM = ("<script>(function(w,d,s,l,i){w[l]=w[l]||[];w[l].push({'gtm.start':new Date().getTime(),event:'gtm.js'});"
       "var f=d.getElementsByTagName(s)[0],j=d.createElement(s),dl=l!='dataLayer'?'&l='+l:'';j.async=true;"
       "j.src='https://www.googletagmanager.com/gtm.js?id='+i+dl;f.parentNode.insertBefore(j,f);})"
       "(window,document,'script','dataLayer','GTM-K7Q2MZ9');</script>")


def document(m: Styles, *, lang: str, title: str, head: str, body: str, route: str,
             next_data: dict | None, app_router: bool = False) -> str:
    """A whole page: head (meta given by the caller), chrome, main content, scripts."""
    css_href = f"/_next/static/css/{m.chunk('css')}.css"
    nd = (f'<script id="__NEXT_DATA__" type="application/json">{next_json(next_data)}</script>'
          if next_data is not None else "")
    return (
        f'<!DOCTYPE html><html lang="{lang}"><head><meta charSet="utf-8"/>'
        '<meta name="viewport" content="width=device-width, initial-scale=1"/>'
        f'<title>{esc(title)}</title>{head}'
        '<link rel="icon" href="/favicon.ico"/>'
        '<link rel="preload" href="/_next/static/media/e4af272ccee01ff0-s.p.woff2" as="font" type="font/woff2" crossorigin="anonymous" data-next-font="size-adjust"/>'
        f'<link rel="preload" href="{css_href}" as="style"/><link rel="stylesheet" href="{css_href}" data-n-g=""/>'
        f'<noscript data-n-css=""></noscript>{scripts(m, route, app_router)}'
        f'<style>{critical_css(m.index)}</style>{GTM}</head>'
        f'<body class="__className_d65c78 min-h-screen bg-white font-sans text-slate-900 antialiased">'
        f'<div id="__next"><div class="{m("Layout_root", "flex min-h-screen flex-col")}">'
        f'{header(m.index)}{disclosure(m.index)}'
        f'<main id="main-content" class="{m("Layout_main", "flex-1")}">{body}</main>{footer(m.index)}</div></div>'
        f'{nd}</body></html>'
    )


def social_meta(*, og_type: str, title: str, description: str | None, url: str, image: str | None,
                extra: str = "") -> str:
    parts = []
    if description:
        parts.append(f'<meta name="description" content="{att(description)}"/>')
    parts += ['<meta property="og:locale" content="en_GB"/>', f'<meta property="og:type" content="{og_type}"/>',
              f'<meta property="og:title" content="{att(title)}"/>']
    if description:
        parts.append(f'<meta property="og:description" content="{att(description)}"/>')
    parts += [f'<meta property="og:url" content="{att(url)}"/>',
              f'<meta property="og:site_name" content="{att(SITE_NAME)}"/>']
    if image:
        parts += [f'<meta property="og:image" content="{att(image)}"/>', '<meta property="og:image:width" content="1920"/>',
                  '<meta property="og:image:height" content="1080"/>']
    parts.append(extra)
    parts += ['<meta name="twitter:card" content="summary_large_image"/>', '<meta name="twitter:site" content="@GBAFReview"/>',
              f'<meta name="twitter:title" content="{att(title)}"/>']
    if image:
        parts.append(f'<meta name="twitter:image" content="{att(image)}"/>')
    return "".join(parts)


ORGANIZATION = {"@type": "Organization", "@id": f"{SITE_ROOT}/#organization", "name": SITE_NAME,
                "url": f"{SITE_ROOT}/",
                "logo": {"@type": "ImageObject", "url": f"{SITE_ROOT}/wp-content/uploads/2021/05/gbaf-logo.png",
                         "width": 600, "height": 120},
                "sameAs": ["https://x.com/GBAFReview", "https://www.linkedin.com/company/global-banking-&-finance-review",
                           "https://www.facebook.com/GlobalBankingandFinanceReview"]}
WEBSITE = {"@type": "WebSite", "@id": f"{SITE_ROOT}/#website", "url": f"{SITE_ROOT}/", "name": SITE_NAME,
           "publisher": {"@id": f"{SITE_ROOT}/#organization"}, "inLanguage": "en-GB",
           "potentialAction": {"@type": "SearchAction", "target": f"{SITE_ROOT}/search?q={{search_term_string}}",
                               "query-input": "required name=search_term_string"}}


def breadcrumb(m: Styles, items, salt: int) -> str:
    """Home > ... > current (the last item is the page itself, unlinked)."""
    lis = []
    for i, (name, path) in enumerate(items):
        sep = f'<span class="{m("Breadcrumb_sep", "mx-1 text-slate-400")}" aria-hidden="true">&gt;</span>' if i else ""
        if path is None:
            lis.append(f'<li class="{m("Breadcrumb_item", "inline-flex items-center")}">{sep}<span aria-current="page" class="truncate font-medium text-slate-700">{esc(name)}</span></li>')
        else:
            lis.append(f'<li class="{m("Breadcrumb_item", "inline-flex items-center")}">{sep}<a href="{link(path, salt + i)}" class="hover:underline">{esc(name)}</a></li>')
    return (f'<nav aria-label="breadcrumb" class="{m("Breadcrumb_nav", "mb-4 text-sm text-slate-500")}">'
            f'<ol class="{m("Breadcrumb_list", "flex flex-wrap items-center gap-1")}">{"".join(lis)}</ol></nav>')


def breadcrumb_ld(items) -> dict:
    return {"@type": "BreadcrumbList", "itemListElement": [
        {"@type": "ListItem", "position": i + 1, "name": name, **({"item": SITE_ROOT + path} if path else {})}
        for i, (name, path) in enumerate(items)]}


def menus_props() -> dict:
    """Menu data as a headless-CMS site ships it in every page's props."""
    return {"primary": [{"label": n, "uri": p} for n, p in NAV],
            "company": [{"label": n, "uri": p} for n, p in COMPANY_MENU],
            "awards": [{"label": n, "uri": p} for n, p in AWARDS_MENU],
            "policies": [{"label": n, "uri": p} for n, p in POLICIES_MENU],
            "magazines": [{"label": f"Global Banking & Finance Review Magazine Issue {i}",
                           "uri": f"/global-banking-finance-review-magazine-issue-{i}/"} for i in MAGAZINE_MENU_ISSUES]}
