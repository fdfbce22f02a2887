"""GBAF-only rules: the Quick Summary, Key Takeaways, FAQ, References and "More from ..."
related blocks. They run on the site's own pages only (`is_site_page`): another publisher's
"Key Points" or "Sources" are not what the contract means."""
from __future__ import annotations

import re
from typing import TYPE_CHECKING
from urllib.parse import urljoin

from crawler import text as tx
from crawler.extract.dom import tag_name, is_heading, visible_text, blocks_text, leaf_blocks
from crawler.extract.patterns import IMAGE_FOR, BULLET, FAQ_NUMBER, SITE_NAME, SITE_SUFFIX
from crawler.extract.jsonld import text_of, url_of
from crawler.extract.registry import field

if TYPE_CHECKING:
    from crawler.extract.registry import FieldResult
# The record stays small whatever the page holds: at most this many related or reference links,
# each title at most this long (a real block has 3 to 12).
MAX_LINKS = 50
MAX_TITLE = 300


class Gbaf:
    @field("summary", site_only=True)
    def field_summary(self) -> FieldResult:
        leaves = self._block_leaves("summary")
        label = self.block("summary")[1] if leaves else ""
        # "<div><b>Quick Summary:</b> text</div>" is one leaf, label and all.
        texts = [t[len(label):].lstrip(" :") if t.startswith(label) else t for _e, t, h in leaves if not h]
        texts = [t for t in texts if t]
        value = " ".join(texts) if texts else None
        return (tx.clean(value), "dom") if value else (None, None)

    @field("key_takeaways", site_only=True, empty=list)
    def field_key_takeaways(self) -> FieldResult:
        found = self.block("takeaways")
        if not found:
            return [], None
        items = []
        for node in found[2]:
            items.extend(blocks_text(li) for li in node.iter("li"))
        if not items:  # bullets as paragraphs, or in one line: "<b>Key Takeaways:</b><br>• A<br>• B"
            label = found[1]
            for _e, t, _h in self._block_leaves("takeaways"):
                t = t[len(label):].lstrip(" :") if t.startswith(label) else t
                several = len(re.findall("[•▪●■◦‣∙]", t)) > 1
                items.extend(re.split(r"\s*[•▪●■◦‣∙]\s*", t) if several else [t])
        items = [tx.clean(BULLET.sub("", i)) for i in items]
        items = [i for i in items if i]
        return (items, "dom") if items else ([], None)

    @field("faq", site_only=True, empty=list)
    def field_faq(self) -> FieldResult:
        faq = self.jsonld.faq
        if faq:
            items = []
            for q in self._as_list(faq.get("mainEntity")):
                if not isinstance(q, dict):
                    continue
                answer = q.get("acceptedAnswer") or q.get("suggestedAnswer")
                answer = answer[0] if isinstance(answer, list) and answer else answer
                question, answer_text = tx.strip_tags(text_of(q)), tx.strip_tags(text_of(answer))
                if question and answer_text:
                    items.append({"question": question, "answer": answer_text})
            if items:
                return items, "jsonld"
        items = self._dom_faq()
        return (items, "dom") if items else ([], None)

    def _dom_faq(self):
        items, current = [], None
        for _e, t, _h in self._block_leaves("faq"):
            if re.fullmatch(r"\d{1,2}[.)]?", t):
                continue
            question = FAQ_NUMBER.sub("", t, count=1) if FAQ_NUMBER.match(t) else t
            # A question is marked up as one (<summary>, <dt>, a heading) or asks ("...?").
            if question.rstrip().endswith("?") or is_heading(_e) or tag_name(_e) in ("summary", "dt"):
                current = {"question": tx.clean(question), "answer": []}
                items.append(current)
            elif current is not None:
                current["answer"].append(t)
        return [{"question": i["question"], "answer": tx.clean(" ".join(i["answer"]))}
                for i in items if i["answer"]]

    @field("references", site_only=True, empty=list)
    def field_references(self) -> FieldResult:
        found = self.block("references")
        if not found:
            return [], None
        refs, seen = [], set()
        for node in found[2]:
            for a in node.iter("a"):
                url = self._absolute(a.get("href"))
                if not url.startswith(("http://", "https://")) or self.site.is_site(url) or url in seen:
                    continue
                title = visible_text(a) or tx.clean(a.get("title")) or url
                seen.add(url)
                refs.append({"title": title[:MAX_TITLE], "url": url})
                if len(refs) >= MAX_LINKS:
                    return refs, "dom"
        return (refs, "dom") if refs else ([], None)

    @field("related", site_only=True, empty=list)
    def field_related(self) -> FieldResult:
        # record() and related_fetch_urls() both ask for it: computed once per page.
        if self._related_cache is None:
            self._related_cache = self._field_related()
        return self._related_cache

    def _field_related(self):
        found = self.block("related")
        if not found:
            return [], None
        by_url, order, anchors = {}, [], 0
        for node in found[2]:
            for a in node.iter("a"):
                anchors += 1
                if len(order) >= MAX_LINKS or anchors > 20 * MAX_LINKS:
                    break  # a block of thousands of links: the first are the block, the rest is a page's abuse
                url = self.site.site_article(self._absolute(a.get("href")))
                if url is None:
                    continue
                title = None
                for img in a.iter("img"):
                    alt = tx.clean(img.get("alt"))
                    if alt:
                        title = IMAGE_FOR.sub("", alt)
                        break
                entry = by_url.get(url)
                if entry is None and len(order) >= MAX_LINKS:
                    continue
                if entry is None:
                    entry = by_url[url] = {"title": None, "url": url, "_anchors": []}
                    order.append(url)
                if title and not entry["title"]:
                    entry["title"] = title
                entry["_anchors"].append(a)
        related = []
        for url in order:
            e = by_url[url]
            # The visible card text only where no image names the title (walking it costs).
            title = e["title"] or next((t for t in map(self._card_title, e["_anchors"]) if t), None)
            if title:
                related.append({"title": title[:MAX_TITLE], "url": url})
        return (related, "dom") if related else ([], None)

    def _card_title(self, a):
        """The title a related card shows: its heading, else its longest line (a card also shows its
        category and '2 years ago'), else the link's title attribute."""
        leaves = leaf_blocks(a)
        heads = [t for _e, t, h in leaves if h]
        if heads:
            return heads[0]
        if leaves:
            return max((t for _e, t, _h in leaves), key=lambda t: len(t.split()))
        return blocks_text(a) or tx.clean(a.get("title"))

    def related_fetch_urls(self) -> list[str]:
        """Links the spider follows from an article: related, previous and next posts."""
        urls = [r["url"] for r in self.field_related()[0]]
        for kind in ("previous", "next"):
            found = self.block(kind)
            if not found:
                continue
            label_el = found[0]
            anchors = [n for n in found[2] for n in n.iter("a")]
            node = label_el
            while node is not None and tag_name(node) != "a":
                node = node.getparent()
            if node is not None:
                anchors.insert(0, node)
            for a in anchors[:1]:
                urls.append(urljoin(self.url, a.get("href") or ""))
        return urls

    def is_site_page(self) -> bool:
        if self._site_page is None:
            self._site_page = self._is_site_page()
        return self._site_page

    def _is_site_page(self):
        """Whether this is a page of the site (or of its replica): the summary, takeaways, FAQ,
        references and related blocks are the site's own, and stay empty on another publisher's page
        (whose "Key Points" or "Sources" are not what the contract means)."""
        if self.site.is_site(self.url):
            return True
        claimed = (self.canonical_link, self.meta.first("og:url"),
                   url_of(self.jsonld.get("mainEntityOfPage")), self.jsonld.get("url"))
        if any(isinstance(u, str) and self.site.is_site(urljoin(self.url, u.strip())) for u in claimed):
            return True
        names = [self.meta.first("og:site_name", "application-name"),
                 text_of(self.jsonld.resolve(self.jsonld.get("publisher")))]
        return any(isinstance(n, str) and SITE_NAME.search(n) for n in names)

    def cut_site_suffix(self, title: str) -> str:
        """A title without the site's name as its suffix (' - Headlines news and analysis from Global
        Banking & Finance Review'): on the site's own pages only."""
        return SITE_SUFFIX.sub("", title) if self.is_site_page() else title

    def names_site(self, text: str) -> bool:
        """Whether text is the site's name (a title's last part), on the site's own pages only."""
        return bool(SITE_NAME.search(text)) and self.is_site_page()
