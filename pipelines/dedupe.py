"""Dedupe pipeline: one record per story, within a run and across runs.

In order: the same canonical URL (within the run); the same content hash under another URL (one
wire story at two slugs, also against the articles the state store holds); near-duplicates (the
same story lightly edited: MinHash over word shingles with LSH, threshold
`GBAF_NEAR_DUP_THRESHOLD`, also against stored signatures). A dropped duplicate is counted
(`gbaf/records/dropped/duplicate_<reason>`), logged with the URL it duplicates, and its URL is
remembered as an alias so that later runs do not fetch it again.

What the pipeline knows lives in a private SQLite database on disk (`sqlite3.connect("")`: a
temporary file SQLite deletes when the connection closes, with a page cache of `CACHE_KIB`), not in
Python dicts: the crawler's memory stays flat however many articles a run or the archive holds.
A record costs a few indexed lookups in it, inside one transaction held open for the index's life
(nothing of it outlives the process, so nothing is ever committed: SQLite spills pages beyond the
cache to the file as it goes); a statement of its own transaction each took twice the time.

The MinHash is datasketch's `MinHash(num_perm=128, seed=1, scheme="affine32")` over SHA1-32 of the
shingles, computed here with numpy in one vectorised step: importing datasketch imports scipy
(about 58 MiB of resident memory, for the integral that picks the LSH bands), and its per-shingle
Python loop is the slower half of the work. tests/test_dedupe.py checks that the hash values, and
the bands and rows picked for a threshold, are datasketch's own, so signatures stored by earlier
runs stay comparable.
"""
from __future__ import annotations

import hashlib
import logging
import re
import sqlite3
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import numpy as np
from itemadapter import ItemAdapter
from scrapy.exceptions import DropItem

from crawler.defaults import setting
from crawler.run.lifecycle import run_state
from pipelines.prepared import prepared_of

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

NUM_PERM = 128  # estimate error ~0.04 at J=0.8: false drops stay rare
SHINGLE = 3  # words per shingle (shingles() builds them with a three-way zip)
SEED = 1
SCHEME = "affine32"  # stored signatures are only comparable under the same hashing scheme
CACHE_KIB = 4096  # SQLite page cache of the index: what of it stays in memory
_WORD = re.compile(r"\w+", re.UNICODE)


@lru_cache(maxsize=4)
def _permutations(num_perm, seed=SEED):
    """datasketch's affine32 permutations: odd a and any b, drawn from RandomState(seed)."""
    gen = np.random.RandomState(seed)
    a = gen.randint(0, 1 << 31, num_perm, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = gen.randint(0, 1 << 32, num_perm, dtype=np.uint32)
    return a, b


def _fmix32(h):
    """MurmurHash3's 32-bit finalizer (datasketch pre-mixes every input hash with it)."""
    h = h ^ (h >> np.uint32(16))
    h = h * np.uint32(0x85EBCA6B)
    h = h ^ (h >> np.uint32(13))
    h = h * np.uint32(0xC2B2AE35)
    return h ^ (h >> np.uint32(16))


class Signature:
    """The hash values of a MinHash: what LSH and the Jaccard estimate need."""

    __slots__ = ("hashvalues",)

    def __init__(self, hashvalues: np.ndarray) -> None:
        self.hashvalues = hashvalues

    def __len__(self):
        return len(self.hashvalues)

    def jaccard(self, other: Signature) -> float:
        return float(np.count_nonzero(self.hashvalues == other.hashvalues)) / len(self.hashvalues)

    def to_bytes(self) -> bytes:
        """The stored form: 64-bit values, as earlier runs wrote them."""
        return self.hashvalues.astype(np.uint64).tobytes()


def shingles(text: str) -> set[str]:
    """The word 3-shingles of a text (a shorter text is one shingle of all its words)."""
    words = _WORD.findall((text or "").lower())
    if len(words) < SHINGLE:
        return {" ".join(words)}
    return set(map(" ".join, zip(words, words[1:], words[2:])))


def minhash(text: str, num_perm: int = NUM_PERM) -> Signature:
    """The signature of a text's word 3-shingles."""
    sha1 = hashlib.sha1
    # datasketch's sha1_hash32: the first 4 bytes of the SHA1, little-endian.
    hv = np.frombuffer(b"".join([sha1(s).digest()[:4] for s in map(str.encode, shingles(text))]), dtype="<u4")
    a, b = _permutations(num_perm)
    with np.errstate(over="ignore"):  # uint32 arithmetic wraps: that is the modulo 2^32
        values = np.multiply.outer(_fmix32(hv), a)
        values += b
    return Signature(values.min(axis=0).astype(np.uint32, copy=False))


def from_bytes(raw: bytes, num_perm: int = NUM_PERM) -> Signature:
    values = np.frombuffer(raw, dtype=np.uint64)
    if len(values) != num_perm:
        raise ValueError(f"signature of {len(values)} values, expected {num_perm}")
    return Signature(values)


_integral = getattr(np, "trapezoid", None) or np.trapz  # numpy 2 renamed it


@lru_cache(maxsize=16)
def optimal_bands(threshold: float, num_perm: int = NUM_PERM,
                  weights: tuple[float, float] = (0.5, 0.5)) -> tuple[int, int]:
    """(bands, rows) minimising the weighted false positive and negative probabilities, as
    datasketch's MinHashLSH picks them (its `_optimal_param`, integrated here with numpy)."""
    grid = np.linspace(0.0, 1.0, 4001)
    below, above = grid[grid <= threshold], grid[grid >= threshold]
    best, opt = float("inf"), (0, 0)
    for b in range(1, num_perm + 1):
        for r in range(1, num_perm // b + 1):
            fp = _integral(1 - (1 - below ** r) ** b, below)
            fn = _integral(1 - (1 - (1 - above ** r) ** b), above)
            error = fp * weights[0] + fn * weights[1]
            if error < best:
                best, opt = error, (b, r)
    return opt


class DedupeIndex:
    """URLs, content hashes and LSH bands of the run and of the stored articles, in SQLite."""

    def __init__(self, threshold: float, num_perm: int = NUM_PERM) -> None:
        self.threshold = threshold
        self.db = sqlite3.connect("", isolation_level=None)
        self.db.executescript(f"""
            PRAGMA cache_size = -{CACHE_KIB};
            PRAGMA journal_mode = OFF;
            PRAGMA synchronous = OFF;
            CREATE TABLE docs (id INTEGER PRIMARY KEY, url TEXT NOT NULL UNIQUE,
                               in_run INTEGER NOT NULL DEFAULT 0, signature BLOB);
            CREATE TABLE hashes (hash TEXT PRIMARY KEY, url TEXT NOT NULL) WITHOUT ROWID;
            CREATE TABLE bands (key INTEGER NOT NULL, doc INTEGER NOT NULL,
                                PRIMARY KEY (key, doc)) WITHOUT ROWID;
        """)
        self.db.execute("BEGIN")  # never committed: see the module's docstring
        self.bands, rows = optimal_bands(threshold, num_perm) if threshold else (0, 0)
        self.ranges = [(i * rows, (i + 1) * rows) for i in range(self.bands)]
        self._near_sql = (f"SELECT DISTINCT d.url, d.signature FROM bands b JOIN docs d ON d.id = b.doc "
                          f"WHERE b.key IN ({','.join('?' * self.bands)})") if self.bands else None

    def _keys(self, sig):
        """One 63-bit key per band: which band, and its rows' values."""
        values = sig.hashvalues.astype(np.uint64)
        return [int.from_bytes(hashlib.blake2b(bytes([i]) + values[start:end].tobytes(), digest_size=8)
                               .digest(), "little") >> 1 for i, (start, end) in enumerate(self.ranges)]

    def add_known(self, url: str, content_hash: str, sig: Signature | None) -> None:
        """An article the state store holds (before the run's first record)."""
        self.db.execute("INSERT OR IGNORE INTO hashes VALUES (?, ?)", (content_hash, url))
        self._add_signature(url, sig, in_run=0)

    def _add_signature(self, url, sig, in_run):
        raw = sig.to_bytes() if sig is not None else None
        cur = self.db.execute("INSERT OR IGNORE INTO docs (url, in_run, signature) VALUES (?, ?, ?)",
                              (url, in_run, raw))
        if cur.rowcount:
            doc = cur.lastrowid
        else:  # known already: its first signature stays the one compared with
            doc, stored = self.db.execute("SELECT id, signature FROM docs WHERE url = ?", (url,)).fetchone()
            self.db.execute("UPDATE docs SET in_run = max(in_run, ?), signature = coalesce(signature, ?) "
                            "WHERE id = ?", (in_run, raw, doc))
            if stored is not None:
                return
        if sig is not None and self.bands:
            self.db.executemany("INSERT OR IGNORE INTO bands VALUES (?, ?)", [(k, doc) for k in self._keys(sig)])

    def seen_in_run(self, url: str) -> bool:
        row = self.db.execute("SELECT in_run FROM docs WHERE url = ?", (url,)).fetchone()
        return bool(row and row[0])

    def original_of_hash(self, content_hash: str) -> str | None:
        row = self.db.execute("SELECT url FROM hashes WHERE hash = ?", (content_hash,)).fetchone()
        return row[0] if row else None

    def near(self, url: str, sig: Signature) -> list[str]:
        """The URLs whose signature estimates a Jaccard similarity >= threshold (LSH candidates,
        each verified: a false positive of the bands never drops a record)."""
        if not self._near_sql:
            return []
        out = []
        for other, raw in self.db.execute(self._near_sql, self._keys(sig)):
            if other != url and raw is not None and sig.jaccard(from_bytes(raw)) >= self.threshold:
                out.append(other)
        return sorted(out)

    def add(self, url: str, content_hash: str, sig: Signature | None) -> None:
        """A record of this run, kept."""
        self.db.execute("INSERT OR REPLACE INTO hashes VALUES (?, ?)", (content_hash, url))
        self._add_signature(url, sig, in_run=1)

    def close(self) -> None:
        self.db.close()


class DedupePipeline:
    def __init__(self, crawler: Crawler, threshold: float) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        self.threshold = threshold
        self.index = None
        self.state = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DedupePipeline:
        return cls(crawler, setting(crawler.settings, "GBAF_NEAR_DUP_THRESHOLD"))

    def _index(self):
        if self.index is None:
            self.index = DedupeIndex(self.threshold)
        return self.index

    def open_spider(self) -> None:
        index = self._index()
        self.state = run_state(self.crawler)
        if self.state is None:
            return
        seen = set()
        for known in self.state.known.values():
            if known.id in seen:
                continue
            seen.add(known.id)
            sig = None
            if self.threshold and known.signature:
                try:
                    sig = from_bytes(known.signature)
                except ValueError:  # a signature of another shape: that article is not near-checked
                    self.stats.inc_value("gbaf/state/unreadable_signature")
            index.add_known(known.url, known.content_hash, sig)

    def close_spider(self) -> None:
        if self.index is not None:
            self.index.close()
            self.index = None

    def _drop(self, reason, url, original):
        self.stats.inc_value(f"gbaf/records/dropped/duplicate_{reason}")
        if original == url:  # the same URL twice in the run (reached again through an alias)
            logger.info("duplicate (%s): %s, already exported in this run", reason, url)
        else:
            logger.info("duplicate (%s): %s of %s", reason, url, original)
        if self.state is not None and self.state.lookup(url) is None:
            from crawler.text import article_id

            self.state.stage("alias", url, {"alias": url, "id": article_id(original)})
        # Counted and logged above in one line; Scrapy's WARNING would print the whole record.
        raise DropItem(f"duplicate ({reason}) of {original}", log_level="DEBUG")

    @staticmethod
    def _signature(item, a):
        prepared = prepared_of(item)
        if prepared is not None and prepared.signature is not None and prepared.text == (a.get("title"), a["body"]):
            # computed in a worker process (pipelines.prepared), of the same title and body
            return Signature(np.frombuffer(prepared.signature, dtype=np.uint32))
        return minhash(f"{a.get('title') or ''} {a['body']}")

    def process_item(self, item: Any) -> Any:
        index = self._index()
        a = ItemAdapter(item)
        url, digest = a["url"], a["content_hash"]
        if index.seen_in_run(url):
            self._drop("url", url, url)
        original = index.original_of_hash(digest)
        if original is not None and original != url:
            self._drop("content", url, original)
        sig = None
        if self.threshold and a.get("body"):
            sig = self._signature(item, a)
            near = index.near(url, sig)
            if near:
                self._drop("near", url, near[0])
        index.add(url, digest, sig)
        if sig is not None and self.state is not None:
            a["_signature"] = sig.to_bytes()  # for the version pipeline, which removes it
        return item
