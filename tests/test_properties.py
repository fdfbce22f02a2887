"""Property-based tests: the parser and the normalizer on mutated replica pages and odd text.

No exception escapes; every record with the required fields validates against the schema;
normalising is idempotent and keeps the record's derived fields consistent.
"""
import functools

from hypothesis import HealthCheck, given, settings, strategies as st

from crawler.article import ArticlePage
from crawler.text import clean, content_hash, word_count
from pipelines.normalize import NormalizePipeline
from pipelines.validate import load_validator, problems
from replica.site import Site

REQUIRED = ("title", "body", "published_at", "category")


@functools.lru_cache(maxsize=1)
def pages():
    site = Site(articles=40, seed=7)
    out = []
    for record in site.expected_records()[:12]:
        path = record["url"].split(".com", 1)[1]
        status, _headers, body = site.render(path)
        assert status == 200
        out.append((record["url"], body.decode("utf-8")))
    return out


@functools.lru_cache(maxsize=1)
def validator():
    return load_validator()


class _Stats:
    def inc_value(self, *a, **k):
        pass


NORMALIZE = NormalizePipeline(_Stats())

mutation = st.one_of(
    st.tuples(st.just("cut"), st.floats(0, 1)),
    st.tuples(st.just("delete"), st.floats(0, 1), st.integers(1, 5000)),
    st.tuples(st.just("insert"), st.floats(0, 1), st.sampled_from([
        "<", ">", "</div>", "<div>", "<p>", "</article>", "<script>", "&", "&#0;", "\x00", "\ufffd",
        '<script type="application/ld+json">{"@type":"NewsArticle","headline":[1,{"a":null}]}</script>',
        '<script type="application/ld+json">{"@graph": [[[[{"@type": "NewsArticle"}]]]]}</script>',
        '<h2>Key Takeaways</h2>', '<h2>More from Headlines</h2><a href="javascript:alert(1)">x</a>',
        '<a href="data:text/html,hi">d</a>', '<time datetime="not a date">x</time>',
        '<meta property="article:published_time" content="yesterday-ish">',
    ])),
    st.tuples(st.just("junk"), st.floats(0, 1), st.text(min_size=1, max_size=50)),
)


def mutate(html, ops):
    for op in ops:
        at = int(op[1] * len(html))
        if op[0] == "cut":
            html = html[:at]
        elif op[0] == "delete":
            html = html[:at] + html[at + op[2]:]
        else:
            html = html[:at] + op[2] + html[at:]
    return html


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(index=st.integers(0, 11), ops=st.lists(mutation, min_size=1, max_size=4))
def test_parser_survives_mutated_pages_and_records_validate(index, ops):
    url, html = pages()[index]
    page = ArticlePage(mutate(html, ops), url, base_url="http://127.0.0.1:8000")
    page.not_article_reason()
    record = NORMALIZE.process_item(page.record())
    if all(record.get(f) for f in REQUIRED):
        assert problems(validator(), record) == []
    assert record["content_hash"] == content_hash(record["title"], record["body"])
    assert record["word_count"] == word_count(record["body"])
    assert all(r["url"].startswith(("http://", "https://")) for r in record["references"])
    assert all(r["url"].startswith("https://www.globalbankingandfinance.com/") for r in record["related"])


@settings(max_examples=200, deadline=None)
@given(title=st.text(max_size=80), body=st.lists(st.text(max_size=120), max_size=6),
       tags=st.lists(st.text(max_size=15), max_size=6), authors=st.lists(st.text(max_size=30), max_size=4))
def test_normalize_is_idempotent_and_consistent(title, body, tags, authors):
    url, html = pages()[0]
    record = ArticlePage(html, url).record()
    record.update(title=title, body="\n\n".join(body), tags=tags, authors=authors)
    once = NORMALIZE.process_item(dict(record))
    twice = NORMALIZE.process_item(dict(once))
    assert once == twice
    assert once["title"] in (None, clean(title)) or once["title"] == clean(title)
    assert "\n\n\n" not in once["body"] and once["body"] == once["body"].strip()
    assert len({t.casefold() for t in once["tags"]}) == len(once["tags"])
    assert once["content_hash"] == content_hash(once["title"], once["body"])
