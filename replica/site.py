"""The replica's model of www.globalbankingandfinance.com: articles, listings, time steps.

`Site(articles, seed, step)` is a deterministic site: everything follows from the seed
through `random.Random` instances keyed by article, never from global state or the clock.
Only the small per-article facts needed for listings (title, slug, category, time, tags)
are built up front; article bodies are generated when a page or a record asks for them
and kept in a small LRU cache, so a 20,000-article site stays light.

The site also states what a correct crawl of it yields (`expected_records`), which ways of
reaching an article are duplicates (`aliases`), and which linked pages are not articles or
are broken. Pages themselves are rendered by `pages` and `feeds`.

Article keys: 0..articles-1 are the site at step 0, key 0 the newest, each older than the
one before. Step k (k >= 1) adds keys articles+5(k-1) .. articles+5k-1, newer than all
before them, and updates 3 existing articles.

Script-filled pages (opt-in, `Site(js_share=0.1)`, `python -m replica --js-share 0.1`): that
share of article pages ship their "More from" block empty and fill it in the browser, after a
short timer, from the page's Next.js data (`/_next/data/<buildId>/<slug>.json`); and one
category (`load_more`, Business by default) shows its first page of cards and a "Load more"
button that fetches the next cards (`/_next/data/<buildId>/category/<slug>/page/<n>.json`)
instead of linking `/page/2/`. Some older articles of that category are listed nowhere else
(no sitemap, feed, tag page, related block or post navigation): only "Load more" reaches
them. `expected_records()` stays what a rendering crawl must produce; `script_filled_paths()`
says which pages need rendering and `static_misses()` what a crawl that never renders misses.
With js_share=0 (the default) none of this exists and every page is as before.
"""
from __future__ import annotations

import threading
import zlib
from collections import OrderedDict
from datetime import datetime, timezone
from random import Random
from typing import NamedTuple
from urllib.parse import unquote, urlsplit

from . import prose
from . import words as W
from .rules import (SITE_ROOT, canonical_url, content_hash, dedupe, is_truncated, iso_utc, join_body,
                    midnight_utc, normalise, record_id, word_count)

EPOCH = int(datetime(2026, 3, 6, 20, 0, tzinfo=timezone.utc).timestamp())
STEP_SECONDS = 6 * 3600
NEW_PER_STEP = 5
UPDATED_PER_STEP = 3
PER_PAGE = 12
RELATED_COUNT = 12
SCHEMA_VERSION = 1
# Script-filled pages (js_share > 0): the category whose listing pages behind "Load more".
LOAD_MORE_CATEGORY = "Business"


class Category(NamedTuple):
    name: str
    slug: str

    @property
    def path(self) -> str:
        return f"/category/{self.slug}/"


NEWS_CATEGORIES = [Category(n, n.lower()) for n in (
    "Headlines", "Business", "Finance", "Banking", "Technology", "Investing", "Trading",
    "Interviews", "Trends")]
CATEGORY_WEIGHTS = [34, 12, 12, 10, 8, 7, 6, 5, 6]
# Share of wire copy per category; Interviews are always the site's own.
WIRE_SHARE = {"Headlines": 0.9, "Business": 0.6, "Finance": 0.6, "Banking": 0.55, "Trading": 0.6,
              "Investing": 0.35, "Technology": 0.3, "Trends": 0.2, "Interviews": 0.0}
TOP_STORIES = Category("Top Stories", "top-stories")
VIDEOS = Category("Videos", "videos")
CATEGORIES_BY_SLUG = {c.slug: c for c in NEWS_CATEGORIES + [TOP_STORIES, VIDEOS]}
CATEGORIES_BY_NAME = {c.name: c for c in NEWS_CATEGORIES + [TOP_STORIES, VIDEOS]}
# Trends is reachable only from the top navigation: never on the home page body, footer or html sitemap.
HIDDEN_CATEGORY = "Trends"

UTM_QUERIES = ["utm_source=newsletter&utm_medium=email", "utm_source=twitter&utm_medium=social&utm_campaign=gbaf"]


# -- variety by article key --------------------------------------------------------------------
# Each kind is picked by the key with its own modulus, so kinds combine rather than
# coincide, and every kind is 5-10% of the articles.

def head_profile(key: int) -> str:
    """Which machine-readable layers the page carries."""
    return {3: "no_jsonld", 7: "no_meta", 11: "bare", 15: "bare", 19: "no_nextdata"}.get(key % 20, "full")


def has_jsonld(key):
    return head_profile(key) in ("full", "no_meta", "no_nextdata")


def has_meta(key):
    return head_profile(key) in ("full", "no_jsonld", "no_nextdata")


def has_nextdata(key):
    return head_profile(key) in ("full", "no_jsonld", "no_meta")


def has_time_attr(key):
    return key % 3 == 0


def has_summary(key):
    return key % 17 != 3


def has_takeaways(key):
    return key % 17 != 8


def has_faq(key):
    return key % 19 != 5


def has_references(key):
    return key % 19 != 12


def has_image(key):
    return key % 18 != 7


def has_tags(key):
    return key % 18 != 13


def has_reading_time(key):
    return key % 16 != 11


def is_cut_short(key):
    return key % 19 == 16


def has_duplicate_tag(key):
    return key % 23 == 7


def has_broken_related(key):
    return key % 25 == 8


def other_agency(key):
    """AFP or AP copy instead of Reuters (forced, so a small site has some)."""
    if key % 25 == 12:
        return "AFP" if (key // 25) % 2 == 0 else "AP"
    return None


def update_style(key):
    """'none': no update info anywhere; 'same': updated == published; 'later'."""
    return {5: "none", 2: "same"}.get(key % 12, "later")


def is_nfd(key):
    """Pages served in decomposed Unicode (NFD); the record is NFC all the same."""
    return key % 29 == 13


class Stub:
    """What listings, related blocks and feeds need to know about an article."""
    __slots__ = ("key", "slug", "title", "cat", "cat2", "pub", "kind", "agency", "tags", "wire_slug",
                 "alias", "broken")

    @property
    def path(self) -> str:
        return f"/{self.slug}/"

    @property
    def url(self) -> str:
        return SITE_ROOT + self.path


class VideoStub:
    __slots__ = ("index", "slug", "title", "pub", "description", "youtube_id")

    @property
    def path(self) -> str:
        return f"/{self.slug}/"


class Article:
    """An article's full content at the site's step."""
    __slots__ = ("stub", "authors", "byline", "blocks", "summary", "takeaways", "empty_bullet", "faq",
                 "references", "reading_time", "image_url", "updated", "excerpt", "update_count")


COMPANY_PAGES = {
    "/about-us/": "About Us", "/advertising/": "Advertising", "/contact-us/": "Contact Us",
    "/press-release/": "Press Release", "/profile/": "Profile", "/research-reports/": "Research Reports",
    "/submit-post/": "Submit Post", "/publishing-principles/": "Publishing Principles",
    "/ownership-funding/": "Ownership & Funding", "/corrections-policy/": "Corrections Policy",
    "/editorial-code-of-ethics/": "Editorial Code of Ethics",
    "/diversity-inclusion-policy/": "Diversity & Inclusion Policy",
    "/fact-checking-policy/": "Fact Checking Policy", "/advertising-terms/": "Advertising Terms",
    "/privacy-policy/": "Privacy & Cookie Policy",
}
AWARD_PAGES = {
    "/awards/": "Global Banking & Finance Awards®", "/awards/about-the-awards/": "About the Awards",
    "/awards/awards-timetable/": "Awards TimeTable", "/awards/submit-nominations/": "Submit Nominations",
    "/awards/testimonials/": "Testimonials", "/awards/media-room/": "Media Room",
    "/awards/award-winners/": "Award Winners", "/awards/faq/": "FAQ",
}
MAGAZINE_ISSUES = [79, 78, 77, 76, 75, 73, 71, 70, 69, 66]
OTHER_PAGES = {"/latest-news/": "Latest News", "/html-sitemap/": "Sitemap", "/tags/": "Tags",
               "/magazines/": "Magazines"}
RESERVED_SLUGS = {p.strip("/").split("/")[0] for p in list(COMPANY_PAGES) + list(AWARD_PAGES) + list(OTHER_PAGES)} | {
    "category", "tag", "feed", "sitemaps", "_next", "api", "admin", "author", "search", "newsletter"}


def magazine_path(issue: int) -> str:
    return f"/global-banking-finance-review-magazine-issue-{issue}/"


def tag_slug(name: str) -> str:
    return prose.slugify(name, drop_stopwords=False)


class Site:
    def __init__(self, articles: int = 300, seed: int = 1, step: int = 0, js_share: float = 0.0,
                 load_more: str | None = None):
        if articles < 1 or step < 0:
            raise ValueError("articles must be >= 1 and step >= 0")
        if not 0.0 <= js_share <= 1.0:
            raise ValueError("js_share must be between 0 and 1")
        self.js_share = js_share
        self.n_base = articles
        self.seed = seed
        self.step = step
        self._titles: set = set()
        self._taken: set = set(RESERVED_SLUGS)
        self._stubs: list = []
        self._by_slug: dict = {}
        self._by_wire_slug: dict = {}
        self._cache: OrderedDict = OrderedDict()
        self._cache_lock = threading.Lock()

        pubs = self._base_pubs()
        for key in range(articles):
            self._add_stub(key, pubs[key])
        for key in range(articles):
            self._add_broken(self._stubs[key])
        self._make_videos()
        for k in range(1, step + 1):
            for j in range(NEW_PER_STEP):
                key = articles + NEW_PER_STEP * (k - 1) + j
                jitter = Random(f"gbaf:{seed}:new:{key}").randrange(-1200, 1200)
                self._add_stub(key, EPOCH + (k - 1) * STEP_SECONDS + (j + 1) * 3600 + jitter)
                self._add_broken(self._stubs[key])
        self._updates = self._schedule_updates()
        self._index()
        self._script_related: set = set()  # keys whose "More from" block the browser fills
        self._listing_only: set = set()  # keys reachable only through "Load more"
        self.load_more = None  # the Category whose listing pages by script
        if js_share > 0:
            self._choose_script_filled(load_more or LOAD_MORE_CATEGORY)

    # -- construction -----------------------------------------------------------------------

    def _base_pubs(self) -> list:
        rng = Random(f"gbaf:{self.seed}:timeline")
        t = EPOCH - rng.randrange(300, 3000)
        out = []
        for _ in range(self.n_base):
            out.append(t)
            t -= rng.randrange(1200, 18000)
        return out

    def _unique_slug(self, base: str) -> str:
        slug, n = base, 2
        while slug in self._taken:
            slug, n = f"{base}-{n}", n + 1
        self._taken.add(slug)
        return slug

    def _add_stub(self, key: int, pub: int) -> None:
        rng = Random(f"gbaf:{self.seed}:{key}:stub")
        topic = prose.Topic(Random(f"gbaf:{self.seed}:{key}:topic"))
        s = Stub()
        s.key, s.pub = key, pub
        agency = other_agency(key)
        cats = NEWS_CATEGORIES if not agency else [c for c in NEWS_CATEGORIES if c.name != "Interviews"]
        weights = CATEGORY_WEIGHTS if not agency else [w for c, w in zip(NEWS_CATEGORIES, CATEGORY_WEIGHTS)
                                                        if c.name != "Interviews"]
        s.cat = rng.choices(cats, weights)[0].name
        if s.cat == "Interviews":
            s.kind, s.agency = "interview", None
        elif agency or rng.random() < WIRE_SHARE[s.cat]:
            s.kind, s.agency = "wire", agency or "Reuters"
        else:
            s.kind, s.agency = "own", None
        for _ in range(5):
            title = prose.headline(rng, topic, s.kind)
            if title not in self._titles:
                break
        self._titles.add(title)
        s.title = title
        s.slug = self._unique_slug(prose.slugify(title))
        s.cat2 = None
        if s.cat != HIDDEN_CATEGORY:
            if key % 10 == 4:
                s.cat2 = TOP_STORIES.name
            elif key % 14 == 6:
                s.cat2 = rng.choice([c.name for c in NEWS_CATEGORIES
                                     if c.name not in (s.cat, HIDDEN_CATEGORY, "Interviews")])
        if has_tags(key):
            lead = {"Headlines": "Finance", "Trends": "Technology"}.get(s.cat, s.cat)
            lead = lead if lead in W.TAGS else "Finance"
            rest = rng.sample([t for t in W.TAGS if t != lead], rng.randrange(1, 5))
            tags = [lead] + rest if rng.random() < 0.7 else rest + [lead]
            if has_duplicate_tag(key):
                tags.append(tags[0].lower() if tags[0].lower() != tags[0] else tags[0].upper())
            s.tags = tuple(tags)
        else:
            s.tags = ()
        s.wire_slug = None
        s.alias = None
        if s.agency == "Reuters" and head_profile(key) != "bare" and key % 8 == 1:
            uid = "%08x-%04x-4%03x-%04x-%012x" % (rng.getrandbits(32), rng.getrandbits(16), rng.getrandbits(12),
                                                   0x8000 | rng.getrandbits(14), rng.getrandbits(48))
            s.wire_slug = f"{prose.wire_slug_words(title)}-{uid}"
            s.alias = "wire"
        elif key % 16 == 6:
            s.alias = "utm"
        elif key % 16 == 10:
            s.alias = "noslash"
        s.broken = None
        self._stubs.append(s)
        self._by_slug[s.slug] = key
        if s.wire_slug:
            self._by_wire_slug[s.wire_slug] = key

    def _add_broken(self, s: Stub) -> None:
        """A related link to an article that no longer exists (the link 404s)."""
        if not has_broken_related(s.key):
            return
        rng = Random(f"gbaf:{self.seed}:{s.key}:broken")
        title = prose.headline(rng, prose.Topic(rng), "wire")
        s.broken = (title, self._unique_slug(prose.slugify(title)))

    def _make_videos(self) -> None:
        rng = Random(f"gbaf:{self.seed}:videos")
        self._videos = []
        self._video_by_slug = {}
        t = EPOCH - rng.randrange(3600, 86400)
        for i in range(max(8, self.n_base // 25)):
            v = VideoStub()
            topic = prose.Topic(rng)
            v.index = i
            v.title = rng.choice([
                f"{topic.person} of {topic.org} on {topic.trend}",
                f"Global Banking & Finance Awards: {topic.org2} Wins Best {prose.title_case(topic.sector)} Award",
                f"Video: How {topic.trend} Is Changing {prose.title_case(topic.sector)}",
                f"In Focus: {topic.city}’s {prose.title_case(topic.sector)} Scene",
            ])
            v.slug = self._unique_slug(prose.slugify(v.title))
            v.pub = t
            v.description = prose.summary(rng, topic)
            v.youtube_id = "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")
                                   for _ in range(11))
            t -= rng.randrange(2 * 86400, 9 * 86400)
            self._videos.append(v)
            self._video_by_slug[v.slug] = v

    def key_at(self, position: int, step: int) -> int:
        """The key of the position-th newest article at a step."""
        new = NEW_PER_STEP * step
        return self.n_base + new - 1 - position if position < new else position - new

    def _schedule_updates(self) -> dict:
        updates: dict = {}
        for k in range(1, self.step + 1):
            rng = Random(f"gbaf:{self.seed}:updates:{k}")
            chosen, tries = [], 0
            while len(chosen) < min(UPDATED_PER_STEP, self.n_base):
                # Revisions go to articles of step 0, mostly recent ones, so that an article is
                # either new or updated since step 0, never both.
                span = min(150, self.n_base) if rng.random() < 0.7 else self.n_base
                key = rng.randrange(span)
                tries += 1
                if key in chosen or (key in updates and tries < 200):
                    continue
                chosen.append(key)
            base = EPOCH + (k - 1) * STEP_SECONDS + 5 * 3600 + 600
            for j, key in enumerate(chosen):
                updates.setdefault(key, []).append((k, base + j * 420 + rng.randrange(0, 300)))
        return updates

    def _index(self) -> None:
        total = len(self._stubs)
        self._order = [self.key_at(p, self.step) for p in range(total)]
        self._position = {key: p for p, key in enumerate(self._order)}
        self._listing: dict = {c.name: [] for c in NEWS_CATEGORIES + [TOP_STORIES]}
        self._primary: dict = {c.name: [] for c in NEWS_CATEGORIES}
        self._tags: dict = {}
        self._tag_names: dict = {}
        for key in self._order:
            s = self._stubs[key]
            self._primary[s.cat].append(key)
            self._listing[s.cat].append(key)
            if s.cat2:
                self._listing[s.cat2].append(key)
            for name in s.tags:
                slug = tag_slug(name)
                lst = self._tags.setdefault(slug, [])
                if not lst or lst[-1] != key:
                    lst.append(key)
                self._tag_names.setdefault(slug, name)
        self._primary_pos = {}
        for keys in self._primary.values():
            for p, key in enumerate(keys):
                self._primary_pos[key] = p
        self._base_primary = {name: [k for k in keys if k < self.n_base] for name, keys in self._primary.items()}

    def _choose_script_filled(self, load_more: str) -> None:
        cat = CATEGORIES_BY_NAME.get(load_more)
        if cat is None or cat not in NEWS_CATEGORIES:
            raise ValueError(f"load_more must be a news category, not {load_more!r}")
        self.load_more = cat
        # Older articles of the category, listed after its first page, with no other way in.
        for position, key in enumerate(self._listing[cat.name]):
            s = self._stubs[key]
            if position >= PER_PAGE and s.cat == cat.name and s.cat2 is None and s.alias is None and key % 3 != 0:
                self._listing_only.add(key)
        for slug in list(self._tags):
            self._tags[slug] = [k for k in self._tags[slug] if k not in self._listing_only]
            if not self._tags[slug]:
                del self._tags[slug], self._tag_names[slug]
        # Wire copy reachable at two URLs is left static, so every page that needs rendering has one URL.
        for s in self._stubs:
            if s.alias != "wire" and Random(f"gbaf:{self.seed}:{s.key}:script").random() < self.js_share:
                self._script_related.add(s.key)

    # -- script-filled pages (js_share > 0) -------------------------------------------------------

    def related_by_script(self, s: Stub) -> bool:
        """Whether the page's "More from" block is filled in the browser (empty in the HTML)."""
        return s.key in self._script_related

    def listed_by_script(self, name: str) -> bool:
        """Whether the category's listing shows its later cards only through "Load more"."""
        return self.load_more is not None and self.load_more.name == name

    def script_filled_paths(self) -> list:
        """Paths of the pages whose HTML lacks a block the browser fills: what a crawl must render."""
        paths = [self._stubs[k].path for k in self._script_related]
        if self.load_more is not None and self.listing_pages(self.load_more.name) > 1:
            paths.append(self.load_more.path)
        return sorted(paths)

    def behind_load_more(self) -> list:
        """Canonical URLs of the articles the "Load more" listing shows only after a click."""
        if self.load_more is None:
            return []
        return sorted({canonical_url(s.path) for s in self.listing(self.load_more.name)[PER_PAGE:]})

    def listing_only_urls(self) -> list:
        """Canonical URLs of the articles no static link leads to: only "Load more" shows them."""
        return sorted(canonical_url(self._stubs[k].path) for k in self._listing_only)

    def static_misses(self) -> dict:
        """What a full crawl that never renders misses: the articles only "Load more" shows
        (`records`), and the articles whose record lacks its related links (`related`: their
        "More from" block is filled by script; their record has related=[])."""
        return {"records": self.listing_only_urls(),
                "related": sorted(canonical_url(self._stubs[k].path) for k in self._script_related
                                  if k not in self._listing_only)}

    # -- per-article facts --------------------------------------------------------------------

    @property
    def article_count(self) -> int:
        return len(self._stubs)

    def stub(self, key: int) -> Stub:
        return self._stubs[key]

    def stubs_newest_first(self):
        """Articles newest first, as sitemaps, feeds and the home page list them."""
        return (self._stubs[k] for k in self._order if k not in self._listing_only)

    def videos(self) -> list:
        return self._videos

    def image_url(self, s: Stub):
        if not has_image(s.key):
            return None
        d = datetime.fromtimestamp(s.pub, timezone.utc)
        tag = "%06x" % (zlib.crc32(f"{self.seed}:{s.key}".encode()) & 0xFFFFFF)
        ext = ("jpeg", "jpg", "png", "webp")[s.key % 4]
        return f"{SITE_ROOT}/wp-content/uploads/{d.year}/{d.month:02d}/{prose.slugify(s.title, 6, False)}-{tag}.{ext}"

    def excerpt(self, s: Stub) -> str:
        rng = Random(f"gbaf:{self.seed}:{s.key}:excerpt")
        return prose.summary(rng, prose.Topic(Random(f"gbaf:{self.seed}:{s.key}:topic")))

    def updated_ts(self, s: Stub):
        """Last update time at this step, or None where the page gives none."""
        steps = [ts for k, ts in self._updates.get(s.key, ()) if k <= self.step]
        if steps:
            return steps[-1]
        style = update_style(s.key)
        if style == "none":
            return None
        if style == "same":
            return s.pub
        later = s.pub + Random(f"gbaf:{self.seed}:{s.key}:updated").randrange(900, 36 * 3600)
        if s.key < self.n_base:
            return min(later, EPOCH - 60)
        k = (s.key - self.n_base) // NEW_PER_STEP + 1
        return min(later, EPOCH + k * STEP_SECONDS - 60)

    def related(self, s: Stub) -> list:
        """The 'More from' block: the next older articles of the category, as (title, path, stub or None).

        Older neighbours only, so a new article never changes an existing page's block.
        """
        keys = self._primary[s.cat]
        p = self._primary_pos[s.key]
        hidden = self._listing_only
        if hidden:
            picked = [k for k in keys[p + 1:] if k not in hidden][:RELATED_COUNT]
        else:
            picked = [k for k in keys[p + 1:p + 1 + RELATED_COUNT]]
        for k in self._base_primary[s.cat]:
            if len(picked) >= RELATED_COUNT:
                break
            if k != s.key and k not in picked and k not in hidden:
                picked.append(k)
        out = [(self._stubs[k].title, self._stubs[k].path, self._stubs[k]) for k in picked]
        if s.broken and len(out) > 4:
            out[4] = (s.broken[0], f"/{s.broken[1]}/", None)
        return out

    def neighbours(self, s: Stub):
        """(previous = next older, next = next newer) article of the primary category."""
        keys = self._primary[s.cat]
        p = self._primary_pos[s.key]
        hidden = self._listing_only
        if hidden:
            older = next((k for k in keys[p + 1:] if k not in hidden), None)
            newer = next((k for k in reversed(keys[:p]) if k not in hidden), None)
            return (self._stubs[older] if older is not None else None,
                    self._stubs[newer] if newer is not None else None)
        prev = self._stubs[keys[p + 1]] if p + 1 < len(keys) else None
        nxt = self._stubs[keys[p - 1]] if p > 0 else None
        return prev, nxt

    def article(self, key: int) -> Article:
        with self._cache_lock:
            a = self._cache.get(key)
            if a is not None:
                self._cache.move_to_end(key)
                return a
        a = self._build_article(self._stubs[key])
        with self._cache_lock:
            self._cache[key] = a
            if len(self._cache) > 512:
                self._cache.popitem(last=False)
        return a

    def _build_article(self, s: Stub) -> Article:
        key = s.key
        rng = Random(f"gbaf:{self.seed}:{key}:body")
        t = prose.Topic(Random(f"gbaf:{self.seed}:{key}:topic"))
        a = Article()
        a.stub = s
        interview = s.kind == "interview"

        r = rng.random()
        if s.kind == "wire":
            n_authors = 1 if r < 0.68 else 2 if r < 0.88 else 0
        else:
            n_authors = 1 if r < 0.6 else 2 if r < 0.75 else 3 if r < 0.85 else 0
        authors = []
        while len(authors) < n_authors:
            name = prose.person_name(rng)
            if name not in authors:
                authors.append(name)
        a.authors = authors
        a.byline = None
        if authors and rng.random() < (0.85 if s.kind == "wire" else 0.7):
            if len(authors) == 1:
                a.byline = f"By {authors[0]}"
            elif len(authors) == 2:
                a.byline = rng.choice([f"By {authors[0]} and {authors[1]}", f"By {authors[0]}, {authors[1]}"])
            else:
                a.byline = f"By {authors[0]}, {authors[1]} and {authors[2]}"

        d = datetime.fromtimestamp(s.pub, timezone.utc)
        if s.agency == "AP":
            dateline = f"{t.dateline} (AP) — "
        elif s.agency:
            dateline = f"{t.dateline}, {W.MONTHS[d.month - 1]} {d.day} ({s.agency}) - "
        else:
            dateline = ""

        blocks = []
        if rng.random() < 0.5:
            blocks.append(("h2", prose.title_case(prose.heading(rng, t))))
        if rng.random() < 0.5:
            blocks.append(("h3", prose.heading(rng, t)))
        if a.byline:
            blocks.append(("byline", a.byline))
        target = rng.randrange(420, 1050)
        count, section, first = 0, 0, True
        while count < target:
            if interview and section:
                head = prose.interview_question(rng, t)
            elif section > 2 and rng.random() < 0.12:
                head = prose.quote_heading(rng)
            else:
                head = prose.heading(rng, t)
            blocks.append(("h2" if rng.random() < 0.55 else "h3", head))
            count += len(head.split())
            for i in range(rng.randrange(1, 4)):
                if i and count >= target:  # a section keeps at least one paragraph
                    break
                text = prose.paragraph(rng, t, interview and section > 0)
                if first:
                    text, first = dateline + text, False
                    blocks.append(("p", text))
                else:
                    blocks.append(("quote" if rng.random() < 0.05 else "p", text))
                count += len(text.split())
            section += 1
        if is_cut_short(key):
            tag, text = blocks[-1]
            blocks[-1] = (tag, _cut_mid_word(text, rng))

        a.update_count = 0
        first_text = next(i for i, (tag, _) in enumerate(blocks) if tag in ("p", "quote"))
        for k, _ts in self._updates.get(key, ()):
            if k <= self.step:
                urng = Random(f"gbaf:{self.seed}:update:{key}:{k}")
                blocks.insert(first_text + 1, ("p", prose.paragraph(urng, t)))
                a.update_count += 1
        a.blocks = blocks

        a.summary = prose.summary(rng, t) if has_summary(key) else None
        a.takeaways = prose.takeaways(rng, t, rng.randrange(3, 6)) if has_takeaways(key) else []
        a.empty_bullet = bool(a.takeaways) and rng.random() < 0.3
        a.faq = prose.faq(rng, t, rng.randrange(3, 6)) if has_faq(key) else []
        a.references = prose.references(rng, t, rng.randrange(2, 5)) if has_references(key) else []
        body_words = sum(len(text.split()) for tag, text in blocks if tag != "byline")
        a.reading_time = max(1, round(body_words / 200)) if has_reading_time(key) else None
        a.image_url = self.image_url(s)
        a.updated = self.updated_ts(s)
        a.excerpt = self.excerpt(s)
        return a

    # -- what a crawl must find --------------------------------------------------------------

    def expected_record(self, key: int) -> dict:
        s = self._stubs[key]
        a = self.article(key)
        machine_dates = has_jsonld(key) or has_meta(key) or has_nextdata(key) or has_time_attr(key)

        def date(ts):
            if ts is None:
                return None
            return iso_utc(ts if machine_dates else midnight_utc(ts))

        # The byline is the only visible source of authors; without it, only the data layers tell.
        authors = a.authors if (a.byline or has_jsonld(key) or has_nextdata(key)) else []
        body = join_body(text for tag, text in a.blocks if tag != "byline")
        title = normalise(s.title)
        url = canonical_url(s.path)
        return {
            "schema_version": SCHEMA_VERSION,
            "id": record_id(url),
            "url": url,
            "title": title,
            "category": s.cat,
            "tags": dedupe(s.tags),
            "authors": dedupe(authors),
            "source": s.agency,
            "dateline": _dateline_place(a, s),
            "published_at": date(s.pub),
            "updated_at": date(a.updated),
            "summary": normalise(a.summary) if a.summary else None,
            "body": body,
            "key_takeaways": [normalise(x) for x in a.takeaways],
            "faq": [{"question": normalise(f["question"]), "answer": normalise(f["answer"])} for f in a.faq],
            "references": [{"title": normalise(r["title"]), "url": r["url"]} for r in a.references],
            "related": [{"title": normalise(title_), "url": canonical_url(path)}
                        for title_, path, _ in self.related(s)],
            "image_url": a.image_url,
            "reading_time_minutes": a.reading_time,
            "word_count": word_count(body),
            "language": "en",
            "truncated": is_truncated(body),
            "content_hash": content_hash(title, body),
            "version": 1,
        }

    def expected_records(self) -> list:
        """One record per distinct article at this step, sorted by url (no crawled_at, no extraction)."""
        records = [self.expected_record(s.key) for s in self._stubs]
        return sorted(records, key=lambda r: r["url"])

    def expected_by_url(self) -> dict:
        return {r["url"]: r for r in self.expected_records()}

    def aliases(self) -> dict:
        """{alias path: canonical URL} for every linked duplicate way of reaching an article."""
        out = {}
        for s in self._stubs:
            alias = self.alias_path(s)
            if alias:
                out[alias] = s.url
        return out

    def alias_path(self, s: Stub):
        if s.alias == "wire":
            return f"/{s.wire_slug}/"
        if s.alias == "utm":
            return f"{s.path}?{UTM_QUERIES[s.key % 2]}"
        if s.alias == "noslash":
            return f"/{s.slug}"
        return None

    def listing_pages(self, name: str) -> int:
        count = len(self._videos) if name == VIDEOS.name else len(self._listing[name])
        return max(1, -(-count // PER_PAGE))

    def tag_pages(self, slug: str) -> int:
        return max(1, -(-len(self._tags.get(slug, ())) // PER_PAGE))

    def non_article_paths(self) -> list:
        """Paths of pages that must yield no record."""
        paths = ["/"] + list(COMPANY_PAGES) + list(AWARD_PAGES) + list(OTHER_PAGES)
        paths += [magazine_path(i) for i in MAGAZINE_ISSUES]
        paths += [v.path for v in self._videos]
        for c in NEWS_CATEGORIES + [TOP_STORIES, VIDEOS]:
            paths.append(c.path)
            if not self.listed_by_script(c.name):  # "Load more" instead of /page/2/
                paths += [f"{c.path}page/{n}/" for n in range(2, self.listing_pages(c.name) + 1)]
        for slug in self._tags:
            paths.append(f"/tag/{slug}/")
            paths += [f"/tag/{slug}/page/{n}/" for n in range(2, self.tag_pages(slug) + 1)]
        return sorted(paths)

    def broken_paths(self) -> list:
        """Linked paths that answer 404 (related links to articles that no longer exist)."""
        return sorted(f"/{s.broken[1]}/" for s in self._stubs if s.broken)

    def changes_since(self, step_a: int) -> dict:
        """Articles new and updated between step `step_a` and this site's step, as canonical URLs."""
        if not 0 <= step_a <= self.step:
            raise ValueError("step_a must be between 0 and the site's step")
        first_new = self.n_base + NEW_PER_STEP * step_a
        new = [s.url for s in self._stubs[first_new:]]
        updated = sorted({self._stubs[key].url for key, ups in self._updates.items()
                          if key < first_new and any(step_a < k <= self.step for k, _ in ups)})
        return {"new": sorted(new), "updated": updated}

    # -- URLs ------------------------------------------------------------------------------------

    def resolve(self, path: str):
        """('article', key) | ('video', VideoStub) | None for a root-level slug path."""
        slug = path.strip("/")
        if "/" in slug:
            return None
        if slug in self._by_slug:
            return "article", self._by_slug[slug]
        if slug in self._by_wire_slug:
            return "article", self._by_wire_slug[slug]
        if slug in self._video_by_slug:
            return "video", self._video_by_slug[slug]
        return None

    def listing(self, name: str) -> list:
        if name == VIDEOS.name:
            return self._videos
        return [self._stubs[k] for k in self._listing[name]]

    def tag_listing(self, slug: str):
        keys = self._tags.get(slug)
        if keys is None:
            return None, []
        return self._tag_names[slug], [self._stubs[k] for k in keys]

    def tag_slugs(self) -> list:
        return sorted(self._tags)

    def render(self, path_with_query: str):
        """(status, headers, body bytes) for a path with optional query, or an absolute URL."""
        from . import routes
        parts = urlsplit(path_with_query)
        return routes.route(self, unquote(parts.path) or "/", parts.query)


def _dateline_place(a: Article, s: Stub):
    if not s.agency:
        return None
    first = next(text for tag, text in a.blocks if tag in ("p", "quote"))
    marker = " (AP)" if s.agency == "AP" else ","
    return normalise(first.split(marker, 1)[0])


def _cut_mid_word(text: str, rng: Random) -> str:
    """Cut a paragraph inside a word, as the reference page's body is ('a U.S.-san')."""
    for _ in range(50):
        i = rng.randrange(len(text) // 2, len(text) - 2)
        if text[i - 1].isalpha() and text[i].isalpha() and text[i - 2].isalpha():
            return text[:i]
    return text.rstrip(".!?…”’\"') ") + " and the"
