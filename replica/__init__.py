"""Offline replica of www.globalbankingandfinance.com, the test oracle for the crawler.

`Site` models the site and its expected records; `python -m replica` serves it over HTTP.
"""
from .rules import SITE_ROOT
from .site import Site

__all__ = ["Site", "SITE_ROOT"]
