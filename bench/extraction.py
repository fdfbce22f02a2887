"""Extraction cost per page: our parser against trafilatura and against lxml parsing alone.

    python -m bench.extraction [--articles 5000] [--pages 500] [--rounds 3]

The same replica article pages (rendered in process by `Site.render`, decoded as the spider
decodes them) go through, in turn and in each round:
  lxml parse        the tree alone, as `ArticlePage._parse` builds it (HTMLParser, recover)
  parser: record    `ArticlePage(html, url).record()`: every contract field
  parser: spider    what `GbafSpider.parse_article` runs per page: the page, the rendering check,
                    `not_article_reason()`, `record()` and `related_fetch_urls()`
  trafilatura       `trafilatura.bare_extraction(html, url=url)` (title, author, date, text, ...)
Each figure is the median over rounds of the mean milliseconds per page; each page goes through
all the methods in turn (the order turning from page to page), so a busy moment of the machine
falls on all of them alike.
"""
from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time
import warnings


def pages(articles, count, seed=1):
    from replica.site import Site

    site = Site(articles=articles, seed=seed)
    out = []
    for stub in site.stubs_newest_first():
        status, _headers, body = site.render(stub.path)
        if status == 200:
            out.append((body.decode("utf-8"), f"https://www.globalbankingandfinance.com{stub.path}"))
        if len(out) >= count:
            break
    return out


def _methods():
    import trafilatura
    from lxml import etree

    from crawler.article import ArticlePage
    from crawler.fetch.render import Renderer

    parser = etree.HTMLParser(recover=True, encoding="utf-8", remove_comments=True)

    def lxml_parse(html, url):
        return etree.fromstring(html.encode("utf-8"), parser=parser)

    def record(html, url):
        return ArticlePage(html, url).record()

    def spider(html, url):
        page = ArticlePage(html, url)
        Renderer.article_need(page, url)
        if page.not_article_reason() is None:
            page.record()
            page.related_fetch_urls()

    def bare(html, url):
        return trafilatura.bare_extraction(html, url=url)

    return [("lxml parse", lxml_parse), ("parser: record()", record),
            ("parser: spider callback", spider), ("trafilatura.bare_extraction", bare)]


def measure(docs, rounds=3, warmup=10):
    """{method: ms per page (median of rounds)}, in the order of _methods().

    Page by page, each method in turn (the order turning from page to page, so none always runs
    on a page another has just brought into the cache): a busy moment of a shared machine falls
    on all of them alike, as in bench.realpages."""
    warnings.filterwarnings("ignore")
    methods = _methods()
    for _name, fn in methods:  # imports, caches, compiled patterns
        for html, url in docs[:warmup]:
            fn(html, url)
    results = {name: [] for name, _fn in methods}
    clock = time.perf_counter
    for _ in range(rounds):
        spent = [0.0] * len(methods)
        gc.collect()
        for i, (html, url) in enumerate(docs):
            for k in range(len(methods)):
                j = (i + k) % len(methods)
                started = clock()
                methods[j][1](html, url)
                spent[j] += clock() - started
        for (name, _fn), total in zip(methods, spent):
            results[name].append(total * 1000 / len(docs))
    return {name: statistics.median(v) for name, v in results.items()}


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python -m bench.extraction", description=__doc__.splitlines()[0])
    ap.add_argument("--articles", type=int, default=5000)
    ap.add_argument("--pages", type=int, default=500)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args(argv)
    docs = pages(max(args.articles, args.pages), args.pages)
    result = measure(docs, args.rounds)
    kib = sum(len(h) for h, _u in docs) / len(docs) / 1024
    print(f"{len(docs)} replica article pages ({kib:.0f} KiB of HTML each on average), median of {args.rounds} rounds")
    for name, ms in result.items():
        print(f"{name:<30}{ms:8.2f} ms/page")
    return 0


if __name__ == "__main__":
    sys.exit(main())
