"""Dedupe pipeline: one record per story within a run.

In order: the same canonical URL; the same content hash under another URL (one wire story at two
slugs); near-duplicates (the same story lightly edited: MinHash over word shingles, LSH lookup,
threshold `GBAF_NEAR_DUP_THRESHOLD`). A dropped duplicate is counted and logged with the URL it
duplicates.
"""
import logging
import re

from datasketch import MinHash, MinHashLSH
from itemadapter import ItemAdapter
from scrapy.exceptions import DropItem

logger = logging.getLogger(__name__)

NUM_PERM = 64
SHINGLE = 5
_WORD = re.compile(r"\w+", re.UNICODE)


def minhash(text, num_perm=NUM_PERM):
    words = _WORD.findall((text or "").lower())
    m = MinHash(num_perm=num_perm)
    shingles = {" ".join(words[i:i + SHINGLE]) for i in range(max(1, len(words) - SHINGLE + 1))}
    m.update_batch([s.encode("utf-8") for s in shingles])
    return m


class DedupePipeline:
    def __init__(self, stats, threshold):
        self.stats = stats
        self.threshold = threshold
        self.urls = {}
        self.hashes = {}
        self.lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM) if threshold else None

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.stats, crawler.settings.getfloat("GBAF_NEAR_DUP_THRESHOLD", 0.9))

    def _drop(self, reason, url, original):
        self.stats.inc_value(f"gbaf/records/dropped/duplicate_{reason}")
        logger.info("duplicate (%s) %s of %s", reason, url, original)
        raise DropItem(f"duplicate ({reason}) of {original}")

    def process_item(self, item):
        a = ItemAdapter(item)
        url, digest = a["url"], a["content_hash"]
        if url in self.urls:
            self._drop("url", url, url)
        if digest in self.hashes:
            self._drop("content", url, self.hashes[digest])
        if self.lsh is not None and a.get("body"):
            sig = minhash(f"{a.get('title') or ''} {a['body']}")
            near = self.lsh.query(sig)
            if near:
                self._drop("near", url, sorted(near)[0])
            self.lsh.insert(url, sig)
        self.urls[url] = digest
        self.hashes[digest] = url
        return item
