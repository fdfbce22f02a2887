"""Dedupe pipeline: one record per story, within a run and across runs.

In order: the same canonical URL (within the run); the same content hash under another URL (one
wire story at two slugs, also against the articles the state store holds); near-duplicates (the
same story lightly edited: MinHash over word shingles with LSH, threshold
`GBAF_NEAR_DUP_THRESHOLD`, also against stored signatures). A dropped duplicate is counted
(`gbaf/records/dropped/duplicate_<reason>`), logged with the URL it duplicates, and its URL is
remembered as an alias so that later runs do not fetch it again.
"""
import logging
import re

import numpy as np
from datasketch import MinHash, MinHashLSH
from itemadapter import ItemAdapter
from scrapy.exceptions import DropItem

from crawler.incremental import RunState

logger = logging.getLogger(__name__)

NUM_PERM = 128  # estimate error ~0.04 at J=0.8: false drops stay rare
SHINGLE = 3
SCHEME = "affine32"  # stored signatures are only comparable under the same hashing scheme
_WORD = re.compile(r"\w+", re.UNICODE)


def minhash(text, num_perm=NUM_PERM):
    words = _WORD.findall((text or "").lower())
    m = MinHash(num_perm=num_perm, seed=1, scheme=SCHEME)
    shingles = {" ".join(words[i:i + SHINGLE]) for i in range(max(1, len(words) - SHINGLE + 1))}
    m.update_batch([s.encode("utf-8") for s in shingles])
    return m


class Signature:
    """Just the hash values of a MinHash: what LSH and the Jaccard estimate need. A datasketch
    MinHash object also carries its own permutation arrays (2 KB each): kept for 20,000 articles
    they would make the crawler's memory grow with the archive."""

    __slots__ = ("hashvalues",)

    def __init__(self, hashvalues):
        self.hashvalues = hashvalues

    def __len__(self):
        return len(self.hashvalues)

    def jaccard(self, other):
        return float(np.count_nonzero(self.hashvalues == other.hashvalues)) / len(self.hashvalues)


def from_bytes(raw, num_perm=NUM_PERM):
    values = np.frombuffer(raw, dtype=np.uint64)
    if len(values) != num_perm:
        raise ValueError(f"signature of {len(values)} values, expected {num_perm}")
    return Signature(values)


class DedupePipeline:
    def __init__(self, crawler, threshold):
        self.crawler = crawler
        self.stats = crawler.stats
        self.threshold = threshold
        self.urls = set()
        self.hashes = {}
        self.lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM) if threshold else None
        self.signatures = {}  # url -> Signature, to verify LSH candidates
        self.state = None

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler, crawler.settings.getfloat("GBAF_NEAR_DUP_THRESHOLD", 0.8))

    def open_spider(self):
        self.state = RunState.get(self.crawler)
        if self.state is None:
            return
        seen = set()
        for known in self.state.known.values():
            if known.id in seen:
                continue
            seen.add(known.id)
            self.hashes.setdefault(known.content_hash, known.url)
            if self.lsh is not None and known.signature:
                try:
                    sig = from_bytes(known.signature)
                except ValueError:  # a signature of another shape: that article is not near-checked
                    self.stats.inc_value("gbaf/state/unreadable_signature")
                    continue
                self.lsh.insert(known.url, sig)
                self.signatures[known.url] = sig

    def _drop(self, reason, url, original):
        self.stats.inc_value(f"gbaf/records/dropped/duplicate_{reason}")
        logger.info("duplicate (%s): %s of %s", reason, url, original)
        if self.state is not None and self.state.lookup(url) is None:
            from crawler.text import article_id

            self.state.stage("alias", url, {"alias": url, "id": article_id(original)})
        # Counted and logged above in one line; Scrapy's WARNING would print the whole record.
        raise DropItem(f"duplicate ({reason}) of {original}", log_level="DEBUG")

    def process_item(self, item):
        a = ItemAdapter(item)
        url, digest = a["url"], a["content_hash"]
        if url in self.urls:
            self._drop("url", url, url)
        original = self.hashes.get(digest)
        if original is not None and original != url:
            self._drop("content", url, original)
        sig = None
        if self.lsh is not None and a.get("body"):
            full = minhash(f"{a.get('title') or ''} {a['body']}")
            sig = Signature(full.hashvalues)
            # LSH gives candidates, false positives included: only a verified estimate drops.
            near = sorted(u for u in self.lsh.query(sig)
                          if u != url and sig.jaccard(self.signatures[u]) >= self.threshold)
            if near:
                self._drop("near", url, near[0])
            if url not in self.signatures:
                self.lsh.insert(url, sig)
                self.signatures[url] = sig
        self.urls.add(url)
        self.hashes[digest] = url
        if sig is not None and self.state is not None:
            self.state.signatures[url] = sig.hashvalues.astype(np.uint64).tobytes()
        return item
