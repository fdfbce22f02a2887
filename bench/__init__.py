"""Benchmarks of the crawler on the bundled replica (`python -m bench`, `make bench`).

  bench.__main__    the suite: one table (extraction, full crawl vs fetch-only, memory,
                    incremental, and the render/distributed benchmarks where they exist),
                    printed and written to bench/results.md
  bench.server      the replica's pages served from memory by an asyncio keep-alive server
  bench.fetchonly   the fetch-only baseline spider (plain Scrapy, no parsing)
  bench.extraction  per-page cost: our parser vs trafilatura vs lxml alone
  bench.crawl       `scrapy crawl gbaf` and the baseline, measured
  bench.measure     CPU, RSS and progress of a process, from /proc
  bench.profile     where a crawl's and the parser's time goes (cProfile, py-spy)
  bench.render      rendering costs (scrapy-playwright)
  bench.realpages   the parser vs trafilatura on real pages of other publishers, per field

Nothing here is imported by the crawler, and no spider lives here that Scrapyd would load.
"""
