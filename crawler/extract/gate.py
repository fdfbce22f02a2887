"""The article gate: whether a page is a news article, and the reason when it is not."""
from crawler import text as tx
from crawler.urls import NON_NEWS_SECTIONS, kind_of_url


class Gate:
    def is_article(self):
        """Whether this page is a news article (company, award, magazine, video, listing pages are not)."""
        return self.not_article_reason() is None

    def not_article_reason(self):
        category = (self.value("category")[0] or "").strip().lower()
        if category in NON_NEWS_SECTIONS:
            return f"section:{category}"
        url, _ = self.value("url")
        if self.site.is_site(url) and kind_of_url(url) != "article":
            return "url"
        if self.jsonld.article is not None:
            return None
        og_type = (self.meta.first("og:type") or "").lower()
        if self.jsonld.non_article is not None:
            return "jsonld_type"
        if og_type == "article":
            return None
        if og_type and og_type != "article":
            return f"og_type:{og_type}"
        if self.next.post is not None and self.next.published():
            return None
        has_date = self._dom_date("posted") is not None
        words = tx.word_count(" ".join(t for _e, t, _h in self.dom_paragraphs()))
        if self.h1 is not None and has_date and words >= 60:
            return None
        return "no_article_signals"
