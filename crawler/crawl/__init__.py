"""The gbaf spider's parts, by concern, assembled by spiders/gbaf.py (spiders/ holds only spiders:
Scrapy imports every module there): the cheap sources (sources.py), the home page and listings
(listings.py), the article pages (articles.py), and the frontier's feeding (feeding.py)."""
