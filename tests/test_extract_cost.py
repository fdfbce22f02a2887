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


def test_the_keys_of_the_furniture_patterns_decide_as_re_i_does():
    """A key (lower case) stands in line.lower() wherever a pattern holding it matches under re.I,
    in a line without the characters of _FOLDS_APART: every cased character that re.I matches to a
    key's character lowercases to it, or is one of them."""
    import re

    from crawler.extract.patterns import _FOLDS_APART, _PHRASES, FURNITURE_AROUND

    keys = [k for _n, _p, _b, _a, ks in _PHRASES for k in ks] + [k for _p, ks in FURNITURE_AROUND for k in ks]
    assert all(k == k.lower() for k in keys)
    chars = {c: re.compile(re.escape(c), re.I) for c in set("".join(keys))}
    cased = [chr(cp) for cp in range(0x110000)
             if not 0xD800 <= cp <= 0xDFFF and (chr(cp).lower() != chr(cp) or chr(cp).upper() != chr(cp))]
    apart = {d for c, pattern in chars.items() for d in cased if pattern.fullmatch(d) and d.lower() != c}
    assert apart == set(_FOLDS_APART)


def test_furniture_line_answers_as_the_one_pattern_and_the_one_phrase_search():
    """FURNITURE_AROUND apart from FURNITURE and the phrases searched alone: the same answers as
    one pattern of all the lines' alternatives and one search of all the phrases."""
    import re

    from crawler.extract.patterns import (
        _PHRASE, _PHRASE_KEYS, _PHRASE_MAX, _PHRASE_ROOM, CAPTION_END, DATE_ALONE, FURNITURE,
        FURNITURE_AROUND, furniture_line)

    whole = re.compile("|".join([FURNITURE.pattern] + [p.pattern for p, _k in FURNITURE_AROUND]), re.I)

    def phrase(t):
        low = t.lower()
        if len(t) > _PHRASE_MAX or not any(k in low for k in _PHRASE_KEYS):
            return False
        m = _PHRASE.search(t)
        if m is None:
            return False
        before, after = _PHRASE_ROOM[m.lastgroup]
        return m.start() <= before and len(t) - m.end() <= after

    def one_pattern(t):
        if whole.match(t) or phrase(t):
            return True
        if len(t) <= 60 and DATE_ALONE.fullmatch(t):
            return True
        end = t[-100:]
        return ":" in end and CAPTION_END.search(end) is not None and len(t) <= 500

    lines = ["Dmitry Muratov, periodista ruso (REUTERS/Denis Balibouse)", "Foto (ReUTERS/X Y)",
             "Site news (RSS)", "Site news (Rſs)", "Artikel als PDF herunterladen", "Jetzt zum Newsletter anmelden!",
             "Newſletter: sign up", "Bild: Getty Images / X", "Picture alliance / dpa", "ſhutterstock",
             "Eileen Gu, Freestylerin. © AFP / MADDIE MEYER", "We may receive compensation for links.",
             "Subscribe now to get the full story", "ſubscribe now to get the full story",
             "To view the full story, please subscribe.", "Already a subscriber? Log in here",
             "Download our apps for İOS and Android", "Get the app on iOS", "Wesprzyj nas!", "Apóyanos",
             "The European Commission said on Tuesday it would act. " * 3,
             "It has already begun; we will get commission from the deal, she said.",
             "Read more: the bank's results", "Tags: banking", "A plain sentence of the article text."]
    for t in lines:
        assert furniture_line.__wrapped__(t) == one_pattern(t), t
