"""Fetching: the downloader middlewares (retries that wait, robots.txt as RFC 9309 says, redirects
kept on the site) and the rendering of pages filled by script (scrapy-playwright)."""
