"""Blocks the browser fills in (only with `Site(js_share > 0)`): what a Next.js front end does.

- An article's "More from <Category>" block ships empty (a few loading placeholders); a script
  fetches the page's Next.js data, `/_next/data/<buildId>/<slug>.json`, after a short timer and
  draws the cards. A crawler that reads the HTML, or renders without waiting for the block, sees
  no related links.
- The `load_more` category's listing shows its first cards and a "Load more" button where the
  pagination would be; each click fetches `/_next/data/<buildId>/category/<slug>/page/<n>.json`
  and appends the next cards; the button goes once the last page is shown. There is no
  `/page/2/` link (nor page).

The scripts fetch relative to the page's own origin (a replica served on 127.0.0.1 works), and
`/_next/data/` is allowed by robots.txt. The JSON is what the scripts need, shaped like a pages-
router data response ({"pageProps": ..., "__N_SSG": true}).
"""
from __future__ import annotations

import json
import re

from . import prose
from .markup import BUILDS, PLACEHOLDER_IMAGE, Styles, att, esc, human_date, iso_variant, link
from .site import CATEGORIES_BY_NAME, CATEGORIES_BY_SLUG, PER_PAGE, Site, Stub

# The related block is drawn this long after the script runs: later than the page's load event.
RELATED_DELAY_MS = 400
# A "Load more" click answers after this long (the request and the re-render).
LOAD_MORE_DELAY_MS = 250
LOAD_MORE_LABEL = "Load more"
JSON_HEADERS = {"Content-Type": "application/json; charset=utf-8", "X-Powered-By": "Next.js",
                "X-Nextjs-Cache": "HIT", "Cache-Control": "s-maxage=300, stale-while-revalidate"}

_DATA = re.compile(r"/_next/data/([A-Za-z0-9_-]+)/(?:category/([a-z0-9-]+)/page/([1-9][0-9]{0,5})|([^/]+))\.json")


def _script(config: dict, code: str) -> str:
    # The config is JSON inside a <script>: "</" must not close the element.
    return f"<script>(function(c){{{code}}})({json.dumps(config, ensure_ascii=False).replace('</', '<' + chr(92) + '/')});</script>"


_ESCAPE_JS = 'function e(s){return String(s==null?"":s).replace(/[&<>"\']/g,function(x){return "&#"+x.charCodeAt(0)+";"})}'


def _image(url: str | None, width: int) -> str:
    from urllib.parse import quote
    return f"/_next/image?url={quote(url or PLACEHOLDER_IMAGE, safe='')}&w={width}&q=75"


# -- the related block ------------------------------------------------------------------------------

def related_section(site: Site, m: Styles, s: Stub, heading: str, key: int) -> str:
    """The "More from" section as the server sends it: heading, empty grid, script."""
    cat = CATEGORIES_BY_NAME[s.cat]
    grid_id = f"related-{key}"
    skeleton = "".join(f'<div class="{m("Related_skeleton", "h-48 animate-pulse rounded-lg bg-slate-100")}"></div>'
                       for _ in range(4))
    config = {"grid": grid_id, "data": f"/_next/data/{m.build}/{s.slug}.json", "delay": RELATED_DELAY_MS,
              "card": m("Related_card", "group block overflow-hidden rounded-lg border border-slate-100 bg-white"),
              "img": m("Image_img", "h-full w-full object-cover"),
              "title": m("Related_title", "p-3 text-sm font-semibold leading-snug group-hover:text-red-700")}
    code = (_ESCAPE_JS + ';var g=document.getElementById(c.grid);if(!g)return;setTimeout(function(){'
            'fetch(c.data).then(function(r){if(!r.ok)throw new Error("HTTP "+r.status);return r.json()})'
            '.then(function(d){var h="";(d.pageProps.relatedPosts||[]).forEach(function(p){'
            'h+=\'<a href="\'+e(p.uri)+\'" class="\'+c.card+\'"><div class="relative aspect-[16/9] overflow-hidden">'
            '<img alt="\'+e("Image for "+p.title)+\'" loading="lazy" width="640" height="360" decoding="async" class="\'+c.img+\'"'
            ' src="\'+e(p.image)+\'"/></div><p class="\'+c.title+\'">\'+e(p.headline)+\'</p></a>\'});'
            'g.innerHTML=h;g.removeAttribute("aria-busy")})'
            '.catch(function(){g.removeAttribute("aria-busy")})},c.delay);')
    return (f'<section class="{m("Related_root", "mx-auto mt-16 max-w-screen-xl")}"><div class="mb-6">'
            f'{heading}'
            f'<p class="text-sm text-slate-500">Explore more articles in the {esc(s.cat)} category</p></div>'
            f'<div id="{grid_id}" aria-busy="true" class="{m("Related_grid", "grid grid-cols-2 gap-4 md:grid-cols-3 lg:grid-cols-4")}">{skeleton}</div>'
            f'<div class="mt-6 text-center"><a href="{link(cat.path, key)}" class="{m("Related_all", "inline-block rounded-md border px-4 py-2 text-sm font-semibold")}">View All {esc(s.cat)} Posts</a></div></section>'
            + _script(config, code))


def related_data(site: Site, s: Stub) -> dict:
    posts = []
    for title, path, target in site.related(s):
        image = site.image_url(target) if target else None
        posts.append({"title": title, "headline": prose.mangle(title), "uri": path, "slug": path.strip("/"),
                      "image": _image(image, 640)})
    return {"pageProps": {"post": {"title": s.title, "slug": s.slug, "uri": s.path}, "relatedPosts": posts},
            "__N_SSG": True}


# -- the "Load more" listing --------------------------------------------------------------------------

def _listing_post(site: Site, s: Stub) -> dict:
    cat = CATEGORIES_BY_NAME[s.cat]
    return {"title": s.title, "headline": prose.mangle(s.title), "uri": s.path, "slug": s.slug,
            "date": iso_variant(s.pub, 2), "displayDate": human_date(s.pub), "excerpt": site.excerpt(s),
            "category": {"name": s.cat, "uri": cat.path}, "image": _image(site.image_url(s), 640)}


def load_more_control(site: Site, m: Styles, name: str, grid_id: str) -> str:
    """The button where the pagination would be, and the script that appends the next cards."""
    cat = CATEGORIES_BY_NAME[name]
    if site.listing_pages(name) <= 1:
        return ""
    button_id = f"load-more-{cat.slug}"
    config = {"grid": grid_id, "button": button_id, "label": LOAD_MORE_LABEL, "delay": LOAD_MORE_DELAY_MS,
              "data": f"/_next/data/{m.build}/category/{cat.slug}/page/{{n}}.json",
              "card": m("Card_card", "group relative flex flex-col overflow-hidden rounded-lg bg-white shadow-sm ring-1 ring-slate-100"),
              "media": m("Card_media", "block aspect-[16/9] overflow-hidden"),
              "img": m("Image_img", "h-full w-full object-cover"),
              "body": m("Card_body", "flex flex-1 flex-col p-4"),
              "category": m("Card_category", "text-xs font-semibold uppercase tracking-wide text-red-700"),
              "title": m("Card_title", "mt-2 text-lg font-bold leading-snug group-hover:text-red-700"),
              "excerpt": m("Card_excerpt", "mt-2 line-clamp-3 text-sm text-slate-600")}
    code = (_ESCAPE_JS + ';var b=document.getElementById(c.button),g=document.getElementById(c.grid),page=1;'
            'if(!b||!g)return;function card(x){return \'<article class="\'+c.card+\'"><a href="\'+e(x.uri)+\'" class="\'+c.media+\'" tabindex="-1">'
            '<img alt="\'+e(x.title)+\'" loading="lazy" width="640" height="360" class="\'+c.img+\'" src="\'+e(x.image)+\'"/></a>'
            '<div class="\'+c.body+\'"><a href="\'+e(x.category.uri)+\'" class="\'+c.category+\'">\'+e(x.category.name)+\'</a>'
            '<h3 class="\'+c.title+\'"><a href="\'+e(x.uri)+\'">\'+e(x.headline)+\'</a></h3>'
            '<time datetime="\'+e(x.date)+\'" class="text-xs text-slate-500">\'+e(x.displayDate)+\'</time>'
            '<p class="\'+c.excerpt+\'">\'+e(x.excerpt)+\'</p></div></article>\'}'
            'function reset(){b.disabled=false;b.textContent=c.label}'
            'b.addEventListener("click",function(){if(b.disabled)return;b.disabled=true;b.textContent="Loading\\u2026";'
            'setTimeout(function(){fetch(c.data.replace("{n}",String(page+1)))'
            '.then(function(r){if(!r.ok)throw new Error("HTTP "+r.status);return r.json()})'
            '.then(function(d){var p=d.pageProps;g.insertAdjacentHTML("beforeend",p.posts.map(card).join(""));'
            'page=p.pageInfo.page;if(page>=p.pageInfo.totalPages){var w=b.parentNode;w.parentNode.removeChild(w)}else{reset()}})'
            '.catch(reset)},c.delay)});')
    return (f'<div class="{m("LoadMore_root", "mt-10 flex justify-center")}">'
            f'<button type="button" id="{button_id}" class="{m("LoadMore_button", "rounded-md border border-slate-300 px-6 py-2 text-sm font-semibold hover:border-red-700")}">{LOAD_MORE_LABEL}</button></div>'
            + _script(config, code))


def listing_data(site: Site, name: str, page: int):
    pages = site.listing_pages(name)
    if not 1 <= page <= pages:
        return None
    items = site.listing(name)[(page - 1) * PER_PAGE: page * PER_PAGE]
    return {"pageProps": {"posts": [_listing_post(site, s) for s in items],
                          "pageInfo": {"page": page, "totalPages": pages}}, "__N_SSG": True}


# -- the data route ---------------------------------------------------------------------------------

def data_route(site: Site, path: str):
    """(status, headers, body) for /_next/data/... when the site has script-filled pages, else None."""
    if not site.js_share:
        return None
    match = _DATA.fullmatch(path)
    if not match or match.group(1) not in BUILDS:
        return None  # a stale or unknown build: the caller answers 404, as Next.js does
    build, slug, page, article = match.groups()
    data = None
    if slug:
        cat = CATEGORIES_BY_SLUG.get(slug)
        if cat is not None and cat.name in site._listing:
            data = listing_data(site, cat.name, int(page))
    else:
        found = site.resolve(f"/{article}/")
        if found and found[0] == "article":
            data = related_data(site, site.stub(found[1]))
    if data is None:
        return None
    return 200, dict(JSON_HEADERS), json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
