"""Hostile and broken pages (issue 14, item 5, the parser's cases): bounded work, a small record,
no crash, and no site furniture taken for the text of a page cut short."""
import json

from crawler.article import ArticlePage
from crawler.extract.dom import MAX_ATTRIBUTES, bounded_attributes
from crawler.extract.gbaf import MAX_LINKS

TEXT = "".join(f"<p>Paragraph {i} of the story tells what the central bank decided on Thursday.</p>" for i in range(8))


def test_an_element_with_a_hundred_thousand_attributes_is_bounded_before_parsing():
    for n in (30_000, 100_000):
        attrs = " ".join(f'data-a{i}="x"' for i in range(n))
        html = f"<html><body><article><h1>Rates</h1><p {attrs}>Held.</p>{TEXT}</article></body></html>"
        bounded = bounded_attributes(html)
        assert bounded.count("data-a") == MAX_ATTRIBUTES and bounded.endswith(TEXT + "</article></body></html>")
        page = ArticlePage(html, "https://news.example/rates/central-bank-holds")
        assert page.record()["body"].startswith("Held.")
    long_value = '<p data-json="' + "x" * 50_000 + '">t</p>'
    assert bounded_attributes(long_value) == long_value  # one long attribute is not many


def test_fifty_thousand_related_links_make_a_small_record():
    links = "".join(f'<li><a href="/story-number-{i}/">Story number {i}</a></li>' for i in range(50_000))
    html = (f"<html><body><article><h1>Rates</h1>{TEXT}<h2>More from Headlines</h2><ul>{links}</ul>"
            "</article></body></html>")
    page = ArticlePage(html, "https://www.globalbankingandfinance.com/central-bank-holds/")
    record = page.record()
    assert len(record["related"]) == MAX_LINKS and len(page.related_fetch_urls()) <= MAX_LINKS + 2
    assert len(json.dumps(record)) < 50_000 and record["body"].startswith("Paragraph 0")


def test_a_page_cut_before_its_text_takes_no_menus_or_newsletter_for_a_body():
    menu = "".join(f'<li><a href="/category/c{i}/">Category {i}</a></li>' for i in range(12))
    html = (f"<html><head><title>Rates | Site</title></head><body><header><nav><ul>{menu}</ul></nav></header>"
            "<div class='newsletter'><p>Get the best stories of the day in your inbox every morning, free of "
            "charge, from our newsroom and our partners around the world.</p><p>Sign up for our newsletter and "
            "never miss the news that matters to you, your business and your family.</p></div><div class='ma")
    record = ArticlePage(html, "https://news.example/rates/central-bank-holds").record()
    assert record["body"] == "" and record["truncated"] is True
