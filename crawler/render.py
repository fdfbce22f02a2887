"""Rendering JavaScript-filled pages (scrapy-playwright), only where the static HTML needs it.

The spider asks the renderer about every article and listing response; it answers with a request
that renders the page (and waits for the block the script fills), or None to keep the static HTML.
This default answers None: rendering is wired in by GBAF_RENDER (issue 6).
"""


class Renderer:
    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def article_request(self, response, page, callback):
        """A rendering request for an article whose static HTML lacks a script-filled block, or None."""
        return None

    def listing_request(self, response, facts, callback):
        """A rendering request for a listing whose later cards sit behind 'Load more', or None."""
        return None
