"""Bad input outside the parser: dates that cannot be, pages in UTF-16 without a BOM or under a
charset they do not use, lone surrogates, and a sitemap or feed with one unreadable date.

Each case was found by fuzzing (issue 14) and crashed the crawl or exported a wrong value.
"""
from datetime import datetime, timezone

import pytest
from hypothesis import given, settings, strategies as st
from scrapy.http import HtmlResponse, Request, Response

from crawler import text as tx
from tests.conftest import SPIDER_BASE as BASE, gbaf_spider, incremental

NOW = datetime(2026, 3, 6, 12, 0, tzinfo=timezone.utc)


# --- dates: total, and inside a window a news page can have ------------------------------------
@pytest.mark.parametrize("value", [
    "9999-12-31T23:59:59-01:00",  # past datetime.max once made UTC: OverflowError
    "0001-01-01T00:00:00+01:00",  # before datetime.min once made UTC
    "0000-01-01", "2026-02-30", "2026-13-01", "32/13/2026", "99999999999", "\x00", "T", "-",
    "Mon, 31 Feb 2026 25:61:00 +9999", "2026-03-06T10:00:00+25:00", "10:15 AM EST 2026 2026",
])
def test_an_impossible_date_is_none_not_an_exception(value):
    assert tx.to_utc_iso(value, now=NOW) is None


@pytest.mark.parametrize("value", ["2999-01-01", "2999-12-31T10:00:00Z", "1970-01-01T00:00:00Z",
                                   "1989-12-31", "0001-01-01", "2026-03-08T00:00:00+00:00"])
def test_a_date_before_1990_or_past_tomorrow_is_not_exported(value):
    assert tx.to_utc_iso(value, now=NOW) is None


@pytest.mark.parametrize("value, expected", [
    ("1990-01-01", "1990-01-01T00:00:00+00:00"),
    ("2026-03-07T11:00:00Z", "2026-03-07T11:00:00+00:00"),  # tomorrow in a zone ahead of UTC
    ("2026-03-06T10:00:00+01:00", "2026-03-06T09:00:00+00:00"),
    ("March 6, 2026", "2026-03-06T00:00:00+00:00"),
])
def test_a_date_inside_the_window_is_read_as_before(value, expected):
    assert tx.to_utc_iso(value, now=NOW) == expected


@pytest.mark.parametrize("value", ["2026", "Published 2026", "March 2026", "2026-03", "© 2026",
                                   "Spring 2026"])
def test_a_year_or_a_month_alone_is_no_date_not_todays_day(value):
    # dateparser fills a missing day and month from today (its RELATIVE_BASE): an invented date.
    assert tx.to_utc_iso(value, now=NOW) is None


@settings(max_examples=100, deadline=None)
@given(st.one_of(st.text(max_size=40),
                 st.from_regex(r"\A[0-9]{1,5}-[0-9]{1,2}-[0-9]{1,2}(T[0-9]{2}:[0-9]{2}(:[0-9]{2})?"
                               r"([+-][0-9]{2}:?[0-9]{2}|Z)?)?\Z"),
                 st.datetimes(timezones=st.timezones()) | st.datetimes()))
def test_date_reading_is_total(value):
    iso = tx.to_utc_iso(value, now=NOW)
    assert iso is None or (iso.endswith("+00:00") and "1990-01-01" <= iso[:10] <= "2026-03-07")


# --- sitemaps and feeds: one bad date costs that entry its date, not the source ------------------
SITE = "https://www.globalbankingandfinance.com"


BAD_DATES = ["9999-12-31T23:59:59-01:00", "2999-01-01", "not a date"]


def news_sitemap(dates):
    rows = "".join(f"<url><loc>{SITE}/story-{i}/</loc><lastmod>{d}</lastmod></url>"
                   for i, d in enumerate(dates))
    return (f'<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/'
            f'sitemap/0.9">{rows}</urlset>').encode()


def feed(dates):
    items = "".join(f"<item><link>{SITE}/story-{i}/</link><pubDate>{d}</pubDate></item>"
                    for i, d in enumerate(dates))
    return f"<rss><channel>{items}</channel></rss>".encode()


@pytest.mark.parametrize("source, path, build", [("sitemap", "/news-sitemap.xml", news_sitemap),
                                                 ("feed", "/feed/", feed)])
def test_one_bad_date_in_a_sitemap_or_feed_skips_that_date_and_keeps_the_rest(source, path, build):
    good = ["2026-03-06T10:00:00Z", "Fri, 06 Mar 2026 09:00:00 +0000"]
    dates = [good[0], BAD_DATES[0], good[0], BAD_DATES[1], good[1], BAD_DATES[2], good[0], good[1]]
    s = incremental(gbaf_spider())
    s.cheap_pending = 1
    url = BASE + path
    response = Response(url, body=build(dates), request=Request(url, meta={"source": source, "kind": "cheap"}))
    asked = [r.url for r in s.parse_cheap(response) if "/story-" in r.url]
    assert sorted(asked) == sorted(f"{BASE}/story-{i}/" for i in range(8))  # all 8, none lost
    assert s.crawler.stats.get_value(f"gbaf/cheap/bad_date/{source}") == 3
    assert s.crawler.stats.get_value(f"gbaf/cheap/read/{source}") == 1
    assert s.cheap_pending == 0  # the source is done: the run goes on to decide on listings
    lastmods = s.run_state.lastmods
    assert [lastmods[f"{SITE}/story-{i}/"] for i in (1, 3, 5)] == [None, None, None]
    assert lastmods[f"{SITE}/story-0/"] == "2026-03-06T10:00:00+00:00"


# --- encodings -------------------------------------------------------------------------------------
PAGE = ('<html><head><meta charset="utf-16"><title>Zürich — 東京</title></head>'
        '<body><article><h1>Crème brûlée für alle — “quoted” 東京 €</h1><p>Ça va très bien.</p>'
        '</article></body></html>')


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_a_utf16_page_without_a_bom_is_read_as_utf16(encoding):
    body = PAGE.encode(encoding)
    assert tx.decode_html(body) == PAGE
    url = "http://127.0.0.1:9/some-story/"
    for charset in ("", "; charset=utf-8", "; charset=iso-8859-1", f"; charset={encoding}"):
        response = HtmlResponse(url, body=body, headers={"Content-Type": f"text/html{charset}"})
        assert tx.html_text(response) == (PAGE, charset in ("; charset=utf-8", "; charset=iso-8859-1"))


def test_a_utf16_declaration_over_utf8_bytes_is_read_as_utf8():
    # The HTML standard reads a <meta charset="utf-16"> as UTF-8: a page that says UTF-16 in its
    # markup is ASCII-compatible, else the markup could not have been read.
    assert tx.decode_html(PAGE.encode("utf-8")) == PAGE


def test_a_utf16_page_with_a_bom_is_read_as_before():
    assert tx.decode_html(PAGE.encode("utf-16")) == PAGE


@pytest.mark.parametrize("declared", ["GB2312", "Shift_JIS", "EUC-KR", "windows-1251", "ISO-8859-2"])
def test_utf8_bytes_under_a_legacy_multibyte_or_cyrillic_charset_are_read_as_utf8(declared):
    # A page re-saved as UTF-8 that kept its old <meta> (a real Fundus fixture declares GB2312).
    page = PAGE.replace('charset="utf-16"', f'charset="{declared}"') + "<!-- 人民网 Москва -->"
    assert tx.decode_html(page.encode("utf-8")) == page


def test_a_real_legacy_page_is_still_read_in_its_charset():
    page = '<html><head><meta charset="GB2312"><title>人民网</title></head><body><p>中国</p></body></html>'
    assert tx.decode_html(page.encode("gb2312")) == page
    page = '<html><head><meta charset="windows-1251"></head><body><p>Москва</p></body></html>'
    assert tx.decode_html(page.encode("cp1251")) == page


# --- lone surrogates ---------------------------------------------------------------------------------
def test_content_hash_takes_a_lone_surrogate():
    h = tx.content_hash("Headline \ud800", "Body \udfff text")
    assert len(h) == 64 and h != tx.content_hash("Headline", "Body text")


def test_clean_text_has_no_lone_surrogates():
    # Such text cannot be written as UTF-8 (a JSON Lines feed would fail on it): U+FFFD stands in.
    assert tx.clean("Head\ud800line é") == "Head\ufffdline é"
    assert tx.clean("😀 \udfff") == "😀 \ufffd"
