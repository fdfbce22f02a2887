"""Authors on pages of other publishers: people only, a sentence is no byline, an agency is the
source, and the bylines of other languages are read."""
import json

from crawler.article import ArticlePage

TEXT = "".join(f"<p>Paragraph {i} of the story tells what the parliament decided on Thursday night.</p>"
               for i in range(6))


def record(body="", head="", ld=None):
    script = f'<script type="application/ld+json">{json.dumps(ld)}</script>' if ld else ""
    html = f"<html><head>{head}{script}</head><body><article><h1>Vote</h1>{body}{TEXT}</article></body></html>"
    return ArticlePage(html, "https://news.example/politics/parliament-votes").record()


def test_a_sentence_opening_with_by_is_not_a_byline():
    rec = record("<p>By comparison, Haniyeh, the group's leader abroad, said little about the talks.</p>")
    assert rec["authors"] == [] and rec["body"].startswith("By comparison, Haniyeh")


def test_an_author_by_alone_is_not_kept():
    assert record(head='<meta name="author" content="By">')["authors"] == []


def test_an_agency_as_author_goes_to_source():
    ld = {"@type": "NewsArticle", "headline": "Vote", "author": [{"@type": "Person", "name": "dpa"}]}
    rec = record(ld=ld)
    assert (rec["authors"], rec["source"]) == ([], "dpa")


def test_bylines_of_other_languages_and_lower_case_people():
    assert record("<p>Von Felix Schröder und Jörg Soldwisch</p>")["authors"] == ["Felix Schröder", "Jörg Soldwisch"]
    ld = {"@type": "NewsArticle", "headline": "Vote", "author": {"@type": "Person", "name": "viktor hedlund"}}
    assert record(ld=ld)["authors"] == ["viktor hedlund"]


def test_written_by_in_the_twitter_labels_and_author_links():
    head = '<meta name="twitter:label1" content="Written by"><meta name="twitter:data1" content="Dieter Kuckelkorn">'
    assert record(head=head)["authors"] == ["Dieter Kuckelkorn"]
    linked = '<ul><li><a href="https://news.example/author/nflakin/">Nathaniel Flakin</a></li></ul>'
    assert record(linked)["authors"] == ["Nathaniel Flakin"]
