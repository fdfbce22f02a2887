"""The replica's fault profile: the site as a hostile host serves it, deterministic, with its own oracle.

    python -m replica --faults hostile [--fault-seed 1] [--fault-timeout-seconds 12] [--stats-file PATH]

`--faults none` (the default) leaves the replica byte for byte as it is without this module.
Under `hostile`, a few articles of the step-0 site (2% each, at least 2 per kind, chosen by key
with `--fault-seed`; never an article with an alias, a page cut short by the site model or an
NFD page) are served with one fault each, and every page gets the site-wide hazards below.

Per article (`FaultProfile.kind_of`):
- transient, the article must still be exported:
  `server_error` the first 1-2 requests answer 500, 502 or 503, then 200;
  `rate_limited` the first request answers 429 with `Retry-After: 1`, then 200;
  `timeout`      the first request is answered only after `--fault-timeout-seconds` (12 s: more
                 than a 10 s download timeout), then 200 at once;
  `dropped`      the first request gets its headers with the full Content-Length, half the
                 body, and the connection closed; then 200.
- unservable to a crawler with sane bounds, each must be reported as failed:
  `always_500`   every request answers 500;
  `redirect_loop` /<slug>/ 302 -> /<slug>/amp/ 301 -> /<slug>/ ...;
  `too_large`    a valid article page padded with an inline script of random base64 to
                 12,000,000 bytes (over 8 MiB gzipped too): a crawler with an 8 MB size limit
                 cannot take it.
- content faults, the article must be exported with the same record as without faults:
  `cp1252`       the page in windows-1252 (`charset=windows-1252` header and meta); characters
                 outside windows-1252 become `&#N;` in HTML and `\\uXXXX` inside scripts, so the
                 decoded text and data are unchanged;
  `wrong_charset` UTF-8 bytes under `Content-Type: text/html; charset=iso-8859-1` with a correct
                 `<meta charSet="utf-8"/>`;
  `jsonld_broken` the JSON-LD block with a syntax error (a missing comma, a trailing comma), its
                 values true; `jsonld_wrong_types` the NewsArticle with wrong-typed values
                 (headline a number, author a deeply nested list, datePublished "not a date",
                 ...); `jsonld_deep` an extra JSON-LD block nested 6,000 levels deep before the
                 true one. Only on pages with every layer (JSON-LD, meta, Next.js data), so the
                 true values stay on the page.
- `truncated_html`: the page is served (200, with its Content-Length) cut inside a word about 60%
  of the way through the article body, with no closing tags; the record must exist with
  `truncated` true and its identity fields (url, title, category, published_at) right, and its
  body is what the cut page shows: a prefix of the full body (`FaultProfile.full_record`).
- `redirect_chain`: listings and previous/next links point to the old WordPress permalink
  /YYYY/MM/DD/<slug>/, which answers 301 -> /?p=<id> 302 -> /<slug> 308 -> /<slug>/.
  (Related blocks keep the true link, so no record's `related` changes.)
- `disallowed`: robots.txt disallows the article's path (besides `/category/trading/`): it must
  be neither fetched nor exported.

Site-wide:
- robots.txt adds `Disallow: /category/trading/`, the disallowed articles and `/__replica/`.
  Trading articles themselves stay allowed and reachable (home page, related and previous/next
  links, tags, sitemaps).
- After `</main>` on every HTML page, a "reader tools" block with `javascript:`, ` JavaScript:`,
  `data:`, `vbscript:`, `tel:` links, links to other hosts (plain, protocol-relative, a
  look-alike host, a userinfo trick, another port), two on-site /partner/ paths that redirect
  off-site, and the calendar traps' entries. Category listing first pages and the home page carry
  a sponsored card linking off-site; a third of article bodies link a few words off-site (the
  text is unchanged).
- Traps: the Trends listing never ends (every page from the last real one on links a next page;
  past the end, pages show the last real cards again or none); /archive/YYYY/MM/DD/ pages list
  the day's articles and link the previous and the next day, forever; /category/headlines/?date=
  YYYY-MM-DD does the same within Headlines. Every article stays reachable without any trap.

The server counts what it is asked for (`FaultLayer.stats()`): every request by path, requests
for robots-disallowed paths, for other hosts (absolute-URI proxy requests and CONNECT, when the
crawler's `http_proxy`/`https_proxy` point at the replica; `/offsite-trap/` paths asked of the
replica itself; foreign Host headers), for URLs made of `javascript:`/`data:` links, trap depth,
and a timed log of what each faulty path served. Read it at `GET /__replica/stats` (JSON; not
counted) or from `--stats-file` (rewritten at most every 0.2 s while serving, and on exit).
"""
from __future__ import annotations

import base64
import codecs
import hashlib
import json
import os
import re
import threading
import time
from datetime import date, datetime, timedelta, timezone
from random import Random
from urllib.parse import parse_qs, unquote, urlsplit

from . import feeds, pages
from . import words as W
from .markup import SITE_NAME, Styles, att, breadcrumb, document, esc, ld_json, social_meta
from .rules import SITE_ROOT
from .site import (CATEGORIES_BY_NAME, HIDDEN_CATEGORY, PER_PAGE, Site, head_profile, is_cut_short, is_nfd)

PROFILES = ("none", "hostile")
RATE = 0.02  # share of the step-0 articles per fault kind
MIN_PER_KIND = 2

TRANSIENT_KINDS = ("server_error", "rate_limited", "timeout", "dropped")
UNSERVABLE_KINDS = ("always_500", "redirect_loop", "too_large")
CONTENT_KINDS = ("truncated_html", "cp1252", "wrong_charset", "jsonld_broken", "jsonld_wrong_types", "jsonld_deep")
LINK_KINDS = ("redirect_chain", "disallowed")
# Kinds that need every data layer on the page are picked first, from pages that have them.
FULL_ONLY = ("jsonld_broken", "jsonld_wrong_types", "jsonld_deep", "truncated_html")
KINDS = FULL_ONLY + tuple(k for k in TRANSIENT_KINDS + UNSERVABLE_KINDS + CONTENT_KINDS + LINK_KINDS
                          if k not in FULL_ONLY)

UNSERVABLE_REASONS = {
    "always_500": "the page answers HTTP 500 to every request",
    "redirect_loop": "the page redirects in a loop (302 to /<slug>/amp/, which 301s back)",
    "too_large": "the page is 12,000,000 bytes (over 8 MiB gzipped): over any sane download size limit",
}
TRUNCATED_FIELDS = ("url", "id", "title", "category", "published_at", "truncated")
TOO_LARGE_BYTES = 12_000_000
DEEP_LEVELS = 3000  # {"x":[ ... ]} pairs: 6,000 levels of nesting
CUT_SHARE = 0.6

EVIL_HOST = "evil.example.com"
LOOKALIKE_HOST = "www.globalbankingandfinance.com.evil.example.com"
OFFSITE_PREFIX = "/offsite-trap/"
PARTNER_REDIRECTS = {  # on-site path: (status, off-site target)
    "/partner/acme-capital-offer/": (302, f"https://{EVIL_HOST}{OFFSITE_PREFIX}acme-capital-offer/"),
    "/partner/fx-bonus/": (301, f"http://globalbankingandfinance.com.{EVIL_HOST}{OFFSITE_PREFIX}fx-bonus/"),
}
SCRIPT_LINKS = ["javascript:void(0)", " JavaScript:openNewsletter('footer')",
                "data:text/html;base64,PGgxPkdCQUYgb2ZmbGluZTwvaDE+", "data:application/pdf;base64,JVBERi0xLjQK",
                'vbscript:msgbox("GBAF")', "tel:+442071234567"]
_BAD_SCHEME = re.compile(r"(?i)(?:^|/|%20|\s)(?:javascript|data|vbscript|tel)(?::|%3a)")
HTML_CT = "text/html; charset=utf-8"
ERROR_PAGES = {
    500: (HTML_CT, '<!DOCTYPE html><html><head><meta charSet="utf-8"/><title>500: Internal Server Error</title></head>'
                   '<body><div id="__next"><h1 class="next-error-h1">500</h1><h2>Internal Server Error.</h2></div></body></html>'),
    502: ("text/html", "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1>"
                       "</center><hr><center>cloudflare</center></body></html>"),
    503: ("text/html", "<html><head><title>503 Service Temporarily Unavailable</title></head><body><center>"
                       "<h1>503 Service Temporarily Unavailable</h1></center><hr><center>nginx</center></body></html>"),
    429: ("text/html", "<html><head><title>429 Too Many Requests</title></head><body><center>"
                       "<h1>429 Too Many Requests</h1></center><hr><center>nginx</center></body></html>"),
}

_ARCHIVE = re.compile(r"/archive/(\d{4})/(\d{2})/(\d{2})/")
_TRENDS = re.compile(r"/category/%s/(?:page/([1-9][0-9]{0,8})/)?" % CATEGORIES_BY_NAME[HIDDEN_CATEGORY].slug)
_LD_BLOCK = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.S)
_SCRIPT = re.compile(r"(<script\b[^>]*>)(.*?)(</script>)", re.S)


def _json_escape(err):
    """Codec error handler: characters the target charset lacks, as JSON/JS \\u escapes."""
    out = []
    for ch in err.object[err.start:err.end]:
        cp = ord(ch)
        if cp > 0xFFFF:
            cp -= 0x10000
            out.append("\\u%04x\\u%04x" % (0xD800 + (cp >> 10), 0xDC00 + (cp & 0x3FF)))
        else:
            out.append("\\u%04x" % cp)
    return "".join(out), err.end


codecs.register_error("replica-json-escape", _json_escape)


def encode_cp1252(html: str) -> bytes:
    """The page in windows-1252 with the same decoded text: char refs in markup, \\u escapes in scripts."""
    html = html.replace('<meta charSet="utf-8"/>', '<meta charset="windows-1252"/>', 1)
    out, pos = [], 0
    for m in _SCRIPT.finditer(html):
        out.append(html[pos:m.start(2)].encode("cp1252", "xmlcharrefreplace"))
        out.append(m.group(2).encode("cp1252", "replica-json-escape"))
        pos = m.end(2)
    out.append(html[pos:].encode("cp1252", "xmlcharrefreplace"))
    return b"".join(out)


def _day(ts: int) -> date:
    return datetime.fromtimestamp(ts, timezone.utc).date()


def _human_day(d: date) -> str:
    return f"{W.MONTHS[d.month - 1]} {d.day}, {d.year}"


class FaultProfile:
    """Which faults the replica serves where, and what a correct crawl of it yields (the oracle)."""

    def __init__(self, site: Site, name: str = "hostile", seed: int = 1):
        if name not in PROFILES:
            raise ValueError(f"unknown fault profile {name!r} (known: {', '.join(PROFILES)})")
        self.site, self.name, self.seed = site, name, seed
        self.kind_of: dict = {}
        if name == "hostile":
            self._choose()
        self._by_path = {site.stub(k).path: k for k in self.kind_of}
        self._chains = {}   # old path -> key
        self._by_post_id = {}
        for k in self.keys("redirect_chain"):
            s = site.stub(k)
            d = _day(s.pub)
            self._chains[f"/{d.year}/{d.month:02d}/{d.day:02d}/{s.slug}/"] = k
            self._by_post_id[str(400000 + k * 7)] = k
        self._loop_back = {site.stub(k).path + "amp/": k for k in self.keys("redirect_loop")}
        self._chain_href = None
        chain_slugs = [site.stub(k).slug for k in self.keys("redirect_chain")]
        if chain_slugs:
            alt = "|".join(re.escape(s) for s in chain_slugs)
            self._chain_href = re.compile(r'<a href="(%s)?/(%s)/"( rel="(?:prev|next)")?' % (re.escape(SITE_ROOT), alt))
        self._old_path = {site.stub(k).slug: p for p, k in self._chains.items()}
        self._days: dict = {}
        self._headline_days: dict = {}
        for s in site.stubs_newest_first():
            if s.key >= site.n_base or s.cat == HIDDEN_CATEGORY:
                continue
            self._days.setdefault(_day(s.pub), []).append(s)
        for s in site.listing("Headlines"):
            self._headline_days.setdefault(_day(s.pub), []).append(s)
        newest = [s for s in site.stubs_newest_first() if s.cat != HIDDEN_CATEGORY]
        self.today = _day(newest[0].pub) if newest else _day(site.stub(0).pub)
        self._disallow = ["/admin/", "/api/", "/__replica/"]
        if self.enabled:
            self._disallow += ["/category/trading/"] + [site.stub(k).path for k in self.keys("disallowed")]

    # -- the choice ----------------------------------------------------------------------------

    @property
    def enabled(self) -> bool:
        return self.name != "none"

    def _choose(self) -> None:
        site = self.site
        n = site.n_base
        per_kind = max(MIN_PER_KIND, round(RATE * n))

        def order(k):
            return hashlib.sha256(f"gbaf-faults:{self.seed}:{site.seed}:{k}".encode()).hexdigest()

        pool = sorted((k for k in range(n) if site.stub(k).alias is None and not is_cut_short(k) and not is_nfd(k)),
                      key=order)
        for kind in KINDS:
            taken = 0
            for k in pool:
                if taken >= per_kind:
                    break
                if k in self.kind_of or (kind in FULL_ONLY and head_profile(k) != "full"):
                    continue
                self.kind_of[k] = kind
                taken += 1

    def keys(self, kind: str) -> list:
        return sorted(k for k, v in self.kind_of.items() if v == kind)

    def kind_at(self, path: str):
        """The fault kind of an article path (`/<slug>/`), or None."""
        key = self._by_path.get(path)
        return self.kind_of[key] if key is not None else None

    def url(self, key: int) -> str:
        return self.site.stub(key).url

    # -- the oracle ----------------------------------------------------------------------------

    def full_record(self, url: str) -> dict:
        """The record of the article as the site model states it, faults aside."""
        return self.site.expected_by_url()[url]

    def expected_records(self) -> list:
        """What a correct crawl under this profile must export, sorted by url.

        Every article but the unservable and the robots-disallowed ones. Truncated pages give
        only TRUNCATED_FIELDS (with truncated true): the rest is what the cut page shows.
        """
        out = []
        drop = {self.url(k) for k in self.kind_of if self.kind_of[k] in UNSERVABLE_KINDS + ("disallowed",)}
        cut = set(self.truncated_urls())
        for record in self.site.expected_records():
            if record["url"] in drop:
                continue
            if record["url"] in cut:
                record = {f: record[f] for f in TRUNCATED_FIELDS}
                record["truncated"] = True
            out.append(record)
        return out

    def expected_by_url(self) -> dict:
        return {r["url"]: r for r in self.expected_records()}

    def unservable_urls(self) -> dict:
        """{canonical url: {"kind", "reason", "paths"}}: articles that must be reported as failed for good.

        `paths` are the on-site paths a report may name for it (the loop has two).
        """
        out = {}
        for k, kind in self.kind_of.items():
            if kind in UNSERVABLE_KINDS:
                path = self.site.stub(k).path
                paths = [path, path + "amp/"] if kind == "redirect_loop" else [path]
                out[self.url(k)] = {"kind": kind, "reason": UNSERVABLE_REASONS[kind], "paths": paths}
        return dict(sorted(out.items()))

    def transient_urls(self) -> dict:
        """{canonical url: {"kind", "failures": [what the first requests get]}}; then 200."""
        out = {}
        for k, kind in self.kind_of.items():
            if kind in TRANSIENT_KINDS:
                out[self.url(k)] = {"kind": kind, "failures": self.transient_failures(k)}
        return dict(sorted(out.items()))

    def transient_failures(self, key: int) -> list:
        kind = self.kind_of.get(key)
        if kind == "server_error":
            return [(500, 502, 503)[key % 3]] * (1 + key % 2)
        if kind == "rate_limited":
            return [429]
        if kind == "timeout":
            return ["timeout"]
        if kind == "dropped":
            return ["dropped"]
        return []

    def truncated_urls(self) -> list:
        return sorted(self.url(k) for k in self.keys("truncated_html"))

    def content_fault_urls(self) -> dict:
        """{canonical url: kind} for pages served with a content fault whose record is unchanged."""
        return dict(sorted((self.url(k), kind) for k, kind in self.kind_of.items()
                           if kind in CONTENT_KINDS and kind != "truncated_html"))

    def disallowed_paths(self) -> list:
        """The Disallow rules of the faulty robots.txt (prefixes; `/api/*` as `/api/`)."""
        return list(self._disallow)

    def disallowed_urls(self) -> list:
        """Articles robots.txt disallows: neither fetched nor exported."""
        return sorted(self.url(k) for k in self.keys("disallowed"))

    def is_disallowed(self, path: str) -> bool:
        return any(path.startswith(rule) for rule in self._disallow)

    def redirect_chains(self) -> dict:
        """{old path: [hop, hop, hop, final path]} for the redirect_chain articles."""
        out = {}
        for old, k in self._chains.items():
            s = self.site.stub(k)
            out[old] = [f"/?p={400000 + k * 7}", f"/{s.slug}", s.path]
        return out

    def redirect_loops(self) -> dict:
        return {self.site.stub(k).path: self.site.stub(k).path + "amp/" for k in self.keys("redirect_loop")}

    def offsite_redirects(self) -> dict:
        return {p: t for p, (_s, t) in PARTNER_REDIRECTS.items()} if self.enabled else {}

    def offsite_hosts(self) -> list:
        return [EVIL_HOST, LOOKALIKE_HOST, f"globalbankingandfinance.com.{EVIL_HOST}"] if self.enabled else []

    def offsite_urls(self) -> list:
        """Every off-site URL the pages link or redirect to (none may be fetched)."""
        if not self.enabled:
            return []
        slug = self.site.stub(0).slug
        return sorted({f"https://{EVIL_HOST}{OFFSITE_PREFIX}sponsored/", f"https://{EVIL_HOST}{OFFSITE_PREFIX}promo/",
                       f"https://{LOOKALIKE_HOST}{OFFSITE_PREFIX}{slug}/",
                       f"https://www.globalbankingandfinance.com@{EVIL_HOST}{OFFSITE_PREFIX}login/",
                       f"http://{EVIL_HOST}:8080{OFFSITE_PREFIX}port/", f"https://{EVIL_HOST}{OFFSITE_PREFIX}body/"}
                      | set(self.offsite_redirects().values()))

    def trap_entry_points(self) -> dict:
        if not self.enabled:
            return {}
        n = self.site.listing_pages(HIDDEN_CATEGORY)
        d = self.today
        return {"pagination": f"{CATEGORIES_BY_NAME[HIDDEN_CATEGORY].path}page/{n + 1}/",
                "calendar": f"/archive/{d.year}/{d.month:02d}/{d.day:02d}/",
                "date_query": f"/category/headlines/?date={d.isoformat()}"}

    def script_links(self) -> list:
        return list(SCRIPT_LINKS) if self.enabled else []

    def describe(self) -> dict:
        """Everything above as one JSON-able dict (python -m replica --dump-faults)."""
        by_kind = {kind: [self.site.stub(k).path for k in self.keys(kind)] for kind in KINDS}
        return {"profile": self.name, "fault_seed": self.seed, "articles": self.site.n_base,
                "per_kind": by_kind, "unservable": self.unservable_urls(), "transient": self.transient_urls(),
                "truncated": self.truncated_urls(), "content": self.content_fault_urls(),
                "disallowed_paths": self.disallowed_paths(), "redirect_chains": self.redirect_chains(),
                "redirect_loops": self.redirect_loops(), "offsite_redirects": self.offsite_redirects(),
                "offsite_urls": self.offsite_urls(), "traps": self.trap_entry_points(),
                "script_links": self.script_links(), "expected_records": len(self.expected_records())}

    # -- steady-state rendering (what every request gets once transient faults are over) -----------

    def robots_txt(self) -> str:
        text = feeds.robots()
        if not self.enabled:
            return text
        extra = "".join(f"Disallow: {rule}\n" for rule in self._disallow if rule not in ("/admin/", "/api/"))
        return text.replace("Disallow: /api/*\n", "Disallow: /api/*\n" + extra, 1)

    def render(self, path_with_query: str, *, encode: bool = True):
        """(status, headers, body) of a path as the faulty site serves it in steady state."""
        return self._render(path_with_query, encode=encode)[:3]

    def _render(self, path_with_query: str, *, encode: bool = True):
        """(status, headers, body, trap) where trap is (kind, depth) for trap pages, else None."""
        site = self.site
        if not self.enabled:
            return (*site.render(path_with_query), None)
        parts = urlsplit(path_with_query)
        path, query = unquote(parts.path) or "/", parts.query
        if path == "/robots.txt":
            return 200, {"Content-Type": "text/plain; charset=utf-8"}, self.robots_txt().encode(), None
        if path in PARTNER_REDIRECTS:
            status, target = PARTNER_REDIRECTS[path]
            return status, {"Location": target, "Content-Type": "text/plain; charset=utf-8"}, target.encode(), None
        if path in self._chains:
            k = self._chains[path]
            target = f"/?p={400000 + k * 7}"
            return 301, {"Location": target, "Content-Type": "text/plain; charset=utf-8"}, target.encode(), None
        if path == "/" and query:
            p = parse_qs(query).get("p", [None])[0]
            if p in self._by_post_id:
                target = f"/{site.stub(self._by_post_id[p]).slug}"
                return 302, {"Location": target, "Content-Type": "text/plain; charset=utf-8"}, target.encode(), None
        if path in self._loop_back:
            target = site.stub(self._loop_back[path]).path
            return 301, {"Location": target, "Content-Type": "text/plain; charset=utf-8"}, target.encode(), None
        kind = self.kind_at(path)
        if kind == "redirect_loop":
            target = path + "amp/"
            return 302, {"Location": target, "Content-Type": "text/plain; charset=utf-8"}, target.encode(), None
        if kind == "always_500":
            ct, text = ERROR_PAGES[500]
            return 500, {"Content-Type": ct, "Cache-Control": "private, no-cache, no-store, max-age=0, must-revalidate"}, \
                text.encode(), None

        trap, html = None, None
        m = _TRENDS.fullmatch(path)
        if m:
            page = int(m.group(1) or 1)
            real = site.listing_pages(HIDDEN_CATEGORY)
            if page >= real and m.group(1) != "1":
                html, trap = self._trends_page(page, real), ("pagination", page - real)
        m = _ARCHIVE.fullmatch(path)
        if m:
            d = self._date(*m.groups())
            if d is not None:
                html, trap = self._day_page(d, None), ("calendar", (self.today - d).days)
        if path == "/category/headlines/" and "date=" in query:
            value = parse_qs(query).get("date", [""])[0]
            d = self._date(*value.split("-")) if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value) else None
            if d is not None:
                html, trap = self._day_page(d, "Headlines"), ("date_query", (self.today - d).days)
        if html is not None:
            status, headers, body = 200, dict(pages_headers()), html.encode("utf-8")
        else:
            status, headers, body = site.render(path_with_query)
        if status != 200 or not headers.get("Content-Type", "").startswith("text/html"):
            return status, headers, body, trap
        html = body.decode("utf-8")
        found = site.resolve(path) if path.endswith("/") else None
        key = found[1] if found and found[0] == "article" else None
        html = self._hazards(html, path, key)
        if key is not None and kind in CONTENT_KINDS + ("too_large",):
            return (*self._content_fault(kind, key, html, headers, encode), trap)
        return status, headers, html.encode("utf-8"), trap

    @staticmethod
    def _date(y, m, d):
        try:
            return date(int(y), int(m), int(d))
        except ValueError:
            return None

    # -- page hazards --------------------------------------------------------------------------

    def _hazards(self, html: str, path: str, key) -> str:
        """Site-wide hazards of an HTML page: tools block, chain links, off-site links."""
        if self._chain_href is not None:
            def old(m):
                if key is not None and not m.group(3):
                    return m.group(0)  # in an article only previous/next links move (related stays true)
                return f'<a href="{m.group(1) or ""}{self._old_path[m.group(2)]}"{m.group(3) or ""}'
            html = self._chain_href.sub(old, html)
        if key is not None and key % 3 == 1:
            html = _link_words_offsite(html)
        listing_first = (path == "/" or (path.startswith(("/category/", "/tag/")) and "/page/" not in path))
        if listing_first and key is None:
            html = _sponsored_card(html, self.site.stub(0).slug)
        return html.replace("</main>", "</main>" + self._tools_block(), 1)

    def _tools_block(self) -> str:
        d = self.today
        items = [f'<li><a href="{att(href)}">{label}</a></li>' for href, label in zip(SCRIPT_LINKS, (
            "Print this page", "Newsletter sign-up", "Offline edition", "Download PDF", "Legacy alert",
            "Call the newsroom"))]
        items += [f'<li><a href="/archive/{d.year}/{d.month:02d}/{d.day:02d}/">Archive</a></li>',
                  f'<li><a href="/category/headlines/?date={d.isoformat()}">Headlines by date</a></li>',
                  '<li><a href="/partner/acme-capital-offer/">Acme Capital: open an account</a></li>',
                  '<li><a href="/partner/fx-bonus/">FX bonus for new traders</a></li>',
                  f'<li><a href="https://www.globalbankingandfinance.com@{EVIL_HOST}{OFFSITE_PREFIX}login/">Reader login</a></li>',
                  f'<li><a href="http://{EVIL_HOST}:8080{OFFSITE_PREFIX}port/">Partner portal</a></li>']
        return ('<aside aria-label="Reader tools" class="mx-auto max-w-screen-xl px-4 py-6 text-sm">'
                f'<ul class="flex flex-wrap gap-4">{"".join(items)}</ul></aside>')

    def _trends_page(self, page: int, real: int) -> str:
        site = self.site
        cat = CATEGORIES_BY_NAME[HIDDEN_CATEGORY]
        m = Styles(site.step)
        last = site.listing(cat.name)[(real - 1) * PER_PAGE: real * PER_PAGE]
        items = last if page == real or (page - real) % 2 == 1 else []
        cards = "".join(pages._card(site, m, s, real + i) for i, s in enumerate(items))  # the same cards again
        total = page + 1
        return pages._listing_document(
            site, m, title=f"{cat.name} - Page {page} of {total} | {SITE_NAME}", heading=cat.name,
            intro=f"The latest {cat.name.lower()} news, analysis and opinion from {SITE_NAME}.", base=cat.path,
            page=page, pages=total, cards=cards, crumbs=[("Home", "/"), (cat.name, cat.path)],
            posts_props=[pages._post_card(site, s) for s in items])

    def _day_page(self, d: date, category) -> str:
        site = self.site
        m = Styles(site.step)
        if category:
            base = CATEGORIES_BY_NAME[category].path
            items = self._headline_days.get(d, [])

            def href(day):
                return f"{base}?date={day.isoformat()}"
            title, crumbs = f"{category}: {_human_day(d)}", [("Home", "/"), (category, base), (_human_day(d), None)]
        else:
            items = self._days.get(d, [])

            def href(day):
                return f"/archive/{day.year}/{day.month:02d}/{day.day:02d}/"
            title, crumbs = f"Archive: {_human_day(d)}", [("Home", "/"), ("Archive", None), (_human_day(d), None)]
        prev_day = d - timedelta(days=1) if d > date(1, 1, 1) else None
        next_day = d + timedelta(days=1) if d < date(9999, 12, 31) else None
        head = f'<link rel="canonical" href="{att(SITE_ROOT + href(d))}"/>'
        nav = []
        if prev_day:
            head += f'<link rel="prev" href="{att(SITE_ROOT + href(prev_day))}"/>'
            nav.append(f'<a href="{att(href(prev_day))}" rel="prev" class="px-3 py-2">« {_human_day(prev_day)}</a>')
        if next_day:
            head += f'<link rel="next" href="{att(SITE_ROOT + href(next_day))}"/>'
            nav.append(f'<a href="{att(href(next_day))}" rel="next" class="px-3 py-2">{_human_day(next_day)} »</a>')
        head += social_meta(og_type="website", title=f"{title} | {SITE_NAME}", description=None,
                            url=SITE_ROOT + href(d), image=None)
        cards = "".join(pages._card(site, m, s, i) for i, s in enumerate(items)) or \
            '<p class="text-slate-500">No articles were published on this day.</p>'
        body = (f'<div class="{m("Layout_container", "mx-auto max-w-screen-xl px-4 py-8 sm:px-6 lg:px-8")}">'
                f'{breadcrumb(m, crumbs, d.day)}<header class="mb-8"><h1 class="font-serif text-4xl font-bold">{esc(title)}</h1></header>'
                f'<div class="{m("Listing_grid", "grid gap-6 sm:grid-cols-2 lg:grid-cols-3")}">{cards}</div>'
                f'<nav aria-label="Archive navigation" class="mt-10 flex justify-between">{"".join(nav)}</nav></div>')
        return document(m, lang="en-GB", title=f"{title} | {SITE_NAME}", head=head, body=body,
                        route="/archive/[...date]", next_data=None, app_router=True)

    # -- per-article content faults ---------------------------------------------------------------

    def _content_fault(self, kind: str, key: int, html: str, headers: dict, encode: bool):
        headers = dict(headers)
        if kind == "jsonld_broken":
            html = _LD_BLOCK.sub(lambda m: m.group(0).replace(m.group(1), _break_json(m.group(1))), html, count=1)
        elif kind == "jsonld_wrong_types":
            html = _LD_BLOCK.sub(lambda m: m.group(0).replace(m.group(1), _wrong_types(m.group(1))), html, count=1)
        elif kind == "jsonld_deep":
            deep = '{"@context":"https://schema.org","@graph":[' + '{"x":[' * DEEP_LEVELS + "0" + "]}" * DEEP_LEVELS + "]}"
            i = html.index('<script type="application/ld+json">')
            html = html[:i] + f'<script type="application/ld+json">{deep}</script>' + html[i:]
        elif kind == "truncated_html":
            html = html[:cut_point(html)]
        elif kind == "too_large":
            html = _pad(html, key, self.seed)
        if kind == "cp1252" and encode:
            headers["Content-Type"] = "text/html; charset=windows-1252"
            return 200, headers, encode_cp1252(html)
        if kind == "wrong_charset":
            headers["Content-Type"] = "text/html; charset=iso-8859-1"
        return 200, headers, html.encode("utf-8")


def pages_headers() -> dict:
    from .routes import PAGE_HEADERS
    return PAGE_HEADERS


def _break_json(text: str) -> str:
    """A syntax error that loses no value: a missing comma and a trailing comma."""
    broken = text.replace(',"description":', ' "description":', 1)
    return broken[:-2] + ",]}" if broken.endswith("]}") else broken + ","


def _wrong_types(text: str) -> str:
    data = json.loads(text)
    for node in data.get("@graph", []):
        if node.get("@type") in ("NewsArticle", "Article"):
            node["headline"] = 404
            node["description"] = None
            node["datePublished"] = "not a date"
            if "dateModified" in node:
                node["dateModified"] = "31/02/2026"
            authors = node.get("author")
            if authors is not None:
                nested = authors if isinstance(authors, list) else [authors]
                for _ in range(12):
                    nested = [nested]
                node["author"] = nested
            node["articleSection"] = 7
            node["keywords"] = {"list": False}
            node["image"] = 12
            node["inLanguage"] = 42
            if "timeRequired" in node:
                node["timeRequired"] = True
    return ld_json(data)


def _pad(html: str, key: int, seed: int) -> str:
    """The page padded to TOO_LARGE_BYTES with incompressible inline state (random base64)."""
    head = '<script>self.__PRELOADED_STATE__="'
    tail = '";</script>'
    need = TOO_LARGE_BYTES - len(html.encode("utf-8")) - len(head) - len(tail)
    raw = Random(f"gbaf-faults:{seed}:{key}:pad").randbytes(need * 3 // 4 + 3)
    blob = base64.b64encode(raw).decode("ascii")[:need]
    return html.replace("</body>", head + blob + tail + "</body>", 1)


def body_span(html: str):
    """(start, end) of the article body's HTML in a page, or None."""
    anchor = html.find('class="ArticleBody_content__')
    if anchor < 0:
        return None
    start = html.index(">", anchor) + 1
    ends = [i for i in (html.find("<section", start), html.find("<aside", start), html.find("</article>", start))
            if i > 0]
    return start, min(ends)


def cut_point(html: str) -> int:
    """Where a truncated page is cut: inside a word about CUT_SHARE of the way through the article body."""
    start, end = body_span(html)
    target = start + int(CUT_SHARE * (end - start))
    for floor in (target, start):
        for m in re.finditer(r">([^<>]+)<", html[start:end]):
            node = m.group(1)
            if start + m.end(1) <= floor or node.strip() == "Advertisement":
                continue
            for w in re.finditer(r"(?<![&#\w])[A-Za-z]{5,}", node):
                pos = start + m.start(1) + w.start()
                if pos >= floor:
                    return pos + 2
    raise ValueError("no word to cut the body at")


def _link_words_offsite(html: str) -> str:
    """Wrap the first words of a plain body paragraph (not the first) in a link to another host."""
    span = body_span(html)
    if span is None:
        return html
    seen = 0
    for m in re.finditer(r"<p>([^<&]{40,}?)</p>", html[span[0]:span[1]]):
        text = m.group(1)
        if text.lstrip().startswith("By ") or re.search(r"\((?:Reuters|AFP|AP)\)", text):
            continue  # never the byline or the dateline paragraph
        seen += 1
        cut = [i for i, ch in enumerate(text) if ch == " "]
        if seen < 2 or len(cut) < 4:
            continue
        i = span[0] + m.start(1)
        j = i + cut[2]
        link = f'<a href="https://{EVIL_HOST}{OFFSITE_PREFIX}body/">'
        return html[:i] + link + html[i:j] + "</a>" + html[j:]
    return html


def _sponsored_card(html: str, slug: str) -> str:
    anchor = html.find('class="Listing_grid__')
    if anchor < 0:
        return html
    i = html.index(">", anchor) + 1
    card = ('<article class="sponsored group relative flex flex-col rounded-lg bg-amber-50 p-4">'
            '<span class="text-xs uppercase tracking-wide text-amber-700">Sponsored</span>'
            f'<h3 class="mt-2 text-lg font-bold"><a href="https://{EVIL_HOST}{OFFSITE_PREFIX}sponsored/">'
            'Open a high-yield savings account today</a></h3>'
            f'<a href="//{EVIL_HOST}{OFFSITE_PREFIX}promo/" class="text-sm">Learn more</a> '
            f'<a href="https://{LOOKALIKE_HOST}{OFFSITE_PREFIX}{slug}/" class="text-sm">Read the full story</a></article>')
    return html[:i] + card + html[i:]


class FaultLayer:
    """The server side of a profile: attempt counts, sleeps, dropped connections, counters.

    `render(handler)` answers one request (the server sends what it returns); it may sleep, and
    sets `handler.drop_mid_body` when the server must close the connection after half the body.
    """

    def __init__(self, profile: FaultProfile, *, timeout_seconds: float = 12.0, stats_file=None,
                 local_hosts=("127.0.0.1", "localhost", "::1")):
        self.profile = profile
        self.timeout_seconds = timeout_seconds
        self.stats_file = stats_file
        self.local_hosts = {h.lower() for h in local_hosts}
        self._lock = threading.Lock()
        self._write_lock = threading.Lock()
        self._t0 = time.monotonic()
        self._last_write = 0.0
        self._attempts: dict = {}
        self._stats = {"profile": profile.name, "fault_seed": profile.seed, "requests": 0, "by_status": {},
                       "paths": {}, "disallowed": {}, "offsite": {}, "live_site": {}, "bad_scheme": {},
                       "events": {}, "traps": {}}

    # -- counters ------------------------------------------------------------------------------

    def _inc(self, table: str, key: str) -> None:
        t = self._stats[table]
        t[key] = t.get(key, 0) + 1


    def stats(self) -> dict:
        with self._lock:
            return json.loads(json.dumps(self._stats))

    def write_stats(self) -> None:
        if not self.stats_file:
            return
        with self._write_lock:
            data = json.dumps(self.stats(), indent=1, sort_keys=True)
            tmp = f"{self.stats_file}.{os.getpid()}.tmp"
            with open(tmp, "w", encoding="utf-8") as f:
                f.write(data)
            os.replace(tmp, self.stats_file)
            self._last_write = time.monotonic()

    def close(self) -> None:
        self.write_stats()

    def _maybe_write(self) -> None:
        if self.stats_file and time.monotonic() - self._last_write > 0.2:
            self.write_stats()

    # -- requests ------------------------------------------------------------------------------

    def _foreign(self, host, absolute: bool) -> bool:
        """An absolute-URI (proxy) request for a host that is not the replica's, or a known foreign Host header."""
        if not host:
            return False
        host = host.lower().strip("[]")
        if absolute:
            return host not in self.local_hosts
        return host in self.profile.offsite_hosts() or host == urlsplit(SITE_ROOT).hostname

    def connect(self, handler) -> None:
        """CONNECT host:port (an https request sent through the replica as proxy): counted, refused."""
        target = handler.path
        host = target.rsplit(":", 1)[0].lower()
        with self._lock:
            self._stats["requests"] += 1
            self._inc("live_site" if host == urlsplit(SITE_ROOT).hostname else "offsite", f"CONNECT {target}")
            self._inc("by_status", "403")
        self._maybe_write()
        handler.send_response(403)
        handler.send_header("Content-Length", "0")
        handler.send_header("Connection", "close")
        handler.end_headers()
        handler.close_connection = True

    def render(self, handler):
        raw = handler.path
        parts = urlsplit(raw)
        path = unquote(parts.path) or "/"
        local_target = parts.path + (f"?{parts.query}" if parts.query else "")
        host_header = (handler.headers.get("Host") or "").rsplit(":", 1)[0] if handler.headers.get("Host") else ""
        if path == "/__replica/stats" and not parts.hostname:
            return 200, {"Content-Type": "application/json", "Cache-Control": "no-store"}, \
                json.dumps(self.stats(), sort_keys=True).encode()
        with self._lock:
            self._stats["requests"] += 1
            self._inc("paths", raw)
            if self._foreign(parts.hostname, True) or self._foreign(host_header, False):
                host = parts.hostname or host_header
                self._inc("live_site" if host == urlsplit(SITE_ROOT).hostname else "offsite",
                          raw if parts.hostname else f"Host: {host_header} {raw}")
                self._inc("by_status", "403")
                foreign = True
            else:
                foreign = False
                if path.startswith(OFFSITE_PREFIX):
                    self._inc("offsite", f"rewritten to the replica: {raw}")
                if self.profile.is_disallowed(path):
                    self._inc("disallowed", local_target)
                if _BAD_SCHEME.search(raw):
                    self._inc("bad_scheme", raw)
                kind = self.profile.kind_at(path)
                attempt = self._attempts[path] = self._attempts.get(path, 0) + 1
        if foreign:
            self._maybe_write()
            return 403, {"Content-Type": "text/plain; charset=utf-8", "Connection": "close"}, \
                b"The replica refuses requests for other hosts."

        answer, what = None, None
        failures = self.profile.transient_failures(self.profile._by_path[path]) if kind in TRANSIENT_KINDS else []
        if attempt <= len(failures):
            what = failures[attempt - 1]
            if isinstance(what, int):
                ct, text = ERROR_PAGES[what]
                headers = {"Content-Type": ct, "Cache-Control": "no-store"}
                if what == 429:
                    headers["Retry-After"] = "1"
                answer = (what, headers, text.encode())
        tracked = kind is not None or path in self.profile._chains or path in self.profile._loop_back
        event = None
        if tracked:  # [seconds since start at arrival, status sent (None while waiting), "timeout"/"dropped" if so]
            event = [round(time.monotonic() - self._t0, 3), None] + ([what] if what in ("timeout", "dropped") else [])
            with self._lock:
                self._stats["events"].setdefault(path, []).append(event)
        if what == "timeout":
            time.sleep(self.timeout_seconds)
        elif what == "dropped":
            handler.drop_mid_body = True
        if answer is None:
            status, headers, body, trap = self.profile._render(local_target)
            answer = (status, headers, body)
            if trap:
                with self._lock:
                    t = self._stats["traps"].setdefault(trap[0], {"requests": 0, "max_depth": 0, "min_depth": 0})
                    t["requests"] += 1
                    t["max_depth"] = max(t["max_depth"], trap[1])
                    t["min_depth"] = min(t["min_depth"], trap[1])
        with self._lock:
            self._inc("by_status", str(answer[0]))
            if event is not None:
                event[1] = answer[0]
        self._maybe_write()
        return answer
