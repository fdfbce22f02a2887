"""Body boundaries by content, on pages of other publishers: in-article boxes are skipped, loose
text is kept, the article's scope is found without an <article>, and furniture lines are dropped."""
import json

from crawler.article import ArticlePage


def para(n, word="river"):
    return f"<p>Paragraph {n} tells the {word} story in a sentence long enough to be text of the article.</p>"


def body_of(html, url="https://news.example/city/mayor-opens-bridge"):
    return ArticlePage(html, url).record()["body"]

def assert_furniture(lines, kept=None, href=None):
    """Each line, a paragraph of its own (a link's text with href) among the article's paragraphs,
    is left out of the body; the sentence kept, written the same way, stays."""
    for line in lines:
        inner = f"<a href='{href}'>{line}</a>" if href else line
        html = (f"<html><body><article><h1>T</h1>{para(0)}<p>{inner}</p>"
                f"{''.join(para(i) for i in range(1, 4))}</article></body></html>")
        assert line not in body_of(html), line
    if kept is not None:
        html = f"<html><body><article><h1>T</h1>{para(0)}<p>{kept}</p>{para(1)}{para(2)}</article></body></html>"
        assert kept in body_of(html)


def assert_story_boxes_skipped(labels):
    """A box of other stories headed by each label, inside the text: skipped, label and links, and
    the text after it kept."""
    for label in labels:
        box = f'<h3>{label}</h3><ul><li><a href="/x/">Other story one</a></li><li><a href="/y/">Other story two</a></li></ul>'
        html = f"<html><body><article><h1>T</h1>{para(1)}{para(2)}{box}{para(3)}{para(4)}</article></body></html>"
        body = body_of(html)
        assert "Paragraph 4" in body and "Other story" not in body and label not in body, label



def test_an_in_article_box_is_skipped_not_an_end():
    for label in ("Read more", "More from Politics", "Trending", "Also read", "Up next", "Table of contents"):
        box = f'<div><h3>{label}</h3><ul><li><a href="/x/">Other story one</a></li>' \
              f'<li><a href="/y/">Other story two</a></li></ul></div>'
        html = f"<html><body><article><h1>T</h1>{para(1)}{para(2)}{box}{para(3)}{para(4)}</article></body></html>"
        body = body_of(html)
        assert "Paragraph 4" in body and "Other story" not in body, label


def test_story_lists_after_the_text_are_not_taken_as_text():
    box = '<div><h3>Read more</h3><ul>' + "".join(
        f'<li><a href="/s{i}/">Other story {i}</a></li>' for i in range(5)) + "</ul></div>"
    html = f"<html><body><article><h1>T</h1>{para(1)}{para(2)}{box}<p>Comments</p></article></body></html>"
    assert body_of(html).endswith("text of the article.")


def test_loose_text_beside_block_children_is_kept():
    html = ("<html><body><article><h1>T</h1><div class='text'>The loose opening paragraph stands right in the"
            f" container, as some CMSes write it.<br><br>{para(1)}And a closing line that stands loose too, "
            "after the last block.</div></article></body></html>")
    body = body_of(html)
    assert body.startswith("The loose opening paragraph") and body.endswith("after the last block.")


def test_an_h1_in_a_wrapper_div_does_not_stop_the_walk():
    html = f"<html><body><article><div class='head'><h1>T</h1></div>{para(1)}{para(2)}</article></body></html>"
    body = body_of(html)
    assert body.startswith("Paragraph 1") and ArticlePage(html, "https://n.example/a").record()["extraction"][
        "body"] == "dom"


def test_without_an_article_element_the_densest_container_is_the_scope():
    menu = "<div><p>Home</p><p>Sport news and more of the site menu text here</p></div>"
    sidebar = "<div><p>Newsletter: sign up for our daily digest of everything we publish.</p></div>"
    html = (f"<html><body>{menu}<div><div><h1>T</h1></div><div>{''.join(para(i) for i in range(6))}</div></div>"
            f"{sidebar}</body></html>")
    body = body_of(html)
    assert body.startswith("Paragraph 0") and body.endswith("Paragraph 5 tells the river story in a sentence "
                                                            "long enough to be text of the article.")


def test_a_comments_article_is_not_the_richest():
    comments = "<section><h2>Comments</h2>" + "".join(
        f"<article>{para(i, 'comment')}{para(i + 1, 'comment')}</article>" for i in range(0, 12, 2)) + "</section>"
    html = (f"<html><body><header><h1>T</h1></header><article>{para(1)}{para(2)}{para(3)}</article>{comments}"
            "</body></html>")
    assert "comment" not in body_of(html)
    inside = f"<html><body><article><h1>T</h1>{para(1)}{para(2)}{para(3)}{comments}</article></body></html>"
    assert "comment story" not in body_of(inside)


def test_a_paragraph_holding_a_button_keeps_its_text():
    html = ("<html><body><article><h1>T</h1><p>Shares of Acme rose 5% on Friday after the company said its "
            "profit doubled <button>Add to watchlist</button> in the first quarter of the year.</p>"
            f"{para(1)}</article></body></html>")
    body = body_of(html)
    assert body.startswith("Shares of Acme rose") and "watchlist" not in body


def test_captions_filing_lines_and_paywall_notices_are_dropped():
    lines = ["Photo: Reuters/Jane Doe", "Filed under: Politics, World", "Article content",
             "Subscribe now to continue reading this article."]
    html = "<html><body><article><h1>T</h1>" + para(1) + "".join(f"<p>{t}</p>" for t in lines) + para(2) \
        + "</article></body></html>"
    body = body_of(html)
    assert not any(t in body for t in lines) and "Paragraph 2" in body


def test_a_thousand_nested_divs_inside_the_article_are_walked():
    html = f"<html><body><article><h1>T</h1>{'<div>' * 1000}{para(1)}{para(2)}{'</div>' * 1000}</article></body></html>"
    assert body_of(html).startswith("Paragraph 1")


def test_paragraphs_each_wrapped_in_their_own_divs_add_up_in_their_container():
    # No <article>: each paragraph in div > div, sections between them; the longest one alone is not the text.
    wrapped = "".join(f"<div class='w'><div class='w'>{para(n)}</div></div><h3>Section {n}</h3>"
                      for n in range(1, 6))
    html = (f"<html><body><nav><p>Home</p></nav><div id='content'><h1>T</h1>{wrapped}</div>"
            f"<div class='teaser'><p>A teaser of another story, long enough to be counted as some text here.</p>"
            f"</div></body></html>")
    body = body_of(html)
    assert "Paragraph 1" in body and "Paragraph 5" in body and "teaser" not in body


def test_japanese_boxes_after_the_text_end_it_or_are_skipped():
    text = "".join(f"<p>{'気象庁によると震源地は日向灘で震源の深さは約三十六キロだった。' }{n}</p>" for n in range(22))
    teaser = ("<div><p><a href='/a/1'>夫の首を絞めて殺した疑い、介護していた七十歳の妻を逮捕</a></p>"
              "<p>草津市のマンションの一室で、無職の男性が首を絞められて死亡していた</p><p>1月14日</p></div>")
    tags = "<p>関連キーワード</p><ul><li><div><a href='/k/'><span>社会</span></a></div></li></ul>"
    for after in (f"{tags}<h2>おすすめ情報</h2>{teaser}",  # tags: the end
                  f"<h2>おすすめ情報</h2>{teaser}"):  # a box of stories: skipped, and no prose follows
        html = f"<html><body><article><h1>宮崎で震度5弱</h1>{text}{after}</article></body></html>"
        body = body_of(html, "https://news.example/article/123456")
        assert body.count("日向灘") == 22 and "社会" not in body and "草津市" not in body, after


def test_boxes_named_by_cms_class_words_are_skipped():
    boxes = {
        "comments": '<div id="comments"><p>Great article, I completely agree with every word said here!</p></div>',
        "share": '<div class="post-share-buttons"><p>Share this story with all of your friends today now.</p></div>',
        "related": '<div class="jp-relatedposts"><p>Another story that you might like to read later on.</p></div>',
        "newsletter": '<section class="newsletterBox"><p>Sign up for our daily newsletter and never miss out.</p></section>',
        "author box": '<div class="author-box"><p>Jane Doe writes about cities, bridges and the river.</p></div>',
    }
    for name, box in boxes.items():
        html = f"<html><body><article><h1>T</h1>{para(1)}{para(2)}{box}{para(3)}</article></body></html>"
        body = body_of(html)
        assert "Paragraph 3" in body and len(body.split("\n\n")) == 3, name
    # A layout flag names no box; a box holding most of the text is the text.
    flagged = f'<html><body><article class="has-comments"><h1>T</h1>{para(1)}{para(2)}</article></body></html>'
    assert "Paragraph 2" in body_of(flagged)
    lead = f'<html><body><article><h1>T</h1><div class="teaser">{para(0)}</div>{para(1)}{para(2)}</article></body></html>'
    assert body_of(lead).startswith("Paragraph 0")  # the article's own teaser holds no link


def test_a_comments_box_is_never_the_scope():
    comments = "".join(f"<p>Comment {i}: I think this is a long and thoughtful reply to the story.</p>" for i in range(12))
    html = (f"<html><body><div class='story'><h1>T</h1>{para(1)}{para(2)}{para(3)}</div>"
            f"<div class='commentsBox'>{comments}</div></body></html>")
    body = body_of(html)
    assert "Paragraph 3" in body and "Comment" not in body


def test_story_boxes_of_other_languages_are_skipped():
    assert_story_boxes_skipped(("Ähnliche Beiträge", "Mehr zum Thema", "Das könnte Sie auch interessieren",
                                "Lire aussi", "Temas relacionados", "Zobacz również", "Leggi anche"))


def test_furniture_lines_of_other_languages_are_dropped():
    lines = ("Teilen Sie dies mit:", "Zurück zur Übersicht", "Kommentar verfassen", "Schlagworte: Brücke, Fluss",
             "Augusta National/Getty Images", "Partager")
    html = ("<html><body><article><h1>T</h1>" + para(1) + para(2)
            + "".join(f"<p>{line}</p>" for line in lines) + para(3) + "</article></body></html>")
    body = body_of(html)
    assert "Paragraph 3" in body and not any(line in body for line in lines)


def test_a_text_in_sections_is_taken_whole_from_its_named_container():
    sections = "".join(f"<section><div class='col'>{para(i)}{para(i + 10)}</div></section>" for i in range(3))
    html = (f"<html><body><div class='site-title'><h1>Blog</h1></div>"
            f"<div class='entry-content'>{sections}</div><div class='menu'><p>x</p></div></body></html>")
    body = body_of(html)
    assert all(f"Paragraph {i}" in body for i in (0, 1, 2, 10, 11, 12))


def test_a_body_drawn_by_script_is_read_from_the_data_layer():
    content = "".join(f"<p>Paragraph {i} of the story that the page draws from its query cache.</p>" for i in range(4))
    state = '{"queries":[{"state":{"data":{"title":"T","contentHtml":%s}}}]}' % json.dumps(content)
    html = (f"<html><head><script>window.__RQ = [];window.__RQ.push({state});</script></head>"
            "<body><main><h1>T</h1><div id='app'></div></main></body></html>")
    page = ArticlePage(html, "https://news.example/politics/2026/01/29/the-story")
    record = page.record()
    assert record["body"].startswith("Paragraph 0") and "Paragraph 3" in record["body"]
    assert record["extraction"]["body"] == "jsonld"


def _menu_page(article):
    promo = "".join(f"<p>Our {w} service brings readers the region's news, weather and sport every day"
                    " of the week, with a newsletter in the morning and one at night.</p>"
                    for w in ("city", "county", "state", "travel"))
    return (f"<html><body><header><div class='mega-menu'>{promo}</div></header><div class='page'>"
            f"<h1>Mayor opens the bridge</h1>{article}</div></body></html>")


def test_a_walk_started_in_the_sites_header_is_doubtful():
    """The densest container is the site's header (a mega menu's blurbs) while the article's
    paragraphs each stand in a row of their own beside a picture: the DOM body is doubtful and
    trafilatura is asked."""
    rows = "".join(f"<div class='row'><p>Line {i} of the story says what the mayor did at the river today.</p>"
                   f"<img src='/p{i}.jpg'></div>" for i in range(12))
    ap = ArticlePage(_menu_page(f"<div class='story'>{rows}</div>"), "https://news.example/city/mayor-opens-bridge")
    ap.record()
    assert any(kind == "dom_body_doubtful" for kind, _ in ap.problems)
    # an unclosed site header around the whole page holds the text: no reason for doubt there
    html = _menu_page("").replace("</header>", "").replace("</body>", "".join(para(i) for i in range(12)) + "</header></body>")
    ap = ArticlePage(html, "https://news.example/city/mayor-opens-bridge")
    ap.record()
    assert not any(kind == "dom_body_doubtful" for kind, _ in ap.problems)
    # an article <header> is the article's own: its standfirst is no reason for doubt
    html = (f"<html><body><article><header><h1>Mayor opens the bridge</h1>{para(0)}</header>"
            f"{''.join(para(i) for i in range(1, 8))}</article></body></html>")
    ap = ArticlePage(html, "https://news.example/city/mayor-opens-bridge")
    ap.record()
    assert not any(kind == "dom_body_doubtful" for kind, _ in ap.problems)


def test_a_doubtful_dom_body_gives_way_to_a_third_more_text(monkeypatch):
    """When the DOM body looks wrong, trafilatura's text is taken when it has 1.3 times its words
    (a page whose text the walk cut short by a fifth or more), not only at 1.5 times."""
    from crawler.extract import body as body_mod

    dom = " ".join(f"word{i}" for i in range(30))
    html = (f"<html><head><script type='application/ld+json'>{json.dumps({'@type': 'NewsArticle', 'articleBody': ' '.join(['x'] * 700)})}"
            f"</script></head><body><article><h1>T</h1><p>{dom}.</p></article></body></html>")
    monkeypatch.setattr(body_mod.Body, "_trafilatura",
                        lambda self: [" ".join(f"other{i}" for i in range(40)) + "."])
    assert body_of(html).startswith("other0")
    monkeypatch.setattr(body_mod.Body, "_trafilatura",
                        lambda self: [" ".join(f"other{i}" for i in range(36)) + "."])
    assert body_of(html).startswith("word0")


def test_a_text_in_page_builder_sections_is_taken_whole():
    """A page builder writes the text as blocks of one kind (same tag and class), a heading block
    between them; the densest block alone is not the text: their container is."""
    def block(words, n):
        return "<div class='c-text-element'>" + "".join(para(i, words) for i in range(n)) + "</div>"
    html = ("<html><body><div class='page'><div class='col-main'>"
            "<p class='lead'>The lead paragraph opens the story of the bridge in one long sentence here.</p>"
            f"{block('first', 9)}<div class='c-headline'><h2>What comes next</h2></div>{block('second', 2)}"
            f"<div class='c-headline'><h2>And then</h2></div>{block('third', 2)}</div>"
            "<div class='sidebar-box'><p>Other news of the day in a sentence of some length.</p></div></div></body></html>")
    body = body_of(html)
    assert "the first story" in body and "the third story" in body and "What comes next" in body
    # blocks of another class beside the densest (a layout's other column) do not widen it
    html = ("<html><body><div class='row'><div class='col-8'>" + "".join(para(i) for i in range(8)) + "</div>"
            "<div class='col-4'><p>Newsletter: the day's news in your inbox every morning, sign up now.</p>"
            "</div></div></body></html>")
    assert "Newsletter" not in body_of(html)


def test_share_print_and_follow_prompts_are_furniture():
    lines = ["Möchten Sie den Artikel teilen?", "Dieser Artikel gefällt Ihnen?", "Rezept drucken",
             "Quellen ausblenden", "Folge Anna Muster auf Twitter", "Nos siga no",
             "Permalink https://news.example/p/123", "Das könnte Sie auch interessieren",
             "Weiterführende Links", "This entry was posted in City on May 3, 2024 by admin.",
             "Diese Seite teilen", "%d Bloggern gefällt das:", "Bewerten Sie diesen Artikel", "Valora esta noticia",
             "Para comentar debes registrarte.", "Subscribe to: Post Comments (Atom)",
             "Dieses Skript als PDF herunterladen", "- Anzeige -", "Zurück zum Lexikon", "Zu allen Beiträgen",
             "weiterlesen 5 Minuten", "Diese Seite:", "Next story: the council meets", "Photograph by Ann Example",
             "21 minutes - 4312 words", "Jetzt zum kostenlosen Newsletter anmelden »"]
    html = ("<html><body><article><h1>T</h1>" + "".join(para(i) for i in range(4))
            + "".join(f"<p>{t}</p>" for t in lines) + "</article></body></html>")
    body = body_of(html)
    assert body.endswith("text of the article."), body[-200:]
    # the same words inside a sentence of the text are kept
    kept = "The mayor said she would follow the plan on Twitter and in the council, as promised."
    html = (f"<html><body><article><h1>T</h1>{para(1)}{para(2)}<p>Para comentar la situación, el ministro habló"
            " una hora.</p></article></body></html>")
    assert "Para comentar la situación" in body_of(html)
    html = f"<html><body><article><h1>T</h1>{para(1)}{para(2)}<p>{kept}</p></article></body></html>"
    assert kept in body_of(html)


def test_read_also_boxes_of_nordic_and_czech_pages_are_skipped():
    for label in ("Lue seuraavaksi:", "Läs också", "Læs også", "Les også", "Čtěte také"):
        box = f'<p>{label}</p><p><a href="/x/">Other story one</a></p><p><a href="/y/">Other story two</a></p>'
        html = f"<html><body><article><h1>T</h1>{para(1)}{para(2)}{para(3)}{box}</article></body></html>"
        body = body_of(html)
        assert "Other story" not in body and label.rstrip(":") not in body, label


def test_a_forum_threads_posts_are_its_text():
    """A thread's posts, each an <article> of a row, with no text of substance outside them: the
    row is the text (on a news page the same row is its comments, and the article's text wins)."""
    posts = "".join(f"<article class='message'><div class='user'>user{i}</div><div class='bbWrapper'>"
                    f"Post {i} of the thread says the cat sheds dirt at night, and asks what helps, in a few "
                    f"words more.<br>A second line of post {i}, with more to say about the cat.</div></article>"
                    for i in range(4))
    html = (f"<html><body><div class='p-title'><h1>Cat sheds dirt at night</h1></div><div class='block-body'>{posts}</div>"
            "<div class='about'><p>Since 2006 the forum's members help each other with their pets, "
            "in emergencies, with questions or problems, and with all their knowledge and advice.</p></div></body></html>")
    body = body_of(html, "https://forum.example/threads/cat-sheds-dirt.230143/")
    assert "Post 0 of the thread" in body and "Post 3 of the thread" in body
    comments = "".join(f"<article class='reply'><p>Reader {i} thinks the bridge is too narrow for the "
                       f"buses, and says so at some length here.</p></article>" for i in range(4))
    html = (f"<html><body><h1>Mayor opens the bridge</h1><div class='story'>{''.join(para(i) for i in range(8))}</div>"
            f"<div class='more'>{comments}</div></body></html>")
    assert "Reader" not in body_of(html)


def test_a_listicles_items_each_an_article_are_its_text():
    """A list article writes each item as an <article> of a row inside the article: the row holds
    most of the text, so it is the text; a row of comments below a longer text is still skipped."""
    items = "".join(f"<article class='place'><h2>Place {i}</h2>{para(i, 'lake')}{para(i + 10, 'lake')}</article>"
                    for i in range(4))
    html = f"<html><body><article class='single'><h1>T</h1>{''.join(para(i) for i in range(20, 25))}{items}</article></body></html>"
    body = body_of(html)
    assert "Place 3" in body and "Paragraph 13 tells the lake story" in body
    comments = "".join(f"<article class='note'><p>Reader {i} says the bridge is too narrow for buses.</p></article>"
                       for i in range(3))
    html = f"<html><body><article class='single'><h1>T</h1>{''.join(para(i) for i in range(8))}{comments}</article></body></html>"
    assert "Reader" not in body_of(html)


def test_keep_reading_boxes_enlarge_buttons_and_bracketed_photo_credits():
    box = '<p>Seguir leyendo:</p><p><a href="/x/">Otra historia</a></p><p><a href="/y/">Otra más</a></p>'
    html = ("<html><body><article><h1>T</h1><p>Vergrößern</p><p>El periodista ruso y Premio Nobel de la Paz "
            "(REUTERS/Denis Balibouse)</p>" + "".join(para(i) for i in range(3))
            + "<p>El ministro dijo que la guerra sigue, y que no habrá tregua este año (EFE)</p>" + box
            + "</article></body></html>")
    body = body_of(html)
    assert "Vergrößern" not in body and "Balibouse" not in body and "Otra" not in body
    assert "no habrá tregua este año (EFE)" in body  # a wire paragraph's agency credit is text


def test_many_sections_nested_deep_in_their_blocks_are_taken_whole():
    """A CMS's content elements (TYPO3: div.outer > div.container > div.row > div.text > div) each
    hold one section; the densest is a fifth of the text and five levels below their container."""
    def element(i, n):
        return (f"<div class='outer' id='c{i}'><div class='container'><div class='row textpic'><div class='text'>"
                f"<div class='copy'>{''.join(para(j, f'part{i}') for j in range(n))}</div></div></div></div></div>")
    html = ("<html><body><div class='head'><h1>T</h1></div><div class='content-text'>"
            + element(0, 8) + "".join(element(i, 5) for i in range(1, 7)) + "</div></body></html>")
    body = body_of(html)
    assert "the part0 story" in body and "the part6 story" in body


def test_teasers_each_wrapped_in_an_item_are_a_row_of_articles():
    """A list of other stories, each <article> alone in an item of its own (Drupal's
    div.field__item), is a row of teasers inside the article: skipped like a row of <article>s."""
    teasers = "".join(f"<div class='field__item'><article class='node node--type-article'><h2><a href='/s{i}'>Story {i}</a></h2>"
                      f"<p>The lead of another story number {i}, with a sentence that is long enough.</p></article></div>"
                      for i in range(3))
    html = (f"<html><body><article class='node full'><h1>T</h1>{''.join(para(i) for i in range(6))}"
            f"<div class='field__items'>{teasers}</div></article></body></html>")
    assert "another story" not in body_of(html)


def test_an_html5_box_the_parser_leaves_inside_a_paragraph_is_skipped():
    """libxml2 knows no <aside> or <figure>: it leaves them inside the <p> a browser closes before
    them. The paragraph's own text is kept, the box of links is not."""
    aside = ("<aside class='box'><span>Weiterlesen</span><ul><li><a href='/a'>Experte: Preise steigen</a></li>"
             "<li><a href='/b'>Standort in Gefahr?</a></li></ul></aside>")
    html = (f"<html><body><article><h1>T</h1>{''.join(para(i) for i in range(4))}"
            f"<p>The last paragraph of the story ends with its agency credit here. (dpa){aside}</p>"
            "</article></body></html>")
    body = body_of(html)
    assert body.endswith("agency credit here. (dpa)") and "Weiterlesen" not in body


def test_a_consent_overlay_deep_around_dense_text_is_not_the_scope():
    """A consent manager's box holds pages of legal text, its paragraphs many levels below the box
    named 'cookie' (deeper than any box name is otherwise looked for): the text is elsewhere."""
    legal = "".join(f"<p>Zweck {i}: Wiedergabe von Videos, Erhebung von Verbindungsdaten und Daten Ihres "
                    f"Webbrowsers, Platzierung von Cookies durch Dritte und Weitergabe an Partner.</p>" for i in range(12))
    overlay = (f"<div class='cookie-preference'><div class='container'><div class='row'><div class='col'>"
               f"<div class='row'><div class='col-12'>{legal}</div></div></div></div></div></div>")
    story = "".join(f"<div class='module module-text'><div class='text'>{para(i)}</div></div>" for i in range(4))
    html = (f"<html><body><div id='page'><div id='primary'><h1>T</h1>{story}</div></div>{overlay}</body></html>")
    body = body_of(html)
    assert "Paragraph 3" in body and "Zweck" not in body


def test_a_date_alone_with_its_month_name_is_furniture():
    """The date line above or below a text, with the month written out, in the languages seen most
    (the numeric ones are furniture already); a sentence that names a date stays text."""
    for line in ("Donnerstag, 31. Mai 2012", "Dienstag, 4. Juni 2019, 15:54", "11 Jan 2019", "16 marca 2021",
                 "17 April 2012 • 2:54pm", "March 5, 2026 12:04 PM GMT", "5 de marzo de 2020"):
        html = (f"<html><body><article><h1>T</h1><p>{line}</p>{''.join(para(i) for i in range(4))}"
                "<p>In March 2020 the bridge was closed for a week, the mayor said.</p></article></body></html>")
        body = body_of(html)
        assert line not in body and "In March 2020 the bridge" in body, line


def test_the_text_never_ends_with_a_heading():
    """A box after the text whose links are skipped leaves its label ("Empfehlungen aus der
    Redaktion", "Mehr lesen:"): a heading last in the text is no part of it. A sentence set as a
    heading, the text's last line, stays."""
    box = "<ul>" + "".join(f"<li><a href='/s{i}'>Other story number {i} of the site</a></li>" for i in range(4)) + "</ul>"
    html = (f"<html><body><article><h1>T</h1>{''.join(para(i) for i in range(4))}"
            f"<h3>Empfehlungen aus der Redaktion</h3>{box}</article></body></html>")
    assert body_of(html).endswith("text of the article.")
    html = (f"<html><body><article><h1>T</h1>{''.join(para(i) for i in range(4))}"
            "<h4>All these products and many more are in the shop, and the sale has begun.</h4></article></body></html>")
    assert body_of(html).endswith("the sale has begun.")


def test_a_read_on_link_alone_is_furniture():
    """"weiterlesen", "Mehr lesen:", "Czytaj więcej", "Read more »" standing alone as a line."""
    assert_furniture(("weiterlesen", "Weiterlesen:", "Mehr lesen:", "Czytaj więcej", "Read more »"), href="/next")


def test_a_walk_that_kept_little_of_its_scope_asks_the_fallback():
    """A live ticker's entries, each named "comment", are skipped by the walk as comment boxes:
    it keeps a short intro out of a scope full of text, so the body is doubtful and the fallback
    is asked (the body rule, docs/parser.md)."""
    entries = "".join(f"<div class='live-comment'><p>Minute {i}: the home side presses high and the keeper saves "
                      f"a low shot from the edge of the box after a quick move down the left wing.</p></div>"
                      for i in range(20))
    html = (f"<html><body><main><h1>T</h1>{''.join(para(i) for i in range(6))}"
            f"<div class='live-comments'>{entries}</div></main></body></html>")
    page = ArticlePage(html, "https://news.example/live/home-away")
    page.record()
    assert any(kind == "dom_body_doubtful" for kind, _ in page.problems)


def test_a_tooltip_box_is_no_text():
    """A box shown on hover (the author's bio in a byline's tooltip) is never the article's text."""
    tip = ("<div class='author-tooltip'><p>Jacob Wade is a personal finance expert who has covered credit cards "
           "and investing for many years.</p></div>")
    html = f"<html><body><article><h1>T</h1>{tip}{''.join(para(i) for i in range(4))}</article></body></html>"
    assert "personal finance expert" not in body_of(html)


def test_a_read_also_line_with_the_other_storys_title_is_furniture():
    """"Read more: <title>", "Lea también: <title>", "VEA TAMBIÉN: <title>" between the paragraphs
    point to other stories; a sentence that reads on past a label of its own stays text."""
    assert_furniture(("Read more: Looted colonial art: Germany to set up new contact office",
                 "Lea también: Impiden ingreso a reportero estadounidense", "VEA TAMBIÉN: Estrella de la educación",
                 "Czytaj też: Czy grozi nam wojna atomowa?", "LE PUEDE INTERESAR: La ficha del senador",
                 "À lire aussi » Quel est votre profil digestif ?", "Lesen Sie hier: Spielabbruch in der Kreisliga",
                 "Dowiedz się więcej: Kto jak głosował?"), href="/other",
                     kept="We read more books in winter: the evenings are long and the library stays open late.")


def test_a_post_drawn_from_a_script_template_is_read_from_it():
    """A theme that draws the post from a `<script type="text/template">` (Blogger) leaves no text in
    the visible markup: the template's paragraphs are the body."""
    post = "".join(para(i) for i in range(4))
    html = (f"<html><body><div class='post'><h2>T</h2><div class='post-body'>"
            f"<script type='text/template'><span class='byline'>By Ann Lee</span>{post}</script>"
            f"</div></div></body></html>")
    body = body_of(html, "https://blog.example/2020/05/river-post.html")
    assert body.count("river") >= 4 and "<p>" not in body


def test_paywall_app_newsletter_and_follow_prompts_in_a_sentence_are_furniture():
    """A prompt written as a sentence or two: the paywall's ("Subscribe now to our e-edition for the
    full story.", "... already a subscriber, you can log in ..."), the app's, the newsletter's, and
    "Follow X on Twitter and Instagram @x ..."; "Follow these steps shared on Twitter to ..." stays."""
    assert_furniture(("Subscribe now to our eNATION edition for the full story.",
                 "To view the full story, please subscribe to The Daily Times. You can choose a weekly pass.",
                 "If you are seeing this message but you are already a subscriber, you can log in for access.",
                 "For the latest stories and breaking news updates download the Daily apps for iOS and Android.",
                 "Get the latest news straight to your phone with the Daily app.",
                 "Never miss the latest news by signing up to our newsletter today!",
                 "Follow The Daily on Twitter and Instagram @TheDaily and on Facebook @DailyNews.",
                 "Siguenos en Telegram, Instagram, Facebook y Twitter para recibir todas nuestras noticias"),
                     kept="Follow these steps shared on Twitter to safely stop a thief on a crowded train.")


def test_letter_prompts_ad_disclosures_and_captions_ending_with_their_credit_are_furniture():
    """"Submit a letter to the editor ...", "*Werbung. Dieser Beitrag enthält Werbung für X.",
    "Anzeige, enthält Affiliate Links" and a caption ending "© AFP / NAME" are no text; a sentence
    about copyright that goes on after the sign stays."""
    assert_furniture(("We want to hear what you think. Submit a letter to the editor or write to letters@daily.example.",
                 "*Werbung. Dieser Beitrag enthält Werbung für MARKE.", "Anzeige, enthält Affiliate Links",
                 "Marco Odermatt, Ski-Star aus der Schweiz. © AFP / MARCO BERTORELLO",
                 "Lee Elder war beim Masters 1975 der Zuschauermagnet. | © Augusta National/Getty Images",
                 "This post contains references to products of our advertisers. We may receive compensation when "
                 "you click on links to those products.",
                 "Disclaimer: News articles on this site may contain opinions of the author."),
                     kept="The sign © stands for copyright, and the law protects a text for decades after its author died.")


def test_a_short_walk_in_the_sites_header_asks_the_fallback():
    """The densest paragraphs are the site header's blurb and the article's text stands in a row of
    `<article>` content elements (a CMS's sections, which the scope search passes over): a short walk
    from the site's header is doubtful even where the header holds half the page's paragraph text,
    and the fallback (trafilatura) gives the text."""
    blurb = "".join(f"<p>Federal institute {i} for snow and avalanche research, part of the federal research "
                    f"institutes of the country, in the mountains.</p>" for i in range(3))
    arts = "".join(f"<article class='contentElement'><header><h3>Part {i}</h3></header><div class='bodytext'>"
                   f"<p>Part {i} of the weekly report says the snow cover grew again in the northern Alps this "
                   f"week, and the danger of avalanches rose.</p></div></article>" for i in range(6))
    html = (f"<html><body><div id='page'><header><div class='logoBox'>{blurb}</div></header>"
            f"<div class='content'>{arts}</div></div></body></html>")
    body = body_of(html, "https://institute.example/reports/2022/weekly-report-14-20-january")
    assert "Part 5 of the weekly report" in body and "Federal institute" not in body


def test_more_german_story_box_labels_are_skipped():
    """"Schon gelesen?", "Das Thema könnte dich auch interessieren:", "Lesen Sie auch die folgenden
    Beiträge:", "Weitere Beiträge aus der Kolumne", "Mehr Themen:" head a box of other stories."""
    assert_story_boxes_skipped(("Schon gelesen?", "Das Thema könnte dich auch interessieren:",
                                "Lesen Sie auch die folgenden Beiträge:", "Weitere Beiträge aus der Kolumne",
                                "Mehr Themen:"))


def test_a_source_line_alone_is_furniture():
    """"Quelle: dpa-AFX", "Źródło: ISBnews", "Source: CDC" under the text name where it came from; a
    sentence that opens with the word stays."""
    assert_furniture(("Quelle: dpa-AFX", "Źródło: ISBnews", "Source: CDC, Chicago Department of Public Health"),
                     kept="Source: the ministry said on Monday that the bridge will open in May. It gave no reason for the delay.")


def test_a_plea_for_support_or_membership_is_furniture():
    """The publisher's plea under the text ("Si te parece valioso nuestro trabajo, apóyanos ...",
    "HAZTE MIEMBRO ...", "Wesprzyj nas ...") is no paragraph of the article."""
    assert_furniture(("Si te parece valioso el trabajo de El Diario, apóyanos para seguir. Cancela cuando quieras.",
                 "Hacemos periodismo desde hace 100 años. HAZTE MIEMBRO Y DISFRUTA DE BENEFICIOS EXCLUSIVOS",
                 "Czytasz nowy rodzaj materiału na naszym portalu. Wesprzyj nas darowizną."))
