"""Kept for Scrapyd: `scrapyd-deploy` builds the egg with `python setup.py bdist_egg` (and writes a
setup.py of its own, with none of our metadata, where there is none). Everything is in pyproject.toml."""
from setuptools import setup; setup()  # noqa: E702
