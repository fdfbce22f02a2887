"""The dedupe pipeline's MinHash and LSH: datasketch's own values, an index on disk, and the
drops a user would check (near-duplicates against stored articles, memory that does not grow)."""
import gc
import tracemalloc

import numpy as np
import pytest
from scrapy.exceptions import DropItem

from pipelines import dedupe
from pipelines.dedupe import DedupeIndex, DedupePipeline, from_bytes, minhash, optimal_bands
from replica.site import Site

datasketch = pytest.importorskip("datasketch")  # requirements-dev.txt: the reference implementation

SITE = Site(articles=60, seed=1)


def _reference(text):
    m = datasketch.MinHash(num_perm=dedupe.NUM_PERM, seed=dedupe.SEED, scheme=dedupe.SCHEME)
    m.update_batch([s.encode("utf-8") for s in dedupe.shingles(text)])
    return m


@pytest.mark.parametrize("text", [r["title"] + " " + r["body"] for r in list(SITE.expected_by_url().values())[:20]]
                         + ["", "one", "two words", "Straße café 日本語 банк", "a b c d e f"])
def test_signatures_are_datasketchs(text):
    """Signatures stored by earlier runs (datasketch's MinHash) must stay comparable."""
    ours, ref = minhash(text), _reference(text)
    assert ours.hashvalues.dtype == ref.hashvalues.dtype
    assert np.array_equal(ours.hashvalues, ref.hashvalues)
    assert from_bytes(ours.to_bytes()).jaccard(ours) == 1.0


@pytest.mark.parametrize("threshold", [0.5, 0.7, 0.8, 0.9])
def test_bands_are_the_ones_datasketch_picks(threshold):
    lsh = datasketch.MinHashLSH(threshold=threshold, num_perm=dedupe.NUM_PERM)
    assert optimal_bands(threshold) == (lsh.b, lsh.r)


def _crawler():
    from scrapy.utils.test import get_crawler

    return get_crawler(settings_dict={"GBAF_STATE_ENABLED": False})


def test_near_candidates_are_the_ones_datasketch_finds():
    """On every pair of replica stories and their light edits, the index returns exactly the URLs a
    datasketch MinHashLSH returns after the verification by estimate."""
    records = list(SITE.expected_by_url().values())
    edited = Site(articles=60, seed=1, step=2).expected_by_url()
    index = DedupeIndex(0.8)
    lsh = datasketch.MinHashLSH(threshold=0.8, num_perm=dedupe.NUM_PERM)
    refs = {}
    for r in records:
        text = f"{r['title']} {r['body']}"
        index.add(r["url"], r["content_hash"], minhash(text))
        refs[r["url"]] = _reference(text)
        lsh.insert(r["url"], refs[r["url"]])
    found = 0
    for url, r in edited.items():
        text = f"{r['title']} {r['body']}"
        probe = "https://www.globalbankingandfinance.com/probe/"
        expected = sorted(u for u in lsh.query(_reference(text)) if refs[u].jaccard(_reference(text)) >= 0.8)
        assert index.near(probe, minhash(text)) == expected
        found += bool(expected)
    assert found >= len(records) - 5  # edits are near their originals (the threshold test says why)


def test_near_duplicate_of_a_stored_article_is_dropped_and_the_same_url_is_not():
    records = list(SITE.expected_by_url().values())
    first, other = records[0], records[1]
    crawler = _crawler()
    pipe = DedupePipeline(crawler, 0.8)
    pipe.open_spider()
    pipe.index.add_known(first["url"], first["content_hash"], minhash(f"{first['title']} {first['body']}"))
    # The stored article itself, updated: kept (the version pipeline decides what changed).
    pipe.process_item(dict(first, body=first["body"] + " Updated.", content_hash="1" * 64))
    # The same story at another URL, lightly edited: dropped as near, naming the stored URL.
    with pytest.raises(DropItem, match=first["url"]):
        pipe.process_item(dict(first, url="https://www.globalbankingandfinance.com/wire-copy/",
                               body=first["body"] + " Reporting by Jane Roe.", content_hash="2" * 64))
    pipe.process_item(dict(other))
    with pytest.raises(DropItem):
        pipe.process_item(dict(other))  # the same URL twice in a run
    values = crawler.stats.get_stats()
    assert values["gbaf/records/dropped/duplicate_near"] == 1
    assert values["gbaf/records/dropped/duplicate_url"] == 1
    pipe.close_spider()


def test_threshold_zero_turns_near_duplicates_off():
    record = next(iter(SITE.expected_by_url().values()))
    pipe = DedupePipeline(_crawler(), 0.0)
    pipe.open_spider()
    pipe.process_item(dict(record))
    pipe.process_item(dict(record, url="https://www.globalbankingandfinance.com/twin/", content_hash="3" * 64))


def test_index_memory_does_not_grow_with_the_records():
    """What the pipeline keeps per record is on disk: 4,000 records add no Python memory."""
    sig = minhash("a story about banks and rates in several words here")
    index = DedupeIndex(0.8)

    def add(start, count):
        values = sig.hashvalues.copy()
        for i in range(start, start + count):
            values[0] = i  # another signature each time (another band key)
            index.add(f"https://www.globalbankingandfinance.com/story-{i}/", f"{i:064x}",
                      dedupe.Signature(values.copy()))

    add(0, 500)
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    add(500, 4000)
    gc.collect()
    grown = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    assert grown < 200 * 1024, grown  # the dict-based pipeline kept ~3 KiB per record: 12 MiB here
    assert index.seen_in_run("https://www.globalbankingandfinance.com/story-4499/")
    index.close()
