"""Parse one page, two ways.

`scrapy parse --spider gbaf URL`: Scrapy's command, on one page and nothing else
(crawler.commands.TOOL_SETTINGS). It calls the spider's `parse`, which routes the page to the
callback its kind of URL asks for (home, listing, article, sitemap or feed); `-c parse_article`
names one.

`gbaf-parse PAGE.html --url URL` (or `python -m crawler.commands.parse`): the parser alone, no
Scrapy, prints the record it makes of one saved page. Also accepts a URL instead of a file (fetched
once with the crawler's user agent), and `--all` to print the record even for a page the parser
does not take for an article. Exit status 0 for an article, 1 for a page that is none.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from scrapy.commands.parse import Command as ScrapyParseCommand

from crawler.commands import ToolCommand


class Command(ToolCommand, ScrapyParseCommand):
    pass


def load(source: str) -> str:
    """The text of a saved HTML file, or of an http(s) URL fetched once."""
    from crawler.text import decode_html

    if source.startswith(("http://", "https://")):
        import urllib.request

        from crawler.settings import USER_AGENT

        req = urllib.request.Request(source, headers={"User-Agent": USER_AGENT})
        with urllib.request.urlopen(req, timeout=30) as resp:  # noqa: S310 - the user's own URL
            body, ctype = resp.read(), resp.headers.get("Content-Type", "")
    else:
        body, ctype = Path(source).read_bytes(), ""
    return decode_html(body, ctype)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="gbaf-parse",
                                 description="Print the record the parser makes of one saved page.")
    ap.add_argument("page", help="a saved HTML file, or an http(s) URL")
    ap.add_argument("--url", help="the page's URL (default: the page argument when it is a URL)")
    ap.add_argument("--all", action="store_true", help="print the record even for a non-article")
    args = ap.parse_args(argv)
    # Not at import: `scrapy` imports this module (COMMANDS_MODULE) at every start, for `Command`.
    from crawler.article import ArticlePage

    url = args.url or (args.page if args.page.startswith(("http://", "https://")) else None)
    if not url:
        ap.error("--url is required for a saved file")
    page = ArticlePage(load(args.page), url)
    reason = page.not_article_reason()
    if reason and not args.all:
        print(json.dumps({"article": False, "reason": reason}))
        return 1
    record = page.record()
    if page.problems:
        record["_problems"] = [f"{r}: {d}" for r, d in page.problems]
    json.dump(record, sys.stdout, ensure_ascii=False, indent=2)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
