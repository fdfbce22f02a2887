"""The article parser on saved pages: every fixture's whole record, and every layer's fallback."""
import json
import re
from pathlib import Path

import pytest

from crawler.article import ArticlePage, parse_article
from crawler.text import content_hash, word_count

PAGES = Path(__file__).parent / "fixtures" / "pages"
FIXTURES = sorted(p.stem for p in PAGES.glob("*.html"))


def load(name):
    spec = json.loads((PAGES / f"{name}.json").read_text(encoding="utf-8"))
    return (PAGES / f"{name}.html").read_text(encoding="utf-8"), spec


@pytest.mark.parametrize("name", FIXTURES)
def test_fixture_record(name):
    html, spec = load(name)
    record = parse_article(html, spec["url"])
    if spec.get("article") is False:
        assert record is None
        return
    assert record is not None, "the page is an article"
    record.pop("crawled_at")
    assert record == spec["record"]


def test_record_rules_hold():
    html, spec = load("gbaf-iran-proxies")
    record = parse_article(html, spec["url"])
    assert record["url"] == ("https://www.globalbankingandfinance.com/"
                             "exclusive-iran-spent-years-fostering-proxies-iraq-now-many-arent-eager-join-war/")
    assert record["word_count"] == word_count(record["body"])
    assert record["content_hash"] == content_hash(record["title"], record["body"])
    assert "By John Davison" not in record["body"]
    assert "Why waste money" not in record["body"]
    assert "Quick Summary" not in record["body"] and "References" not in record["body"]
    assert record["truncated"] is True  # ends "Qais al-Khazali, a U.S.-san"
    assert record["authors"] == ["John Davison"]  # the publisher in JSON-LD is not an author
    assert record["title"].startswith("Exclusive-Iran spent years fostering proxies in Iraq. Now")


def strip_jsonld(html):
    return re.sub(r'<script type="application/ld\+json">.*?</script>', "", html, flags=re.S)


def strip_meta(html):
    return re.sub(r"<meta [^>]*>|<link rel=\"canonical\"[^>]*>|<title>.*?</title>", "", html, flags=re.S)


@pytest.mark.parametrize("mutate,layers", [
    (strip_jsonld, {"title": "meta", "published_at": "meta", "faq": "dom", "authors": "dom"}),
    (strip_meta, {"title": "jsonld", "published_at": "jsonld", "image_url": "jsonld"}),
    (lambda h: strip_meta(strip_jsonld(h)),
     {"title": "dom", "published_at": "dom", "updated_at": "dom", "category": "dom", "tags": "dom",
      "image_url": "dom", "faq": "dom", "url": "fallback"}),
])
def test_each_layer_falls_back_to_the_next(mutate, layers):
    html, spec = load("gbaf-iran-proxies")
    full = parse_article(html, spec["url"])
    record = parse_article(mutate(html), spec["url"])
    for field in ("url", "title", "category", "tags", "authors", "source", "dateline", "published_at",
                  "updated_at", "summary", "body", "key_takeaways", "faq", "references", "related",
                  "image_url", "reading_time_minutes", "language", "content_hash"):
        assert record[field] == full[field], field
    for field, layer in layers.items():
        assert record["extraction"][field] == layer, field


def test_body_container_renamed_and_no_article_element():
    html, spec = load("gbaf-iran-proxies")
    html = html.replace("<article", "<div").replace("</article>", "</div>").replace("prose", "x9Ks1")
    record = parse_article(html, spec["url"])
    assert record["body"] == parse_article(load("gbaf-iran-proxies")[0], spec["url"])["body"]


def test_generic_extractor_is_the_last_resort_for_the_body():
    # No JSON-LD, no Next.js data, and text only in <div>s without paragraphs or an <article>.
    words = " ".join(["Markets rallied as investors weighed the outlook for rates."] * 12)
    html = (f"<html><head><title>Rates | X</title><meta property='og:type' content='article'>"
            f"<meta property='article:published_time' content='2026-01-02'></head><body>"
            f"<div><div>{words}</div><div>{words}</div></div></body></html>")
    page = ArticlePage(html, "https://news.example/rates/")
    record = page.record()
    assert record["body"] and record["extraction"]["body"] in ("dom", "fallback")
    assert not [p for p in page.problems if p[0].startswith("fallback")]
    assert record["published_at"] == "2026-01-02T00:00:00+00:00"


def test_trafilatura_gives_the_body_when_the_page_has_no_paragraph_structure():
    sentence = "The central bank raised its benchmark rate by a quarter point on Thursday. "
    html = ("<html><head><meta property='og:type' content='article'><title>Rates</title></head>"
            "<body><div id='x'>" + "".join(f"<span>{sentence * 3}</span><br><br>" for _ in range(6))
            + "</div></body></html>")
    page = ArticlePage(html, "https://news.example/rates/")
    fallback = page._trafilatura()
    assert fallback and "central bank raised" in " ".join(fallback)
    assert not page.problems


@pytest.mark.parametrize("html", [
    "", "<html>", "<<<>>>", "\x00\x01binary", "<html><body><h1>Only a title</h1></body></html>",
    '<html><head><script type="application/ld+json">{"@type": "NewsArticle", bad json</script></head></html>',
    '<html><head><script type="application/ld+json">[[[[[[[[[[[[1]]]]]]]]]]]]</script></head></html>',
])
def test_broken_pages_never_crash(html):
    page = ArticlePage(html, "https://www.globalbankingandfinance.com/x/")
    page.not_article_reason()
    page.record()


def test_invalid_jsonld_is_reported_and_other_layers_still_work():
    html, spec = load("gbaf-iran-proxies")
    broken = html.replace('<script type="application/ld+json">{', '<script type="application/ld+json">{,,')
    page = ArticlePage(broken, spec["url"])
    assert ("jsonld_invalid", "1 block(s)") in page.problems
    assert page.record()["title"] == parse_article(html, spec["url"])["title"]


def test_an_empty_related_block_stays_empty():
    """A 'More from' block filled by script is empty in the static HTML: the post navigation after
    it is not related articles."""
    html, spec = load("gbaf-iran-proxies")
    start = html.index('<div class="grid grid-cols-1 gap-6 md:grid-cols-4">')
    end = html.index('<div class="mt-6 text-center">')
    empty = html[:start] + '<div class="grid grid-cols-1 gap-6 md:grid-cols-4"></div>' + html[end:]
    empty = empty.replace('<div class="mt-6 text-center"><a href="/category/headlines/">View All Headlines Posts</a></div>', "")
    page = ArticlePage(empty, spec["url"])
    assert page.block("related") is not None
    assert page.record()["related"] == []
    assert len(page.related_fetch_urls()) == 2  # previous and next posts are still followed
