"""Generic fields: url, title, category, tags, image, reading time and language. Each is
one `@field` method returning (value, layer), trying its layers in the order the field prefers."""
from __future__ import annotations

import re
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urljoin, urlsplit

from crawler import text as tx
from crawler.extract.dom import tag_name, visible_text, blocks_text, own_text, contains, under
from crawler.extract.patterns import (
    LABELS_BY_KIND, MAX_READING_MINUTES, READING_TIME, TITLE_SEPARATORS)
from crawler.extract.jsonld import texts_of, text_of, url_of
from crawler.urls import SITE_HOST, canonical_url, kind_of_url
from crawler.extract.registry import field, first_layer

if TYPE_CHECKING:
    from crawler.extract.registry import FieldResult


class Fields:
    @field("url")
    def field_url(self) -> FieldResult:
        found = first_layer((
            (lambda: url_of(self.jsonld.get("mainEntityOfPage")) or self.jsonld.get("url"), "jsonld"),
            (lambda: self.canonical_link, "meta"),
            (lambda: self.meta.first("og:url"), "meta"),
        ), self._site_article_url)
        return found if found[0] else (self.site.canonical(self.url), "fallback")

    def _site_article_url(self, value):
        """A canonical URL the page claims for itself, if it is one of an article on this host."""
        if not isinstance(value, str) or not value.strip():
            return None
        absolute = urljoin(self.url, value.strip())
        if self.site.is_site(absolute):
            return self.site.canonical(absolute) if kind_of_url(absolute) == "article" else None
        if urlsplit(absolute).hostname == urlsplit(self.url).hostname and urlsplit(absolute).path.strip("/"):
            return canonical_url(absolute)
        return None

    @field("title")
    def field_title(self) -> FieldResult:
        sources = (
            (lambda: text_of(self.jsonld.get("headline")) or text_of(self.jsonld.get("name")), "jsonld"),
            (self.next.title, "jsonld"),
            (lambda: self._strip_site_name(self.meta.first("og:title", "twitter:title")), "meta"),
            (self._dom_title, "dom"),
            (lambda: self._strip_site_name(self._head_title(), short_suffix=True), "meta"),
        )
        candidates = ((tx.strip_tags(v), layer) for v, layer in ((get(), layer) for get, layer in sources) if v)
        # The site's name cut from any source ("... - Headlines news and analysis from Global Banking
        # & Finance Review" also turns up in JSON-LD headlines).
        candidates = ((self.cut_site_suffix(v) or v, layer) for v, layer in candidates if v)
        title, layer = next(candidates, (None, None))
        if title is None:
            return None, None
        # JSON-LD headlines are often cut at 110 characters: a longer source with the same start wins.
        if len(title) >= 100 or title.endswith(("…", "...")):
            stem = title.rstrip(".… ")
            for other, other_layer in candidates:
                if len(other) > len(title) + 1 and other.casefold().startswith(stem.casefold()):
                    if other_layer == "dom" and not other.startswith(stem):
                        # The visible title is mangled: its true case as far as the cut headline goes.
                        return stem + other[len(stem):], layer
                    return other, other_layer
        return title, layer

    def _head_title(self):
        el = self.root.find(".//title")
        return visible_text(el) if el is not None else None

    def _strip_site_name(self, value, short_suffix=False):
        """'Title | Site Name' -> 'Title' (a <title> nearly always ends with the site's name)."""
        if not value:
            return value
        site_name = self.meta.first("og:site_name", "application-name")
        cut = self.cut_site_suffix(value)
        if site_name and len(cut) > len(site_name) + 3 and cut.casefold().endswith(site_name.casefold()):
            cut = re.sub(r"\s+(?:[|–—-]|::)\s*$", "", cut[: len(cut) - len(site_name)]) or cut
        if cut and cut != value:
            return cut  # the site's name is gone: what is left is the title, separators and all
        parts = TITLE_SEPARATORS.split(value)
        while len(parts) > 1 and (self.names_site(parts[-1]) or (
                site_name and parts[-1].strip().casefold() == site_name.casefold()) or (
                short_suffix and len(parts) == len(TITLE_SEPARATORS.split(value))
                and len(parts[-1].split()) <= 4)):
            parts.pop()
        if len(parts) < len(TITLE_SEPARATORS.split(value)):
            # rebuild from the original, cutting at the removed separator
            cut = value
            for _ in range(len(TITLE_SEPARATORS.split(value)) - len(parts)):
                m = list(TITLE_SEPARATORS.finditer(cut))
                cut = cut[: m[-1].start()]
            return cut
        return value

    def _dom_title(self):
        h1 = visible_text(self.h1) if self.h1 is not None else None
        candidates = []
        if self.breadcrumb_lists and len(self.breadcrumb_lists[0]) >= 3:
            candidates.append(self.breadcrumb_lists[0][-1])
        faq = self.block("faq")
        if faq:
            m = re.match(r"^frequently asked questions (?:about|on|for)\s+(.+)$", faq[1], re.I)
            if m:
                candidates.append(m.group(1))
        lead = self._lead_image()
        if lead is not None and lead.get("alt"):
            candidates.append(re.split(r"\s+[-–—|]\s+", lead.get("alt"))[0])
        if h1 is None:
            return candidates[0] if candidates else None
        # The head's <title> keeps the true case of a mangled h1 too (after the site's name is cut).
        candidates.append(self._strip_site_name(self._head_title(), short_suffix=True))
        same = [tx.clean(c) for c in candidates if c and tx.clean(c).casefold() == h1.casefold()]
        # Mangling lower-cases words: of the spellings of the h1's words, the true case has the most capitals.
        return max(same, key=lambda c: sum(ch.isupper() for ch in c), default=h1)

    @field("category")
    def field_category(self) -> FieldResult:
        section = self.jsonld.get("articleSection")
        section = texts_of(section)
        return first_layer((
            (lambda: section[0] if section else None, "jsonld"),
            (lambda: self.next.category(), "jsonld"),
            (lambda: self.meta.first("article:section", "section", "parsely-section"), "meta"),
            (lambda: self._dom_category(), "dom"),
        ), tx.clean)

    def _dom_category(self):
        crumbs = self.breadcrumb_lists[0] if self.breadcrumb_lists else None
        if not crumbs:
            names = self.jsonld.breadcrumb_names()
            crumbs = names if len(names) >= 3 else None
        if crumbs and len(crumbs) >= 3:
            return crumbs[-2]
        link = self._category_link()
        if link:
            return link
        for kind, pattern in (("related", r"^more from\s+(?:the\s+)?(.+?)$"),
                              ("previous", r"^previous\s+(.+?)\s+post$"),
                              ("view_all", r"^view all\s+(.+?)\s+posts?$")):
            found = self.block(kind)
            if found:
                m = re.match(pattern, found[1], re.I)
                if m:
                    return m.group(1)
        return None

    def _category_link(self):
        """The category as the page shows it by the title: a link to a /category/<name>/ listing
        beside the h1 (a kicker), or one marked rel="category" (WordPress). Menus are not it: the
        link must stand with the h1 in a container that holds no more than two such links."""
        for a in self.scope.iter("a"):
            if "category" in (a.get("rel") or "").lower().split() and visible_text(a):
                return visible_text(a)
        if self.h1 is None:
            return None
        near = self.h1.getparent()
        if near is not None and near.getparent() is not None and tag_name(near) not in (
                "article", "main", "body"):
            near = near.getparent()
        if near is None:
            return None
        h1 = self.h1

        def in_menu(a):  # a <header> is a menu's place unless it is the article's, holding the h1
            for x in a.iterancestors():
                if x is near:
                    return False
                if tag_name(x) in ("nav", "footer", "aside") or (
                        tag_name(x) == "header" and not contains(x, h1)):
                    return True
            return False

        # kind_of_url: kind_of_path(urlsplit(href).path), cached (a site's menus repeat on every page)
        links = [a for a in near.iter("a") if kind_of_url(a.get("href") or "") == "category"
                 and not in_menu(a)]
        if not 1 <= len(links) <= 2:
            return None
        text = visible_text(links[0])
        return text if text and len(text.split()) <= 4 else None

    @field("tags")
    def field_tags(self) -> FieldResult:
        keywords = self.jsonld.get("keywords")
        if isinstance(keywords, str):
            keywords = [k for k in re.split(r"\s*,\s*", keywords)]
        return first_layer((
            (lambda: texts_of(keywords), "jsonld"),
            (lambda: self.next.tags(), "jsonld"),
            (lambda: self.meta.all("article:tag") or self._split_csv(self.meta.first("news_keywords")), "meta"),
            (lambda: self._dom_tags(), "dom"),
        ), tx.dedupe_names, ([], None))

    @staticmethod
    def _split_csv(value):
        return [v for v in re.split(r"\s*,\s*", value)] if value else []

    def _dom_tags(self):
        found = self.block("tags")
        if not found:
            return []
        label_el, _label, nodes = found
        names = []
        for node in nodes:
            links = [a for a in node.iter("a")] if tag_name(node) != "a" else [node]
            for a in links:
                names.append(visible_text(a))
        if not names:  # tags as plain text: list items, or "Tags: Finance, Banking" in one line
            texts = [t for _e, t, _h in self._block_leaves("tags")]
            parent = label_el.getparent()
            if not texts and parent is not None:
                line = blocks_text(parent)
                if line.startswith(_label):
                    texts = [line[len(_label):].lstrip(" :")]
            names = [n for t in texts for n in re.split(r"\s*[,|•·;]\s*", t)]
            if any(len(n.split()) > 5 for n in names) or len(names) > 40:
                return []  # prose, not a list of tags
        return [re.sub(r"^#", "", n) for n in names if n and not LABELS_BY_KIND["tags"].match(n)]

    def _lead_image(self):
        if not hasattr(self, "_lead_cache"):
            self._lead_cache = None
            block_ids = {id(n) for _k, (_l, _t, nodes) in self._blocks.items() for n in nodes}
            for img in self.scope.iter("img"):
                if under(img, block_ids):
                    continue
                width = img.get("width")
                if width and width.isdigit() and int(width) < 200:
                    continue
                src = img.get("src") or img.get("data-src") or (img.get("srcset") or "").split(" ")[0]
                if not src or src.startswith("data:") or re.search(r"(?:^|[/_.-])(?:logo|avatar|icon|sprite|favicon)s?(?:[/_.-]|$)", src, re.I):
                    continue
                self._lead_cache = img
                break
        return self._lead_cache

    @field("image_url")
    def field_image(self) -> FieldResult:
        return first_layer((
            (lambda: url_of(self.jsonld.get("image")) or url_of(self.jsonld.get("thumbnailUrl")), "jsonld"),
            (lambda: self.next.image(), "jsonld"),
            (lambda: self.meta.first("og:image", "og:image:url", "og:image:secure_url", "twitter:image",
                             "twitter:image:src"), "meta"),
            (self._lead_image_src, "dom"),
        ), self._image_url)

    def _lead_image_src(self):
        lead = self._lead_image()
        if lead is None:
            return None
        return lead.get("src") or lead.get("data-src") or (lead.get("srcset") or "").split(" ")[0]

    def _image_url(self, value):
        if not isinstance(value, str) or not value.strip() or value.startswith("data:"):
            return None
        url = urljoin(self.url, value.strip())
        parts = urlsplit(url)
        if parts.path.startswith("/_next/image"):  # Next.js image optimiser: the real src is ?url=
            inner = parse_qs(parts.query).get("url")
            if inner:
                url = urljoin(url, inner[0])
                parts = urlsplit(url)
        if parts.scheme not in ("http", "https"):
            return None
        if self.site.is_site(url):
            url = f"https://{SITE_HOST}{parts.path}" + (f"?{parts.query}" if parts.query else "")
        return url

    @field("reading_time_minutes")
    def field_reading_time(self) -> FieldResult:
        # A reading time past a day is no reading time a page can mean (a hostile or broken value
        # such as PT99999999999999999999M, which no int64 Parquet column holds): the next one counts.
        for minutes, layer in self._reading_times():
            if 0 <= minutes <= MAX_READING_MINUTES:
                return minutes, layer
        return None, None

    def _reading_times(self):
        """(minutes, layer) each layer states, in the order they are trusted."""
        required = self.jsonld.get("timeRequired")
        if isinstance(required, str):
            m = re.match(r"^PT(?:(\d+)H)?(?:(\d+)M)?", required)
            if m and (m.group(1) or m.group(2)):
                yield int(m.group(1) or 0) * 60 + int(m.group(2) or 0), "jsonld"
        for n in range(1, 5):  # WordPress/Yoast: twitter:label2 "Est. reading time", data2 "3 minutes"
            label = self.meta.first(f"twitter:label{n}")
            if label and "read" in label.lower():
                m = re.search(r"(\d+)", self.meta.first(f"twitter:data{n}") or "")
                if m:
                    yield int(m.group(1)), "meta"
        el = self.dated.get("reading")
        if el is not None:
            m = READING_TIME.search(self.dated_text.get("reading") or own_text(el))
            if m:
                yield int(m.group(1) or m.group(2)), "dom"

    @field("language")
    def field_language(self) -> FieldResult:
        return first_layer((
            (lambda: text_of(self.jsonld.get("inLanguage")), "jsonld"),
            (lambda: self.meta.first("og:locale", "content-language", "dc.language", "language"), "meta"),
            (lambda: self.html_lang, "dom"),
        ), _language_code, ("en", "fallback"))


def _language_code(value: object) -> str | None:
    """The language subtag of "en-GB", "en_US" or "de" (lower case), else None."""
    if isinstance(value, str):
        m = re.match(r"^\s*([A-Za-z]{2,3})(?:[-_]|\s*$)", value)
        if m:
            return m.group(1).lower()
    return None
