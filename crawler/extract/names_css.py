"""Class and id words that name the boxes around an article's text (comments, sharing, related
stories, newsletter, author box, footer): the words every CMS gives them."""
import re
from functools import lru_cache

# Class and id words every CMS gives its boxes around the text (WordPress, Drupal, Disqus, Jetpack,
# Outbrain, ...): comments, share rows, related lists, newsletter boxes, author boxes, footers.
# Matched as whole words of the attribute ("post-comments", "jp-relatedposts", "share_box"), never
# on the scope itself, an ancestor of the title, or a box that holds most of the scope's text.
BOILERPLATE = frozenset({
    "comment", "comments", "commentlist", "commentarea", "commentsarea", "commentsection",
    "commentssection", "commentform", "commentrespond", "kommentar", "kommentare", "respond",
    "disqus", "replies", "share", "sharing", "sharedaddy", "shariff", "social", "socials", "sociable",
    "related", "relatedpost", "relatedposts", "relatedarticles", "relatedstories", "relatedcontent",
    "newsletter", "subscribe", "subscription", "footer", "sidebar", "breadcrumb", "breadcrumbs",
    "outbrain", "taboola", "recommendation", "recommendations", "authorbox", "authorbio", "authorinfo",
    "autorbox", "abouttheauthor", "tooltip", "tags", "tagcloud", "taglist", "posttags", "cookie", "consent",
    "dialog", "modal", "popup", "privacy", "dsgvo", "gdpr", "cookies", "cookiebanner",
    # captions and credits outside a <figure>, the post's meta line, advertising
    "caption", "captions", "credit", "credits", "copyright", "bildunterschrift", "postmeta",
    "entrymeta", "postmetadata", "ad", "ads", "advert", "advertisement", "adsbygoogle", "anzeige",
    "werbung", "promo",
    # overlays, popups and sliders: never the article's text
    "overlay", "popmake", "privacypolicy", "swiper", "carousel", "teaser", "teasers"})
# Words of BOILERPLATE that name an overlay over the page (a cookie-consent dialog, a modal, a
# popup): a text in one, at any depth, is never the article's (a consent manager's box holds pages
# of legal text; scope.in_overlay).
OVERLAY = frozenset({"cookie", "cookies", "cookiebanner", "consent", "gdpr", "dsgvo", "dialog", "modal",
                     "popup", "popmake", "overlay"})
assert OVERLAY <= BOILERPLATE  # names_boilerplate() gives only BOILERPLATE's words
# Words that name a box only where it links elsewhere: a teaser of other stories is a box, the
# article's own "teaser" (its lead, in many CMSs) holds no link.
LINKED_ONLY = frozenset({"teaser", "teasers"})
_NAME_SPLIT = re.compile(r"[\s_-]+")
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")  # "commentsBox": two words
_MODIFIER = re.compile(r"--[\w-]*")  # BEM: "Section--Ads" is a section that shows ads, no ad


_FLAGS = frozenset({"has", "with", "no", "without", "show", "hide", "is", "enable", "enabled"})


@lru_cache(maxsize=8192)  # a page repeats its class strings: each is split once per process
def names_boilerplate(names: str) -> str | None:
    """The word of BOILERPLATE that class/id words name a box with, alone or written as two or three
    ("related-posts", "author-box", "about-the-author"), or None. A layout flag on a container
    ("has-sidebar", "with-comments") names no box."""
    if "--" in names:
        names = _MODIFIER.sub(" ", names)
    words = _NAME_SPLIT.split(_CAMEL.sub(" ", names).lower())
    if not BOILERPLATE.isdisjoint(words):
        return next((w for i, w in enumerate(words)
                     if w in BOILERPLATE and (i == 0 or words[i - 1] not in _FLAGS)), None)
    if len(words) < 2:
        return None
    joined = [*(a + b for a, b in zip(words, words[1:])), *(a + b + c for a, b, c in zip(words, words[1:], words[2:]))]
    return next((w for w in joined if w in BOILERPLATE), None)


# The words CMSs give the container of the article's own text (WordPress entry-content, Drupal
# field--name-body, "article-body", "story-body", ...): the text's sections stand in it.
CONTENT = frozenset({"entrycontent", "postcontent", "articlecontent", "articlebody", "storybody",
                     "postbody", "entrybody", "storycontent", "articletext", "posttext",
                     "blogpost", "postentry"})


@lru_cache(maxsize=8192)
def names_content(names: str) -> bool:
    """Whether class/id words name the container of an article's text (CONTENT)."""
    words = _NAME_SPLIT.split(_CAMEL.sub(" ", names).lower())
    return not CONTENT.isdisjoint(words) or (
        len(words) > 1 and not CONTENT.isdisjoint(a + b for a, b in zip(words, words[1:])))
