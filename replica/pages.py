"""HTML pages of the replica: article, listings, home, tags, company, awards, magazines, videos, 404.

Article pages follow the reference page's blocks and order. Which machine-readable layers
a page carries (JSON-LD, OpenGraph/meta, __NEXT_DATA__), how it writes dates and which
optional blocks it has are chosen by article key in `site`; this module only draws them.
"""
from __future__ import annotations

import base64
import unicodedata
from random import Random
from urllib.parse import quote

from . import prose
from . import words as W
from .markup import (ORGANIZATION, PLACEHOLDER_IMAGE, PUBLISHER, SITE_NAME, WEBSITE, Styles, att, breadcrumb,
                     breadcrumb_ld, document, esc, human_date, img_tag, iso_variant, ld_json, link, menus_props,
                     naive_utc, social_meta)
from .rules import SITE_ROOT
from .site import (AWARD_PAGES, CATEGORIES_BY_NAME, COMPANY_PAGES, HIDDEN_CATEGORY, MAGAZINE_ISSUES,
                   NEWS_CATEGORIES, PER_PAGE, TOP_STORIES, VIDEOS, Site, Stub, has_jsonld, has_meta, has_nextdata,
                   has_time_attr, head_profile, is_nfd, magazine_path, tag_slug)

ENTITIES = [("’", "&#8217;"), ("‘", "&#8216;"), ("“", "&#8220;"), ("”", "&#8221;"), ("–", "&#8211;"),
            ("—", "&#8212;"), ("&amp;", "&#038;")]


def article_link(site: Site, s: Stub, salt: int, *, use_alias: bool, allow_wire: bool) -> str:
    alias = site.alias_path(s) if use_alias and s.alias and (allow_wire or s.alias != "wire") else None
    return link(alias or s.path, salt)


def _rich(text: str, rng: Random, entities: bool) -> str:
    """Paragraph HTML: sometimes inline markup, non-breaking spaces and source line breaks."""
    words = text.split(" ")
    joiners = [" "] * (len(words) - 1)
    for _ in range(rng.choice((0, 0, 0, 1, 2))):
        if joiners:
            joiners[rng.randrange(len(joiners))] = rng.choice(("&nbsp;", "\n        ", "  "))
    start = end = -1
    if len(words) > 8 and rng.random() < 0.25:
        start = rng.randrange(0, len(words) - 4)
        end = start + rng.randrange(1, 4)
        tag = rng.choice(("strong", "em", "a"))
        open_tag = ('<a href="https://www.reuters.com/markets/" target="_blank" rel="noopener noreferrer">'
                    if tag == "a" else f"<{tag}>")
    out = []
    for i, word in enumerate(words):
        if i:
            out.append(joiners[i - 1])
        if i == start:
            out.append(open_tag)
        out.append(esc(word))
        if i == end - 1:
            out.append(f"</{tag}>")
    html = "".join(out)
    if entities:
        for char, entity in ENTITIES:
            html = html.replace(char, entity)
    return html


def _block_heading(m: Styles, variant: int, text: str, extra: str = "") -> str:
    cls = m("Block_heading", "mb-3 text-xl font-bold tracking-tight text-slate-900" + extra)
    if variant == 0:
        return f'<h2 class="{cls}">{esc(text)}</h2>'
    if variant == 1:
        return f'<h3 class="{cls}">{esc(text)}</h3>'
    return f'<div class="{cls}">{esc(text)}</div>'


def _time(ts: int, with_attr: bool, style: int) -> str:
    if with_attr:
        return f'<time datetime="{iso_variant(ts, 2)}">{human_date(ts)}</time>'
    return f"<time>{human_date(ts)}</time>" if style % 2 else f"<span>{human_date(ts)}</span>"


def _body(m: Styles, blocks, rng: Random, entities: bool, with_ads: bool):
    """(visible body HTML, CMS content HTML, table of contents entries)."""
    visible, content, toc, anchors = [], [], [], set()
    paragraphs = 0
    for tag, text in blocks:
        if tag in ("h2", "h3"):
            anchor = prose.slugify(text, 8, False) or "section"
            while anchor in anchors:
                anchor += "-1"
            anchors.add(anchor)
            toc.append((anchor, text))
            html = f'<{tag} id="{anchor}">{_rich(text, rng, entities)}</{tag}>'
        elif tag == "byline":
            inner = esc(text)
            html = f"<p><strong>{inner}</strong></p>" if rng.random() < 0.3 else f"<p>{inner}</p>"
        elif tag == "quote":
            html = f"<blockquote><p>{_rich(text, rng, entities)}</p></blockquote>"
        else:
            lead = "\n    " if rng.random() < 0.2 else ""
            html = f"<p>{lead}{_rich(text, rng, entities)}</p>"
        content.append(html)
        visible.append(html)
        if tag in ("p", "quote"):
            paragraphs += 1
            if with_ads and paragraphs in (3, 9):
                visible.append(f'<div class="{m("AdSlot_slot", "not-prose my-8 flex flex-col items-center")}" aria-hidden="true">'
                               f'<span class="text-[10px] uppercase tracking-widest text-slate-400">Advertisement</span>'
                               f'<div id="div-gpt-ad-{paragraphs}-0" style="min-height:250px"></div></div>')
    return "".join(visible), "\n".join(content), toc


def article_page(site: Site, key: int, served_path: str) -> str:
    s = site.stub(key)
    a = site.article(key)
    m = Styles(key + a.update_count)
    rng = Random(f"gbaf:{site.seed}:{key}:markup:{a.update_count}")
    cat = CATEGORIES_BY_NAME[s.cat]
    title, mangled, canon = s.title, prose.mangle(s.title), s.url
    lang = ("en", "en-GB", "en-US")[(key // 2) % 3]
    variant = (key // 3) % 3
    entities = key % 4 == 0
    with_attr = has_time_attr(key)
    crumbs = [("Home", "/"), (s.cat, cat.path), (title, None)]
    alt = f"{title} - {s.cat} news and analysis from {SITE_NAME}"

    body_html, content_html, toc = _body(m, a.blocks, rng, entities, with_ads=key % 2 == 0)

    meta_row = [f'<span>Posted on {_time(s.pub, with_attr, key)}</span>']
    if a.reading_time:
        meta_row.append(f'<span aria-hidden="true" class="text-slate-300">•</span><span>{a.reading_time} min read</span>')
    if a.updated is not None:
        meta_row.append(f'<span aria-hidden="true" class="text-slate-300">•</span>'
                        f'<span>Last updated: {_time(a.updated, with_attr, key)}</span>')
    parts = [
        breadcrumb(m, crumbs, key),
        f'<article class="{m("ArticleLayout_article", "mx-auto max-w-3xl")}">',
        f'<header class="{m("ArticleHeader_root", "space-y-3 border-b border-slate-100 pb-6")}">',
        f'<div><a href="{link(cat.path, key + 1)}" class="{m("ArticleHeader_category", "inline-block rounded bg-red-50 px-2 py-0.5 text-xs font-bold uppercase tracking-wider text-red-700")}">{esc(s.cat)}</a></div>',
        f'<h1 class="{m("ArticleHeader_title", "font-serif text-3xl font-bold leading-tight text-slate-900 md:text-4xl lg:text-5xl")}">{esc(mangled)}</h1>',
        f'<div class="{m("ArticleMeta_publisher", "text-sm text-slate-600")}">Published by <span class="font-semibold text-slate-800">{esc(PUBLISHER)}</span></div>',
        f'<div class="{m("ArticleMeta_row", "flex flex-wrap items-center gap-x-2 gap-y-1 text-sm text-slate-500")}">{"".join(meta_row)}</div>',
        '</header>',
    ]
    if a.image_url:
        plain = key % 7 == 3
        parts.append(f'<figure class="{m("LeadImage_figure", "relative my-6 aspect-[16/9] w-full overflow-hidden rounded-xl bg-slate-100")}">'
                     + img_tag(m, a.image_url, alt, 1920, 1080, lazy=False, sizes="(max-width: 768px) 100vw, 768px",
                               plain=plain, name="LeadImage_img") + '</figure>')
    parts.append(
        f'<aside class="{m("Promo_box", "not-prose my-6 rounded-xl border border-slate-200 bg-slate-50 p-5")}">'
        f'<p class="{m("Promo_title", "font-semibold text-slate-900")}">Why waste money on news and opinion when you can access them for free?</p>'
        f'<p class="{m("Promo_text", "mt-1 text-sm text-slate-600")}">Take advantage of our newsletter subscription and stay informed on the go!</p>'
        f'<button type="button" class="{m("Promo_button", "mt-3 rounded-md bg-red-700 px-4 py-2 text-sm font-semibold text-white")}">Subscribe</button></aside>')
    if s.tags:
        items = "".join(f'<li><a href="{link("/tag/" + tag_slug(t) + "/", key + i)}" rel="tag" class="{m("Tags_tag", "inline-block rounded-full bg-slate-100 px-3 py-1 text-xs font-medium text-slate-700 hover:bg-slate-200")}">{esc(t)}</a></li>'
                        for i, t in enumerate(s.tags))
        parts.append(f'<div class="{m("Tags_root", "my-6 flex flex-wrap items-center gap-2")}"><span class="text-sm font-semibold">Tags:</span>'
                     f'<ul class="{m("Tags_list", "flex flex-wrap gap-2")}">{items}</ul></div>')
    share = f"https://x.com/intent/tweet?url={quote(canon, safe='')}&text={quote(title, safe='')}"
    parts.append(f'<div class="{m("Share_bar", "my-4 flex gap-3 text-sm")}" aria-label="Share this article">'
                 f'<a href="{att(share)}" target="_blank" rel="noopener noreferrer">Share on X</a>'
                 f'<a href="https://www.linkedin.com/sharing/share-offsite/?url={quote(canon, safe="")}" target="_blank" rel="noopener noreferrer">Share on LinkedIn</a>'
                 f'<a href="mailto:?subject={quote(title, safe="")}&amp;body={quote(canon, safe="")}">Email</a></div>')
    if a.summary:
        parts.append(f'<section class="{m("Block_box", "my-8 rounded-xl border-l-4 border-red-700 bg-red-50/40 p-5")}">'
                     f'{_block_heading(m, variant, "Quick Summary")}<p class="{m("Summary_text", "text-base leading-relaxed")}">{esc(a.summary)}</p></section>')
    parts.append(f'<div class="{m("ArticleBody_content", "prose prose-slate prose-lg max-w-none prose-headings:font-serif prose-a:text-red-700")}">{body_html}</div>')
    if a.references:
        items = "".join(f'<li><a href="{att(r["url"])}" target="_blank" rel="noopener noreferrer nofollow" class="text-red-700 hover:underline">{esc(r["title"])}</a></li>'
                        for r in a.references)
        parts.append(f'<section class="{m("Block_box", "my-8")}">{_block_heading(m, variant, "References")}'
                     f'<ul class="{m("References_list", "list-disc space-y-1 pl-5 text-sm")}">{items}</ul></section>')
    if toc:
        items = "".join(f'<li><a href="#{anchor}" class="hover:text-red-700">{esc(text)}</a></li>' for anchor, text in toc)
        parts.append(f'<aside class="{m("Toc_box", "my-8 rounded-lg bg-slate-50 p-4 lg:sticky lg:top-24")}">'
                     f'{_block_heading(m, variant, "Table of Contents")}<ul class="{m("Toc_list", "space-y-1 text-sm")}">{items}</ul></aside>')
    if a.takeaways:
        items = [f'<li class="{m("Takeaways_item", "flex gap-2")}"><span aria-hidden="true">•</span><span>{esc(t)}</span></li>'
                 for t in a.takeaways]
        if a.empty_bullet:
            items.append(f'<li class="{m("Takeaways_item", "flex gap-2")}"><span aria-hidden="true">•</span><span></span></li>')
        parts.append(f'<section class="{m("Block_box", "my-8 rounded-xl bg-slate-900 p-6 text-white")}">'
                     f'{_block_heading(m, variant, "Key Takeaways", " text-white")}<ul class="space-y-2">{"".join(items)}</ul></section>')
    if a.faq:
        items = []
        for i, f in enumerate(a.faq, 1):
            if variant == 2:
                items.append(f'<details class="{m("Faq_item", "border-b py-3")}" open=""><summary class="font-semibold">'
                             f'<span class="{m("Faq_num", "mr-2 text-red-700")}">{i}</span>{esc(f["question"])}</summary>'
                             f'<p class="mt-2 text-slate-600">{esc(f["answer"])}</p></details>')
            else:
                items.append(f'<div class="{m("Faq_item", "border-b py-3")}"><div class="flex items-start gap-3">'
                             f'<span class="{m("Faq_num", "flex h-6 w-6 shrink-0 items-center justify-center rounded-full bg-red-700 text-xs text-white")}">{i}</span>'
                             f'<h3 class="{m("Faq_q", "font-semibold")}">{esc(f["question"])}</h3></div>'
                             f'<div class="{m("Faq_a", "mt-2 pl-9 text-slate-600")}"><p>{esc(f["answer"])}</p></div></div>')
        parts.append(f'<section class="{m("Block_box", "my-8")}">'
                     f'{_block_heading(m, variant, "Frequently Asked Questions about " + title)}{"".join(items)}</section>')
    parts.append('</article>')

    related = site.related(s)
    scripted_related = site.related_by_script(s)
    cards = []
    for i, (rtitle, rpath, target) in enumerate(related):
        salt = key + i
        href = (article_link(site, target, salt, use_alias=salt % 2 == 0, allow_wire=False)
                if target else link(rpath, salt))
        image = (site.image_url(target) if target else None) or PLACEHOLDER_IMAGE
        cards.append(f'<a href="{att(href)}" class="{m("Related_card", "group block overflow-hidden rounded-lg border border-slate-100 bg-white")}">'
                     f'<div class="relative aspect-[16/9] overflow-hidden">'
                     + img_tag(m, image, f"Image for {rtitle}", 640, 360, lazy=True, sizes="(max-width: 768px) 50vw, 25vw",
                               widths=(256, 384, 640))
                     + f'</div><p class="{m("Related_title", "p-3 text-sm font-semibold leading-snug group-hover:text-red-700")}">{esc(prose.mangle(rtitle))}</p></a>')
    if scripted_related:  # the browser fills the block (Site(js_share > 0))
        from . import scripted
        parts.append(scripted.related_section(site, m, s, _block_heading(m, variant, "More from " + s.cat), key))
    else:
        parts.append(
            f'<section class="{m("Related_root", "mx-auto mt-16 max-w-screen-xl")}"><div class="mb-6">'
            f'{_block_heading(m, variant, "More from " + s.cat)}'
            f'<p class="text-sm text-slate-500">Explore more articles in the {esc(s.cat)} category</p></div>'
            f'<div class="{m("Related_grid", "grid grid-cols-2 gap-4 md:grid-cols-3 lg:grid-cols-4")}">{"".join(cards)}</div>'
            f'<div class="mt-6 text-center"><a href="{link(cat.path, key)}" class="{m("Related_all", "inline-block rounded-md border px-4 py-2 text-sm font-semibold")}">View All {esc(s.cat)} Posts</a></div></section>')
    prev, nxt = site.neighbours(s)
    nav = []
    for label, target, rel in (("Previous", prev, "prev"), ("Next", nxt, "next")):
        if target:
            nav.append(f'<a href="{link(target.path, key + len(nav))}" rel="{rel}" class="{m("PostNav_link", "group flex flex-col rounded-lg border p-4 hover:border-red-700")}">'
                       f'<span class="text-xs uppercase tracking-wide text-slate-500">{label} {esc(s.cat)} Post</span>'
                       f'<span class="mt-1 font-semibold group-hover:text-red-700">{esc(prose.mangle(target.title))}</span></a>')
    if nav:
        parts.append(f'<nav aria-label="Post navigation" class="{m("PostNav_root", "mx-auto mt-10 grid max-w-screen-xl gap-4 md:grid-cols-2")}">{"".join(nav)}</nav>')
    body = f'<div class="{m("Layout_container", "mx-auto max-w-screen-xl px-4 py-8 sm:px-6 lg:px-8")}">{"".join(parts)}</div>'

    head = ""
    profile = head_profile(key)
    if profile != "bare":
        head += f'<link rel="canonical" href="{att(canon)}"/>'
    if has_meta(key):
        og_style = (0, 3, 1)[(key // 5) % 3]
        extra = ['<meta property="article:publisher" content="https://www.facebook.com/GlobalBankingandFinanceReview"/>',
                 f'<meta property="article:published_time" content="{iso_variant(s.pub, og_style)}"/>']
        if a.updated is not None:
            extra.append(f'<meta property="article:modified_time" content="{iso_variant(a.updated, og_style)}"/>')
        extra.append(f'<meta property="article:section" content="{att(s.cat)}"/>')
        extra += [f'<meta property="article:tag" content="{att(t)}"/>' for t in s.tags]
        if a.image_url:
            extra.append(f'<meta property="og:image:alt" content="{att(alt)}"/>')
        head += social_meta(og_type="article", title=title, description=a.excerpt, url=canon, image=a.image_url,
                            extra="".join(extra))
    if has_jsonld(key):
        head += f'<script type="application/ld+json">{ld_json(_article_ld(site, s, a, lang, crumbs))}</script>'
    next_data = None
    if has_nextdata(key):
        props = _article_props(site, s, a, content_html, related, prev, nxt)
        if scripted_related:
            del props["relatedPosts"]  # fetched by the browser, not in the page's data
        next_data = {"props": {"pageProps": props,
                               "__N_SSG": True},
                     "page": "/[slug]", "query": {"slug": served_path.strip("/")}, "buildId": m.build,
                     "isFallback": False, "gsp": True, "scriptLoader": []}
    html = document(m, lang=lang, title=f"{title} | {SITE_NAME}", head=head, body=body, route="/[slug]",
                    next_data=next_data, app_router=next_data is None)
    return unicodedata.normalize("NFD", html) if is_nfd(key) else html


def _article_ld(site: Site, s: Stub, a, lang: str, crumbs) -> dict:
    key = s.key
    style = key % 5
    news = {"@type": "Article" if s.kind == "interview" else "NewsArticle", "@id": f"{s.url}#article",
            "headline": s.title, "description": a.excerpt, "datePublished": iso_variant(s.pub, style)}
    if a.updated is not None:
        news["dateModified"] = iso_variant(a.updated, style)
    people = [{"@type": "Person", "name": n} for n in a.authors]
    # Some pages list the publisher among the authors; it is not a person who wrote the article.
    if key % 14 == 2:
        people.append({"@type": "Organization", "name": SITE_NAME, "url": f"{SITE_ROOT}/"})
    elif key % 14 == 9:
        people.append({"@id": f"{SITE_ROOT}/#organization"})
    if people:
        news["author"] = people[0] if len(people) == 1 and key % 2 else people
    news["publisher"] = {"@id": f"{SITE_ROOT}/#organization"}
    news["articleSection"] = s.cat
    if s.tags:
        news["keywords"] = ", ".join(s.tags) if key % 2 else list(s.tags)
    if a.image_url:
        news["image"] = ({"@type": "ImageObject", "url": a.image_url, "width": 1920, "height": 1080}
                         if key % 3 else [a.image_url])
    news["mainEntityOfPage"] = {"@type": "WebPage", "@id": s.url}
    news["inLanguage"] = lang
    news["isAccessibleForFree"] = True
    if a.reading_time:
        news["timeRequired"] = f"PT{a.reading_time}M"
    graph = [news, ORGANIZATION, WEBSITE, breadcrumb_ld(crumbs[:-1] + [(s.title, s.path)])]
    if a.faq:
        graph.append({"@type": "FAQPage", "@id": f"{s.url}#faq", "mainEntity": [
            {"@type": "Question", "name": f["question"], "acceptedAnswer": {"@type": "Answer", "text": f["answer"]}}
            for f in a.faq]})
    return {"@context": "https://schema.org", "@graph": graph}


def _post_card(site: Site, s: Stub) -> dict:
    image = site.image_url(s)
    return {"title": s.title, "slug": s.slug, "uri": s.path, "date": naive_utc(s.pub),
            "featuredImage": {"node": {"sourceUrl": image}} if image else None}


def _article_props(site: Site, s: Stub, a, content_html: str, related, prev, nxt) -> dict:
    cat = CATEGORIES_BY_NAME[s.cat]
    categories = [{"name": s.cat, "slug": cat.slug, "uri": cat.path}]
    if s.cat2:
        c2 = CATEGORIES_BY_NAME[s.cat2]
        categories.append({"name": c2.name, "slug": c2.slug, "uri": c2.path})
    post = {
        "id": base64.b64encode(f"post:{400000 + s.key * 7}".encode()).decode(), "databaseId": 400000 + s.key * 7,
        "title": s.title, "slug": s.slug, "uri": s.path, "status": "publish", "date": naive_utc(s.pub),
        "modified": naive_utc(a.updated) if a.updated is not None else None,
        "excerpt": f"<p>{esc(a.excerpt)}</p>\n", "content": content_html, "quickSummary": a.summary,
        "readingTime": a.reading_time, "categories": {"nodes": categories},
        "tags": {"nodes": [{"name": t, "slug": tag_slug(t)} for t in s.tags]},
        "authors": {"nodes": [{"name": n, "slug": prose.slugify(n, drop_stopwords=False)} for n in a.authors]},
        "featuredImage": ({"node": {"sourceUrl": a.image_url, "altText": f"{s.title} - {s.cat} news and analysis from {SITE_NAME}",
                                    "mediaDetails": {"width": 1920, "height": 1080}}} if a.image_url else None),
        "keyTakeaways": list(a.takeaways), "faqs": [dict(f) for f in a.faq],
        "references": [dict(r) for r in a.references],
        "seo": {"title": f"{s.title} | {SITE_NAME}", "metaDesc": a.excerpt, "canonical": s.url,
                "opengraphType": "article", "schemaArticleType": "NewsArticle"},
    }
    return {"post": post,
            "relatedPosts": [{"title": t, "uri": p, "slug": p.strip("/")} for t, p, _ in related],
            "previousPost": _post_card(site, prev) if prev else None,
            "nextPost": _post_card(site, nxt) if nxt else None,
            "menus": menus_props(), "settings": {"siteTitle": SITE_NAME, "language": "en-GB", "postsPerPage": PER_PAGE}}


# -- listings ----------------------------------------------------------------------------------------

def _card(site: Site, m: Styles, s: Stub, salt: int, *, with_excerpt: bool = True) -> str:
    href = article_link(site, s, salt, use_alias=True, allow_wire=True)
    cat = CATEGORIES_BY_NAME[s.cat]
    image = site.image_url(s) or PLACEHOLDER_IMAGE
    excerpt = f'<p class="{m("Card_excerpt", "mt-2 line-clamp-3 text-sm text-slate-600")}">{esc(site.excerpt(s))}</p>' if with_excerpt else ""
    date = (f'<time datetime="{iso_variant(s.pub, 2)}" class="text-xs text-slate-500">{human_date(s.pub)}</time>'
            if salt % 2 else f'<span class="text-xs text-slate-500">{human_date(s.pub)}</span>')
    return (f'<article class="{m("Card_card", "group relative flex flex-col overflow-hidden rounded-lg bg-white shadow-sm ring-1 ring-slate-100")}">'
            f'<a href="{att(href)}" class="{m("Card_media", "block aspect-[16/9] overflow-hidden")}" tabindex="-1">'
            + img_tag(m, image, s.title, 640, 360, lazy=True, sizes="(max-width: 768px) 100vw, 33vw", widths=(384, 640, 750))
            + f'</a><div class="{m("Card_body", "flex flex-1 flex-col p-4")}">'
            f'<a href="{link(cat.path, salt)}" class="{m("Card_category", "text-xs font-semibold uppercase tracking-wide text-red-700")}">{esc(s.cat)}</a>'
            f'<h3 class="{m("Card_title", "mt-2 text-lg font-bold leading-snug group-hover:text-red-700")}"><a href="{att(href)}">{esc(prose.mangle(s.title))}</a></h3>'
            f'{date}{excerpt}</div></article>')


def _video_card(m: Styles, v, salt: int) -> str:
    return (f'<article class="{m("Card_card", "group relative flex flex-col overflow-hidden rounded-lg bg-white shadow-sm")}">'
            f'<a href="{link(v.path, salt)}" class="{m("Card_media", "relative block aspect-[16/9] overflow-hidden bg-black")}">'
            + img_tag(m, f"https://i.ytimg.com/vi/{v.youtube_id}/hqdefault.jpg", v.title, 640, 360, lazy=True,
                      sizes="33vw", plain=True)
            + f'<span class="absolute inset-0 flex items-center justify-center text-white">▶</span></a>'
            f'<div class="{m("Card_body", "p-4")}"><h3 class="{m("Card_title", "text-lg font-bold")}"><a href="{link(v.path, salt + 1)}">{esc(prose.mangle(v.title))}</a></h3>'
            f'<span class="text-xs text-slate-500">{human_date(v.pub)}</span></div></article>')


def _pagination(m: Styles, base: str, page: int, pages: int) -> str:
    if pages <= 1:
        return ""

    def href(n):
        return link(base if n == 1 else f"{base}page/{n}/", n)

    shown = sorted({1, pages, page - 1, page, page + 1, page - 2, page + 2} & set(range(1, pages + 1)))
    items, last = [], 0
    if page > 1:
        items.append(f'<li><a href="{href(page - 1)}" rel="prev" aria-label="Previous page" class="px-3 py-2">« Previous</a></li>')
    for n in shown:
        if n > last + 1:
            items.append('<li><span class="px-2">…</span></li>')
        if n == page:
            items.append(f'<li><span aria-current="page" class="rounded bg-red-700 px-3 py-2 text-white">{n}</span></li>')
        else:
            items.append(f'<li><a href="{href(n)}" class="px-3 py-2 hover:underline">{n}</a></li>')
        last = n
    if page < pages:
        items.append(f'<li><a href="{href(page + 1)}" rel="next" aria-label="Next page" class="px-3 py-2">Next »</a></li>')
    return (f'<nav aria-label="pagination" class="{m("Pagination_nav", "mt-10 flex justify-center")}">'
            f'<ul class="flex flex-wrap items-center gap-1 text-sm">{"".join(items)}</ul></nav>')


def _listing_document(site: Site, m: Styles, *, title: str, heading: str, intro: str, base: str, page: int,
                      pages: int, cards: str, crumbs, posts_props, load_more: str = "") -> str:
    canon = SITE_ROOT + (base if page == 1 else f"{base}page/{page}/")
    head = f'<link rel="canonical" href="{canon}"/>'
    if page > 1:
        head += f'<link rel="prev" href="{SITE_ROOT}{base if page == 2 else f"{base}page/{page - 1}/"}"/>'
    if page < pages and not load_more:
        head += f'<link rel="next" href="{SITE_ROOT}{base}page/{page + 1}/"/>'
    head += social_meta(og_type="website", title=title, description=intro, url=canon, image=None)
    head += f'<script type="application/ld+json">{ld_json({"@context": "https://schema.org", "@graph": [{"@type": "CollectionPage", "@id": canon, "url": canon, "name": title, "isPartOf": {"@id": SITE_ROOT + "/#website"}}, breadcrumb_ld(crumbs)]})}</script>'
    body = (f'<div class="{m("Layout_container", "mx-auto max-w-screen-xl px-4 py-8 sm:px-6 lg:px-8")}">{breadcrumb(m, crumbs, page)}'
            f'<header class="mb-8"><h1 class="{m("Listing_title", "font-serif text-4xl font-bold")}">{esc(heading)}</h1>'
            f'<p class="mt-2 text-slate-600">{esc(intro)}</p></header>'
            + (f'<div id="listing-{base.strip("/").split("/")[-1]}" class="{m("Listing_grid", "grid gap-6 sm:grid-cols-2 lg:grid-cols-3")}">{cards}</div>'
               f'{load_more}</div>' if load_more else
               f'<div class="{m("Listing_grid", "grid gap-6 sm:grid-cols-2 lg:grid-cols-3")}">{cards}</div>'
               f'{_pagination(m, base, page, pages)}</div>'))
    next_data = {"props": {"pageProps": {"posts": posts_props, "pageInfo": {"page": page, "totalPages": pages},
                                         "menus": menus_props()}, "__N_SSG": True},
                 "page": "/category/[...slug]" if base.startswith("/category/") else "/tag/[...slug]",
                 "query": {"slug": base.strip("/").split("/")[1:] + ([] if page == 1 else ["page", str(page)])},
                 "buildId": m.build, "isFallback": False, "gsp": True, "scriptLoader": []}
    return document(m, lang="en-GB", title=title, head=head, body=body, route="/category/[...slug]", next_data=next_data)


def category_page(site: Site, name: str, page: int):
    pages = site.listing_pages(name)
    if not 1 <= page <= pages:
        return None
    if site.listed_by_script(name):
        return _load_more_category_page(site, name, page, pages)
    cat = CATEGORIES_BY_NAME[name]
    m = Styles(site.step)
    items = site.listing(name)[(page - 1) * PER_PAGE: page * PER_PAGE]
    if name == VIDEOS.name:
        cards = "".join(_video_card(m, v, i) for i, v in enumerate(items))
        props = [{"title": v.title, "uri": v.path, "format": "video"} for v in items]
    else:
        cards = "".join(_card(site, m, s, page + i) for i, s in enumerate(items))
        props = [_post_card(site, s) for s in items]
    suffix = "" if page == 1 else f" - Page {page} of {pages}"
    return _listing_document(site, m, title=f"{name}{suffix} | {SITE_NAME}", heading=name,
                             intro=f"The latest {name.lower()} news, analysis and opinion from {SITE_NAME}.",
                             base=cat.path, page=page, pages=pages, cards=cards,
                             crumbs=[("Home", "/"), (name, cat.path)], posts_props=props)


def _load_more_category_page(site: Site, name: str, page: int, pages: int):
    """A listing with "Load more" where the pagination would be (Site(js_share > 0)): no /page/2/."""
    from . import scripted
    if page > 1:
        return None
    cat = CATEGORIES_BY_NAME[name]
    m = Styles(site.step)
    items = site.listing(name)[:PER_PAGE]
    control = scripted.load_more_control(site, m, name, f"listing-{cat.slug}")
    return _listing_document(site, m, title=f"{name} | {SITE_NAME}", heading=name,
                             intro=f"The latest {name.lower()} news, analysis and opinion from {SITE_NAME}.",
                             base=cat.path, page=1, pages=pages,
                             cards="".join(_card(site, m, s, 1 + i) for i, s in enumerate(items)),
                             crumbs=[("Home", "/"), (name, cat.path)], posts_props=[_post_card(site, s) for s in items],
                             load_more=control or " ")


def tag_page(site: Site, slug: str, page: int):
    name, items = site.tag_listing(slug)
    pages = site.tag_pages(slug)
    if name is None or not 1 <= page <= pages:
        return None
    m = Styles(site.step)
    items = items[(page - 1) * PER_PAGE: page * PER_PAGE]
    cards = "".join(_card(site, m, s, page + i, with_excerpt=False) for i, s in enumerate(items))
    suffix = "" if page == 1 else f" - Page {page} of {pages}"
    base = f"/tag/{slug}/"
    return _listing_document(site, m, title=f"{name}{suffix} | {SITE_NAME}", heading=f"Tag: {name}",
                             intro=f"Articles tagged {name}.", base=base, page=page, pages=pages, cards=cards,
                             crumbs=[("Home", "/"), ("Tags", "/tags/"), (name, base)],
                             posts_props=[_post_card(site, s) for s in items])


def _section(m: Styles, heading: str, href: str, cards: str) -> str:
    return (f'<section class="{m("Home_section", "mt-12")}"><div class="mb-4 flex items-end justify-between border-b-2 border-slate-900 pb-2">'
            f'<h2 class="{m("Home_heading", "font-serif text-2xl font-bold")}">{esc(heading)}</h2>'
            f'<a href="{href}" class="text-sm font-semibold text-red-700">View all</a></div>'
            f'<div class="{m("Listing_grid", "grid gap-6 sm:grid-cols-2 lg:grid-cols-4")}">{cards}</div></section>')


def home_page(site: Site) -> str:
    m = Styles(site.step)
    visible = [s for s in site.stubs_newest_first() if s.cat != HIDDEN_CATEGORY]
    latest = visible[:20]
    top = site.listing(TOP_STORIES.name)[:5]
    parts = [f'<h1 class="sr-only">{esc(SITE_NAME)} – Banking, Finance, Business &amp; Technology News</h1>']
    if top:
        parts.append(_section(m, "Top Stories", link(TOP_STORIES.path, 0),
                              "".join(_card(site, m, s, i) for i, s in enumerate(top))))
    parts.append(_section(m, "Latest News", "/latest-news/", "".join(_card(site, m, s, i + 1) for i, s in enumerate(latest))))
    for c in NEWS_CATEGORIES:
        if c.name == HIDDEN_CATEGORY:
            continue
        items = site.listing(c.name)[:4]
        if items:
            parts.append(_section(m, c.name, link(c.path, len(parts)), "".join(
                _card(site, m, s, i, with_excerpt=False) for i, s in enumerate(items))))
    parts.append(_section(m, "Videos", link(VIDEOS.path, 1), "".join(
        _video_card(m, v, i) for i, v in enumerate(site.videos()[:4]))))
    picks = [s for s in visible if s.alias == "utm"][:6]
    if picks:
        items = "".join(f'<li><a href="{att(article_link(site, s, i, use_alias=True, allow_wire=False))}" class="hover:underline">{esc(prose.mangle(s.title))}</a></li>'
                        for i, s in enumerate(picks))
        parts.append(f'<aside class="{m("Home_picks", "mt-12 rounded-xl bg-slate-50 p-6")}"><h2 class="font-bold">From our newsletter</h2><ul class="mt-3 space-y-2">{items}</ul></aside>')
    head = (f'<link rel="canonical" href="{SITE_ROOT}/"/>'
            + social_meta(og_type="website", title=SITE_NAME, url=f"{SITE_ROOT}/", image=None,
                          description="Banking, finance, business and technology news, analysis and awards.")
            + f'<script type="application/ld+json">{ld_json({"@context": "https://schema.org", "@graph": [ORGANIZATION, WEBSITE]})}</script>')
    body = f'<div class="{m("Layout_container", "mx-auto max-w-screen-xl px-4 py-8 sm:px-6 lg:px-8")}">{"".join(parts)}</div>'
    next_data = {"props": {"pageProps": {"latest": [_post_card(site, s) for s in latest], "menus": menus_props()},
                           "__N_SSG": True}, "page": "/", "query": {}, "buildId": m.build, "isFallback": False,
                 "gsp": True, "scriptLoader": []}
    return document(m, lang="en-GB", title=f"{SITE_NAME} | Banking & Finance News", head=head, body=body, route="/index",
                    next_data=next_data)


def latest_news_page(site: Site) -> str:
    m = Styles(site.step)
    items = [s for s in site.stubs_newest_first() if s.cat != HIDDEN_CATEGORY][:24]
    return _listing_document(site, m, title=f"Latest News | {SITE_NAME}", heading="Latest News",
                             intro="The newest stories from across the site.", base="/latest-news/", page=1, pages=1,
                             cards="".join(_card(site, m, s, i) for i, s in enumerate(items)),
                             crumbs=[("Home", "/"), ("Latest News", "/latest-news/")],
                             posts_props=[_post_card(site, s) for s in items])


# -- pages that are not articles ------------------------------------------------------------------------

COMPANY_TEXT = [
    "Global Banking & Finance Review® is published by GBAF Publications Ltd, London, and read by senior decision-makers in more than 150 countries.",
    "Our editorial team covers banking, finance, business, technology and investing, with news, analysis, interviews and opinion from industry leaders.",
    "We publish original journalism alongside syndicated copy from international news agencies, clearly attributed on every article.",
    "Commercial content is labelled, and our editorial decisions are independent of our advertisers and award programme.",
    "For editorial enquiries, corrections or complaints, please contact the editor through the form on our Contact Us page.",
    "Readers can reach the team at our London office, Monday to Friday, 9am–5pm UK time.",
]


def _plain_page(site: Site, path: str, title: str, paragraphs, *, crumbs=None, ld_type="WebPage", extra_ld=None,
                extra_body="") -> str:
    m = Styles(site.step)
    canon = SITE_ROOT + path
    crumbs = crumbs or [("Home", "/"), (title, path)]
    graph = [{"@type": ld_type, "@id": canon, "url": canon, "name": title, "isPartOf": {"@id": f"{SITE_ROOT}/#website"},
              "inLanguage": "en-GB"}, breadcrumb_ld(crumbs)] + (extra_ld or [])
    head = (f'<link rel="canonical" href="{canon}"/>'
            + social_meta(og_type="website", title=f"{title} | {SITE_NAME}", description=paragraphs[0][:150], url=canon,
                          image=None)
            + f'<script type="application/ld+json">{ld_json({"@context": "https://schema.org", "@graph": graph})}</script>')
    body = (f'<div class="{m("Layout_container", "mx-auto max-w-3xl px-4 py-10")}">{breadcrumb(m, crumbs, 1)}'
            f'<h1 class="{m("Page_title", "font-serif text-4xl font-bold")}">{esc(title)}</h1>'
            f'<div class="{m("Page_content", "prose prose-slate mt-6")}">{"".join(f"<p>{esc(p)}</p>" for p in paragraphs)}{extra_body}</div></div>')
    next_data = {"props": {"pageProps": {"page": {"title": title, "uri": path, "content": "".join(f"<p>{esc(p)}</p>" for p in paragraphs)},
                                         "menus": menus_props()}, "__N_SSG": True},
                 "page": "/[slug]", "query": {"slug": path.strip("/")}, "buildId": m.build, "isFallback": False,
                 "gsp": True, "scriptLoader": []}
    return document(m, lang="en-GB", title=f"{title} | {SITE_NAME}", head=head, body=body, route="/[slug]",
                    next_data=next_data)


def company_page(site: Site, path: str) -> str:
    title = COMPANY_PAGES[path]
    rng = Random(f"company:{path}")
    paragraphs = rng.sample(COMPANY_TEXT, 4)
    ld_type = {"/about-us/": "AboutPage", "/contact-us/": "ContactPage"}.get(path, "WebPage")
    return _plain_page(site, path, title, paragraphs, ld_type=ld_type)


def award_page(site: Site, path: str) -> str:
    title = AWARD_PAGES[path]
    crumbs = [("Home", "/"), ("Awards", "/awards/")] + ([] if path == "/awards/" else [(title, path)])
    paragraphs = ["The Global Banking & Finance Awards® recognise companies of all sizes that stand out in the banking and finance industry.",
                  "Winners are selected by our research team on innovation, performance and customer outcomes, with no fee to enter."]
    extra_ld, extra = None, ""
    if path == "/awards/faq/":
        qa = [("Is there a fee to enter?", "No. Nominations are free of charge."),
              ("When are winners announced?", "Winners are announced on a rolling basis throughout the year."),
              ("Can I nominate my own company?", "Yes, self-nominations are welcome.")]
        extra_ld = [{"@type": "FAQPage", "mainEntity": [{"@type": "Question", "name": q, "acceptedAnswer": {"@type": "Answer", "text": a}} for q, a in qa]}]
        extra = "".join(f"<h3>{esc(q)}</h3><p>{esc(a)}</p>" for q, a in qa)
    elif path == "/awards/award-winners/":
        rng = Random("award-winners")
        rows = [f"<li>Best {prose.title_case(rng.choice(W.SECTORS))} {rng.choice(['Bank', 'Provider', 'Platform'])} "
                f"{rng.choice(W.CITIES)[0]} 2025 – {rng.choice(W.BANKS)}</li>" for _ in range(40)]
        extra = f"<ul>{''.join(rows)}</ul>"
    elif path == "/awards/":
        extra = "<ul>" + "".join(f'<li><a href="{link(p, i)}">{esc(t)}</a></li>' for i, (p, t) in enumerate(AWARD_PAGES.items()) if p != path) + "</ul>"
    return _plain_page(site, path, title, paragraphs, crumbs=crumbs, extra_ld=extra_ld, extra_body=extra)


def magazines_page(site: Site) -> str:
    extra = "<ul>" + "".join(
        f'<li><a href="{link(magazine_path(i), i)}">Global Banking &amp; Finance Review Magazine Issue {i}</a></li>'
        for i in MAGAZINE_ISSUES) + "</ul>"
    return _plain_page(site, "/magazines/", "Magazines",
                       ["Read the latest issues of the Global Banking & Finance Review magazine, free online."],
                       extra_body=extra, ld_type="CollectionPage")


def magazine_issue_page(site: Site, issue: int) -> str:
    path = magazine_path(issue)
    title = f"Global Banking & Finance Review Magazine Issue {issue}"
    rng = Random(f"magazine:{issue}")
    contents = [prose.title_case(f"{rng.choice(W.TRENDS)} and the future of {rng.choice(W.SECTORS)}") for _ in range(8)]
    published = 1767225600 - (79 - issue) * 45 * 86400
    ld = [{"@type": "PublicationIssue", "issueNumber": issue, "name": title, "datePublished": iso_variant(published, 0)[:10],
           "isPartOf": {"@type": "Periodical", "name": "Global Banking & Finance Review"}}]
    extra = "<h2>In this issue</h2><ul>" + "".join(f"<li>{esc(c)}</li>" for c in contents) + "</ul>"
    return _plain_page(site, path, title, [f"Issue {issue} of the Global Banking & Finance Review magazine, with interviews, features and the latest award winners."],
                       crumbs=[("Home", "/"), ("Magazines", "/magazines/"), (title, path)], extra_ld=ld, extra_body=extra)


def video_page(site: Site, v) -> str:
    m = Styles(site.step + v.index)
    canon = SITE_ROOT + v.path
    crumbs = [("Home", "/"), ("Videos", VIDEOS.path), (v.title, None)]
    ld = {"@context": "https://schema.org", "@graph": [
        {"@type": "VideoObject", "name": v.title, "description": v.description, "uploadDate": iso_variant(v.pub, 0),
         "thumbnailUrl": f"https://i.ytimg.com/vi/{v.youtube_id}/hqdefault.jpg", "duration": "PT4M12S",
         "embedUrl": f"https://www.youtube-nocookie.com/embed/{v.youtube_id}"},
        breadcrumb_ld(crumbs[:-1] + [(v.title, v.path)]), ORGANIZATION]}
    head = (f'<link rel="canonical" href="{canon}"/>'
            + social_meta(og_type="video.other", title=v.title, description=v.description, url=canon,
                          image=f"https://i.ytimg.com/vi/{v.youtube_id}/hqdefault.jpg",
                          extra=f'<meta property="og:video" content="https://www.youtube-nocookie.com/embed/{v.youtube_id}"/>')
            + f'<script type="application/ld+json">{ld_json(ld)}</script>')
    others = [o for o in site.videos() if o is not v][:4]
    body = (f'<div class="{m("Layout_container", "mx-auto max-w-screen-xl px-4 py-8")}">{breadcrumb(m, crumbs, v.index)}'
            f'<article class="{m("Video_article", "mx-auto max-w-4xl")}"><div><a href="{link(VIDEOS.path, 1)}" class="text-xs font-bold uppercase text-red-700">Videos</a></div>'
            f'<h1 class="{m("ArticleHeader_title", "font-serif text-3xl font-bold")}">{esc(prose.mangle(v.title))}</h1>'
            f'<div class="text-sm text-slate-500">Posted on {_time(v.pub, v.index % 2 == 0, 1)}</div>'
            f'<div class="{m("Video_frame", "relative my-6 aspect-video")}"><iframe src="https://www.youtube-nocookie.com/embed/{v.youtube_id}" title="{att(v.title)}" allowfullscreen="" loading="lazy" class="absolute inset-0 h-full w-full"></iframe></div>'
            f'<p>{esc(v.description)}</p></article>'
            f'<section class="mt-12"><h2 class="font-bold">More from Videos</h2><div class="{m("Listing_grid", "grid gap-6 sm:grid-cols-2 lg:grid-cols-4")}">'
            f'{"".join(_video_card(m, o, i) for i, o in enumerate(others))}</div></section></div>')
    next_data = {"props": {"pageProps": {"post": {"title": v.title, "slug": v.slug, "uri": v.path, "format": "video",
                                                  "date": naive_utc(v.pub), "content": f"<p>{esc(v.description)}</p>",
                                                  "categories": {"nodes": [{"name": "Videos", "slug": "videos"}]}},
                                         "menus": menus_props()}, "__N_SSG": True},
                 "page": "/[slug]", "query": {"slug": v.slug}, "buildId": m.build, "isFallback": False, "gsp": True,
                 "scriptLoader": []}
    return document(m, lang="en-GB", title=f"{v.title} | {SITE_NAME}", head=head, body=body, route="/[slug]",
                    next_data=next_data)


def tags_index_page(site: Site) -> str:
    extra = "<ul>" + "".join(f'<li><a href="{link("/tag/" + slug + "/", i)}">{esc(site.tag_listing(slug)[0])}</a></li>'
                             for i, slug in enumerate(site.tag_slugs())) + "</ul>"
    return _plain_page(site, "/tags/", "Tags", ["Browse all topics covered by Global Banking & Finance Review."],
                       extra_body=extra, ld_type="CollectionPage")


def html_sitemap_page(site: Site) -> str:
    sections = [(c.name, c.path) for c in NEWS_CATEGORIES if c.name != HIDDEN_CATEGORY] + [(VIDEOS.name, VIDEOS.path)]
    pages = list(COMPANY_PAGES.items())
    extra = ("<h2>Sections</h2><ul>" + "".join(f'<li><a href="{link(p, i)}">{esc(n)}</a></li>' for i, (n, p) in enumerate(sections))
             + "</ul><h2>Company</h2><ul>" + "".join(f'<li><a href="{link(p, i)}">{esc(n)}</a></li>' for i, (p, n) in enumerate(pages))
             + '</ul><h2>Feeds and sitemaps</h2><ul><li><a href="/sitemap.xml">XML sitemap</a></li><li><a href="/feed/">RSS feed</a></li></ul>')
    return _plain_page(site, "/html-sitemap/", "Sitemap", ["Every section and page of Global Banking & Finance Review."],
                       extra_body=extra)


def not_found_page(site: Site) -> str:
    m = Styles(site.step)
    body = (f'<div class="{m("NotFound_root", "mx-auto flex max-w-xl flex-col items-center px-4 py-24 text-center")}">'
            f'<h1 class="next-error-h1 {m("NotFound_code", "text-6xl font-bold")}">404</h1>'
            f'<h2 class="mt-4 text-xl">This page could not be found.</h2>'
            f'<p class="mt-2 text-slate-500">The article may have been moved or removed.</p>'
            f'<a href="/" class="mt-6 rounded-md bg-red-700 px-4 py-2 text-white">Back to the home page</a></div>')
    next_data = {"props": {"pageProps": {"statusCode": 404}}, "page": "/_error", "query": {}, "buildId": m.build,
                 "isFallback": False, "gsp": False, "scriptLoader": []}
    return document(m, lang="en-GB", title="404: This page could not be found.", head='<meta name="robots" content="noindex"/>',
                    body=body, route="/_error", next_data=next_data)
