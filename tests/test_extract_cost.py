"""The parser's shortcuts give what the plain forms they stand for give: lxml's text serialisation
is `"".join(itertext())`, the one label pattern picks the kind the patterns asked in turn pick."""
from lxml import etree

from crawler.extract.dom import HTML_PARSER, all_text, text_len, visible_text
from crawler.extract.inputs import _AFTER_RELATED, _ANY_LABEL
from crawler.extract.page import ArticlePage
from crawler.extract.patterns import LABELS

TRICKY = (
    "<html><head><script>var a = '<p>x</p>' && 1 < 2;</script><style>p{}</style></head><body>"
    "<div id=d>Lead <?php echo 1; ?>tail <!-- a comment --> after<p>Zürich &amp; "
    "Genève&nbsp;— “quoted”<br>line two<b>bold</b>tail</p><ul><li>one</li><li>日本語の記事</li></ul>"
    "<table><tr><td>cell</td></tr></table>\t\n <span>  spaced  </span></div>"
    "<p>x<svg><text>in svg</text></svg>y</p></body></html>")


def _elements(html):
    root = etree.fromstring(html.encode("utf-8"), parser=HTML_PARSER)
    return [el for el in root.iter() if isinstance(el.tag, str)]


def test_all_text_is_the_joined_itertext_on_every_element():
    for html in (TRICKY, "<p>a<b>b</b>c</p>", "<div>" * 300 + "deep" + "</div>" * 300):
        for el in _elements(html):
            assert all_text(el) == "".join(el.itertext()), el.tag
            assert text_len(el) == sum(len(t) for t in el.itertext()), el.tag


def test_all_text_on_a_prepared_page_and_its_visible_text():
    page = ArticlePage(TRICKY, "https://example.com/news/2024/05/a-story-about-cities")
    for el in page.root.iter():
        if isinstance(el.tag, str):
            assert all_text(el) == "".join(el.itertext())
    div = page.root.find(".//div")
    assert "Zürich & Genève — “quoted”" in visible_text(div)
    assert "var a" not in visible_text(page.root)  # scripts are gone once prepared


def _one_by_one(key, in_link):
    for kind, pattern in LABELS:
        if pattern.match(key):
            if kind == "related" and in_link:
                continue
            return kind
    return None


def _combined(key, in_link):
    m = _ANY_LABEL.match(key)
    if m is None:
        return None
    kind = m.lastgroup
    if kind == "related" and in_link:
        kind = next((k for k, p in LABELS[_AFTER_RELATED:] if p.match(key)), None)
    return kind


def test_one_label_pattern_picks_the_kind_the_patterns_in_turn_pick():
    keys = ["Quick Summary", "Key Takeaways", "Frequently Asked Questions", "FAQs", "References",
            "Table of Contents", "Related", "Related articles", "Related topics", "More from Reuters",
            "Previous post", "Next post", "View all", "Tags", "Read next", "Up next", "Mehr zum Thema",
            "Lire aussi", "関連記事", "Schlagwörter zu diesem Artikel", "Summary of the day",
            "Related Posts", "Trending", "Also read", "Nothing of the sort", ""]
    seen = set()
    for key in keys:
        for in_link in (False, True):
            got = _combined(key, in_link)
            assert got == _one_by_one(key, in_link), (key, in_link)
            seen.add(got)
    assert {"summary", "takeaways", "faq", "references", "toc", "related", "tags", None} <= seen


def test_a_link_reading_related_is_no_label_and_the_label_after_it_is_still_found():
    # In a link, "Related articles" (a menu entry) is no label; the later kinds are still asked.
    assert _one_by_one("Related articles", False) == "related"
    assert _combined("Related articles", True) is None
    assert _combined("Tags", True) == "tags"
