"""The spider's URL frontier: article URLs waiting for a request, as strings.

A first run finds every article in the sitemap at once: 20,000 Requests in Scrapy's scheduler
would hold ~50 MiB until the end of the crawl (~2 KiB each). They wait here as URLs instead, and
the spider tops the scheduler up from here as it empties (spiders/gbaf.py `_feed`), sitemap and home
articles before related links. A paused crawl (JOBDIR) keeps what is waiting next to Scrapy's own
queue and resumes it.
"""
from __future__ import annotations

import json
from collections import deque
from collections.abc import Iterator
from pathlib import Path

from crawler.outputs.storage import write_atomically

KINDS = ("article", "related")  # the order they are taken in
FILE_NAME = "gbaf.frontier.json"  # in JOBDIR: the frontier of a paused crawl


class Frontier:
    def __init__(self) -> None:
        self.pending: set[str] = set()  # waiting, not claimed since
        self.queues: dict[str, deque[str]] = {kind: deque() for kind in KINDS}

    def __len__(self) -> int:
        return len(self.pending)

    def __contains__(self, url: str) -> bool:
        return url in self.pending

    def add(self, url: str, kind: str) -> None:
        if url not in self.pending:
            self.pending.add(url)
            self.queues[kind].append(url)

    def claim(self, url: str) -> None:
        """Requested now by another way (a listing): its place in a queue is skipped."""
        self.pending.discard(url)

    def take(self, room: int) -> Iterator[tuple[str, str]]:
        """Up to room (kind, url) pairs, in order, each taken once."""
        for kind, queue in self.queues.items():
            while room > 0 and queue:
                url = queue.popleft()
                if url not in self.pending:
                    continue  # claimed since
                self.pending.discard(url)
                room -= 1
                yield kind, url

    def waiting(self) -> list[tuple[str, str]]:
        return [(kind, url) for kind, queue in self.queues.items() for url in queue if url in self.pending]

    def save(self, path: Path) -> int:
        """Written whole or not at all (a temporary file renamed); the number of URLs saved."""
        waiting = self.waiting()
        write_atomically(path, json.dumps(waiting))
        return len(waiting)

    def restore(self, path: Path) -> int:
        """The URLs a paused crawl saved (raises OSError or ValueError when unreadable)."""
        for kind, url in json.loads(path.read_text()):
            if kind in self.queues:
                self.add(url, kind)
        return len(self.pending)
