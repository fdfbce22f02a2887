"""Item pipelines on their own: normalize, validate (reasons counted), dedupe within a run."""
import pytest
from scrapy.exceptions import DropItem

from crawler.text import content_hash, split_people
from pipelines.dedupe import DedupePipeline
from pipelines.normalize import NormalizePipeline
from pipelines.validate import ValidatePipeline, load_validator
from replica.site import Site


class Stats:
    def __init__(self):
        self.values = {}

    def inc_value(self, key, count=1):
        self.values[key] = self.values.get(key, 0) + count


class Crawler:
    def __init__(self):
        self.stats = Stats()
        from scrapy.settings import Settings

        self.settings = Settings({"GBAF_STATE_ENABLED": False})

    def get_extension(self, cls):
        return None  # no run lifecycle: no state store


@pytest.fixture
def record():
    r = dict(Site(articles=20, seed=2).expected_records()[0])
    r.update(crawled_at="2026-11-25T05:00:00+00:00", extraction={"title": "jsonld", "body": "dom"})
    return r


@pytest.mark.parametrize("text,people", [
    ("By John Davison", ["John Davison"]),
    ("By Jane Roe and John Doe", ["Jane Roe", "John Doe"]),
    ("Jane Roe, John Doe", ["Jane Roe", "John Doe"]),
    ("By Jane Roe & John Doe; Editing by Alex Smith", ["Jane Roe", "John Doe"]),
    ("Reuters", []),
    ("Global Banking & Finance Review", []),
    ("By Jane Roe and jane roe", ["Jane Roe"]),
    ("By Jane Roe, Senior Correspondent", ["Jane Roe"]),
    ("By John Doe, Head of Payments at Acme Bank", ["John Doe"]),
    ("By Jane Roe, CEO of Acme, and John Doe, CFO of Beta", ["Jane Roe", "John Doe"]),
    ("By Jane Roe (Reuters)", ["Jane Roe"]),
    ("By Jane Roe March 6, 2026", ["Jane Roe"]),
])
def test_bylines_split_into_people(text, people):
    assert split_people(text) == people


def test_normalize_canonicalises_and_recomputes(record):
    pipe = NormalizePipeline(Stats())
    messy = dict(record, url="http://globalbankingandfinance.com/" + record["url"].split(".com/", 1)[1].rstrip("/")
                 + "?utm_source=x#top",
                 title="  Cafe\u0301   society\n", tags=["Banking", "banking", " Markets "],
                 authors=["By Jane Roe and John Doe", "John Doe"],
                 published_at="2026-03-06T09:12:00-05:00", updated_at="March 7, 2026",
                 body=record["body"].replace("\n\n", "\n\n\n  "))
    out = pipe.process_item(messy)
    assert out["url"] == record["url"]
    assert out["title"] == "Café society"  # NFC, whitespace collapsed
    assert out["tags"] == ["Banking", "Markets"]
    assert out["authors"] == ["Jane Roe", "John Doe"]
    assert out["published_at"] == "2026-03-06T14:12:00+00:00"
    assert out["updated_at"] == "2026-03-07T00:00:00+00:00"
    assert out["body"] == record["body"]
    assert out["content_hash"] == content_hash("Café society", record["body"])


@pytest.mark.parametrize("change,reason", [
    ({"title": ""}, "validate/invalid/title/minLength"),
    ({"published_at": None}, "validate/invalid/published_at/type"),
    ({"published_at": "March 6, 2026"}, "validate/invalid/published_at/pattern"),
    ({"url": "https://example.com/x/"}, "validate/invalid/url/pattern"),
    ({"tags": ["A", "A"]}, "validate/invalid/tags/uniqueItems"),
    ({"word_count": "12"}, "validate/invalid/word_count/type"),
    ({"extraction": {"title": "guess"}}, "validate/invalid/extraction/enum"),
])
def test_invalid_records_are_dropped_and_counted_per_reason(record, change, reason, caplog):
    stats = Stats()
    pipe = ValidatePipeline(stats, load_validator())
    assert pipe.process_item(dict(record)) is not None
    with pytest.raises(DropItem):
        pipe.process_item(dict(record, **change))
    counted = {k for k in stats.values if k.startswith("validate/invalid/")}
    assert reason in counted
    assert stats.values["gbaf/records/dropped/invalid"] == 1
    assert dict(record, **change)["url"] in caplog.text  # the log names the record's URL


def test_missing_field_is_counted_as_required(record):
    stats = Stats()
    pipe = ValidatePipeline(stats, load_validator())
    broken = dict(record)
    del broken["language"]
    with pytest.raises(DropItem):
        pipe.process_item(broken)
    assert stats.values == {"validate/invalid/language/required": 1, "gbaf/records/dropped/invalid": 1}


def test_dedupe_within_a_run(record):
    crawler = Crawler()
    pipe = DedupePipeline(crawler, 0.8)
    pipe.open_spider()
    pipe.process_item(dict(record))
    with pytest.raises(DropItem):
        pipe.process_item(dict(record))
    assert crawler.stats.values == {"gbaf/records/dropped/duplicate_url": 1}


# Odd item shapes a spider change could produce: each is dropped with its field counted, never a
# crash of the pipeline and never coerced (a string of tags is not a list of letters).
MALFORMED = [
    ("url", {"url": None}), ("url", {"url": 5}), ("url", {"url": "  "}),
    ("body", {"body": ["a paragraph"]}), ("title", {"title": ["T"]}),
    ("tags", {"tags": "Banking"}), ("authors", {"authors": "Jane Roe"}),
    ("key_takeaways", {"key_takeaways": "one"}), ("faq", {"faq": ["a question?"]}),
    ("faq", {"faq": [{"question": 1, "answer": "a"}]}), ("related", {"related": [{"title": "no url"}]}),
    ("references", {"references": "https://example.com/"}), ("published_at", {"published_at": 20260101}),
]


@pytest.mark.parametrize("field,change", MALFORMED, ids=[f"{f}-{i}" for i, (f, _c) in enumerate(MALFORMED)])
def test_malformed_items_are_dropped_with_a_counted_reason(record, field, change, caplog):
    stats = Stats()
    with pytest.raises(DropItem):
        NormalizePipeline(stats).process_item({**record, **change})
    assert stats.values == {f"normalize/malformed/{field}": 1, "gbaf/records/dropped/malformed": 1}
    assert f"field {field} has the wrong shape" in caplog.text


def test_tags_as_a_list_pass_untouched(record):
    out = NormalizePipeline(Stats()).process_item({**record, "tags": ["Banking"]})
    assert out["tags"] == ["Banking"]


def _through(item, stats, crawler):
    """The item after normalize, validate and dedupe (a fresh dedupe index), or the DropItem."""
    try:
        for pipe in (NormalizePipeline(stats), ValidatePipeline(stats, load_validator()),
                     DedupePipeline(crawler, 0.8)):
            item = pipe.process_item(item)
        return dict(item)
    except DropItem as exc:
        return exc.__class__


def _messy(record):
    return dict(record, title="  Cafe\u0301   society\n", tags=["Banking", "banking"], authors=["By Jane Roe"],
                published_at="2026-03-06T09:12:00-05:00", body=record["body"].replace("\n\n", "\n\n\n  "))


@pytest.mark.parametrize("shape", ["clean", "messy", "invalid", "malformed"])
def test_work_prepared_in_a_worker_gives_the_same_outcome(record, shape):
    """spiders/gbaf_warc.py's workers compute the pure part of the pipelines (pipelines.prepared):
    the item, the verdict, the signature and the counted stats are the same as without it."""
    from crawler.items import ArticleItem
    from pipelines.dedupe import minhash
    from crawler.archive.extract import prepare
    from pipelines.prepared import attach, prepared_of

    raw = {"clean": dict(record), "messy": _messy(record), "invalid": dict(record, extraction={"title": "guess"}),
           "malformed": dict(record, tags="Banking")}[shape]
    plain_stats, plain_crawler = Stats(), Crawler()
    plain = _through(ArticleItem(raw), plain_stats, plain_crawler)
    prepared = prepare(dict(raw))
    item = ArticleItem(raw)
    if prepared is not None:
        attach(item, prepared)
    prepared_stats, prepared_crawler = Stats(), Crawler()
    assert _through(item, prepared_stats, prepared_crawler) == plain
    assert prepared_stats.values == plain_stats.values
    if shape == "malformed":
        assert prepared is None and plain is DropItem
        return
    assert prepared_of(item) is prepared and prepared.applied
    assert bool(prepared.changes) == (shape == "messy")
    assert prepared.valid == (shape != "invalid")
    if shape != "invalid":
        normal = plain
        expected = minhash(f"{normal['title']} {normal['body']}").hashvalues
        assert bytes(prepared.signature) == expected.tobytes()


def test_a_prepared_signature_of_another_text_is_not_used(record):
    """A pipeline that changed the body after the worker's work: the dedupe pipeline computes the
    signature of the body it sees, not the worker's."""
    from crawler.items import ArticleItem
    from pipelines.dedupe import DedupePipeline, minhash
    from crawler.archive.extract import prepare
    from pipelines.prepared import attach

    item = ArticleItem(record)
    attach(item, prepare(dict(record)))
    item["body"] = record["body"] + "\n\nAnother paragraph."
    sig = DedupePipeline._signature(item, item)
    assert (sig.hashvalues == minhash(f"{record['title']} {item['body']}").hashvalues).all()
