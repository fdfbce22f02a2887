"""Rendering JavaScript-filled pages (scrapy-playwright), only where the static HTML needs it.

The spider asks the renderer about every article and listing response; it answers with a request
that renders the page in Chromium and waits for the block the script fills, or None to keep the
static HTML. The rendered page goes through the same callback and parser.

`GBAF_RENDER`:
  auto    (default) render a page only when its static HTML shows that a needed block is filled
          by script: an article's "More from ..." heading whose block holds no article link
          (`related_empty`); an article page with no body text in its HTML nor in its JSON data
          (`shell`); a listing with a "Load more"/"Show more" button and no next-page link
          (`load_more`). The rendering request waits for that block (a condition on the visible
          heading and its links, or on the body text), never for a fixed delay; for "Load more"
          it clicks until the button is gone (at most `GBAF_RENDER_MAX_CLICKS` clicks).
  always  render every article and listing page (waiting as above where a block is missing).
  never   read static HTML only.
The detection rules look at what a reader sees (headings, links, button labels), not at class
names.

Wiring: `RenderAddon` (in ADDONS) enables scrapy-playwright's download handler, for the scheme of
`GBAF_BASE_URL`, only when rendering is on and Chromium exists at `GBAF_CHROMIUM_PATH` (Debian's
/usr/bin/chromium; Playwright cannot download browsers here); only requests with meta
`playwright=True` go through the browser, the others through Scrapy's own HTTP handler.
Images, fonts and media are aborted (`abort_request`). `RenderContextMiddleware` bounds the
browser: at most `GBAF_RENDER_MAX_CONTEXTS` contexts of `GBAF_RENDER_MAX_PAGES` pages each, every
page closed after use, and a context closed and replaced after `GBAF_RENDER_PAGES_PER_CONTEXT`
pages, so a long run does not grow the browser's memory. A rendering that fails (browser gone,
timeout) falls back to the static page, so the record is not lost.

When rendering is unavailable (never, no Chromium, the browser fails to launch) the crawl goes on
with static HTML and logs one warning at the end: how many pages could not be rendered and why.

Stats: `render/requests/<reason>`, `render/pages` (rendered responses parsed),
`render/pages/<reason>`, `render/incomplete/<reason>` (rendered, but the block never came),
`render/failed/<error>`, `render/unavailable/<reason>`, `render/load_more/clicks`.
"""
from __future__ import annotations

import logging
import os
import re
from collections import defaultdict
from collections.abc import Callable
from importlib.util import find_spec
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy.utils.misc import load_object

from crawler.defaults import setting
from crawler.text import word_count
from crawler.urls import kind_of_url

if TYPE_CHECKING:
    from lxml.html import HtmlElement
    from playwright.async_api import Page
    from scrapy import Request, Spider
    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from scrapy.settings import BaseSettings
    from scrapy.statscollectors import StatsCollector

    from crawler.article import ArticlePage

logger = logging.getLogger(__name__)

MODES = ("auto", "always", "never")
HANDLER = "scrapy_playwright.handler.ScrapyPlaywrightDownloadHandler"
ABORTED_RESOURCES = frozenset({"image", "font", "media"})
LOAD_MORE_TEXT = re.compile(r"^\s*(?:load|show|view)\s+more\b", re.I)
# A shell: an article page with fewer words of body text than this in its HTML and its data.
SHELL_WORDS = 20
# Meta keys of the static request that must not follow the page into its rendering request.
_DROPPED_META = ("retry_times", "download_latency", "playwright_page_methods", "gbaf_render_failed")

# --- conditions evaluated in the page: visible headings, links and text, no class names --------
_JS_RELATED = r"""
function gbafRelatedState() {
  const label = /^\s*(more from\b|related (articles|stories|posts|news|content)\b|you (may|might) also like\b|more stories\b)/i;
  const tags = "h2,h3,h4,h5,h6,[role=heading],div,span,p,strong,b,header,summary";
  const heads = Array.from(document.querySelectorAll(tags)).filter(el => {
    if (el.closest("nav, footer, [role=navigation]")) return false;
    const own = Array.from(el.childNodes).filter(n => n.nodeType === 3).map(n => n.textContent).join(" ").trim();
    const text = /^H[1-6]$/.test(el.tagName) ? el.innerText.trim() : own;
    return text.length > 0 && text.length < 160 && label.test(text);
  });
  if (!heads.length) return "none";
  const isArticleLink = a => {
    if (a.closest("nav") || /\b(prev|next)\b/i.test(a.rel || "")) return false;
    try {
      const u = new URL(a.getAttribute("href"), location.href);
      const parts = u.pathname.split("/").filter(Boolean);
      return parts.length === 1 && !/^(category|tag|page|search)$/i.test(parts[0]);
    } catch (e) { return false; }
  };
  for (const h of heads) {
    let block = h.closest("section, aside, [role=region]");
    if (!block || block.querySelector("h1")) block = h.parentElement && h.parentElement.parentElement;
    if (block && !block.querySelector("h1") &&
        Array.from(block.querySelectorAll("a[href]")).some(isArticleLink)) return "filled";
  }
  return "empty";
}
"""
JS_RELATED_FILLED = "() => {" + _JS_RELATED + "return gbafRelatedState() === 'filled';}"
JS_BODY_SHOWN = r"""() => {
  const h1 = document.querySelector("h1");
  const root = document.querySelector("article") || document.querySelector("main") || document.body;
  const words = Array.from(root.querySelectorAll("p")).map(p => p.innerText).join(" ").split(/\s+/).filter(Boolean).length;
  return !!h1 && words >= 60;
}"""
JS_BODY_AND_RELATED = ("() => {" + _JS_RELATED + "return (" + JS_BODY_SHOWN + ")() && "
                       "gbafRelatedState() !== 'empty';}")
JS_LINK_COUNT = "() => document.querySelectorAll('a[href]').length"
JS_LINKS_GREW = "(before) => document.querySelectorAll('a[href]').length > before"


# --- page methods (run by scrapy-playwright in the page, module-level so requests pickle) ---------
async def wait_until(page: Page, condition: str, wait_ms: int) -> bool:
    """Wait for a condition on the page's visible content; False (not an error) when it never holds,
    so the page is still parsed with what it shows."""
    from playwright.async_api import TimeoutError as PlaywrightTimeout
    try:
        await page.wait_for_function(condition, timeout=wait_ms)
        return True
    except PlaywrightTimeout:
        return False


async def click_load_more(page: Page, max_clicks: int, wait_ms: int) -> dict[str, Any]:
    """Click the "Load more" button until it is gone (or max_clicks), each time waiting for new links."""
    from playwright.async_api import TimeoutError as PlaywrightTimeout
    button = page.locator("button, [role=button], a:not([href])").filter(has_text=LOAD_MORE_TEXT)
    clicks = 0
    while True:
        if not await button.count() or not await button.first.is_visible():
            return {"clicks": clicks, "done": True}
        if clicks >= max_clicks:
            return {"clicks": clicks, "done": False}
        before = await page.evaluate(JS_LINK_COUNT)
        try:
            await button.first.click(timeout=wait_ms)
            await page.wait_for_function(JS_LINKS_GREW, arg=before, timeout=wait_ms)
        except PlaywrightTimeout:
            return {"clicks": clicks, "done": False}
        clicks += 1


def abort_request(request: Any) -> bool:
    """PLAYWRIGHT_ABORT_REQUEST: the browser does not download images, fonts or media."""
    return request.resource_type in ABORTED_RESOURCES


# --- settings --------------------------------------------------------------------------------
def render_mode(settings: BaseSettings) -> str:
    mode = (setting(settings, "GBAF_RENDER") or "auto").strip().lower()
    if mode not in MODES:
        raise ValueError(f"GBAF_RENDER={mode!r}: expected one of {', '.join(MODES)}")
    return mode


def unavailable_reason(settings: BaseSettings) -> str | None:
    """Why pages cannot be rendered in this run (None when they can)."""
    if render_mode(settings) == "never":
        return "GBAF_RENDER=never"
    path = setting(settings, "GBAF_CHROMIUM_PATH") or ""
    if not (path and os.path.isfile(path) and os.access(path, os.X_OK)):
        return f"no Chromium at GBAF_CHROMIUM_PATH={path or '(unset)'}"
    if find_spec("scrapy_playwright") is None or find_spec("playwright") is None:
        return "scrapy-playwright is not installed"
    return None


class RenderAddon:
    """Enables the Playwright download handler and the context middleware when rendering is possible."""

    def update_settings(self, settings: BaseSettings) -> None:
        if unavailable_reason(settings):
            return  # static HTML only: no browser, no Playwright driver process
        # Only the scheme the crawl fetches from: each handler instance starts its own Playwright
        # driver (a Node.js process of ~100 MiB), and a second one would never be used.
        handlers = settings.getdict("DOWNLOAD_HANDLERS")
        handlers[_site_scheme(settings)] = HANDLER
        settings.set("DOWNLOAD_HANDLERS", handlers, "addon")
        launch = settings.getdict("PLAYWRIGHT_LAUNCH_OPTIONS")
        launch["executable_path"] = setting(settings, "GBAF_CHROMIUM_PATH")
        launch.setdefault("headless", True)
        settings.set("PLAYWRIGHT_LAUNCH_OPTIONS", launch,
                     max(settings.getpriority("PLAYWRIGHT_LAUNCH_OPTIONS") or 0, 15))
        settings.set("PLAYWRIGHT_MAX_CONTEXTS", setting(settings, "GBAF_RENDER_MAX_CONTEXTS"), "addon")
        settings.set("PLAYWRIGHT_MAX_PAGES_PER_CONTEXT", setting(settings, "GBAF_RENDER_MAX_PAGES"), "addon")
        settings.set_in_component_priority_dict("DOWNLOADER_MIDDLEWARES", RenderContextMiddleware, 950)


def _site_scheme(settings):
    return urlsplit(setting(settings, "GBAF_BASE_URL") or "https://").scheme or "https"


def _handler_enabled(settings):
    path = settings.getdict("DOWNLOAD_HANDLERS").get(_site_scheme(settings))
    if not path:
        return False
    cls = load_object(path) if isinstance(path, str) else path
    return cls.__module__.startswith("scrapy_playwright")


# --- the spider's hook -----------------------------------------------------------------------------
class Renderer:
    def __init__(self, crawler: Crawler, mode: str, wait_ms: int, max_clicks: int) -> None:
        self.crawler = crawler
        self.mode = mode
        self.unavailable = None
        self.wait_ms = wait_ms
        self.max_clicks = max_clicks

    @property
    def stats(self) -> StatsCollector:  # set when the crawl starts, after the spider (and this) are built
        return self.crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Renderer:
        s = crawler.settings
        renderer = cls(crawler, render_mode(s), wait_ms=int(setting(s, "GBAF_RENDER_WAIT") * 1000),
                       max_clicks=setting(s, "GBAF_RENDER_MAX_CLICKS"))
        crawler.signals.connect(renderer.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(renderer.spider_closed, signal=signals.spider_closed)
        return renderer

    def spider_opened(self, spider: Spider) -> None:
        # The spider (and this) are built before add-ons update the settings: judge them now.
        s = self.crawler.settings
        self.unavailable = unavailable_reason(s)
        if self.unavailable is None and not _handler_enabled(s):
            self.unavailable = ("the Playwright download handler is not enabled "
                                "(crawler.fetch.render.RenderAddon in ADDONS)")
        if self.unavailable:
            logger.info("rendering off (%s): script-filled blocks are read from static HTML only", self.unavailable)
        else:
            logger.info("rendering %s with %s", self.mode, setting(s, "GBAF_CHROMIUM_PATH"))

    # --- what a page needs -----------------------------------------------------------------------
    @staticmethod
    def article_need(page: ArticlePage, url: str) -> str | None:
        """'shell' | 'related_empty' | None: what the article's static HTML lacks."""
        if kind_of_url(url) == "article" and _is_shell(page):
            return "shell"
        links = related_links(page)
        if links is not None and not links:
            return "related_empty"
        return None

    @staticmethod
    def listing_need(facts: dict[str, Any], root: HtmlElement) -> str | None:
        """'load_more' when a "Load more" control stands where the pagination would be: no next-page
        link, and the control is one a script answers (a button, not a link to another page)."""
        if not facts.get("load_more") or facts.get("next"):
            return None
        return "load_more" if _load_more_button(root) else None

    # --- the hooks ---------------------------------------------------------------------------------
    def article_request(self, response: Response, page: ArticlePage,
                        callback: Callable[..., Any]) -> Request | None:
        """A rendering request for an article whose static HTML lacks a script-filled block, or None."""
        if response.meta.get("gbaf_render_failed"):
            return None  # the rendering failed: the static page gives the record
        rendered = response.meta.get("gbaf_render")
        need = self.article_need(page, response.url)
        if rendered:
            self._rendered(rendered, incomplete=bool(need))
            return None
        reason = need or ("always" if self.mode == "always" else None)
        if reason is None:
            return None
        if not self._can_render(reason):
            return None
        condition = {"shell": JS_BODY_AND_RELATED, "related_empty": JS_RELATED_FILLED}.get(need)
        methods = [_page_method(wait_until, condition, self.wait_ms)] if condition else []
        return self._request(response, callback, reason, methods)

    def listing_request(self, response: Response, facts: dict[str, Any], root: HtmlElement,
                        callback: Callable[..., Any]) -> Request | None:
        """A rendering request for a listing whose later cards sit behind 'Load more', or None."""
        if response.meta.get("gbaf_render_failed"):
            return None
        rendered = response.meta.get("gbaf_render")
        if rendered:
            result = _method_result(response, click_load_more) or {}
            self.stats.inc_value("render/load_more/clicks", result.get("clicks", 0))
            self._rendered(rendered, incomplete=rendered == "load_more" and not result.get("done", False))
            return None
        need = self.listing_need(facts, root)
        reason = need or ("always" if self.mode == "always" else None)
        if reason is None:
            return None
        clicks = self.max_clicks
        max_pages = getattr(self.crawler.spider, "max_pages", None)
        if need and max_pages:
            clicks = min(clicks, max_pages - response.meta.get("page", 1))
            if clicks <= 0:
                return None  # max_pages=1: the first cards are all that was asked for
        if not self._can_render(reason):
            return None
        methods = [_page_method(click_load_more, clicks, self.wait_ms)] if need else []
        return self._request(response, callback, reason, methods)

    # --- helpers -------------------------------------------------------------------------------------
    def _can_render(self, reason):
        broken = self.stats.get_value("render/browser_failed")
        if self.mode == "never" or self.unavailable or broken:
            self.stats.inc_value(f"render/unavailable/{reason}")
            return False
        return True

    def _request(self, response, callback, reason, methods):
        self.stats.inc_value(f"render/requests/{reason}")
        meta = {k: v for k, v in response.meta.items() if k not in _DROPPED_META}
        meta.update(playwright=True, playwright_page_methods=methods, gbaf_render=reason)
        return response.request.replace(url=response.url, callback=callback, meta=meta, dont_filter=True)

    def _rendered(self, reason, incomplete):
        self.stats.inc_value("render/pages")
        self.stats.inc_value(f"render/pages/{reason}")
        if incomplete:
            self.stats.inc_value(f"render/incomplete/{reason}")

    def spider_closed(self, spider: Spider, reason: str) -> None:
        """One warning: the pages that needed rendering and did not get it, and why."""
        st = self.stats.get_stats()
        missed = {k.split("/", 2)[2]: v for k, v in st.items() if k.startswith("render/unavailable/")}
        failed = {k.split("/", 2)[2]: v for k, v in st.items() if k.startswith("render/failed/")}
        if not missed and not failed:
            return
        parts = []
        if missed:
            why = self.unavailable or ("GBAF_RENDER=never" if self.mode == "never" else
                                       f"the browser failed: {st.get('render/browser_failed')}")
            hint = ("set GBAF_RENDER=auto to render them" if self.mode == "never" else
                    "install Chromium (apt-get install chromium) or point GBAF_CHROMIUM_PATH at it")
            parts.append("%d page(s) needed rendering but could not be rendered (%s): read from static HTML "
                         "only, without what their scripts fill in (%s); %s" % (
                             sum(missed.values()), why,
                             ", ".join(f"{k}: {v}" for k, v in sorted(missed.items())), hint))
        if failed:
            parts.append("%d rendering(s) failed and fell back to the static page (%s)" % (
                sum(failed.values()), ", ".join(f"{k}: {v}" for k, v in sorted(failed.items()))))
        logger.warning("%s", "; ".join(parts))


def _page_method(method, *args):
    from scrapy_playwright.page import PageMethod
    return PageMethod(method, *args)


def _method_result(response, method):
    for pm in response.meta.get("playwright_page_methods") or ():
        if getattr(pm, "method", None) is method:
            return pm.result
    return None


def _load_more_button(root):
    for el in root.xpath("//button | //*[@role='button'] | //a[not(@href) or starts-with(@href, '#') "
                         "or starts-with(@href, 'javascript:')]"):
        if LOAD_MORE_TEXT.match(" ".join(el.itertext())):
            return True
    return False


def _is_shell(page):
    """An article page whose HTML has no body text, and no body in its JSON data either."""
    words = 0
    for _e, t, _h in page.dom_paragraphs():
        words += word_count(t)
        if words >= SHELL_WORDS:
            return False
    if len(page.next.body_html() or "") > 50:
        return False
    body = page.jsonld.get("articleBody")
    return not (isinstance(body, str) and len(body.split()) >= SHELL_WORDS)


def related_links(page: ArticlePage) -> list[str] | None:
    """Article links in the page's "More from ..." block, or None when the page has no such heading.

    The block is the section (section, aside, region) around the heading, else the nodes the parser
    gives it; links in a <nav> or with rel prev/next (post navigation) do not count."""
    found = page.block("related")
    if not found:
        return None
    label_el, _label, nodes = found
    scope = None
    for anc in label_el.iterancestors():
        tag = anc.tag.lower() if isinstance(anc.tag, str) else ""
        if tag in ("section", "aside") or (anc.get("role") or "") == "region":
            if next(anc.iter("h1"), None) is None:  # not a section holding the whole article
                scope = [anc]
            break
        if tag in ("article", "main", "body"):
            break
    links = []
    for node in scope or nodes:
        for a in node.iter("a"):
            href = (a.get("href") or "").strip()
            rel = (a.get("rel") or "").lower().split()
            # lxml's HTML parser names every tag in lower case: the nav test runs in C.
            if not href or "prev" in rel or "next" in rel or next(a.iterancestors("nav"), None) is not None:
                continue
            url = page.site.to_fetch(href, page.url)
            if url and kind_of_url(url) == "article":
                links.append(url)
    return links


# --- bounding the browser --------------------------------------------------------------------------
class RenderContextMiddleware:
    """Puts rendering requests in rotating browser contexts, closes every page after use and a
    context once it has served GBAF_RENDER_PAGES_PER_CONTEXT pages and none of them is open; turns
    a failed rendering into a plain request for the static page."""

    def __init__(self, crawler: Crawler, pages_per_context: int) -> None:
        self.stats = crawler.stats
        self.per_context = max(1, pages_per_context)
        self.assigned = 0
        self.in_flight = defaultdict(int)
        self.contexts = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RenderContextMiddleware:
        if unavailable_reason(crawler.settings):
            raise NotConfigured
        return cls(crawler, setting(crawler.settings, "GBAF_RENDER_PAGES_PER_CONTEXT"))

    def process_request(self, request: Request) -> None:
        if not request.meta.get("playwright"):
            return None
        generation = self.assigned // self.per_context
        self.assigned += 1
        self.in_flight[generation] += 1
        request.meta["gbaf_render_context"] = generation
        request.meta["playwright_context"] = f"gbaf-render-{generation}"
        request.meta["playwright_include_page"] = True  # closed here, so the context can be closed too
        return None

    async def process_response(self, request: Request, response: Response) -> Response:
        await self._release(request)
        return response

    async def process_exception(self, request: Request, exception: BaseException) -> Request | None:
        await self._release(request)
        if not request.meta.get("playwright"):
            return None
        error = type(exception).__name__
        self.stats.inc_value(f"render/failed/{error}")
        message = str(exception)
        if "launch" in message.lower() or "executable" in message.lower():
            self.stats.set_value("render/browser_failed", message.splitlines()[0][:300])
        logger.info("rendering failed (%s: %s), reading the static page: %s", error, message[:200], request.url)
        meta = {k: v for k, v in request.meta.items()
                if not k.startswith("playwright") and k not in ("gbaf_render", "gbaf_render_context")}
        meta["gbaf_render_failed"] = error
        return request.replace(meta=meta, dont_filter=True)

    async def _release(self, request):
        generation = request.meta.pop("gbaf_render_context", None)
        page = request.meta.pop("playwright_page", None)
        if generation is None:
            return
        if page is not None:
            self.contexts.setdefault(generation, page.context)
            try:
                if not page.is_closed():
                    await page.close()
            except Exception as exc:  # noqa: BLE001 - a page of a crashed browser
                logger.debug("closing a page failed: %r", exc)
        self.in_flight[generation] -= 1
        current = self.assigned // self.per_context
        for old in [g for g, n in self.in_flight.items() if g < current and n <= 0]:
            del self.in_flight[old]
            context = self.contexts.pop(old, None)
            if context is not None:
                try:
                    await context.close()
                    self.stats.inc_value("render/contexts_closed")
                except Exception as exc:  # noqa: BLE001
                    logger.debug("closing a browser context failed: %r", exc)
