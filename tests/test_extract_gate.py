"""The article gate and the JSON-LD it reads, on pages of other publishers: no single signal vetoes,
any schema.org Article subtype counts, and GBAF's own section rules stay on GBAF's pages."""
import json

import pytest

from crawler.article import ArticlePage

TEXT = " ".join(f"Sentence number {i} of the story says what happened in the city today." for i in range(30))


def page(head="", body=None, ld=None):
    scripts = "".join(f'<script type="application/ld+json">{x if isinstance(x, str) else json.dumps(x)}</script>'
                      for x in (ld or []))
    body = body if body is not None else f"<h1>Mayor opens the new bridge</h1><p>{TEXT}</p>"
    return f"<html><head>{head}{scripts}</head><body><main>{body}</main></body></html>"


def news(**extra):
    return {"@context": "https://schema.org", "@type": "NewsArticle", "headline": "Mayor opens the new bridge",
            "datePublished": "2024-04-22T15:26:46Z", "author": {"@type": "Person", "name": "Jasper Riemann"},
            **extra}


def test_og_type_website_does_not_veto_a_newsarticle():
    p = ArticlePage(page('<meta property="og:type" content="website">', ld=[news()]), "https://news.example/a/")
    assert p.not_article_reason() is None
    assert p.record()["published_at"] == "2024-04-22T15:26:46+00:00"


def test_an_embedded_video_does_not_veto_an_article():
    video = {"@type": "VideoObject", "name": "Clip", "uploadDate": "2024-04-22"}
    p = ArticlePage(page('<meta property="og:type" content="article">', ld=[video]), "https://news.example/a/")
    assert p.not_article_reason() is None


@pytest.mark.parametrize("kind", ["ReportageNewsArticle", "AnalysisNewsArticle", "OpinionNewsArticle",
                                  "BackgroundNewsArticle", "ReviewNewsArticle", "LiveBlogPosting",
                                  "BlogPosting", "Report"])
def test_every_article_subtype_gives_its_date_and_authors(kind):
    p = ArticlePage(page(ld=[news(**{"@type": kind})], body="<h1>T</h1><p>Short.</p>"), "https://news.example/b")
    rec = p.record()
    assert p.not_article_reason() is None
    assert (rec["published_at"], rec["authors"]) == ("2024-04-22T15:26:46+00:00", ["Jasper Riemann"])


def test_gbaf_section_names_are_not_applied_to_other_hosts():
    ld = [news(articleSection="Awards")]
    assert ArticlePage(page(ld=ld), "https://news.example/awards/bridge-opens/").not_article_reason() is None
    gbaf = ArticlePage(page(ld=ld), "https://www.globalbankingandfinance.com/bridge-opens/")
    assert gbaf.not_article_reason() == "section:awards"


def test_a_date_in_the_meta_tags_and_a_long_text_make_an_article():
    head = '<meta property="article:published_time" content="2024-04-22T15:26:46Z">'
    p = ArticlePage(page(head), "https://news.example/city/mayor-opens-new-bridge")
    assert p.not_article_reason() is None


def test_a_home_page_is_not_an_article_and_says_why():
    p = ArticlePage(page('<meta property="og:type" content="website">', body="<h1>News</h1><p>Welcome.</p>"),
                    "https://news.example/")
    assert p.not_article_reason() == "url"


def test_raw_newlines_and_a_cdata_wrapper_in_jsonld_are_read():
    raw = '//<![CDATA[\n{"@type": "NewsArticle", "headline": "Two\nlines", "datePublished": "2024-04-22"};\n//]]>'
    rec = ArticlePage(page(ld=[raw]), "https://news.example/a/").record()
    assert rec["title"] == "Two lines" and rec["extraction"]["title"] == "jsonld"


def test_another_storys_article_placed_first_does_not_win():
    other = news(headline="A different story", url="https://news.example/other/", datePublished="2020-01-01")
    own = news(url="https://news.example/a/")
    html = page('<link rel="canonical" href="https://news.example/a/">', ld=[{"@graph": [other, own]}])
    rec = ArticlePage(html, "https://news.example/a/?utm_source=x").record()
    assert (rec["title"], rec["published_at"][:10]) == ("Mayor opens the new bridge", "2024-04-22")


def test_null_escapes_and_lone_surrogates_in_jsonld_never_reach_a_field():
    raw = '{"@type": "NewsArticle", "headline": "Bad\\u0000 head\\ud800line", "datePublished": "2024-04-22"}'
    rec = ArticlePage(page(ld=[raw]), "https://news.example/a/").record()
    assert rec["title"] == "Bad headline"
    rec["body"].encode("utf-8")
    assert len(rec["content_hash"]) == 64
