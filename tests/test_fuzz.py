"""Fuzzing the parser with mutated replica pages: no exception, no page over a second of CPU, and
every field of the record of the contract's type (schemas/article.schema.json, via jsonschema).

Each example takes one rendered replica article page and applies up to five mutations drawn by
hypothesis: a cut at any point; an element deleted, duplicated or swapped with another (found as
a start tag up to the next end tag of its name, which also makes broken markup); divs nested
inside the article; an element with thousands of attributes; a long list of links; NUL, control
characters and markup fragments at random points; odd dates in every date the page gives; a
corrupted JSON-LD block; and, last, the page as bytes in another encoding with random bytes.

Bounded: a fixed number of examples (FUZZ_EXAMPLES, default 120), derandomized so that CI runs
the same pages each time, with bombs kept under the sizes the parser handles today. The sizes
of issue 14 are named tests below; the parser bounds each of them. Offline, for more pages and other seeds, counting every
failure instead of stopping at the first:

    FUZZ_EXAMPLES=2000 FUZZ_SEED=7 FUZZ_COUNT=1 python -m pytest -q -s tests/test_fuzz.py -k mutated

and FUZZ_BOMBS=full to draw the bombs up to issue 14's sizes.
"""
import functools
import json
import os
import re
import time
from collections import Counter

import pytest
from hypothesis import HealthCheck, given, seed, settings, strategies as st
from jsonschema import Draft202012Validator

from crawler.article import ArticlePage
from crawler.items import ARTICLE_FIELDS
from pipelines.validate import SCHEMA_PATH
from replica.site import Site

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "120"))
# FUZZ_BOMBS=full (offline): bombs up to issue 14's sizes, which the parser does not handle yet.
BOMBS = {"nest": 3000, "attrs": 30000, "links": 50000} if os.environ.get("FUZZ_BOMBS") == "full" else \
    {"nest": 300, "attrs": 3000, "links": 2000}
SEED = os.environ.get("FUZZ_SEED")
COUNT = bool(os.environ.get("FUZZ_COUNT"))  # offline: count failures, never stop at one
CPU_LIMIT = 1.0  # seconds of this process's CPU per page (not wall time: the machine is shared)
# Fields a page may lack: the record then fails validation and is dropped as invalid (counted),
# which is the contract's way; every other field always has its type.
MAY_BE_MISSING = {"title", "category", "body", "published_at"}
ODD_DATES = ["9999-12-31T23:59:59-01:00", "0000-00-00", "0001-01-01T00:00:00+01:00", "2999-12-31",
             "1970-01-01T00:00:00Z", "2026", "March 2026", "2026-13-45", "yesterday", "", " ",
             "2026-03-06T25:61:61Z", "+002026-03-06", "Fri, 31 Feb 2026 10:00:00 +9999", "\x00",
             "2026-03-06T10:00:00+14:00", "1e400", "NaN", "06/03/2026 10:00 PM XYZ"]
FRAGMENTS = ["\x00", "\x01\x02\x1f", "\x7f", "\ufffd", "\ud800", "\u202e", "<", ">", "&", "&#0;", "&#xD800;",
             "</article>", "<article>", "</body></html>", "<html>", "<script>", "<!--", "]]>", "<![CDATA[",
             "<h1>", "</p></div></div>", "<p>By</p>", "<p>By comparison, the bank said so.</p>",
             '<meta property="og:type" content="website">', "<h2>Read more</h2>", "<h2>Key Takeaways</h2>",
             '<time datetime="9999-12-31T23:59:59-01:00">x</time>', '<a href="javascript:alert(1)">x</a>']
ENCODINGS = [None, "utf-8", "utf-16", "utf-16-le", "utf-16-be", "cp1252", "latin-1", "shift_jis", "gb18030"]
SITE = "https://www.globalbankingandfinance.com"
TAG = re.compile(r"<(p|div|li|ul|h[1-6]|section|article|main|header|footer|nav|aside|script|a|span|time|"
                 r"meta|link|figure|table|tr|td|strong|em|body|head|title)\b[^>]*>", re.I)


@functools.lru_cache(maxsize=1)
def pages():
    site = Site(articles=40, seed=11)
    out = []
    for record in site.expected_records()[:10]:
        status, _headers, body = site.render(record["url"].split(".com", 1)[1])
        assert status == 200
        out.append((record["url"], body.decode("utf-8")))
    # First calls import and load what later pages reuse (trafilatura's fallbacks and justext's word
    # lists for a page without text, codecs): not any page's own cost.
    url, html = out[0]
    for page in (html, html[:5000], html[:5000].encode("gb18030"), html.encode("shift_jis", "replace"),
                 apply(html, ("date", "10:15 AM EST, March 6 2026"))):  # dateparser's first call
        ArticlePage(page, url).record()
    return out


@functools.lru_cache(maxsize=1)
def schema():
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


@functools.lru_cache(maxsize=None)
def field_validator(field):
    return Draft202012Validator(schema()["properties"][field])


# --- mutations ---------------------------------------------------------------------------------
def _elements(html):
    """(start, end) spans of elements: a start tag to the next end tag of its name (or the tag alone)."""
    spans = []
    for m in TAG.finditer(html):
        close = html.find(f"</{m.group(1).lower()}>", m.end())
        spans.append((m.start(), close + len(m.group(1)) + 3 if close >= 0 else m.end()))
        if len(spans) >= 2000:
            break
    return spans


def _at(html, frac):
    return int(frac * len(html))


def _inside_article(html, frac):
    start = html.find("<article")
    start = html.find(">", start) + 1 if start >= 0 else 0
    end = html.find("</article>", start)
    end = end if end >= 0 else len(html)
    return start + int(frac * (end - start))


def apply(html, op):
    kind = op[0]
    if kind == "cut":
        return html[:_at(html, op[1])]
    if kind in ("delete", "duplicate", "swap"):
        spans = _elements(html)
        if not spans:
            return html
        a, b = spans[int(op[1] * (len(spans) - 1))]
        if kind == "delete":
            return html[:a] + html[b:]
        if kind == "duplicate":
            return html[:b] + html[a:b] + html[b:]
        c, d = spans[int(op[2] * (len(spans) - 1))]
        if c < b and a < d:  # overlapping: nothing to swap
            return html
        (a, b), (c, d) = sorted([(a, b), (c, d)])
        return html[:a] + html[c:d] + html[b:c] + html[a:b] + html[d:]
    if kind == "nest":
        at = _inside_article(html, op[1])
        return html[:at] + "<div>" * op[2] + "<p>Deep text of the story.</p>" + "</div>" * op[2] + html[at:]
    if kind == "attrs":
        at = _inside_article(html, op[1])
        attrs = " ".join(f'data-a{i}="v{i}"' for i in range(op[2]))
        return html[:at] + f"<p {attrs}>A paragraph with many attributes.</p>" + html[at:]
    if kind == "links":
        where = op[3]
        if where == "related":  # among the cards of the page's own "More from" block
            at = html.find("<a ", max(html.find("More from"), 0))
            items = "".join(f'<a href="{SITE}/story-{i}/">Another story number {i}</a>' for i in range(op[2]))
            return html[:at] + items + html[at:] if at >= 0 else html
        at = _inside_article(html, op[1]) if where == "article" else _at(html, op[1])
        items = "".join(f'<li><a href="/story-{i}/">Another story number {i}</a></li>' for i in range(op[2]))
        return html[:at] + f"<h2>More from Headlines</h2><ul>{items}</ul>" + html[at:]
    if kind == "insert":
        at = _at(html, op[1])
        return html[:at] + op[2] + html[at:]
    if kind == "date":
        value = op[1].replace('"', "")
        html = re.sub(r'datetime="[^"]*"', lambda _m: f'datetime="{value}"', html)
        html = re.sub(r'("date(?:Published|Modified|Created)"\s*:\s*)"[^"]*"',
                      lambda m: m.group(1) + json.dumps(value), html)
        return re.sub(r'(property="article:(?:published|modified)_time" content=)"[^"]*"',
                      lambda m: f'{m.group(1)}"{value}"', html)
    if kind == "jsonld":
        return _corrupt_jsonld(html, op[1], op[2])
    raise AssertionError(kind)


def _corrupt_jsonld(html, how, frac):
    m = re.search(r'(<script type="application/ld\+json">)(.*?)(</script>)', html, re.S)
    if not m:
        return html
    text = m.group(2)
    if how == "truncate":
        text = text[:_at(text, frac)]
    elif how in ("nul", "surrogate", "newline", "quote"):
        escape = {"nul": "\\u0000", "surrogate": "\\ud800", "newline": "\n", "quote": '\\"'}[how]
        text = re.sub(r'("headline"\s*:\s*")', lambda g: g.group(1) + escape, text)
        text = re.sub(r'("name"\s*:\s*")', lambda g: g.group(1) + escape, text, count=1)
    elif how == "types":
        text = re.sub(r'"(headline|datePublished|author|@type|keywords|articleSection)"\s*:',
                      lambda g: f'"{g.group(1)}": [1, {{"@type": null}}], "x":', text)
    elif how == "other_story_first":
        other = ('{"@context":"https://schema.org","@type":"NewsArticle","headline":"Another story",'
                 '"datePublished":"2021-01-01","url":"https://www.globalbankingandfinance.com/another/"}')
        return html[:m.start()] + f'<script type="application/ld+json">{other}</script>' + html[m.start():]
    elif how == "deep":
        text = "[" * 2000 + text + "]" * 2000
    return html[:m.start(2)] + text + html[m.end(2):]


def encode(html, encoding, noise):
    """The page as bytes in another encoding (what a server could send), with random bytes."""
    if encoding is None:
        return html
    raw = html.encode(encoding, "replace") if encoding != "utf-8" else html.encode("utf-8", "surrogatepass")
    for frac, byte in noise:
        at = int(frac * len(raw))
        raw = raw[:at] + bytes([byte]) + raw[at:]
    return raw


fraction = st.floats(0, 1)
mutation = st.one_of(
    st.tuples(st.just("cut"), fraction),
    st.tuples(st.sampled_from(["delete", "duplicate", "swap"]), fraction, fraction),
    st.tuples(st.just("nest"), fraction, st.integers(1, BOMBS["nest"])),
    st.tuples(st.just("attrs"), fraction, st.integers(1, BOMBS["attrs"])),
    st.tuples(st.just("links"), fraction, st.integers(1, BOMBS["links"]),
              st.sampled_from(["article", "related", "anywhere"])),
    st.tuples(st.just("insert"), fraction, st.sampled_from(FRAGMENTS) | st.text(max_size=30)),
    st.tuples(st.just("date"), st.sampled_from(ODD_DATES) | st.text(max_size=25)),
    st.tuples(st.just("jsonld"), st.sampled_from(["truncate", "nul", "surrogate", "newline", "quote", "types",
                                                  "other_story_first", "deep"]), fraction),
)


# --- the check -------------------------------------------------------------------------------------
def check(url, page):
    """(record, CPU seconds) of one page; raises on what the contract forbids."""
    started = time.process_time()
    ap = ArticlePage(page, url)
    reason = ap.not_article_reason()
    record = ap.record()
    cpu = time.process_time() - started
    assert list(record) == list(ARTICLE_FIELDS)
    for field, value in record.items():
        if field in MAY_BE_MISSING and value in (None, ""):
            continue
        errors = [e.message[:120] for e in field_validator(field).iter_errors(value)]
        assert not errors, f"{field}={value!r:.200}: {errors}"
    if reason is None and all(record[f] for f in MAY_BE_MISSING):
        errors = [e.message[:120] for e in Draft202012Validator(schema()).iter_errors(record)]
        assert not errors, errors
    if cpu >= CPU_LIMIT:
        raise TooSlow(cpu)
    return record, cpu


class TooSlow(AssertionError):
    def __init__(self, cpu):
        super().__init__(f"{cpu:.2f} s of CPU for one page (limit {CPU_LIMIT} s)")
        self.cpu = cpu


STATS = {"pages": 0, "failures": Counter(), "slowest": (0.0, None)}


def _settings():
    chosen = settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=SEED is None,
                      suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                             HealthCheck.filter_too_much], print_blob=True)
    return (lambda f: seed(int(SEED))(chosen(f))) if SEED is not None else chosen


@_settings()
@given(index=st.integers(0, 9), ops=st.lists(mutation, min_size=1, max_size=5),
       encoding=st.sampled_from(ENCODINGS), noise=st.lists(st.tuples(fraction, st.integers(0, 255)), max_size=3))
def test_mutated_replica_pages_parse_fast_into_records_of_the_contracts_types(index, ops, encoding, noise):
    url, html = pages()[index]
    for op in ops:
        html = apply(html, op)
    page = encode(html, encoding, noise)
    if not COUNT:
        check(url, page)
        return
    STATS["pages"] += 1
    cpu = None
    try:
        _record, cpu = check(url, page)
    except TooSlow as exc:
        cpu = exc.cpu
        STATS["failures"][f"over {CPU_LIMIT} s of CPU"] += 1
    except Exception as exc:  # noqa: BLE001 - counted, and reported at the end of the run
        STATS["failures"][f"{type(exc).__name__}: {str(exc).splitlines()[0][:90] if str(exc) else ''}"] += 1
    if cpu is not None and cpu > STATS["slowest"][0]:
        STATS["slowest"] = (cpu, [o[:1] + tuple(str(x)[:12] for x in o[1:]) for o in ops] + [encoding])


def teardown_module(module):
    if COUNT and STATS["pages"]:
        print(f"\nfuzz: {STATS['pages']} pages, {sum(STATS['failures'].values())} failures; "
              f"slowest {STATS['slowest'][0]:.3f} s CPU ({STATS['slowest'][1]})")
        for what, n in STATS["failures"].most_common(20):
            print(f"  {n:5d}  {what}")


# --- the sizes of issue 14 (the parser's cases): each failed before the parser package bounded it -------
def _page(op):
    url, html = pages()[0]
    return url, apply(html, op)


def test_a_lone_surrogate_escape_in_the_jsonld_headline_makes_a_record():
    url, html = _page(("jsonld", "surrogate", 0))
    record, _cpu = check(url, html)
    assert "\ud800" not in record["title"]


def test_a_thousand_divs_nested_inside_the_article_make_a_record():
    try:
        check(*_page(("nest", 0.5, 1000)))
    except RecursionError:  # said in one line: pytest takes a minute to format 1,000 frames
        pytest.fail("RecursionError", pytrace=False)


def test_thirty_thousand_attributes_on_one_element_parse_in_under_a_second():
    check(*_page(("attrs", 0.5, 30000)))


def test_fifty_thousand_links_make_a_bounded_record_in_under_a_second():
    record, _cpu = check(*_page(("links", 0, 50000, "related")))
    assert len(json.dumps(record)) < 1_000_000


def test_a_nul_escape_in_the_jsonld_headline_does_not_reach_the_title():
    record, _cpu = check(*_page(("jsonld", "nul", 0)))
    assert "\x00" not in record["title"]


def test_another_storys_jsonld_placed_first_does_not_give_its_title_or_date():
    record, _cpu = check(*_page(("jsonld", "other_story_first", 0)))
    assert record["title"] != "Another story" and not (record["published_at"] or "").startswith("2021")


def test_a_page_cut_before_its_article_text_has_no_menus_for_a_body():
    url, html = pages()[0]
    full = ArticlePage(html, url).record()
    record, _cpu = check(url, html[:html.find("<article")])
    assert record["truncated"]
    assert set(record["body"].split("\n\n")) - {""} <= set(full["body"].split("\n\n"))


def test_an_author_named_by_is_no_author():
    url, html = pages()[0]
    html = re.sub(r'("author":\s*\[?\{[^}]*"name":\s*)"[^"]*"', r'\1"By"', html, count=1)
    record, _cpu = check(url, html)
    assert "By" not in record["authors"]
